"""The sandbox's seeded inventory, relative to the current UTC date.

The hand-written part covers every state and edge the brief lists (expires
today, tomorrow, in 14 and 15 days; never used; no expiry; long, unicode and
``[markup]`` names; a rotation chain; revoked and expired resource tokens;
deploy tokens with a time of day). ``scale`` adds generated projects with
tokens in every state, for benchmarks; the same ``seed`` gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from gltui.sandbox.profiles import VersionProfile
from gltui.sandbox.seed_granular import seed_fine_grained
from gltui.sandbox.seed_kinds import seed_kinds
from gltui.sandbox.seed_variables import seed_variables
from gltui.sandbox.store import DEVELOPER, MAINTAINER, OWNER, REPORTER, Store

SCALES = {"small": 0, "large": 2000}
"""Named scales: how many generated projects join the hand-written ones."""

MARKUP_NAME = "[bold red]not bold[/] [link=https://evil.example]click[/link]"
UNICODE_NAME = "Überwachung — 監視 📈 ملف"
LONG_NAME = "release automation for the payments platform monorepo " * 4


@dataclass(frozen=True)
class Credentials:
    """The tokens the start-up JSON line hands out (one per persona)."""

    admin: str
    maintainer: str
    developer: str
    readonly: str
    expired: str
    revoked: str
    fine_grained: str | None = None
    """A read-only fine-grained token of Mara's (profiles 19.2 and newer only)."""

    def as_dict(self) -> dict[str, str]:
        """In the contract's key order (``fine_grained`` last, when the version has it)."""
        return {key: value for key, value in vars(self).items() if value is not None}


def parse_scale(text: str) -> int:
    """``small``, ``large`` or a number of generated projects."""
    if text in SCALES:
        return SCALES[text]
    if text.isdigit():
        return int(text)
    raise ValueError(f"scale must be small, large or a number of projects, not {text!r}")


class _Seeder:
    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.now = store.now()
        self.today = store.today()

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days, seconds=self.rng.randint(0, 86_000))

    def pat(
        self,
        user_id: int,
        name: str,
        scopes: list[str],
        expires_in: int | None,
        *,
        created_days_ago: float = 120,
        used_days_ago: float | None = 2,
        revoked: bool = False,
        description: str | None = None,
        impersonation: bool = False,
        previous_id: int | None = None,
    ) -> tuple[int, str]:
        created = self.ago(created_days_ago)
        used = None if used_days_ago is None else self.ago(used_days_ago)
        if used is not None and used < created:
            used = created + timedelta(minutes=5)  # a token is used only once it exists
        token, secret = self.store.add_personal_token(
            user_id,
            name,
            scopes,
            None if expires_in is None else self.day(expires_in),
            created_at=created,
            last_used_at=used,
            last_used_ips=[] if used_days_ago is None else ["10.0.4.17"],
            revoked=revoked,
            description=description,
            impersonation=impersonation,
            previous_id=previous_id,
        )
        return token.id, secret

    def resource_token(
        self,
        kind: str,
        resource_id: int,
        name: str,
        scopes: list[str],
        level: int,
        expires_in: int | None,
        *,
        revoked: bool = False,
        used_days_ago: float | None = 1,
        description: str | None = None,
    ) -> None:
        bot = self.store.add_bot(kind, resource_id, level)
        self.pat(
            bot.id,
            name,
            scopes,
            expires_in,
            revoked=revoked,
            used_days_ago=used_days_ago,
            description=description,
        )

    def deploy(
        self,
        kind: str,
        resource_id: int,
        name: str,
        scopes: list[str],
        expires: datetime | None,
        *,
        revoked: bool = False,
    ) -> None:
        self.store.add_deploy_token(
            (kind, resource_id),
            name,
            scopes,
            expires,
            created_at=self.ago(60),
            revoked=revoked,
        )

    def at(self, offset_days: int, hour: int) -> datetime:
        return datetime.combine(self.day(offset_days), time(hour), tzinfo=UTC)


def seed(
    store: Store,
    *,
    seed_value: int = 1,
    scale: int = 0,
    fine_grained: bool = False,
    profile: VersionProfile | None = None,
) -> Credentials:
    """Fill an empty ``store``; returns the personas' credentials. ``fine_grained``
    (versions 19.2 and newer) adds fine-grained tokens after everything else, so the
    rest of the inventory is the same whatever the version. ``profile`` adds the
    service accounts, triggers, cluster agents and runners that version has, last."""
    rng = random.Random(seed_value)
    with store.lock:
        seeder = _Seeder(store, rng)
        credentials = _seed_core(seeder)
        _seed_scale(seeder, scale)
        if fine_grained:
            credentials = replace(credentials, fine_grained=seed_fine_grained(store))
        if profile is not None:
            seed_kinds(store, profile, seed_value=seed_value, scale=scale)
        seed_variables(store, profile, seed_value=seed_value)
    return credentials


def _seed_core(s: _Seeder) -> Credentials:
    store = s.store
    root = store.add_user("root", "Administrator", is_admin=True)
    mara = store.add_user("mara", "Mara Maintainer")
    dev = store.add_user("dev", "Dev Eloper")
    alice = store.add_user("alice", "Alice Analyst")
    emilie = store.add_user("emilie", "Émilie Ops")

    acme = store.add_group("Acme", "acme", description="Products")
    backend = store.add_group("Backend", "backend", parent_id=acme.id)
    platform = store.add_group("Platform", "platform", visibility="internal")
    opensource = store.add_group("Open Source", "opensource", visibility="public")
    store.add_member("group", acme.id, mara.id, OWNER)
    store.add_member("group", acme.id, dev.id, DEVELOPER)
    store.add_member("group", platform.id, mara.id, MAINTAINER)
    store.add_member("group", platform.id, alice.id, OWNER)
    store.add_member("group", opensource.id, emilie.id, OWNER)

    website = store.add_project("Website", "website", acme.id)
    api = store.add_project("API", "api", backend.id)
    worker = store.add_project("Worker", "worker", backend.id)
    infra = store.add_project("Infra", "infra", platform.id, visibility="internal")
    templates = store.add_project("CI templates", "ci-templates", platform.id)
    demo = store.add_project("gltui demo", "gltui-demo", opensource.id, visibility="public")
    # Dev is a Developer everywhere: the ``developer`` persona holds no Maintainer or
    # Owner role anywhere (its name promises as much)
    store.add_member("project", demo.id, dev.id, DEVELOPER)

    # --- the personas' own tokens (the ones the JSON line hands out) -------
    _, admin_secret = s.pat(root.id, "gltui admin", ["api", "read_user", "admin_mode"], 300)
    _, maintainer_secret = s.pat(mara.id, "gltui", ["api"], 200)
    _, developer_secret = s.pat(dev.id, "gltui", ["api"], 150)
    _, readonly_secret = s.pat(mara.id, "gltui read-only", ["read_api"], 90)
    _, expired_secret = s.pat(mara.id, "old laptop", ["api"], -1, used_days_ago=3)
    _, revoked_secret = s.pat(mara.id, "leaked in CI log", ["api"], 120, revoked=True)

    # --- Mara: every boundary of GitLab's four cards ------------------------
    s.pat(mara.id, "expires today", ["read_api"], 0)
    s.pat(mara.id, "expires tomorrow", ["read_repository"], 1)
    s.pat(mara.id, "expires in 14 days", ["read_api", "read_user"], 14)
    s.pat(mara.id, "expires in 15 days", ["read_api"], 15)
    s.pat(mara.id, "never used", ["read_registry"], 45, used_days_ago=None)
    s.pat(mara.id, "no expiry (from before 16.0)", ["api"], None, created_days_ago=900)
    s.pat(mara.id, LONG_NAME.strip(), ["read_api"], 33)
    s.pat(mara.id, UNICODE_NAME, ["read_user"], 61, description="Монитор, 監視, مراقبة")
    s.pat(mara.id, MARKUP_NAME, ["write_repository"], 9, description="[b]bold?[/b]")
    s.pat(
        mara.id, "stale: unused for a year", ["api"], 200, used_days_ago=370, created_days_ago=380
    )
    old_id, _ = s.pat(mara.id, "renovate", ["api"], 20, revoked=True, created_days_ago=400)
    s.pat(mara.id, "renovate", ["api"], 340, previous_id=old_id, created_days_ago=30)
    s.pat(mara.id, "expired last month", ["read_api"], -30, used_days_ago=40)
    s.pat(mara.id, "k8s agent", ["k8s_proxy"], 5)

    # --- others ------------------------------------------------------------
    s.pat(dev.id, "scratch", ["read_repository"], 2)
    s.pat(dev.id, "old scratch", ["read_repository"], -3, revoked=True)
    s.pat(root.id, "backup script", ["read_api", "sudo"], 5)
    s.pat(alice.id, "grafana", ["read_api"], 100)
    s.pat(emilie.id, "ops cli", ["api"], -12)
    s.pat(alice.id, "support session", ["api"], 3, impersonation=True)
    s.pat(emilie.id, "audit (impersonation)", ["read_api"], -2, impersonation=True)

    # --- project and group access tokens -------------------------------------
    s.resource_token("project", website.id, "deploy bot", ["api"], MAINTAINER, 30)
    s.resource_token("project", website.id, "metrics", ["read_api"], REPORTER, 3)
    s.resource_token(
        "project", website.id, "old release bot", ["api"], MAINTAINER, 90, revoked=True
    )
    s.resource_token("project", api.id, "jira", ["read_api"], REPORTER, 14, description="Jira")
    s.resource_token("project", api.id, "sonar", ["read_api", "read_repository"], REPORTER, -10)
    s.resource_token("project", worker.id, "queue admin", ["api"], MAINTAINER, 15)
    s.resource_token("project", infra.id, "terraform", ["api"], MAINTAINER, 200, used_days_ago=None)
    s.resource_token("project", templates.id, "renderer", ["read_repository"], REPORTER, 0)
    s.resource_token("project", demo.id, "demo ci", ["api"], DEVELOPER, 1)
    s.resource_token("group", acme.id, "group ci", ["api"], MAINTAINER, 60)
    s.resource_token("group", acme.id, "group reader", ["read_api"], REPORTER, -5)
    s.resource_token("group", backend.id, "backend release", ["write_repository"], DEVELOPER, 14)
    s.resource_token("group", platform.id, "platform audit", ["read_api"], REPORTER, 180)

    # --- deploy tokens (instants, not dates) -----------------------------------
    s.deploy("project", website.id, "k8s pull", ["read_registry"], s.at(10, 12))
    s.deploy("project", website.id, "forever", ["read_repository"], None)
    s.deploy("project", api.id, "nightly mirror", ["read_repository"], s.at(-2, 8))
    s.deploy("project", api.id, "retired", ["read_registry"], s.at(30, 0), revoked=True)
    s.deploy("group", acme.id, "helm charts", ["read_package_registry"], s.at(14, 23))
    s.deploy("group", platform.id, "registry push", ["write_registry"], s.at(15, 0))

    return Credentials(
        admin=admin_secret,
        maintainer=maintainer_secret,
        developer=developer_secret,
        readonly=readonly_secret,
        expired=expired_secret,
        revoked=revoked_secret,
    )


_WORDS = (
    "billing",
    "auth",
    "search",
    "ledger",
    "mobile",
    "web",
    "gateway",
    "notify",
    "report",
    "export",
    "catalog",
    "checkout",
    "media",
    "docs",
)
_SCOPE_SETS = (["api"], ["read_api"], ["read_repository"], ["read_api", "read_registry"])


def _expiry_offset(rng: random.Random) -> int | None:
    """Spread over every state, weighted like a real instance."""
    roll = rng.random()
    if roll < 0.08:
        return rng.randint(-400, 0)  # expired
    if roll < 0.20:
        return rng.randint(1, 14)  # expiring
    if roll < 0.23:
        return None
    return rng.randint(15, 365)


def _seed_scale(s: _Seeder, projects: int) -> None:
    """Generated groups and projects (Mara maintains all, owns every fourth group)."""
    if projects <= 0:
        return
    store, rng = s.store, s.rng
    mara = next(u for u in store.users.values() if u.username == "mara")
    people = [store.add_user(f"user{i:04d}", f"User {i}") for i in range(max(10, projects // 4))]
    group_ids = []
    for index in range(max(1, projects // 25)):
        group = store.add_group(f"Team {index}", f"team-{index}")
        store.add_member("group", group.id, mara.id, OWNER if index % 4 == 0 else MAINTAINER)
        group_ids.append(group.id)
    for index in range(projects):
        word = _WORDS[index % len(_WORDS)]
        project = store.add_project(
            f"{word} {index}", f"{word}-{index}", group_ids[index % len(group_ids)]
        )
        for number in range(rng.randint(2, 6)):
            s.resource_token(
                "project",
                project.id,
                f"{word} bot {number}",
                rng.choice(_SCOPE_SETS),
                rng.choice((REPORTER, DEVELOPER, MAINTAINER)),
                _expiry_offset(rng),
                revoked=rng.random() < 0.06,
                used_days_ago=None if rng.random() < 0.15 else rng.uniform(0, 120),
            )
        if rng.random() < 0.3:
            offset = _expiry_offset(rng)
            s.deploy(
                "project",
                project.id,
                f"{word} deploy",
                ["read_repository"],
                None if offset is None else s.at(offset, rng.randint(0, 23)),
            )
    for person in people:
        for number in range(rng.randint(3, 12)):
            s.pat(
                person.id,
                f"{rng.choice(_WORDS)} token {number}",
                rng.choice(_SCOPE_SETS),
                _expiry_offset(rng),
                revoked=rng.random() < 0.05,
                used_days_ago=None if rng.random() < 0.2 else rng.uniform(0, 200),
            )
