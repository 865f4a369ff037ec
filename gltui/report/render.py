"""Render an inventory for a terminal (table) or a program (JSON, schema 1).

Plain text only: token names and GitLab's messages are printed as they are,
with control characters made visible so a hostile name cannot drive the terminal.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from gltui.domain.display import owner_label, printable
from gltui.domain.scopes import highest_risk
from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    classify,
    count_states,
    days_until_expiry,
)
from gltui.domain.tokens import Token
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.inventory.serialize import failure_to_dict, token_to_dict

REPORT_SCHEMA = 1


def _status(instance: InstanceInventory) -> str:
    if instance.failure is not None:
        return "failed"
    return "cached" if instance.from_cache else "fresh"


def _token_json(token: Token, now: datetime, window: int) -> dict[str, Any]:
    data = token_to_dict(token)
    data["state"] = classify(token, now, window).value
    data["days_left"] = days_until_expiry(token, now.date())
    data["risk"] = highest_risk(token.scopes).label
    return data


def render_json(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """The documented JSON report (see the README's "Report JSON")."""
    totals = count_states(inventory.tokens(), now, window)
    document = {
        "schema": REPORT_SCHEMA,
        "generated_at": now.isoformat(),
        "window_days": window,
        "totals": {
            "active": totals.active,
            "expiring": totals.expiring,
            "revoked": totals.revoked,
            "expired": totals.expired,
        },
        "instances": [
            {
                "name": instance.name,
                "url": instance.url,
                "status": _status(instance),
                "fetched_at": instance.fetched_at.isoformat(),
                "user": None
                if instance.identity is None
                else {
                    "username": instance.identity.username,
                    "is_admin": instance.identity.is_admin,
                },
                "version": None if instance.identity is None else instance.identity.version,
                "failure": None if instance.failure is None else failure_to_dict(instance.failure),
                "problems": [
                    {"where": problem.where, **failure_to_dict(problem.failure)}
                    for problem in instance.problems
                ],
                "tokens": [_token_json(token, now, window) for token in instance.tokens],
            }
            for instance in inventory.instances
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _clip(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def render_table(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """A plain table, soonest expiry first, then one line per instance and the totals."""
    today = now.date()
    lines = []
    lines.append(
        f"{'INSTANCE':<16} {'KIND':<13} {'STATE':<9} {'EXPIRES':<11} {'LEFT':>6}  "
        f"{'OWNER':<28} NAME"
    )

    def sort_key(token: Token) -> tuple[int, int, str]:
        left = days_until_expiry(token, today)
        return (0 if left is not None else 1, left or 0, token.name)

    for token in sorted(inventory.tokens(), key=sort_key):
        left = days_until_expiry(token, today)
        expires = "never" if token.expires_at is None else str(token.expires_at)[:10]
        lines.append(
            f"{_clip(token.instance, 16):<16} {token.kind.value:<13} "
            f"{classify(token, now, window).value:<9} {expires:<11} "
            f"{'' if left is None else str(left) + 'd':>6}  "
            f"{_clip(owner_label(token), 28):<28} {_clip(token.name, 60)}"
        )
    lines.append("")
    lines.extend(summary_lines(inventory, now, window))
    return "\n".join(lines) + "\n"


def summary_lines(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> list[str]:
    """One line per instance (with failures and what to do), then GitLab's four cards."""
    lines = []
    for instance in inventory.instances:
        who = instance.identity
        summary = f"{instance.name}: {_status(instance)}"
        if who is not None:
            summary += f", {who.username}{' (admin)' if who.is_admin else ''}"
            summary += f", GitLab {who.version or 'unknown'}"
        summary += f", {len(instance.tokens)} tokens, {instance.requests} requests"
        lines.append(printable(summary))
        if instance.failure is not None:
            lines.append(f"  failed: {printable(instance.failure.message)}")
            lines.append(f"  what to do: {instance.failure.advice}")
        for problem in instance.problems[:5]:
            where, message = printable(problem.where), printable(problem.failure.message)
            lines.append(f"  problem in {where}: {message}")
        if len(instance.problems) > 5:
            lines.append(f"  ... and {len(instance.problems) - 5} more problems")
    totals = count_states(inventory.tokens(), now, window)
    lines.append(
        f"Active {totals.active} | Expiring in {window} days {totals.expiring} | "
        f"Revoked {totals.revoked} | Expired {totals.expired}"
    )
    return lines
