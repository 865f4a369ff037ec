"""Tokens as snapshot rows: compact lists in :data:`ROW_FIELDS` order, and back.

A snapshot of 100,000 tokens is saved after every refresh and its first rows are read
before the dashboard's first frame, so both directions are written for speed (see
:func:`token_to_row`, :func:`_token_maker`, :class:`RowDecoder`);
``tests/test_snapshot_speedups.py`` checks each shortcut against the plain code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from gltui.domain.tokens import (
    Expiry,
    GranularScope,
    Owner,
    Resource,
    ResourceType,
    Token,
    TokenKind,
)

_SCHEMA_2_FIELDS = (
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
_SCHEMA_3_FIELDS = (*_SCHEMA_2_FIELDS, "not_refreshed", "granular_scopes")
ROW_FIELDS = (*_SCHEMA_3_FIELDS, "agent_id", "agent_name", "status", "runner_type")
FIELDS_OF_SCHEMA = {2: list(_SCHEMA_2_FIELDS), 3: list(_SCHEMA_3_FIELDS), 4: list(ROW_FIELDS)}
"""Lists decode about twice as fast as dicts with repeated keys, and first paint waits
for the snapshot of up to 10,000 tokens to decode. A schema-2 row may hold one more
field: the reason a token was carried over from an earlier snapshot.

Instants (``created_at``, ``last_used_at``) are Unix milliseconds when they are UTC
with millisecond precision, as GitLab writes them: ``timestamp()`` is a fifth of what
``isoformat()`` costs (0.15 s of a 100,000-token save) and reading one back costs about
what ``fromisoformat`` does. Any other instant keeps its ISO text, offset and all."""


_KINDS = {kind.value: kind for kind in TokenKind}
_RESOURCE_TYPES = {kind.value: kind for kind in ResourceType}
"""Plain dict lookups: cheaper than calling an Enum by value once per token on load."""


def _granular_to_row(scopes: tuple[GranularScope, ...]) -> list[list[Any]]:
    return [[scope.access, scope.permissions, scope.project_id, scope.group_id] for scope in scopes]


def _granular_from_row(value: object) -> tuple[GranularScope, ...]:
    if type(value) is not list:
        raise TypeError("granular scopes are a list")
    scopes = []
    for entry in value:
        access, permissions, project_id, group_id = entry
        "".join(permissions if type(permissions) is list else _NOT_STRINGS)
        if not (
            isinstance(access, str)
            and (project_id is None or type(project_id) is int)
            and (group_id is None or type(group_id) is int)
        ):
            raise TypeError("a granular scope with a field of the wrong type")
        scopes.append(GranularScope(access, tuple(permissions), project_id, group_id))
    return tuple(scopes)


def _instant_to_row(moment: datetime) -> int | str:
    """Unix milliseconds where they say exactly what ``moment`` says: UTC, whole
    milliseconds, and within 2**32 s of the epoch, where ``ms / 1000`` as a float is
    within 0.25 us of the truth, so ``fromtimestamp`` rounds back to it."""
    if moment.tzinfo is UTC and not moment.microsecond % 1000 and 1969 < moment.year < 2106:
        return round(moment.timestamp() * 1000)
    return moment.isoformat()


_from_timestamp = datetime.fromtimestamp


def _instant_from_row(value: object) -> datetime | None:
    """An instant as :func:`token_to_row` wrote it (or schema 2's ISO text)."""
    if type(value) is int:
        return datetime.fromtimestamp(value / 1000, UTC)
    if type(value) is str:
        return datetime.fromisoformat(value)
    if value is None:
        return None
    raise TypeError("an instant is milliseconds, ISO text or null")


def _parse_expiry(value: object) -> Expiry:
    if not isinstance(value, str):
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    return datetime.fromisoformat(value)


_KIND_VALUES = {kind: kind.value for kind in TokenKind}
_RESOURCE_TYPE_VALUES = {kind: kind.value for kind in ResourceType}
"""An enum member's ``.value`` is a descriptor call; a dict lookup is a third of it
(measured: 0.25 s of a 100,000-token save)."""


def token_to_row(token: Token) -> list[Any]:
    """A token as a compact list for the JSON encoder (snapshot files): no helper calls,
    and scopes and addresses left as tuples (encoded as arrays, byte for byte what lists
    give; copying them cost ~50 ms of a 100,000-token save)."""
    owner, resource, expires = token.owner, token.resource, token.expires_at
    created, used, granular = token.created_at, token.last_used_at, token.granular_scopes
    return [
        _KIND_VALUES[token.kind],
        token.id,
        token.name,
        token.description,
        token.scopes,
        token.revoked,
        None if expires is None else expires.isoformat(),
        None if created is None else _instant_to_row(created),
        None if used is None else _instant_to_row(used),
        token.last_used_ips,
        owner.user_id if owner else None,
        owner.username if owner else None,
        _RESOURCE_TYPE_VALUES[resource.type] if resource else None,
        resource.id if resource else None,
        resource.path if resource else None,
        token.access_level,
        token.not_refreshed,
        None if granular is None else _granular_to_row(granular),
        token.agent_id,
        token.agent_name,
        token.status,
        token.runner_type,
    ]


_NOT_STRINGS: list[Any] = [0]
"""What ``"".join`` is handed in place of a field that is not a list: a TypeError."""


def _integer(value: object) -> int:
    if type(value) is not int:
        raise TypeError("an integer")
    return value


def _token_maker() -> Callable[..., Token]:
    """``Token(...)`` with every field given positionally, at half the cost.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``
    (~1.8 us a token; 0.18 s of a 100,000-token load); setting the slots through their
    descriptors is the same assignment without the lookups. Valid while ``Token`` has
    no ``__post_init__`` and exactly these fields: ``tests/test_snapshot_speedups.py``
    checks both against ``Token(...)``.
    """
    set_instance, set_kind, set_id, set_name, set_scopes, set_revoked, set_expires_at = (
        getattr(Token, name).__set__
        for name in ("instance", "kind", "id", "name", "scopes", "revoked", "expires_at")
    )
    set_description, set_created_at, set_last_used_at, set_last_used_ips = (
        getattr(Token, name).__set__
        for name in ("description", "created_at", "last_used_at", "last_used_ips")
    )
    set_owner, set_resource, set_access_level, set_granular_scopes, set_not_refreshed = (
        getattr(Token, name).__set__
        for name in ("owner", "resource", "access_level", "granular_scopes", "not_refreshed")
    )
    set_agent_id, set_agent_name, set_status, set_runner_type = (
        getattr(Token, name).__set__ for name in ("agent_id", "agent_name", "status", "runner_type")
    )
    new = object.__new__

    def make(
        instance: str,
        kind: TokenKind,
        token_id: int,
        name: str,
        scopes: tuple[str, ...],
        revoked: bool,
        expires_at: Expiry,
        description: str | None,
        created_at: datetime | None,
        last_used_at: datetime | None,
        last_used_ips: tuple[str, ...],
        owner: Owner | None,
        resource: Resource | None,
        access_level: int | None,
        granular_scopes: tuple[GranularScope, ...] | None,
        not_refreshed: str | None,
        agent_id: int | None,
        agent_name: str | None,
        status: str | None,
        runner_type: str | None,
    ) -> Token:
        token: Token = new(Token)
        set_instance(token, instance)
        set_kind(token, kind)
        set_id(token, token_id)
        set_name(token, name)
        set_scopes(token, scopes)
        set_revoked(token, revoked)
        set_expires_at(token, expires_at)
        set_description(token, description)
        set_created_at(token, created_at)
        set_last_used_at(token, last_used_at)
        set_last_used_ips(token, last_used_ips)
        set_owner(token, owner)
        set_resource(token, resource)
        set_access_level(token, access_level)
        set_granular_scopes(token, granular_scopes)
        set_not_refreshed(token, not_refreshed)
        set_agent_id(token, agent_id)
        set_agent_name(token, agent_name)
        set_status(token, status)
        set_runner_type(token, runner_type)
        return token

    return make


new_token = _token_maker()
"""Build a Token from all its fields, in ``Token``'s field order (see above)."""


def _owner_maker() -> Callable[[int | None, str | None], Owner]:
    """``Owner(user_id, username)`` through its slot descriptors, as :func:`_token_maker`
    (a load builds one per token: ~40 ms of 100,000)."""
    set_user_id, set_username = (getattr(Owner, name).__set__ for name in ("user_id", "username"))
    new = object.__new__

    def make(user_id: int | None, username: str | None) -> Owner:
        owner: Owner = new(Owner)
        set_user_id(owner, user_id)
        set_username(owner, username)
        return owner

    return make


new_owner = _owner_maker()


_ROW_LENGTH = len(ROW_FIELDS)
_NEWER = [None] * (len(ROW_FIELDS) - len(_SCHEMA_3_FIELDS))
"""What a schema-3 row lacks: none of the kinds it could hold has any of it."""


def _older_row(row: list[Any]) -> list[Any]:
    """A schema-2 or schema-3 row padded to this schema's fields."""
    if len(row) == len(_SCHEMA_3_FIELDS):
        return [*row, *_NEWER]
    if len(row) == len(_SCHEMA_2_FIELDS):
        return [*row, None, None, *_NEWER]
    if len(row) == len(_SCHEMA_2_FIELDS) + 1:  # schema 2, with why it was carried over
        if type(row[-1]) is not str:
            raise TypeError("a token row with a field of the wrong type")
        return [*row, None, *_NEWER]
    raise ValueError(f"a token row of {len(row)} fields")


def token_from_row(instance: str, row: list[Any]) -> Token:
    """The inverse of :func:`token_to_row`."""
    return RowDecoder(instance).token(row)


class RowDecoder:
    """Decodes one snapshot's token rows, sharing what rows repeat.

    Expiry dates and resources recur across thousands of rows (expiries cluster on a
    few thousand days, a project holds several tokens), and each is immutable: one
    parsed object serves every row that names it (owners and timestamps are nearly
    all distinct: a cache of them costs more than it saves). The type checks still
    run on every row, before any cache is consulted (a cached ``Resource(..., 1,
    ...)`` must not answer for a damaged row's ``true``, equal to 1).
    """

    __slots__ = ("_dates", "_instance", "_resources")

    def __init__(self, instance: str) -> None:
        self._instance = instance
        self._dates: dict[str, Expiry] = {}
        self._resources: dict[tuple[str, int | None, str | None], Resource] = {}

    def token(self, row: list[Any]) -> Token:
        """One row as a Token; ``TypeError``, ``KeyError`` or ``ValueError`` when it is
        not what :func:`token_to_row` writes."""
        if len(row) != _ROW_LENGTH:
            row = _older_row(row)
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
            not_refreshed,
            granular,
            agent_id,
            agent_name,
            status,
            runner_type,
        ) = row
        # a hand-edited or damaged row would break the table far from here; the checks
        # cost ~10% of decoding a row (join is the cheapest "only strings" test: it
        # raises TypeError on anything else)
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
            and (not_refreshed is None or isinstance(not_refreshed, str))
            and (agent_id is None or type(agent_id) is int)
            and (agent_name is None or isinstance(agent_name, str))
            and (status is None or isinstance(status, str))
            and (runner_type is None or isinstance(runner_type, str))
        ):
            raise TypeError("a token row with a field of the wrong type")
        expires: Expiry = None
        if type(expires_at) is str:  # anything else: never expires, as before
            expires = self._dates.get(expires_at)
            if expires is None:
                expires = self._dates[expires_at] = _parse_expiry(expires_at)
        resource = None
        if resource_type is not None:
            place = (resource_type, resource_id, resource_path)
            resource = self._resources.get(place)
            if resource is None:
                kind_of = _RESOURCE_TYPES[resource_type]
                resource = Resource(kind_of, _integer(resource_id), resource_path)
                self._resources[place] = resource
        return new_token(
            self._instance,
            _KINDS[kind],
            token_id,
            name,
            tuple(scopes),
            bool(revoked),
            expires,
            description,
            # milliseconds inline (nearly every instant): two calls a row saved
            _from_timestamp(created_at / 1000, UTC)
            if type(created_at) is int
            else None
            if created_at is None
            else _instant_from_row(created_at),
            _from_timestamp(last_used_at / 1000, UTC)
            if type(last_used_at) is int
            else None
            if last_used_at is None
            else _instant_from_row(last_used_at),
            tuple(last_used_ips),
            None if owner_id is None and owner_name is None else new_owner(owner_id, owner_name),
            resource,
            access_level,
            None if granular is None else _granular_from_row(granular),
            not_refreshed,
            agent_id,
            agent_name,
            status,
            runner_type,
        )
