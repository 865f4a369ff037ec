"""Incoming requests and Grape-style parameter parsing.

Grape merges query-string and body parameters, coerces types and reports every
problem at once as ``{"error": "a is missing, b is invalid"}``; :class:`Params`
does the same so that clients see GitLab's wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

from gltui.sandbox.errors import ApiError, param_errors

_TRUE = {"true", "t", "1", "yes", "y", "on"}
_FALSE = {"false", "f", "0", "no", "n", "off"}


def header_of(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup (HTTP header names are)."""
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def credential_of(headers: Mapping[str, str], query: Iterable[tuple[str, str]]) -> str | None:
    """The token from ``PRIVATE-TOKEN``, ``Authorization: Bearer`` or ``private_token=``
    (or ``access_token=``): every place GitLab accepts one."""
    header = header_of(headers, "PRIVATE-TOKEN")
    if header:
        return header.strip()
    scheme, _, value = (header_of(headers, "Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    for key, value in query:
        if key in ("private_token", "access_token") and value:
            return value
    return None


@dataclass
class Request:
    """One API call, already split into decoded path segments and parameters."""

    method: str
    segments: list[str]
    query: list[tuple[str, str]]
    body: dict[str, Any]
    headers: Mapping[str, str]
    base_url: str
    client_ip: str = "127.0.0.1"
    route_params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return header_of(self.headers, name)

    def merged(self) -> dict[str, Any]:
        """Query and body parameters merged (body wins), ``key[]`` folded into lists."""
        params: dict[str, Any] = {}
        for key, value in self.query:
            if key.endswith("[]"):
                params.setdefault(key[:-2], [])
                if isinstance(params[key[:-2]], list):
                    params[key[:-2]].append(value)
            else:
                params[key] = value
        params.update(self.body)
        return params


def parse_body(content_type: str | None, raw: bytes) -> dict[str, Any]:
    """Decode a JSON or form body; anything unparseable is GitLab's 400."""
    if not raw:
        return {}
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, {"error": "400 Bad Request"}) from None
        if not isinstance(data, dict):
            raise ApiError(400, {"error": "400 Bad Request"})
        return data
    if kind in ("application/x-www-form-urlencoded", ""):
        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
        except UnicodeDecodeError:
            raise ApiError(400, {"error": "400 Bad Request"}) from None
        body: dict[str, Any] = {}
        for key, value in pairs:
            if key.endswith("[]"):
                body.setdefault(key[:-2], []).append(value)
            else:
                body[key] = value
        return body
    raise ApiError(415, {"message": "415 Unsupported Media Type"})


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Params:
    """Collect typed parameters and their validation errors, Grape style."""

    def __init__(self, request: Request) -> None:
        self._raw = request.merged()
        self.errors: list[str] = []

    def present(self, name: str) -> bool:
        """Whether the client sent ``name`` at all."""
        return name in self._raw

    def raw(self, name: str) -> Any:
        """The value as sent (``None`` if absent)."""
        return self._raw.get(name)

    def _missing(self, name: str, required: bool) -> bool:
        if name in self._raw and self._raw[name] is not None:
            return False
        if required:
            self.errors.append(f"{name} is missing")
        return True

    def string(self, name: str, *, required: bool = False) -> str | None:
        """A string parameter."""
        if self._missing(name, required):
            return None
        value = self._raw[name]
        if isinstance(value, list | dict):
            self.errors.append(f"{name} is invalid")
            return None
        text = str(value)
        if required and text == "":
            self.errors.append(f"{name} is empty")
        return text

    def integer(self, name: str, *, required: bool = False) -> int | None:
        """An integer (``"7"`` and ``7`` both work; ``"7a"`` is invalid)."""
        if self._missing(name, required):
            return None
        value = self._raw[name]
        if isinstance(value, bool):
            self.errors.append(f"{name} is invalid")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        self.errors.append(f"{name} is invalid")
        return None

    def boolean(self, name: str) -> bool | None:
        """A boolean (``true``, ``True``, ``1``, ``false``...)."""
        if self._missing(name, False):
            return None
        value = self._raw[name]
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.errors.append(f"{name} is invalid")
        return None

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A ``YYYY-MM-DD`` date (a datetime's date part is accepted too, as Grape does)."""
        if self._missing(name, required):
            return None
        value = self._raw[name]
        text = str(value).strip()
        try:
            if _DATE.match(text):
                return date.fromisoformat(text)
            return _parse_datetime(text).date()
        except ValueError:
            self.errors.append(f"{name} is invalid")
            return None

    def instant(self, name: str) -> datetime | None:
        """An ISO 8601 datetime (a bare date means its 00:00 UTC)."""
        if self._missing(name, False):
            return None
        try:
            return _parse_datetime(str(self._raw[name]).strip())
        except ValueError:
            self.errors.append(f"{name} is invalid")
            return None

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        """A value from a fixed list (``... does not have a valid value`` otherwise)."""
        value = self.string(name)
        if value is not None and value not in set(allowed):
            self.errors.append(f"{name} does not have a valid value")
            return None
        return value

    def string_list(self, name: str, *, required: bool = False) -> list[str] | None:
        """An array, or a comma-separated string (GitLab's ``CommaSeparatedToArray``)."""
        if self._missing(name, required):
            return None
        value = self._raw[name]
        if isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            items = [v.strip() for v in value if v.strip()]
        else:
            self.errors.append(f"{name} is invalid")
            return None
        if required and not items:
            self.errors.append(f"{name} is empty")
        return items

    def check(self) -> None:
        """Raise the collected errors as one 400, as Grape does."""
        if self.errors:
            raise param_errors(self.errors)


def _parse_datetime(text: str) -> datetime:
    if _DATE.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
