"""The sandbox computes a listing once per store revision and serves its pages from it:
a change between two pages shows on the next, and neither another caller nor other
parameters ever get the rows computed for one."""

from __future__ import annotations

from gltui.sandbox.server import RunningSandbox
from tests.conftest import client


def test_a_change_between_pages_shows_on_the_next(sandbox: RunningSandbox) -> None:
    admin = client(sandbox, "admin")
    first = admin.http_list("/users", get_all=False, query_data={"per_page": 2, "sort": "asc"})
    assert isinstance(first, list)
    with sandbox.store.lock:
        added = sandbox.store.add_user("late", "Late Comer")
    everyone = admin.http_list("/users", get_all=True, query_data={"sort": "desc"})
    assert isinstance(everyone, list)
    assert everyone[0]["id"] == added.id  # newest first, though asked before it existed
    project_ids = {p["id"] for p in admin.http_list("/projects", get_all=True)}
    with sandbox.store.lock:
        group_id = next(iter(sandbox.store.groups))
        made = sandbox.store.add_project("Late", "late", group_id)
    again = {p["id"] for p in admin.http_list("/projects", get_all=True)}
    assert again == project_ids | {made.id}


def test_callers_and_parameters_never_share_rows(sandbox: RunningSandbox) -> None:
    admin, developer = client(sandbox, "admin"), client(sandbox, "developer")
    for path in ("/projects", "/groups"):
        everything = admin.http_list(path, get_all=True, query_data={"all_available": True})
        mine = developer.http_list(path, get_all=True, query_data={"membership": True})
        assert isinstance(everything, list)
        assert isinstance(mine, list)
        assert {r["id"] for r in mine} < {r["id"] for r in everything}
        owned = admin.http_list(path, get_all=True, query_data={"min_access_level": 50})
        assert isinstance(owned, list)
        assert {r["id"] for r in owned} <= {r["id"] for r in everything}
    ascending = admin.http_list("/users", get_all=True, query_data={"sort": "asc"})
    descending = admin.http_list("/users", get_all=True, query_data={"sort": "desc"})
    assert isinstance(ascending, list)
    assert isinstance(descending, list)
    assert [u["id"] for u in ascending] == [u["id"] for u in reversed(descending)]
    bots_left_out = admin.http_list("/users", get_all=True, query_data={"humans": True})
    assert isinstance(bots_left_out, list)
    assert len(bots_left_out) < len(ascending)
