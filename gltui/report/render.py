"""Render an inventory for a terminal (table) or a program (JSON, schema 1), a
spreadsheet (CSV), Prometheus (OpenMetrics) or an issue (Markdown).

Token names, paths and GitLab's messages are chosen by other people, so each
format passes them through its own escaping (:mod:`gltui.report.escape`): the
table through :func:`printable` (control characters visible, so a hostile name
cannot drive the terminal), CSV against formula injection, OpenMetrics label
values per the spec, JSON with every control character as ``\\uXXXX``, and
Markdown so that links, images, HTML and mentions stay literal text.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TextIO

from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.display import (
    access_summary,
    granular_summary,
    grouped,
    owner_label,
    printable,
    token_type,
)
from gltui.domain.risk import token_risk
from gltui.domain.states import (
    DEFAULT_EXPIRING_WINDOW_DAYS,
    classify,
    count_states,
    days_until_expiry,
    expiry_instant,
)
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.inventory.serialize import failure_to_dict, token_to_dict
from gltui.report.escape import csv_cell, label_value, markdown_text
from gltui.report.escape import write_json as write_json_document

REPORT_SCHEMA = 1


def _status(instance: InstanceInventory) -> str:
    if instance.failure is not None:
        return "failed"
    return "cached" if instance.from_cache else "fresh"


def _token_json(token: Token, now: datetime, window: int, rules: AuditRules) -> dict[str, Any]:
    data = token_to_dict(token)
    data["state"] = classify(token, now, window).value
    data["days_left"] = days_until_expiry(token, now.date())
    data["risk"] = token_risk(token).label
    data["flags"] = [flag.value for flag in rules.flags(token, now)]
    return data


class _RenderedOnTheWay(list[dict[str, Any]]):
    """The tokens of one instance as the JSON encoder's array, each token's members
    built only when the encoder reaches it and dropped right after: the encoder takes
    a list for an array, and a list of 100,000 token dicts is ~300 MB."""

    def __init__(self, tokens: Sequence[Token], render: Callable[[Token], dict[str, Any]]):
        super().__init__()
        self._tokens = tokens
        self._render = render

    def __len__(self) -> int:
        return len(self._tokens)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._render(token) for token in self._tokens)


def write_json(
    out: TextIO,
    inventory: Inventory,
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    *,
    rules: AuditRules = DEFAULT_RULES,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """The documented JSON report (see the README's "Report JSON"), written to ``out``
    as it is encoded; ``extra`` adds top-level members (``since_last_review``)."""
    totals = count_states(inventory.tokens(), now, window)

    def token_json(token: Token) -> dict[str, Any]:
        return _token_json(token, now, window, rules)

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
                "not_refreshed": instance.not_refreshed,
                "tokens": _RenderedOnTheWay(instance.tokens, token_json),
            }
            for instance in inventory.instances
        ],
    }
    document.update(extra or {})
    write_json_document(document, out)


def render_json(
    inventory: Inventory,
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    *,
    rules: AuditRules = DEFAULT_RULES,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """:func:`write_json` as one string (tests, small inventories)."""
    buffer = io.StringIO()
    write_json(buffer, inventory, now, window, rules=rules, extra=extra)
    return buffer.getvalue()


def soonest_first(tokens: Iterable[Token], today: date) -> list[Token]:
    """Tokens by days until expiry (past ones first), never-expiring last, then by name."""

    def key(token: Token) -> tuple[bool, int, str]:
        left = days_until_expiry(token, today)
        return (left is None, left or 0, token.name)

    return sorted(tokens, key=key)


def _clip(text: str, width: int) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


KIND_WIDTH = max(len(kind.value) for kind in TokenKind)
"""The table's kind column: every kind's name (``service_account``) fits, as ``--kind``
spells it."""


def render_table(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """A plain table, soonest expiry first, then one line per instance and the totals.
    A fine-grained token's line ends, after its name, with its boundaries
    (``fine-grained: all_memberships(read_job,+2)``); a legacy one's has no scopes."""
    today = now.date()
    lines = []
    lines.append(
        f"{'INSTANCE':<16} {'KIND':<{KIND_WIDTH}} {'STATE':<9} {'EXPIRES':<11} {'LEFT':>6}  "
        f"{'OWNER':<28} NAME"
    )

    for token in soonest_first(inventory.tokens(), today):
        left = days_until_expiry(token, today)
        expires = "never" if token.expires_at is None else str(token.expires_at)[:10]
        lines.append(
            f"{_clip(token.instance, 16):<16} {token.kind.value:<{KIND_WIDTH}} "
            f"{classify(token, now, window).value:<9} {expires:<11} "
            f"{'' if left is None else str(left) + 'd':>6}  "
            f"{_clip(owner_label(token), 28):<28} {_clip(token.name, 60)}"
            + (f"  {_clip(access_summary(token), 200)}" if token.is_fine_grained else "")
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
        tokens, requests = grouped(len(instance.tokens)), grouped(instance.requests)
        summary += f", {tokens} tokens, {requests} requests"
        lines.append(printable(summary))
        if instance.failure is not None:
            lines.append(f"  failed: {printable(instance.failure.message)}")
            lines.append(f"  what to do: {instance.failure.advice}")
        for problem in instance.problems[:5]:
            where, message = printable(problem.where), printable(problem.failure.message)
            lines.append(f"  problem in {where}: {message}")
        if len(instance.problems) > 5:
            lines.append(f"  ... and {grouped(len(instance.problems) - 5)} more problems")
        if instance.not_refreshed:
            lines.append(
                f"  {grouped(instance.not_refreshed)} tokens not refreshed: "
                "kept from the last snapshot"
            )
    totals = count_states(inventory.tokens(), now, window)
    lines.append(
        f"Active {grouped(totals.active)} | Expiring in {window} days "
        f"{grouped(totals.expiring)} | Revoked {grouped(totals.revoked)} | "
        f"Expired {grouped(totals.expired)}"
    )
    return lines


_CSV_FIELDS = (
    "instance",
    "kind",
    "id",
    "name",
    "state",
    "expires_at",
    "days_left",
    "scopes",
    "risk",
    "owner",
    "last_used_at",
    "created_at",
    "flags",
    "token_type",
    "granular_scopes",
)
"""``token_type`` is ``fine_grained`` or ``legacy``; ``granular_scopes`` a fine-grained
token's boundaries with every permission (``all_memberships(read_job,read_pipeline)``),
empty for a legacy one; ``scopes`` stays what GitLab says (``granular``)."""


def write_csv(
    out: TextIO,
    inventory: Inventory,
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    *,
    rules: AuditRules = DEFAULT_RULES,
) -> None:
    """One row per token, with a header, written to ``out`` row by row; scopes
    space-separated. Free text (instance, name, scopes, owner, boundaries) goes through
    :func:`csv_cell`; numbers, dates and gltui's own words do not, so ``days_left``
    stays ``-3``."""
    import csv

    writer = csv.writer(out)  # RFC 4180 CRLF rows: a CR or LF inside a name is quoted
    writer.writerow(_CSV_FIELDS)
    for token in inventory.tokens():
        left = days_until_expiry(token, now.date())
        writer.writerow(
            [
                csv_cell(token.instance),
                token.kind.value,
                token.id,
                csv_cell(token.name),
                classify(token, now, window).value,
                "" if token.expires_at is None else token.expires_at.isoformat(),
                "" if left is None else left,
                csv_cell(" ".join(token.scopes)),
                token_risk(token).label,
                csv_cell(owner_label(token)),
                "" if token.last_used_at is None else token.last_used_at.isoformat(),
                "" if token.created_at is None else token.created_at.isoformat(),
                " ".join(rules.flags(token, now)),
                token_type(token),
                ""
                if token.granular_scopes is None
                else csv_cell(granular_summary(token.granular_scopes, shown=None)),
            ]
        )


def render_csv(
    inventory: Inventory,
    now: datetime,
    window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
    *,
    rules: AuditRules = DEFAULT_RULES,
) -> str:
    """:func:`write_csv` as one string."""
    buffer = io.StringIO()
    write_csv(buffer, inventory, now, window, rules=rules)
    return buffer.getvalue()


def render_markdown(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """A table to paste into an issue or a chat, soonest expiry first, then the cards. A
    fine-grained token's Scopes cell holds its boundaries, not GitLab's ``granular``."""
    today = now.date()
    totals = count_states(inventory.tokens(), now, window)
    lines = [
        f"**Active {grouped(totals.active)} · Expiring in {window} days "
        f"{grouped(totals.expiring)} · Revoked {grouped(totals.revoked)} · "
        f"Expired {grouped(totals.expired)}** ({now:%Y-%m-%d %H:%M} UTC)",
        "",
        "| Instance | Kind | Name | State | Expires | Owner | Scopes |",
        "|---|---|---|---|---|---|---|",
    ]
    ordered = soonest_first(inventory.tokens(), today)
    for token in ordered:
        left = days_until_expiry(token, today)
        expires = "never" if token.expires_at is None else str(token.expires_at)[:10]
        if left is not None:
            expires += f" ({left} d)"
        where, name = markdown_text(token.instance), markdown_text(token.name)
        owner, scopes = markdown_text(owner_label(token)), markdown_text(access_summary(token))
        lines.append(
            f"| {where} | {token.kind.value} | {name} | "
            f"{classify(token, now, window).value} | {expires} | {owner} | {scopes} |"
        )
    for instance in inventory.instances:
        if instance.failure is not None:
            lines.append("")
            failed, message = markdown_text(instance.name), markdown_text(instance.failure.message)
            lines.append(f"> **{failed} failed:** {message}")
    return "\n".join(lines) + "\n"


def write_openmetrics(
    out: TextIO, inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> None:
    """For node-exporter's textfile collector: expiry time and days left per working token,
    and token counts per instance and state. ``token_type`` (``fine_grained`` or
    ``legacy``) labels each token's series: two values, so no new cardinality (a token
    never changes type). Written line by line: a metric family's
    samples must be contiguous, so the tokens are walked twice (expiry, then days left)
    rather than holding either family's lines."""
    today = now.date()

    def working() -> Iterator[tuple[Token, str, datetime]]:
        for token in inventory.tokens():
            instant = expiry_instant(token.expires_at)
            if instant is None or not classify(token, now, window).is_active:
                continue
            labels = (
                f'instance="{label_value(token.instance)}",kind="{token.kind.value}",'
                f'id="{token.id}",name="{label_value(token.name)}",'
                f'owner="{label_value(owner_label(token))}",token_type="{token_type(token)}"'
            )
            yield token, labels, instant

    out.write(
        "# HELP gltui_token_expiry_timestamp_seconds When the token stops working (Unix time).\n"
        "# TYPE gltui_token_expiry_timestamp_seconds gauge\n"
        "# UNIT gltui_token_expiry_timestamp_seconds seconds\n"
    )
    for _token, labels, instant in working():
        out.write(f"gltui_token_expiry_timestamp_seconds{{{labels}}} {int(instant.timestamp())}\n")
    out.write(
        "# HELP gltui_token_days_left Whole days until the token expires (0: expires today).\n"
        "# TYPE gltui_token_days_left gauge\n"
    )
    for token, labels, _instant in working():
        out.write(f"gltui_token_days_left{{{labels}}} {days_until_expiry(token, today)}\n")
    out.write(
        "# HELP gltui_tokens Tokens per instance and state (active includes expiring).\n"
        "# TYPE gltui_tokens gauge\n"
    )
    for instance in inventory.instances:
        cards = count_states(instance.tokens, now, window)
        for state_name, value in (
            ("active", cards.active),
            ("expiring", cards.expiring),
            ("revoked", cards.revoked),
            ("expired", cards.expired),
        ):
            where = label_value(instance.name)
            out.write(f'gltui_tokens{{instance="{where}",state="{state_name}"}} {value}\n')
    out.write("# EOF\n")


def render_openmetrics(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """:func:`write_openmetrics` as one string."""
    buffer = io.StringIO()
    write_openmetrics(buffer, inventory, now, window)
    return buffer.getvalue()
