"""GitLab's role (access level) numbers and the names people use for them."""

from __future__ import annotations

from enum import IntEnum

from gltui.domain.errors import ValidationError


class AccessLevel(IntEnum):
    """Roles a project or group access token can hold (GitLab's numbers)."""

    GUEST = 10
    PLANNER = 15
    REPORTER = 20
    DEVELOPER = 30
    MAINTAINER = 40
    OWNER = 50

    @property
    def label(self) -> str:
        """The role's name as GitLab's UI writes it."""
        return self.name.capitalize()


def parse_access_level(value: str | int, *, field: str = "role") -> AccessLevel:
    """Accept ``"Reporter"``, ``"reporter"``, ``20`` or ``"20"``; anything else is an error.

    Config files and command lines use names, the API uses numbers; both must work
    and an unknown role must be reported, not silently become a default.
    """
    if isinstance(value, bool):
        raise ValidationError(field, f"expected a role name or number, got {value!r}")
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        if number in AccessLevel._value2member_map_:
            return AccessLevel(number)
    else:
        member = AccessLevel.__members__.get(text.upper())
        if member is not None:
            return member
    valid = ", ".join(f"{level.label} ({level.value})" for level in AccessLevel)
    raise ValidationError(field, f"unknown role {text!r}; use one of {valid}")
