"""gltui's files when a process is killed mid-write, and when two processes write at once."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from gltui.actions.pending import PendingStore
from gltui.config.load import load_config
from gltui.inventory.reviews import ReviewLog

WRITER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from gltui.storage import write_private

    path = Path(sys.argv[1])
    big = "x" * 4_000_000
    version = 0
    print("ready", flush=True)
    while True:
        version += 1
        write_private(path, json.dumps({"version": version, "padding": big}).encode())
    """
)


def test_a_kill_mid_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    """SIGKILL a process rewriting a 4 MB file in a loop, many times, at random moments:
    the file is always one complete version, private, never a torn one."""
    target = tmp_path / "state" / "snapshot.json"
    seen_versions = set()
    for attempt in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.05 + 0.037 * attempt)  # somewhere inside a write, most of the time
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=10)
        if not target.exists():
            continue  # killed before the first rename: there is no file, not a torn one
        document = json.loads(target.read_text())
        assert len(document["padding"]) == 4_000_000
        seen_versions.add(document["version"])
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert seen_versions  # the loop did write complete versions


ADDER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from gltui.actions.pending import PendingReplacement, PendingStore

    store = PendingStore(Path(sys.argv[1]))
    who = sys.argv[2]
    for index in range(40):
        store.add(PendingReplacement("w", f"{who}:{index}", "n", "new", datetime.now(UTC)))
    """
)


def test_two_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    writers = [subprocess.Popen([sys.executable, "-c", ADDER, str(tmp_path), who]) for who in "ab"]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    keys = {row.old_key for row in PendingStore(tmp_path).all()}
    assert keys == {f"{who}:{index}" for who in "ab" for index in range(40)}


SIGNER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from gltui.inventory.reviews import ReviewLog

    reviews = ReviewLog(Path(sys.argv[1]))
    for index in range(25):
        reviews.sign_off([], datetime.now(UTC), 14, {"by": int(sys.argv[2]), "n": index})
    """
)


def test_two_processes_signing_off_keep_every_log_line(tmp_path: Path) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", SIGNER, str(tmp_path), str(n)]) for n in (1, 2)
    ]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    logged = {(s.counts["by"], s.counts["n"]) for s in ReviewLog(tmp_path).sign_offs()}
    assert logged == {(by, n) for by in (1, 2) for n in range(25)}


CONFIG_ADDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from gltui.config.save import add_instances

    path, who = Path(sys.argv[1]), sys.argv[2]
    for index in range(15):
        add_instances(path, [{"name": f"{who}{index}", "url": f"https://{who}{index}.example",
                              "token_env": "T"}])
    """
)


def test_two_processes_editing_the_config_keep_both_changes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    writers = [
        subprocess.Popen([sys.executable, "-c", CONFIG_ADDER, str(path), who]) for who in "xy"
    ]
    for writer in writers:
        assert writer.wait(timeout=60) == 0
    config = load_config(path, {})
    assert {i.name for i in config.instances} == {f"{w}{n}" for w in "xy" for n in range(15)}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_lock_files_are_private(tmp_path: Path) -> None:
    store = PendingStore(tmp_path / "new-dir")
    store.remove([("w", "k")])  # takes the lock, writes nothing
    lock = tmp_path / "new-dir" / "pending-replacements.json.lock"
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert stat.S_IMODE(lock.parent.stat().st_mode) == 0o700


def test_what_a_killed_writer_left_is_cleaned_up_later(tmp_path: Path) -> None:
    from gltui.storage import STALE_TEMPORARY_SECONDS, write_private

    target = tmp_path / "history.jsonl"
    stale = tmp_path / ".history.jsonl.abc123.tmp"
    young = tmp_path / ".history.jsonl.def456.tmp"  # another process writing right now
    for leftover in (stale, young):
        leftover.write_text("half a fil")
    old = time.time() - STALE_TEMPORARY_SECONDS - 5
    os.utime(stale, (old, old))
    write_private(target, b"whole\n")
    assert target.read_text() == "whole\n"
    assert not stale.exists()
    assert young.exists()
