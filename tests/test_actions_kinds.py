"""Revoke and reset for the kinds of issue 15, through gltui's write side (python-gitlab
underneath) against the sandbox: pipeline triggers, cluster agent tokens and runners, with
the refusals by role; and the audit flag of a service account's token that never expires
(its actions: ``tests/test_actions_service_account_tokens.py``).

The tokens are found with python-gitlab as any client would, then handed to
:class:`~gltui.actions.service.TokenActions` as the walk would hand them over; what
GitLab did is read back with python-gitlab again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import gitlab
import pytest

from gltui.actions.offers import (
    RUNNER_REVOKE_UNAVAILABLE,
    revoke_unavailable,
    rotation_verb,
)
from gltui.actions.service import ActionError, TokenActions
from gltui.adapters.parse import parse_timestamp
from gltui.domain.audit import Flag, audit
from gltui.domain.secret import Secret
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.connect import api_for
from gltui.inventory.probe import sign_in
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, TODAY, client


def actions(sandbox: RunningSandbox, persona: str = "maintainer") -> TokenActions:
    """The write side as gltui signs in: who it is and GitLab's version, nothing walked."""
    spec = InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))
    api = api_for(spec)
    try:
        identity = sign_in(api)
    finally:
        api.close()
    return TokenActions(spec, identity)


def project(gl: gitlab.Gitlab, path: str) -> Resource:
    found = gl.projects.get(path)
    return Resource(ResourceType.PROJECT, found.id, path)


def group(gl: gitlab.Gitlab, path: str) -> Resource:
    found = gl.groups.get(path)
    return Resource(ResourceType.GROUP, found.id, path)


def rows(gl: gitlab.Gitlab, path: str, **params: Any) -> list[dict[str, Any]]:
    found = gl.http_list(path, get_all=True, **params)
    assert isinstance(found, list)
    return [row for row in found if isinstance(row, dict)]


# --- pipeline triggers ----------------------------------------------------------------


def trigger(gl: gitlab.Gitlab, path: str, description: str) -> Token:
    where = project(gl, path)
    row = next(
        t
        for t in gl.projects.get(where.id, lazy=True).triggers.list(get_all=True)
        if t.description == description
    )
    return Token("work", TokenKind.TRIGGER, row.id, description, (), False, None, resource=where)


def test_a_maintainer_revokes_a_trigger(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    token = trigger(gl, "acme/website", "deploy from jenkins")
    outcome = actions(sandbox).revoke(token)
    assert (outcome.ok, outcome.message) == (True, "revoked")
    assert token.resource is not None
    left = gl.projects.get(token.resource.id, lazy=True).triggers.list(get_all=True)
    assert token.id not in {t.id for t in left}
    again = actions(sandbox).revoke(token)  # deleted: GitLab's 404 "Not found" means done
    assert (again.ok, again.message) == (True, "already gone")


def test_a_developer_may_not_revoke_a_trigger(sandbox: RunningSandbox) -> None:
    token = trigger(client(sandbox, "maintainer"), "acme/website", "old hook")
    outcome = actions(sandbox, "developer").revoke(token)
    assert not outcome.ok
    assert outcome.message == (
        "Revoking a pipeline trigger token needs the Maintainer role in acme/website."
    )
    with pytest.raises(ActionError, match="cannot rotate pipeline trigger tokens"):
        actions(sandbox).rotate(token, None)


# --- cluster agent tokens --------------------------------------------------------------


def agent_token(gl: gitlab.Gitlab, path: str, agent: str, name: str) -> Token:
    where = project(gl, path)
    agents = rows(gl, f"/projects/{where.id}/cluster_agents")
    agent_id = next(a["id"] for a in agents if a["name"] == agent)
    tokens = rows(gl, f"/projects/{where.id}/cluster_agents/{agent_id}/tokens")
    row = next(t for t in tokens if t["name"] == name)
    return Token(
        "work",
        TokenKind.CLUSTER_AGENT,
        row["id"],
        name,
        (),
        False,
        None,
        resource=where,
        agent_id=agent_id,
    )


def test_a_maintainer_revokes_an_agent_token(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    token = agent_token(gl, "acme/website", "production", "primary")
    outcome = actions(sandbox).revoke(token)
    assert (outcome.ok, outcome.message) == (True, "revoked")
    assert token.resource is not None
    listed = rows(gl, f"/projects/{token.resource.id}/cluster_agents/{token.agent_id}/tokens")
    assert token.id not in {t["id"] for t in listed}  # the list shows active tokens only
    with pytest.raises(ActionError, match="cannot rotate cluster agent tokens"):
        actions(sandbox).rotate(token, None)


def test_agent_tokens_need_the_maintainer_role_and_their_agent(sandbox: RunningSandbox) -> None:
    token = agent_token(client(sandbox, "developer"), "acme/website", "production", "secondary")
    outcome = actions(sandbox, "developer").revoke(token)  # a Developer reads, never revokes
    assert not outcome.ok
    assert outcome.message == (
        "Revoking a cluster agent token needs the Maintainer role in acme/website."
    )
    unplaced = actions(sandbox).revoke(replace(token, agent_id=None))
    assert (unplaced.ok, unplaced.message) == (
        False,
        "gltui does not know this token's agent; refresh with r",
    )


# --- runners ---------------------------------------------------------------------------


def runner(gl: gitlab.Gitlab, description: str) -> Token:
    row = next(r for r in rows(gl, "/runners") if r["description"] == description)
    return Token("work", TokenKind.RUNNER, row["id"], description, (), False, None)


def test_runners_are_reset_never_revoked(sandbox: RunningSandbox) -> None:
    gl = client(sandbox, "maintainer")
    token = runner(gl, "website docker")
    assert revoke_unavailable(token) == RUNNER_REVOKE_UNAVAILABLE
    assert rotation_verb(token) == "reset"
    outcome = actions(sandbox).revoke(token)
    assert not outcome.ok
    assert "only by deleting the runner" in outcome.message
    assert gl.runners.get(token.id).description == "website docker"  # still there
    issued = actions(sandbox).rotate(token, date(2030, 1, 1), today=TODAY)  # no expiry is sent
    assert issued.token.id == token.id
    assert issued.token.kind is TokenKind.RUNNER
    assert not issued.token.revoked
    assert issued.secret.reveal().startswith("glrt-")
    assert "glrt-" not in repr(issued)
    details = gl.runners.get(token.id).attributes  # 19.1+: the token's expiry is shown
    assert issued.token.expires_at == parse_timestamp(details["token_expires_at"])
    assert issued.token.expires_at is not None
    assert issued.token.expires_at > NOW  # GitLab's own lifetime, not the date asked for
    assert issued.token.expires_at != datetime(2030, 1, 1, tzinfo=UTC)


def test_a_reset_needs_a_role_that_manages_the_runner(sandbox: RunningSandbox) -> None:
    token = runner(client(sandbox, "maintainer"), "website docker")
    with pytest.raises(ActionError) as refused:
        actions(sandbox, "developer").rotate(token, None, today=TODAY)
    assert refused.value.message.startswith(
        "Resetting a runner's token needs the Maintainer role in one of its projects"
    )
    shared = next(
        r
        for r in rows(client(sandbox, "admin"), "/runners/all")
        if r["description"] == "shared-runner-1"
    )
    instance_runner = Token("work", TokenKind.RUNNER, shared["id"], "shared", (), False, None)
    with pytest.raises(ActionError, match="an instance runner: an administrator"):
        actions(sandbox).rotate(instance_runner, None, today=TODAY)
    issued = actions(sandbox, "admin").rotate(instance_runner, None, today=TODAY)
    assert issued.secret.reveal().startswith("glrt-")


# --- the audit flag ---------------------------------------------------------------------


def test_a_service_accounts_token_that_never_expires_is_flagged() -> None:
    forever = Token(
        "work",
        TokenKind.SERVICE_ACCOUNT,
        1,
        "deploy",
        ("api",),
        False,
        None,
        created_at=NOW - timedelta(days=3),
        last_used_at=NOW,
    )
    assert Flag.SA_NO_EXPIRY in audit(forever, NOW)
    assert Flag.LONG_LIVED in audit(forever, NOW)
    assert Flag.SA_NO_EXPIRY.mark == "E"
    a_year = replace(forever, expires_at=TODAY + timedelta(days=365))
    assert Flag.SA_NO_EXPIRY not in audit(a_year, NOW)
    tomorrow = replace(forever, expires_at=TODAY + timedelta(days=1))
    assert audit(tomorrow, NOW) == (Flag.BROAD_SCOPE,)
    personal = replace(forever, kind=TokenKind.PERSONAL)
    assert Flag.SA_NO_EXPIRY not in audit(personal, NOW)  # long-lived says it for people's
    assert Flag.LONG_LIVED in audit(personal, NOW)
