"""Fine-grained tokens in every report format and in the exporter's metrics."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from gltui.domain.tokens import GranularScope
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.report.calendar import render_ics
from gltui.report.metrics import IDENTITY, InstanceStatus, token_families
from gltui.report.render import (
    render_csv,
    render_json,
    render_markdown,
    render_openmetrics,
    render_table,
    write_csv,
    write_openmetrics,
)
from tests.conftest import NOW
from tests.granular_data import CI_READER, FINE_GRAINED, TOKENS

INVENTORY = Inventory((InstanceInventory("gitlab.com", "https://gitlab.com", NOW, tokens=TOKENS),))
HOSTILE = replace(
    CI_READER,
    id=99,
    name="odd",
    granular_scopes=(GranularScope("=HYPERLINK(1)", ("read_[x](y)|z", "rm\x1b[2J")),),
)
"""Boundary and permission names are the server's words: each format makes them inert."""


def tokens_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for i in document["instances"] for t in i["tokens"]}


def test_json_carries_granular_scopes_as_gitlab_returns_them() -> None:
    tokens = tokens_of(json.loads(render_json(INVENTORY, NOW, 14)))
    assert tokens["ci reader"]["granular_scopes"] == [
        {
            "access": "all_memberships",
            "permissions": ["read_job", "read_pipeline", "read_deploy_token"],
            "project_id": None,
            "group_id": None,
        },
        {
            "access": "selected_memberships",
            "permissions": ["read_deploy_token"],
            "project_id": 6,
            "group_id": None,
        },
        {
            "access": "selected_memberships",
            "permissions": ["read_resource_access_token"],
            "project_id": None,
            "group_id": 12,
        },
    ]
    assert tokens["ci reader"]["scopes"] == ["granular"]
    assert tokens["ci reader"]["risk"] == "read"  # its permissions, not "granular"
    assert tokens["release bot"]["risk"] == "write"
    assert tokens["sa reader"]["granular_scopes"] == []  # fine-grained, boundaries unlisted
    assert tokens["ci deploy"]["granular_scopes"] is None  # legacy
    assert tokens["jira commits"]["granular_scopes"] is None


def test_json_escapes_hostile_boundaries_and_reads_them_back() -> None:
    text = render_json(
        Inventory((InstanceInventory("w", "https://w", NOW, tokens=(HOSTILE,)),)), NOW
    )
    assert "\x1b" not in text
    (scope,) = tokens_of(json.loads(text))["odd"]["granular_scopes"]
    assert scope["permissions"] == ["read_[x](y)|z", "rm\x1b[2J"]  # lossless


def test_table_ends_fine_grained_lines_with_their_boundaries() -> None:
    lines = render_table(INVENTORY, NOW, 14).splitlines()
    reader = next(line for line in lines if " ci reader " in line)
    assert reader.endswith(
        "ci reader  fine-grained: all_memberships(read_job,+2); project #6(read_deploy_token); "
        "group #12(read_resource_access_token)"
    )
    service = next(line for line in lines if "sa reader" in line)
    assert service.endswith("sa reader  fine-grained: boundaries not listed")
    deploy = next(line for line in lines if "ci deploy" in line)
    assert deploy.endswith("ci deploy")  # legacy lines: as before


def test_table_shows_hostile_boundaries_literally() -> None:
    one = Inventory((InstanceInventory("w", "https://w", NOW, tokens=(HOSTILE,)),))
    text = render_table(one, NOW)
    assert "\x1b" not in text
    assert "fine-grained: =HYPERLINK(1)(read_[x](y)|z,+1)" in text


def test_markdown_scopes_cell_holds_the_summary_escaped() -> None:
    text = render_markdown(INVENTORY, NOW, 14)
    row = next(line for line in text.splitlines() if "ci reader" in line)
    assert row.endswith(
        "| fine-grained\\: all_memberships\\(read_job,+2\\); project \\#6\\(read_deploy_token\\); "
        "group \\#12\\(read_resource_access_token\\) |"
    )
    hostile = render_markdown(
        Inventory((InstanceInventory("w", "https://w", NOW, tokens=(HOSTILE,)),)), NOW
    )
    (line,) = [line for line in hostile.splitlines() if "odd" in line]
    assert line.count("|") - line.count("\\|") == 8  # the boundary's pipe ends no cell
    assert "[x](y)" not in line  # no link
    assert "\x1b" not in line


def test_csv_has_type_and_every_permission() -> None:
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(render_csv(INVENTORY, NOW, 14)))}
    assert rows["ci reader"]["token_type"] == "fine_grained"
    assert rows["ci reader"]["granular_scopes"] == (
        "all_memberships(read_job,read_pipeline,read_deploy_token); "
        "project #6(read_deploy_token); group #12(read_resource_access_token)"
    )
    assert rows["ci reader"]["scopes"] == "granular"  # what GitLab says, as JSON has it
    assert rows["ci reader"]["risk"] == "read"
    assert rows["sa reader"]["granular_scopes"] == "boundaries not listed"
    assert (rows["ci deploy"]["token_type"], rows["ci deploy"]["granular_scopes"]) == ("legacy", "")
    assert {name for name, r in rows.items() if r["token_type"] == "fine_grained"} == FINE_GRAINED


def test_csv_boundaries_cannot_start_a_formula() -> None:
    text = render_csv(
        Inventory((InstanceInventory("w", "https://w", NOW, tokens=(HOSTILE,)),)), NOW
    )
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["granular_scopes"] == "'=HYPERLINK(1)(read_[x](y)|z,rm\\x1b[2J)"


class Writes(io.StringIO):
    """Records each ``write``: a streaming renderer writes a token at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []

    def write(self, text: str) -> int:
        self.pieces.append(text)
        return super().write(text)


def test_csv_and_openmetrics_still_stream_row_by_row() -> None:
    out = Writes()
    write_csv(out, INVENTORY, NOW)
    assert len(out.pieces) == 1 + len(TOKENS)  # the header, then one write per token
    assert all(piece.endswith("\r\n") and piece.count("\r\n") == 1 for piece in out.pieces)
    out = Writes()
    write_openmetrics(out, INVENTORY, NOW)
    samples = [piece for piece in out.pieces if piece.startswith("gltui_token_days_left{")]
    assert len(samples) == len(TOKENS)  # every token works: one line each


def test_openmetrics_labels_each_token_with_its_type() -> None:
    text = render_openmetrics(INVENTORY, NOW, 14)
    families = {f.name: f for f in text_string_to_metric_families(text)}  # type: ignore[no-untyped-call]
    for name in ("gltui_token_expiry_timestamp_seconds", "gltui_token_days_left"):
        types = {s.labels["name"]: s.labels["token_type"] for s in families[name].samples}
        assert {n for n, t in types.items() if t == "fine_grained"} == FINE_GRAINED
        assert set(types.values()) == {"fine_grained", "legacy"}
        assert {frozenset(s.labels) for s in families[name].samples} == {
            frozenset({"instance", "kind", "id", "name", "owner", "token_type"})
        }
    assert {frozenset(s.labels) for s in families["gltui_tokens"].samples} == {
        frozenset({"instance", "state"})  # counts keep their labels: alert rules unchanged
    }


def test_the_exporter_puts_the_type_on_the_info_metric_only() -> None:
    served = InstanceInventory("gitlab.com", "https://gitlab.com", NOW, tokens=TOKENS)
    families = {
        f.name: f
        for f in token_families([InstanceStatus("gitlab.com", "u", 60, served=served)], NOW)
    }
    info = families["gltui_token"].samples
    assert {s.labels["token_type"] for s in info} == {"fine_grained", "legacy"}
    assert len({frozenset(s.labels) for s in info}) == 1  # one label set for every token
    by_id = {s.labels["id"]: s.labels for s in info}
    assert by_id[str(CI_READER.id)]["token_type"] == "fine_grained"
    assert by_id[str(CI_READER.id)]["risk"] == "read"
    for name in ("gltui_token_expiry_timestamp_seconds", "gltui_token_days_left"):
        assert {tuple(sorted(s.labels)) for s in families[name].samples} == {
            tuple(sorted(IDENTITY))
        }


GOLDEN = Path(__file__).parent / "golden"
FORMATS = {
    "granular-report.txt": render_table,
    "granular-report.md": render_markdown,
    "granular-report.csv": render_csv,
    "granular-report.json": render_json,
    "granular-report.prom": render_openmetrics,
}


@pytest.mark.parametrize("filename", list(FORMATS))
def test_golden(filename: str) -> None:
    """Every format over legacy and fine-grained tokens, byte for byte (regenerate with
    ``GLTUI_UPDATE_GOLDEN=1`` and read the diff)."""
    text = FORMATS[filename](INVENTORY, NOW, 14)
    path = GOLDEN / filename
    if os.environ.get("GLTUI_UPDATE_GOLDEN"):
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()


def test_the_calendar_describes_boundaries_not_granular() -> None:
    calendar = Calendar.from_ical(render_ics(INVENTORY, NOW))
    described = {
        str(event["SUMMARY"]): str(event["DESCRIPTION"]) for event in calendar.walk("VEVENT")
    }
    reader = next(text for summary, text in described.items() if '"ci reader"' in summary)
    assert "Scopes: fine-grained: all_memberships(read_job,+2); project #6(" in reader
    deploy = next(text for summary, text in described.items() if '"ci deploy"' in summary)
    assert "Scopes: api\n" in deploy
