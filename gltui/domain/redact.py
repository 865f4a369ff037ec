"""Token-shaped values out of every text a server (or anyone else) hands us.

A hostile or broken GitLab can echo the token it was called with into an error
message, a token name or a version string. Everything a server says passes
:func:`scrub` before gltui shows, logs or stores it, so such an echo becomes
``[redacted]``. What counts as token-shaped follows GitLab's own formats
(``doc/security/tokens/_index.md``): every type prefix, the instance-wide custom
prefix (``mycompany-glpat-...``), the routable PAT form (``glpat-<27-300>.<2>.<9>``)
and the session cookie. Tokens from before prefixes (GitLab < 14.5) have no shape;
callers pass the values they know (the instance's own token) as ``secrets``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "[redacted]"

TOKEN_PREFIXES = (
    "glpat",  # personal, impersonation, project, group, service-account tokens
    "gloas",  # OAuth application secret
    "gldt",  # deploy token
    "glrtr",  # runner authentication token created by a registration token
    "glrt",  # runner authentication token
    "glcbt",  # CI/CD job token
    "glptt",  # pipeline trigger token
    "glft",  # feed token
    "glimt",  # incoming mail token
    "glagent",  # agent for Kubernetes
    "glwt",  # workspace token
    "glsoat",  # SCIM token
    "glffct",  # feature flags client token
)
"""GitLab's token type prefixes, longest alternatives first where one prefixes another."""

_BODY = r"[A-Za-z0-9_\-=.]{8,}"
"""A token's value after its prefix: legacy (20), routable (27-300 + ``.xx.yyyyyyyyy``),
and the shorter values some types carry; 8 is the shortest worth hiding."""

_PREFIXES = "|".join(sorted(TOKEN_PREFIXES, key=len, reverse=True))

TOKEN_SHAPED = re.compile(
    rf"(?<![A-Za-z0-9])(?:[A-Za-z0-9_]{{1,20}}-)?(?:{_PREFIXES})-{_BODY}"
    r"|_gitlab_session=[A-Za-z0-9%]{8,}",
    re.IGNORECASE,
)
"""Anything that looks like a GitLab token, its custom instance prefix included."""

TOKEN_SHAPED_BYTES = re.compile(TOKEN_SHAPED.pattern.encode(), re.IGNORECASE)
"""The same pattern over raw bytes."""

_PREFIX_AND_DASH = re.compile(
    rb"gl(?:"
    + b"|".join(p[2:].encode() for p in sorted(TOKEN_PREFIXES, key=len, reverse=True))
    + rb")-|_gitlab_session="
)
"""What every match of :data:`TOKEN_SHAPED` holds, lower-cased: a prefix and its dash
(every prefix starts with ``gl``), or a session cookie."""


def may_hold_a_token(content: bytes) -> bool:
    """Whether a response body could hold anything :data:`TOKEN_SHAPED` matches: ``False``
    is certain. The full pattern costs ~1 ms over a 100-row page (its optional custom
    prefix is tried at every letter); nearly every body has no ``gl`` at all (~10 us),
    and a body that has one is asked for a prefix and its dash before the full pattern."""
    lowered = content.lower()  # the pattern ignores case; bytes lower ASCII only, as it does
    if b"gl" not in lowered and b"_gitlab_session=" not in lowered:
        return False
    return _PREFIX_AND_DASH.search(lowered) is not None and (
        TOKEN_SHAPED_BYTES.search(content) is not None
    )


_MIN_SECRET = 8
"""Shorter known secrets are not searched for: they would redact ordinary words."""


def _forms(secret: str) -> set[str]:
    """A secret as it may come back: as sent, and percent-encoded."""
    return {secret, quote(secret, safe="")}


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every form of every secret worth looking for, for :func:`scrub_forms`: a response
    body scrubbed string by string computes them once, not once per string."""
    return tuple(
        form for secret in secrets if len(secret) >= _MIN_SECRET for form in _forms(secret)
    )


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every token-shaped value and every known secret replaced.

    Fast when there is nothing to hide (the common case: names and messages).
    """
    return scrub_forms(text, secret_forms(secrets))


def scrub_forms(text: str, forms: tuple[str, ...]) -> str:
    """:func:`scrub` with the secrets' forms already computed (:func:`secret_forms`)."""
    for form in forms:
        if form in text:
            text = text.replace(form, REDACTED)
    if "-" not in text and "_gitlab_session" not in text:
        return text
    return TOKEN_SHAPED.sub(REDACTED, text)


def looks_like_token(text: str) -> bool:
    """Whether ``text`` holds anything token-shaped (e.g. an argument a user typed)."""
    return TOKEN_SHAPED.search(text) is not None
