"""What the hand-off tests share: a client of the sandbox, a variable's value as GitLab
holds it (read with python-gitlab, as another client would), a fake keyring, and
scratch store commands."""

from __future__ import annotations

import shlex
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from gltui.adapters.gitlab_api import GitLabApi
from gltui.domain.secret import Secret
from gltui.inventory.connect import api_for
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from tests.conftest import client

NEW_VALUE = "glpat-handoffNEWvalue0123456789"
"""A value shaped like a token: what a hand-off would write."""


def spec_of(sandbox: RunningSandbox, persona: str = "maintainer") -> InstanceSpec:
    return InstanceSpec("work", sandbox.url, Secret(getattr(sandbox.credentials, persona)))


def api(sandbox: RunningSandbox, persona: str = "maintainer") -> GitLabApi:
    return api_for(spec_of(sandbox, persona))


def variable(
    sandbox: RunningSandbox, path: str, key: str, scope: str = "*", *, group: bool = False
) -> dict[str, Any]:
    """The variable as GitLab answers an administrator (through python-gitlab)."""
    gl = client(sandbox, "admin")
    owner = gl.groups.get(path) if group else gl.projects.get(path)
    found = owner.variables.get(key, filter={"environment_scope": scope})
    return dict(found.attributes)


def token_value(sandbox: RunningSandbox, path: str, key: str, scope: str = "*") -> str:
    """A seeded variable that holds a real token's value: that value."""
    value = variable(sandbox, path, key, scope)["value"]
    assert isinstance(value, str)
    return value


class KeyringError(Exception):
    """The fake keyring's refusal."""


class FakeKeyring:
    """The ``keyring`` package's two calls, in memory; ``drops`` loses every write."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], str] = {}
        self.drops = False
        self.refuses = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.refuses:
            raise KeyringError("locked")
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, value: str) -> None:
        if self.refuses:
            raise KeyringError("locked")
        if not self.drops:
            self.stored[(service, username)] = value


@pytest.fixture
def fake_keyring(monkeypatch: pytest.MonkeyPatch) -> FakeKeyring:
    """A ``keyring`` module (and ``keyring.errors``) that the hand-off imports."""
    fake = FakeKeyring()
    module = types.ModuleType("keyring")
    module.get_password = fake.get_password  # type: ignore[attr-defined]
    module.set_password = fake.set_password  # type: ignore[attr-defined]
    errors = types.ModuleType("keyring.errors")
    errors.KeyringError = KeyringError  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    return fake


def store_into(path: Path) -> list[str]:
    """A store command that writes its stdin to ``path`` (no shell for gltui: ``sh`` is
    the command, as ``pass`` would be)."""
    return ["sh", "-c", f"cat > {shlex.quote(str(path))}"]


def read_from(path: Path) -> list[str]:
    return ["cat", str(path)]


def fake_keyring_package(directory: Path, store: Path) -> Path:
    """A ``keyring`` package on disk for gltui subprocesses (``PYTHONPATH``): it keeps
    entries in the JSON file ``store``."""
    package = directory / "keyring"
    package.mkdir(parents=True)
    (package / "errors.py").write_text("class KeyringError(Exception):\n    pass\n")
    (package / "__init__.py").write_text(
        "import json, pathlib\n"
        f"_STORE = pathlib.Path({str(store)!r})\n"
        "def _load():\n"
        "    return json.loads(_STORE.read_text()) if _STORE.exists() else {}\n"
        "def get_password(service, username):\n"
        "    return _load().get(f'{service}/{username}')\n"
        "def set_password(service, username, value):\n"
        "    data = _load()\n"
        "    data[f'{service}/{username}'] = value\n"
        "    _STORE.write_text(json.dumps(data))\n"
    )
    return directory
