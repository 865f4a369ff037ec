"""Turn a token source into the token, without ever putting the value in a message.

A ``token_command`` is the user's own program, but it may misbehave: print for ever
(``yes``), or leave a child holding its output pipe after it exits. It runs in its
own session (``start_new_session``), its output is read in chunks up to
:data:`MAX_COMMAND_OUTPUT_BYTES`, and at the timeout or the bound its whole process
group is killed, so gltui neither hangs nor fills memory. What it printed is never
put in a message: it may be the token.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping

from gltui.config.model import TokenSource
from gltui.domain.secret import Secret

COMMAND_TIMEOUT_SECONDS = 30.0
"""A password manager may ask for a passphrase; give it time, but not forever."""
MAX_COMMAND_OUTPUT_BYTES = 64 * 1024
"""A token is one short line; 64 KiB leaves room for chatty password managers."""
_READ_CHUNK_BYTES = 4096


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
    name = command[0]
    try:
        process = subprocess.Popen(  # noqa: S603 - the user's own command, without a shell
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise TokenSourceError(f"token_command {name!r} was not found") from None
    except OSError as error:
        raise TokenSourceError(f"token_command {name!r} could not run: {error.strerror}") from None
    assert process.stdout is not None
    stdout = process.stdout
    deadline = time.monotonic() + timeout
    finished = False
    try:
        try:
            output = _read_until_closed(stdout.fileno(), deadline)
        except OSError as error:
            raise TokenSourceError(
                f"token_command {name!r}: cannot read its output: {error.strerror}"
            ) from None
        if output is None:
            raise TokenSourceError(f"token_command {name!r} gave no answer in {timeout:g} s")
        if len(output) > MAX_COMMAND_OUTPUT_BYTES:
            limit = f"{MAX_COMMAND_OUTPUT_BYTES // 1024} KiB"
            raise TokenSourceError(f"token_command {name!r} printed more than {limit}")
        try:
            returncode = process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TokenSourceError(
                f"token_command {name!r} gave no answer in {timeout:g} s"
            ) from None
        finished = True
        return returncode, output
    finally:
        if not finished:
            _kill_group(process)
        stdout.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1)


def _read_until_closed(descriptor: int, deadline: float) -> bytes | None:
    """What the pipe carries until every writer closes it: ``None`` at the deadline,
    and no more than one chunk past :data:`MAX_COMMAND_OUTPUT_BYTES` (the caller
    refuses that much)."""
    chunks: list[bytes] = []
    size = 0
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while size <= MAX_COMMAND_OUTPUT_BYTES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if not selector.select(remaining):
                continue
            chunk = os.read(descriptor, _READ_CHUNK_BYTES)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the command and everything it started in its session (the group's id is
    the command's pid); a group already gone is fine."""
    killpg = getattr(os, "killpg", None)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if killpg is not None:
            killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - no process groups (Windows): the command only
            process.kill()


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
