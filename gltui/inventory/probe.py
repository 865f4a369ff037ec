"""A quick look at one instance for ``gltui config check``: who, which version, which token.

Three requests (``/user``, ``/metadata`` or ``/version``, ``/personal_access_tokens/self``)
and plain-language notes on the token gltui uses there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from gltui.adapters import parse
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.scopes import ScopeRisk, scope_risk
from gltui.domain.states import TokenState, classify, days_until_expiry
from gltui.domain.tokens import Token
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


def token_notes(
    token: Token, now: datetime, window: int, *, readonly: bool
) -> tuple[list[str], list[str]]:
    """Problems and warnings about the token gltui uses."""
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
        who = identify(api)
        version = api.version()
        identity = Identity(who.user_id, who.username, who.is_admin, version)
        try:
            own = parse.personal_token(spec.name, api.own_token())
        except (ApiFailure, parse.MalformedTokenError):
            return Probe(
                spec,
                identity,
                warnings=(
                    "GitLab before 15.5 cannot describe the token it "
                    "was called with; its scopes were not checked",
                ),
            )
        problems, warnings = token_notes(own, now, window, readonly=readonly)
        return Probe(spec, identity, own, problems=tuple(problems), warnings=tuple(warnings))
    except ApiFailure as error:
        return Probe(spec, failure=error.failure)
    finally:
        api.close()
