"""An administrator's 100,000 tokens on screen: counts grouped by thousands, and the
expiry chart's week labels never running together (at 80x24, the smallest size
gltui supports, and wide). Once the counts reached four digits the labels printed
as ``565358181411143314451452``; this renders that much data through the real app."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from gltui.domain.display import compact_count, grouped
from gltui.domain.secret import Secret
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Identity, InstanceInventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.tui.widgets.cards import StateCard
from gltui.tui.widgets.instances_bar import InstancesBar
from gltui.tui.widgets.timeline import ExpiryTimeline, render_chart
from tests.conftest import TODAY, fixed_clock
from tests.driving import ObservedApp, ready

WEEKLY = [14_000, 9_960, 9_949, 1_000, 999, 0, 20_500, 5, 12_345, 8_000, 1_450, 2_000]
"""Tokens expiring in each coming week: rounding edges (9,949 / 9,960), three and four
digits side by side, and a five-digit peak."""
TOTAL = 100_000
COMPACT = re.compile(r"^(\d{1,3}|\d\.\d[kM]|\d{2,3}[kM])$")


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (0, "0"),
        (999, "999"),
        (1000, "1.0k"),
        (1449, "1.4k"),
        (1450, "1.5k"),
        (9949, "9.9k"),
        (9950, "10k"),
        (12_345, "12k"),
        (999_499, "999k"),
        (999_500, "1.0M"),
        (3_140_000, "3.1M"),
        (42_000_000, "42M"),
    ],
)
def test_compact_counts_fit_four_characters(count: int, label: str) -> None:
    assert compact_count(count) == label
    assert len(label) <= 4


def test_grouped_counts() -> None:
    assert [grouped(n) for n in (7, 1234, 86107, 100_000)] == ["7", "1,234", "86,107", "100,000"]


def labels_of(line: str) -> list[str]:
    """The week labels of the chart's second line (after its 18-column caption)."""
    assert line.startswith("next 12 weeks")
    return line[18:].split()


def test_small_counts_keep_four_column_cells() -> None:
    lines = render_chart([1, 22, 333, 0, 5, 0, 0, 0, 0, 0, 0, 999]).plain.split("\n")
    assert len(lines[1]) == 18 + 12 * 4
    assert labels_of(lines[1]) == ["1", "22", "333", "0", "5", "0", "0", "0", "0", "0", "0", "999"]


def test_large_counts_never_touch() -> None:
    line = render_chart(WEEKLY).plain.split("\n")[1]
    cells = [line[18 + 5 * week : 18 + 5 * (week + 1)] for week in range(12)]
    assert all(cell.startswith(" ") for cell in cells), cells  # a space before every label
    assert [cell.strip() for cell in cells] == [compact_count(n) for n in WEEKLY]
    assert len(line) <= 78  # inside an 80-column terminal's padding


def tokens() -> tuple[Token, ...]:
    made: list[Token] = []
    for week, count in enumerate(WEEKLY):
        for index in range(count):
            made.append(expiring(len(made), 1 + week * 7 + index % 7))
    while len(made) < TOTAL:  # the rest never expire, or are revoked
        made.append(expiring(len(made), None, revoked=len(made) % 10 == 0))
    return tuple(made)


def expiring(token_id: int, days: int | None, *, revoked: bool = False) -> Token:
    return Token(
        instance="big",
        kind=TokenKind.PERSONAL,
        id=token_id,
        name=f"token {token_id}",
        scopes=("read_api",),
        revoked=revoked,
        expires_at=None if days is None else TODAY + timedelta(days=days),
    )


def big_app() -> ObservedApp:
    held = tokens()

    def walker(
        spec: InstanceSpec, now: datetime, on_progress: Callable[[Progress], None] | None
    ) -> InstanceInventory:
        return InstanceInventory(
            name=spec.name,
            url=spec.url,
            fetched_at=now - timedelta(minutes=1),
            identity=Identity(1, "root", True, "18.6.2-ee"),
            tokens=held,
            requests=1_234,
        )

    spec = InstanceSpec("big", "https://big.example", Secret("unused"))
    return ObservedApp(InventoryEngine([spec], walker=walker), clock=fixed_clock)


@pytest.mark.parametrize("size", [(80, 24), (160, 40)], ids=["80x24", "160x40"])
async def test_100000_tokens_on_screen(size: tuple[int, int]) -> None:
    app = big_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        chart = app.screen.query_one(ExpiryTimeline)
        line = chart.render_line(1).text.rstrip()
        labels = labels_of(line.strip())
        assert labels == [compact_count(n) for n in WEEKLY]
        assert all(COMPACT.match(label) for label in labels), labels
        revoked = sum(1 for n in range(sum(WEEKLY), TOTAL) if n % 10 == 0)
        cards = {card.state.value: str(card.render()) for card in app.screen.query(StateCard)}
        assert cards["active"] == f"{grouped(TOTAL - revoked)} active"
        assert cards["revoked"] == f"{grouped(revoked)} revoked"
        bar = str(app.screen.query_one(InstancesBar).render())
        assert "100,000 tokens" in bar


def test_json_is_written_in_pieces_with_the_same_bytes() -> None:
    """The report streams (it peaked at 1.1 GB as one string) and stays byte for byte."""
    import io
    import json

    from gltui.report.escape import json_text, write_json

    document = {"tokens": [{"name": f"clé\u202e{n}", "id": n} for n in range(500)], "x": []}
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    out = Recording()
    write_json(document, out, flush_at=256)
    assert len(writes) > 10
    whole = json.dumps(document, ensure_ascii=False, indent=2)  # what it was, in one piece
    assert out.getvalue() == whole.replace("\u202e", "\\u202e") == json_text(document)
    assert json.loads(out.getvalue()) == document
