"""Local trouble costs a notice, never the output: every file gltui reads and rewrites,
damaged every way a file gets damaged, and writes that fail.

The matrix runs each local file kind (snapshot, head, history, review sign-offs,
pending replacements) through each damage shape; the expectations are the design's:
a file whose content is unusable is set aside as ``<name>.corrupt-<UTC time>`` (mode
600, its bytes intact) and read as absent; the history and the pending replacements
keep their good lines/rows and copy the original aside before dropping the damaged
ones; a directory, FIFO or device in a file's place is never read nor moved.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import pytest

from gltui.actions.pending import PendingReplacement, PendingStore
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Progress
from gltui.inventory.reviews import ReviewLog
from gltui.inventory.spec import InstanceSpec
from gltui.notices import Notices
from tests.conftest import NOW

ASIDE = re.compile(r"\.corrupt-\d{8}T\d{6}Z(-\d+)?$")


def token(number: int, name: str = "ci token") -> Token:
    return Token("work", TokenKind.PERSONAL, number, name, ("read_api",), False, None)


def inventory(name: str = "work", *tokens: Token) -> InstanceInventory:
    return InstanceInventory(name, "https://gitlab.example", NOW, tokens=tokens or (token(1),))


PENDING = PendingReplacement(
    "work", "personal_access_token:1", "old", "personal_access_token:2", NOW
)


@dataclass(frozen=True)
class Kind:
    """One kind of local file: where it is, how gltui reads and writes it."""

    name: str
    path: Callable[[Path], Path]
    read_is_empty: Callable[[Path, Notices], bool]
    write: Callable[[Path, Notices], object]
    reads_back: Callable[[Path, Notices], bool]
    wrong_types: Callable[[bytes], bytes]
    """A valid file of this kind (given) with fields of the wrong type."""
    partial: bool
    """Damage costs lines/rows (copied aside at the next write), not the whole file."""


def _head_is_back(root: Path, notices: Notices) -> bool:
    found = SnapshotCache(root, notices).load_head("work")
    return found is not None and found[0].tokens == inventory().tokens


def _retyped_snapshot(valid: bytes) -> bytes:
    """The right schema and fields, a token's name a number and its scopes a string."""
    document = json.loads(valid)
    columns = document["tokens"]["columns"]
    columns[2][0] = 5
    columns[4][0] = "api"
    return json.dumps(document).encode()


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            "snapshot",
            lambda root: SnapshotCache(root).path_for("work"),
            lambda root, n: SnapshotCache(root, n).load("work") is None,
            lambda root, n: SnapshotCache(root, n).save(inventory()),
            lambda root, n: (
                getattr(SnapshotCache(root, n).load("work"), "tokens", None) == inventory().tokens
            ),
            _retyped_snapshot,
            partial=False,
        ),
        Kind(
            "head",
            lambda root: SnapshotCache(root).head_path_for("work"),
            lambda root, n: SnapshotCache(root, n).load_head("work") is None,
            lambda root, n: SnapshotCache(root, n).save(inventory()),
            _head_is_back,
            lambda valid: b'{"head": [], "summary": "x"}',
            partial=False,
        ),
        Kind(
            "history",
            lambda root: History(root).path_for("work"),
            lambda root, n: History(root, notices=n).entries("work") == [],
            lambda root, n: History(root, notices=n).record(inventory(), NOW),
            lambda root, n: (
                [e["day"] for e in History(root, notices=n).entries("work")]
                == [NOW.date().isoformat()]
            ),
            lambda valid: b'{"day": 5, "at": [], "tokens": 3}',
            partial=True,
        ),
        Kind(
            "reviews",
            lambda root: ReviewLog(root).path,
            lambda root, n: (
                ReviewLog(root, n).last() is None and not ReviewLog(root, n).sign_offs()
            ),
            lambda root, n: ReviewLog(root, n).sign_off([token(1)], NOW, 14, {"tokens": 1}),
            lambda root, n: (
                ReviewLog(root, n).last() is not None and len(ReviewLog(root, n).sign_offs()) == 1
            ),
            lambda valid: b'{"schema": 1, "last": [], "log": "x"}',
            partial=False,
        ),
        Kind(
            "pending",
            lambda root: PendingStore(root).path,
            lambda root, n: PendingStore(root, n).all() == [],
            lambda root, n: PendingStore(root, n).add(PENDING),
            lambda root, n: PendingStore(root, n).all() == [PENDING],
            lambda valid: b'[{"instance": 1, "old_key": [], "old_name": null, "new_key": 2}]',
            partial=True,
        ),
    )
}


def valid_bytes(kind: Kind, root: Path) -> bytes:
    """A file of this kind as gltui writes it (then removed again)."""
    scratch = root / "scratch"
    kind.write(scratch, Notices())
    return kind.path(scratch).read_bytes()


DAMAGE: dict[str, Callable[[Kind, Path], bytes]] = {
    "empty list": lambda kind, root: b"[]",
    "null": lambda kind, root: b"null",
    "string": lambda kind, root: b'"x"',
    "number": lambda kind, root: b"1",
    "object missing keys": lambda kind, root: b"{}",
    "wrong types": lambda kind, root: kind.wrong_types(valid_bytes(kind, root)),
    "deep nesting": lambda kind, root: b"[" * 100_000,
    "deep valid nesting": lambda kind, root: b"[" * 100_000 + b"]" * 100_000,
    "non-UTF-8": lambda kind, root: valid_bytes(kind, root).replace(b'"', b'"\xff', 1),
    "truncated": lambda kind, root: valid_bytes(kind, root)[:-7],
}

Expectation = Literal["moved", "partial"]


def expected(kind: Kind, damage: str) -> Expectation:
    """Every history damage here is one damaged line; a pending file that is not a list
    is damaged whole, one whose rows are wrong only in those rows."""
    if kind.name == "history" or (kind.partial and damage == "wrong types"):
        return "partial"
    return "moved"


CASES = [
    (kind, damage)
    for kind in KINDS
    for damage in DAMAGE
    if not (kind == "pending" and damage == "empty list")  # no damage: no pending ones
]


def asides(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name + ".corrupt-"))


@pytest.mark.parametrize(("kind_name", "damage"), CASES)
def test_every_damaged_file_reads_as_absent_with_a_notice(
    tmp_path: Path, kind_name: str, damage: str
) -> None:
    kind = KINDS[kind_name]
    root = tmp_path / "files"
    path = kind.path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    original = DAMAGE[damage](kind, tmp_path)
    path.write_bytes(original)
    notices = Notices()

    assert kind.read_is_empty(root, notices)  # and no exception
    told = notices.drain()
    assert len(told) == 1, told
    assert path.name in told[0]
    if expected(kind, damage) == "moved":
        assert not path.exists()  # treated as absent, out of the way of the next write
        (aside,) = asides(path)
        assert "moved it aside as " + aside.name in told[0]
    else:
        assert path.read_bytes() == original  # kept until the next write drops the damage
        assert asides(path) == []
        assert "damaged" in told[0]

    kind.write(root, notices)
    assert kind.reads_back(root, notices)
    (aside,) = asides(path)  # moved at the read, or copied before this write: once
    assert ASIDE.search(aside.name)
    assert aside.read_bytes() == original
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


PROBE = textwrap.dedent(
    """
    import json, os, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # /dev/zero read whole: dies
    from gltui.notices import Notices
    from tests.test_local_trouble import KINDS

    kind, root = KINDS[sys.argv[1]], Path(sys.argv[2])
    notices = Notices()
    empty = kind.read_is_empty(root, notices)
    try:
        kind.write(root, notices)
        wrote = None
    except OSError as error:
        wrote = str(error)
    print(json.dumps({"empty": empty, "wrote": wrote, "notices": notices.drain()}))
    """
)


def _place(path: Path, shape: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if shape == "directory":
        path.mkdir()
    elif shape == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("shape", ["directory", "fifo", "device"])
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_what_is_not_a_regular_file_is_never_read_nor_moved(
    tmp_path: Path, kind_name: str, shape: str
) -> None:
    """A FIFO must not hang gltui and ``/dev/zero`` must not be read whole (in a child
    process with a memory cap and a timeout, so a regression fails instead of eating
    the machine). Caches replace the thing in their way; state files refuse to."""
    kind = KINDS[kind_name]
    root = tmp_path / "files"
    path = kind.path(root)
    _place(path, shape)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, kind_name, str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome["empty"]
    assert any("is not a regular file" in notice for notice in outcome["notices"])
    assert asides(path) == []
    if kind_name in ("snapshot", "head") and shape != "directory":
        assert stat.S_ISREG(path.lstat().st_mode)  # a cache replaces what is in its way
    else:  # never written over: left as it was, and the write said why it did not happen
        assert not stat.S_ISREG(path.lstat().st_mode)
        refused = outcome["wrote"] is not None  # a sign-off raises: the dashboard says so
        assert refused or len(outcome["notices"]) == 2, outcome


def test_a_file_past_the_size_cap_is_set_aside_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SnapshotCache(tmp_path)
    assert cache.save(inventory("work", *(token(n) for n in range(1, 50))))
    monkeypatch.setattr("gltui.inventory.cache.SNAPSHOT_LIMIT", 1000)
    assert cache.load("work") is None
    (told,) = cache.notices.drain()
    assert "is larger than gltui reads (1000 bytes)" in told
    assert len(asides(cache.path_for("work"))) == 1


def test_an_aside_name_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gltui.local_files.utc_stamp", lambda: "20261201T112233Z")
    cache = SnapshotCache(tmp_path)
    path = cache.path_for("work")
    for content in (b"first damage", b"second damage", b"third damage"):
        path.write_bytes(content)
        assert cache.load("work") is None
    found = {aside.name: aside.read_bytes() for aside in asides(path)}
    assert found == {
        f"{path.name}.corrupt-20261201T112233Z": b"first damage",
        f"{path.name}.corrupt-20261201T112233Z-2": b"second damage",
        f"{path.name}.corrupt-20261201T112233Z-3": b"third damage",
    }


def test_a_foreign_schema_is_ignored_quietly_not_set_aside(tmp_path: Path) -> None:
    """An older or newer gltui's snapshot is no damage: no alarm, the next save replaces it."""
    cache = SnapshotCache(tmp_path)
    cache.path_for("work").write_text(json.dumps({"schema": 1, "name": "work"}))
    assert cache.load("work") is None
    assert cache.notices.drain() == []
    assert cache.path_for("work").exists()


def walker(
    spec: InstanceSpec, now: datetime, _: Callable[[Progress], None] | None
) -> InstanceInventory:
    return inventory(spec.name, token(1), token(2, "deploy \udc80 bot"))


SPEC = InstanceSpec("gitlab.com", "https://gitlab.example", Secret("unused"))


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the file system is read-only"),
        (errno.EACCES, "permission denied"),
        (errno.EIO, "an input/output error (a failing disk?)"),
    ],
)
def test_a_write_that_fails_costs_a_notice_never_the_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    def refuse(path: Path, data: bytes | Iterable[bytes]) -> None:
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr("gltui.inventory.cache.write_private", refuse)
    monkeypatch.setattr("gltui.inventory.cache.write_private_chunks", refuse)
    engine = InventoryEngine(
        [SPEC],
        cache=SnapshotCache(tmp_path / "cache"),
        history=History(tmp_path / "data"),
        walker=walker,
    )
    (fresh,) = engine.refresh(NOW).instances
    assert fresh.ok
    assert len(fresh.tokens) == 2  # everything fetched is there
    told = engine.notices.drain()
    assert told == [
        f"could not save the snapshot of gitlab.com in {tmp_path / 'cache'}: {words}; "
        "the next start shows older tokens from the cache, or none",
        f"could not save the history of gitlab.com in {tmp_path / 'data'}: {words}; "
        "today's refresh is missing from it (the weekly review compares with less)",
    ]


@pytest.mark.parametrize(
    ("below", "words"),
    [
        ("", "a file stands where a directory should be"),  # mkdir: EEXIST
        ("sub", "part of the path is a file, not a directory"),  # mkdir: ENOTDIR
    ],
)
def test_a_file_where_the_directory_should_be(tmp_path: Path, below: str, words: str) -> None:
    """The real thing, no monkeypatch (tests run as root, whom chmod does not stop)."""
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    directory = blocker / below if below else blocker
    engine = InventoryEngine(
        [SPEC], cache=SnapshotCache(directory), history=History(directory), walker=walker
    )
    (fresh,) = engine.refresh(NOW).instances
    assert len(fresh.tokens) == 2
    snapshot, history = engine.notices.drain()
    assert snapshot.startswith(f"could not save the snapshot of gitlab.com in {directory}: {words}")
    assert history.startswith(f"could not save the history of gitlab.com in {directory}: {words}")
    assert blocker.read_text() == "not a directory"


def test_a_head_that_cannot_be_written_is_removed_not_left_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = SnapshotCache(tmp_path)
    assert cache.save(inventory("work", token(1)))
    from gltui.storage import write_private

    def full_for_heads(path: Path, data: bytes) -> None:
        if path.name.startswith("head-"):
            raise OSError(errno.ENOSPC, "No space left on device")
        write_private(path, data)

    monkeypatch.setattr("gltui.inventory.cache.write_private", full_for_heads)
    assert not cache.save(inventory("work", token(1), token(2)))
    assert cache.load_head("work") is None  # the old one would paint one token, not two
    loaded = cache.load("work")
    assert loaded is not None
    assert len(loaded.tokens) == 2
    (told,) = cache.notices.drain()
    assert "could not save the first-screen file of work" in told


def test_unencodable_names_round_trip_through_every_file(tmp_path: Path) -> None:
    """A lone surrogate (what a mis-decoded byte becomes) fits no encoding: stored as a
    JSON escape it reads back as it was, in every file, and the notice channel hears
    nothing."""
    name = "work \udc80"
    odd = Token(name, TokenKind.PERSONAL, 7, "bot \udc80\u202e", ("api",), False, None)
    fresh = InstanceInventory(name, "https://gitlab.example", NOW, tokens=(odd,))
    notices = Notices()
    cache = SnapshotCache(tmp_path, notices)
    assert cache.save(fresh)
    loaded = cache.load(name)
    assert loaded is not None
    assert loaded.tokens == (odd,)
    head = cache.load_head(name)
    assert head is not None
    assert head[0].tokens == (odd,)
    history = History(tmp_path, notices=notices)
    assert history.record(fresh, NOW)
    (line,) = history.entries(name)
    assert line["tokens"]["personal_access_token:7"][0] == "bot \udc80\u202e"
    reviews = ReviewLog(tmp_path, notices)
    reviews.sign_off([odd], NOW, 14, {"tokens": 1})
    last = reviews.last()
    assert last is not None
    assert last.seen[name]["personal_access_token:7"].name == "bot \udc80\u202e"
    store = PendingStore(tmp_path, notices)
    pending = PendingReplacement(name, "personal_access_token:7", odd.name, "x:8", NOW)
    assert store.add(pending) == [pending]
    assert store.all() == [pending]
    assert notices.drain() == []


def test_pending_replacements_that_cannot_be_saved_are_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("gltui.actions.pending.write_private", full)
    store = PendingStore(tmp_path)
    assert store.add(PENDING) == [PENDING]  # the dashboard still shows it
    (told,) = store.notices.drain()
    assert told.startswith(f"could not save the pending replacements file in {tmp_path}: the disk")
    assert "remembered until gltui quits" in told


def test_notices_wait_for_a_listener_and_are_told_once() -> None:
    notices = Notices()
    notices.warn("first")
    notices.warn("first")
    heard: list[str] = []
    notices.listen(heard.append)
    notices.warn("second")
    assert heard == ["first", "second"]
    assert notices.drain() == []


def test_notices_escape_control_characters(tmp_path: Path) -> None:
    """Instance names and paths come from the config and the environment: an escape
    sequence in one must not reach the terminal through a warning."""
    blocker = tmp_path / "x\x1b[2J"
    blocker.write_text("")
    cache = SnapshotCache(blocker)
    assert not cache.save(inventory("evil\x1b]0;owned\x07"))
    (told,) = cache.notices.drain()
    assert "\x1b" not in told
    assert "\x07" not in told
    assert "evil\\x1b]0;owned\\x07" in told


def test_a_damaged_file_behind_a_symbolic_link_moves_the_link_not_the_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "elsewhere" / "mine.json"
    target.parent.mkdir()
    target.write_bytes(b"{damaged")
    cache = SnapshotCache(tmp_path / "cache")
    link = cache.path_for("work")
    link.parent.mkdir()
    link.symlink_to(target)
    assert cache.load("work") is None
    (aside,) = asides(link)
    assert aside.is_symlink()
    assert target.read_bytes() == b"{damaged"  # the user's file, untouched
    assert not os.path.lexists(link)
    (told,) = cache.notices.drain()
    assert "is not valid JSON" in told
