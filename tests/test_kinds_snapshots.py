"""Triggers, agent tokens, runners and service-account tokens on screen, pixel for pixel
(SVG): the table and the details pane, at 80x24 and 120x36, over fixed data and a fixed
clock.

Regenerate after a deliberate change with ``pytest tests/test_kinds_snapshots.py
--snapshot-update`` and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from tests.driving import ready, settle
from tests.test_kinds_tui import app

SnapCompare = Callable[..., bool]
SIZES = {"80x24": (80, 24), "120x36": (120, 36)}
sizes = pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))


@sizes
def test_kinds_dashboard(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def loaded(pilot: Pilot[None]) -> None:
        await ready(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=loaded)


@sizes
def test_one_kind_at_a_time(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def runners(pilot: Pilot[None]) -> None:
        await ready(pilot)
        for _ in range(5):  # personal, service account, trigger, agent, runner
            await pilot.press("t")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=runners)


@pytest.mark.parametrize("name", ["primary", "website docker"])
@sizes
def test_kind_details(snap_compare: SnapCompare, size: tuple[int, int], name: str) -> None:
    async def details(pilot: Pilot[None]) -> None:
        await ready(pilot)
        await pilot.press("slash", *name, "enter", "enter")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=size, run_before=details)
