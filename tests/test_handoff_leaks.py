"""After hand-offs in the dashboard and from the command line, no new value is anywhere
gltui wrote or said, except the one place that shows it.

The dashboard rotates a token into a remembered CI variable (every target holds it: no
value shown at all) and replaces another with a target that fails (the value shown once,
in the secret modal, masked until revealed). The command line does the same headless,
with ``--log``. Scanned: every file under the test's directory (config, cache, history,
pending replacements, successions, the API log), every log record at DEBUG (gltui's,
python-gitlab's, urllib3's), captured stdout and stderr, every notification, the API
log's records, screenshots, the reprs of the results that carried the values, and the
CLI's stdout and stderr.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from gltui.adapters.log import RequestLog, open_log_file
from gltui.inventory.cache import History, SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.reviews import ReviewLog
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.secret import SecretScreen
from tests.conftest import fixed_clock
from tests.driving import ObservedApp, read_secret, ready, settle
from tests.handoff_helpers import variable
from tests.test_actions_cli import gltui, live
from tests.test_handoff_cli import setup
from tests.test_handoff_tui import REMEMBERED, config_file
from tests.test_tui_actions import make_engine, select

__all__ = ["live"]  # the fixture, imported for pytest


def scan(haystacks: dict[str, str], secrets: list[str]) -> None:
    for secret in secrets:
        assert secret.startswith("glpat-")
        for where, text in haystacks.items():
            assert secret not in text, f"a new token value leaked into {where}"


def files(root: Path) -> dict[str, str]:
    return {str(p): p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()}


async def test_no_handed_off_value_is_left_anywhere_by_the_dashboard(
    sandbox: RunningSandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    config = config_file(tmp_path, REMEMBERED)
    log = RequestLog(file=open_log_file(tmp_path / "api.log"))
    base = make_engine(sandbox, tmp_path, request_log=log)
    engine = InventoryEngine(
        base.specs,
        cache=SnapshotCache(tmp_path / "cache"),
        history=History(tmp_path / "data"),
        reviews=ReviewLog(tmp_path / "data"),
        request_log=log,
    )
    shots: list[str] = []
    app = ObservedApp(engine, clock=fixed_clock, config_path=config, request_log=log)
    async with app.run_test(size=(150, 50)) as pilot:
        await ready(pilot)
        await select(app, pilot, "renovate")  # into the remembered CI variable
        await pilot.press("R")
        await settle(pilot)
        await pilot.click("#rotate-go")
        await settle(pilot)
        shots.append(app.export_screenshot())
        await pilot.press("escape")
        await settle(pilot)

        await select(app, pilot, "queue admin")  # a replacement whose target fails
        await pilot.press("p")
        await settle(pilot)
        add = app.screen.query_one("#handoff-add")
        add.focus()
        add.value = "command:sh -c 'cat > /dev/null; exit 1'"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.click("#confirm-go")
        await settle(pilot)
        assert isinstance(app.screen, SecretScreen)
        shots.append(app.export_screenshot())  # masked
        shown = await read_secret(pilot)  # the one place: the modal, revealed by the user
        await pilot.press("v", "escape")
        await settle(pilot)
        shots.append(app.export_screenshot())
        shots.append(str(app.dashboard.state.instances))
        shots.append(str(app.clipboard))
        notes = [str(n.message) for n in app.seen.notifications]
        records = [repr(record) for record in log.records()]
    rotated = variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
    assert rotated != shown
    out, err = capsys.readouterr()
    haystacks = files(tmp_path)
    assert any(name.endswith("pending-replacements.json") for name in haystacks)
    assert any(name.endswith("api.log") for name in haystacks)
    haystacks.update(
        {
            "log records": caplog.text,
            "stdout": out,
            "stderr": err,
            "notifications": "\n".join(notes),
            "request log": "\n".join(records),
        }
    )
    haystacks.update({f"screen {i}": shot for i, shot in enumerate(shots)})
    scan(haystacks, [rotated, shown])


def test_no_handed_off_value_is_left_anywhere_by_the_command_line(
    live: RunningSandbox, tmp_path: Path
) -> None:
    env = setup(live, tmp_path)
    rotated = gltui(
        "--log",
        str(tmp_path / "api.log"),
        "rotate",
        "--name",
        "renovate",
        "--target",
        "ci:acme/backend/worker:RENOVATE_TOKEN",
        "--remember",
        "--yes",
        "--json",
        env=env,
    )
    assert rotated.returncode == 0, rotated.stderr
    replaced = gltui(
        "--log",
        str(tmp_path / "api.log"),
        "replace",
        "--name",
        "queue admin",
        "--target",
        "ci:acme/backend/worker:QUEUE_ADMIN_TOKEN",
        "--target",
        "command:sh -c 'cat > /dev/null; echo refused >&2; exit 1'",
        "--yes",
        env=env,
    )
    assert replaced.returncode == 3, replaced.stderr
    values = [
        variable(live, "acme/backend/worker", key)["value"]
        for key in ("RENOVATE_TOKEN", "QUEUE_ADMIN_TOKEN")
    ]
    haystacks = files(tmp_path)
    assert "handoffs" in (tmp_path / "config.toml").read_text()
    for name, done in (("rotate", rotated), ("replace", replaced)):
        haystacks[f"{name} stdout"] = done.stdout
        haystacks[f"{name} stderr"] = done.stderr
    scan(haystacks, values)
