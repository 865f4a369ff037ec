"""Light types shared by the adapter and the inventory, free of heavy imports.

python-gitlab (and requests) cost ~50 ms to import; the dashboard should not pay
that before its first paint, so modules that only need these types import them
from here and the client itself is imported when a refresh starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gltui.domain.failures import Failure, FailureKind

NO_SUCH_ROUTE = "GitLab has no such route"
"""How a 404 from GitLab's catch-all route (``{"error":"404 Not Found"}``: an endpoint
this version does not have) ends, unlike a missing project or user
(``{"message":"404 ... Not Found"}``): capability detection reads it."""


def is_missing_route(failure: Failure) -> bool:
    """A 404 saying the endpoint does not exist here (yet), not that a thing is missing."""
    return failure.kind is FailureKind.NOT_FOUND and failure.message.endswith(NO_SUCH_ROUTE)


class ApiFailure(Exception):
    """Raised by the adapter; carries a safe, actionable :class:`Failure`."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass(frozen=True)
class Reply:
    """A decoded JSON answer with the headers that matter for paging."""

    data: Any
    headers: Mapping[str, str]

    def header_int(self, name: str) -> int | None:
        """An integer header, or ``None`` when absent, empty (GitLab sends "") or odd."""
        return digits(self.headers.get(name, ""))


HEADER_DIGITS = 18
"""An integer header longer than this is not a count GitLab could mean."""


def digits(value: object) -> int | None:
    """``"42"`` -> 42; ``None`` for anything else: empty, signs, superscripts like
    ``"²"`` (``str.isdigit`` accepts them and ``int`` refuses), absurd lengths."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > HEADER_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
