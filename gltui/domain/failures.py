"""Why talking to a GitLab instance failed, and what the user can do about it.

The adapters map python-gitlab and network errors onto these kinds; the UI and
the CLI show ``message`` and ``advice`` (GitLab's own troubleshooting guidance
where it has some). Nothing here may ever contain a token value.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FailureKind(StrEnum):
    """The distinct things that go wrong, each with its own remedy."""

    NO_TOKEN = "no_token"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    TLS = "tls"
    BAD_TOKEN = "bad_token"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    MISSING_SCOPE = "missing_scope"
    MISSING_PERMISSION = "missing_permission"
    """A fine-grained token refused one route (403 ``insufficient_granular_scope``): it
    lacks that permission there, which costs that listing or action, not the instance."""
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    BAD_RESPONSE = "bad_response"
    REDIRECT = "redirect"
    LIMIT = "limit"


ROUTE_REFUSALS = frozenset(
    {
        FailureKind.FORBIDDEN,
        FailureKind.NOT_FOUND,
        FailureKind.MISSING_PERMISSION,
        FailureKind.MISSING_SCOPE,
    }
)
"""How GitLab refuses one route to a token that still works (a 403, bare or for a scope
or fine-grained permission, or a 404): the walk, the kinds' discovery and the identity
probe each read these as "not this route", never as "not this token"."""

_ADVICE = {
    FailureKind.NO_TOKEN: "gltui could not get this instance's token: check token_env or "
    "token_command in the config file (gltui config check tests them).",
    FailureKind.UNREACHABLE: "Check the URL and your network; is the instance up?",
    FailureKind.TIMEOUT: "The instance is slow or overloaded: retry later or raise `timeout`.",
    FailureKind.TLS: "TLS verification failed: for a self-signed instance set `ssl_verify` "
    "to the CA bundle's path (or false, at your own risk).",
    FailureKind.BAD_TOKEN: "GitLab does not know this token: check the URL and the token.",
    FailureKind.TOKEN_EXPIRED: "The token gltui uses has expired: create a new one "
    "(scope read_api, or api to revoke and create) and update the configuration.",
    FailureKind.TOKEN_REVOKED: "The token gltui uses was revoked: create a new one and "
    "update the configuration.",
    FailureKind.MISSING_SCOPE: "The token lacks a needed scope: give gltui a token with "
    "read_api (api to revoke, rotate and create).",
    FailureKind.MISSING_PERMISSION: "gltui's fine-grained token lacks the permission for "
    "this: `gltui config check` names the ones gltui needs to read and to act; give gltui "
    "a token that holds them.",
    FailureKind.FORBIDDEN: "GitLab refused: you may lack the role, or an administrator "
    "disabled access tokens here.",
    FailureKind.NOT_FOUND: "Not found: it may have been deleted, or the URL is not a GitLab API.",
    FailureKind.RATE_LIMITED: "GitLab is rate limiting this token: wait a minute and refresh, "
    "or lower `concurrency`.",
    FailureKind.SERVER_ERROR: "GitLab answered with a server error: retry later.",
    FailureKind.BAD_RESPONSE: "The answer was not GitLab's JSON: check the URL (a proxy or a "
    "login page may be answering).",
    FailureKind.REDIRECT: "gltui never follows a redirect with a token (it could lead to "
    "another host): set `url` to the address GitLab redirects to (its external_url).",
    FailureKind.LIMIT: "The instance's answers went past one of gltui's bounds (size, "
    "pages, rows or time): check the URL is a real GitLab, or raise the bound in the config.",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One failure: what happened in plain words and what to do."""

    kind: FailureKind
    message: str
    status: int | None = None

    @property
    def advice(self) -> str:
        """The remedy for this kind of failure."""
        return _ADVICE[self.kind]

    @property
    def stops_the_instance(self) -> bool:
        """Failures that make the rest of the walk pointless (every call would fail)."""
        return self.kind in {
            FailureKind.UNREACHABLE,
            FailureKind.TLS,
            FailureKind.BAD_TOKEN,
            FailureKind.TOKEN_EXPIRED,
            FailureKind.TOKEN_REVOKED,
            FailureKind.MISSING_SCOPE,
            FailureKind.REDIRECT,
            FailureKind.LIMIT,
        }
