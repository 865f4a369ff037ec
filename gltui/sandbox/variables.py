"""CI/CD variables of projects and groups: the rows, GitLab's model rules and the entity.

GitLab keeps a variable's value encrypted (``attr_encrypted``), not digested: CI jobs need
it back, and the API returns it to whoever may manage the variables (a *masked* value is
masked in job logs, not in the API). So, unlike tokens, the sandbox keeps values as they
are; they are excluded from ``repr`` so that no log or failure message carries one. A
*hidden* variable (``masked_and_hidden``, 17.4) is never shown again: its ``value`` is
``null`` in every answer (``Ci::VariableValue``), including the create answer.

The rules are the models' (``Ci::Variable`` and ``Ci::GroupVariable`` with the concerns
``Ci::HasVariable``, ``Ci::Maskable``, ``Ci::RawVariable``, ``Ci::HidableVariable`` and
``HasEnvironmentScope``), checked in the order the models declare them so that a 400's
``{"message": {...}}`` lists attributes in GitLab's order:

- ``key``: stripped; present, at most 255 characters, only ``A-Z a-z 0-9 _``; unique per
  (owner, ``environment_scope``), else ``(KEY) has already been taken``;
- ``value`` of a masked variable: 8 or more characters of the Base64 alphabet plus
  ``@ : . ~`` (``Ci::Maskable::REGEX``), or, when the variable is also raw, any 8 or more
  characters but whitespace (``MASK_AND_RAW_REGEX``; from 16.0 here, see
  :func:`raw_relaxes_masking`);
- a hidden variable must be masked on create; on update neither ``masked`` nor ``hidden``
  may change (``The visibility setting cannot be changed for masked and hidden
  variables.``);
- ``environment_scope``: stripped; present, letters, digits and ``- _ / $ { } . *`` and
  spaces;
- ``description``: at most 255 characters.

Version gates (the entity exposes a field only where the model has the column):
``raw`` 15.7 (``doc/ci/variables``: "Prevent CI/CD variable expansion", 15.7),
``description`` 16.2 (issue 409641), ``hidden`` and ``masked_and_hidden`` 17.4 (issue
29674), ``filter[environment_scope]`` on group variables 16.9 (issue 340185).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from gltui.sandbox.profiles import VersionProfile

VARIABLE_TYPES = ("env_var", "file")
KEY_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 255

_KEY = re.compile(r"[a-zA-Z0-9_]+")
_MASKABLE = re.compile(r"[a-zA-Z0-9_+=/@:.~-]{8,}")
"""``Ci::Maskable::REGEX``: a masked value whose ``$`` references GitLab expands."""
_MASKABLE_RAW = re.compile(r"[^ \t\r\n\f\v]{8,}")
"""``MASK_AND_RAW_REGEX`` (``\\S{8,}``, Ruby's ASCII ``\\S``): a masked raw value."""
_ENVIRONMENT_SCOPE = re.compile(r"[a-zA-Z0-9_/${}. \-*]+")
_RUBY_WHITESPACE = " \t\n\v\f\r\x00"
"""What Ruby's ``String#strip`` removes (``key=`` and ``environment_scope=`` strip)."""

KEY_FORMAT = "can contain only letters, digits and '_'."
SCOPE_FORMAT = "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', '*' and spaces"
TOO_LONG = "is too long (maximum is 255 characters)"
BLANK = "can't be blank"
HIDDEN_NEEDS_MASKED = "should be true when variable is hidden"
HIDDEN_ONLY_NEW = "Only new variables can be set as masked and hidden."
HIDDEN_FIXED = "The visibility setting cannot be changed for masked and hidden variables."


# --- version gates -------------------------------------------------------------
def has_raw(profile: VersionProfile) -> bool:
    """``raw`` (variable expansion off) as a parameter and a field (15.7)."""
    return profile.at_least(15, 7)


def has_description(profile: VersionProfile) -> bool:
    """``description`` as a parameter and a field (16.2)."""
    return profile.at_least(16, 2)


def has_hidden(profile: VersionProfile) -> bool:
    """``masked_and_hidden`` on create and the ``hidden`` field (17.4)."""
    return profile.at_least(17, 4)


def group_filter(profile: VersionProfile) -> bool:
    """``filter[environment_scope]`` on group variables, with the 409 for ambiguous keys
    (16.9); before, a group's key names its first variable, whatever the scopes."""
    return profile.at_least(16, 9)


def raw_relaxes_masking(profile: VersionProfile) -> bool:
    """Masked raw values need only ``\\S{8,}`` (MR 109008, behind the flag
    ``ci_remove_character_limitation_raw_masked_var`` from 15.9; the newest model has no
    flag). No source gives the release that dropped the flag: 16.0 here. UNCONFIRMED."""
    return profile.at_least(16, 0)


@dataclass
class CiVariable:
    """One row of ``ci_variables`` (a project's) or ``ci_group_variables`` (a group's)."""

    id: int
    owner: tuple[str, int]
    """(``"project"`` | ``"group"``, id)."""
    key: str
    value: str = field(repr=False)
    variable_type: str = "env_var"
    protected: bool = False
    masked: bool = False
    hidden: bool = False
    raw: bool = False
    environment_scope: str = "*"
    description: str | None = None


@dataclass
class VariableStore:
    """Every CI/CD variable (guarded by the owning store's lock; routes call
    ``store.changed()`` after a change). The API never shows a variable's id, so one
    sequence serves both of GitLab's tables; ids only order the rows."""

    rows: dict[int, CiVariable] = field(default_factory=dict)
    _last_id: int = 0

    def next_id(self) -> int:
        """A new row's id."""
        self._last_id += 1
        return self._last_id

    def of(self, owner: tuple[str, int]) -> list[CiVariable]:
        """A project's or group's variables, by id (the API's default order)."""
        return sorted((v for v in self.rows.values() if v.owner == owner), key=lambda v: v.id)

    def with_key(self, owner: tuple[str, int], key: str) -> list[CiVariable]:
        """``by_key``: every scope of one key, by id."""
        return [v for v in self.of(owner) if v.key == key]

    def add(self, variable: CiVariable) -> CiVariable:
        """Insert a row already checked by :func:`validate`."""
        self.rows[variable.id] = variable
        return variable

    def remove(self, variable_id: int) -> None:
        """Destroy a row."""
        del self.rows[variable_id]


def strip(text: str) -> str:
    """Ruby's ``String#strip``, which ``key=`` and ``environment_scope=`` apply."""
    return text.strip(_RUBY_WHITESPACE)


def _value_fits_mask(variable: CiVariable, profile: VersionProfile) -> bool:
    if variable.raw and has_raw(profile) and raw_relaxes_masking(profile):
        return _MASKABLE_RAW.fullmatch(variable.value) is not None
    return _MASKABLE.fullmatch(variable.value) is not None


def validate(
    variable: CiVariable,
    siblings: list[CiVariable],
    profile: VersionProfile,
    *,
    before: CiVariable | None = None,
) -> dict[str, list[str]]:
    """The model's errors for ``variable`` (empty: valid), by attribute in GitLab's order.

    ``siblings`` are the owner's other rows (for the uniqueness of key and scope);
    ``before`` is the row as stored when ``variable`` is an update of it."""
    found: dict[str, list[str]] = {}

    def add(attribute: str, message: str) -> None:
        found.setdefault(attribute, []).append(message)

    # Ci::HasVariable
    if not variable.key:
        add("key", BLANK)
    if len(variable.key) > KEY_MAX_LENGTH:
        add("key", TOO_LONG)
    if _KEY.fullmatch(variable.key) is None:
        add("key", KEY_FORMAT)
    # Ci::Maskable
    if variable.masked and not _value_fits_mask(variable, profile):
        add("value", "is invalid")
    # Ci::HidableVariable
    if has_hidden(profile):
        if before is None and variable.hidden and not variable.masked:
            add("masked", HIDDEN_NEEDS_MASKED)
        if before is not None:
            masked_changed = variable.masked != before.masked
            hidden_changed = variable.hidden != before.hidden
            if (masked_changed or hidden_changed) and (variable.hidden or hidden_changed):
                add("base", HIDDEN_ONLY_NEW if hidden_changed else HIDDEN_FIXED)
    # HasEnvironmentScope
    if not variable.environment_scope:
        add("environment_scope", BLANK)
    if _ENVIRONMENT_SCOPE.fullmatch(variable.environment_scope) is None:
        add("environment_scope", SCOPE_FORMAT)
    if (
        has_description(profile)
        and variable.description
        and len(variable.description) > DESCRIPTION_MAX_LENGTH
    ):
        add("description", TOO_LONG)
    taken = any(
        other.id != variable.id
        and other.key == variable.key
        and other.environment_scope == variable.environment_scope
        for other in siblings
    )
    if taken:
        add("key", f"({variable.key}) has already been taken")
    return found


def updated(variable: CiVariable, changes: dict[str, Any]) -> CiVariable:
    """A copy of ``variable`` with ``changes`` applied (validated before it is stored)."""
    return replace(variable, **changes)


def render(variable: CiVariable, profile: VersionProfile) -> dict[str, Any]:
    """``Entities::Ci::Variable``, in its field order; a hidden value is ``null``."""
    body: dict[str, Any] = {
        "variable_type": variable.variable_type,
        "key": variable.key,
        "value": None if variable.hidden else variable.value,
    }
    if has_hidden(profile):
        body["hidden"] = variable.hidden
    body["protected"] = variable.protected
    body["masked"] = variable.masked
    if has_raw(profile):
        body["raw"] = variable.raw
    body["environment_scope"] = variable.environment_scope
    if has_description(profile):
        body["description"] = variable.description
    return body
