"""Tokens expiring in each of the next twelve weeks, as a bar chart."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

_BARS = " ▁▂▃▄▅▆▇█"


def render_chart(counts: list[int]) -> Text:
    """Two lines: bars scaled to the busiest week, then each week's count."""
    peak = max(counts, default=0)
    bars = Text("Expiring per week ", style="dim")
    numbers = Text("next 12 weeks     ", style="dim")
    for count in counts:
        level = 0 if count == 0 else max(1, round(count / peak * (len(_BARS) - 1)))
        bars.append(f" {_BARS[level] * 3}", style="bold" if count else "dim")
        numbers.append(f"{count:>4}")
    bars.append("\n")
    bars.append_text(numbers)
    return bars


class ExpiryTimeline(Static):
    """The chart; updated with each new inventory."""

    def show(self, counts: list[int]) -> None:
        """Redraw with new weekly counts."""
        self.update(render_chart(counts))
