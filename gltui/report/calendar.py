"""An expiry calendar (RFC 5545): one all-day event per working token on the day it
stops working, with a reminder a week before.

GitLab's own feed (``/-/user_settings/personal_access_tokens.ics``) covers a person's
personal tokens on one instance; project and group tokens are "TBD" there (GitLab issue
462974). This one covers every kind gltui inventories, on every instance, and is served
by ``gltui exporter`` at ``/calendar.ics`` so a calendar client can subscribe.

* **The day.** A PAT-type token dated D stops working at 00:00 UTC on D, so the event is
  on D; a deploy token's instant gives its UTC date. An all-day event has no time zone,
  so a reader west of UTC sees it on D although the token dies on the evening before,
  local time: the description gives the exact instant, and the reminder comes a week
  ahead.
* **Stable UIDs.** A UUID derived from ``(instance, kind, id)``: a client updates the
  event when the token is renamed and drops it when it is revoked or replaced, and two
  tokens with one name never merge. ``DTSTAMP`` is the token's creation time (the last
  time its facts changed), so an unchanged inventory renders to the same bytes (and the
  exporter re-renders only the events whose token changed: :class:`CalendarRenderer`).
* **Text, not markup.** Every value chosen by someone else goes through
  :func:`printable` (no raw control character) and icalendar's TEXT escaping (``;``
  ``,`` ``\\`` and line breaks); nothing is interpreted.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from gltui.domain.display import access_summary, describe, owner_label, printable
from gltui.domain.links import token_page_url
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS, classify, expiry_instant
from gltui.domain.tokens import Token
from gltui.inventory.model import Inventory

REMINDER = timedelta(days=7)
UID_NAMESPACE = uuid.UUID("5b1f0e2c-3d4a-5e6f-8a9b-0c1d2e3f4a5b")
"""gltui's own namespace for UUIDv5 event ids: changing it changes every UID."""
PRODID = "-//gltui//GitLab token expiry//EN"
UNKNOWN_STAMP = datetime(1970, 1, 1, tzinfo=UTC)
"""``DTSTAMP`` when GitLab gave no creation time: fixed, so the bytes stay the same."""


def event_uid(instance: str, kind: str, token_id: int) -> str:
    """The event's UID: the same token always gets the same one, whatever its name."""
    return str(uuid.uuid5(UID_NAMESPACE, json.dumps([instance, kind, token_id])))


def expiry_day(token: Token) -> date | None:
    """The UTC date the token stops working: its ``expires_at`` date for PAT-type tokens
    (at 00:00 UTC), the instant's UTC date for deploy tokens; ``None``: never."""
    instant = expiry_instant(token.expires_at)
    return None if instant is None else instant.astimezone(UTC).date()


def _when(token: Token) -> str:
    instant = expiry_instant(token.expires_at)
    assert instant is not None
    return f"{instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _event(token: Token, day: date, url: str | None) -> Event:
    summary = f"GitLab token expires: {describe(token)}"
    lines = [
        f"Stops working at {_when(token)}.",
        f"Instance: {printable(token.instance)}",
        f"Kind: {token.kind.value}, id {token.id}",
        f"Owner: {printable(owner_label(token))}",
        f"Scopes: {printable(access_summary(token)) or '-'}",  # a fine-grained one's boundaries
        "Rotate or replace it before then (gltui's dashboard, or GitLab's settings page).",
    ]
    page = token_page_url(url, token) if url else None
    if page:
        lines.append(f"Page: {page}")
    event = Event()
    event.add("uid", event_uid(token.instance, token.kind.value, token.id))
    created = token.created_at or UNKNOWN_STAMP
    if created.tzinfo is None:  # GitLab's times are UTC; never read one as local time
        created = created.replace(tzinfo=UTC)
    event.add("dtstamp", created.astimezone(UTC))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy day
    event.add("categories", ["GitLab token"])
    if page:
        event.add("url", page)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER)
    alarm.add("description", summary)
    event.add_component(alarm)
    return event


class CalendarRenderer:
    """Renders calendars, reusing each event's bytes while its token is unchanged.

    icalendar takes about half a millisecond per event; the exporter re-renders after
    every refresh, and between two refreshes almost every token is the same, so at
    10,000 tokens this turns seconds of CPU per refresh into milliseconds.
    """

    def __init__(self) -> None:
        self._events: dict[tuple[object, ...], bytes] = {}

    def render(self, inventory: Inventory, now: datetime) -> str:
        """The calendar of ``inventory``'s working tokens at ``now``, soonest first."""
        urls = {instance.name: instance.url for instance in inventory.instances}
        dated = []
        for token in inventory.tokens():
            day = expiry_day(token)
            if day is not None and classify(token, now).is_active:
                dated.append((day, token.instance, token.kind.value, token.id, token))
        events: dict[tuple[object, ...], bytes] = {}
        for day, _, _, _, token in sorted(dated, key=lambda row: row[:4]):
            url = urls.get(token.instance)
            key = _facts(token, url)
            events[key] = self._events.get(key) or _event(token, day, url).to_ical()
        self._events = events
        head, tail = _frame()
        return (head + b"".join(events.values()) + tail).decode("utf-8")


def _facts(token: Token, url: str | None) -> tuple[object, ...]:
    """Everything an event is made of, and nothing else: ``last_used_at`` changes every
    few minutes on a token in use, and must not cost its event a re-render."""
    return (
        token.instance,
        token.kind,
        token.id,
        token.name,
        token.scopes,
        token.granular_scopes,
        token.expires_at,
        token.created_at,
        token.owner,
        token.resource,
        url,
    )


def _frame() -> tuple[bytes, bytes]:
    """The calendar's own lines, split where the events go."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", "GitLab token expiry")
    calendar.add("x-wr-calname", "GitLab token expiry")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    whole = calendar.to_ical()
    tail = b"END:VCALENDAR\r\n"
    assert whole.endswith(tail)
    return whole[: -len(tail)], tail


def render_ics(
    inventory: Inventory, now: datetime, window: int = DEFAULT_EXPIRING_WINDOW_DAYS
) -> str:
    """The calendar, soonest first. ``window`` is unused (every working token with an
    expiry gets its event); it keeps the renderers' common signature."""
    del window
    return CalendarRenderer().render(inventory, now)
