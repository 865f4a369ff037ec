"""The config file on disk: read it with a bound, and find what a write must replace.

``--config`` and ``GLTUI_CONFIG`` may name anything, and ``config.toml`` may be a
symbolic link (dotfile managers make it one). Reading a FIFO would block for ever
and ``/dev/zero`` would fill memory, so the file is opened without blocking and
checked to be a regular file of at most :data:`MAX_CONFIG_BYTES` before a byte is
read. A write goes through a symbolic link to the file it points to, never
replacing the link with a plain file (which would silently fork the user's
dotfiles).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gltui.config.model import ConfigError

MAX_CONFIG_BYTES = 1 << 20
"""1 MiB: a config with a hundred instances and templates is a few KiB."""
_READ_CHUNK_BYTES = 64 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal device never becomes our controlling tty
    | getattr(os, "O_CLOEXEC", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def _too_big(path: Path) -> ConfigError:
    size = f"{MAX_CONFIG_BYTES >> 20} MiB"
    return ConfigError(path, "", f"is larger than {size}; is it really gltui's config?")


def read_config_bytes(path: Path) -> bytes | None:
    """The file's bytes, or ``None`` when there is no file (nor a link's target).

    Raises :class:`ConfigError` for anything but a regular file of at most
    :data:`MAX_CONFIG_BYTES`; the check is on the open descriptor (``fstat``), so a
    file swapped for a device between check and read is still caught, and the read
    stops one byte past the bound in case the file grows meanwhile.
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigError(path, "", f"cannot read it: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(path, "", f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise _too_big(path)
        chunks, size = [], 0
        while size <= MAX_CONFIG_BYTES:
            chunk = os.read(descriptor, min(_READ_CHUNK_BYTES, MAX_CONFIG_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CONFIG_BYTES:
            raise _too_big(path)
        return b"".join(chunks)
    except OSError as error:
        raise ConfigError(path, "", f"cannot read it: {error.strerror}") from None
    finally:
        os.close(descriptor)


def write_target(path: Path) -> Path:
    """The file a write of ``path`` replaces: ``path``, or the file its symbolic link
    points to (followed to the end), so the link stays a link and the atomic
    replacement happens in the target's directory.

    Refused with the reason: a dangling link (writing would make a file where the
    user expects their dotfile), a loop, and a link to, or a ``path`` that is,
    anything but a regular file.
    """
    if not path.is_symlink():
        if path.exists() and not path.is_file():
            raise ConfigError(path, "", f"is {_kind(path.stat().st_mode)}, not a regular file")
        return path
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise ConfigError(
            path,
            "",
            f"is a symbolic link to {os.readlink(path)}, which does not exist; "
            "create that file or remove the link",
        ) from None
    except (OSError, RuntimeError):  # a loop: RuntimeError before Python 3.13
        reason = "is a symbolic link that cannot be followed (a loop?)"
        raise ConfigError(path, "", reason) from None
    if not target.is_file():
        kind = _kind(target.stat().st_mode)
        raise ConfigError(path, "", f"is a symbolic link to {target}, which is {kind}")
    return target
