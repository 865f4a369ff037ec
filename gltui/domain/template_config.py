"""User templates from the config file's ``[templates.<id>]`` tables, validated.

A template has legacy ``scopes``, a fine-grained ``granular_scopes`` form, or both:

* ``scopes`` alone: a legacy template, as before (any kind it names);
* ``granular_scopes`` alone: a fine-grained-only template. Fine-grained tokens are
  personal access tokens, so its kinds are ``["personal"]``; an instance older than
  GitLab 19.2 cannot make it (gltui says so rather than fall back to a legacy token
  the template never described);
* both: one template, two variants. gltui creates the fine-grained token where the
  instance can make it over the API (19.2+ for yourself, 19.6+ as an administrator for
  someone else) and the legacy one elsewhere, and either can be asked for explicitly.

Every mistake names the key (``templates.ci.granular_scopes[1].access``) and how to
fix it, as the rest of the config loader does.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from gltui.domain.access import parse_access_level
from gltui.domain.errors import ValidationError
from gltui.domain.granular import FineGrainedForm, Grant, check_grant, parse_boundary
from gltui.domain.scopes import ScopeRisk, highest_risk, validate_scopes
from gltui.domain.template_model import DEFAULT_MAX_LIFETIME_DAYS, Template, TemplateVariant
from gltui.domain.tokens import TokenKind

_TEMPLATE_KEYS = (
    "title",
    "description",
    "kinds",
    "scopes",
    "role",
    "lifetime_days",
    "read_only",
    "granular_scopes",
    "granular_note",
)
_GRANT_KEYS = ("access", "permissions", "project_ids", "group_ids")
MAX_GRANTS = 20
"""``granular_scopes`` entries in one template, at most (one per boundary is the norm)."""


def _unknown_keys(where: str, data: Mapping[str, object], known: tuple[str, ...]) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValidationError(f"{where}.{key}", f"unknown key{hint}")


def template_from_config(template_id: str, data: Mapping[str, object]) -> Template:
    """Build a user template from its config table, naming any bad key or value.

    Shape (TOML)::

        [templates.grafana-reader]
        title = "Grafana GitLab data source"
        kinds = ["personal", "project"]
        scopes = ["read_api"]          # legacy tokens
        role = "reporter"              # project/group tokens only
        lifetime_days = 90
        read_only = true
        granular_note = "why these permissions"

        [[templates.grafana-reader.granular_scopes]]   # fine-grained personal tokens
        access = "selected_memberships"
        permissions = ["read_job"]
        project_ids = [6]              # optional: else chosen when creating
    """
    where = f"templates.{template_id}"
    _unknown_keys(where, data, _TEMPLATE_KEYS)
    granular = data.get("granular_scopes")
    if "scopes" not in data and granular is None:
        raise ValidationError(
            f"{where}.scopes",
            "give scopes (a legacy token), granular_scopes (a fine-grained one) or both",
        )
    default_kinds = ["personal"]
    kinds = _kinds(where, data.get("kinds", default_kinds))
    lifetime = data.get("lifetime_days", DEFAULT_MAX_LIFETIME_DAYS)
    if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime < 1:
        raise ValidationError(f"{where}.lifetime_days", "must be a whole number of days, >= 1")
    read_only = data.get("read_only", False)
    if not isinstance(read_only, bool):
        raise ValidationError(f"{where}.read_only", "must be true or false")
    title = data.get("title", template_id)
    description = data.get("description", "")
    if not isinstance(title, str) or not isinstance(description, str):
        raise ValidationError(where, "title and description must be strings")
    variants: tuple[TemplateVariant, ...] = ()
    if "scopes" in data:
        variants = (_legacy_variant(where, data, kinds, lifetime, read_only=read_only),)
    elif "role" in data:
        raise ValidationError(
            f"{where}.role", "a role is for project/group tokens, which need scopes"
        )
    fine_grained = None
    if granular is not None:
        if TokenKind.PERSONAL not in kinds:
            raise ValidationError(
                f"{where}.granular_scopes",
                "fine-grained tokens are personal access tokens: add 'personal' to kinds",
            )
        if "scopes" not in data and kinds != [TokenKind.PERSONAL]:
            raise ValidationError(
                f"{where}.kinds",
                "without scopes the template makes fine-grained personal tokens only; "
                "give scopes for the other kinds",
            )
        fine_grained = _fine_grained(where, granular, data.get("granular_note", ""), lifetime)
        if read_only and not fine_grained.read_only:
            raise ValidationError(
                f"{where}.granular_scopes", "a read_only template cannot hold write permissions"
            )
    elif "granular_note" in data:
        raise ValidationError(f"{where}.granular_note", "is the note of granular_scopes: add them")
    return Template(
        id=template_id,
        title=title,
        description=description,
        read_only=read_only,
        builtin=False,
        variants=variants,
        fine_grained=fine_grained,
    )


def _legacy_variant(
    where: str,
    data: Mapping[str, object],
    kinds: list[TokenKind],
    lifetime: int,
    *,
    read_only: bool,
) -> TemplateVariant:
    scopes = _string_list(f"{where}.scopes", data.get("scopes"))
    role = data.get("role")
    access_level = None
    if role is not None:
        if not isinstance(role, str | int):
            raise ValidationError(f"{where}.role", "must be a role name such as 'reporter'")
        access_level = parse_access_level(role, field=f"{where}.role")
    for kind in kinds:
        try:
            validate_scopes(kind, scopes, is_admin=True)
        except ValidationError as error:
            raise ValidationError(f"{where}.scopes", error.message) from None
    if read_only and highest_risk(scopes) > ScopeRisk.READ:
        raise ValidationError(f"{where}.scopes", "a read_only template cannot hold write scopes")
    return TemplateVariant(frozenset(kinds), tuple(scopes), lifetime, access_level)


def _fine_grained(where: str, value: object, note: object, lifetime: int) -> FineGrainedForm:
    field = f"{where}.granular_scopes"
    if not isinstance(value, list) or not value:
        raise ValidationError(
            field, "must be a non-empty array of tables: [[templates.<id>.granular_scopes]]"
        )
    if len(value) > MAX_GRANTS:
        raise ValidationError(field, f"{len(value)} entries; at most {MAX_GRANTS}")
    if not isinstance(note, str):
        raise ValidationError(f"{where}.granular_note", "must be a string")
    grants = tuple(_grant(f"{field}[{index}]", entry) for index, entry in enumerate(value))
    return FineGrainedForm(grants, note, lifetime)


def _grant(field: str, entry: object) -> Grant:
    if not isinstance(entry, Mapping):
        raise ValidationError(field, "must be a table with access and permissions")
    _unknown_keys(field, entry, _GRANT_KEYS)
    if "access" not in entry:
        raise ValidationError(f"{field}.access", "is required (for example selected_memberships)")
    access = parse_boundary(f"{field}.access", entry["access"])
    permissions = entry.get("permissions")
    if not isinstance(permissions, list):
        raise ValidationError(f"{field}.permissions", 'must be a list such as ["read_job"]')
    ids = {
        name: _ids(f"{field}.{name}", entry.get(name, [])) for name in ("project_ids", "group_ids")
    }
    grant = Grant(access, tuple(permissions), ids["project_ids"], ids["group_ids"])
    return check_grant(field, grant)


def _ids(field: str, value: object) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and item >= 1 for item in value
    ):
        raise ValidationError(field, "must be a list of project or group ids (whole numbers)")
    return tuple(dict.fromkeys(value))


def _string_list(field: str, value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(field, "must be a non-empty list of strings")
    return [str(v) for v in value]


def _kinds(where: str, value: object) -> list[TokenKind]:
    kinds = []
    for text in _string_list(f"{where}.kinds", value):
        try:
            kinds.append(TokenKind(text))
        except ValueError:
            valid = ", ".join(kind.value for kind in TokenKind)
            raise ValidationError(f"{where}.kinds", f"unknown kind {text!r}; use {valid}") from None
    return kinds
