"""Seeded fine-grained ("granular") personal access tokens, for profiles 19.2 and newer.

No name contains an older seeded name (a filter for ``grafana`` finds one row, as at 18).

Every state (active, expiring within 14 days, expires today, revoked, expired, a rotation
chain) and every access boundary appears, spread over several people, plus one persona
token: Mara's read-only fine-grained token, which holds exactly the read permissions a
dashboard's walk needs (the start-up JSON line hands it out as ``fine_grained``), so
gltui can be run on it.

The rows are added after the rest of the seed and use no randomness, so every id and
value of the older profiles' inventory stays the same, and a generated (``--scale``)
instance gets one cheap token for every fifth generated person.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from gltui.sandbox.store import GranularScope, Store, User

MARKER = ["granular"]
"""What a fine-grained token shows as its legacy ``scopes``."""

READ_ONLY_PERSONA: tuple[GranularScope, ...] = (
    GranularScope(
        "user", ("read_user", "read_personal_access_token", "read_group", "read_project")
    ),
    GranularScope("instance", ("read_metadata",)),
    GranularScope(
        "all_memberships",
        (
            "read_group",
            "read_project",
            "read_resource_access_token",
            "read_deploy_token",
            "read_service_account",
            "read_service_account_personal_access_token",
            "read_trigger",
            "read_cluster_agent_token",
            "read_runner",
        ),
    ),
)
"""Everything gltui reads, nothing it could change (the ``fine_grained`` persona)."""


class _Planter:
    """Adds fine-grained rows with dates relative to the store's clock."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.now = store.now()
        self.today = store.today()

    def user(self, username: str) -> User:
        return next(u for u in self.store.users.values() if u.username == username)

    def project(self, path: str) -> int:
        return next(p.id for p in self.store.projects.values() if p.path == path)

    def group(self, path: str) -> int:
        return next(g.id for g in self.store.groups.values() if g.path == path)

    def token(
        self,
        owner: User,
        name: str,
        scopes: tuple[GranularScope, ...],
        expires_in: int | None,
        *,
        created_days_ago: int = 60,
        used_days_ago: int | None = 1,
        revoked: bool = False,
        description: str | None = None,
        impersonation: bool = False,
        previous_id: int | None = None,
    ) -> tuple[int, str]:
        expires: date | None = None if expires_in is None else self.today + timedelta(expires_in)
        used: datetime | None = None
        if used_days_ago is not None:
            used = self.now - timedelta(days=used_days_ago, hours=3)
        token, secret = self.store.add_personal_token(
            owner.id,
            name,
            MARKER,
            expires,
            created_at=self.now - timedelta(days=created_days_ago, hours=5),
            description=description,
            revoked=revoked,
            last_used_at=used,
            last_used_ips=[] if used is None else ["10.0.4.23"],
            impersonation=impersonation,
            previous_id=previous_id,
            granular_scopes=scopes,
        )
        return token.id, secret


def seed_fine_grained(store: Store) -> str:
    """Add the fine-grained tokens to a seeded store; returns the persona's secret."""
    with store.lock:
        planter = _Planter(store)
        secret = _hand_written(planter)
        _generated(planter)
    return secret


def _selected(
    permissions: tuple[str, ...], *, projects: tuple[int, ...] = (), groups: tuple[int, ...] = ()
) -> tuple[GranularScope, ...]:
    """One ``selected_memberships`` row per group, then per project (GitLab's order)."""
    rows = [GranularScope("selected_memberships", permissions, group_id=g) for g in groups]
    rows += [GranularScope("selected_memberships", permissions, project_id=p) for p in projects]
    return tuple(rows)


def _hand_written(t: _Planter) -> str:
    root, mara, dev = t.user("root"), t.user("mara"), t.user("dev")
    alice, emilie = t.user("alice"), t.user("emilie")
    website, demo, infra = t.project("website"), t.project("gltui-demo"), t.project("infra")
    backend, platform = t.group("backend"), t.group("platform")

    _, persona = t.token(
        mara,
        "dashboard reader (fine-grained)",
        READ_ONLY_PERSONA,
        90,
        description="gltui's own least-privilege credential",
    )
    ci_release = _selected(
        ("read_job", "read_trigger", "rotate_resource_access_token"),
        projects=(website,),
        groups=(backend,),
    )
    t.token(mara, "ci release (fine-grained)", ci_release, 10)
    janitor = (
        GranularScope(
            "user",
            (
                "read_personal_access_token",
                "revoke_personal_access_token",
                "rotate_personal_access_token",
            ),
        ),
    )
    t.token(mara, "token janitor (fine-grained)", janitor, 200, used_days_ago=None)
    today = _selected(("read_job",), projects=(infra,))
    t.token(mara, "lapses today (fine-grained)", today, 0)
    everything = (GranularScope("all_memberships", ("read_project",)),)
    t.token(mara, "old fine-grained reader", everything, 100, revoked=True)
    mine = (GranularScope("personal_projects", ("read_job",)),)
    t.token(mara, "expired fine-grained", mine, -5, used_days_ago=8, created_days_ago=200)
    deployer = _selected(("read_deploy_token", "delete_deploy_token"), groups=(platform,))
    old_id, _ = t.token(
        mara, "deploy cleaner (fine-grained)", deployer, 3, revoked=True, created_days_ago=90
    )
    t.token(
        mara, "deploy cleaner (fine-grained)", deployer, 7, previous_id=old_id, created_days_ago=4
    )

    demo_tokens = _selected(
        ("read_resource_access_token", "create_resource_access_token"), projects=(demo,)
    )
    t.token(dev, "demo bots (fine-grained)", demo_tokens, 30)
    t.token(dev, "version probe", (GranularScope("instance", ("read_metadata",)),), -1)
    grafana = _selected(("read_deploy_token", "read_resource_access_token"), groups=(platform,))
    t.token(alice, "dashboards sync (fine-grained)", grafana, 7)
    t.token(
        alice,
        "helpdesk session (fine-grained)",
        (GranularScope("user", ("read_user", "read_personal_access_token")),),
        2,
        impersonation=True,
    )
    ops = (GranularScope("all_memberships", ("read_job", "read_trigger")),)
    t.token(emilie, "pipeline watcher (fine-grained)", ops, 40, revoked=True)
    audit = (
        GranularScope("user", ("read_personal_access_token", "read_user")),
        GranularScope("instance", ("read_deploy_token", "read_metadata", "read_service_account")),
    )
    t.token(root, "instance inventory (fine-grained)", audit, 60)
    return persona


_GENERATED_STATES = (100, 7, None, -20)
"""Expiry offsets by index: active, expiring, revoked (None), expired."""


def _generated(t: _Planter) -> None:
    """One fine-grained token for every fifth generated person, cycling the states."""
    people = [u for u in t.store.users.values() if re.fullmatch(r"user\d{4}", u.username)]
    scopes = (GranularScope("user", ("read_personal_access_token", "read_user")),)
    for index, person in enumerate(people[::5]):
        offset = _GENERATED_STATES[index % len(_GENERATED_STATES)]
        t.token(
            person,
            "dashboard (fine-grained)",
            scopes,
            90 if offset is None else offset,
            revoked=offset is None,
            used_days_ago=None if index % 3 == 0 else index % 40,
        )
