"""Plain-text presentation shared by every front end (table, report, dashboard)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gltui.domain.redact import scrub
from gltui.domain.tokens import GranularScope, ResourceType, Token, TokenKind


def printable(text: str) -> str:
    """Control characters (ANSI escapes included) shown as ``\\xNN``, never sent raw.

    Token names and GitLab's messages come from other people; printed as they are,
    an escape sequence in a name could rewrite the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line: the line breaks of a multi-line text are kept.

    For texts gltui lays out itself around others' words (a JSON preview can hold
    a C1 control in a name: JSON escapes only the C0 ones).
    """
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_said(text: str, secrets: Iterable[str] = ()) -> str:
    """What a server said (an error message, a version string), ready to print.

    A hostile server chooses these words: it may echo the token it was called with
    (scrubbed to ``[redacted]``, with ``secrets`` for tokens of no known shape) or
    send escape sequences (shown as ``\\xNN``). Scrubbing twice is harmless.
    """
    return printable(scrub(text, secrets))


def describe(token: Token) -> str:
    """``"ci deploy": personal token on gitlab.com, of mara`` (plain text), as the action
    modals and the headless commands name a token."""
    belongs = "of" if token.resource is None else "in"
    return (
        f'"{printable(token.name)}": {token.kind.value} token on {printable(token.instance)}, '
        f"{belongs} {printable(owner_label(token))}"
    )


def owner_label(token: Token) -> str:
    """Who or what a token belongs to: its project/group path, else its owner (a runner
    GitLab names no place or creator for: ``instance runner``)."""
    if token.resource is not None:
        return token.resource.path or f"{token.resource.type.value} {token.resource.id}"
    if token.owner is not None and token.owner.username:
        return token.owner.username
    if token.kind is TokenKind.RUNNER and token.runner_type:
        return f"{runner_type_label(token.runner_type)} runner"
    return "-"


KIND_LABELS = {
    TokenKind.PERSONAL: "personal",
    TokenKind.IMPERSONATION: "impers.",
    TokenKind.PROJECT: "project",
    TokenKind.GROUP: "group",
    TokenKind.DEPLOY: "deploy",
    TokenKind.SERVICE_ACCOUNT: "svc acct",
    TokenKind.TRIGGER: "trigger",
    TokenKind.CLUSTER_AGENT: "agent",
    TokenKind.RUNNER: "runner",
}
"""The table's kind column: eight cells at most, so that the column fits beside the
others at 120 columns (machine formats and ``--kind`` keep :class:`TokenKind`'s values)."""


def kind_label(kind: TokenKind) -> str:
    """The kind's short label (:data:`KIND_LABELS`)."""
    return KIND_LABELS.get(kind, kind.value)


def runner_type_label(runner_type: str) -> str:
    """``instance_type`` -> ``instance`` (a type GitLab adds later keeps its name)."""
    return runner_type.removesuffix("_type")


KnownPaths = Mapping[tuple[ResourceType, int], str]
"""Project and group paths by id, as far as an inventory knows them (from its resource
and deploy tokens): what names a fine-grained token's ``selected_memberships``."""


def known_paths(tokens: Iterable[Token]) -> dict[tuple[ResourceType, int], str]:
    """Every project and group path the tokens' resources name."""
    return {
        (token.resource.type, token.resource.id): token.resource.path
        for token in tokens
        if token.resource is not None and token.resource.path
    }


def boundary_label(scope: GranularScope, paths: KnownPaths | None = None) -> str:
    """Where a fine-grained scope applies: ``all_memberships``, ``project #6``, or
    ``project acme/api`` when the path is known. Raw text: GitLab chose the boundary
    name and a path's owner chose the path, so each format escapes it its own way."""
    named = []
    for kind, ident in (
        (ResourceType.PROJECT, scope.project_id),
        (ResourceType.GROUP, scope.group_id),
    ):
        if ident is not None:
            path = (paths or {}).get((kind, ident))
            named.append(f"{kind.value} {path}" if path else f"{kind.value} #{ident}")
    return " + ".join(named) or scope.access


def granular_summary(
    scopes: Iterable[GranularScope], *, shown: int | None = 1, paths: KnownPaths | None = None
) -> str:
    """``all_memberships(read_job,+2); project #6(read_deploy_token)``: each boundary and
    its first ``shown`` permissions (all of them with ``None``), the rest counted. Raw
    text, as :func:`boundary_label`."""
    parts = []
    for scope in scopes:
        permissions = list(scope.permissions)
        if shown is not None and len(permissions) > shown:
            permissions = [*permissions[:shown], f"+{len(permissions) - shown}"]
        parts.append(f"{boundary_label(scope, paths)}({','.join(permissions) or 'none'})")
    return "; ".join(parts) or "boundaries not listed"


def access_summary(token: Token, *, shown: int | None = 1) -> str:
    """What a token may do, in one line: its scopes (``api, read_user``), or for a
    fine-grained token ``fine-grained: all_memberships(read_job,+2)`` instead of GitLab's
    placeholder scope ``granular`` (empty for a legacy token without scopes). Raw text,
    as :func:`boundary_label`."""
    if token.granular_scopes is None:
        return ", ".join(token.scopes)
    return "fine-grained: " + granular_summary(token.granular_scopes, shown=shown)


def token_type(token: Token) -> str:
    """``fine_grained`` or ``legacy`` (every scope-based token, deploy tokens too): the
    two values machine formats label a token with."""
    return "fine_grained" if token.is_fine_grained else "legacy"


def grouped(count: int) -> str:
    """``86,107``: a count a person reads, grouped by thousands (an administrator's
    inventory runs to six digits, and ``86107`` is hard to read at a glance). Machine
    formats (JSON, CSV, OpenMetrics) keep bare digits."""
    return f"{count:,}"


def compact_count(count: int) -> str:
    """At most four characters for any count below ten billion: ``999``, ``1.4k``,
    ``12k``, ``3.1M``; for a chart cell, where a full ``14,331`` would run into its
    neighbour. Rounded half up, in integers (no float surprises at ``9,950``)."""
    if count < 1000:
        return str(count)
    for size, unit in ((1000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
        tenths = (count * 10 + size // 2) // size
        if tenths < 100:
            return f"{tenths // 10}.{tenths % 10}{unit}"
        whole = (count + size // 2) // size
        if whole < 1000:
            return f"{whole}{unit}"
    return f"{(count + 500_000_000) // 1_000_000_000}G"
