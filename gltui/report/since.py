"""``gltui report --since-last-review``: only what changed since the last sign-off.

The report then lists the tokens that are new, entered the expiring window,
expired, were revoked or rotated (the successor is listed), and names the
tokens GitLab stopped listing, which exist only in the local record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from gltui.domain.changes import Baseline, Change, TokenChange, changes_since
from gltui.domain.display import printable
from gltui.domain.replaced import Succession
from gltui.inventory.model import Inventory
from gltui.report.escape import markdown_text


def changed_only(
    inventory: Inventory,
    baseline: Baseline | None,
    now: datetime,
    window: int,
    links: Iterable[Succession] = (),
) -> tuple[Inventory, list[TokenChange]]:
    """The inventory cut down to changed tokens, and every change (vanished included).
    Without a baseline nothing counts as changed: the first review starts the record.
    ``links``: the recorded successions (a replaced token's change is ``replaced``)."""
    if baseline is None:
        return replace(
            inventory,
            instances=tuple(replace(instance, tokens=()) for instance in inventory.instances),
        ), []
    read = [instance.name for instance in inventory.instances if instance.tokens or instance.ok]
    changes = changes_since(
        baseline.seen, inventory.tokens(), now, window, instances=read, links=links
    )
    changed = {change.token.identity for change in changes if change.token is not None}
    kept = tuple(
        replace(instance, tokens=tuple(t for t in instance.tokens if t.identity in changed))
        for instance in inventory.instances
    )
    return replace(inventory, instances=kept), changes


def changes_json(baseline: Baseline | None, changes: Sequence[TokenChange]) -> dict[str, Any]:
    """The report JSON's ``since_last_review`` member."""
    return {
        "since_last_review": {
            "baseline": None
            if baseline is None
            else {"at": baseline.at.isoformat(), "source": baseline.source},
            "changes": [
                {
                    "change": change.change.value,
                    "instance": change.instance,
                    "kind": change.kind.value,
                    "name": change.name,
                    "where": change.where,
                    "id": None if change.token is None else change.token.id,
                    "previous_id": None if change.before is None else change.before.token_id,
                }
                for change in changes
            ],
        }
    }


def changes_text(
    baseline: Baseline | None, changes: Sequence[TokenChange], *, markdown: bool
) -> str:
    """Lines for the table and Markdown reports: what was compared and what vanished.
    Names and paths are escaped for the format (:func:`markdown_text` keeps links,
    images and mentions in a vanished token's name literal)."""
    bullet = "- " if markdown else "  "
    show = markdown_text if markdown else printable
    if baseline is None:
        return "Since the last review: nothing to compare with yet (sign a review off in gltui).\n"
    source = "review signed off" if baseline.source == "review" else "local history of"
    counts = ", ".join(
        f"{sum(1 for c in changes if c.change is kind)} {kind.value}"
        for kind in Change
        if any(c.change is kind for c in changes)
    )
    lines = [f"Since the {source} {baseline.at:%Y-%m-%d %H:%M} UTC: {counts or 'no changes'}"]
    for change in changes:
        if change.change is Change.VANISHED:
            lines.append(
                f"{bullet}vanished: {show(change.instance)} {change.kind.value} "
                f"{show(change.name)} ({show(change.where)}), no longer listed by GitLab"
            )
    return "\n".join(lines) + "\n"
