"""Where is it deployed? The CI/CD variables scan against the sandbox over real HTTP
(python-gitlab, the guarded transport), its rules on a fake port, ``gltui
scan-deployed`` as a subprocess, and a leak scan: no variable value anywhere gltui wrote,
logged, raised or printed."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gltui.adapters.log import RequestLog
from gltui.adapters.port import Listed
from gltui.adapters.wire import ApiFailure
from gltui.domain.deployed import Deployment, VariablePlace
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.secret import Secret
from gltui.domain.tokens import ResourceType
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.deployed import Finding, InstanceScan, scan_instance, token_parts
from gltui.inventory.deployed_store import DeployedStore, deployed_targets
from gltui.inventory.spec import InstanceSpec
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, client
from tests.fake_port import FakePort, key
from tests.test_report_cli import environment


def values_of(sandbox: RunningSandbox) -> list[str]:
    """Every CI/CD variable value the sandbox holds (what must never leak)."""
    store = sandbox.store
    with store.lock:
        return [v.value for v in store.variables.rows.values() if v.value and len(v.value) >= 8]


def assert_no_value_in(values: list[str], *texts: str) -> None:
    for text in texts:
        for value in values:
            assert value not in text


def assert_no_value_in_files(values: list[str], root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for value in values:
                assert value.encode() not in data, path


def by_place(scan: InstanceScan) -> dict[tuple[str, str, str], Any]:
    return {(f.place.path, f.place.key, f.place.environment_scope): f for f in scan.findings}


def active_token_id(sandbox: RunningSandbox, name: str, project: str | None = None) -> int:
    gl = client(sandbox, "maintainer")
    rows: list[Any] = list(
        gl.personal_access_tokens.list(get_all=True)
        if project is None
        else gl.projects.get(project, lazy=True).access_tokens.list(get_all=True)
    )
    (found,) = [row for row in rows if row.name == name and row.active]
    return int(found.id)


def test_the_maintainers_variables(sandbox: RunningSandbox) -> None:
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    scan = scan_instance(spec, NOW)
    assert scan.ok, scan.failure
    assert scan.problems == []
    found = by_place(scan)
    renovate = found[("acme/backend/worker", "RENOVATE_TOKEN", "*")]
    assert renovate.finding is Finding.LINKED
    assert renovate.token_id == active_token_id(sandbox, "renovate")  # the rotated successor
    assert renovate.token_key == f"personal_access_token:{renovate.token_id}"
    jira = found[("acme/backend/api", "JIRA_TOKEN", "production")]
    assert jira.token_id == active_token_id(sandbox, "jira", "acme/backend/api")
    assert found[("acme/backend/api", "JIRA_TOKEN", "staging")].finding is Finding.UNKNOWN
    assert found[("acme/website", "DEPLOY_BOT_TOKEN", "*")].finding is Finding.HIDDEN
    hidden = found[("acme/website", "DEPLOY_BOT_TOKEN", "*")]
    assert "hidden, cannot be checked" in hidden.describe()
    assert found[("acme/backend/api", "SONAR_TOKEN", "*")].finding is Finding.EXPIRED
    assert found[("acme/website", "RELEASE_BOT_TOKEN", "*")].finding is Finding.REVOKED
    assert found[("acme", "GROUP_CI_TOKEN", "*")].place.resource_type is ResourceType.GROUP
    # platform is a group Mara only maintains: never listed as hers, nothing said of it
    assert not [f for f in scan.findings if f.place.key == "AUDIT_TOKEN"]
    assert all(f.place.path != "platform" for f in scan.findings)
    assert not [f for f in scan.findings if f.place.key in ("SITE_URL", "KUBECONFIG")]
    assert scan.groups >= 2
    assert scan.projects >= 3
    assert scan.lookups == len({f.token_key for f in scan.findings if f.token_key}) + 3
    deployments = {d.place.key: d for d in scan.deployments()}
    assert deployments["RENOVATE_TOKEN"].describe() == (
        "stored in CI variable RENOVATE_TOKEN of acme/backend/worker (scope *), seen 2026-11-21"
    )
    values = values_of(sandbox)
    assert_no_value_in(values, repr(scan), *(f.describe() for f in scan.findings))


def test_asking_touches_the_last_used_time(sandbox: RunningSandbox) -> None:
    """What the confirmation warns of: GitLab records the use of the token asked about."""
    gl = client(sandbox, "maintainer")
    token_id = active_token_id(sandbox, "renovate")
    before = gl.personal_access_tokens.get(token_id).last_used_at
    spec = InstanceSpec("work", sandbox.url, Secret(sandbox.credentials.maintainer))
    assert scan_instance(spec, NOW).ok
    after = gl.personal_access_tokens.get(token_id).last_used_at
    assert after is not None
    assert after != before


# --- the rules, on a fake port ---------------------------------------------------------

PAT = "glpat-" + "a" * 20
OTHER_PAT = "glpat-" + "b" * 20
DEPLOY = "gldt-" + "c" * 20


class Answers(FakePort):
    """A fake whose self endpoint knows one value."""

    asked_about: int = 0

    def describe_by_value(self, value: Secret) -> dict[str, Any]:
        self._count("describe_by_value")
        with self._lock:
            self.asked_about += 1
        if value.reveal() == PAT:
            return {"id": 42, "name": "ci", "user_id": 7, "previous_personal_access_token_id": 40}
        raise ApiFailure(Failure(FailureKind.TOKEN_REVOKED, "the token was revoked", 401))


def fake_scan(port: FakePort) -> InstanceScan:
    spec = InstanceSpec("fake", "https://fake.example", Secret("unused"))
    return scan_instance(spec, NOW, connect=lambda _spec, **_: port)


def variable(key_name: str, value: str | None, **extra: Any) -> dict[str, Any]:
    return {"key": key_name, "value": None if value is None else Secret(value), **extra}


def test_refusals_are_quiet_and_values_asked_once() -> None:
    port = Answers(
        me={"id": 7, "username": "mara"},
        rows={
            key(Listed.PROJECTS, min_access_level=40): [
                {"id": 1, "path_with_namespace": "acme/api"},
                {"id": 2, "path_with_namespace": "acme/web"},
            ],
            key(Listed.GROUPS, min_access_level=50): [{"id": 10, "full_path": "acme"}],
            key(Listed.CI_VARIABLES, 1): [
                variable("A", PAT),
                variable("B", f"https://oauth2:{PAT}@gitlab.example/acme.git"),
                variable("C", DEPLOY),
                variable("D", OTHER_PAT, environment_scope="staging"),
                variable("E", None, hidden=True),
                variable("F", "plain text, no token here."),
            ],
            key(Listed.CI_VARIABLES, 2): [variable("G", PAT)],
        },
        failures={key(Listed.CI_VARIABLES, 10): Failure(FailureKind.FORBIDDEN, "403", 403)},
    )
    scan = fake_scan(port)
    assert scan.ok
    assert (scan.projects, scan.groups, scan.not_yours, scan.variables) == (2, 1, 1, 7)
    assert scan.problems == []  # the group's 403 is "not yours", never a problem
    assert port.asked_about == 2
    assert scan.lookups == 2  # PAT (in A, B and G) once, OTHER_PAT once; never the deploy one
    found = {f.place.key: f for f in scan.findings}
    assert {found[k].finding for k in "ABG"} == {Finding.LINKED}
    assert found["C"].finding is Finding.OTHER_KIND
    assert "unidentified kind (deploy token" in found["C"].describe()
    assert found["D"].finding is Finding.REVOKED
    assert found["D"].place.environment_scope == "staging"
    assert found["E"].finding is Finding.HIDDEN
    assert "F" not in found
    assert [(s.old_key, s.new_key) for s in scan.gitlab_links] == [
        ("personal_access_token:40", "personal_access_token:42")
    ]
    assert_no_value_in([PAT, OTHER_PAT, DEPLOY], repr(scan), *(f.describe() for f in scan.findings))


def test_other_failures_are_said() -> None:
    port = Answers(
        me={"id": 7, "username": "mara"},
        rows={key(Listed.GROUPS, min_access_level=50): [{"id": 10, "full_path": "acme"}]},
        failures={
            key(Listed.CI_VARIABLES, 10): Failure(FailureKind.SERVER_ERROR, "500 server error"),
            key(Listed.PROJECTS, min_access_level=40): Failure(
                FailureKind.SERVER_ERROR, "500 server error"
            ),
        },
    )
    scan = fake_scan(port)
    assert scan.ok
    assert len(scan.problems) == 2
    dead = fake_scan(
        FakePort(me={}, failures={"whoami": Failure(FailureKind.TOKEN_EXPIRED, "expired", 401)})
    )
    assert dead.failure is not None
    assert dead.failure.kind is FailureKind.TOKEN_EXPIRED


def test_token_parts() -> None:
    parts = token_parts(Secret(f"first {PAT}. then mycompany-{OTHER_PAT}, again {PAT}"))
    assert [p.reveal() for p in parts] == [PAT, f"mycompany-{OTHER_PAT}"]
    assert token_parts(Secret("no token")) == []


# --- the command ------------------------------------------------------------------------


def gltui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gltui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_the_command_stores_places_never_values(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.maintainer)
    log = tmp_path / "api.log"
    done = gltui("--log", str(log), "scan-deployed", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert "updates that token's last-used time" in done.stderr
    (instance,) = json.loads(done.stdout)["instances"]
    assert instance["ok"] is True
    findings = {(f["path"], f["key"], f["environment_scope"]): f for f in instance["findings"]}
    assert findings[("acme/backend/worker", "RENOVATE_TOKEN", "*")]["finding"] == "linked"
    assert findings[("acme/backend/api", "JIRA_TOKEN", "staging")]["finding"] == "unknown"
    assert findings[("acme/website", "DEPLOY_BOT_TOKEN", "*")]["finding"] == "hidden"
    record = tmp_path / "data" / "deployed.json"
    assert record.stat().st_mode & 0o777 == 0o600
    stored = DeployedStore(tmp_path / "data").all()
    assert {d.place.key for d in stored} >= {"RENOVATE_TOKEN", "JIRA_TOKEN", "GROUP_CI_TOKEN"}
    assert "personal_access_tokens/self" in log.read_text()
    assert "/variables" in log.read_text()
    text = gltui("scan-deployed", env=env)
    assert text.returncode == 0, text.stderr
    assert "RENOVATE_TOKEN of acme/backend/worker (scope *): token #" in text.stdout
    assert "hidden, cannot be checked" in text.stdout
    assert "unidentified: GitLab knows no such token" in text.stdout
    assert "AUDIT_TOKEN" not in text.stdout
    assert "problem" not in text.stdout
    values = values_of(sandbox)
    assert_no_value_in(values, done.stdout, done.stderr, text.stdout, text.stderr)
    assert_no_value_in_files(values, tmp_path)
    # the hand-off's question: which variables hold this token?
    renovate = next(d for d in stored if d.place.key == "RENOVATE_TOKEN")
    assert gltui("report", "--format", "json", env=env).returncode in (0, 3)
    snapshot = SnapshotCache(tmp_path / "cache").load("127.0.0.1")
    assert snapshot is not None
    (row,) = [t for t in snapshot.tokens if f"personal_access_token:{t.id}" == renovate.token_key]
    (target,) = deployed_targets(row, tmp_path / "data")
    assert (target.owner, target.path, target.key, target.environment_scope) == (
        ResourceType.PROJECT,
        "acme/backend/worker",
        "RENOVATE_TOKEN",
        "*",
    )
    assert_no_value_in_files(values, tmp_path)


def test_a_dead_instance_exits_1(sandbox: RunningSandbox, tmp_path: Path) -> None:
    env = environment(tmp_path, GITLAB_URL=sandbox.url, GITLAB_TOKEN=sandbox.credentials.expired)
    done = gltui("scan-deployed", env=env)
    assert done.returncode == 1
    assert "not scanned: the token has expired" in done.stdout
    assert not (tmp_path / "data" / "deployed.json").exists()
    assert gltui("scan-deployed", env=environment(tmp_path)).returncode == 2


def test_nothing_is_kept_between_scans_but_places(tmp_path: Path) -> None:
    store = DeployedStore(tmp_path)
    assert store.all() == []
    (tmp_path / "deployed.json").write_text("{broken")
    assert store.all() == []  # set aside, with a notice
    assert store.file.notices.drain()
    assert list(tmp_path.glob("deployed.json.corrupt-*"))
    place = VariablePlace(ResourceType.PROJECT, 5, "acme/api", "CI_TOKEN", "production")
    seen_at = datetime(2026, 12, 1, tzinfo=UTC)
    kept = [Deployment("work", "personal_access_token:1", place, seen_at)]
    store.replace_instance("work", seen_at, kept)
    store.replace_instance("other", seen_at, [Deployment("other", "deploy:3", place, seen_at)])
    assert store.all() == [*kept, Deployment("other", "deploy:3", place, seen_at)]
    assert (tmp_path / "deployed.json").stat().st_mode & 0o777 == 0o600
    # the hand-off wrote the successor there: the place now holds the new token
    now_known = store.follow("work", "personal_access_token:1", "personal_access_token:2")
    (moved,) = [d for d in now_known if d.instance == "work"]
    assert moved.token_key == "personal_access_token:2"
    store.replace_instance("work", seen_at, [])  # a new scan of work found nothing
    assert [d.instance for d in store.all()] == ["other"]


def test_no_value_in_any_log_record(
    sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """Every logger at DEBUG (gltui's, python-gitlab's, urllib3's) and the API log."""
    caplog.set_level(logging.DEBUG)
    log_file = tmp_path / "api.jsonl"
    with log_file.open("a") as stream:
        spec = InstanceSpec(
            "work",
            sandbox.url,
            Secret(sandbox.credentials.maintainer),
            request_log=RequestLog(file=stream),
        )
        scan = scan_instance(spec, NOW)
    assert scan.ok
    assert caplog.records  # the loggers did speak
    values = values_of(sandbox)
    assert_no_value_in(values, caplog.text, log_file.read_text())
    assert "/variables" in log_file.read_text()
