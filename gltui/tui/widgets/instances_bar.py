"""One line per instance: who, which version, and whether it is fresh, loading, cached or failed."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from gltui.domain.display import grouped, printable, printable_said
from gltui.inventory.model import InstanceInventory, Progress


def age(then: datetime, now: datetime) -> str:
    """``42 s``, ``5 min``, ``3 h`` or ``2 d``."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def progress_bar(progress: Progress, width: int = 12) -> str:
    """``▰▰▰▱▱▱ 120/480``."""
    total = max(progress.total, 1)
    filled = min(width, round(progress.done / total * width))
    bar = (
        f"{'▰' * filled}{'▱' * (width - filled)} {grouped(progress.done)}/{grouped(progress.total)}"
    )
    return f"{bar} {progress.note}" if progress.note else bar


def instance_line(
    name: str,
    colour: str,
    known: InstanceInventory | None,
    progress: Progress | None,
    loading: bool,
    now: datetime,
) -> Text:
    """The status line of one instance."""
    line = Text()
    line.append("● ", style=colour)
    line.append(printable(name), style=f"bold {colour}")
    if known is not None and known.identity is not None:
        who = known.identity
        # the version and the username are the server's words: escaped, never obeyed
        version = printable_said(who.version) if who.version else "?"
        line.append(f"  GitLab {version} · {printable_said(who.username)}")
        if who.is_admin:
            line.append(" (admin)")
    if loading:
        line.append("  loading ", style="italic")
        line.append(progress_bar(progress) if progress is not None else "signing in…")
        if known is not None and known.from_cache:
            line.append(f"  showing cache from {age(known.fetched_at, now)} ago", style="dim")
        return line
    if known is None:
        line.append("  not loaded yet (r refreshes)", style="dim")
        return line
    if known.failure is not None:
        line.append("  failed: ", style="bold red")
        line.append(printable_said(known.failure.message))
        line.append(f" — {known.failure.advice}", style="dim")
        if known.from_cache:
            line.append(f"  (cache from {age(known.fetched_at, now)} ago)", style="dim")
        return line
    state = "cached" if known.from_cache else "fresh"
    line.append(
        f"  {grouped(len(known.tokens))} tokens · {state}, {age(known.fetched_at, now)} old"
    )
    if known.problems:
        line.append(f" · {grouped(len(known.problems))} problems", style="yellow")
    if known.not_refreshed:
        line.append(
            f" · {grouped(known.not_refreshed)} not refreshed (kept from the last snapshot)",
            style="yellow",
        )
    return line


class InstancesBar(Static):
    """The instances, refreshed whenever anything about one changes."""

    def show(self, lines: list[Text]) -> None:
        """Replace the lines."""
        self.update(Text("\n").join(lines))
