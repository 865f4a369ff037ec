"""Light types shared by the adapter and the inventory, free of heavy imports.

python-gitlab (and requests) cost ~50 ms to import; the dashboard should not pay
that before its first paint, so modules that only need these types import them
from here and the client itself is imported when a refresh starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gltui.domain.failures import Failure


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
        """An integer header, or ``None`` when absent or empty (GitLab sends "")."""
        value = self.headers.get(name, "")
        return int(value) if value.strip().isdigit() else None
