"""Turn a token source into the token, without ever putting the value in a message.

A ``token_command`` is the user's own program, but it may misbehave: print for ever
(``yes``), or leave a child holding its output pipe after it exits. It runs through
:func:`~gltui.bounded_process.run_bounded` (as a hand-off's store command does): in its
own session, its output read in chunks up to :data:`MAX_COMMAND_OUTPUT_BYTES`, and at
the timeout or the bound its whole process group is killed, so gltui neither hangs nor
fills memory. What it printed is never put in a message: it may be the token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from gltui.bounded_process import CommandFailed, run_bounded
from gltui.config.model import TokenSource
from gltui.domain.secret import Secret

COMMAND_TIMEOUT_SECONDS = 30.0
"""A password manager may ask for a passphrase; give it time, but not forever."""
MAX_COMMAND_OUTPUT_BYTES = 64 * 1024
"""A token is one short line; 64 KiB leaves room for chatty password managers."""


class TokenSourceError(Exception):
    """The token could not be had; the message says why and never holds a token."""


def resolve_token(
    source: TokenSource,
    environ: Mapping[str, str] = os.environ,
    *,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> Secret:
    """The token from the environment, a command's first output line, or the file."""
    if source.inline is not None:
        return source.inline
    if source.keyring is not None:
        return _from_keyring(*source.keyring)
    if source.env is not None:
        value = environ.get(source.env, "").strip()
        if not value:
            raise TokenSourceError(f"environment variable {source.env} is not set or empty")
        return Secret(value)
    assert source.command is not None
    name = source.command[0]
    returncode, output = _run_command(source.command, timeout)
    if returncode != 0:
        raise TokenSourceError(f"token_command {name!r} failed with exit code {returncode}")
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError:
        raise TokenSourceError(f"token_command {name!r} printed something not UTF-8") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise TokenSourceError(f"token_command {name!r} printed nothing")
    return Secret(lines[0].strip())


def _run_command(command: tuple[str, ...], timeout: float) -> tuple[int, bytes]:
    """Run ``command`` (no shell, no stdin, stderr discarded) and return its exit code
    and output; :class:`TokenSourceError` when it cannot start, outlasts ``timeout``
    (counting until its output closes: a child holding the pipe counts) or prints more
    than :data:`MAX_COMMAND_OUTPUT_BYTES`."""
    try:
        ran = run_bounded(command, timeout=timeout, max_output=MAX_COMMAND_OUTPUT_BYTES)
    except CommandFailed as failed:
        said = failed.said(f"token_command {command[0]!r}", timeout, MAX_COMMAND_OUTPUT_BYTES)
        raise TokenSourceError(said) from None
    return ran.returncode, ran.stdout


def _from_keyring(service: str, username: str) -> Secret:
    """The system keyring, through the optional ``keyring`` package."""
    try:
        import keyring  # optional extra: pip install 'gltui[keyring]'
        from keyring.errors import KeyringError
    except ImportError:
        raise TokenSourceError(
            "token_keyring needs the keyring package: pip install 'gltui[keyring]'"
        ) from None
    try:
        value = keyring.get_password(service, username)
    except KeyringError as error:
        raise TokenSourceError(f"the keyring refused: {type(error).__name__}") from None
    if not value:
        raise TokenSourceError(f"the keyring has no entry {service}/{username}")
    return Secret(value.strip())
