"""Seeded CI/CD variables, some holding the real value of a seeded token.

A client that scans the variables of the projects and groups it manages can learn which
token a variable holds by sending the value to ``/personal_access_tokens/self`` (the value
itself is never displayed). For that, the variables below hold real values: the store
keeps digests only, so the seed gives each chosen token a fresh value
(:meth:`~gltui.sandbox.store.Store.reissue_secret`) and stores that value in the
variable. No token's value was ever handed out before this, so nothing else changes: ids,
names, dates and the personas' credentials stay as they were.

What is here, on purpose (Mara, the ``maintainer`` persona, owns ``acme`` and so its
subgroup ``acme/backend`` and their projects; she only maintains ``platform``; Dev, the
``developer`` persona, is a Developer everywhere):

- ``acme/backend/worker``: ``RENOVATE_TOKEN`` (protected, masked) holds Mara's active
  ``renovate`` personal token (the successor of a rotation); ``QUEUE_ADMIN_TOKEN``
  (protected, masked) the project's active ``queue admin`` access token;
- ``acme/website``: ``DEPLOY_BOT_TOKEN`` (masked and hidden from 17.4, so its value is
  never shown; masked before) holds the active ``deploy bot`` token; ``RELEASE_BOT_TOKEN``
  holds the revoked ``old release bot``; ``SITE_URL`` (plain) and ``KUBECONFIG`` (a
  ``file`` variable, raw, in the ``production`` scope) hold no token;
- ``acme/backend/api``: ``JIRA_TOKEN`` in two scopes: ``production`` holds the active
  ``jira`` token, ``staging`` a ``glpat-`` value that is no token (a stale copy);
  ``SONAR_TOKEN`` (masked, raw) holds the expired ``sonar`` token;
- ``platform/infra``: ``TF_HTTP_PASSWORD`` (protected, masked, ``production``) holds the
  never-used ``terraform`` token;
- ``opensource/gltui-demo``: ``DEMO_CI_TOKEN`` (Dev may not read it: Developer);
- groups: ``acme`` ``GROUP_CI_TOKEN`` (protected, masked) and ``NPM_REGISTRY_URL``;
  ``acme/backend`` ``RELEASE_TOKEN`` (masked, ``release/*``); ``platform``
  ``AUDIT_TOKEN`` (Mara may not read it: Maintainer of that group, not Owner).

The generated ``--scale`` projects get no variables (seeding time stays as it was). The
same seed gives the same variables; the token values, like every token value, are new
each run.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from gltui.sandbox import variables as model
from gltui.sandbox.profiles import CURRENT_VERSION, VersionProfile
from gltui.sandbox.store import PAT_PREFIX, Store
from gltui.sandbox.variables import CiVariable

_URLSAFE = string.ascii_letters + string.digits + "-_"


@dataclass(frozen=True)
class _Spec:
    """One seeded variable; ``token`` names the token whose value it holds, if any."""

    owner: tuple[str, str]
    """(``"project"`` | ``"group"``, full path)."""
    key: str
    token: tuple[str, str] | None = None
    """(resource path or ``"user:<username>"``, token name)."""
    value: str | None = None
    variable_type: str = "env_var"
    protected: bool = False
    masked: bool = False
    hidden: bool = False
    raw: bool = False
    environment_scope: str = "*"
    description: str | None = None


_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters:\n- name: production\n"
_STALE = "stale"
"""Marks the one value that looks like a token but belongs to none."""

_SPECS = (
    _Spec(
        ("project", "acme/backend/worker"),
        "RENOVATE_TOKEN",
        token=("user:mara", "renovate"),
        protected=True,
        masked=True,
        description="Renovate bot (Mara's token)",
    ),
    _Spec(
        ("project", "acme/backend/worker"),
        "QUEUE_ADMIN_TOKEN",
        token=("acme/backend/worker", "queue admin"),
        protected=True,
        masked=True,
    ),
    _Spec(
        ("project", "acme/website"),
        "DEPLOY_BOT_TOKEN",
        token=("acme/website", "deploy bot"),
        protected=True,
        masked=True,
        hidden=True,
    ),
    _Spec(
        ("project", "acme/website"),
        "RELEASE_BOT_TOKEN",
        token=("acme/website", "old release bot"),
        masked=True,
    ),
    _Spec(("project", "acme/website"), "SITE_URL", value="https://www.acme.example"),
    _Spec(
        ("project", "acme/website"),
        "KUBECONFIG",
        value=_KUBECONFIG,
        variable_type="file",
        raw=True,
        environment_scope="production",
        description="kubectl configuration",
    ),
    _Spec(
        ("project", "acme/backend/api"),
        "JIRA_TOKEN",
        token=("acme/backend/api", "jira"),
        masked=True,
        environment_scope="production",
        description="Jira integration",
    ),
    _Spec(
        ("project", "acme/backend/api"),
        "JIRA_TOKEN",
        value=_STALE,
        masked=True,
        environment_scope="staging",
    ),
    _Spec(
        ("project", "acme/backend/api"),
        "SONAR_TOKEN",
        token=("acme/backend/api", "sonar"),
        masked=True,
        raw=True,
    ),
    _Spec(
        ("project", "platform/infra"),
        "TF_HTTP_PASSWORD",
        token=("platform/infra", "terraform"),
        protected=True,
        masked=True,
        environment_scope="production",
    ),
    _Spec(
        ("project", "opensource/gltui-demo"),
        "DEMO_CI_TOKEN",
        token=("opensource/gltui-demo", "demo ci"),
        masked=True,
    ),
    _Spec(
        ("group", "acme"),
        "GROUP_CI_TOKEN",
        token=("acme", "group ci"),
        protected=True,
        masked=True,
    ),
    _Spec(("group", "acme"), "NPM_REGISTRY_URL", value="https://npm.acme.example/"),
    _Spec(
        ("group", "acme/backend"),
        "RELEASE_TOKEN",
        token=("acme/backend", "backend release"),
        masked=True,
        environment_scope="release/*",
    ),
    _Spec(
        ("group", "platform"),
        "AUDIT_TOKEN",
        token=("platform", "platform audit"),
        masked=True,
    ),
)


class _VariableSeeder:
    def __init__(self, store: Store, profile: VersionProfile, rng: random.Random) -> None:
        self.store = store
        self.profile = profile
        self.rng = rng
        self.groups = {store.group_full_path(g): g.id for g in store.groups.values()}
        # looked up once: the generated scale has thousands of projects
        self.projects = {store.project_full_path(p): p.id for p in store.projects.values()}

    def owner(self, kind: str, path: str) -> tuple[str, int]:
        return kind, self.projects[path] if kind == "project" else self.groups[path]

    def token_value(self, holder: str, name: str) -> str:
        """A fresh value for the named token (the newest live row of that name)."""
        if holder.startswith("user:"):
            username = holder.removeprefix("user:")
            user = next(u for u in self.store.users.values() if u.username == username)
            rows = self.store.tokens_of_user(user.id)
        elif holder in self.projects:
            rows = self.store.resource_tokens("project", self.projects[holder])
        else:
            rows = self.store.resource_tokens("group", self.groups[holder])
        named = [t for t in rows if t.name == name]
        chosen = next((t for t in reversed(named) if not t.revoked), named[-1])
        return self.store.reissue_secret(chosen.id)

    def stale_value(self) -> str:
        """A well-formed value that no token has (from the seeded random stream)."""
        return PAT_PREFIX + "".join(self.rng.choice(_URLSAFE) for _ in range(20))

    def add(self, spec: _Spec) -> None:
        profile = self.profile
        if spec.token is not None:
            value = self.token_value(*spec.token)
        elif spec.value == _STALE:
            value = self.stale_value()
        else:
            value = spec.value or ""
        variable = CiVariable(
            id=self.store.variables.next_id(),
            owner=self.owner(*spec.owner),
            key=spec.key,
            value=value,
            variable_type=spec.variable_type,
            protected=spec.protected,
            masked=spec.masked,
            hidden=spec.hidden and model.has_hidden(profile),
            raw=spec.raw and model.has_raw(profile),
            environment_scope=spec.environment_scope,
            description=spec.description if model.has_description(profile) else None,
        )
        self.store.variables.add(variable)


def seed_variables(store: Store, profile: VersionProfile | None, *, seed_value: int) -> None:
    """Add the variables (call with the store's lock held, after the tokens exist)."""
    seeder = _VariableSeeder(
        store,
        profile or VersionProfile.parse(CURRENT_VERSION),
        random.Random(f"{seed_value}:variables"),
    )
    for spec in _SPECS:
        seeder.add(spec)
    store.changed()
