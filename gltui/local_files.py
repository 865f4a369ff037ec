"""Reading gltui's own files defensively, and saying in words what went wrong.

gltui's snapshots, history, review sign-offs and pending replacements are its own
files, but disks fill up, directories turn read-only, editors and other programs
damage files, and a path can turn out to be a FIFO, a directory or ``/dev/zero``.
None of that may cost the user their report or their dashboard: a file that cannot
be read is reported (a :class:`~gltui.notices.Notices` line) and treated as absent,
and one whose *content* is unusable is set aside as ``<name>.corrupt-<UTC time>``
beside it, never overwritten and still private, before gltui writes a new one, so
nothing the user might want back is destroyed.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gltui.domain.display import printable
from gltui.notices import Notices
from gltui.storage import PRIVATE_FILE, locked

MiB = 1 << 20
SNAPSHOT_LIMIT = 512 * MiB
"""Measured ~220 bytes a token: ~22 MB at 100,000 tokens, with a wide margin."""
HEAD_LIMIT = 8 * MiB
"""200 tokens and ~25 bytes a token of summary: ~2.5 MB at 100,000 tokens."""
HISTORY_LIMIT = 512 * MiB
"""Each day's line holds every token (~100 bytes each): 120 days of 10,000 tokens are
~120 MB, so the history may not share the small state files' cap."""
STATE_LIMIT = 64 * MiB
"""Review sign-offs (~100 bytes a token, once) and pending replacements."""


class Unreadable(OSError):
    """A local file gltui could not use; ``reason`` says why in words.

    An ``OSError``, so callers that already turn write failures into messages turn a
    refusal to write over an unreadable file into one the same way.
    """

    def __init__(self, path: Path, reason: str, identity: tuple[int, int] | None) -> None:
        super().__init__(None, f"{printable(str(path))} {reason}")
        self.path = path
        self.reason = reason
        self.identity = identity
        """``(st_dev, st_ino)`` of a regular file whose content is unusable: only such a
        file is set aside (a directory, a FIFO or a device is never moved)."""

    def __str__(self) -> str:
        return str(self.strerror)

    @property
    def movable(self) -> bool:
        """Whether the file is a regular one that gltui may set aside."""
        return self.identity is not None


@dataclass(frozen=True)
class Read:
    """A local file's bytes and which file they came from (to set that one aside)."""

    data: bytes
    identity: tuple[int, int]


def read_capped(path: Path, limit: int) -> Read | None:
    """The bytes of ``path`` (``None`` when absent); raises :class:`Unreadable`.

    Opened non-blocking, so a FIFO cannot hang gltui; only a regular file is read,
    and never more than ``limit`` bytes of it (``/dev/zero`` or a runaway file must
    not fill the memory).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None  # a file in the way of its directory: the write will say so
    except OSError as error:
        raise Unreadable(path, f"cannot be read: {describe_os_error(error)}", None) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(path, "is not a regular file", None)
        identity = (info.st_dev, info.st_ino)
        too_large = Unreadable(path, f"is larger than gltui reads ({_size(limit)})", identity)
        if info.st_size > limit:
            raise too_large
        with io.FileIO(descriptor, closefd=False) as stream:
            data = stream.read(info.st_size + 1) or b""
            if len(data) > info.st_size:  # growing, or /proc-like: read on, to the cap
                data += _read_more(stream, limit - len(data))
        if len(data) > limit:
            raise too_large
        return Read(data, identity)
    except OSError as error:
        if isinstance(error, Unreadable):
            raise
        raise Unreadable(path, f"cannot be read: {describe_os_error(error)}", None) from None
    finally:
        os.close(descriptor)


def _size(count: int) -> str:
    return f"{count // MiB} MiB" if count >= MiB else f"{count} bytes"


def _read_more(stream: io.FileIO, room: int) -> bytes:
    """Up to ``room + 1`` further bytes (one past the cap says "too large")."""
    parts: list[bytes] = []
    left = room + 1
    while left > 0:
        chunk = stream.read(min(left, MiB))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def parse_json(path: Path, read: Read) -> object:
    """The JSON document in ``read``; raises :class:`Unreadable` (movable) when its bytes
    are not UTF-8, not JSON, or nested too deeply for Python to decode."""
    try:
        text = read.data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(path, "is not valid UTF-8", read.identity) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise Unreadable(path, "is nested too deeply to read", read.identity) from None
    except ValueError:
        raise Unreadable(path, "is not valid JSON (truncated?)", read.identity) from None


def read_json(path: Path, limit: int) -> tuple[object, Read] | None:
    """:func:`read_capped` then :func:`parse_json`; ``None`` when the file is absent."""
    read = read_capped(path, limit)
    if read is None:
        return None
    return parse_json(path, read), read


def utc_stamp() -> str:
    """``20261201T112233Z``: when a damaged file was set aside (a module function, so
    tests can pin it)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _free_aside_name(path: Path) -> Path:
    """``<name>.corrupt-<time>``, or ``...-2``, ``-3`` when that one exists already."""
    base = f"{path.name}.corrupt-{utc_stamp()}"
    candidate, number = path.with_name(base), 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{base}-{number}")
    return candidate


def set_aside(path: Path, damage: Unreadable, *, lock: bool) -> Path | None:
    """Move the damaged file ``path`` to a new ``.corrupt-<time>`` name beside it (mode
    600); ``None`` when it is not there any more or was replaced meanwhile (then
    someone else has dealt with it). Raises ``OSError`` when it cannot be moved.

    ``lock``: take the file's read-modify-write lock first (not when the caller holds
    it already: :func:`~gltui.storage.locked` is not re-entrant).
    """
    if damage.identity is None:
        return None
    if not lock:
        return _move_if_same(path, damage.identity)
    with locked(path):
        return _move_if_same(path, damage.identity)


def _move_if_same(path: Path, identity: tuple[int, int]) -> Path | None:
    try:
        current = os.stat(path)  # what was read, through a symbolic link if it is one
    except FileNotFoundError:
        return None
    if (current.st_dev, current.st_ino) != identity:
        return None
    if os.path.islink(path):  # the user's link moves aside; its target is theirs
        aside = _free_aside_name(path)
        os.rename(path, aside)
        return aside
    while True:
        aside = _free_aside_name(path)
        try:
            os.link(path, aside)  # fails rather than overwrite an earlier aside file
        except FileExistsError:
            continue  # taken between the look and the link: the next name
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            os.rename(path, aside)  # no hard links here: the name was free a moment ago
        else:
            os.unlink(path)
        os.chmod(aside, PRIVATE_FILE)
        return aside


def copy_aside(path: Path, data: bytes) -> Path:
    """Keep ``data`` (a damaged file's original bytes) as a new ``.corrupt-<time>`` file
    beside ``path``, mode 600, before ``path`` is rewritten without its damaged part."""
    while True:
        aside = _free_aside_name(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            descriptor = os.open(aside, flags, PRIVATE_FILE)
        except FileExistsError:
            continue
        try:
            with os.fdopen(descriptor, "wb") as stream:
                os.fchmod(stream.fileno(), PRIVATE_FILE)
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(aside)
            raise
        return aside


_WORDS = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "the operation is not permitted",
    errno.ENOSPC: "the disk is full",
    errno.ENOTDIR: "part of the path is a file, not a directory",
    errno.EEXIST: "a file stands where a directory should be",
    errno.EISDIR: "a directory stands where the file should be",
    errno.ENAMETOOLONG: "a name in the path is too long",
    errno.EIO: "an input/output error (a failing disk?)",
    errno.ENOENT: "the directory does not exist",
    errno.EMFILE: "too many open files",
    errno.ELOOP: "too many symbolic links",
}
for _name, _words in (("EDQUOT", "the disk quota is used up"), ("ENOLCK", "no file lock")):
    if hasattr(errno, _name):
        _WORDS[getattr(errno, _name)] = _words


def describe_os_error(error: BaseException) -> str:
    """What went wrong, in words a user can act on (never a traceback)."""
    if isinstance(error, Unreadable):
        return str(error)
    if isinstance(error, UnicodeError):
        return "a name in it cannot be encoded"
    if isinstance(error, OSError):
        if error.errno in _WORDS:
            return _WORDS[error.errno]
        return printable(error.strerror or type(error).__name__)
    return f"gltui hit {type(error).__name__}"


def shown(text: str | Path) -> str:
    """A name or path for a one-line notice: control characters and unencodable ones
    (a lone surrogate) as escapes."""
    return printable(str(text))


def give_up_on(
    notices: Notices, what: str, damage: Unreadable, *, afterwards: str, left: str, lock: bool
) -> bool:
    """Tell the user ``what`` could not be read and, when its content is the trouble, set
    it aside first. True when ``damage.path`` no longer holds the damaged file (so a new
    one may be written there); False when it is still in the way.

    ``afterwards``: what happens now it is aside; ``left``: what it costs while it
    stays (a directory, a FIFO, an unreadable or unmovable file).
    """
    where = f"{what} ({shown(damage.path)}) {damage.reason}"
    if not damage.movable:
        notices.warn(f"{where}; {left}")
        return False
    try:
        aside = set_aside(damage.path, damage, lock=lock)
    except OSError as error:
        notices.warn(f"{where}, and could not be moved aside ({describe_os_error(error)}); {left}")
        return False
    if aside is not None:  # else someone else replaced or moved it meanwhile
        notices.warn(f"{where}; moved it aside as {shown(aside.name)}, {afterwards}")
    return True


def unsaved(what: str, directory: Path, error: BaseException, afterwards: str) -> str:
    """The notice for a write that failed: which file, where, why, and what it costs."""
    return f"could not save {what} in {shown(directory)}: {describe_os_error(error)}; {afterwards}"
