"""CI/CD variables, signing in as a new token, and the instance's token lifetime limit:
the adapter side of the rotation hand-off (:class:`~gltui.adapters.port.CiVariablesPort`).

A mixin of :class:`~gltui.adapters.gitlab_api.GitLabApi` (which would pass 500 lines
with these), so every call takes the same guarded transport: the instance's URL only,
its deadlines and caps, its request log. Written to GitLab's documents
(``doc/api/project_level_variables.md``, ``group_level_variables.md``):

* ``GET /projects/:id/variables/:key`` and ``GET /groups/:id/variables/:key``, with
  ``filter[environment_scope]`` always in the query: a key held in several scopes
  otherwise answers 409, or (groups) the first row whatever its scope;
* ``PUT`` of the same path with **only** ``value`` (and the filter): GitLab changes just
  the parameters that came, so masked, protected, hidden, raw, variable_type and
  description stay as they are (sending ``masked`` to a hidden variable is even refused:
  "The visibility setting cannot be changed for masked and hidden variables.");
* ``POST /projects/:id/variables`` (or groups) when the user asked for a missing one.

A group ``PUT`` whose filter matches no scope updates the first variable with the key
instead (``group_level_variables.md``; MR 136475), and groups before 16.9 ignore the
filter altogether: callers read the variable with the filter first and check the scope
GitLab answered for (:mod:`gltui.actions.handoff.writers` does).

A variable's value is secret. GitLab returns it to whoever may manage the variables
(masking hides it in job logs, not in the API; a hidden one is ``null``): here it is
compared with the expected value by SHA-256 digest in constant time and dropped, so no
caller, log or message ever holds it. The value sent (the new token) is scrubbed from
every answer and failure.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, cast

from gltui.adapters.endpoints import ci_variable_path
from gltui.adapters.port import VariableRef, VariableState
from gltui.adapters.wire import ApiFailure
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret

if TYPE_CHECKING:
    from gltui.adapters.gitlab_api import GitLabApi


def same_secret(value: object, expected: Secret) -> bool:
    """Whether ``value`` is ``expected``: digests compared in constant time (neither
    the comparison's timing nor a mismatch message says anything about the value)."""
    if not isinstance(value, str):
        return False
    ours = hashlib.sha256(expected.reveal().encode()).digest()
    theirs = hashlib.sha256(value.encode()).digest()
    return hmac.compare_digest(ours, theirs)


def _filter(ref: VariableRef) -> dict[str, str]:
    return {"filter[environment_scope]": ref.environment_scope}


def _state(data: Any, compare_with: Secret | None, what: str) -> VariableState:
    """The answer's settings; its ``value`` compared (when asked) and dropped."""
    if not isinstance(data, dict):
        raise ApiFailure(Failure(FailureKind.BAD_RESPONSE, f"GitLab did not describe {what}"))
    value = data.pop("value", None)
    hidden = data.get("hidden") is True
    matches = None
    if compare_with is not None and not hidden and value is not None:
        matches = same_secret(value, compare_with)
    del value
    description = data.get("description")
    return VariableState(
        environment_scope=str(data.get("environment_scope") or "*"),
        masked=data.get("masked") is True,
        protected=data.get("protected") is True,
        hidden=hidden,
        raw=data.get("raw") is True,
        variable_type=str(data.get("variable_type") or "env_var"),
        description=description if isinstance(description, str) else None,
        matches=matches,
    )


def _words(ref: VariableRef) -> str:
    return f"variable {ref.key} of {ref.owner.value} {ref.path}"


class CiVariablesMixin:
    """:class:`~gltui.adapters.port.CiVariablesPort` over the instance's client."""

    @property
    def _api(self) -> GitLabApi:
        """This mixin as what it always is, its one subclass: so each call here is
        checked against :class:`~gltui.adapters.gitlab_api.GitLabApi`'s own ``get`` and
        ``send``, not against a copy of their signatures (mypy takes no subclass as a
        mixin's ``self`` type)."""
        return cast("GitLabApi", self)

    def ci_variable(self, ref: VariableRef, compare_with: Secret | None = None) -> VariableState:
        """The variable's settings (and whether its value is ``compare_with``)."""
        what = _words(ref)
        reply = self._api.get(
            ci_variable_path(ref.owner, ref.path, ref.key),
            _filter(ref),
            action=f"reading the CI/CD {what}",
            keep="value",  # compared here, then dropped
        )
        return _state(reply.data, compare_with, what)

    def update_ci_variable(self, ref: VariableRef, value: Secret) -> VariableState:
        """Set the value; nothing else is sent, so nothing else changes."""
        what = _words(ref)
        reply = self._api.send(
            "PUT",
            ci_variable_path(ref.owner, ref.path, ref.key),
            {"value": value.reveal()},
            action=f"updating the CI/CD {what}",
            hide=(value.reveal(),),
            query=_filter(ref),
        )
        return _state(reply.data, None, what)

    def create_ci_variable(
        self, ref: VariableRef, value: Secret, *, masked: bool, protected: bool
    ) -> VariableState:
        """A new ``env_var`` variable in the scope (GitLab's defaults for the rest)."""
        what = _words(ref)
        body = {
            "key": ref.key,
            "value": value.reveal(),
            "environment_scope": ref.environment_scope,
            "masked": masked,
            "protected": protected,
            "variable_type": "env_var",
        }
        reply = self._api.send(
            "POST",
            ci_variable_path(ref.owner, ref.path),
            body,
            action=f"creating the CI/CD {what}",
            hide=(value.reveal(),),
        )
        return _state(reply.data, None, what)

    def whoami_by_value(self, value: Secret) -> dict[str, Any]:
        """``GET /user`` signed in with ``value`` (same URL, same guarded transport)."""
        missing = "GET /user did not describe a user"
        return self._api.object_by_value(value, "/user", "signing in with the new token", missing)

    def application_settings(self) -> dict[str, Any]:
        """``GET /application/settings``: the instance's settings (administrators)."""
        data = self._api.get("/application/settings", action="reading the instance's settings").data
        return data if isinstance(data, dict) else {}
