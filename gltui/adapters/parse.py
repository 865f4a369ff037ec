"""GitLab API JSON -> domain :class:`~gltui.domain.tokens.Token`.

GitLab's token entities differ by kind and by version (fields come and go:
``description`` 17.7, ``expired``/``last_used_ips`` newer, ``resource_type``
newest), so every optional field is read defensively and only ``id`` and
``name`` are required. A row that lacks them raises :class:`MalformedTokenError`
naming the field, never leaking the rest of the row (it might hold a secret).

An ``expires_at`` that is present but unreadable (``2026-02-30``, year 9999 with an
offset that overflows) is an error too, never "never expires": a token whose expiry
gltui cannot read must not be reported as safe. Other unreadable times (created,
last used) are only unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from gltui.domain.tokens import Owner, Resource, Token, TokenKind


class MalformedTokenError(ValueError):
    """An API row without the fields every token has."""


TIME_CHARS = 64
"""An ISO 8601 instant is ~30 characters; longer is not a time."""


def parse_timestamp(value: object) -> datetime | None:
    """``2026-01-02T03:04:05.678Z`` (or any ISO 8601 instant) -> aware UTC datetime;
    ``None`` when absent or unreadable (impossible dates, overflowing offsets)."""
    if not isinstance(value, str) or not value or len(value) > TIME_CHARS:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_day(value: object) -> date | None:
    """``YYYY-MM-DD`` -> date (PAT-type ``expires_at``); ``None`` when unreadable."""
    if not isinstance(value, str) or not value or len(value) > TIME_CHARS:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _expiry(data: Mapping[str, Any], parser: Callable[[object], date | datetime | None]) -> Any:
    """``expires_at``: ``None`` only when GitLab says null; unreadable is an error."""
    value = data.get("expires_at")
    if value is None or value == "":
        return None
    parsed = parser(value)
    if parsed is None:
        raise MalformedTokenError(f"token {_row_id(data)} has an unreadable expires_at")
    return parsed


def _row_id(data: Mapping[str, Any]) -> str:
    value = data.get("id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "(no id)"


def _required(data: Mapping[str, Any], field: str, kind: type) -> Any:
    value = data.get(field)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedTokenError(f"token row without a valid {field!r}")
    return value


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value if isinstance(item, str))
    return ()


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def personal_token(
    instance: str,
    data: Mapping[str, Any],
    *,
    kind: TokenKind = TokenKind.PERSONAL,
    username: str | None = None,
    resource: Resource | None = None,
) -> Token:
    """A PAT-type row: personal, impersonation, project, group or service-account token."""
    user_id = _optional_int(data.get("user_id"))
    return Token(
        instance=instance,
        kind=kind,
        id=_required(data, "id", int),
        name=_required(data, "name", str),
        scopes=_strings(data.get("scopes")),
        revoked=data.get("revoked") is True,
        expires_at=_expiry(data, parse_day),
        description=_optional_text(data.get("description")),
        created_at=parse_timestamp(data.get("created_at")),
        last_used_at=parse_timestamp(data.get("last_used_at")),
        last_used_ips=_strings(data.get("last_used_ips")),
        owner=Owner(user_id, username) if user_id is not None or username else None,
        resource=resource,
        access_level=_optional_int(data.get("access_level")),
    )


def deploy_token(instance: str, data: Mapping[str, Any], *, resource: Resource | None) -> Token:
    """A deploy-token row; its ``expires_at`` is an instant, not a date."""
    return Token(
        instance=instance,
        kind=TokenKind.DEPLOY,
        id=_required(data, "id", int),
        name=_required(data, "name", str),
        scopes=_strings(data.get("scopes")),
        revoked=data.get("revoked") is True,
        expires_at=_expiry(data, parse_timestamp),
        owner=Owner(None, _optional_text(data.get("username"))),
        resource=resource,
    )
