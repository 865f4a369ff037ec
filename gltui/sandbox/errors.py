"""GitLab's error answers, with the exact bodies of the reference's section 7.3."""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    """Raised by a route to answer with a GitLab error status and body."""

    def __init__(
        self,
        status: int,
        body: Mapping[str, object] | str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def unauthorized() -> ApiError:
    """``unauthorized!``: missing/unknown token, or not allowed to see a resource's tokens."""
    return ApiError(401, {"message": "401 Unauthorized"})


def invalid_token(description: str) -> ApiError:
    """The API guard's answer for an expired or revoked token."""
    header = f'Bearer realm="", error="invalid_token", error_description="{description}"'
    return ApiError(
        401,
        {"error": "invalid_token", "error_description": description},
        {"WWW-Authenticate": header},
    )


def insufficient_scope(scopes: tuple[str, ...]) -> ApiError:
    """A token without any of the scopes the route accepts."""
    description = "The request requires higher privileges than provided by the access token."
    scope = " ".join(scopes)
    header = (
        f'Bearer realm="", error="insufficient_scope", '
        f'error_description="{description}", scope="{scope}"'
    )
    return ApiError(
        403,
        {"error": "insufficient_scope", "error_description": description, "scope": scope},
        {"WWW-Authenticate": header},
    )


def insufficient_granular_scope(description: str) -> ApiError:
    """A fine-grained token refused by ``Authz::Tokens::AuthorizeGranularScopesService``:
    APIGuard turns ``GranularPermissionsError`` into a Bearer 403 like ``insufficient_scope``,
    without a ``scope`` (the shared spec checks ``error`` and ``error_description``)."""
    header = (
        f'Bearer realm="", error="insufficient_granular_scope", error_description="{description}"'
    )
    return ApiError(
        403,
        {"error": "insufficient_granular_scope", "error_description": description},
        {"WWW-Authenticate": header},
    )


def forbidden(reason: str | None = None) -> ApiError:
    """``forbidden!`` with an optional reason."""
    return ApiError(403, {"message": f"403 Forbidden - {reason}" if reason else "403 Forbidden"})


def not_found(resource: str | None = None) -> ApiError:
    """``not_found!(resource)``: ``404 Project Not Found``, or ``404 Not Found``."""
    return ApiError(404, {"message": f"404 {resource} Not Found" if resource else "404 Not Found"})


def record_not_found() -> ApiError:
    """ActiveRecord::RecordNotFound, rescued by the API (note the lower-case "found")."""
    return ApiError(404, {"message": "404 Not found"})


def route_not_found() -> ApiError:
    """The catch-all route for paths and methods the API does not have."""
    return ApiError(404, {"error": "404 Not Found"})


def bad_request(reason: str) -> ApiError:
    """``bad_request!(reason)``."""
    return ApiError(400, {"message": f"400 Bad request - {reason}"})


def param_errors(messages: list[str]) -> ApiError:
    """Grape parameter validation: every message joined with ", "."""
    return ApiError(400, {"error": ", ".join(messages)})


def validation_error(errors: Mapping[str, list[str]]) -> ApiError:
    """``render_validation_error!``: the model's errors by attribute."""
    return ApiError(400, {"message": dict(errors)})


def unprocessable(message: str) -> ApiError:
    """A service error answered with 422 (PAT creation under ``/users``)."""
    return ApiError(422, {"message": message})


def method_not_allowed() -> ApiError:
    """``not_allowed!``: e.g. self-rotation by a token that cannot do it."""
    return ApiError(405, {"message": "405 Method Not Allowed"})
