"""Run a user's command bounded in time and output, however it misbehaves.

Both places gltui runs a program of the user's (``token_command``, which prints a
token: :mod:`gltui.config.secrets`; a hand-off's store command, which reads the new
value on stdin: :mod:`gltui.actions.handoff.store_command`) face the same programs:
one that prints for ever (``yes``), hangs on a passphrase prompt with no terminal, or
leaves a child holding its pipes after it exits. So the command runs without a shell,
in its own session (``start_new_session``: its process group id is its pid); its
output is read in chunks up to a cap while its stdin is written; and at the deadline
or past the cap its whole process group is killed. gltui neither hangs nor fills
memory, and the deadline counts until the output closes (a child holding a pipe
counts).

Nothing here quotes the output: it may be a token. :meth:`CommandFailed.said` words a
failure with the command's name, its bound and the OS's words only, each caller naming
the command its own way. A root utility: it depends on no gltui layer.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

CHUNK_BYTES = 4096


class Failure(Enum):
    """How a command failed to finish within its bounds."""

    NOT_FOUND = "not found"
    CANNOT_START = "cannot start"
    TIMED_OUT = "timed out"
    TOO_MUCH_OUTPUT = "too much output"
    PIPE_ERROR = "pipe error"
    """Writing its stdin or reading its output failed (``detail`` says which)."""


class CommandFailed(Exception):
    """The command did not finish within its bounds (it was killed if it ran)."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(failure.value if not detail else f"{failure.value}: {detail}")
        self.failure = failure
        self.detail = detail
        """The OS's words (``strerror``), for :attr:`Failure.CANNOT_START` and
        :attr:`Failure.PIPE_ERROR`; never the command's output."""

    def said(self, who: str, timeout: float, max_output: int, *, stopped: str = "") -> str:
        """The failure in words: ``who`` (``command 'pass'``), then what went wrong;
        ``stopped`` follows a bound that was hit (``"; stopped it"``)."""
        if self.failure is Failure.NOT_FOUND:
            return f"{who} was not found"
        if self.failure is Failure.CANNOT_START:
            return f"{who} could not run: {self.detail}"
        if self.failure is Failure.TIMED_OUT:
            return f"{who} gave no answer in {timeout:g} s{stopped}"
        if self.failure is Failure.TOO_MUCH_OUTPUT:
            return f"{who} printed more than {max_output // 1024} KiB{stopped}"
        return f"{who}: {self.detail}"


@dataclass(frozen=True)
class Finished:
    """A command that finished within its bounds (its output never in a repr)."""

    returncode: int
    stdout: bytes = field(repr=False)
    stderr: bytes = field(repr=False)
    """Empty unless asked for (``capture_stderr``)."""


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    max_output: int,
    stdin: bytes | None = None,
    capture_stderr: bool = False,
) -> Finished:
    """Run ``argv`` (no shell), write ``stdin`` to it and close it (``None``: no stdin
    at all), and collect its stdout (and stderr, when ``capture_stderr``; otherwise it
    is discarded). Raises :class:`CommandFailed` when it cannot start, outlasts
    ``timeout`` or prints more than ``max_output`` bytes (its outputs together)."""
    try:
        process = subprocess.Popen(  # noqa: S603 - the user's own command, without a shell
            list(argv),
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if capture_stderr else subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise CommandFailed(Failure.NOT_FOUND) from None
    except OSError as error:
        raise CommandFailed(Failure.CANNOT_START, str(error.strerror)) from None
    deadline = time.monotonic() + timeout
    finished = False
    try:
        try:
            outputs = _exchange(process, stdin, deadline, max_output)
        except OSError as error:  # the pipes' own errors are worded where they happen
            raise CommandFailed(Failure.PIPE_ERROR, str(error.strerror or error)) from None
        if outputs is None:
            raise CommandFailed(Failure.TIMED_OUT)
        stdout, stderr = outputs
        if len(stdout) + len(stderr) > max_output:
            raise CommandFailed(Failure.TOO_MUCH_OUTPUT)
        try:
            returncode = process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise CommandFailed(Failure.TIMED_OUT) from None
        finished = True
        return Finished(returncode, stdout, stderr)
    finally:
        if not finished:
            kill_group(process)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1)


def _exchange(
    process: subprocess.Popen[bytes], data: bytes | None, deadline: float, max_output: int
) -> tuple[bytes, bytes] | None:
    """Write ``data`` to stdin (then close it) while reading the captured outputs until
    they close; ``None`` at the deadline. Stops reading one chunk past ``max_output``
    (the caller refuses that much)."""
    assert process.stdout is not None
    outputs = [process.stdout.fileno()]
    if process.stderr is not None:
        outputs.append(process.stderr.fileno())
    chunks: dict[int, list[bytes]] = {descriptor: [] for descriptor in outputs}
    pending = memoryview(data or b"")
    size = 0
    with selectors.DefaultSelector() as selector:
        writer = None
        if process.stdin is not None:
            writer = process.stdin.fileno()
            os.set_blocking(writer, False)
            selector.register(writer, selectors.EVENT_WRITE)
        for descriptor in outputs:
            selector.register(descriptor, selectors.EVENT_READ)
        open_outputs = len(outputs)
        while open_outputs and size <= max_output:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            for key, _ in selector.select(remaining):
                descriptor = int(key.fd)
                if descriptor == writer:
                    pending = _write_some(process, selector, writer, pending)
                    continue
                try:
                    chunk = os.read(descriptor, CHUNK_BYTES)
                except OSError as error:
                    said = f"cannot read its output: {error.strerror or error}"
                    raise CommandFailed(Failure.PIPE_ERROR, said) from None
                if not chunk:
                    selector.unregister(descriptor)
                    open_outputs -= 1
                    continue
                chunks[descriptor].append(chunk)
                size += len(chunk)
    out = b"".join(chunks[outputs[0]])
    err = b"".join(chunks[outputs[1]]) if len(outputs) > 1 else b""
    return out, err


def _write_some(
    process: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    writer: int,
    pending: memoryview,
) -> memoryview:
    """One chunk more of stdin; once all is written (or the command closed its stdin:
    it read what it wanted), stdin is closed."""
    try:
        written = os.write(writer, pending[:CHUNK_BYTES])
        pending = pending[written:]
    except BrokenPipeError:
        pending = pending[:0]
    except OSError as error:
        said = f"cannot write its input: {error.strerror or error}"
        raise CommandFailed(Failure.PIPE_ERROR, said) from None
    if not pending:
        selector.unregister(writer)
        assert process.stdin is not None
        process.stdin.close()
    return pending


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started in its session (its group id is its
    pid); a group already gone is fine."""
    killpg = getattr(os, "killpg", None)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - no process groups (Windows): the command only
            process.kill()
