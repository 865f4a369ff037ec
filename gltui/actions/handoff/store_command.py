"""Run a store command with the new value on stdin, bounded in time and output.

The user's command (``pass insert -m gitlab/renovate``, ``vault kv put ... token=-``,
``gh secret set NAME``) gets the value on stdin only: never on argv (``ps`` and the
process table show argv to every user), never in its environment, never through a
shell. It runs as ``token_command`` does, through the same
:func:`~gltui.bounded_process.run_bounded`: in its own session, its output read in
chunks up to :data:`MAX_OUTPUT_BYTES`, and at the deadline its whole process group is
killed, so a command that hangs (a passphrase prompt with no terminal) or leaves a
child holding its pipes costs its bound, not gltui. What it
printed is never echoed: a store may print the value back. A failure names the exit
code and, at most, the last line of stderr, scrubbed of the value and of anything
token-shaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from gltui.bounded_process import CommandFailed, Finished, run_bounded
from gltui.domain.display import printable_said

MAX_OUTPUT_BYTES = 64 * 1024
"""stdout and stderr together; a store acknowledges in a line or two."""
_SAID_CHARS = 200


class StoreCommandError(Exception):
    """The command could not do its job; the message names it and never holds a value."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def last_words(stderr: bytes, secrets: Sequence[str]) -> str:
    """The last non-empty line of ``stderr``, scrubbed and escaped, bounded."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()]
    said = next((line for line in reversed(lines) if line), "")
    said = printable_said(said, tuple(secrets))
    return said if len(said) <= _SAID_CHARS else said[: _SAID_CHARS - 1] + "…"


def run_store_command(
    argv: Sequence[str],
    stdin: bytes,
    timeout: float,
) -> Finished:
    """Run ``argv`` (no shell), feed it ``stdin`` and close it, and collect its output.

    Raises :class:`StoreCommandError` when it cannot start, outlasts ``timeout``
    (counting until its output closes: a child holding a pipe counts), or prints more
    than :data:`MAX_OUTPUT_BYTES`. Nothing here quotes the output (:func:`last_words`
    does, scrubbed, for the caller)."""
    try:
        return run_bounded(
            argv, timeout=timeout, max_output=MAX_OUTPUT_BYTES, stdin=stdin, capture_stderr=True
        )
    except CommandFailed as failed:
        who = f"command {argv[0]!r}"
        said = failed.said(who, timeout, MAX_OUTPUT_BYTES, stopped="; stopped it")
        raise StoreCommandError(said) from None
