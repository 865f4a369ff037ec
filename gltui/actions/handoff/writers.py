"""Each target kind's three steps: prepare (before anything changes), write, verify.

*Prepare* runs before GitLab is asked to rotate or create anything, so a target that
cannot take the value (a missing variable, a role too low to manage variables, a
command that is not installed, no keyring package, no glab entry for this host) stops
the hand-off while the old token still serves everything: for a rotation, where GitLab
revokes the old token at once, this is the only safe moment (spillkit "checks the
store first"). *Write* hands over the value; *verify* proves it arrived: a CI variable
reads back equal (compared by digest inside the adapter, never displayed) with its
settings unchanged, a store command's ``read_back`` prints it back, the keyring and
the local files return it. What cannot be read back says so ("written, not
verifiable (hidden)") instead of pretending.

No message here holds a value: GitLab's words come scrubbed from the adapter, a
command's stderr is quoted through :func:`~gltui.actions.handoff.store_command.last_words`
(scrubbed of the value and anything token-shaped), and the rest is gltui's own words.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlsplit

from gltui.actions.handoff.local_configs import (
    Entry,
    LocalConfigError,
    find_entry,
    read_back,
    write_entry,
)
from gltui.actions.handoff.store_command import (
    StoreCommandError,
    last_words,
    run_store_command,
)
from gltui.adapters.port import CiVariablesPort, GitLabPort, VariableRef, VariableState
from gltui.adapters.variables_api import same_secret
from gltui.adapters.wire import ApiFailure
from gltui.bounded_process import Finished
from gltui.domain.failures import FailureKind
from gltui.domain.handoff import (
    CiVariableTarget,
    CommandTarget,
    GlabTarget,
    KeyringTarget,
    PythonGitlabTarget,
    Target,
)
from gltui.domain.secret import Secret
from gltui.domain.stored_tokens import parse_python_gitlab
from gltui.domain.tokens import ResourceType, Token

KEYRING_MISSING = "the keyring target needs the keyring package: pip install 'gltui[keyring]'"
_ROLE = {ResourceType.PROJECT: "Maintainer", ResourceType.GROUP: "Owner"}
_SETTINGS = ("masked", "protected", "hidden", "raw", "variable_type", "description")


class HandoffPort(GitLabPort, CiVariablesPort, Protocol):
    """The instance's API as the hand-off uses it."""


class TargetFailed(Exception):
    """A target could not be prepared or written; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Check:
    """A verification: ``True`` proven, ``False`` disproven, ``None`` not verifiable."""

    verified: bool | None
    note: str


def _load_keyring() -> ModuleType:
    try:
        return importlib.import_module("keyring")  # the optional extra
    except ImportError:
        raise TargetFailed(KEYRING_MISSING) from None


def _keyring_errors() -> tuple[type[BaseException], ...]:
    """What the keyring raises when it refuses (``KeyringError``; anything, without it)."""
    try:
        errors = importlib.import_module("keyring.errors")
    except ImportError:
        return (Exception,)
    found = getattr(errors, "KeyringError", None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return (found,)
    return (Exception,)


def _runnable(argv: tuple[str, ...]) -> bool:
    program = argv[0]
    if os.sep in program:
        return os.access(program, os.X_OK) and Path(program).is_file()
    return shutil.which(program) is not None


def _variable_ref(target: CiVariableTarget) -> VariableRef:
    return VariableRef(target.owner, target.path, target.key, target.environment_scope)


def _settings_of(state: VariableState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in _SETTINGS}


def _said(kind: str, settings: Mapping[str, Any]) -> str:
    flags = [name for name in ("masked", "protected", "hidden", "raw") if settings.get(name)]
    if settings.get("variable_type") == "file":
        flags.append("file")
    return f"{kind} ({', '.join(flags)})" if flags else kind


@dataclass
class Writers:
    """The writes of one hand-off on one instance (state between the steps is kept
    per target: what a variable looked like before, the local entry found)."""

    port: HandoffPort
    old: Token
    """The token being rotated or replaced (a local file must hold this one)."""
    instance_url: str
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    """Where glab's and python-gitlab's files are (it may hold tokens: never in a repr)."""
    home: Path = field(default_factory=Path.home)
    load_keyring: Callable[[], ModuleType] = field(default=_load_keyring, repr=False)
    _before: dict[Target, VariableState | None] = field(default_factory=dict, repr=False)
    _entries: dict[Target, Entry] = field(default_factory=dict, repr=False)

    # --- prepare ------------------------------------------------------------------
    def prepare(self, target: Target) -> str:
        """Check that ``target`` can take the value; a note, or :class:`TargetFailed`."""
        if isinstance(target, CiVariableTarget):
            return self._prepare_variable(target)
        if isinstance(target, CommandTarget):
            for argv in (target.argv, target.read_back):
                if argv is not None and not _runnable(argv):
                    raise TargetFailed(f"command {argv[0]!r} was not found")
            return "ready"
        if isinstance(target, KeyringTarget):
            module = self.load_keyring()
            try:
                module.get_password(target.service, target.username)
            except _keyring_errors() as error:
                raise TargetFailed(f"the keyring refused: {type(error).__name__}") from None
            return "ready"
        return self._prepare_local(target)

    def _prepare_variable(self, target: CiVariableTarget) -> str:
        ref = _variable_ref(target)
        place = f"{target.owner.value} {target.path}"
        try:
            state = self.port.ci_variable(ref)
        except ApiFailure as error:
            failure = error.failure
            if failure.kind is FailureKind.NOT_FOUND and failure.message.endswith(
                "Variable Not Found"
            ):
                if target.create:
                    self._before[target] = None
                    return "missing: gltui creates it"
                raise TargetFailed(
                    f"{place} has no variable {target.key} in scope "
                    f"{target.environment_scope}; gltui creates one only when asked "
                    "(create = true, or --create-missing)"
                ) from None
            if failure.kind is FailureKind.NOT_FOUND:
                raise TargetFailed(f"no {place} that you can see") from None
            if failure.kind is FailureKind.FORBIDDEN:
                raise TargetFailed(
                    f"you may not manage the CI/CD variables of {place}: that needs the "
                    f"{_ROLE[target.owner]} role"
                ) from None
            raise TargetFailed(f"{failure.message}. {failure.advice}") from None
        if state.environment_scope != target.environment_scope:
            raise TargetFailed(
                f"GitLab answered for scope {state.environment_scope!r} when asked for "
                f"{target.environment_scope!r} (group variables before GitLab 16.9 ignore "
                "the scope filter): an update would change the wrong variable"
            )
        self._before[target] = state
        return _said("exists", _settings_of(state))

    def _prepare_local(self, target: GlabTarget | PythonGitlabTarget) -> str:
        try:
            entry = find_entry(target, self.environ, self.home)
        except LocalConfigError as error:
            raise TargetFailed(error.message) from None
        ours = (urlsplit(self.instance_url).hostname or "").lower()
        theirs = self._host_of(target, entry)
        if theirs is not None and theirs.lower() != ours:
            raise TargetFailed(f"{entry.shown} names {theirs} there, not this instance ({ours})")
        owner = self._identify(entry.value)
        if owner is not None and owner != self.old.id:
            raise TargetFailed(
                f"{entry.shown} holds another token (#{owner}), not #{self.old.id}: not overwritten"
            )
        self._entries[target] = entry
        return f"found in {entry.shown}"

    def _host_of(self, target: GlabTarget | PythonGitlabTarget, entry: Entry) -> str | None:
        if isinstance(target, GlabTarget):
            return target.host.split(":")[0]
        mark = f"([{target.section}] private_token)"
        text = entry.data.decode("utf-8")
        rows = [row for row in parse_python_gitlab(text) if row.where.endswith(mark)]
        return rows[0].host if rows else None

    def _identify(self, value: Secret) -> int | None:
        """Which token of this instance ``value`` is (``None``: none that signs in)."""
        try:
            data = self.port.describe_by_value(value)
        except ApiFailure:
            return None
        found = data.get("id")
        return found if isinstance(found, int) else None

    # --- write --------------------------------------------------------------------
    def write(self, target: Target, value: Secret) -> str:
        """Hand ``value`` to ``target``; a note, or :class:`TargetFailed`."""
        if isinstance(target, CiVariableTarget):
            ref = _variable_ref(target)
            try:
                if self._before.get(target) is None:
                    self.port.create_ci_variable(
                        ref, value, masked=target.masked, protected=target.protected
                    )
                    return "created"
                self.port.update_ci_variable(ref, value)
            except ApiFailure as error:
                raise TargetFailed(error.failure.message) from None
            return "updated"
        if isinstance(target, CommandTarget):
            data = value.reveal() + ("\n" if target.newline else "")
            ran = self._run(target.argv, data.encode(), target.timeout)
            if ran.returncode != 0:
                said = last_words(ran.stderr, (value.reveal(),))
                raise TargetFailed(
                    f"command {target.argv[0]!r} exited with code {ran.returncode}"
                    + (f": {said}" if said else "")
                )
            return "stored"
        if isinstance(target, KeyringTarget):
            module = self.load_keyring()
            try:
                module.set_password(target.service, target.username, value.reveal())
            except _keyring_errors() as error:
                raise TargetFailed(f"the keyring refused: {type(error).__name__}") from None
            return "stored"
        entry = self._entries.get(target)
        if entry is None:
            raise TargetFailed("not prepared")
        try:
            write_entry(entry, value)
        except LocalConfigError as error:
            raise TargetFailed(error.message) from None
        return f"written to {entry.shown}"

    def _run(self, argv: tuple[str, ...], data: bytes, timeout: float) -> Finished:
        try:
            return run_store_command(argv, data, timeout)
        except StoreCommandError as error:  # gltui's words: the name, the bound
            raise TargetFailed(error.message) from None

    # --- verify -------------------------------------------------------------------
    def verify(self, target: Target, value: Secret) -> Check:
        """Whether ``target`` now holds ``value`` (never displaying either)."""
        if isinstance(target, CiVariableTarget):
            return self._verify_variable(target, value)
        if isinstance(target, CommandTarget):
            if target.read_back is None:
                return Check(None, "written, not verifiable (no read_back command)")
            try:
                ran = self._run(target.read_back, b"", target.timeout)
            except TargetFailed as error:
                return Check(False, f"read_back: {error.message}")
            if ran.returncode != 0:
                return Check(False, f"read_back exited with code {ran.returncode}")
            lines = ran.stdout.decode("utf-8", "replace").strip().splitlines()
            held = lines[0].strip() if lines else ""
            return _compared(same_secret(held, value), "read_back")
        if isinstance(target, KeyringTarget):
            module = self.load_keyring()
            try:
                held = module.get_password(target.service, target.username)
            except _keyring_errors() as error:
                return Check(False, f"the keyring refused the read-back: {type(error).__name__}")
            return _compared(same_secret(held, value), "the keyring")
        try:
            stored = read_back(target, self.environ, self.home)
        except LocalConfigError as error:
            return Check(False, error.message)
        if stored is None:
            return Check(False, "the entry is gone from the file")
        return _compared(same_secret(stored.reveal(), value), "the file")

    def _verify_variable(self, target: CiVariableTarget, value: Secret) -> Check:
        try:
            state = self.port.ci_variable(_variable_ref(target), compare_with=value)
        except ApiFailure as error:
            return Check(False, f"cannot read it back: {error.failure.message}")
        if state.environment_scope != target.environment_scope:
            return Check(False, f"GitLab answered for scope {state.environment_scope!r}")
        before = self._before.get(target)
        if before is not None:
            changed = [
                name
                for name, setting in _settings_of(before).items()
                if getattr(state, name) != setting
            ]
            if changed:
                return Check(False, f"its settings changed: {', '.join(changed)}")
        if state.hidden:
            return Check(None, "written, not verifiable (hidden)")
        if state.matches is None:
            return Check(None, "written, not verifiable (GitLab did not show the value)")
        return _compared(state.matches, "GitLab")


def _compared(same: bool, source: str) -> Check:
    if same:
        return Check(True, "reads back equal")
    return Check(False, f"{source} reads back a different value (changed meanwhile?)")
