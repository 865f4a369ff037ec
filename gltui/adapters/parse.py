"""GitLab API JSON -> domain :class:`~gltui.domain.tokens.Token`.

GitLab's token entities differ by kind and by version (fields come and go:
``description`` 17.7, ``expired``/``last_used_ips`` newer, ``resource_type``
newest), so every optional field is read defensively and only ``id`` and
``name`` are required. A row that lacks them raises :class:`MalformedTokenError`
naming the field, never leaking the rest of the row (it might hold a secret).

An ``expires_at`` that is present but unreadable (``2026-02-30``, year 9999 with an
offset that overflows) is an error too, never "never expires": a token whose expiry
gltui cannot read must not be reported as safe. Other unreadable times (created,
last used) are only unknown.

Fine-grained tokens (GitLab 19.2+) are told by what the row says, never by the
instance's version: ``granular: true``, ``scopes == ["granular"]`` or a
``granular_scopes`` list. Their ``granular_scopes`` follow the ``expires_at`` rule: an
entry gltui cannot read costs the row (a named problem), because dropping it would
report the token narrower than it is. A boundary name gltui does not know is kept as
GitLab sent it (a newer GitLab may add one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeGuard

from gltui.domain.tokens import GranularScope, Owner, Resource, ResourceType, Token, TokenKind


class MalformedTokenError(ValueError):
    """An API row without the fields every token has."""


TIME_CHARS = 64
"""An ISO 8601 instant is ~30 characters; longer is not a time."""


def parse_timestamp(value: object) -> datetime | None:
    """``2026-01-02T03:04:05.678Z`` (or any ISO 8601 instant) -> aware UTC datetime;
    ``None`` when absent or unreadable (impossible dates, overflowing offsets)."""
    if not isinstance(value, str) or not value or len(value) > TIME_CHARS:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def parse_day(value: object) -> date | None:
    """``YYYY-MM-DD`` -> date (PAT-type ``expires_at``); ``None`` when unreadable."""
    if not isinstance(value, str) or not value or len(value) > TIME_CHARS:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _expiry(
    data: Mapping[str, Any],
    parser: Callable[[object], date | datetime | None],
    field: str = "expires_at",
) -> Any:
    """``expires_at`` (or a runner's ``token_expires_at``): ``None`` only when GitLab says
    null; unreadable is an error."""
    value = data.get(field)
    if value is None or value == "":
        return None
    parsed = parser(value)
    if parsed is None:
        raise MalformedTokenError(f"token {_row_id(data)} has an unreadable {field}")
    return parsed


def _row_id(data: Mapping[str, Any]) -> str:
    value = data.get("id")
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else "(no id)"


def _required(data: Mapping[str, Any], field: str, kind: type) -> Any:
    value = data.get(field)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedTokenError(f"token row without a valid {field!r}")
    return value


SHARED_LISTS_MAX = 4_096
"""Distinct scope and address lists kept to be shared (then the table starts over)."""
_shared_lists: dict[tuple[str, ...], tuple[str, ...]] = {}


def _strings(value: object) -> tuple[str, ...]:
    """A list of strings as a tuple, one shared object per distinct list: 100,000 tokens
    hold a few dozen distinct scope lists, each decoded afresh from every page (~200
    bytes a token of a 100,000-token walk's peak). The table is bounded; a race between
    two walks' threads at worst shares less."""
    if not isinstance(value, list):
        return ()
    strings = tuple(str(item) for item in value if isinstance(item, str))
    shared = _shared_lists.get(strings)
    if shared is not None:
        return shared
    if len(_shared_lists) >= SHARED_LISTS_MAX:
        _shared_lists.clear()
    _shared_lists[strings] = strings
    return strings


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


GRANULAR_SCOPES_MAX = 1000
"""Entries one token may list. Each ``selected_memberships`` entry names one project or
group, so a token over many projects has many; more than this is not a real token."""
PERMISSIONS_MAX = 1000
"""Permissions one entry may list (GitLab's whole catalogue is a few hundred)."""
NAME_CHARS = 128
"""A boundary or permission name (``read_personal_access_token`` is 26 characters)."""


def _granular_name(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= NAME_CHARS


def _granular_scope(entry: object) -> GranularScope | str:
    """One ``granular_scopes`` entry, or why it is unreadable (gltui's words, no value)."""
    if not isinstance(entry, Mapping):
        return "not an object"
    access = entry.get("access")
    if not _granular_name(access):
        return "no readable access boundary"
    permissions = entry.get("permissions")
    if not isinstance(permissions, list) or len(permissions) > PERMISSIONS_MAX:
        return "permissions are not a list of at most 1000 names"
    if not all(_granular_name(permission) for permission in permissions):
        return "a permission that is not a name"
    project_id, group_id = entry.get("project_id"), entry.get("group_id")
    for field, value in (("project_id", project_id), ("group_id", group_id)):
        if value is not None and _optional_int(value) is None:
            return f"a {field} that is not a number"
    return GranularScope(
        access, tuple(permissions), _optional_int(project_id), _optional_int(group_id)
    )


def _granular_scopes(data: Mapping[str, Any]) -> tuple[GranularScope, ...] | None:
    """``None`` for a legacy token; a fine-grained one's boundaries (``()`` when the row
    says it is fine-grained but does not list them, as GitLab's service-account listing
    does)."""
    value = data.get("granular_scopes")
    marked = data.get("granular") is True or data.get("scopes") == ["granular"]
    if value is None or (value == [] and not marked):
        return () if marked else None
    where = f"token {_row_id(data)} without a valid 'granular_scopes'"
    if not isinstance(value, list):
        raise MalformedTokenError(f"{where} (not a list)")
    if len(value) > GRANULAR_SCOPES_MAX:
        raise MalformedTokenError(f"{where} (more than {GRANULAR_SCOPES_MAX} entries)")
    scopes = []
    for index, entry in enumerate(value, 1):
        scope = _granular_scope(entry)
        if isinstance(scope, str):
            raise MalformedTokenError(f"{where} (entry {index}: {scope})")
        scopes.append(scope)
    return tuple(scopes)


def personal_token(
    instance: str,
    data: Mapping[str, Any],
    *,
    kind: TokenKind = TokenKind.PERSONAL,
    username: str | None = None,
    resource: Resource | None = None,
) -> Token:
    """A PAT-type row: personal, impersonation, project, group or service-account token."""
    user_id = _optional_int(data.get("user_id"))
    return Token(
        instance=instance,
        kind=kind,
        id=_required(data, "id", int),
        name=_required(data, "name", str),
        scopes=_strings(data.get("scopes")),
        revoked=data.get("revoked") is True,
        expires_at=_expiry(data, parse_day),
        description=_optional_text(data.get("description")),
        created_at=parse_timestamp(data.get("created_at")),
        last_used_at=parse_timestamp(data.get("last_used_at")),
        last_used_ips=_strings(data.get("last_used_ips")),
        owner=Owner(user_id, username) if user_id is not None or username else None,
        resource=resource,
        access_level=_optional_int(data.get("access_level")),
        granular_scopes=_granular_scopes(data),
    )


def previous_token_id(data: Mapping[str, Any]) -> int | None:
    """GitLab's rotation link, ``previous_personal_access_token_id`` (the token this one
    was rotated from), where an answer shows it: the admin token-information API does
    (``gitlab-2026.md`` §1.2); the PAT listings and ``/self`` do not, per GitLab's
    documents. ``None`` when absent, null or not an id."""
    return _optional_int(data.get("previous_personal_access_token_id"))


def deploy_token(instance: str, data: Mapping[str, Any], *, resource: Resource | None) -> Token:
    """A deploy-token row; its ``expires_at`` is an instant, not a date."""
    return Token(
        instance=instance,
        kind=TokenKind.DEPLOY,
        id=_required(data, "id", int),
        name=_required(data, "name", str),
        scopes=_strings(data.get("scopes")),
        revoked=data.get("revoked") is True,
        expires_at=_expiry(data, parse_timestamp),
        owner=Owner(None, _optional_text(data.get("username"))),
        resource=resource,
    )


# --- the kinds outside the PAT table ---------------------------------------------------

LABEL_CHARS = 64
"""A status or runner type is one short word (``never_contacted``); longer is not one."""


def _label(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= LABEL_CHARS else None


def _user(value: object) -> Owner | None:
    """A ``UserBasic`` object (a trigger's ``owner``, a runner's ``created_by``)."""
    if not isinstance(value, Mapping):
        return None
    user_id, username = _optional_int(value.get("id")), _optional_text(value.get("username"))
    return Owner(user_id, username) if user_id is not None or username else None


def _first_place(value: object, resource_type: ResourceType) -> Resource | None:
    """The first project or group of a runner's details (older GitLab lists its projects;
    newer ones only its groups); only the first entry is read."""
    if not isinstance(value, list) or not value or not isinstance(value[0], Mapping):
        return None
    place = value[0]
    place_id = _optional_int(place.get("id"))
    if place_id is None:
        return None
    path = _optional_text(place.get("path_with_namespace") or place.get("full_path"))
    return Resource(resource_type, place_id, path)


def trigger_token(instance: str, data: Mapping[str, Any], *, resource: Resource) -> Token:
    """A pipeline trigger (``GET /projects/:id/triggers``). Its ``token`` is never read:
    GitLab shows its owner the whole value and everyone else four characters, and gltui
    keeps neither. A trigger has no name: its description names it. ``expires_at`` is an
    instant where the version has it (beta, ``gitlab-2026.md`` §1.6); absent: never."""
    trigger_id = _required(data, "id", int)
    return Token(
        instance=instance,
        kind=TokenKind.TRIGGER,
        id=trigger_id,
        name=_optional_text(data.get("description")) or f"trigger {trigger_id}",
        scopes=(),
        revoked=False,
        expires_at=_expiry(data, parse_timestamp),
        created_at=parse_timestamp(data.get("created_at")),
        last_used_at=parse_timestamp(data.get("last_used")),
        owner=_user(data.get("owner")),
        resource=resource,
    )


def agent_token(
    instance: str,
    data: Mapping[str, Any],
    *,
    resource: Resource,
    agent_id: int,
    agent_name: str | None,
) -> Token:
    """A cluster agent token (``…/cluster_agents/:agent_id/tokens``). Agent tokens never
    expire, and GitLab lists active ones only: a revoked token vanishes (a ``revoked``
    status is still read as revoked). The listing has no last use (only one token's
    ``GET`` does); ``created_by_user_id`` is who made it (its username is not listed)."""
    status = _label(data.get("status"))
    creator = _optional_int(data.get("created_by_user_id"))
    return Token(
        instance=instance,
        kind=TokenKind.CLUSTER_AGENT,
        id=_required(data, "id", int),
        name=_required(data, "name", str),
        scopes=(),
        revoked=status == "revoked",
        expires_at=None,
        description=_optional_text(data.get("description")),
        created_at=parse_timestamp(data.get("created_at")),
        last_used_at=parse_timestamp(data.get("last_used_at")),
        owner=Owner(creator) if creator is not None else None,
        resource=resource,
        agent_id=_optional_int(data.get("agent_id")) or agent_id,
        agent_name=agent_name,
        status=status,
    )


_RUNNER_PLACES = {"project_type": ResourceType.PROJECT, "group_type": ResourceType.GROUP}


def runner_token(instance: str, data: Mapping[str, Any]) -> Token:
    """A runner's authentication token, from the runner (``GET /runners/:id``, or a
    listing's row when the details have no more to say). Its id is the runner's; it is
    never revoked (GitLab resets it, or the runner is deleted and vanishes);
    ``token_expires_at`` is an instant (absent: never, as far as GitLab says);
    ``contacted_at`` is its last use."""
    runner_id = _required(data, "id", int)
    runner_type = _label(data.get("runner_type"))
    status = _label(data.get("status"))
    paused = data.get("paused") is True or data.get("active") is False
    if paused and status != "paused":
        status = f"{status}, paused" if status else "paused"
    place = _RUNNER_PLACES.get(runner_type or "")
    field = "projects" if place is ResourceType.PROJECT else "groups"
    return Token(
        instance=instance,
        kind=TokenKind.RUNNER,
        id=runner_id,
        name=_optional_text(data.get("description"))
        or _optional_text(data.get("name"))
        or f"runner {runner_id}",
        scopes=(),
        revoked=False,
        expires_at=_expiry(data, parse_timestamp, "token_expires_at"),
        created_at=parse_timestamp(data.get("created_at")),
        last_used_at=parse_timestamp(data.get("contacted_at")),
        owner=_user(data.get("created_by")),
        resource=None if place is None else _first_place(data.get(field), place),
        status=status,
        runner_type=runner_type,
    )


def service_account(data: Mapping[str, Any]) -> Owner:
    """A group's or project's service account (``GET …/service_accounts``): its user id
    (whose tokens are listed next) and username."""
    user_id = _optional_int(data.get("id"))
    if user_id is None:
        raise MalformedTokenError("service account row without a valid 'id'")
    return Owner(user_id, _optional_text(data.get("username")))
