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

SCHEMA_VERSION = 2
"""Snapshot files: 2 stores tokens as rows (lists in :data:`ROW_FIELDS` order)."""

ROW_FIELDS = (
    "kind",
    "id",
    "name",
    "description",
    "scopes",
    "revoked",
    "expires_at",
    "created_at",
    "last_used_at",
    "last_used_ips",
    "owner_user_id",
    "owner_username",
    "resource_type",
    "resource_id",
    "resource_path",
    "access_level",
)
"""Lists decode about twice as fast as dicts with repeated keys, and first paint waits
for the snapshot of up to 10,000 tokens to decode. A row may hold one more field: the
reason a token was carried over from an earlier snapshot instead of refreshed."""


_KINDS = {kind.value: kind for kind in TokenKind}
_RESOURCE_TYPES = {kind.value: kind for kind in ResourceType}
"""Plain dict lookups: cheaper than calling an Enum by value once per token on load."""


class SnapshotFormatError(ValueError):
    """A snapshot file that this version of gltui cannot read."""


class ForeignSnapshot(SnapshotFormatError):
    """A well-formed snapshot of another schema version (an older or newer gltui wrote
    it): not damage, just unusable here; the next refresh replaces it."""


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
        "not_refreshed": token.not_refreshed,
    }


def _parse_expiry(value: object) -> Expiry:
    if not isinstance(value, str):
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


def _parse_instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def token_to_row(token: Token) -> list[Any]:
    """A token as a compact list (snapshot files)."""
    owner, resource = token.owner, token.resource
    return [
        token.kind.value,
        token.id,
        token.name,
        token.description,
        list(token.scopes),
        token.revoked,
        _expiry(token.expires_at),
        _instant(token.created_at),
        _instant(token.last_used_at),
        list(token.last_used_ips),
        owner.user_id if owner else None,
        owner.username if owner else None,
        resource.type.value if resource else None,
        resource.id if resource else None,
        resource.path if resource else None,
        token.access_level,
        *([token.not_refreshed] if token.not_refreshed is not None else []),
    ]


_NOT_STRINGS: list[Any] = [0]
"""What ``"".join`` is handed in place of a field that is not a list: a TypeError."""


def _integer(value: object) -> int:
    if type(value) is not int:
        raise TypeError("an integer")
    return value


def token_from_row(instance: str, row: list[Any]) -> Token:
    """The inverse of :func:`token_to_row`."""
    not_refreshed = None
    if len(row) == len(ROW_FIELDS) + 1:  # one more: why it was carried over, not refreshed
        not_refreshed = row[-1]
        if not isinstance(not_refreshed, str):
            raise TypeError("a token row with a field of the wrong type")
        row = row[:-1]
    (
        kind,
        token_id,
        name,
        description,
        scopes,
        revoked,
        expires_at,
        created_at,
        last_used_at,
        last_used_ips,
        owner_id,
        owner_name,
        resource_type,
        resource_id,
        resource_path,
        access_level,
    ) = row
    # a hand-edited or damaged row would break the table far from here; the checks
    # cost ~10% of decoding a row (join is the cheapest "only strings" test: it raises
    # TypeError on anything else)
    "".join(scopes if type(scopes) is list else _NOT_STRINGS)
    "".join(last_used_ips if type(last_used_ips) is list else _NOT_STRINGS)
    if not (
        type(token_id) is int  # bool is an int, and True is no token id
        and isinstance(name, str)
        and (description is None or isinstance(description, str))
        and (owner_id is None or type(owner_id) is int)
        and (owner_name is None or isinstance(owner_name, str))
        and (resource_id is None or type(resource_id) is int)
        and (resource_path is None or isinstance(resource_path, str))
        and (access_level is None or type(access_level) is int)
    ):
        raise TypeError("a token row with a field of the wrong type")
    return Token(
        instance=instance,
        kind=_KINDS[kind],
        id=token_id,
        name=name,
        description=description,
        scopes=tuple(scopes),
        revoked=bool(revoked),
        expires_at=_parse_expiry(expires_at),
        created_at=_parse_instant(created_at),
        last_used_at=_parse_instant(last_used_at),
        last_used_ips=tuple(last_used_ips),
        owner=None if owner_id is None and owner_name is None else Owner(owner_id, owner_name),
        resource=None
        if resource_type is None
        else Resource(_RESOURCE_TYPES[resource_type], _integer(resource_id), resource_path),
        access_level=access_level,
        not_refreshed=not_refreshed,
    )


def failure_to_dict(failure: Failure) -> dict[str, Any]:
    """A failure with its advice (for people reading the JSON)."""
    return {
        "kind": failure.kind.value,
        "message": failure.message,
        "status": failure.status,
        "advice": failure.advice,
    }


def _optional_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("a string or null")


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
        "own_token": None if inventory.own_token is None else token_to_row(inventory.own_token),
        "failure": None if inventory.failure is None else failure_to_dict(inventory.failure),
        "problems": [
            {"where": problem.where, **failure_to_dict(problem.failure)}
            for problem in inventory.problems
        ],
        "requests": inventory.requests,
        "token_fields": list(ROW_FIELDS),
        "tokens": [token_to_row(token) for token in inventory.tokens],
    }


def instance_from_dict(data: object) -> InstanceInventory:
    """The inverse of :func:`instance_to_dict`; raises :class:`ForeignSnapshot` for
    another schema version and :class:`SnapshotFormatError` for anything else that is
    not what gltui writes (any JSON value may arrive here: files get damaged)."""
    if not isinstance(data, dict):
        raise SnapshotFormatError(f"a snapshot is an object, not {type(data).__name__}")
    schema = data.get("schema")
    if type(schema) is int and schema != SCHEMA_VERSION:
        raise ForeignSnapshot(f"unsupported snapshot schema {schema!r}")
    if schema != SCHEMA_VERSION or data.get("token_fields") != list(ROW_FIELDS):
        raise SnapshotFormatError("damaged snapshot: no schema or token fields")
    try:
        name = data["name"]
        if not isinstance(name, str):
            raise TypeError("an instance name is a string")
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
                _optional_text(identity.get("version")),
            ),
            own_token=None if not own else token_from_row(name, own),
            tokens=tuple(token_from_row(name, row) for row in data.get("tokens", ())),
            problems=tuple(
                Problem(str(row["where"]), _failure_from_dict(row))
                for row in data.get("problems", ())
            ),
            failure=None if not failure else _failure_from_dict(failure),
            requests=int(data.get("requests", 0)),
        )
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise SnapshotFormatError(f"damaged snapshot: {type(error).__name__}") from None
