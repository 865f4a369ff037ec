"""Incident response: whose is this leaked value, and revoke it by value.

The value arrives as a :class:`~gltui.domain.secret.Secret` and leaves gltui only
in the request that needs it. Its shape (:mod:`gltui.domain.token_shape`) picks the
instances it can belong to; on each, the least intrusive route that works:

1. the token describes itself (``GET /personal_access_tokens/self`` called with the
   value: any scope, PAT-type tokens only; it updates the token's last-used time);
2. the admin token API (``POST /admin/token``) when gltui's own token is an admin's;
3. else the answer says neither route is available, and what the user can do.

Revoking picks the strongest route available: the token itself, the admin API,
then the group revoke API of a top-level group gltui's user owns; it then checks
that the token no longer works, and appends a "revoked by value" line (never the
value) to a record of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gltui.adapters.port import GitLabPort
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import FailureKind
from gltui.domain.secret import Secret
from gltui.domain.token_shape import Shape, ShapeKind, candidate_instances, shape_of
from gltui.domain.tokens import ResourceType, Token, TokenKind
from gltui.inventory.model import Inventory
from gltui.inventory.spec import InstanceSpec
from gltui.storage import locked, write_private

RECORD_NAME = "revoked-by-value.jsonl"
OWNER_LEVEL = 50
_REJECTED = (FailureKind.BAD_TOKEN, FailureKind.TOKEN_REVOKED, FailureKind.TOKEN_EXPIRED)


@dataclass(frozen=True)
class Identified:
    """What an instance said of the value (never the value)."""

    instance: str
    route: str
    """``self`` (the token described itself) or ``admin`` (the admin token API)."""
    kind: str
    id: int | None
    name: str
    owner: str | None
    scopes: tuple[str, ...]
    expires_at: str | None
    last_used_at: str | None
    last_used_ips: tuple[str, ...]
    active: bool
    own: bool
    """gltui's own token for this instance: revoking it cuts gltui off there."""
    row: Token | None = None
    """Its row in the cached inventory, when the last snapshot has it."""

    def as_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {
            "instance": self.instance,
            "route": self.route,
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "owner": self.owner,
            "scopes": list(self.scopes),
            "expires_at": self.expires_at,
            "last_used_at": self.last_used_at,
            "last_used_ips": list(self.last_used_ips),
            "active": self.active,
            "own": self.own,
            "in_inventory": self.row is not None,
        }


@dataclass
class Outcome:
    """Everything one identification learnt: the match, or why there is none."""

    shape: Shape
    found: Identified | None = None
    tried: list[str] = field(default_factory=list)
    """Instance by instance, what was tried and what it said (safe text)."""
    advice: list[str] = field(default_factory=list)


def instance_prefix(spec: InstanceSpec) -> str | None:
    """The instance-wide prefix gltui's own token shows, if any (so values with another
    prefix are never sent there)."""
    return shape_of(spec.token).instance_prefix if spec.token else None


def _kind(data: dict[str, Any], owner: dict[str, Any], shape: Shape) -> str:
    if shape.kind is ShapeKind.DEPLOY or "deploy_token_type" in data:
        return TokenKind.DEPLOY.value
    if data.get("impersonation"):
        return TokenKind.IMPERSONATION.value
    username = str(owner.get("username", ""))
    if username.startswith("project_") and "_bot" in username:
        return TokenKind.PROJECT.value
    if username.startswith("group_") and "_bot" in username:
        return TokenKind.GROUP.value
    if shape.kind is ShapeKind.PAT_TYPE or shape.kind is ShapeKind.UNKNOWN:
        return TokenKind.SERVICE_ACCOUNT.value if owner.get("bot") else TokenKind.PERSONAL.value
    return shape.kind.value


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _describe(
    port: GitLabPort, spec: InstanceSpec, value: Secret, data: dict[str, Any], route: str
) -> Identified:
    shape = shape_of(value)
    owner: dict[str, Any] = {}
    user_id = data.get("user_id")
    if isinstance(user_id, int):
        try:
            owner = port.user(user_id)
        except ApiFailure:
            owner = {}
    active = data.get("active")
    if not isinstance(active, bool):
        active = not data.get("revoked") and not data.get("expired")
    ident = data.get("id")
    return Identified(
        instance=spec.name,
        route=route,
        kind=_kind(data, owner, shape),
        id=ident if isinstance(ident, int) else None,
        name=str(data.get("name", "")),
        owner=_text(owner.get("username") or data.get("username")),
        scopes=tuple(str(scope) for scope in data.get("scopes") or ()),
        expires_at=_text(data.get("expires_at")),
        last_used_at=_text(data.get("last_used_at")),
        last_used_ips=tuple(str(ip) for ip in data.get("last_used_ips") or ()),
        active=bool(active),
        own=value == spec.token,
    )


def _row_of(found: Identified, inventory: Inventory) -> Token | None:
    """The inventory row with the same (instance, id family, id)."""
    if found.id is None or found.kind not in _FAMILIES:
        return None
    family = _FAMILIES[found.kind]  # a trigger and a PAT may share an id, not a family
    for snapshot in inventory.instances:
        if snapshot.name != found.instance:
            continue
        for token in snapshot.tokens:
            if token.id == found.id and token.kind.family == family:
                return token
    return None


_FAMILIES = {kind.value: kind.family for kind in TokenKind}


def _is_admin(port: GitLabPort) -> bool:
    try:
        return bool(port.whoami().get("is_admin"))
    except ApiFailure:
        return False


def identify(
    value: Secret,
    specs: Sequence[InstanceSpec],
    connect: Callable[[InstanceSpec], GitLabPort],
    inventory: Inventory,
) -> Outcome:
    """Ask each instance the value can belong to, least intrusive route first."""
    shape = shape_of(value)
    outcome = Outcome(shape)
    by_name = {spec.name: spec for spec in specs}
    names = candidate_instances(shape, ((s.name, instance_prefix(s)) for s in specs))
    for excluded in (s.name for s in specs if s.name not in names):
        outcome.tried.append(f"{excluded}: not asked (its tokens carry another prefix)")
    for name in names:
        spec = by_name[name]
        port = connect(spec)
        try:
            found = _identify_on(port, spec, value, shape, outcome)
        finally:
            port.close()
        if found is not None:
            outcome.found = replace_row(found, _row_of(found, inventory))
            return outcome
    if not names:
        outcome.advice.append("No configured instance can have issued a token of this shape.")
    return outcome


def replace_row(found: Identified, row: Token | None) -> Identified:
    """``found`` with its inventory row."""
    from dataclasses import replace

    return replace(found, row=row)


def _identify_on(
    port: GitLabPort, spec: InstanceSpec, value: Secret, shape: Shape, outcome: Outcome
) -> Identified | None:
    inactive_here = False
    if shape.self_describing:
        try:
            data = port.describe_by_value(value)
            return _describe(port, spec, value, data, "self")
        except ApiFailure as error:
            kind = error.failure.kind
            if kind in (FailureKind.TOKEN_REVOKED, FailureKind.TOKEN_EXPIRED):
                inactive_here = True
                outcome.tried.append(f"{spec.name}: the token itself says it is {kind.value[6:]}")
            elif kind in _REJECTED:
                outcome.tried.append(f"{spec.name}: the self endpoint does not know it")
            else:
                outcome.tried.append(f"{spec.name}: self endpoint failed: {error.failure.message}")
    if _is_admin(port):
        try:
            data = port.admin_lookup(value)
            return _describe(port, spec, value, data, "admin")
        except ApiFailure as error:
            if error.failure.kind is FailureKind.NOT_FOUND:
                outcome.tried.append(f"{spec.name}: the admin token API does not know it")
            else:
                outcome.tried.append(f"{spec.name}: admin token API: {error.failure.message}")
        return None
    if inactive_here:
        outcome.advice.append(
            f"{spec.name} issued it and it no longer works; an administrator can see whose "
            "it was with POST /admin/token."
        )
    elif not shape.self_describing:
        outcome.tried.append(f"{spec.name}: a {shape.kind.value} cannot describe itself")
        outcome.advice.append(
            f"On {spec.name}, only an administrator can identify a {shape.kind.value} by value "
            "(POST /admin/token); a top-level group Owner can still revoke a group deploy "
            "token with gltui identify --revoke, or find it in the group's deploy tokens."
        )
    return None


@dataclass(frozen=True)
class Revoked:
    """How the value was revoked and whether GitLab confirms it."""

    route: str
    verified: bool
    detail: str


def revoke(
    value: Secret, found: Identified, port: GitLabPort, *, is_admin: bool | None = None
) -> Revoked:
    """Revoke by the strongest route available, then check it no longer works."""
    shape = shape_of(value)
    errors: list[str] = []
    admin = _is_admin(port) if is_admin is None else is_admin
    route = ""
    if shape.self_describing and found.active and found.route == "self":
        try:
            port.revoke_self_by_value(value)
            route = "self"
        except ApiFailure as error:
            errors.append(f"the token itself: {error.failure.message}")
    if not route and admin:
        try:
            port.admin_revoke(value)
            route = "admin"
        except ApiFailure as error:
            errors.append(f"admin token API: {error.failure.message}")
    if not route:
        route, answer = _group_revoke(port, value, errors)
        if route:  # GitLab answers with the token, revoked: that is the check
            verified = bool(answer.get("revoked")) or _verify(port, value, shape, admin)
            return Revoked(route, verified, "")
    if not route:
        return Revoked("", False, "; ".join(errors) or "no revoke route is available")
    return Revoked(route, _verify(port, value, shape, admin), "")


def unidentified(instance: str, shape: Shape) -> Identified:
    """A stand-in for a value no route could identify (group revoke needs no identity)."""
    return Identified(
        instance, "none", shape.kind.value, None, "", None, (), None, None, (), True, False
    )


def _group_revoke(port: GitLabPort, value: Secret, errors: list[str]) -> tuple[str, dict[str, Any]]:
    """Revoke through the first top-level group gltui's user owns that the token reaches."""
    try:
        groups = port.resources(ResourceType.GROUP, OWNER_LEVEL)
    except ApiFailure as error:
        errors.append(f"listing owned groups: {error.failure.message}")
        return "", {}
    for group in groups:
        if group.get("parent_id") is not None or not isinstance(group.get("id"), int):
            continue
        try:
            answer = port.group_revoke(int(group["id"]), value)
            return f"group {group.get('full_path', group['id'])}", answer
        except ApiFailure as error:
            if error.failure.kind is not FailureKind.NOT_FOUND:
                errors.append(f"group {group.get('full_path')}: {error.failure.message}")
    errors.append("no top-level group you own has this token")
    return "", {}


def _verify(port: GitLabPort, value: Secret, shape: Shape, admin: bool) -> bool:
    """A second look: the self endpoint must now refuse it, or the admin API say revoked."""
    if shape.self_describing:
        try:
            port.describe_by_value(value)
        except ApiFailure as error:
            return error.failure.kind in _REJECTED
        return False
    if admin:
        try:
            return bool(port.admin_lookup(value).get("revoked"))
        except ApiFailure as error:
            return error.failure.kind is FailureKind.NOT_FOUND
    return False


def record(directory: Path, found: Identified, done: Revoked, now: datetime) -> None:
    """Append "revoked by value" to the record (what, where, how: never the value)."""
    path = directory / RECORD_NAME
    line = {
        "at": now.isoformat(),
        "event": "revoked by value",
        "instance": found.instance,
        "kind": found.kind,
        "id": found.id,
        "name": found.name,
        "owner": found.owner,
        "route": done.route,
        "verified": done.verified,
    }
    with locked(path):
        old = path.read_bytes() if path.exists() else b""
        write_private(path, old + json.dumps(line).encode() + b"\n")


def read_record(directory: Path) -> list[dict[str, Any]]:
    """Every "revoked by value" line, oldest first."""
    path = directory / RECORD_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def names(specs: Iterable[InstanceSpec]) -> list[str]:
    """Instance names, for messages."""
    return [spec.name for spec in specs]
