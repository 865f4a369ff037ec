"""First paint: how long loading the snapshot of a large instance takes.

Run: ``.venv/bin/python bench/snapshot.py``

Refreshes the large sandbox as its administrator (12,000+ tokens), saves the
snapshot to a temporary directory, then times ``SnapshotCache.load`` (best of 5):
the work between starting gltui and having every token to paint.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from gltui.domain.secret import Secret
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox, SandboxOptions


def main() -> None:
    """Refresh, save, and time the load."""
    with RunningSandbox(SandboxOptions(scale=2000)) as sandbox:
        spec = InstanceSpec("bench", sandbox.url, Secret(sandbox.credentials.admin))
        inventory = walk_instance(spec, datetime.now(UTC))
    with tempfile.TemporaryDirectory() as scratch:
        cache = SnapshotCache(Path(scratch))
        started = time.perf_counter()
        cache.save(inventory)
        saved = time.perf_counter() - started
        size = cache.path_for("bench").stat().st_size
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            loaded = cache.load("bench")
            timings.append(time.perf_counter() - started)
        assert loaded is not None
    print(f"snapshot of {len(loaded.tokens)} tokens: {size / 2**20:.1f} MiB")
    print(f"save (atomic, fsync): {saved * 1000:.0f} ms; load: {min(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
