"""What a token value's shape says: its kind, its instance-wide prefix, its routing part.

Incident response starts from a leaked string. Before any network call, its shape
narrows where it can come from (``doc/security/tokens/_index.md``): the type prefix
names the kind (``glpat-`` alone covers personal, impersonation, project, group and
service-account tokens); an instance-wide custom prefix (``mycompany-glpat-``)
names the instance that issued it, so gltui never sends the value to an instance
whose prefix rules exclude it; and a routable PAT (``glpat-<27-300>.<2>.<9>``)
carries a routing part. Pure: no I/O, the value is only read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from gltui.domain.secret import Secret


class ShapeKind(StrEnum):
    """What a prefix says a token is (one prefix may cover several kinds)."""

    PAT_TYPE = "personal, impersonation, project or group access token"
    OAUTH_SECRET = "OAuth application secret"  # noqa: S105 (a kind, not a secret)
    DEPLOY = "deploy token"
    RUNNER = "runner authentication token"
    JOB = "CI/CD job token"
    TRIGGER = "pipeline trigger token"
    FEED = "feed token"
    INCOMING_MAIL = "incoming mail token"
    AGENT = "agent for Kubernetes token"
    WORKSPACE = "workspace token"
    SCIM = "SCIM token"
    FEATURE_FLAGS = "feature flags client token"
    SESSION = "GitLab session cookie"
    UNKNOWN = "no GitLab prefix"


PREFIX_KINDS: Mapping[str, ShapeKind] = {
    "glpat": ShapeKind.PAT_TYPE,
    "gloas": ShapeKind.OAUTH_SECRET,
    "gldt": ShapeKind.DEPLOY,
    "glrtr": ShapeKind.RUNNER,
    "glrt": ShapeKind.RUNNER,
    "glcbt": ShapeKind.JOB,
    "glptt": ShapeKind.TRIGGER,
    "glft": ShapeKind.FEED,
    "glimt": ShapeKind.INCOMING_MAIL,
    "glagent": ShapeKind.AGENT,
    "glwt": ShapeKind.WORKSPACE,
    "glsoat": ShapeKind.SCIM,
    "glffct": ShapeKind.FEATURE_FLAGS,
}
"""Every GitLab type prefix (without its dash) and the kind it names."""

_ALTERNATIVES = "|".join(sorted(PREFIX_KINDS, key=len, reverse=True))
_SHAPE = re.compile(
    rf"^(?:(?P<instance>[A-Za-z0-9_]{{1,20}})-)?(?P<type>{_ALTERNATIVES})-(?P<body>.+)$"
)
_ROUTABLE = re.compile(r"^[A-Za-z0-9\-=_]{27,300}\.(?P<routing>[0-9a-z]{2})\.[a-z0-9]{9}$")

SELF_DESCRIBING = frozenset({ShapeKind.PAT_TYPE})
"""Kinds that can describe and revoke themselves (``/personal_access_tokens/self``)."""


@dataclass(frozen=True)
class Shape:
    """What the value's form says (never the value itself)."""

    kind: ShapeKind
    type_prefix: str | None = None
    """``glpat``, ``gldt``, ...; ``None`` when the value has no GitLab prefix."""
    instance_prefix: str | None = None
    """The instance-wide custom prefix (``mycompany`` in ``mycompany-glpat-``)."""
    routing: str | None = None
    """A routable PAT's two-character routing part."""

    @property
    def self_describing(self) -> bool:
        """Whether the self endpoint can identify it (PAT-type tokens, or no prefix:
        tokens from before prefixes were PATs too)."""
        return self.kind in SELF_DESCRIBING or self.kind is ShapeKind.UNKNOWN

    def describe(self) -> str:
        """The shape in words, for the answer and for "why this instance"."""
        parts = [self.kind.value]
        if self.instance_prefix:
            parts.append(f"instance prefix {self.instance_prefix!r}")
        if self.routing:
            parts.append("routable form")
        return ", ".join(parts)


def shape_of(value: Secret) -> Shape:
    """The shape of ``value`` (read, never kept)."""
    text = value.reveal().strip()
    if text.startswith("_gitlab_session="):
        return Shape(ShapeKind.SESSION)
    match = _SHAPE.match(text)
    if match is None:
        return Shape(ShapeKind.UNKNOWN)
    type_prefix = match.group("type").lower()
    kind = PREFIX_KINDS[type_prefix]
    routing = None
    if kind is ShapeKind.PAT_TYPE:
        routable = _ROUTABLE.match(match.group("body"))
        routing = routable.group("routing") if routable else None
    return Shape(kind, type_prefix, match.group("instance"), routing)


def candidate_instances(shape: Shape, instances: Iterable[tuple[str, str | None]]) -> list[str]:
    """The configured instances the value can belong to, in configuration order.

    ``instances`` are (name, custom prefix or ``None`` when unknown). A value with an
    instance prefix goes only to instances declaring that prefix, or, when none
    does, to those whose prefix is unknown (never to one declaring another prefix).
    A value without one may predate its instance's prefix: all of them.
    """
    rows = list(instances)
    if shape.instance_prefix:
        wanted = shape.instance_prefix.lower()
        declared = [name for name, prefix in rows if prefix and prefix.lower() == wanted]
        return declared or [name for name, prefix in rows if not prefix]
    return [name for name, _prefix in rows]
