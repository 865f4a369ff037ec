"""``gltui demo``: gltui against embedded sandbox instances, touching no real files.

Two sandboxes play a gitlab.com-like instance (current version, signed in as a
non-admin maintainer) and a self-managed one (16.11, signed in as an admin).
Snapshots go to a temporary directory that disappears with the demo. Until the
dashboard lands, the demo prints the inventory summary: GitLab's four cards
summed over both instances, through the real python-gitlab code path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from gltui.domain.secret import Secret
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.report.render import summary_lines
from gltui.sandbox.server import RunningSandbox, SandboxOptions


@contextmanager
def demo_instances(seed: int = 1) -> Iterator[list[InstanceSpec]]:
    """Start the demo's sandboxes; they stop when the block ends."""
    with ExitStack() as stack:
        cloud = stack.enter_context(RunningSandbox(SandboxOptions(seed=seed)))
        onprem = stack.enter_context(RunningSandbox(SandboxOptions(seed=seed + 1, version="16")))
        yield [
            InstanceSpec("gitlab.com (sandbox)", cloud.url, Secret(cloud.credentials.maintainer)),
            InstanceSpec("self-managed (sandbox)", onprem.url, Secret(onprem.credentials.admin)),
        ]


@contextmanager
def demo_engine() -> Iterator[InventoryEngine]:
    """An engine over the demo instances, caching in a throw-away directory."""
    with demo_instances() as specs, tempfile.TemporaryDirectory(prefix="gltui-demo-") as scratch:
        root = Path(scratch)
        yield InventoryEngine(
            specs, cache=SnapshotCache(root / "cache"), history=History(root / "data")
        )


def run_demo(out: TextIO, *, now: datetime | None = None) -> int:
    """Refresh both demo instances and print the summary; returns the exit code."""
    moment = now or datetime.now(UTC)
    with demo_engine() as engine:
        inventory = engine.refresh(moment)
    out.write("\n".join(summary_lines(inventory, moment)) + "\n")
    out.write(
        "\nThe dashboard is on its way; meanwhile `gltui report --demo` lists every token, "
        "and `gltui sandbox` serves a sandbox for any GitLab client.\n"
    )
    return 0
