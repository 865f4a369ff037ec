"""Which targets a token's new value goes to: the remembered ones, and the found ones.

Remembered targets come from the configuration (``[[handoffs]]``, matched by instance and
:func:`~gltui.domain.handoff.handoff_key`, so a token's successor inherits them). Found
ones come from wherever else gltui learned that the token is deployed: the opt-in scan
of CI/CD variables links variables to token rows and feeds them in through
:func:`targets_for`'s ``deployed``. Chosen-at-the-moment targets (``--target``, the
dashboard's "add a target" field) are added by the caller, and :func:`remember` keeps
them for next time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gltui.config.model import DEFAULT_ROTATION_DAYS, ConfigError
from gltui.domain.handoff import (
    Handoff,
    Target,
    handoff_key,
    merged,
)
from gltui.domain.tokens import Token

__all__ = [
    "Offer",
    "Remembered",
    "Target",
    "load_remembered",
    "offer_for",
    "remember",
    "remembered_targets",
    "targets_for",
]


def remembered_targets(token: Token, handoffs: Iterable[Handoff]) -> list[Target]:
    """The targets the configuration remembers for ``token`` (and its predecessors)."""
    key = handoff_key(token)
    if key is None:
        return []
    return merged(
        *(
            handoff.targets
            for handoff in handoffs
            if handoff.instance == token.instance and handoff.token == key
        )
    )


def targets_for(
    token: Token, handoffs: Iterable[Handoff], deployed: Iterable[Target] = ()
) -> list[Target]:
    """Remembered targets first, then ``deployed`` ones not already among them (each
    once, in order): what a rotation of ``token`` offers."""
    return merged(remembered_targets(token, handoffs), deployed)


@dataclass(frozen=True)
class Remembered:
    """What the configuration file says about hand-offs right now."""

    handoffs: tuple[Handoff, ...] = ()
    rotation_days: int = DEFAULT_ROTATION_DAYS
    problem: str | None = None
    """Why the file could not be read (the defaults apply meanwhile)."""


def load_remembered(config_path: Path | None) -> Remembered:
    """The hand-offs and ``rotation_days`` of the file (blocking: call it in a worker).
    A broken file costs its remembered targets, with the reason, not the rotation."""
    if config_path is None:
        return Remembered()
    from gltui.config.load import load_config

    try:
        config = load_config(config_path, {})
    except ConfigError as error:
        return Remembered(problem=str(error))
    return Remembered(config.handoffs, config.settings.rotation_days)


@dataclass(frozen=True)
class Offer:
    """What a rotation of one token offers: its targets and the configured lifetime."""

    targets: tuple[Target, ...] = ()
    rotation_days: int = DEFAULT_ROTATION_DAYS
    problem: str | None = None


def offer_for(token: Token, config_path: Path | None, deployed: Iterable[Target] = ()) -> Offer:
    """:func:`targets_for` ``token`` from the file as it is now (blocking: a worker's)."""
    remembered = load_remembered(config_path)
    targets = targets_for(token, remembered.handoffs, deployed)
    return Offer(tuple(targets), remembered.rotation_days, remembered.problem)


def remember(config_path: Path, token: Token, targets: Sequence[Target]) -> int:
    """Add ``targets`` to ``token``'s hand-off in the file; how many were new. Raises
    :class:`~gltui.config.model.ConfigError` (a file gltui will not rewrite) and
    ``ValueError`` when the token has no stable key (its place is unknown)."""
    from gltui.config.handoffs import remember_targets

    key = handoff_key(token)
    if key is None:
        raise ValueError("GitLab did not say where this token belongs; cannot remember it")
    return remember_targets(config_path, token.instance, key, targets)
