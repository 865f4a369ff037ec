"""Dashboard responsiveness with 10,000 tokens: first paint and keystroke latency.

Run: ``.venv/bin/python bench/dashboard.py``

1. First paint: a 10,000-token snapshot is cached and the network is held back
   (the refresh blocks). A new ``python -c`` process starts the app headless and
   exits right after the frame that shows every cached row; that time, interpreter
   and imports included (what a user waits for), is compared with a process that
   starts an empty Textual app and exits after its first frame. The same
   comparison inside one warm process is printed too.
2. Keystrokes: for each character of a query, the work gltui does (filter and
   sort 10,000 rows, draw the visible lines) is timed in the running app; the
   Pilot round trip per key is printed beside a bare Input's for context.
"""

from __future__ import annotations

import asyncio
import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from gltui.domain.secret import Secret
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from gltui.tui.app import GltuiApp
from gltui.tui.screens.dashboard import WARM_UP_DELAY, DashboardScreen
from gltui.tui.widgets.token_table import TokenTable

TOKENS = 10_000
QUERY = "bot 1 api"


class EmptyApp(App[None]):
    """The baseline: Textual with one widget."""

    def compose(self) -> ComposeResult:
        yield Static("hello")


class BareInput(App[None]):
    """The baseline for keystrokes: one Input and nothing listening to it."""

    def compose(self) -> ComposeResult:
        yield Input()


async def time_start(app: App[None], ready: Callable[[], bool]) -> float:
    """From constructing the run to ``ready()`` (polled every millisecond)."""
    started = time.perf_counter()
    async with app.run_test(size=(120, 36)) as pilot:
        while not ready():
            await pilot.pause(0.001)
        return time.perf_counter() - started


def table_of(app: GltuiApp) -> TokenTable | None:
    screen = app.screen
    return screen.query_one(TokenTable) if isinstance(screen, DashboardScreen) else None


async def first_paint(engine: InventoryEngine) -> float:
    app = GltuiApp(engine)

    def painted() -> bool:
        table = table_of(app)
        return table is not None and len(table.rows) == TOKENS

    return await time_start(app, painted)


async def pilot_keys(
    app: App[None], prepare: tuple[str, ...], wait: Callable[[], bool]
) -> list[float]:
    timings = []
    async with app.run_test(size=(120, 36)) as pilot:
        while not wait():
            await pilot.pause(0.001)
        await pilot.press(*prepare)
        for character in QUERY:
            started = time.perf_counter()
            await pilot.press(character)
            timings.append(time.perf_counter() - started)
    return timings


async def in_app_refilter(engine: InventoryEngine) -> list[float]:
    """What one keystroke costs gltui: filter, sort, and drawing the visible lines."""
    app = GltuiApp(engine)
    timings = []
    async with app.run_test(size=(120, 36)) as pilot:
        while (table := table_of(app)) is None or len(table.rows) < TOKENS:
            await pilot.pause(0.001)
        await pilot.pause(WARM_UP_DELAY + 0.1)  # search text is warmed after the first paint
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        height = table.size.height
        for end in range(1, len(QUERY) + 1):
            started = time.perf_counter()
            screen.filter_typed(Input.Changed(screen.query_one(Input), QUERY[:end]))
            for y in range(height):
                table.render_line(y)
            timings.append(time.perf_counter() - started)
    return timings


EMPTY_CHILD = """
import os, time
from textual.app import App
from textual.widgets import Static

def painted():  # the moment the first frame is out; teardown is not start-up
    print(time.time(), flush=True)
    os._exit(0)

class Empty(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(painted)

Empty().run(headless=True, size=(120, 36))
"""

GLTUI_CHILD = """
import os, sys, threading, time
from pathlib import Path
from gltui.domain.secret import Secret
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.tui.app import GltuiApp
from gltui.tui.screens.dashboard import WARM_UP_DELAY, DashboardScreen
from gltui.tui.widgets.token_table import TokenTable

held = threading.Event()

def walker(spec, now, on_progress):
    held.wait(60)  # the network stays out of the measurement

draw = DashboardScreen._render_table

def painted():  # the moment that frame is out; teardown is not start-up
    print(time.time(), flush=True)
    os._exit(0)

def render_table(screen):  # stop right after the frame that shows what we wait for
    draw(screen)
    rows = len(screen.query_one(TokenTable).rows)
    if (sys.argv[3] == "first" and rows) or rows == int(sys.argv[2]):
        screen.app.call_after_refresh(painted)

DashboardScreen._render_table = render_table
spec = InstanceSpec("bench", "http://127.0.0.1:9", Secret("unused"))
engine = InventoryEngine([spec], cache=SnapshotCache(Path(sys.argv[1])), walker=walker)
GltuiApp(engine, preload=True).run(headless=True, size=(120, 36))
os._exit(0)
"""


def cold_runs(
    directory: str, without_head: str, rounds: int = 9, tokens: int = TOKENS
) -> tuple[float, float, float, float]:
    """Median seconds from spawning ``python -c`` to a frame on screen: the empty app's
    first; gltui's first
    frame (from the snapshot's head file: the soonest rows, exact cards and chart); gltui
    with every cached row in its table; and gltui's first frame from a cache without head
    files (``without_head``: the whole snapshot decoded first). Interleaved so machine
    noise hits all alike.

    gltui's bytecode is compiled first, as ``pip install`` compiles a package (Textual's
    is, in site-packages): where ``PYTHONDONTWRITEBYTECODE`` is set, as on the machine
    these figures come from, an editable checkout would otherwise compile ~50 modules
    from source on every start (~35 ms), which no installed gltui does."""
    compileall.compile_dir(str(Path(__file__).parent.parent / "gltui"), quiet=1)
    empty: list[float] = []
    first: list[float] = []
    full: list[float] = []
    headless: list[float] = []
    for _ in range(rounds):
        for code, args, into in (
            (EMPTY_CHILD, [], empty),
            (GLTUI_CHILD, [directory, str(tokens), "first"], first),
            (GLTUI_CHILD, [directory, str(tokens), "full"], full),
            (GLTUI_CHILD, [without_head, str(tokens), "first"], headless),
        ):
            started = time.time()
            done = subprocess.run(
                [sys.executable, "-c", code, *args],
                check=True,
                timeout=60,
                capture_output=True,
                text=True,
            )
            into.append(float(done.stdout.strip().splitlines()[-1]) - started)
    return (
        statistics.median(empty),
        statistics.median(first),
        statistics.median(full),
        statistics.median(headless),
    )


def main() -> None:
    """Build the snapshot, then measure."""
    now = datetime.now(UTC)
    with RunningSandbox(SandboxOptions(scale=2000)) as sandbox:
        spec = InstanceSpec("bench", sandbox.url, Secret(sandbox.credentials.admin))
        inventory = walk_instance(spec, now)
    inventory = replace(inventory, tokens=inventory.tokens[:TOKENS])
    blocked = threading.Event()

    def held_back(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        blocked.wait(60)  # no network during the measurement
        return inventory

    with tempfile.TemporaryDirectory() as scratch:
        cache = SnapshotCache(Path(scratch))
        cache.save(inventory)
        engine = InventoryEngine([spec], cache=cache, walker=held_back)
        empty = min(asyncio.run(time_start(EmptyApp(), lambda: True)) for _ in range(5))
        paint = min(asyncio.run(first_paint(engine)) for _ in range(5))
        work = asyncio.run(in_app_refilter(engine))
        app = GltuiApp(engine)
        typed = asyncio.run(
            pilot_keys(app, ("slash",), lambda: (t := table_of(app)) is not None and bool(t.rows))
        )
        bare = asyncio.run(pilot_keys(BareInput(), (), lambda: True))
        blocked.set()
        plain = Path(scratch) / "without-head"
        plain.mkdir()
        shutil.copy(cache.path_for(spec.name), plain)
        cold_empty, cold_first, cold_full, cold_plain = cold_runs(scratch, str(plain))
    print(
        f"cold start (new process, imports included; medians of 9 interleaved runs): empty "
        f"Textual app {cold_empty * 1000:.0f} ms; gltui with {TOKENS} cached tokens: first "
        f"frame (head file: soonest rows, exact cards and chart) {cold_first * 1000:.0f} ms "
        f"({cold_first / cold_empty:.2f}x), every cached row in the table "
        f"{cold_full * 1000:.0f} ms ({cold_full / cold_empty:.2f}x); first frame without "
        f"head files {cold_plain * 1000:.0f} ms ({cold_plain / cold_empty:.2f}x)"
    )
    print(
        f"warm start in one process: empty app {empty * 1000:.0f} ms, gltui first paint "
        f"{paint * 1000:.0f} ms"
    )
    print(
        f"re-filter per keystroke in gltui ({TOKENS} rows: filter, sort, draw the visible "
        f"lines): median {statistics.median(work) * 1000:.1f} ms, worst {max(work) * 1000:.1f} ms"
    )
    print(
        f"Pilot keystroke round trip: gltui median {statistics.median(typed) * 1000:.1f} ms, "
        f"a bare Input {statistics.median(bare) * 1000:.1f} ms (Pilot's own waiting)"
    )


if __name__ == "__main__":
    main()
