"""python-gitlab and network exceptions -> :class:`~gltui.domain.failures.Failure`.

Messages are built from status codes and GitLab's error fields only, never from
request URLs or headers; GitLab's own words pass :func:`~gltui.domain.redact.scrub`
(the instance's token and anything token-shaped become ``[redacted]``) and are cut
to a line, because a hostile server can echo the token it was sent.
"""

from __future__ import annotations

import json

import requests
from gitlab import exceptions as gitlab_errors

from gltui.adapters.transport import (
    DeadlineExceeded,
    RedirectRefused,
    ResponseTooLarge,
    TransportRefusal,
)
from gltui.adapters.wire import NO_SUCH_ROUTE
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.redact import scrub

MESSAGE_CHARS = 300
"""GitLab's part of a message, at most: a page of HTML is not a message."""


def _body(error: gitlab_errors.GitlabError) -> dict[str, object]:
    raw = error.response_body
    if isinstance(raw, bytes):
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _gitlab_message(error: gitlab_errors.GitlabError, secrets: tuple[str, ...]) -> str:
    body = _body(error)
    for key in ("error_description", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return _safe(value, secrets)
        if isinstance(value, dict):
            joined = "; ".join(
                f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in value.items()
            )
            return _safe(joined, secrets)
    return ""


def _safe(text: str, secrets: tuple[str, ...]) -> str:
    """A server's words, scrubbed, on one line and bounded."""
    one_line = " ".join(scrub(text, secrets).split())
    if len(one_line) > MESSAGE_CHARS:
        return one_line[: MESSAGE_CHARS - 1] + "…"
    return one_line


def from_http_error(
    error: gitlab_errors.GitlabError, action: str, secrets: tuple[str, ...] = ()
) -> Failure:
    """Map a python-gitlab error raised while doing ``action`` (e.g. "listing projects")."""
    status = error.response_code
    detail = _gitlab_message(error, secrets)
    body = _body(error)
    if status == 401:
        description = _safe(str(body.get("error_description", "")), secrets)
        if "expired" in description:
            return Failure(FailureKind.TOKEN_EXPIRED, "the token has expired", 401)
        if "revoked" in description:
            return Failure(FailureKind.TOKEN_REVOKED, "the token was revoked", 401)
        return Failure(FailureKind.BAD_TOKEN, f"401 Unauthorized while {action}", 401)
    if status == 403:
        if body.get("error") == "insufficient_granular_scope":
            said = _safe(str(body.get("error_description") or body.get("message") or ""), secrets)
            return Failure(
                FailureKind.MISSING_PERMISSION,
                f"the fine-grained token may not do this ({action})"
                + (f": {said}" if said else ""),
                403,
            )
        if body.get("error") == "insufficient_scope":
            needed = _safe(str(body.get("scope", "api")), secrets)[:80]
            return Failure(
                FailureKind.MISSING_SCOPE, f"the token needs one of: {needed} ({action})", 403
            )
        return Failure(FailureKind.FORBIDDEN, f"403 Forbidden while {action}: {detail}", 403)
    if status == 404:
        if body.get("error") == "404 Not Found" and "message" not in body:
            return Failure(FailureKind.NOT_FOUND, f"404 while {action}: {NO_SUCH_ROUTE}", 404)
        return Failure(FailureKind.NOT_FOUND, f"404 while {action}: {detail}", 404)
    if status == 429:
        return Failure(FailureKind.RATE_LIMITED, f"429 Too Many Requests while {action}", 429)
    if status is not None and status >= 500:
        return Failure(FailureKind.SERVER_ERROR, f"{status} server error while {action}", status)
    if isinstance(error, gitlab_errors.GitlabParsingError):
        return Failure(FailureKind.BAD_RESPONSE, f"unreadable answer while {action}")
    return Failure(
        FailureKind.BAD_RESPONSE,
        f"{status or 'unexpected'} answer while {action}: {detail}",
        status,
    )


def from_exception(
    error: Exception, action: str, *, timeout: float, secrets: tuple[str, ...] = ()
) -> Failure:
    """Map any exception python-gitlab, requests or the transport policy raise."""
    if isinstance(error, RedirectRefused):
        return Failure(FailureKind.REDIRECT, f"{error.message} (while {action})")
    if isinstance(error, DeadlineExceeded):
        return Failure(FailureKind.TIMEOUT, f"{error.message} while {action}")
    if isinstance(error, ResponseTooLarge):
        return Failure(FailureKind.LIMIT, f"{error.message} while {action}")
    if isinstance(error, TransportRefusal):
        return Failure(FailureKind.BAD_RESPONSE, f"{error.message} while {action}")
    if isinstance(error, gitlab_errors.GitlabError):
        return from_http_error(error, action, secrets)
    if isinstance(error, requests.exceptions.SSLError):
        return Failure(FailureKind.TLS, f"TLS certificate verification failed while {action}")
    if isinstance(error, requests.exceptions.Timeout):
        return Failure(FailureKind.TIMEOUT, f"no answer within {timeout:g} s while {action}")
    if isinstance(
        error, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        return Failure(FailureKind.UNREACHABLE, f"cannot connect while {action}")
    if isinstance(error, ValueError):
        return Failure(FailureKind.BAD_RESPONSE, f"the answer was not JSON while {action}")
    return Failure(FailureKind.BAD_RESPONSE, f"{type(error).__name__} while {action}")
