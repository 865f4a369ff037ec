"""The hand-off for the kinds of issue 15: a runner's ``gltui rotate`` is GitLab's reset
and says so (the runner keeps its id, the old authentication token stops working, the
expiry is GitLab's ``token_expires_at``: never "GitLab revoked #N" nor the 16.6 expiry
rule), and replace is refused before anything for the kinds gltui cannot create a
successor of (triggers, cluster agent tokens, runners), in the dashboard (``p``) and
headless. Subprocesses and Pilot against the sandbox."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gltui.actions.handoff.flow import RESET_TAKES_NO_EXPIRY, Mode, handoff_refusal
from gltui.actions.offers import REPLACE_UNAVAILABLE
from gltui.domain.tokens import Token, TokenKind
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.dashboard import DashboardScreen
from tests.conftest import client, fixed_clock
from tests.driving import ObservedApp, ready, seen
from tests.handoff_helpers import store_into
from tests.test_actions_cli import gltui, live
from tests.test_handoff_cli import setup
from tests.test_tui_actions import make_engine

__all__ = ["live"]  # the fixture, imported for pytest

RUNNER = "website docker"


def runner_row(sandbox: RunningSandbox) -> dict[str, object]:
    found = client(sandbox, "maintainer").http_list("/runners", get_all=True)
    assert isinstance(found, list)
    row = next(r for r in found if r["description"] == RUNNER)
    assert isinstance(row, dict)
    return row


def token_of(kind: TokenKind, token_id: int = 5, *, revoked: bool = False) -> Token:
    return Token("work", kind, token_id, "x", (), revoked, None)


@pytest.mark.parametrize("kind", [TokenKind.TRIGGER, TokenKind.CLUSTER_AGENT, TokenKind.RUNNER])
def test_replace_is_refused_for_kinds_gltui_cannot_create(kind: TokenKind) -> None:
    said = handoff_refusal(Mode.REPLACE, token_of(kind), "19.6.0")
    assert said == REPLACE_UNAVAILABLE[kind]
    assert "cannot" in said or "no successor" in said


def test_what_may_be_handed_off() -> None:
    assert handoff_refusal(Mode.REPLACE, token_of(TokenKind.PERSONAL), "19.6.0") is None
    assert handoff_refusal(Mode.ROTATE, token_of(TokenKind.RUNNER), "19.6.0") is None  # reset
    trigger = handoff_refusal(Mode.ROTATE, token_of(TokenKind.TRIGGER), "19.6.0")
    assert trigger is not None
    assert trigger.startswith("GitLab cannot rotate pipeline trigger tokens")
    gone = handoff_refusal(Mode.ROTATE, token_of(TokenKind.PERSONAL, revoked=True), None)
    assert gone is not None
    assert "is revoked" in gone


def test_a_runner_rotated_headless_is_reset_and_said_so(
    live: RunningSandbox, tmp_path: Path
) -> None:
    runner_id = runner_row(live)["id"]
    stored = tmp_path / "stored"
    target = "command:" + shlex.join(store_into(stored))
    env = setup(live, tmp_path)
    args = ("rotate", "--kind", "runner", "--name", RUNNER, "--target", target, "--yes")
    done = gltui(*args, "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "done"
    assert result["new"]["id"] == result["old"]["id"] == runner_id  # the runner keeps its id
    assert result["reset"] is True
    message = result["message"]
    assert message == (
        f"reset: runner #{runner_id} keeps its id; its new authentication token is in all 1 "
        "targets; the old one no longer works"
    )
    assert "revoked" not in message
    expiry = result["expiry"]
    assert "token_expires_at" in expiry
    assert "16.6" not in expiry
    assert "16.6" not in done.stderr
    assert "GitLab revoked" not in done.stderr
    assert "new token expires" in done.stderr  # not "successor": the same runner
    value = stored.read_text().strip()
    assert value.startswith("glrt-")
    assert value not in done.stdout + done.stderr
    # GitLab's own answer: the runner's expiry is the one gltui reports
    said_expiry = runner_row(live).get("token_expires_at")
    if isinstance(said_expiry, str):
        when = datetime.fromisoformat(said_expiry.replace("Z", "+00:00")).astimezone(UTC)
        assert f"{when:%Y-%m-%d %H:%M} UTC" in expiry
    # a reset is no succession: no token took another's place
    record = tmp_path / "data" / "successions.json"
    assert not record.exists() or str(runner_id) not in record.read_text()


def test_a_runner_reset_takes_no_chosen_expiry(live: RunningSandbox, tmp_path: Path) -> None:
    env = setup(live, tmp_path)
    args = ("rotate", "--kind", "runner", "--name", RUNNER, "--target", "command:cat")
    done = gltui(*args, "--expires", "2027-01-31", "--yes", env=env)
    assert done.returncode == 1
    assert RESET_TAKES_NO_EXPIRY in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("kind", "name", "said"),
    [
        ("trigger", "old hook", "gltui cannot create pipeline trigger tokens"),
        ("cluster_agent", "secondary", "gltui cannot create cluster agent tokens"),
        ("runner", RUNNER, "reset it instead (R, or gltui rotate)"),
    ],
)
def test_replace_of_those_kinds_is_refused_before_anything(
    live: RunningSandbox, tmp_path: Path, kind: str, name: str, said: str
) -> None:
    env = setup(live, tmp_path)
    before = runner_row(live)
    # no --yes and no terminal: the refusal comes before the question (and the targets)
    done = gltui("replace", "--kind", kind, "--name", name, "--target", "command:cat", env=env)
    assert done.returncode == 1
    assert said in done.stderr
    assert "not a terminal" not in done.stderr
    assert "the new value goes to" not in done.stderr
    assert runner_row(live) == before  # nothing was reset


async def test_p_refuses_those_kinds_up_front(sandbox: RunningSandbox, tmp_path: Path) -> None:
    row = runner_row(sandbox)
    runner = Token("work", TokenKind.RUNNER, int(str(row["id"])), RUNNER, (), False, None)
    trigger = Token("work", TokenKind.TRIGGER, 1, "old hook", (), False, None)
    agent = Token("work", TokenKind.CLUSTER_AGENT, 1, "secondary", (), False, None)
    app = ObservedApp(make_engine(sandbox, tmp_path), clock=fixed_clock)
    async with app.run_test(size=(140, 40)) as pilot:
        await ready(pilot)
        dashboard: DashboardScreen = app.dashboard
        for token, words in (
            (trigger, "gltui cannot create pipeline trigger tokens"),
            (agent, "gltui cannot create cluster agent tokens"),
            (runner, "reset it instead (R, or gltui rotate)"),
        ):
            dashboard.writes.replace([token])  # p on the selected row
            await pilot.pause()
            assert app.screen is dashboard  # no hand-off modal opened
            assert seen(pilot).said(f'Cannot replace "{token.name}": {token.kind.value}', "warning")
            assert seen(pilot).said(words, "warning")
