"""Read and validate ``config.toml`` (tomllib), naming the file and field of every problem.

An absent file is an empty configuration; ``GITLAB_URL``/``GITLAB_TOKEN`` add an
instance on top of whatever the file says (glab's and python-gitlab's convention).
The file is read with a bound (:mod:`gltui.config.files`), and every number is
checked against its range in :data:`NUMERIC_BOUNDS`, so a typo such as
``expiring_window_days = 99999999999`` is one line naming the key, not a traceback
from deep inside a date computation.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import platformdirs

from gltui.config.files import read_config_bytes
from gltui.config.handoffs import parse_handoffs
from gltui.config.model import (
    DEFAULT_ROTATION_DAYS,
    DEFAULT_STALE_AFTER_DAYS,
    MAX_ROTATION_DAYS,
    Config,
    ConfigError,
    InstanceConfig,
    Settings,
    TokenSource,
)
from gltui.domain.defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_KINDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    DEFAULT_WALK_SECONDS,
)
from gltui.domain.errors import ValidationError
from gltui.domain.secret import Secret
from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
from gltui.domain.templates import DEFAULT_MAX_LIFETIME_DAYS, template_from_config
from gltui.domain.tokens import TokenKind
from gltui.paths import APP_NAME


@dataclass(frozen=True)
class Bound:
    """The allowed range of a numeric key, both ends included."""

    low: float
    high: float
    unit: str
    whole: bool = True
    """Only integers (days, counts); otherwise any finite number (seconds)."""

    def describe(self) -> str:
        """``a whole number from 1 to 3650 (days)``, for the error message."""
        what = "a whole number" if self.whole else "a number"
        return f"{what} from {_number(self.low)} to {_number(self.high)} ({self.unit})"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


NUMERIC_BOUNDS: dict[str, Bound] = {
    "settings.expiring_window_days": Bound(1, 3650, "days"),
    "settings.stale_after_days": Bound(1, 36500, "days"),
    "settings.rotation_days": Bound(1, MAX_ROTATION_DAYS, "days"),
    "instances.timeout": Bound(0.1, 600, "seconds", whole=False),
    "instances.concurrency": Bound(1, 64, "requests in flight"),
    "instances.walk_timeout": Bound(5, 86400, "seconds", whole=False),
    "instances.rate_limit_wait_max": Bound(0, 3600, "seconds", whole=False),
    "templates.lifetime_days": Bound(1, 3650, "days"),
}
"""Every numeric key, as ``<table>.<key>``, and its range: one line per key. The ends
are generous for what each key means (ten years of expiring window, a hundred years
before "stale", ten minutes per request, 64 requests in flight per instance), and far
inside what the code downstream can compute with (``timedelta`` overflows near
a billion days, every thread costs memory), so any value the file can hold either
works or is refused here, by name."""

Number = TypeVar("Number", int, float)

_TOP_KEYS = ("settings", "instances", "templates", "handoffs")
_SETTINGS_KEYS = ("expiring_window_days", "stale_after_days", "theme", "keys", "rotation_days")
_INSTANCE_KEYS = (
    "name",
    "url",
    "token_env",
    "token_command",
    "token_keyring",
    "token",
    "ssl_verify",
    "timeout",
    "walk_timeout",
    "rate_limit_wait_max",
    "concurrency",
    "readonly",
    "colour",
    "kinds",
    "groups",
    "projects",
)


def config_path(override: str | None, environ: Mapping[str, str]) -> Path:
    """``--config``, else ``GLTUI_CONFIG``, else platformdirs' ``gltui/config.toml``."""
    if override:
        return Path(override).expanduser()
    if environ.get("GLTUI_CONFIG"):
        return Path(environ["GLTUI_CONFIG"]).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


class _Table:
    """One TOML table being validated; errors name ``where`` and the key. ``kind`` is
    the table's name in :data:`NUMERIC_BOUNDS` (``instances`` for every instance)."""

    def __init__(self, path: Path, where: str, data: object, kind: str = "") -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, where, "must be a table")
        self.path, self.where, self.data = path, where, data
        self.kind = kind or where

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, self._field(key), message)

    def only(self, known: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; known keys: {', '.join(known)}"
                )
                raise self.error(key, f"unknown key{hint}")

    def get(self, key: str, kind: type | tuple[type, ...], what: str, default: Any = None) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.error(key, f"must be {what}")
        if not isinstance(value, kind):
            raise self.error(key, f"must be {what}")
        return value

    def required_string(self, key: str) -> str:
        value = self.get(key, str, "a string")
        if value is None or not value.strip():
            raise self.error(key, "is required")
        return str(value).strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, list, "a list of strings", [])
        if not all(isinstance(item, str) and item for item in value):
            raise self.error(key, "must be a list of non-empty strings")
        return tuple(value)

    def number(self, key: str, default: Number) -> Number:
        """A numeric key within its :data:`NUMERIC_BOUNDS` range (NaN and infinities
        fail the comparison, so they are refused too), as the default's type."""
        bound = NUMERIC_BOUNDS[f"{self.kind}.{key}"]
        if key not in self.data:
            return default
        value = self.data[key]
        kinds = (int,) if bound.whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            raise self.error(key, f"must be {bound.describe()}")
        if not bound.low <= value <= bound.high:
            raise self.error(key, f"must be {bound.describe()}")
        return type(default)(value)


_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def _colour(table: _Table) -> str | None:
    """The instance's colour on the dashboard: ``#rgb`` or ``#rrggbb`` (a name the terminal
    library does not know would fail far from the file, when the dashboard draws)."""
    colour: str | None = table.get("colour", str, "a colour such as '#5fafff'")
    if colour is not None and not _HEX_COLOUR.fullmatch(colour):
        raise table.error("colour", f"{colour!r} is not a colour such as '#5fafff' or '#f80'")
    return colour


def _url(table: _Table) -> str:
    url = table.required_string("url").rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise table.error("url", f"{url!r} is not an http(s) URL, e.g. https://gitlab.example.com")
    if parts.path.rstrip("/").endswith("/api/v4"):
        raise table.error("url", "give the instance's address, without /api/v4")
    return url


def _token_source(table: _Table) -> TokenSource:
    sources = ("token_env", "token_command", "token_keyring", "token")
    given = [key for key in sources if key in table.data]
    if not given:
        raise table.error(
            "token_env",
            "say where the token comes from: token_env, token_command, token_keyring or token",
        )
    if len(given) > 1:
        raise table.error(given[1], f"choose one token source, not {' and '.join(given)}")
    if given[0] == "token_env":
        return TokenSource(env=table.required_string("token_env"))
    if given[0] == "token_command":
        command = table.strings("token_command")
        if not command:
            raise table.error(
                "token_command", "must name a command, e.g. ['pass', 'show', 'gitlab']"
            )
        return TokenSource(command=command)
    if given[0] == "token_keyring":
        entry = table.strings("token_keyring")
        if len(entry) != 2:
            raise table.error(
                "token_keyring", "must be [service, username], e.g. ['gitlab', 'work']"
            )
        return TokenSource(keyring=(entry[0], entry[1]))
    return TokenSource(inline=Secret(table.required_string("token")))


def _kinds(table: _Table) -> frozenset[TokenKind]:
    if "kinds" not in table.data:
        return DEFAULT_KINDS
    kinds = set()
    for text in table.strings("kinds"):
        try:
            kinds.add(TokenKind(text))
        except ValueError:
            valid = ", ".join(kind.value for kind in TokenKind)
            raise table.error("kinds", f"unknown kind {text!r}; use {valid}") from None
    return frozenset(kinds)


def _instance(path: Path, index: int, data: object) -> InstanceConfig:
    table = _Table(path, f"instances[{index}]", data, kind="instances")
    table.only(_INSTANCE_KEYS)
    name = table.required_string("name")
    table.where = f"instances[{index}] ({name})"
    ssl_verify = table.get("ssl_verify", (bool, str), "true, false or a CA bundle path", True)
    if isinstance(ssl_verify, str) and not Path(ssl_verify).expanduser().is_file():
        raise table.error("ssl_verify", f"CA bundle {ssl_verify!r} does not exist")
    return InstanceConfig(
        name=name,
        url=_url(table),
        token=_token_source(table),
        ssl_verify=str(Path(ssl_verify).expanduser())
        if isinstance(ssl_verify, str)
        else ssl_verify,
        timeout=table.number("timeout", DEFAULT_TIMEOUT_SECONDS),
        concurrency=table.number("concurrency", DEFAULT_CONCURRENCY),
        walk_timeout=table.number("walk_timeout", DEFAULT_WALK_SECONDS),
        rate_limit_wait_max=table.number("rate_limit_wait_max", DEFAULT_MAX_WAIT_SECONDS),
        readonly=table.get("readonly", bool, "true or false", False),
        colour=_colour(table),
        kinds=_kinds(table),
        groups=table.strings("groups"),
        projects=table.strings("projects"),
    )


def parse_instance(path: Path, table: Mapping[str, object]) -> InstanceConfig:
    """Validate one instance table exactly as the file's would be (forms use this)."""
    return _instance(path, 0, dict(table))


def _settings(path: Path, data: object) -> Settings:
    table = _Table(path, "settings", data)
    table.only(_SETTINGS_KEYS)
    keys = _Table(path, "settings.keys", table.data.get("keys", {}))
    for action, value in keys.data.items():
        if not isinstance(value, str) or not value:
            raise keys.error(action, "must be a key such as 'f5' or 'ctrl+r'")
    return Settings(
        expiring_window_days=table.number("expiring_window_days", DEFAULT_EXPIRING_WINDOW_DAYS),
        stale_after_days=table.number("stale_after_days", DEFAULT_STALE_AFTER_DAYS),
        theme=table.get("theme", str, "a theme name"),
        keys=tuple(sorted(keys.data.items())),
        rotation_days=table.number("rotation_days", DEFAULT_ROTATION_DAYS),
    )


def _environment_instance(environ: Mapping[str, str], names: set[str]) -> InstanceConfig | None:
    url = environ.get("GITLAB_URL", "").strip().rstrip("/")
    token = environ.get("GITLAB_TOKEN", "").strip()
    if not url and not token:
        return None
    where = Path("environment")
    if not url or not token:
        missing = "GITLAB_URL" if not url else "GITLAB_TOKEN"
        raise ConfigError(where, missing, "is not set; set both GITLAB_URL and GITLAB_TOKEN")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(where, "GITLAB_URL", f"{url!r} is not an http(s) URL")
    name = parts.hostname
    if name in names:
        name = f"{name} (environment)"
    return InstanceConfig(name=name, url=url, token=TokenSource(env="GITLAB_TOKEN"))


def _readable_by_others(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def load_config(path: Path, environ: Mapping[str, str] = os.environ) -> Config:
    """Read, validate and return the configuration; raises :class:`ConfigError`."""
    data: dict[str, Any] = {}
    raw = read_config_bytes(path)
    if raw is not None:
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ConfigError(path, "", f"is not UTF-8 (byte {error.start})") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(path, "", f"not valid TOML: {error}") from None
    top = _Table(path, "", data)
    top.only(_TOP_KEYS)
    settings = _settings(path, data.get("settings", {}))
    raw_instances = data.get("instances", [])
    if not isinstance(raw_instances, list):
        raise ConfigError(path, "instances", "must be an array of tables: [[instances]]")
    instances = [_instance(path, i, item) for i, item in enumerate(raw_instances)]
    names = [instance.name for instance in instances]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(path, "instances", f"two instances are named {name!r}")
    from_environment = _environment_instance(environ, set(names))
    if from_environment is not None and all(i.url != from_environment.url for i in instances):
        instances.append(from_environment)
    templates_table = _Table(path, "templates", data.get("templates", {}))
    templates = []
    for template_id, body in templates_table.data.items():
        template = _Table(path, f"templates.{template_id}", body, kind="templates")
        template.number("lifetime_days", DEFAULT_MAX_LIFETIME_DAYS)
        try:
            templates.append(template_from_config(template_id, template.data))
        except ValidationError as error:
            raise ConfigError(path, error.field, error.message) from None
    handoffs, warnings = parse_handoffs(path, data.get("handoffs", []), [i.name for i in instances])
    if any(i.token.inline is not None for i in instances) and _readable_by_others(path):
        warnings.append(
            f"{path} holds an inline token and others can read it: run chmod 600 {path} "
            "(or use token_env / token_command)"
        )
    return Config(path, settings, tuple(instances), tuple(templates), tuple(warnings), handoffs)
