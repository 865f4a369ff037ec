"""The expiry calendar: parsed back with icalendar, the day right at every boundary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar, Component

from gltui.domain.display import printable
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import InstanceInventory, Inventory
from gltui.report.calendar import CalendarRenderer, event_uid, render_ics
from gltui.sandbox.server import RunningSandbox, SandboxOptions
from tests.conftest import NOW, TODAY
from tests.test_report_cli import environment, report


def token(
    token_id: int,
    expires: date | datetime | None,
    *,
    kind: TokenKind = TokenKind.PERSONAL,
    name: str = "ci",
    revoked: bool = False,
    instance: str = "gitlab.example.com",
) -> Token:
    resource = None
    if kind is not TokenKind.PERSONAL:
        resource = Resource(ResourceType.PROJECT, 4, "acme/website")
    return Token(
        instance=instance,
        kind=kind,
        id=token_id,
        name=name,
        scopes=("read_api",),
        revoked=revoked,
        expires_at=expires,
        owner=Owner(3, "mara"),
        resource=resource,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def inventory(*tokens: Token) -> Inventory:
    names = sorted({t.instance for t in tokens}) or ["gitlab.example.com"]
    return Inventory(
        tuple(
            InstanceInventory(
                name,
                f"https://{name}",
                NOW,
                tokens=tuple(t for t in tokens if t.instance == name),
            )
            for name in names
        )
    )


def events(text: str) -> dict[str, Component]:
    calendar = Calendar.from_ical(text)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(t: Token) -> str:
    return event_uid(t.instance, t.kind.value, t.id)


def dt(component: Component, field: str) -> object:
    prop: Any = component[field]  # icalendar types a property as the union of all
    return prop.dt


def day_of(event: Component, field: str = "DTSTART") -> date:
    value = dt(event, field)
    assert type(value) is date  # an all-day event: a DATE, not a DATE-TIME
    return value


DEPLOY = TokenKind.DEPLOY


@pytest.mark.usefixtures("local_timezone")
def test_each_working_token_on_the_day_it_stops_working() -> None:
    cases = {
        # token -> the event's day, or None for no event
        token(1, TODAY): None,  # 00:00 UTC today: already expired
        token(2, TODAY + timedelta(days=1)): TODAY + timedelta(days=1),
        token(3, TODAY + timedelta(days=14)): TODAY + timedelta(days=14),
        token(4, None): None,  # never expires
        token(5, TODAY + timedelta(days=9), revoked=True): None,
        token(6, NOW - timedelta(seconds=1), kind=DEPLOY): None,  # an instant, passed
        token(7, NOW + timedelta(seconds=1), kind=DEPLOY): TODAY,
        token(8, datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC), kind=DEPLOY): date(2026, 11, 22),
        token(9, datetime(2026, 11, 23, 0, 0, tzinfo=UTC), kind=DEPLOY): date(2026, 11, 23),
        # 01:00 at UTC+2 is 23:00 UTC the day before
        token(
            10, datetime(2026, 11, 24, 1, 0, tzinfo=timezone(timedelta(hours=2))), kind=DEPLOY
        ): date(2026, 11, 23),
        token(11, TODAY - timedelta(days=30)): None,
    }
    found = events(render_ics(inventory(*cases), NOW))
    expected = {uid(t): day for t, day in cases.items() if day is not None}
    assert {key: day_of(event) for key, event in found.items()} == expected
    for key, event in found.items():
        assert day_of(event, "DTEND") == expected[key] + timedelta(days=1)
        (alarm,) = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY"
        assert dt(alarm, "TRIGGER") == timedelta(days=-7)
        assert str(event["TRANSP"]) == "TRANSPARENT"


def test_the_description_gives_the_exact_instant_and_the_summary_where() -> None:
    pat = token(1, date(2026, 12, 5))
    deploy = token(2, datetime(2026, 12, 6, 15, 30, tzinfo=UTC), kind=DEPLOY, name="pull")
    found = events(render_ics(inventory(pat, deploy), NOW))
    first, second = found[uid(pat)], found[uid(deploy)]
    assert str(first["SUMMARY"]) == (
        'GitLab token expires: "ci": personal token on gitlab.example.com, of mara'
    )
    assert "Stops working at 2026-12-05 00:00 UTC." in str(first["DESCRIPTION"])
    assert str(first["URL"]) == "https://gitlab.example.com/-/user_settings/personal_access_tokens"
    assert str(second["SUMMARY"]) == (
        'GitLab token expires: "pull": deploy token on gitlab.example.com, in acme/website'
    )
    assert "Stops working at 2026-12-06 15:30 UTC." in str(second["DESCRIPTION"])
    assert str(second["URL"]).endswith("/acme/website/-/settings/repository#js-deploy-tokens")


def test_uids_follow_the_token_not_its_name() -> None:
    original = token(1, TODAY + timedelta(days=5), name="ci")
    renamed = replace(original, name="ci (renamed)")
    twin = token(2, TODAY + timedelta(days=5), name="ci")  # same name, other token
    elsewhere = replace(original, instance="self-managed")
    other_kind = token(1, TODAY + timedelta(days=5), kind=TokenKind.PROJECT)
    assert uid(original) == uid(renamed)
    assert len({uid(original), uid(twin), uid(elsewhere), uid(other_kind)}) == 4
    assert set(events(render_ics(inventory(original, twin, elsewhere, other_kind), NOW))) == {
        uid(original),
        uid(twin),
        uid(elsewhere),
        uid(other_kind),
    }
    first = render_ics(inventory(original, twin), NOW)
    later = render_ics(inventory(original, twin), NOW + timedelta(hours=3))
    assert first == later  # unchanged tokens, the same bytes: clients see no change


def test_hostile_names_are_plain_text() -> None:
    name = "evil\x1b[31m\r\nBEGIN:VEVENT\x00;,\\ <b>bold</b> \u202e"
    text = render_ics(inventory(token(1, TODAY + timedelta(days=3), name=name)), NOW)
    unfolded = text.replace("\r\n ", "").replace("\r\n", "\n")
    assert not [ch for ch in unfolded if ord(ch) < 0x20 and ch != "\n"]
    assert "\u202e" not in text
    assert unfolded.split("\n").count("BEGIN:VEVENT") == 1  # the name did not start one
    (event,) = events(text).values()
    summary = str(event["SUMMARY"])
    assert f'"{printable(name)}"' in summary
    assert "\\x1b[31m\\x0d\\x0aBEGIN:VEVENT\\x00;,\\ <b>bold</b>" in summary


def test_an_empty_inventory_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(render_ics(Inventory(), NOW))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//gltui//GitLab token expiry//EN"
    assert calendar.walk("VEVENT") == []


def test_report_format_ics_against_the_sandbox(tmp_path: Path) -> None:
    # the real clock on both sides: the report classifies with today's date
    with RunningSandbox(SandboxOptions()) as sandbox:
        env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.admin)
        done = report("--format", "ics", env=env)
        assert done.returncode == 0, done.stderr
        listed = report("--format", "json", env=env)
        assert listed.returncode == 0, listed.stderr
        kinds = report("--format", "ics", "--kind", "deploy", env=env)
    for secret in sandbox.credentials.as_dict().values():
        assert secret not in done.stdout
    (instance,) = json.loads(listed.stdout)["instances"]
    working = {
        event_uid(instance["name"], t["kind"], t["id"])
        for t in instance["tokens"]
        if t["state"] in ("active", "expiring") and t["expires_at"]
    }
    found = events(done.stdout)
    assert set(found) == working
    assert len(working) > 10
    deploy = events(kinds.stdout)
    assert deploy
    assert set(deploy) < set(found)
    assert all("deploy token" in str(event["SUMMARY"]) for event in deploy.values())


def test_the_exporters_renderer_reuses_events_but_renders_the_same() -> None:
    tokens = [token(i, TODAY + timedelta(days=i)) for i in range(1, 6)]
    renderer = CalendarRenderer()
    assert renderer.render(inventory(*tokens), NOW) == render_ics(inventory(*tokens), NOW)
    tokens[2] = replace(tokens[2], name="renamed")
    del tokens[0]  # revoked, say: gone from the listing
    again = renderer.render(inventory(*tokens), NOW)
    assert again == render_ics(inventory(*tokens), NOW)
    assert '"renamed"' in again
    assert len(events(again)) == 4


def test_a_token_in_use_keeps_its_rendered_event() -> None:
    used = token(1, TODAY + timedelta(days=4))
    renderer = CalendarRenderer()
    first = renderer.render(inventory(used), NOW)
    cached = dict(renderer._events)
    again = renderer.render(inventory(replace(used, last_used_at=NOW)), NOW)
    assert again == first
    assert renderer._events == cached  # the same bytes object: not rendered again
    assert all(renderer._events[k] is cached[k] for k in cached)
