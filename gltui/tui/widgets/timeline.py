"""Tokens expiring in each of the next twelve weeks, as a bar chart."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from gltui.domain.display import compact_count

_BARS = " ▁▂▃▄▅▆▇█"


def render_chart(counts: list[int]) -> Text:
    """Two lines: bars scaled to the busiest week, then each week's count.

    Counts are compact (``1.4k``, ``12k``: at most four characters) and every cell is
    one wider than the longest label, so two labels never run together: four columns
    a week while every count has at most three digits, five (18 + 12 x 5 = 78, the
    width of an 80-column terminal inside the padding) once one reaches a thousand.
    """
    peak = max(counts, default=0)
    labels = [compact_count(count) for count in counts]
    cell = max(4, 1 + max((len(label) for label in labels), default=0))
    bars = Text("Expiring per week ", style="dim")
    numbers = Text("next 12 weeks     ", style="dim")
    for count, label in zip(counts, labels, strict=True):
        level = 0 if count == 0 else max(1, round(count / peak * (len(_BARS) - 1)))
        bars.append(f" {_BARS[level] * (cell - 1)}", style="bold" if count else "dim")
        numbers.append(label.rjust(cell))
    bars.append("\n")
    bars.append_text(numbers)
    return bars


class ExpiryTimeline(Static):
    """The chart; updated with each new inventory."""

    def show(self, counts: list[int]) -> None:
        """Redraw with new weekly counts."""
        self.update(render_chart(counts))
