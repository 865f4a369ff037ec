"""``gltui report``: refresh (or read the snapshots) and print the inventory.

stdout carries only the report, so it pipes cleanly; progress goes to stderr,
and only when stderr is a terminal. Local trouble (a snapshot that could not be
saved, a damaged file set aside) is a ``gltui report: warning:`` line on stderr
after the report, and leaves the exit code alone: the report itself is whole.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TextIO

from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.changes import Baseline, TokenChange
from gltui.domain.display import printable
from gltui.domain.replaced import Succession
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import Inventory, Progress
from gltui.report.filters import ReportFilter, replaced_among, tripped
from gltui.report.render import (
    render_csv,
    render_json,
    render_markdown,
    render_openmetrics,
    render_table,
    write_csv,
    write_json,
    write_openmetrics,
)
from gltui.report.since import changed_only, changes_json, changes_text

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_MATCHED = 3
"""Something matched ``--fail-on`` (2 is taken by usage errors)."""

RENDERERS = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
    "csv": render_csv,
    "openmetrics": render_openmetrics,
}


class _ProgressLine:
    """One self-overwriting stderr line: ``work 120/480  gitlab.com 12/12 done``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._state: dict[str, Progress] = {}

    def __call__(self, progress: Progress) -> None:
        with self._lock:
            self._state[progress.instance] = progress
            parts = [  # instance names come from the config file: printed escaped
                f"{printable(name)} {p.done}/{p.total}{' done' if p.finished else ''}"
                f"{f' {p.note}' if p.note else ''}"
                for name, p in self._state.items()
            ]
            self._stream.write("\r\x1b[2K" + "  ".join(parts))
            self._stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._state:
                self._stream.write("\r\x1b[2K")
                self._stream.flush()


def run_report(
    engine: InventoryEngine,
    *,
    now: datetime,
    output_format: str,
    offline: bool,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    selection: ReportFilter | None = None,
    fail_on: tuple[str, ...] = (),
    rules: AuditRules = DEFAULT_RULES,
    since_last_review: bool = False,
    out: TextIO,
    err: TextIO,
) -> int:
    """Print the report. Exit 1 when an instance could not be refreshed (the report is
    incomplete, so this wins), 3 when a token trips ``fail_on``, else 0."""
    if offline:
        inventory = engine.cached()
    else:
        progress = _ProgressLine(err) if err.isatty() else None
        try:
            inventory = engine.refresh(now, progress)
        finally:
            if progress is not None:
                progress.close()
    baseline: Baseline | None = None
    changes: list[TokenChange] = []
    links = _links(engine) if since_last_review or "expired" in fail_on else []
    # told before any filter: a replaced token's successor may be one the filter hides
    replaced = replaced_among(inventory.tokens(), now, links) if "expired" in fail_on else set()
    if since_last_review:
        baseline = engine.baseline(now)
        inventory, changes = changed_only(inventory, baseline, now, window, links)
    if selection is not None:
        inventory = selection.apply(inventory, now, window)
    # the machine formats stream row by row (100,000 tokens as one JSON string, and the
    # encoder's pieces of it, peaked at 1.1 GB); the others are a few MB at that size
    if output_format == "json":
        extra = changes_json(baseline, changes) if since_last_review else None
        write_json(out, inventory, now, window, rules=rules, extra=extra)
        out.write("\n")
    elif output_format == "csv":  # carries audit flags, like JSON
        write_csv(out, inventory, now, window, rules=rules)
    elif output_format == "openmetrics":
        write_openmetrics(out, inventory, now, window)
    else:
        changed = (baseline, changes) if since_last_review else None
        _write_text(out, output_format, inventory, now, window, changed)
    missing = {spec.name for spec in engine.specs} - {i.name for i in inventory.instances}
    if offline and missing:
        err.write(f"gltui report: no snapshot yet for {printable(', '.join(sorted(missing)))}\n")
    for notice in engine.notices.drain():
        err.write(f"gltui report: warning: {notice}\n")
    failed = any(not instance.ok for instance in inventory.instances)
    if failed or (offline and missing):
        return EXIT_FAILED
    tokens = inventory.tokens()
    return EXIT_MATCHED if tripped(fail_on, tokens, now, window, replaced=replaced) else EXIT_OK


def _links(engine: InventoryEngine) -> list[Succession]:
    """The rotations and replacements gltui recorded (none without a data directory)."""
    if engine.history is None:
        return []
    from gltui.inventory.successions import SuccessionStore

    return SuccessionStore(engine.history.directory, engine.notices).all()


def _write_text(
    out: TextIO,
    output_format: str,
    inventory: Inventory,
    now: datetime,
    window: int,
    changed: tuple[Baseline | None, list[TokenChange]] | None,
) -> None:
    """The formats rendered whole: the table and Markdown (sorted, so every row is
    needed before the first) and the calendar."""
    if output_format == "ics":  # icalendar loads only for the calendar
        from gltui.report.calendar import render_ics

        text = render_ics(inventory, now, window)
    else:
        text = RENDERERS[output_format](inventory, now, window)
        if changed is not None and output_format in ("table", "markdown"):
            baseline, changes = changed
            text += "\n" + changes_text(baseline, changes, markdown=output_format == "markdown")
    out.write(text if text.endswith("\n") else text + "\n")
