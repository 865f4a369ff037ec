"""A quick look at one instance for ``gltui config check``: who, which version, which token.

Three requests (``/user``, ``/metadata`` or ``/version``, ``/personal_access_tokens/self``)
and plain-language notes on the token gltui uses there. A fine-grained token is judged
by its permissions (:mod:`gltui.domain.own_permissions`), and a route it may not read
(``/user``, ``/metadata``) is said, not taken for the instance failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gltui.adapters import parse
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import ROUTE_REFUSALS, Failure, FailureKind
from gltui.domain.own_permissions import ACTING, READING, named, selected_only, shortfall
from gltui.domain.scopes import ScopeRisk, scope_risk
from gltui.domain.states import TokenState, classify, days_until_expiry
from gltui.domain.tokens import Token
from gltui.inventory.collect import not_permitted, says_fine_grained
from gltui.inventory.connect import api_for
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec

if TYPE_CHECKING:
    from gltui.adapters.port import Connect, GitLabPort


def identify(api: GitLabPort) -> Identity:
    """Who the token signs in as."""
    data = api.whoami()
    return Identity(int(data["id"]), str(data.get("username", "")), data.get("is_admin") is True)


@dataclass(frozen=True)
class Probe:
    """What ``config check`` reports for one instance."""

    spec: InstanceSpec
    identity: Identity | None = None
    own_token: Token | None = None
    failure: Failure | None = None
    problems: tuple[str, ...] = ()
    """Things that stop gltui from working properly."""
    warnings: tuple[str, ...] = ()
    """Things worth fixing."""


def fine_grained_notes(token: Token, *, readonly: bool) -> tuple[list[str], list[str]]:
    """Problems and warnings about a fine-grained token gltui uses: the permissions it
    lacks for reading (each costs gltui a listing), then for acting (revoke, rotate,
    create; not asked of a read-only instance)."""
    scopes = token.granular_scopes or ()
    if not scopes:
        return [], [
            "the token is fine-grained, but GitLab did not list its permissions (it does on "
            "/personal_access_tokens/self from GitLab 19.5): they were not checked"
        ]
    problems, warnings = [], []
    reading = shortfall(scopes, READING)
    essential = [need for need in reading.missing if need.essential]
    optional = [need for need in reading.missing if not need.essential]
    if essential:
        problems.append(f"the fine-grained token lacks for reading: {named(essential)}")
    if optional:
        warnings.append(f"the fine-grained token lacks (gltui manages without): {named(optional)}")
    acting = shortfall(scopes, ACTING)
    if acting.missing and not readonly:
        warnings.append(f"the fine-grained token lacks for acting: {named(acting.missing)}")
    for need, where in reading.misplaced + (() if readonly else acting.misplaced):
        warnings.append(
            f"{need.permission} is held on {', '.join(where)} only, which does not open "
            f"its routes (they need {' or '.join(sorted(need.boundaries))})"
        )
    for permission in ("read_resource_access_token", "read_deploy_token"):
        if selected_only(scopes, permission):
            warnings.append(
                f"{permission} reaches the selected projects and groups only: tokens "
                "elsewhere are not listed"
            )
    return problems, warnings


def token_notes(
    token: Token, now: datetime, window: int, *, readonly: bool
) -> tuple[list[str], list[str]]:
    """Problems and warnings about the token gltui uses."""
    if token.is_fine_grained:
        problems, warnings = fine_grained_notes(token, readonly=readonly)
        left = days_until_expiry(token, now.date())
        if classify(token, now, window) is TokenState.EXPIRING and left is not None:
            warnings.append(
                f"the token expires in {left} days ({token.expires_at}): rotate it soon"
            )
        return problems, warnings
    problems, warnings = [], []
    scopes = set(token.scopes)
    if not scopes & {"api", "read_api"}:
        held = ", ".join(sorted(scopes)) or "none"
        problems.append(
            f"the token has no read_api or api scope (it has {held}): "
            "gltui cannot list tokens with it"
        )
    state = classify(token, now, window)
    left = days_until_expiry(token, now.date())
    if state is TokenState.EXPIRING and left is not None:
        warnings.append(f"the token expires in {left} days ({token.expires_at}): rotate it soon")
    admin = sorted(s for s in scopes if scope_risk(s) is ScopeRisk.ADMIN)
    if admin:
        warnings.append(f"the token has {', '.join(admin)}: more than gltui needs (api is enough)")
    if readonly and "api" in scopes:
        warnings.append("this instance is read-only in gltui: a read_api token is enough")
    return problems, warnings


def probe_instance(
    spec: InstanceSpec,
    now: datetime,
    window: int,
    *,
    readonly: bool = False,
    connect: Connect = api_for,
) -> Probe:
    """Sign in, read the version and the token's own record; never raises for GitLab trouble."""
    if spec.token_problem is not None:
        return Probe(spec, failure=Failure(FailureKind.NO_TOKEN, spec.token_problem))
    api = connect(spec)
    try:
        try:
            who: Identity | None = identify(api)
            refused: Failure | None = None
        except ApiFailure as error:
            if error.failure.kind not in IDENTIFY_REFUSALS:
                raise
            who, refused = None, error.failure
        try:
            own_data: dict[str, Any] | None = api.own_token()
        except ApiFailure:
            own_data = None
        notes: list[str] = []
        if who is None:  # /user refused: a fine-grained token still says whose it is
            assert refused is not None
            who = _owner_of(own_data)
            if who is None:
                raise ApiFailure(refused)
            notes.append(f"{not_permitted(refused).message}: gltui read the token's own record")
        version = version_or_none(api, notes)
        identity = Identity(who.user_id, who.username, who.is_admin, version)
        try:
            if own_data is None:
                raise parse.MalformedTokenError("no answer")
            own = parse.personal_token(spec.name, own_data)
        except (parse.MalformedTokenError, ValueError, TypeError):
            return Probe(
                spec,
                identity,
                warnings=(
                    *notes,
                    "GitLab before 15.5 cannot describe the token it "
                    "was called with; its scopes were not checked",
                ),
            )
        problems, warnings = token_notes(own, now, window, readonly=readonly)
        return Probe(spec, identity, own, problems=tuple(problems), warnings=(*notes, *warnings))
    except ApiFailure as error:
        return Probe(spec, failure=error.failure)
    finally:
        api.close()


IDENTIFY_REFUSALS = ROUTE_REFUSALS
"""How ``GET /user`` may refuse a token that works (a fine-grained one without
``read_user``: UNCONFIRMED); an unknown, expired or revoked token is not among them."""


def _owner_of(own: dict[str, Any] | None) -> Identity | None:
    """Whose fine-grained token ``/personal_access_tokens/self`` describes; not an
    administrator as far as gltui can tell. ``None`` for anything else (a legacy token's
    refused ``/user`` stays the instance's failure, as always)."""
    if own is None or not says_fine_grained(own):
        return None
    user_id = own.get("user_id")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return Identity(user_id, "", False)


def sign_in(api: GitLabPort) -> Identity:
    """Who the token signs in as and GitLab's version, for the write side: a
    fine-grained token without ``read_user`` or ``read_metadata`` still signs in (its own
    record names the user; the version stays unknown, so the gates ask GitLab)."""
    try:
        who = identify(api)
    except ApiFailure as error:
        if error.failure.kind not in IDENTIFY_REFUSALS:
            raise
        try:
            found = _owner_of(api.own_token())
        except ApiFailure:
            found = None
        if found is None:
            raise
        who = found
    return Identity(who.user_id, who.username, who.is_admin, version_or_none(api, []))


def version_or_none(api: GitLabPort, notes: list[str]) -> str | None:
    """GitLab's version; a fine-grained token without ``read_metadata`` leaves it unknown
    (said in ``notes``) rather than failing the check."""
    try:
        return api.version()
    except ApiFailure as error:
        if error.failure.kind not in (FailureKind.MISSING_PERMISSION, FailureKind.FORBIDDEN):
            raise
        notes.append(f"the version is unknown: {not_permitted(error.failure).message}")
        return None
