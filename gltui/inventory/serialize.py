"""Inventories <-> JSON-ready dicts, for the snapshot cache and ``gltui report``.

The shape is versioned (``schema``) and holds token metadata only: a Token has
no secret field, so no secret can be written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gltui.domain.failures import Failure, FailureKind
from gltui.domain.tokens import Expiry, GranularScope, Token
from gltui.inventory.model import Identity, InstanceInventory, Problem
from gltui.inventory.token_columns import token_columns, tokens_from_columns
from gltui.inventory.token_rows import (
    FIELDS_OF_SCHEMA,
    ROW_FIELDS,
    RowDecoder,
    new_token,
    token_from_row,
    token_to_row,
)

__all__ = [
    "ROW_FIELDS",
    "SCHEMA_VERSION",
    "ForeignSnapshot",
    "RowDecoder",
    "SnapshotFormatError",
    "failure_to_dict",
    "instance_from_dict",
    "instance_to_dict",
    "new_token",
    "token_from_row",
    "token_to_dict",
    "token_to_row",
]

SCHEMA_VERSION = 5
"""Snapshot files: 2 stored tokens as rows (lists in :data:`ROW_FIELDS` order) with ISO
instants; 3 adds two fields and writes instants as integer milliseconds; 4 adds what the
kinds outside the PAT table carry (an agent token's agent, a runner's type, either's
status); 5 stores the same fields as columns, scopes as a table
(:mod:`gltui.inventory.token_columns`). All four load."""
_FIELDS_OF_SCHEMA = {**FIELDS_OF_SCHEMA, SCHEMA_VERSION: list(ROW_FIELDS)}


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


def _granular_to_json(scopes: tuple[GranularScope, ...] | None) -> list[dict[str, Any]] | None:
    if scopes is None:
        return None
    return [
        {
            "access": scope.access,
            "permissions": list(scope.permissions),
            "project_id": scope.project_id,
            "group_id": scope.group_id,
        }
        for scope in scopes
    ]


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
        "granular_scopes": _granular_to_json(token.granular_scopes),
        "not_refreshed": token.not_refreshed,
        "agent_id": token.agent_id,
        "agent_name": token.agent_name,
        "status": token.status,
        "runner_type": token.runner_type,
    }


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
        "tokens": token_columns(inventory.tokens),
    }


def instance_from_dict(data: object) -> InstanceInventory:
    """The inverse of :func:`instance_to_dict`; raises :class:`ForeignSnapshot` for
    another schema version and :class:`SnapshotFormatError` for anything else that is
    not what gltui writes (any JSON value may arrive here: files get damaged)."""
    if not isinstance(data, dict):
        raise SnapshotFormatError(f"a snapshot is an object, not {type(data).__name__}")
    schema = data.get("schema")
    if type(schema) is int and schema not in _FIELDS_OF_SCHEMA:
        raise ForeignSnapshot(f"unsupported snapshot schema {schema!r}")
    if type(schema) is not int or data.get("token_fields") != _FIELDS_OF_SCHEMA[schema]:
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
            tokens=tokens_from_columns(name, data["tokens"])
            if schema == SCHEMA_VERSION
            else tuple(map(RowDecoder(name).token, data.get("tokens", ()))),
            problems=tuple(
                Problem(str(row["where"]), _failure_from_dict(row))
                for row in data.get("problems", ())
            ),
            failure=None if not failure else _failure_from_dict(failure),
            requests=int(data.get("requests", 0)),
        )
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        OverflowError,
        OSError,  # fromtimestamp: an instant past what the platform's time_t holds
    ) as error:
        raise SnapshotFormatError(f"damaged snapshot: {type(error).__name__}") from None
