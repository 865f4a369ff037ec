"""Seeded service accounts, pipeline triggers, cluster agents and runners.

Every kind in every state, relative to today (UTC): active, expiring within 14 days
(and the 14/15-day boundary), expired, revoked where the kind can be revoked, and the
service-account tokens that never expire. A version without a kind gets none of it
(GitLab 15.0 has no service accounts; before 18.11 no project ones; triggers expire
only where the version has ``expires_at``). Runs after the hand-written inventory and
the generated scale, with its own random stream, so the rest of the inventory is the
same whatever the version; the same seed gives the same data.

Who can do what, on purpose: Mara (``maintainer``) owns ``acme`` and so its service
accounts, but only maintains ``platform`` (so platform's group service account is
refused to her while the project one of ``platform/infra`` is hers); Dev
(``developer``) is a Developer in ``acme``, enough to read agent tokens, not to list
triggers or runners or revoke anything.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from gltui.sandbox import kind_gates
from gltui.sandbox.accounts import add_service_account
from gltui.sandbox.ci_store import Runner
from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.store import Store, User

TRIGGER_DELETION_DAYS = 30
"""GitLab deletes triggers that expired more than 30 days ago (MR 203688)."""


@dataclass
class _Clock:
    """Seeded instants, each from its own random draws, never in the future."""

    now: datetime
    today: date
    rng: random.Random

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days, seconds=self.rng.randint(0, 80_000))

    def used_after(self, created: datetime, days_ago: float | None) -> datetime | None:
        """A last use ``days_ago``, but never before ``created`` (nor after now)."""
        if days_ago is None:
            return None
        return max(self.ago(days_ago), created + timedelta(minutes=5))

    def day(self, offset: int | None) -> date | None:
        return None if offset is None else self.today + timedelta(days=offset)

    def at(self, offset: int | None, hour: int) -> datetime | None:
        if offset is None:
            return None
        return datetime.combine(self.today + timedelta(days=offset), time(hour), tzinfo=UTC)


class _KindSeeder:
    def __init__(self, store: Store, profile: VersionProfile, rng: random.Random) -> None:
        self.store = store
        self.profile = profile
        self.clock = _Clock(store.now(), store.today(), rng)
        # looked up once: the generated scale has thousands of projects
        self._users = {u.username: u for u in store.users.values()}
        self._groups = {store.group_full_path(g): g.id for g in store.groups.values()}
        self._projects = {store.project_full_path(p): p.id for p in store.projects.values()}

    def user(self, username: str) -> User:
        return self._users[username]

    def group(self, path: str) -> int:
        return self._groups[path]

    def project(self, path: str) -> int:
        return self._projects[path]

    # --- service accounts ------------------------------------------------------
    def sa_token(
        self,
        account: User,
        name: str,
        scopes: list[str],
        expires_in: int | None,
        *,
        created_days_ago: float = 90,
        used_days_ago: float | None = 1,
        revoked: bool = False,
        previous_id: int | None = None,
        description: str | None = None,
    ) -> int:
        created = self.clock.ago(created_days_ago)
        used = self.clock.used_after(created, used_days_ago)
        token, _ = self.store.add_personal_token(
            account.id,
            name,
            scopes,
            self.clock.day(expires_in),
            created_at=created,
            last_used_at=used,
            last_used_ips=[] if used is None else ["10.0.9.40"],
            revoked=revoked,
            previous_id=previous_id,
            description=description,
        )
        return token.id

    def account(
        self, provisioned_by: tuple[str, int] | None, name: str, member_of: tuple[str, int, int]
    ) -> User:
        """A service account, made a member somewhere (as they must be, to do anything)."""
        account = add_service_account(
            self.store,
            provisioned_by=provisioned_by,
            name=name,
            created_at=self.clock.ago(400),  # before any of its tokens
        )
        kind, resource_id, level = member_of
        self.store.add_member(kind, resource_id, account.id, level)
        return account

    # --- triggers ----------------------------------------------------------------
    def trigger(
        self,
        project: str,
        owner: str,
        description: str,
        expires_in: int | None,
        *,
        used_days_ago: float | None = 2,
        hour: int = 12,
    ) -> None:
        created = self.clock.ago(200)
        expires = (
            self.clock.at(expires_in, hour) if kind_gates.trigger_expires_at(self.profile) else None
        )
        self.store.ci.add_trigger(
            self.project(project),
            self.user(owner).id,
            description,
            created,
            last_used=self.clock.used_after(created, used_days_ago),
            expires_at=expires,
        )

    # --- runners -----------------------------------------------------------------
    def runner(
        self,
        runner_type: str,
        description: str,
        *,
        owners: tuple[str, ...] = (),
        expires_in: int | None = None,
        hour: int = 12,
        lifetime_days: int | None = None,
        contacted_minutes_ago: float | None = 5,
        active: bool = True,
        creator: str | None = None,
        tags: tuple[str, ...] = (),
        created_days_ago: float = 150,
    ) -> Runner:
        created = self.clock.ago(created_days_ago)
        runner = self.store.ci.add_runner(runner_type, description, created)
        if runner_type == "group_type":
            runner.group_ids = [self.group(path) for path in owners]
        elif runner_type == "project_type":
            runner.project_ids = [self.project(path) for path in owners]
        runner.token_expires_at = self.clock.at(expires_in, hour)
        runner.token_lifetime = None if lifetime_days is None else timedelta(days=lifetime_days)
        if contacted_minutes_ago is not None:
            contacted = self.clock.now - timedelta(minutes=contacted_minutes_ago)
            runner.contacted_at = max(contacted, created)
            runner.version = "18.5.1"
        runner.active = active
        runner.creator_id = self.user(creator).id if creator else None
        runner.tag_list = list(tags)
        return runner


def seed_kinds(store: Store, profile: VersionProfile, *, seed_value: int, scale: int) -> None:
    """Add the kinds the version has (call with the store's lock held)."""
    seeder = _KindSeeder(store, profile, random.Random(seed_value))
    sections = (
        ("service accounts", _service_accounts),
        ("triggers", _triggers),
        ("agents", _agents),
        ("runners", _runners),
    )
    for name, section in sections:
        # a random stream per section: a version without one kind leaves the others alike
        seeder.clock.rng = random.Random(f"{seed_value}:{name}")
        section(seeder)
    seeder.clock.rng = random.Random(f"{seed_value}:scale")
    _scale(seeder, scale)
    store.changed()


def _service_accounts(s: _KindSeeder) -> None:
    profile = s.profile
    if not kind_gates.has_service_account_create(profile):
        return
    acme, platform = s.group("acme"), s.group("platform")
    website, infra = s.project("acme/website"), s.project("platform/infra")
    # an instance service account (administrators manage it through the PAT API)
    backup = s.account(None, "Backup robot", ("group", platform, 20))
    s.sa_token(backup, "nightly backup", ["read_api", "read_repository"], None)
    s.sa_token(backup, "metrics scrape", ["read_api"], 10, used_days_ago=0.1)
    s.sa_token(backup, "old exporter", ["read_api"], -5, used_days_ago=6)
    s.sa_token(backup, "exporter (leaked)", ["api"], 40, revoked=True, used_days_ago=20)
    # a top-level group's service account: Mara owns acme
    deployer = s.account(("group", acme), "Acme deploy bot", ("group", acme, 40))
    s.sa_token(deployer, "deploy", ["api"], None, description="never expires")
    s.sa_token(deployer, "release", ["api"], 14)
    s.sa_token(deployer, "release (next)", ["api"], 15, used_days_ago=None)
    s.sa_token(deployer, "ci cache", ["read_api"], 0, used_days_ago=3)
    s.sa_token(deployer, "legacy", ["read_repository"], 30, revoked=True, used_days_ago=60)
    old = s.sa_token(deployer, "rotating", ["api"], 3, revoked=True, created_days_ago=20)
    s.sa_token(deployer, "rotating", ["api"], 5, created_days_ago=2, previous_id=old)
    # platform's: Alice owns platform, Mara only maintains it
    renovate = s.account(("group", platform), "Platform renovate", ("group", platform, 30))
    s.sa_token(renovate, "renovate", ["api"], 45)
    s.sa_token(renovate, "renovate (old)", ["api"], -20, used_days_ago=25)
    if kind_gates.subgroup_service_accounts(profile):
        backend = s.group("acme/backend")
        builder = s.account(("group", backend), "Backend builder", ("group", backend, 30))
        s.sa_token(builder, "build", ["read_api", "read_registry"], 7)
    if kind_gates.has_project_service_accounts(profile):
        smoke = s.account(("project", website), "Website smoke tests", ("project", website, 30))
        s.sa_token(smoke, "smoke", ["read_api"], None, used_days_ago=0.2)
        s.sa_token(smoke, "smoke (expiring)", ["read_api"], 1)
        s.sa_token(smoke, "smoke (expired)", ["read_api"], -1, used_days_ago=2)
        s.sa_token(smoke, "smoke (revoked)", ["read_api"], 60, revoked=True)
        tf = s.account(("project", infra), "Infra terraform", ("project", infra, 40))
        s.sa_token(tf, "terraform plan", ["api"], 20)


def _triggers(s: _KindSeeder) -> None:
    s.trigger("acme/website", "mara", "deploy from jenkins", None)
    s.trigger("acme/website", "root", "nightly (root's)", 7)
    s.trigger("acme/website", "mara", "old hook", -3, used_days_ago=4)
    s.trigger("acme/backend/api", "mara", "api release", 14, hour=23)
    s.trigger("acme/backend/api", "root", "api docs", 15, hour=0, used_days_ago=None)
    s.trigger("acme/backend/worker", "mara", "worker reindex", 1, hour=6)
    s.trigger("platform/infra", "alice", "terraform apply", None, used_days_ago=0.5)
    s.trigger("opensource/gltui-demo", "emilie", "demo pipeline", None, used_days_ago=None)


def _agents(s: _KindSeeder) -> None:
    store, clock = s.store, s.clock
    plan = (
        (
            "acme/website",
            "production",
            "mara",
            (("primary", True, 0.01), ("old", False, 40), ("secondary", True, None)),
        ),
        ("acme/backend/api", "staging", "mara", (("staging", True, 1.0),)),
        ("platform/infra", "platform-k8s", "alice", (("main", True, 0.3), ("rotated", False, 90))),
    )
    for project, name, creator, tokens in plan:
        created = clock.ago(300)
        creator_id = s.user(creator).id
        agent = store.ci.add_agent(s.project(project), name, created, creator_id)
        for label, active, used in tokens:
            made = clock.ago(200)
            store.ci.add_agent_token(
                agent.id,
                label,
                made,
                creator_id,
                description=None if label == "secondary" else f"{name} {label}",
                revoked=not active,
                last_used_at=clock.used_after(made, used),
            )


def _runners(s: _KindSeeder) -> None:
    s.runner("instance_type", "shared-runner-1", expires_in=30, lifetime_days=30, tags=("docker",))
    s.runner("instance_type", "shared-runner-legacy", contacted_minutes_ago=20 * 24 * 60)
    s.runner("group_type", "acme group runner", owners=("acme",), expires_in=10, lifetime_days=14)
    s.runner(
        "group_type",
        "platform runner",
        owners=("platform",),
        expires_in=-2,
        lifetime_days=7,
        contacted_minutes_ago=3 * 24 * 60,
    )
    s.runner(
        "project_type",
        "website docker",
        owners=("acme/website",),
        expires_in=14,
        lifetime_days=30,
        creator="mara",
        tags=("docker", "linux"),
    )
    s.runner(
        "project_type",
        "backend runner",
        owners=("acme/backend/api", "acme/backend/worker"),
        expires_in=15,
        hour=0,
        lifetime_days=30,
        active=False,
        creator="mara",
    )
    s.runner(
        "project_type",
        "infra runner",
        owners=("platform/infra",),
        contacted_minutes_ago=None,
        created_days_ago=2,  # registered this week, not yet connected: never_contacted
    )
    s.runner(
        "project_type",
        "demo runner",
        owners=("opensource/gltui-demo",),
        expires_in=-1,
        creator="emilie",
        contacted_minutes_ago=26 * 60,
    )


def _offset(rng: random.Random) -> int | None:
    """Spread over every state, weighted like a real instance (expired ones recently)."""
    roll = rng.random()
    if roll < 0.1:
        return -rng.randint(0, TRIGGER_DELETION_DAYS - 1)
    if roll < 0.25:
        return rng.randint(1, 14)
    if roll < 0.6:
        return None
    return rng.randint(15, 365)


def _scale(s: _KindSeeder, projects: int) -> None:
    """Modest numbers beside the generated projects: a trigger for one in five, a runner
    for one in ten, an agent for one in twenty, a service account in every group Mara
    owns. Only the generated namespaces (``team-N``) are touched."""
    if projects <= 0:
        return
    store, rng = s.store, s.clock.rng
    mara = s.user("mara")
    generated = [
        p for p in store.projects.values() if store.groups[p.group_id].path.startswith("team-")
    ]
    for project in generated:
        roll = rng.random()
        path = store.project_full_path(project)
        if roll < 0.2:
            s.trigger(
                path,
                "mara",
                f"{project.path} trigger",
                _offset(rng),
                used_days_ago=rng.uniform(0, 30),
            )
        if roll < 0.1:
            s.runner(
                "project_type",
                f"{project.path} runner",
                owners=(path,),
                expires_in=_offset(rng),
                lifetime_days=30,
            )
        if roll < 0.05:
            agent = store.ci.add_agent(
                project.id, f"{project.path}-agent", s.clock.ago(100), mara.id
            )
            store.ci.add_agent_token(agent.id, "agent", s.clock.ago(50), mara.id)
    if not kind_gates.has_service_account_create(s.profile):
        return
    for group in [g for g in store.groups.values() if g.path.startswith("team-")]:
        if store.group_access(mara.id, group.id) < 50:
            continue
        account = s.account(("group", group.id), f"{group.name} bot", ("group", group.id, 30))
        for number in range(rng.randint(1, 3)):
            s.sa_token(
                account,
                f"{group.path} token {number}",
                ["read_api"],
                _offset(rng),
                used_days_ago=rng.uniform(0, 60),
            )
