"""The sandbox's in-memory GitLab: users, groups, projects, memberships, tokens.

Secrets are kept only as SHA-256 digests: the value exists in a create or
rotate response (and, for the seeded credentials, the start-up JSON line) and
nowhere else, just as in GitLab.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from gltui.sandbox.ci_store import CiStore
from gltui.sandbox.variables import VariableStore

Clock = Callable[[], datetime]

GUEST, REPORTER, DEVELOPER, MAINTAINER, OWNER = 10, 20, 30, 40, 50
PAT_PREFIX = "glpat-"
DEPLOY_PREFIX = "gldt-"


def utc_now() -> datetime:
    """The real clock (the default; tests pass their own)."""
    return datetime.now(UTC)


def digest(secret: str) -> str:
    """How the store remembers a secret without keeping it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    """A fresh token value in GitLab's format: prefix plus 20 random characters."""
    return prefix + secrets.token_urlsafe(15)  # 15 random bytes -> 20 characters


@dataclass
class User:
    """A GitLab user; bots back project and group access tokens."""

    id: int
    username: str
    name: str
    created_at: datetime
    is_admin: bool = False
    user_type: str = "human"
    bot_of: tuple[str, int] | None = None
    """("project"|"group", id) for project/group bot users."""
    provisioned_by: tuple[str, int] | None = None
    """("project"|"group", id) that owns a service account (``None``: an instance one)."""

    @property
    def is_bot(self) -> bool:
        """Bot users cannot create resource tokens and are hidden from humans' lists."""
        return self.user_type != "human"

    @property
    def email(self) -> str:
        """Bots get GitLab's noreply address; people a plain one."""
        if self.is_bot:
            return f"{self.username}@noreply.gitlab.example.com"
        return f"{self.username}@example.com"


@dataclass
class Group:
    """A group; ``parent_id`` makes subgroups."""

    id: int
    name: str
    path: str
    created_at: datetime
    parent_id: int | None = None
    visibility: str = "private"
    description: str = ""


@dataclass
class Project:
    """A project inside a group namespace."""

    id: int
    name: str
    path: str
    group_id: int
    created_at: datetime
    visibility: str = "private"
    description: str = ""


@dataclass(frozen=True)
class GranularScope:
    """One boundary of a fine-grained token with its permissions (GitLab 19.2+).

    ``access`` is ``user``, ``instance``, ``all_memberships``, ``personal_projects`` or
    ``selected_memberships``; only the last names a project or a group, one per row,
    as GitLab stores (and lists) one scope per boundary."""

    access: str
    permissions: tuple[str, ...]
    project_id: int | None = None
    group_id: int | None = None


@dataclass
class PersonalToken:
    """A row of GitLab's personal_access_tokens table (PAT, impersonation, bot tokens)."""

    id: int
    user_id: int
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: date | None
    digest: str
    revoked: bool = False
    description: str | None = None
    last_used_at: datetime | None = None
    last_used_ips: list[str] = field(default_factory=list)
    impersonation: bool = False
    previous_id: int | None = None
    granular_scopes: tuple[GranularScope, ...] | None = None
    """``None`` for a legacy token; a fine-grained one's ``scopes`` is ``["granular"]``."""

    @property
    def granular(self) -> bool:
        """A fine-grained token: its authority is its granular scopes, not its scopes."""
        return self.granular_scopes is not None

    def expired(self, today: date) -> bool:
        """GitLab: ``expires_at <= today`` (the token died at 00:00 UTC)."""
        return self.expires_at is not None and self.expires_at <= today

    def active(self, today: date) -> bool:
        """Neither revoked nor expired."""
        return not self.revoked and not self.expired(today)


@dataclass
class DeployToken:
    """A project or group deploy token; its expiry is an instant."""

    id: int
    name: str
    username: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    digest: str
    resource: tuple[str, int]
    revoked: bool = False

    def expired(self, now: datetime) -> bool:
        """Compared as instants (deploy tokens carry a time of day)."""
        return self.expires_at is not None and self.expires_at <= now

    def active(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return not self.revoked and not self.expired(now)


@dataclass
class Store:
    """Everything the sandbox knows; guard every access with :attr:`lock`."""

    clock: Clock = utc_now
    lock: threading.RLock = field(default_factory=threading.RLock)
    token_limit: int = 0
    """Active access tokens per project or group before 'Access token limit reached'."""
    max_lifetime_days: int | None = None
    """The administrator's ``max_personal_access_token_lifetime`` (days); ``None``: the
    model's 365."""
    users: dict[int, User] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    projects: dict[int, Project] = field(default_factory=dict)
    pats: dict[int, PersonalToken] = field(default_factory=dict)
    deploy_tokens: dict[int, DeployToken] = field(default_factory=dict)
    ci: CiStore = field(default_factory=CiStore)
    """Pipeline triggers, cluster agents and their tokens, runners."""
    variables: VariableStore = field(default_factory=VariableStore)
    """Project and group CI/CD variables (their values are kept, as GitLab keeps them)."""
    members: dict[tuple[str, int], dict[int, int]] = field(default_factory=dict)
    """(``"project"``|``"group"``, id) -> {user id: access level}."""
    listing_cache: dict[tuple[object, ...], list[Any]] = field(default_factory=dict)
    """Filtered listings by (query, revision, day): every page of a walk reuses one."""
    revision: int = 0
    """Bumped on every change, so cached listings know when they are stale."""
    _by_digest: dict[str, tuple[str, int]] = field(default_factory=dict)
    _bots: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    _tokens_of_user: dict[int, list[int]] = field(default_factory=dict)
    _service_accounts: dict[tuple[str, int] | None, dict[int, User]] = field(default_factory=dict)
    """Service accounts by who provisioned them (``None``: the instance), in id order: a
    project's list is asked once per project by an administrator's walk."""
    _next_ids: dict[str, int] = field(default_factory=dict)

    # --- clock -----------------------------------------------------------
    def now(self) -> datetime:
        """The sandbox's current instant (UTC)."""
        return self.clock().astimezone(UTC)

    def today(self) -> date:
        """The current UTC date, which decides expiry."""
        return self.now().date()

    # --- ids and secrets ---------------------------------------------------
    def next_id(self, table: str) -> int:
        """GitLab-like ids: one sequence per table, starting at 1."""
        value = self._next_ids.get(table, 0) + 1
        self._next_ids[table] = value
        return value

    def changed(self) -> None:
        """Record a mutation (invalidates cached listings)."""
        self.revision += 1

    # --- users, groups, projects -----------------------------------------
    def add_user(self, username: str, name: str, *, is_admin: bool = False) -> User:
        """Create a human user."""
        user = User(self.next_id("users"), username, name, self.now(), is_admin=is_admin)
        self.users[user.id] = user
        self.changed()
        return user

    def add_group(
        self, name: str, path: str, *, parent_id: int | None = None, **extra: str
    ) -> Group:
        """Create a group (or a subgroup of ``parent_id``)."""
        group = Group(self.next_id("namespaces"), name, path, self.now(), parent_id, **extra)
        self.groups[group.id] = group
        self.changed()
        return group

    def add_project(self, name: str, path: str, group_id: int, **extra: str) -> Project:
        """Create a project in a group."""
        project = Project(self.next_id("projects"), name, path, group_id, self.now(), **extra)
        self.projects[project.id] = project
        self.changed()
        return project

    def add_member(self, kind: str, resource_id: int, user_id: int, level: int) -> None:
        """Give ``user_id`` a role on a project or group."""
        self.members.setdefault((kind, resource_id), {})[user_id] = level
        self.changed()

    def _lineage(self, group: Group) -> list[Group]:
        """The group's ancestors from the top, then the group itself."""
        chain = [group]
        while chain[-1].parent_id is not None:
            chain.append(self.groups[chain[-1].parent_id])
        return chain[::-1]

    def group_full_path(self, group: Group) -> str:
        """``parent/child`` path of a group."""
        return "/".join(g.path for g in self._lineage(group))

    def group_full_name(self, group: Group) -> str:
        """``Parent / Child`` name of a group."""
        return " / ".join(g.name for g in self._lineage(group))

    def project_full_path(self, project: Project) -> str:
        """``group/sub/project`` path of a project."""
        return f"{self.group_full_path(self.groups[project.group_id])}/{project.path}"

    def group_ancestry(self, group_id: int) -> Iterator[int]:
        """The group and its ancestors, nearest first."""
        current: int | None = group_id
        while current is not None:
            yield current
            current = self.groups[current].parent_id

    def group_access(self, user_id: int, group_id: int) -> int:
        """Effective role on a group: the highest of its own and inherited memberships."""
        return max(
            (
                self.members.get(("group", gid), {}).get(user_id, 0)
                for gid in self.group_ancestry(group_id)
            ),
            default=0,
        )

    def project_access(self, user_id: int, project_id: int) -> int:
        """Effective role on a project: direct membership or inherited from its groups."""
        project = self.projects[project_id]
        direct = self.members.get(("project", project_id), {}).get(user_id, 0)
        return max(direct, self.group_access(user_id, project.group_id))

    def access(self, user_id: int, kind: str, resource_id: int) -> int:
        """Effective role on a ``"project"`` or ``"group"``."""
        if kind == "project":
            return self.project_access(user_id, resource_id)
        return self.group_access(user_id, resource_id)

    def resource_exists(self, kind: str, resource_id: int) -> bool:
        """Whether the project or group exists."""
        table = self.projects if kind == "project" else self.groups
        return resource_id in table

    def visibility(self, kind: str, resource_id: int) -> str:
        """``private``, ``internal`` or ``public``."""
        if kind == "project":
            return self.projects[resource_id].visibility
        return self.groups[resource_id].visibility

    def can_see(self, user: User, kind: str, resource_id: int) -> bool:
        """Admins and members see everything; others see internal and public resources."""
        if user.is_admin or self.access(user.id, kind, resource_id) >= GUEST:
            return True
        return self.visibility(kind, resource_id) != "private"

    # --- tokens ------------------------------------------------------------
    def add_personal_token(
        self,
        user_id: int,
        name: str,
        scopes: list[str],
        expires_at: date | None,
        *,
        created_at: datetime | None = None,
        description: str | None = None,
        revoked: bool = False,
        last_used_at: datetime | None = None,
        last_used_ips: list[str] | None = None,
        impersonation: bool = False,
        previous_id: int | None = None,
        granular_scopes: tuple[GranularScope, ...] | None = None,
    ) -> tuple[PersonalToken, str]:
        """Create a PAT-type row; returns it with its secret value (shown once)."""
        value = new_secret(PAT_PREFIX)
        token = PersonalToken(
            id=self.next_id("personal_access_tokens"),
            user_id=user_id,
            name=name,
            scopes=list(scopes),
            created_at=created_at or self.now(),
            expires_at=expires_at,
            digest=digest(value),
            revoked=revoked,
            description=description,
            last_used_at=last_used_at,
            last_used_ips=list(last_used_ips or []),
            impersonation=impersonation,
            previous_id=previous_id,
            granular_scopes=granular_scopes,
        )
        self.pats[token.id] = token
        self._by_digest[token.digest] = ("pat", token.id)
        self._tokens_of_user.setdefault(user_id, []).append(token.id)
        self.changed()
        return token, value

    def add_bot(self, kind: str, resource_id: int, level: int) -> User:
        """Create the bot user behind a new project or group access token."""
        user_id = self.next_id("users")
        # GitLab's suffix is random; a digest of the new user's id keeps a seeded sandbox
        # the same from run to run (names are not secrets)
        suffix = hashlib.sha256(f"bot:{user_id}".encode()).hexdigest()[:32]
        username = f"{kind}_{resource_id}_bot_{suffix}"
        bot = User(
            user_id,
            username,
            f"{kind.capitalize()} bot {user_id}",
            self.now(),
            user_type=f"{kind}_bot",
            bot_of=(kind, resource_id),
        )
        self.users[bot.id] = bot
        self._bots.setdefault((kind, resource_id), []).append(bot.id)
        self.add_member(kind, resource_id, bot.id, level)
        return bot

    def add_service_account(self, account: User) -> None:
        """Keep a new service account (its id is the newest: the index stays in id order)."""
        self.users[account.id] = account
        self._service_accounts.setdefault(account.provisioned_by, {})[account.id] = account
        self.changed()

    def service_accounts_of(self, provisioned_by: tuple[str, int] | None) -> list[User]:
        """The service accounts of the instance (``None``), a group or a project, by id."""
        return list(self._service_accounts.get(provisioned_by, {}).values())

    def delete_user(self, user_id: int) -> None:
        """Remove a user with its tokens and memberships (what GitLab does to old bots)."""
        user = self.users.pop(user_id, None)
        if user is not None and user.bot_of is not None:
            self._bots[user.bot_of].remove(user_id)
        if user is not None:
            self._service_accounts.get(user.provisioned_by, {}).pop(user_id, None)
        for token_id in self._tokens_of_user.pop(user_id, []):
            token = self.pats.pop(token_id)
            self._by_digest.pop(token.digest, None)
        for roster in self.members.values():
            roster.pop(user_id, None)
        self.changed()

    def add_deploy_token(
        self,
        resource: tuple[str, int],
        name: str,
        scopes: list[str],
        expires_at: datetime | None,
        *,
        username: str | None = None,
        created_at: datetime | None = None,
        revoked: bool = False,
    ) -> tuple[DeployToken, str]:
        """Create a deploy token; returns it with its secret value."""
        value = new_secret(DEPLOY_PREFIX)
        token_id = self.next_id("deploy_tokens")
        token = DeployToken(
            id=token_id,
            name=name,
            username=username or f"gitlab+deploy-token-{token_id}",
            scopes=list(scopes),
            created_at=created_at or self.now(),
            expires_at=expires_at,
            digest=digest(value),
            resource=resource,
            revoked=revoked,
        )
        self.deploy_tokens[token.id] = token
        self._by_digest[token.digest] = ("deploy", token.id)
        self.changed()
        return token, value

    def delete_deploy_token(self, token_id: int) -> None:
        """The API's DELETE destroys a deploy token (it vanishes from lists)."""
        token = self.deploy_tokens.pop(token_id)
        self._by_digest.pop(token.digest, None)
        self.changed()

    def reissue_secret(self, token_id: int) -> str:
        """A new value for a PAT-type token whose value was never handed out; the old one
        stops working. The seed uses it to learn the value of a token it stores in a CI/CD
        variable (the store keeps digests only, so a value is known once, at creation)."""
        token = self.pats[token_id]
        value = new_secret(PAT_PREFIX)
        self._by_digest.pop(token.digest, None)
        token.digest = digest(value)
        self._by_digest[token.digest] = ("pat", token.id)
        self.changed()
        return value

    def find_by_secret(self, value: str) -> PersonalToken | DeployToken | None:
        """The token a request authenticates with, or ``None``."""
        found = self._by_digest.get(digest(value))
        if found is None:
            return None
        table, token_id = found
        if table == "pat":
            return self.pats.get(token_id)
        return self.deploy_tokens.get(token_id)

    def resource_of_bot(self, user_id: int) -> tuple[str, int] | None:
        """The (kind, id) a bot user belongs to, or ``None`` for people."""
        user = self.users.get(user_id)
        return user.bot_of if user else None

    def resource_tokens(self, kind: str, resource_id: int) -> list[PersonalToken]:
        """Every token of the bots that belong to one project or group, by id."""
        token_ids = [
            token_id
            for bot_id in self._bots.get((kind, resource_id), [])
            for token_id in self._tokens_of_user.get(bot_id, [])
        ]
        return [self.pats[token_id] for token_id in sorted(token_ids)]

    def tokens_of_user(self, user_id: int) -> list[PersonalToken]:
        """Every PAT-type row of one user, by id."""
        return [self.pats[token_id] for token_id in self._tokens_of_user.get(user_id, [])]
