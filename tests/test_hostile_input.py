"""Hostile input: names and descriptions made to break terminals, parsers and reports;
API rows with unknown and missing fields; configuration files of random bytes.

Property-based (hypothesis) where the space is large, plus one end-to-end run of a
sandbox whose tokens carry the worst names we could think of.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from gltui.adapters.parse import MalformedTokenError, deploy_token, personal_token
from gltui.config.load import load_config
from gltui.config.model import ConfigError
from gltui.domain.secret import Secret
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.inventory.spec import InstanceSpec
from gltui.report.render import (
    render_csv,
    render_json,
    render_markdown,
    render_openmetrics,
    render_table,
)
from gltui.sandbox.server import RunningSandbox
from gltui.tui.screens.details import DetailsScreen, detail_lines
from gltui.tui.table_model import build_rows
from gltui.tui.widgets.token_table import TokenTable
from tests.conftest import NOW, SandboxFactory, fixed_clock
from tests.driving import ObservedApp, ready, settle
from tests.test_report_escaping import expected_csv, label

HOSTILE_NAMES = [
    "[bold red]not bold[/] [link=https://evil.example]click[/link]",
    "\x1b[2J\x1b[31mcleared\x1b]52;c;ZXZpbA==\x07",  # clear screen, colour, clipboard write
    "bell\x07 backspace\x08 nul\x00 del\x7f cr\r nl\n tab\t",
    "\u202eevil.exe\u202c txt \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "emoji 🔑🧨👩‍💻 and zero\u200bwidth and combining e\u0301",
    "x" * 10_000,
    "",
    " ",
    '"quoted", comma; | pipe \\ backslash\n# not a comment',
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
KNOWN_FIELDS = [
    "id",
    "name",
    "scopes",
    "revoked",
    "expires_at",
    "description",
    "created_at",
    "last_used_at",
    "last_used_ips",
    "user_id",
    "access_level",
    "username",
    "active",
    "expired",
    "resource_type",
    "resource_id",
]
ROWS = st.dictionaries(st.sampled_from(KNOWN_FIELDS) | st.text(max_size=8), JSON, max_size=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(row=ROWS)
def test_any_row_parses_or_is_refused_by_name(row: dict[str, Any]) -> None:
    def deploy(r: dict[str, Any]) -> Token:
        return deploy_token("w", r, resource=None)

    def personal(r: dict[str, Any]) -> Token:
        return personal_token("w", r)

    for parse in (personal, deploy):
        problem = ""
        try:
            token = parse(row)
        except MalformedTokenError as error:
            problem = str(error)
        if problem:  # refused, naming the field, never echoing a value
            assert "valid" in problem
            assert all(v not in problem for v in row.values() if isinstance(v, str) and len(v) > 3)
            continue
        assert isinstance(token.id, int)
        assert isinstance(token.name, str)
        assert all(isinstance(scope, str) for scope in token.scopes)
        assert token.expires_at is None or isinstance(token.expires_at, date)
        assert token.revoked in (True, False)


@settings(max_examples=200)
@given(extra=st.dictionaries(st.text(min_size=1), JSON, max_size=6), name=st.text())
def test_unknown_fields_never_matter_and_missing_optional_ones_are_fine(
    extra: dict[str, Any], name: str
) -> None:
    row = {k: v for k, v in extra.items() if k not in KNOWN_FIELDS} | {"id": 7, "name": name}
    token = personal_token("w", row)
    assert (token.id, token.name, token.scopes, token.expires_at) == (7, name, (), None)


def hostile_token(name: str, index: int, description: str | None = None) -> Token:
    return Token(
        instance="w\x1b[31m",
        kind=TokenKind.PROJECT,
        id=index,
        name=name,
        scopes=("read_api", "api"),
        revoked=False,
        expires_at=date(2026, 12, 1),
        description=description or name,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        owner=Owner(3, name[:50]),
        resource=Resource(ResourceType.PROJECT, 4, name[:80]),
    )


NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300
) | st.sampled_from(HOSTILE_NAMES)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=5))
def test_every_output_survives_hostile_names(names: list[str]) -> None:
    tokens = tuple(hostile_token(name, i) for i, name in enumerate(names))
    inventory = Inventory((InstanceInventory("w\x1b[31m", "https://w", NOW, tokens=tokens),))
    for text in (render_table(inventory, NOW), render_markdown(inventory, NOW)):
        assert "\x1b" not in text
        assert "\x07" not in text
    document = json.loads(render_json(inventory, NOW))
    assert [t["name"] for t in document["instances"][0]["tokens"]] == names
    rows = list(csv.reader(io.StringIO(render_csv(inventory, NOW), newline="")))
    assert [row[3] for row in rows[1:]] == [expected_csv(name) for name in names]
    families = list(text_string_to_metric_families(render_openmetrics(inventory, NOW)))
    days = next(f for f in families if f.name == "gltui_token_days_left")
    assert sorted(s.labels["name"] for s in days.samples) == sorted(map(label, names))
    for row in build_rows(tokens, NOW):
        assert all(cell.isprintable() for cell in row.cells)
    for token in tokens:
        for _, value in detail_lines(token, "https://w", NOW, [token]):
            assert "\x1b" not in value
            assert "\x00" not in value


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
@example(data=b"")  # loads: no file content is the default configuration
@example(data=b"# nothing but a comment\n")  # loads
@example(data=b"\xff\xfe")  # not UTF-8
@example(data=b"[[instances]")  # not TOML
@example(data=b"surprise = 1\n")  # TOML, but not a key gltui knows
def test_a_config_of_random_bytes_is_one_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    try:
        config = load_config(path, {})
    except ConfigError as error:  # the only exception a bad file may cause
        message = str(error)
        assert str(path) in message
        assert "\n" not in message.strip()
        return
    # it loaded: then the bytes were a UTF-8 TOML document (nothing else may load),
    # and random bytes never add up to an instance
    assert isinstance(tomllib.loads(data.decode("utf-8")), dict)
    assert config.instances == ()


@pytest.fixture
def hostile_sandbox(make_sandbox: SandboxFactory) -> RunningSandbox:
    """The small sandbox plus Mara's tokens with every hostile name above (at 18, whose
    inventory fits the screens these tests read)."""
    sandbox = make_sandbox(version="18")
    with sandbox.store.lock:
        mara = next(u for u in sandbox.store.users.values() if u.username == "mara")
        for name in HOSTILE_NAMES:
            sandbox.store.add_personal_token(
                mara.id, name or "-", ["read_api"], date(2026, 12, 1), description=name
            )
        sandbox.store.changed()
    return sandbox


async def test_the_dashboard_shows_hostile_names_literally(
    hostile_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    # the token tables' kinds only: the inventory these screens were sized for
    tables = frozenset({TokenKind.PERSONAL, TokenKind.PROJECT, TokenKind.GROUP, TokenKind.DEPLOY})
    spec = InstanceSpec(
        "work", hostile_sandbox.url, Secret(hostile_sandbox.credentials.maintainer), kinds=tables
    )
    app = ObservedApp(InventoryEngine([spec]), clock=fixed_clock)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        table = app.dashboard.query_one(TokenTable)
        names = {row.token.name for row in table.rows}
        assert set(HOSTILE_NAMES) - {""} <= names
        for line in range(len(table.rows)):
            table.cursor = line
            text = table.render_line(line - int(table.scroll_offset.y)).text
            assert "\x1b" not in text
        table.cursor = next(i for i, r in enumerate(table.rows) if r.token.name == "x" * 10_000)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailsScreen)
        await pilot.press("escape", "v")
        await settle(pilot)
        await pilot.press("escape")
        screenshot = app.export_screenshot()
        assert "\x1b[2J" not in screenshot
        assert "cleared" in screenshot  # the ANSI name is there, as visible text
        markup = next(i for i, r in enumerate(table.rows) if r.token.name == HOSTILE_NAMES[0])
        table.cursor = markup
        await pilot.pause()
        shown = table.render_line(markup - int(table.scroll_offset.y)).text
        assert "[bold red]not bold[/]" in shown  # markup shown, not obeyed
