"""The whole hand-off against the sandbox: rotate or replace, write, verify, revoke (or
keep), the lifetime policy at the instance's cap, and what is refused up front."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gltui.actions.handoff.flow import HandoffFlow, HandoffRefused, HandoffResult, Mode, Outcome
from gltui.actions.handoff.lifetime import successor_expiry
from gltui.actions.handoff.writers import Writers
from gltui.actions.service import TokenActions
from gltui.domain.errors import ValidationError
from gltui.domain.handoff import CommandTarget, Target, ci_variable
from gltui.domain.tokens import ResourceType, Token
from gltui.inventory.probe import sign_in
from gltui.inventory.walk import walk_instance
from gltui.sandbox.server import RunningSandbox
from tests.conftest import NOW, TODAY, SandboxFactory, client
from tests.handoff_helpers import api, read_from, spec_of, store_into, variable

RENOVATE = ci_variable(ResourceType.PROJECT, "acme/backend/worker", "RENOVATE_TOKEN")
QUEUE = ci_variable(ResourceType.PROJECT, "acme/backend/worker", "QUEUE_ADMIN_TOKEN")


def token_named(sandbox: RunningSandbox, name: str, persona: str = "maintainer") -> Token:
    inventory = walk_instance(spec_of(sandbox, persona), NOW)
    return next(t for t in inventory.tokens if t.name == name and not t.revoked)


def hand_off(
    sandbox: RunningSandbox,
    mode: Mode,
    token: Token,
    targets: list[Target],
    persona: str = "maintainer",
    **options: object,
) -> HandoffResult:
    spec = spec_of(sandbox, persona)
    port = api(sandbox, persona)
    actions = TokenActions(spec, sign_in(port))
    try:
        flow = HandoffFlow(actions, port, Writers(port, token, sandbox.url), TODAY)
        return flow.run(mode, token, targets, **options)  # type: ignore[arg-type]
    finally:
        actions.close()
        port.close()


def pat_state(sandbox: RunningSandbox, token_id: int) -> dict[str, object]:
    found = client(sandbox, "admin").personal_access_tokens.get(token_id)
    return dict(found.attributes)


def test_rotate_hands_the_value_over_and_proves_it(sandbox: RunningSandbox) -> None:
    old = token_named(sandbox, "renovate")
    result = hand_off(sandbox, Mode.ROTATE, old, [RENOVATE])
    assert result.outcome is Outcome.DONE, result.message
    assert result.new is not None
    assert result.secret is not None
    assert result.new.expires_at == TODAY + timedelta(days=90)  # never GitLab's week
    assert result.lifetime == f"expires {TODAY + timedelta(days=90)} (90 days)"
    assert result.signs_in is not None
    assert result.signs_in.verified is True
    (done,) = result.targets
    assert (done.written, done.verified, done.error) == (True, True, None)
    assert variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")["value"] == (
        result.secret.reveal()
    )
    assert pat_state(sandbox, old.id)["revoked"] is True  # GitLab's doing
    assert result.old_revoked
    assert not result.old_kept
    assert not result.must_show_value
    assert result.secret.reveal() not in repr(result)


def test_a_target_that_cannot_take_the_value_stops_the_rotation_before_it_starts(
    sandbox: RunningSandbox,
) -> None:
    old = token_named(sandbox, "renovate")
    before = variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")["value"]
    missing = ci_variable(ResourceType.PROJECT, "acme/backend/worker", "NOT_THERE")
    result = hand_off(sandbox, Mode.ROTATE, old, [RENOVATE, missing])
    assert result.outcome is Outcome.TARGET_FAILED
    assert result.new is None
    assert result.secret is None
    assert not result.changed
    assert result.message.startswith("nothing changed: 1 of 2 targets cannot take the new value")
    assert [bool(r.error) for r in result.targets] == [False, True]
    assert pat_state(sandbox, old.id)["revoked"] is False  # it still serves
    assert variable(sandbox, "acme/backend/worker", "RENOVATE_TOKEN")["value"] == before


def test_replace_revokes_the_old_token_only_after_every_target_holds_the_new_one(
    sandbox: RunningSandbox,
) -> None:
    old = token_named(sandbox, "queue admin")  # the project's access token
    result = hand_off(sandbox, Mode.REPLACE, old, [QUEUE])
    assert result.outcome is Outcome.DONE, result.message
    assert result.new is not None
    assert result.secret is not None
    assert result.old_revoked
    assert variable(sandbox, "acme/backend/worker", "QUEUE_ADMIN_TOKEN")["value"] == (
        result.secret.reveal()
    )
    project = client(sandbox, "admin").projects.get("acme/backend/worker")
    states = {t.id: t.revoked for t in project.access_tokens.list(get_all=True)}
    assert states[old.id] is True
    assert states[result.new.id] is False


def test_replace_keeps_the_old_token_when_a_target_fails(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    old = token_named(sandbox, "queue admin")
    refusing = CommandTarget(("sh", "-c", "cat > /dev/null; echo no space left >&2; exit 1"))
    result = hand_off(sandbox, Mode.REPLACE, old, [QUEUE, refusing])
    assert result.outcome is Outcome.TARGET_FAILED
    assert result.new is not None
    assert result.old_kept
    assert result.must_show_value
    assert [r.written for r in result.targets] == [True, False]
    assert result.targets[1].error == "command 'sh' exited with code 1: no space left"
    assert "still works and is kept" in result.message
    project = client(sandbox, "admin").projects.get("acme/backend/worker")
    states = {t.id: t.revoked for t in project.access_tokens.list(get_all=True)}
    assert states[old.id] is False  # nothing revoked that still serves


def test_replace_keeps_the_old_token_when_a_target_reads_back_something_else(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    old = token_named(sandbox, "queue admin")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("glpat-something-else-0000000\n")
    store = CommandTarget(tuple(store_into(tmp_path / "stored")), tuple(read_from(elsewhere)))
    result = hand_off(sandbox, Mode.REPLACE, old, [store])
    assert result.outcome is Outcome.VERIFICATION_FAILED
    assert result.old_kept
    assert result.must_show_value
    assert "1 of 1 targets read back something else" in result.message


def test_replace_without_a_target_keeps_the_old_token(sandbox: RunningSandbox) -> None:
    old = token_named(sandbox, "queue admin")
    result = hand_off(sandbox, Mode.REPLACE, old, [])
    assert result.outcome is Outcome.DONE
    assert result.old_kept
    assert result.must_show_value


# --- the lifetime policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "cap", "expected", "note"),
    [
        (90, None, 90, "(90 days)"),
        (90, 365, 90, "(90 days)"),
        (90, 90, 90, "(90 days)"),  # at the cap exactly
        (90, 89, 89, "90 days capped by the instance's maximum lifetime (89)"),
        (90, 30, 30, "90 days capped by the instance's maximum lifetime (30)"),
        (400, None, 365, "400 days capped by GitLab's default maximum lifetime (365)"),
        (1, None, 1, "(1 days)"),
    ],
)
def test_the_successor_lives_the_policy_capped_by_the_instance(
    days: int, cap: int | None, expected: int, note: str
) -> None:
    lifetime = successor_expiry(TODAY, days=days, instance_max_days=cap)
    assert lifetime.expires_at == TODAY + timedelta(days=expected)
    assert lifetime.note.endswith(note)


def test_a_chosen_expiry_is_checked_against_the_cap() -> None:
    latest = TODAY + timedelta(days=30)
    assert successor_expiry(TODAY, instance_max_days=30, chosen=latest).expires_at == latest
    with pytest.raises(ValidationError, match="beyond the instance's maximum lifetime of 30"):
        successor_expiry(TODAY, instance_max_days=30, chosen=latest + timedelta(days=1))
    with pytest.raises(ValidationError, match="must be after today"):
        successor_expiry(TODAY, chosen=TODAY)


def test_an_administrators_lower_limit_wins_over_the_policy(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    sandbox = make_sandbox()
    with sandbox.store.lock:
        sandbox.store.max_lifetime_days = 30
    stored = tmp_path / "stored"
    target = CommandTarget(tuple(store_into(stored)))
    old = token_named(sandbox, "k8s agent", "admin")
    as_admin = hand_off(sandbox, Mode.ROTATE, old, [target], "admin")  # reads the setting
    assert as_admin.outcome is Outcome.DONE, as_admin.message
    assert as_admin.new is not None
    assert as_admin.new.expires_at == TODAY + timedelta(days=30)
    assert "capped by the instance's maximum lifetime (30)" in as_admin.lifetime
    # Mara cannot read the setting: GitLab's refusal names the limit, and gltui takes it
    renovate = token_named(sandbox, "renovate")
    as_user = hand_off(sandbox, Mode.ROTATE, renovate, [target])
    assert as_user.outcome is Outcome.DONE, as_user.message
    assert as_user.new is not None
    assert as_user.new.expires_at == TODAY + timedelta(days=30)
    assert as_user.lifetime.endswith("capped by the instance's limit")
    # a date the user chose is never lowered behind their back: GitLab's refusal stands
    chosen = TODAY + timedelta(days=31)
    refused = hand_off(sandbox, Mode.ROTATE, as_user.new, [target], chosen=chosen)
    assert refused.outcome is Outcome.REFUSED
    assert refused.new is None
    assert "Expires at must be before" in refused.message, refused.message
    assert refused.message.endswith("nothing changed")
    assert pat_state(sandbox, as_user.new.id)["revoked"] is False


# --- refused up front --------------------------------------------------------------------


def test_what_gitlab_cannot_do_is_refused_before_anything_changes(
    sandbox: RunningSandbox,
) -> None:
    deploy = token_named(sandbox, "k8s pull")
    with pytest.raises(HandoffRefused, match="use replace"):
        hand_off(sandbox, Mode.ROTATE, deploy, [RENOVATE])
    personal = token_named(sandbox, "renovate")  # Mara is no administrator
    with pytest.raises(HandoffRefused, match=r"only administrators.*rotate it instead"):
        hand_off(sandbox, Mode.REPLACE, personal, [RENOVATE])
    assert pat_state(sandbox, personal.id)["revoked"] is False


def test_before_gitlab_15_5_the_new_token_signs_in_through_user(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    old_gitlab = make_sandbox(version="15")  # no /personal_access_tokens/self, no rotate
    old = token_named(old_gitlab, "queue admin")
    with pytest.raises(HandoffRefused, match=r"rotation needs GitLab 16\.0"):
        hand_off(old_gitlab, Mode.ROTATE, old, [])
    stored = tmp_path / "stored"
    target = CommandTarget(tuple(store_into(stored)), tuple(read_from(stored)))
    result = hand_off(old_gitlab, Mode.REPLACE, old, [target])
    assert result.outcome is Outcome.DONE, result.message
    assert result.signs_in is not None
    assert result.signs_in.verified is True
    assert result.old_revoked
