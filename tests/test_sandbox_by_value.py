"""The sandbox's by-value routes through real HTTP: ``/admin/token`` and group revoke."""

from __future__ import annotations

from datetime import date

from gltui.sandbox.server import RunningSandbox
from gltui.sandbox.store import OWNER
from tests.conftest import call

ADMIN_TOKEN = "/api/v4/admin/token"


def _group(sandbox: RunningSandbox, path: str) -> int:
    return next(g.id for g in sandbox.store.groups.values() if g.path == path)


def test_admin_identifies_every_kind_by_value(sandbox: RunningSandbox) -> None:
    store = sandbox.store
    admin = sandbox.credentials.admin
    with store.lock:
        user = next(u for u in store.users.values() if u.username == "mara")
        pat, pat_value = store.add_personal_token(user.id, "leaky", ["read_api"], date(2027, 1, 1))
        imp, imp_value = store.add_personal_token(user.id, "imp", ["api"], None, impersonation=True)
        acme = _group(sandbox, "acme")
        bot = store.add_bot("group", acme, OWNER)
        grp, grp_value = store.add_personal_token(bot.id, "group bot", ["api"], None)
        dep, dep_value = store.add_deploy_token(
            ("group", acme), "ci pull", ["read_repository"], None
        )
    answer = call(sandbox.url, "POST", ADMIN_TOKEN, token=admin, body={"token": pat_value})
    assert answer.status == 200
    body = answer.json()
    assert body["id"] == pat.id
    assert body["user_id"] == user.id
    assert body["name"] == "leaky"
    assert body["impersonation"] is False
    assert body["scopes"] == ["read_api"]
    assert {"updated_at", "previous_personal_access_token_id", "organization_id"} <= set(body)
    assert pat_value not in answer.text
    imp_body = call(sandbox.url, "POST", ADMIN_TOKEN, token=admin, body={"token": imp_value})
    assert imp_body.json()["impersonation"] is True
    assert imp_body.json()["id"] == imp.id
    grp_body = call(sandbox.url, "POST", ADMIN_TOKEN, token=admin, body={"token": grp_value})
    assert grp_body.json()["user_id"] == bot.id
    assert grp_body.json()["id"] == grp.id
    dep_body = call(sandbox.url, "POST", ADMIN_TOKEN, token=admin, body={"token": dep_value})
    assert dep_body.json()["id"] == dep.id
    assert dep_body.json()["deploy_token_type"] == "group_type"


def test_admin_token_refuses_non_admins_and_unknown_values(sandbox: RunningSandbox) -> None:
    creds = sandbox.credentials
    mine = call(
        sandbox.url, "POST", ADMIN_TOKEN, token=creds.maintainer, body={"token": creds.developer}
    )
    assert mine.status == 403
    unknown = call(
        sandbox.url,
        "POST",
        ADMIN_TOKEN,
        token=creds.admin,
        body={"token": "glpat-nobodyknowsthis1"},
    )
    assert unknown.status == 404
    missing = call(sandbox.url, "POST", ADMIN_TOKEN, token=creds.admin, body={})
    assert missing.status == 400
    assert call(sandbox.url, "POST", ADMIN_TOKEN, body={"token": creds.developer}).status == 401


def test_admin_revokes_by_value(sandbox: RunningSandbox) -> None:
    creds = sandbox.credentials
    assert call(sandbox.url, "GET", "/api/v4/user", token=creds.developer).status == 200
    refused = call(
        sandbox.url, "DELETE", ADMIN_TOKEN, token=creds.maintainer, body={"token": creds.developer}
    )
    assert refused.status == 403
    done = call(
        sandbox.url, "DELETE", ADMIN_TOKEN, token=creds.admin, body={"token": creds.developer}
    )
    assert done.status == 204
    assert done.text == ""
    after = call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=creds.developer)
    assert after.status == 401
    looked = call(
        sandbox.url, "POST", ADMIN_TOKEN, token=creds.admin, body={"token": creds.developer}
    )
    assert looked.json()["revoked"] is True


def test_self_describes_and_revokes_itself(sandbox: RunningSandbox) -> None:
    value = sandbox.credentials.readonly
    me = call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=value)
    assert me.status == 200
    assert me.json()["active"] is True
    assert (
        call(sandbox.url, "DELETE", "/api/v4/personal_access_tokens/self", token=value).status
        == 204
    )
    assert (
        call(sandbox.url, "GET", "/api/v4/personal_access_tokens/self", token=value).status == 401
    )


def test_group_owner_revokes_what_reaches_the_group(sandbox: RunningSandbox) -> None:
    creds, store = sandbox.credentials, sandbox.store
    acme, platform = _group(sandbox, "acme"), _group(sandbox, "platform")
    with store.lock:
        dep, dep_value = store.add_deploy_token(("group", acme), "pull", ["read_repository"], None)
    path = f"/api/v4/groups/{acme}/tokens/revoke"
    # developer's PAT: dev is a member of acme, so the group's Owner (mara) may revoke it
    not_owner = call(sandbox.url, "POST", path, token=creds.developer, body={"token": dep_value})
    assert not_owner.status == 403
    done = call(sandbox.url, "POST", path, token=creds.maintainer, body={"token": dep_value})
    assert done.status == 200
    assert done.json()["id"] == dep.id
    assert done.json()["revoked"] is True
    again = call(sandbox.url, "POST", path, token=creds.maintainer, body={"token": dep_value})
    assert again.status == 200  # already revoked: still 200 with the token
    pat = call(sandbox.url, "POST", path, token=creds.maintainer, body={"token": creds.developer})
    assert pat.status == 200
    assert pat.json()["revoked"] is True
    admin_pat = call(sandbox.url, "POST", path, token=creds.maintainer, body={"token": creds.admin})
    assert admin_pat.status == 404  # outside the group: nothing given away
    elsewhere = call(
        sandbox.url,
        "POST",
        f"/api/v4/groups/{platform}/tokens/revoke",
        token=creds.maintainer,
        body={"token": creds.admin},
    )
    assert elsewhere.status == 403  # mara is only a Maintainer of platform
