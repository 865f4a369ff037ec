"""Inventories <-> JSON-ready dicts, for the snapshot cache and ``gltui report``.

The shape is versioned (``schema``) and holds token metadata only: a Token has
no secret field, so no secret can be written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Expiry, Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity, InstanceInventory, Problem

SCHEMA_VERSION = 1


_KINDS = {kind.value: kind for kind in TokenKind}
_RESOURCE_TYPES = {kind.value: kind for kind in ResourceType}
"""Plain dict lookups: cheaper than calling an Enum by value once per token on load."""


class SnapshotFormatError(ValueError):
    """A snapshot file that this version of gltui cannot read."""


def _instant(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _expiry(value: Expiry) -> str | None:
    if value is None:
        return None
    return value.isoformat()


def token_to_dict(token: Token) -> dict[str, Any]:
    """One token's metadata."""
    return {
        "kind": token.kind.value,
        "id": token.id,
        "name": token.name,
        "description": token.description,
        "scopes": list(token.scopes),
        "revoked": token.revoked,
        "expires_at": _expiry(token.expires_at),
        "created_at": _instant(token.created_at),
        "last_used_at": _instant(token.last_used_at),
        "last_used_ips": list(token.last_used_ips),
        "owner": None
        if token.owner is None
        else {"user_id": token.owner.user_id, "username": token.owner.username},
        "resource": None
        if token.resource is None
        else {
            "type": token.resource.type.value,
            "id": token.resource.id,
            "path": token.resource.path,
        },
        "access_level": token.access_level,
    }


def _parse_expiry(value: object) -> Expiry:
    if not isinstance(value, str):
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


def _parse_instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def token_from_dict(instance: str, data: dict[str, Any]) -> Token:
    """The inverse of :func:`token_to_dict`."""
    owner = data.get("owner")
    resource = data.get("resource")
    return Token(
        instance=instance,
        kind=_KINDS[data["kind"]],
        id=int(data["id"]),
        name=str(data["name"]),
        description=data.get("description"),
        scopes=tuple(data.get("scopes", ())),
        revoked=bool(data.get("revoked", False)),
        expires_at=_parse_expiry(data.get("expires_at")),
        created_at=_parse_instant(data.get("created_at")),
        last_used_at=_parse_instant(data.get("last_used_at")),
        last_used_ips=tuple(data.get("last_used_ips", ())),
        owner=None if not owner else Owner(owner.get("user_id"), owner.get("username")),
        resource=None
        if not resource
        else Resource(_RESOURCE_TYPES[resource["type"]], int(resource["id"]), resource.get("path")),
        access_level=data.get("access_level"),
    )


def failure_to_dict(failure: Failure) -> dict[str, Any]:
    """A failure with its advice (for people reading the JSON)."""
    return {
        "kind": failure.kind.value,
        "message": failure.message,
        "status": failure.status,
        "advice": failure.advice,
    }


def _failure_from_dict(data: dict[str, Any]) -> Failure:
    return Failure(FailureKind(data["kind"]), str(data["message"]), data.get("status"))


def instance_to_dict(inventory: InstanceInventory) -> dict[str, Any]:
    """A whole instance inventory."""
    identity = inventory.identity
    return {
        "schema": SCHEMA_VERSION,
        "name": inventory.name,
        "url": inventory.url,
        "fetched_at": inventory.fetched_at.isoformat(),
        "identity": None
        if identity is None
        else {
            "user_id": identity.user_id,
            "username": identity.username,
            "is_admin": identity.is_admin,
            "version": identity.version,
        },
        "own_token": None if inventory.own_token is None else token_to_dict(inventory.own_token),
        "failure": None if inventory.failure is None else failure_to_dict(inventory.failure),
        "problems": [
            {"where": problem.where, **failure_to_dict(problem.failure)}
            for problem in inventory.problems
        ],
        "requests": inventory.requests,
        "tokens": [token_to_dict(token) for token in inventory.tokens],
    }


def instance_from_dict(data: dict[str, Any]) -> InstanceInventory:
    """The inverse of :func:`instance_to_dict`; raises :class:`SnapshotFormatError`."""
    if data.get("schema") != SCHEMA_VERSION:
        raise SnapshotFormatError(f"unsupported snapshot schema {data.get('schema')!r}")
    try:
        name = str(data["name"])
        identity = data.get("identity")
        own = data.get("own_token")
        failure = data.get("failure")
        return InstanceInventory(
            name=name,
            url=str(data["url"]),
            fetched_at=datetime.fromisoformat(data["fetched_at"]),
            identity=None
            if not identity
            else Identity(
                int(identity["user_id"]),
                str(identity["username"]),
                bool(identity["is_admin"]),
                identity.get("version"),
            ),
            own_token=None if not own else token_from_dict(name, own),
            tokens=tuple(token_from_dict(name, row) for row in data.get("tokens", ())),
            problems=tuple(
                Problem(str(row["where"]), _failure_from_dict(row))
                for row in data.get("problems", ())
            ),
            failure=None if not failure else _failure_from_dict(failure),
            requests=int(data.get("requests", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise SnapshotFormatError(f"damaged snapshot: {type(error).__name__}") from None
