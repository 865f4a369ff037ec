"""python-gitlab and network exceptions -> :class:`~gltui.domain.failures.Failure`.

Messages are built from status codes and GitLab's error fields only, never from
request URLs or headers, so a token can never end up in one.
"""

from __future__ import annotations

import json

import requests
from gitlab import exceptions as gitlab_errors

from gltui.domain.failures import Failure, FailureKind


def _body(error: gitlab_errors.GitlabError) -> dict[str, object]:
    raw = error.response_body
    if isinstance(raw, bytes):
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _gitlab_message(error: gitlab_errors.GitlabError) -> str:
    body = _body(error)
    for key in ("error_description", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            return "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in value.items())
    return ""


def from_http_error(error: gitlab_errors.GitlabError, action: str) -> Failure:
    """Map a python-gitlab error raised while doing ``action`` (e.g. "listing projects")."""
    status = error.response_code
    detail = _gitlab_message(error)
    body = _body(error)
    if status == 401:
        description = str(body.get("error_description", ""))
        if "expired" in description:
            return Failure(FailureKind.TOKEN_EXPIRED, "the token has expired", 401)
        if "revoked" in description:
            return Failure(FailureKind.TOKEN_REVOKED, "the token was revoked", 401)
        return Failure(FailureKind.BAD_TOKEN, f"401 Unauthorized while {action}", 401)
    if status == 403:
        if body.get("error") == "insufficient_scope":
            needed = str(body.get("scope", "api"))
            return Failure(
                FailureKind.MISSING_SCOPE, f"the token needs one of: {needed} ({action})", 403
            )
        return Failure(FailureKind.FORBIDDEN, f"403 Forbidden while {action}: {detail}", 403)
    if status == 404:
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


def from_exception(error: Exception, action: str, *, timeout: float) -> Failure:
    """Map any exception python-gitlab or requests raise during a call."""
    if isinstance(error, gitlab_errors.GitlabError):
        return from_http_error(error, action)
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
