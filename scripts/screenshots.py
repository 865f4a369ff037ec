"""Regenerate ``screenshots/`` (SVG and PNG) from the demo sandboxes.

Run: ``make screenshots`` (or ``.venv/bin/python scripts/screenshots.py``).

Each scene drives the real app headless at 120x36 through Pilot and saves an SVG;
resvg renders a PNG beside it with DejaVu Sans Mono (Textual's SVGs name a web
font that offline renderers cannot fetch). Every file is scanned for token
values before the script reports success: none may ever be in a screenshot.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select

from gltui.adapters.log import RequestLog
from gltui.demo import demo_engine
from gltui.domain.tokens import TokenKind
from gltui.tui.app import GltuiApp

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (120, 36)
SECRET = re.compile(r"gl(pat|dt)-[A-Za-z0-9_-]{8,}")

Scene = Callable[[Pilot[None]], Awaitable[None]]


async def dashboard(pilot: Pilot[None]) -> None:
    """The whole inventory, soonest expiry first."""


async def filtered(pilot: Pilot[None]) -> None:
    """The expiring card, narrowed to tokens with write scopes."""
    await pilot.press("2", "slash", *"api", "enter")


async def details(pilot: Pilot[None]) -> None:
    """Every field of one token."""
    await pilot.press("slash", *"renovate", "enter", "enter")


async def fine_grained(pilot: Pilot[None]) -> None:
    """A fine-grained token's details: each boundary, its permissions, what it names."""
    await pilot.press("slash", *"ci release", "enter", "enter")


async def help_screen(pilot: Pilot[None]) -> None:
    """Every key."""
    await pilot.press("question_mark")


async def review(pilot: Pilot[None]) -> None:
    """The weekly review."""
    await pilot.press("v")
    await pilot.pause(0.5)


async def revoke(pilot: Pilot[None]) -> None:
    """Two tokens marked for a bulk revoke: the modal asks for the word."""
    await pilot.press("slash", *"k8s agent", "enter", "space", "space", "escape", "d")
    await pilot.press(*"revo")


async def create(pilot: Pilot[None]) -> None:
    """The create pane: a Jira reader for a project, and the request it would send."""
    await pilot.press("c")
    await pilot.pause(0.3)
    screen = pilot.app.screen
    screen.query_one("#template", Select).value = "jira-commits"
    await pilot.pause(0.2)
    screen.query_one("#kind", Select).value = TokenKind.PROJECT
    await pilot.pause(0.2)
    screen.query_one("#target-search", Input).value = "website"
    await pilot.pause(0.5)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)
    screen.query_one("#targets", OptionList).action_select()
    await pilot.pause(0.2)


async def api_log(pilot: Pilot[None]) -> None:
    """The API log: every request of the refresh, with status, time and retries."""
    await pilot.press("at")
    await pilot.pause(0.3)


SCENES: dict[str, Scene] = {
    "dashboard": dashboard,
    "filtered": filtered,
    "details": details,
    "fine-grained": fine_grained,
    "help": help_screen,
    "review": review,
    "revoke": revoke,
    "create": create,
    "api-log": api_log,
}


async def shoot(name: str, scene: Scene) -> Path:
    """Run the demo app, play the scene, save the SVG."""
    log = RequestLog()
    with demo_engine(log) as engine:
        app = GltuiApp(engine, request_log=log)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await scene(pilot)
            await pilot.pause(0.3)
            return Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))


def to_png(svg: Path) -> Path:
    """Render the SVG with a monospace font that is installed here."""
    import resvg_py

    png = svg.with_suffix(".png")
    data = resvg_py.svg_to_bytes(
        svg_string=svg.read_text(encoding="utf-8"),
        font_family="DejaVu Sans Mono",
        monospace_family="DejaVu Sans Mono",
        zoom=2,
    )
    png.write_bytes(bytes(data))
    return png


def main() -> int:
    """Shoot every scene; fail if a token value shows up anywhere."""
    OUT.mkdir(exist_ok=True)
    for name, scene in SCENES.items():
        svg = asyncio.run(shoot(name, scene))
        if SECRET.search(svg.read_text(encoding="utf-8")):
            print(f"{svg}: contains a token value; refusing to keep it", file=sys.stderr)
            svg.unlink()
            return 1
        png = to_png(svg)
        print(f"{svg.name}, {png.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
