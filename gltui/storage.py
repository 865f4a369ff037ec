"""Private, atomic file writes: the only way gltui writes its files.

Write to a temporary file in the same directory (created mode 600), fsync, then
``os.replace`` over the target: a crash or a concurrent gltui leaves either the
old file or the new one, never half of one, and nobody else can read it.

Files that are read, changed and written back (history, review sign-offs, pending
replacements, the config file) are changed under :func:`locked`, an advisory lock
on a sidecar file, so two gltui processes cannot lose each other's change.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: atomic writes still hold, locks do not
    fcntl = None  # type: ignore[assignment]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


STALE_TEMPORARY_SECONDS = 600
"""A temporary file this old was left by a killed gltui (a write takes milliseconds)."""


def write_private(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> None:
    """Atomically replace ``path`` with ``data``, readable by its owner only (or with
    ``mode``: another program's file keeps the mode it had)."""
    write_private_chunks(path, (data,), mode=mode)


def write_private_chunks(path: Path, chunks: Iterable[bytes], *, mode: int = PRIVATE_FILE) -> None:
    """:func:`write_private` of the concatenated ``chunks``, written as they come: a
    100,000-token snapshot never exists whole in memory (as text and bytes, ~45 MB)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _remove_stale_temporaries(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:  # closed whatever fails below
            os.fchmod(stream.fileno(), mode)
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        # a full or failing disk must leave no temporary behind, and the error the
        # caller hears is the write's (ENOSPC), not one from cleaning up after it
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete what a process killed mid-write left beside ``path``; a temporary file of a
    write going on right now is young and stays."""
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for a read-modify-write of ``path`` (``<path>.lock``, 600).

    Blocks while another gltui process holds it; the lock dies with its process, so
    a killed gltui never leaves it stuck.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    descriptor = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
    try:
        if fcntl is not None:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock
