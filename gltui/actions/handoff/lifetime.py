"""How long a rotated or replaced token lives: the policy's days, capped by the instance.

GitLab's rotate without ``expires_at`` gives the successor **one week**
(``gitlab-token-api.md`` §1.3, ``EXPIRATION_PERIOD = 1.week``): a rotation that forgets
to say otherwise plants next week's outage. gltui therefore always sends an expiry:
``rotation_days`` from today (``[settings]``, 90 by default, as spillkit does), never
beyond the instance's maximum lifetime (§6.3: 365 days; an Ultimate administrator may
set a lower ``max_personal_access_token_lifetime``, which ``GET /application/settings``
shows administrators). A cap below the policy wins. Where the maximum cannot be read
(not an administrator, or the field is absent on Community Edition), 365 is assumed:
GitLab's own default; the 400-day limit of the ``buffered_token_expiration_limit`` flag
(off by default) is not assumed. Should GitLab still refuse the date with its model's
message (``Expires at must be before <date>``: a lower limit a non-administrator could
not read), the date it names is used instead (:func:`limit_in`), unless the user chose
the expiry.

An expiry the user chose is checked against the same cap, with a clear message rather
than GitLab's 400, and must lie after today (an expiry of today is already expired).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from gltui.adapters.port import CiVariablesPort
from gltui.adapters.wire import ApiFailure
from gltui.config.model import DEFAULT_ROTATION_DAYS, MAX_ROTATION_DAYS
from gltui.domain.errors import ValidationError
from gltui.domain.templates import DEFAULT_MAX_LIFETIME_DAYS


@dataclass(frozen=True)
class Lifetime:
    """The successor's expiry and why it is that date."""

    expires_at: date
    note: str
    chosen: bool = False
    """The user chose it (it is never lowered behind their back)."""


def successor_expiry(
    today: date,
    *,
    days: int = DEFAULT_ROTATION_DAYS,
    instance_max_days: int | None = None,
    chosen: date | None = None,
) -> Lifetime:
    """``chosen`` if given (refused beyond the cap or not after today), else ``days``
    from ``today``, capped at ``instance_max_days`` (``None``: GitLab's 365)."""
    cap_days = instance_max_days or DEFAULT_MAX_LIFETIME_DAYS
    latest = today + timedelta(days=cap_days)
    where = (
        "the instance's maximum lifetime"
        if instance_max_days
        else "GitLab's default maximum lifetime"
    )
    if chosen is not None:
        if chosen <= today:
            raise ValidationError("expires_at", "the new expiry must be after today")
        if chosen > latest:
            raise ValidationError(
                "expires_at",
                f"{chosen.isoformat()} is beyond {where} of {cap_days} days "
                f"(latest {latest.isoformat()})",
            )
        return Lifetime(chosen, f"expires {chosen.isoformat()} (chosen)", chosen=True)
    wanted = today + timedelta(days=days)
    if wanted > latest:
        return Lifetime(
            latest, f"expires {latest.isoformat()}: {days} days capped by {where} ({cap_days})"
        )
    return Lifetime(wanted, f"expires {wanted.isoformat()} ({days} days)")


_LIMIT = re.compile(r"Expires at must be before (\d{4}-\d{2}-\d{2})")


def limit_in(message: str) -> date | None:
    """The latest expiry GitLab names when it refuses one (``Expires at must be before
    2027-01-20``: the model's message, where the date itself is still allowed)."""
    match = _LIMIT.search(message)
    if match is None:
        return None
    try:
        return date.fromisoformat(match[1])
    except ValueError:
        return None


def instance_max_days(port: CiVariablesPort, *, is_admin: bool) -> int | None:
    """The administrator's ``max_personal_access_token_lifetime``, when this user may
    read it and it is set to something GitLab could mean; ``None`` otherwise (no
    request at all for non-administrators: it would be a certain 403)."""
    if not is_admin:
        return None
    try:
        settings = port.application_settings()
    except ApiFailure:
        return None
    value = settings.get("max_personal_access_token_lifetime")
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ROTATION_DAYS else None
