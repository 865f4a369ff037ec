"""``gltui demo``: gltui against embedded sandbox instances, touching no real files.

Two sandboxes play a gitlab.com-like instance (current version, signed in as a
non-admin maintainer) and a self-managed one (16.11, signed in as an admin).
Snapshots go to a temporary directory that disappears with the demo.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from gltui.adapters.log import RequestLog
from gltui.domain.secret import Secret
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.reviews import ReviewLog
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox, SandboxOptions

DEMO_SCALE = 40
"""Generated projects on the self-managed demo instance: a few hundred tokens to scroll."""


@contextmanager
def demo_instances(seed: int = 1) -> Iterator[list[InstanceSpec]]:
    """Start the demo's sandboxes; they stop when the block ends."""
    with ExitStack() as stack:
        cloud = stack.enter_context(RunningSandbox(SandboxOptions(seed=seed)))
        onprem = stack.enter_context(
            RunningSandbox(SandboxOptions(seed=seed + 1, version="16", scale=DEMO_SCALE))
        )
        yield [
            InstanceSpec("gitlab.com (sandbox)", cloud.url, Secret(cloud.credentials.maintainer)),
            InstanceSpec("self-managed (sandbox)", onprem.url, Secret(onprem.credentials.admin)),
        ]


@contextmanager
def demo_engine(request_log: RequestLog | None = None) -> Iterator[InventoryEngine]:
    """An engine over the demo instances, caching in a throw-away directory."""
    with (
        demo_instances() as specs,
        tempfile.TemporaryDirectory(prefix="gltui-demo-", ignore_cleanup_errors=True) as scratch,
    ):
        root = Path(scratch)
        yield InventoryEngine(
            specs,
            cache=SnapshotCache(root / "cache"),
            history=History(root / "data"),
            reviews=ReviewLog(root / "data"),
            request_log=request_log,
        )


def run_demo(*, readonly: bool = False, request_log: RequestLog | None = None) -> int:
    """Open the dashboard on the demo instances; returns the exit code."""
    from gltui.tui.app import GltuiApp  # Textual loads only for the UI

    log = request_log if request_log is not None else RequestLog()
    with demo_engine(log) as engine:
        GltuiApp(engine, preload=True, readonly=readonly, request_log=log).run()
    return 0
