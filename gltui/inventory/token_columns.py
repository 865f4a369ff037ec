"""A snapshot's tokens as columns (schema 5): one list per field of :data:`ROW_FIELDS`.

At 100,000 tokens a row per token cost the load 100,000 JSON lists and a Python call
per row; columns decode in about half the JSON time, are checked a whole column at a
time (``set(map(type, column))`` runs in C), and become tokens through ``map``. Scope
and address lists (a few dozen distinct scope lists among 100,000 tokens) are a table
the two columns point into, so a load shares one tuple per distinct list, as a
refresh does.

Every check of :class:`~gltui.inventory.token_rows.RowDecoder` holds here too: a
damaged column raises ``TypeError``, ``KeyError`` or ``ValueError`` as a damaged row
does (``tests/test_token_columns.py`` compares the two on damaged input).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from gltui.domain.tokens import Expiry, Resource, Token
from gltui.inventory.token_rows import (
    _KIND_VALUES,
    _KINDS,
    _RESOURCE_TYPE_VALUES,
    _RESOURCE_TYPES,
    ROW_FIELDS,
    _granular_from_row,
    _granular_to_row,
    _instant_from_row,
    _integer,
    _parse_expiry,
    new_owner,
    new_token,
)

_NONE: type = type(None)
_INT_OR_NONE: frozenset[type] = frozenset({int, _NONE})
_TEXT_OR_NONE: frozenset[type] = frozenset({str, _NONE})


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def _instants(values: Sequence[datetime | None]) -> list[int | str | None]:
    """:func:`~gltui.inventory.token_rows._instant_to_row`'s rule inlined, its
    milliseconds by exact ``timedelta`` division (half the cost of a call a token)."""
    return [
        None
        if moment is None
        else (moment - _EPOCH) // _MILLISECOND
        if moment.tzinfo is UTC and not moment.microsecond % 1000 and 1969 < moment.year < 2106
        else moment.isoformat()
        for moment in values
    ]


def _listed(values: Sequence[tuple[str, ...]], table: dict[tuple[str, ...], int]) -> list[int]:
    """Each list of strings as its place in ``table`` (added when new): a refresh shares
    one tuple per distinct list, so most lookups are of a tuple seen just before."""
    return [table.setdefault(value, len(table)) for value in values]


def _expiries(values: Sequence[Expiry]) -> list[str | None]:
    """Each expiry's ISO text; a date's is computed once per distinct day (a few thousand
    among 100,000 tokens). An instant's is its own: two equal instants in two zones are
    equal keys, and each keeps its offset."""
    texts: dict[date, str] = {}
    out: list[str | None] = []
    for value in values:
        if type(value) is date:
            text = texts.get(value)
            if text is None:
                text = texts[value] = value.isoformat()
            out.append(text)
        else:
            out.append(None if value is None else value.isoformat())
    return out


_TOKEN_FIELDS = tuple(field.name for field in fields(Token))
_every_field = attrgetter(*_TOKEN_FIELDS)


def token_columns(tokens: Sequence[Token]) -> dict[str, Any]:
    """``{"lists": [...], "columns": [...]}``: what a snapshot's ``tokens`` holds; the
    scopes and the last-used addresses are places in ``lists``.

    Every field of every token is read in one C call per token and the rows turned into
    columns by ``zip`` (a column at a time cost a Python-level pass per field)."""
    if tokens:
        rows = map(_every_field, tokens)
        by_field = dict(zip(_TOKEN_FIELDS, zip(*rows, strict=True), strict=True))
    else:
        by_field = dict.fromkeys(_TOKEN_FIELDS, ())
    table: dict[tuple[str, ...], int] = {}
    owners, resources = by_field["owner"], by_field["resource"]
    columns: list[Sequence[Any]] = [
        [_KIND_VALUES[kind] for kind in by_field["kind"]],
        by_field["id"],
        by_field["name"],
        by_field["description"],
        _listed(by_field["scopes"], table),
        by_field["revoked"],
        _expiries(by_field["expires_at"]),
        _instants(by_field["created_at"]),
        _instants(by_field["last_used_at"]),
        _listed(by_field["last_used_ips"], table),
        [owner and owner.user_id for owner in owners],
        [owner and owner.username for owner in owners],
        [resource and _RESOURCE_TYPE_VALUES[resource.type] for resource in resources],
        [resource and resource.id for resource in resources],
        [resource and resource.path for resource in resources],
        by_field["access_level"],
        by_field["not_refreshed"],
        [
            None if value is None else _granular_to_row(value)
            for value in by_field["granular_scopes"]
        ],
        by_field["agent_id"],
        by_field["agent_name"],
        by_field["status"],
        by_field["runner_type"],
    ]
    return {"lists": list(table), "columns": columns}


def encoded_columns(tokens: Sequence[Token], encode: Any) -> Iterator[str]:
    """``encode(token_columns(tokens))`` in pieces: the list table, then a column at a
    time (a snapshot save never holds the whole text of 100,000 tokens)."""
    document = token_columns(tokens)
    yield '{"lists":' + encode(document["lists"]) + ',"columns":['
    for index, column in enumerate(document["columns"]):
        yield ("," if index else "") + encode(column)
    yield "]}"


def _only(column: list[Any], allowed: frozenset[type]) -> None:
    if not set(map(type, column)) <= allowed:
        raise TypeError("a token column with a field of the wrong type")


def _strings_lists(column: list[Any]) -> None:
    """Every entry a list of strings (``join`` raises TypeError on anything else)."""
    _only(column, frozenset({list}))
    "".join(chain.from_iterable(column))


def _instants_from(column: list[Any]) -> list[datetime | None]:
    if set(map(type, column)) <= _INT_OR_NONE:
        stamp = datetime.fromtimestamp
        return [None if value is None else stamp(value / 1000, UTC) for value in column]
    return list(map(_instant_from_row, column))


def _expiries_from(column: list[Any]) -> list[Expiry]:
    dates: dict[str, Expiry] = {}
    out: list[Expiry] = []
    for value in column:
        if type(value) is not str:  # anything else: never expires, as a row reads it
            out.append(None)
            continue
        parsed = dates.get(value)
        if parsed is None:
            parsed = dates[value] = _parse_expiry(value)
        out.append(parsed)
    return out


def _resources_from(types: list[Any], ids: list[Any], paths: list[Any]) -> list[Resource | None]:
    _only(ids, _INT_OR_NONE)
    _only(paths, _TEXT_OR_NONE)
    shared: dict[tuple[str, int | None, str | None], Resource] = {}
    out: list[Resource | None] = []
    for place in zip(types, ids, paths, strict=True):
        if place[0] is None:
            out.append(None)
            continue
        resource = shared.get(place)
        if resource is None:
            kind_of = _RESOURCE_TYPES[place[0]]
            resource = shared[place] = Resource(kind_of, _integer(place[1]), place[2])
        out.append(resource)
    return out


def tokens_from_columns(instance: str, data: object) -> tuple[Token, ...]:
    """The inverse of :func:`token_columns`; ``TypeError``, ``KeyError`` or
    ``ValueError`` when ``data`` is not what it writes."""
    if not isinstance(data, dict):
        raise TypeError("a snapshot's tokens are an object of columns")
    table, columns = data["lists"], data["columns"]
    if type(table) is not list or type(columns) is not list or len(columns) != len(ROW_FIELDS):
        raise ValueError(f"a snapshot's tokens are {len(ROW_FIELDS)} columns and a list table")
    _only(columns, frozenset({list}))
    count = len(columns[0])
    if any(len(column) != count for column in columns):
        raise ValueError("a snapshot's token columns differ in length")
    _strings_lists(table)
    lists = [tuple(strings) for strings in table]
    (
        kinds,
        ids,
        names,
        descriptions,
        scopes,
        revoked,
        expires_at,
        created_at,
        last_used_at,
        last_used_ips,
        owner_ids,
        owner_names,
        resource_types,
        resource_ids,
        resource_paths,
        access_levels,
        not_refreshed,
        granular,
        agent_ids,
        agent_names,
        statuses,
        runner_types,
    ) = columns
    _only(ids, frozenset({int}))  # bool is an int, and True is no token id
    _only(names, frozenset({str}))
    for column in (scopes, last_used_ips):
        _only(column, frozenset({int}))
        if column and (min(column) < 0 or max(column) >= len(lists)):
            raise ValueError("a token's scopes or addresses point outside the list table")
    for column in (owner_ids, access_levels, agent_ids):
        _only(column, _INT_OR_NONE)
    for column in (descriptions, owner_names, not_refreshed, agent_names, statuses, runner_types):
        _only(column, _TEXT_OR_NONE)
    owners = [
        None if user_id is None and username is None else new_owner(user_id, username)
        for user_id, username in zip(owner_ids, owner_names, strict=True)
    ]
    return tuple(
        map(
            new_token,
            repeat(instance, count),
            map(_KINDS.__getitem__, kinds),
            ids,
            names,
            map(lists.__getitem__, scopes),
            map(bool, revoked),
            _expiries_from(expires_at),
            descriptions,
            _instants_from(created_at),
            _instants_from(last_used_at),
            map(lists.__getitem__, last_used_ips),
            owners,
            _resources_from(resource_types, resource_ids, resource_paths),
            access_levels,  # from here on in Token's field order, not the columns'
            [None if value is None else _granular_from_row(value) for value in granular],
            not_refreshed,
            agent_ids,
            agent_names,
            statuses,
            runner_types,
        )
    )
