"""Every report format over fixed data, and over the sandbox's, at a fixed clock, against
golden files.

After a deliberate change: ``GLTUI_UPDATE_GOLDEN=1 pytest tests/test_report_formats.py``,
then read the diff of ``tests/golden/`` before committing.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.states import TokenState
from gltui.domain.tokens import TokenKind
from gltui.inventory.model import Identity, InstanceInventory, Inventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance
from gltui.report.filters import ReportFilter, tripped
from gltui.report.render import (
    render_csv,
    render_json,
    render_markdown,
    render_openmetrics,
    render_table,
)
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, SandboxFactory
from tests.kinds_data import KINDS_INSTANCE
from tests.test_snapshots import TOKENS

GOLDEN = Path(__file__).parent / "golden"

INVENTORY = Inventory(
    (
        InstanceInventory(
            "gitlab.com",
            "https://gitlab.com",
            NOW,
            identity=Identity(7, "mara", False, "18.6.2-ee"),
            tokens=tuple(TOKENS["gitlab.com"]),
            requests=9,
        ),
        InstanceInventory(
            "self-managed",
            "https://self-managed.example",
            NOW,
            identity=Identity(1, "root", True, "16.11.10-ee"),
            tokens=tuple(TOKENS["self-managed"]),
            requests=12,
        ),
        InstanceInventory(
            "down",
            "https://down.example",
            NOW,
            failure=Failure(FailureKind.UNREACHABLE, "cannot connect while signing in"),
        ),
        KINDS_INSTANCE,  # triggers, agent tokens, runners, service-account tokens
    )
)

Renderer = Callable[[Inventory, datetime, int], str]
FORMATS: dict[str, tuple[str, Renderer]] = {
    "table": ("report.txt", render_table),
    "json": ("report.json", render_json),
    "markdown": ("report.md", render_markdown),
    "csv": ("report.csv", render_csv),
    "openmetrics": ("report.prom", render_openmetrics),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_golden(name: str) -> None:
    filename, render = FORMATS[name]
    text = render(INVENTORY, NOW, 14)
    path = GOLDEN / filename
    if os.environ.get("GLTUI_UPDATE_GOLDEN"):
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()  # byte for byte: CSV rows end in CRLF


def test_openmetrics_parses_with_prometheus_client() -> None:
    text = render_openmetrics(INVENTORY, NOW, 14)
    parsed = text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    families = {f.name: f for f in parsed}
    assert set(families) == {
        "gltui_token_expiry_timestamp_seconds",
        "gltui_token_days_left",
        "gltui_tokens",
    }
    days = {s.labels["name"]: s.value for s in families["gltui_token_days_left"].samples}
    assert days["jira commits"] == 3
    assert days["[bold red]not bold[/]"] == 9  # names pass through as label values
    assert "old laptop" not in days  # expired: nothing left to count down
    counts = {
        (s.labels["instance"], s.labels["state"]): s.value for s in families["gltui_tokens"].samples
    }
    assert counts[("gitlab.com", "expired")] == 1
    assert counts[("down", "active")] == 0


def test_csv_and_json_agree() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(INVENTORY, NOW, 14))))
    document = json.loads(render_json(INVENTORY, NOW, 14))
    tokens = [t for i in document["instances"] for t in i["tokens"]]
    assert [(r["name"], r["state"]) for r in rows] == [(t["name"], t["state"]) for t in tokens]


def test_markdown_escapes_table_syntax() -> None:
    text = render_markdown(INVENTORY, NOW, 14)
    assert "> **down failed:** cannot connect while signing in" in text
    assert all(
        line.count("|") - line.count("\\|") == 8
        for line in text.splitlines()
        if line.startswith("| ")
    )


def test_filters() -> None:
    def names(selection: ReportFilter) -> set[str]:
        return {t.name for t in selection.apply(INVENTORY, NOW, 14).tokens()}

    assert names(ReportFilter(states=frozenset({TokenState.EXPIRED}))) == {
        "old laptop",
        "expired bot",
        "old hook",  # a trigger whose expires_at instant has passed
    }
    active = names(ReportFilter(states=frozenset({TokenState.ACTIVE})))
    assert "jira commits" in active  # expiring tokens are active too
    assert names(ReportFilter(expiring_within=5)) == {"jira commits", "backup script"}
    assert names(
        ReportFilter(instances=frozenset({"self-managed"}), kinds=frozenset({TokenKind.DEPLOY}))
    ) == {"helm charts"}
    assert names(ReportFilter(kinds=frozenset({TokenKind.TRIGGER}))) == {
        "deploy from jenkins",
        "nightly docs",
        "old hook",
    }
    assert names(ReportFilter(kinds=frozenset({TokenKind.RUNNER, TokenKind.CLUSTER_AGENT}))) == {
        "shared-runner-1",
        "website docker",
        "primary",
    }
    assert names(ReportFilter(expiring_within=14, kinds=frozenset({TokenKind.RUNNER}))) == {
        "website docker"  # 14 days to the day, at 23:00 UTC: still in the window
    }


def test_fail_on() -> None:
    tokens = list(INVENTORY.tokens())
    assert tripped(["expiring"], tokens, NOW, 14)
    assert tripped(["risk"], tokens, NOW, 14)
    assert not tripped(["expired"], [t for t in tokens if t.name == "grafana"], NOW, 14)
    assert not tripped([], tokens, NOW, 14)


def sandbox_inventory(sandbox: RunningSandbox) -> Inventory:
    """The small sandbox as an administrator walks it at the fixed clock: deterministic
    apart from the port, which becomes a fixed host."""
    spec = InstanceSpec("sandbox", sandbox.url, Secret(sandbox.credentials.admin))
    walked = walk_instance(spec, NOW)
    return Inventory((replace(walked, url="https://gitlab.example", requests=0),))


@pytest.mark.parametrize("name", list(FORMATS))
def test_golden_on_sandbox_data(name: str, make_sandbox: SandboxFactory) -> None:
    filename, render = FORMATS[name]
    # pinned to the 18 profile: these files hold the legacy inventory; fine-grained
    # tokens (19.2+) are outside them
    sandbox = make_sandbox(version="18")
    text = render(sandbox_inventory(sandbox), NOW, 14)
    path = GOLDEN / f"sandbox-{filename}"
    if os.environ.get("GLTUI_UPDATE_GOLDEN"):
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()
