"""Fine-grained tokens end to end: the sandbox's seeded ones, listed through the real walk
(python-gitlab over HTTP), shown on the dashboard and written by ``gltui report``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from gltui.domain.display import known_paths
from gltui.domain.secret import Secret
from gltui.domain.tokens import Boundary, ResourceType
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.details import DetailsScreen
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, SandboxFactory, client, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_report_cli import environment, report


def spec(sandbox: RunningSandbox, persona: str) -> InstanceSpec:
    return InstanceSpec("sb", sandbox.url, Secret(getattr(sandbox.credentials, persona)))


def raw_tokens(sandbox: RunningSandbox, persona: str) -> dict[int, dict[str, Any]]:
    """``GET /personal_access_tokens`` as GitLab answers it, by id."""
    listed = client(sandbox, persona).personal_access_tokens.list(get_all=True)
    return {token.attributes["id"]: token.attributes for token in listed}


@pytest.mark.parametrize("persona", ["admin", "maintainer", "fine_grained"])
def test_the_walk_reads_every_boundary_as_the_api_lists_it(
    sandbox: RunningSandbox, persona: str
) -> None:
    walked = walk_instance(spec(sandbox, persona), NOW)
    assert walked.failure is None
    assert walked.problems == ()
    raw = raw_tokens(sandbox, persona)
    fine = [t for t in walked.tokens if t.is_fine_grained]
    assert fine, "the 19.6 sandbox seeds fine-grained tokens"
    for token in walked.tokens:
        listed = raw.get(token.id)
        if listed is None or token.kind.value not in ("personal", "impersonation"):
            continue
        if "granular_scopes" not in listed:
            assert token.granular_scopes is None, token.name
            continue
        assert [
            {
                "access": s.access,
                "permissions": list(s.permissions),
                "project_id": s.project_id,
                "group_id": s.group_id,
            }
            for s in token.granular_scopes or ()
        ] == listed["granular_scopes"]
        assert token.scopes == ("granular",)
    if persona == "admin":  # every boundary the seed uses, every state
        assert {s.access for t in fine for s in t.granular_scopes or ()} == set(Boundary)
        assert {t.revoked for t in fine} == {True, False}


@pytest.mark.parametrize("version", ["18", "16", "15"])
def test_older_profiles_have_only_legacy_tokens(make_sandbox: SandboxFactory, version: str) -> None:
    sandbox = make_sandbox(version=version)
    walked = walk_instance(spec(sandbox, "admin"), NOW)
    assert walked.failure is None
    assert walked.tokens
    assert not any(token.is_fine_grained for token in walked.tokens)


def test_report_formats_carry_the_sandbox_boundaries(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
    done = report("--format", "json", env=env)
    assert done.returncode == 0, done.stderr
    (instance,) = json.loads(done.stdout)["instances"]
    tokens = {t["id"]: t for t in instance["tokens"] if t["kind"] == "personal"}
    raw = raw_tokens(sandbox, "admin")
    fine = {i for i, t in tokens.items() if t["granular_scopes"] is not None}
    assert fine == {i for i in tokens if "granular_scopes" in raw.get(i, {})}
    for token_id in fine:  # exactly what GitLab returned
        assert tokens[token_id]["granular_scopes"] == raw[token_id]["granular_scopes"]

    offline = report("--format", "json", "--offline", env=env)  # through the snapshot cache
    assert offline.returncode == 0, offline.stderr
    cached = {t["id"]: t for t in json.loads(offline.stdout)["instances"][0]["tokens"]}
    assert all(cached[i]["granular_scopes"] == tokens[i]["granular_scopes"] for i in tokens)

    done = report("--format", "csv", "--offline", env=env)
    rows = {
        int(r["id"]): r for r in csv.DictReader(io.StringIO(done.stdout)) if r["kind"] == "personal"
    }
    assert {i for i, r in rows.items() if r["token_type"] == "fine_grained"} == fine
    for token_id in fine:
        for scope in tokens[token_id]["granular_scopes"]:
            assert ",".join(scope["permissions"]) in rows[token_id]["granular_scopes"]

    table = report("--offline", env=env).stdout
    name = tokens[min(fine)]["name"]
    (line,) = [line for line in table.splitlines() if f" {name}  fine-grained: " in line]
    assert "granular" not in line

    metrics = report("--format", "openmetrics", "--offline", env=env).stdout
    assert 'token_type="fine_grained"' in metrics
    assert 'token_type="legacy"' in metrics
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in done.stdout + table + metrics


async def test_the_dashboard_on_the_sandbox_marks_filters_and_details(
    sandbox: RunningSandbox,
) -> None:
    walked = walk_instance(spec(sandbox, "admin"), NOW)
    paths = known_paths(walked.tokens)
    named = next(
        t
        for t in walked.tokens
        if any((ResourceType.GROUP, s.group_id) in paths for s in t.granular_scopes or ())
    )
    scope = next(s for s in named.granular_scopes or () if s.group_id is not None)
    path = paths[(ResourceType.GROUP, scope.group_id)]  # type: ignore[index]
    app = ObservedApp(InventoryEngine([spec(sandbox, "admin")]), clock=fixed_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"fine-grained", "enter")
        table = app.screen.query_one(TokenTable)
        shown = {row.token.id for row in table.rows}
        assert shown == {t.id for t in walked.tokens if t.is_fine_grained}
        assert all("✦ " in table.render_line(y).text for y in range(min(len(shown), 8)))
        await pilot.press("escape", "slash", *named.name, "enter")
        row = next(i for i, r in enumerate(table.rows) if r.token.id == named.id)
        table.cursor = row
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)
        text = str(app.screen.query_one("#details-text").render())
        assert f"group {path} (#{scope.group_id}): {', '.join(scope.permissions)}" in text
