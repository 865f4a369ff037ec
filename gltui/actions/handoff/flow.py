"""The hand-off: rotate (or create the successor), write every target, verify, then
revoke the old token (replace) or report (rotate: GitLab already revoked it).

The order is the point (``design.md`` §10; ``gitlab-2026.md`` §3.1):

1. the successor's expiry is fixed first (:mod:`~gltui.actions.handoff.lifetime`:
   ``rotation_days`` capped by the instance, always sent);
2. every target is *prepared* while nothing has changed, so a target that cannot take
   the value stops the hand-off with the old token still serving everything;
3. GitLab rotates the token, or creates its successor (replace);
4. every target is written, each failure recorded and the rest still written;
5. the new token must sign in (``GET /personal_access_tokens/self`` with it, or
   ``/user`` before GitLab 15.5), and every target must read back the new value;
6. replace only: the old token is revoked when everything was written and nothing
   failed verification; otherwise it is kept (it still serves) and the caller records
   a pending replacement.

Nothing is revoked that still serves: a rotation's old token is gone by GitLab's doing
at step 3, which is why step 2 exists. A runner's "rotation" is GitLab's reset: the
runner keeps its id, its old authentication token stops working at step 3, and the new
one expires when GitLab's ``token_expires_at`` says (a reset takes no expiry, so
gltui's lifetime policy does not apply); the words say so, not "revoked".

When anything failed after step 3, the caller shows the value once
(:attr:`HandoffResult.must_show_value`), so nothing is lost. Every call goes through the
instance's guarded transport; signing in as the new token too, never to another host.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from gltui.actions.handoff.lifetime import (
    Lifetime,
    instance_max_days,
    limit_in,
    successor_expiry,
)
from gltui.actions.handoff.writers import Check, HandoffPort, TargetFailed, Writers
from gltui.actions.like import request_like
from gltui.actions.offers import replacement_unavailable, rotation_unavailable
from gltui.actions.service import ActionError, Issued, TokenActions
from gltui.adapters.endpoints import NotPossible, create_path, parse_version, rotate_call
from gltui.adapters.wire import ApiFailure, is_missing_route
from gltui.config.model import DEFAULT_ROTATION_DAYS
from gltui.domain.display import describe
from gltui.domain.failures import FailureKind
from gltui.domain.handoff import Target, describe_target
from gltui.domain.secret import Secret
from gltui.domain.tokens import Expiry, Token, TokenKind

SELF_SINCE = (15, 5)
"""``GET /personal_access_tokens/self`` (``gitlab-token-api.md`` §1.1)."""
RESET_TAKES_NO_EXPIRY = (
    "a runner's token reset takes no expiry: GitLab sets its token_expires_at itself (the "
    "runner's token expiration setting); reset it without choosing one"
)


class Mode(StrEnum):
    """Rotate (GitLab makes the successor and revokes the old token at once) or replace
    (gltui creates the successor; the old token goes only after the hand-off)."""

    ROTATE = "rotate"
    REPLACE = "replace"


class Outcome(StrEnum):
    """How a hand-off ended; each has its own exit code in the headless commands."""

    DONE = "done"
    TARGET_FAILED = "target_failed"
    VERIFICATION_FAILED = "verification_failed"
    REFUSED = "refused"


class HandoffRefused(Exception):
    """The hand-off cannot start (nothing changed); the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TargetResult:
    """What happened at one target."""

    target: Target
    written: bool = False
    verified: bool | None = None
    """``True`` read back equal; ``False`` not; ``None`` not verifiable (or not written)."""
    error: str | None = None
    note: str = ""

    @property
    def kind(self) -> str:
        return self.target.kind.value

    @property
    def where(self) -> str:
        return describe_target(self.target)

    @property
    def ok(self) -> bool:
        return self.written and self.error is None and self.verified is not False


@dataclass(frozen=True)
class HandoffResult:
    """The whole hand-off, per target; carries the new value for its one showing."""

    mode: Mode
    old: Token
    outcome: Outcome
    message: str
    targets: tuple[TargetResult, ...] = ()
    new: Token | None = None
    secret: Secret | None = field(default=None, repr=False)
    lifetime: str = ""
    signs_in: Check | None = None
    old_revoked: bool = False
    """The old token is revoked now (by GitLab's rotation, or by the replacement; a
    runner's reset: its old authentication token no longer works)."""

    @property
    def reset(self) -> bool:
        """A runner's token reset: the same runner (``new`` has ``old``'s id), a new value."""
        return resets(self.mode, self.old)

    @property
    def changed(self) -> bool:
        """Whether GitLab now has a successor (something happened)."""
        return self.new is not None

    @property
    def old_kept(self) -> bool:
        """A replacement that left the old token working beside its successor."""
        return self.mode is Mode.REPLACE and self.new is not None and not self.old_revoked

    @property
    def must_show_value(self) -> bool:
        """Whether the value must be shown once: a successor exists and not every
        target holds it verified (or there was no target at all)."""
        if self.secret is None:
            return False
        return self.outcome is not Outcome.DONE or not self.targets


@dataclass
class HandoffFlow:
    """One hand-off on one instance (blocking: the dashboard runs it in a worker)."""

    actions: TokenActions
    port: HandoffPort
    writers: Writers
    today: date
    rotation_days: int = DEFAULT_ROTATION_DAYS
    on_step: Callable[[str], None] = lambda _said: None
    """Progress, in words ("writing CI variable ..."), for the dashboard's busy line."""

    def run(
        self, mode: Mode, token: Token, targets: Sequence[Target], chosen: date | None = None
    ) -> HandoffResult:
        """The whole hand-off; raises :class:`HandoffRefused` (or
        :class:`~gltui.domain.errors.ValidationError` for a bad expiry) before anything
        changed, otherwise returns what happened at every step."""
        self._check_possible(mode, token)
        identity = self.actions.identity
        is_admin = identity.is_admin if identity else False
        if resets(mode, token):
            if chosen is not None:
                raise HandoffRefused(RESET_TAKES_NO_EXPIRY)
            # a reset sends no expiry (this date never leaves gltui): no cap to read
            lifetime = Lifetime(self.today, reset_expiry(token.expires_at, before=True))
        else:
            cap = instance_max_days(self.port, is_admin=is_admin)
            lifetime = successor_expiry(
                self.today, days=self.rotation_days, instance_max_days=cap, chosen=chosen
            )
        results = self._prepare(targets)
        if any(result.error for result in results):
            failed = sum(1 for result in results if result.error)
            return HandoffResult(
                mode,
                token,
                Outcome.TARGET_FAILED,
                f"nothing changed: {failed} of {len(results)} targets cannot take the new "
                f"value; {describe(token)} still works",
                tuple(results),
                lifetime=lifetime.note,
            )
        try:
            issued, lifetime = self._issue(mode, token, lifetime)
        except ActionError as error:
            return HandoffResult(
                mode,
                token,
                Outcome.REFUSED,
                f"GitLab refused: {error.message}; nothing changed",
                tuple(results),
                lifetime=lifetime.note,
            )
        new, secret = issued.token, issued.secret
        note = self._lifetime_note(mode, token, lifetime, new)
        written = [self._write(result, secret) for result in results]
        self.on_step("checking that the new token signs in")
        signs_in = self._signs_in(new, secret)
        checked = [self._verify(result, secret) for result in written]
        outcome = _outcome(checked, signs_in)
        revoked = mode is Mode.ROTATE
        message = _message(mode, outcome, token, new, checked, signs_in)
        if mode is Mode.REPLACE and outcome is Outcome.DONE and checked:
            self.on_step("revoking the old token")
            done = self.actions.revoke(token)
            revoked = done.ok
            if not done.ok:
                outcome = Outcome.REFUSED
                message = (
                    f"the successor #{new.id} is in every target and works, but GitLab "
                    f"refused to revoke the old token: {done.message}; revoke it yourself"
                )
        return HandoffResult(
            mode, token, outcome, message, tuple(checked), new, secret, note, signs_in, revoked
        )

    # --- the steps ----------------------------------------------------------------
    def _check_possible(self, mode: Mode, token: Token) -> None:
        identity = self.actions.identity
        version = self.actions.version
        refusal = handoff_refusal(mode, token, version)
        if refusal is not None:
            raise HandoffRefused(refusal)
        if mode is Mode.ROTATE:
            return
        if identity is None:
            raise HandoffRefused("gltui does not know who it is signed in as here")
        request = request_like(token, self.today)
        owner = token.owner.user_id if token.owner else None
        try:
            create_path(
                request,
                user_id=owner or identity.user_id,
                is_admin=identity.is_admin,
                version=version,
                own_user_id=identity.user_id,
            )
        except NotPossible as reason:
            hint = "" if token.kind is TokenKind.DEPLOY else "; rotate it instead"
            raise HandoffRefused(f"{reason}{hint}") from None

    def _prepare(self, targets: Sequence[Target]) -> list[TargetResult]:
        results = []
        for target in targets:
            self.on_step(f"checking {describe_target(target)}")
            try:
                note = self.writers.prepare(target)
            except TargetFailed as failed:
                results.append(TargetResult(target, error=failed.message))
                continue
            results.append(TargetResult(target, note=note))
        return results

    def _issue(self, mode: Mode, token: Token, lifetime: Lifetime) -> tuple[Issued, Lifetime]:
        """Rotate or create; a date GitLab refuses as beyond its limit is retried once
        with the limit it names (the refusal changed nothing)."""
        try:
            return self._issue_once(mode, token, lifetime.expires_at), lifetime
        except ActionError as error:
            limit = limit_in(error.message)
            if lifetime.chosen or limit is None or not self.today < limit < lifetime.expires_at:
                raise
        capped = Lifetime(limit, f"expires {limit.isoformat()}: capped by the instance's limit")
        return self._issue_once(mode, token, limit), capped

    def _issue_once(self, mode: Mode, token: Token, expires_at: date) -> Issued:
        if resets(mode, token):
            self.on_step("resetting the runner's token")
            return self.actions.rotate(token, None)  # a reset takes no expiry
        if mode is Mode.ROTATE:
            self.on_step("rotating")
            return self.actions.rotate(token, expires_at)
        self.on_step("creating the successor")
        request = replace(request_like(token, self.today), expires_at=expires_at)
        owner = token.owner.user_id if token.owner else None
        return self.actions.create(request, for_user=owner)

    def _lifetime_note(self, mode: Mode, token: Token, lifetime: Lifetime, new: Token) -> str:
        if resets(mode, token):
            return reset_expiry(new.expires_at)
        if mode is Mode.ROTATE and new.expires_at != lifetime.expires_at:
            version = self.actions.version
            call = rotate_call(token, version)
            if not call.accepts_expiry:
                return (
                    f"expires {new.expires_at}: this rotation takes no expiry on GitLab "
                    f"{version or '(version unknown)'} (personal and resource tokens: 16.6+)"
                )
            asked = lifetime.expires_at.isoformat()
            return f"expires {new.expires_at} (GitLab's choice; gltui asked for {asked})"
        return lifetime.note

    def _write(self, result: TargetResult, secret: Secret) -> TargetResult:
        self.on_step(f"writing {result.where}")
        try:
            note = self.writers.write(result.target, secret)
        except TargetFailed as failed:
            return replace(result, error=failed.message)
        return replace(result, written=True, note=note)

    def _verify(self, result: TargetResult, secret: Secret) -> TargetResult:
        if not result.written:
            return result
        self.on_step(f"reading back {result.where}")
        check = self.writers.verify(result.target, secret)
        return replace(result, verified=check.verified, note=f"{result.note}; {check.note}")

    def _signs_in(self, new: Token, secret: Secret) -> Check:
        """Whether GitLab accepts the new value (it signs in as the new token)."""
        if not new.kind.shares_personal_token_ids:
            kind = new.kind.value
            return Check(None, f"not verifiable ({kind} tokens do not sign in to the API)")
        identity = self.actions.identity
        known = parse_version(identity.version if identity else None)
        if known is None or known >= SELF_SINCE:
            try:
                data = self.port.describe_by_value(secret)
            except ApiFailure as error:
                if not is_missing_route(error.failure):
                    return Check(False, f"GitLab does not accept it: {error.failure.message}")
            else:
                if data.get("id") == new.id:
                    return Check(True, "signs in")
                return Check(False, f"it signs in as token #{data.get('id')}, not #{new.id}")
        try:
            self.port.whoami_by_value(secret)
        except ApiFailure as error:
            if error.failure.kind is FailureKind.MISSING_SCOPE:
                return Check(True, "signs in (without read_user, GitLab does not say as whom)")
            return Check(False, f"GitLab does not accept it: {error.failure.message}")
        return Check(True, "signs in")


def resets(mode: Mode, token: Token) -> bool:
    """Whether rotating ``token`` is GitLab's reset of a runner's authentication token
    (:func:`~gltui.adapters.endpoints.rotate_call` resets for runners, on every version)."""
    return mode is Mode.ROTATE and token.kind is TokenKind.RUNNER


def handoff_refusal(mode: Mode, token: Token, version: str | None) -> str | None:
    """Why ``token`` cannot be handed off in ``mode`` whatever the targets: it is revoked,
    GitLab cannot rotate its kind, or gltui cannot create its successor (a trigger, an
    agent's or a runner's token). ``None``: it may be tried (the instance may still
    refuse). Pure, so the headless command asks before it asks for confirmation."""
    if token.revoked:
        return (
            f"{describe(token)} is revoked: there is nothing to rotate or replace; "
            "create a new token instead"
        )
    if mode is Mode.ROTATE:
        return rotation_unavailable(token, version)
    return replacement_unavailable(token)


def reset_expiry(expires_at: Expiry, *, before: bool = False) -> str:
    """What a runner's reset does to the expiry: GitLab's ``token_expires_at`` (its answer
    to the reset; ``before``: not reset yet, so what GitLab will do)."""
    if before:
        return (
            "expires when GitLab says (token_expires_at, from the runner's token expiration "
            "setting): a reset takes no expiry"
        )
    if expires_at is None:
        return "never expires: GitLab gave the new token no token_expires_at"
    when = (
        f"{expires_at:%Y-%m-%d %H:%M} UTC"
        if isinstance(expires_at, datetime)
        else expires_at.isoformat()
    )
    return f"expires {when}: GitLab's token_expires_at for the runner (a reset takes no expiry)"


def _outcome(results: Sequence[TargetResult], signs_in: Check) -> Outcome:
    if any(not result.written for result in results):
        return Outcome.TARGET_FAILED
    if signs_in.verified is False or any(result.verified is False for result in results):
        return Outcome.VERIFICATION_FAILED
    return Outcome.DONE


def _message(
    mode: Mode,
    outcome: Outcome,
    old: Token,
    new: Token,
    results: Sequence[TargetResult],
    signs_in: Check,
) -> str:
    count = len(results)
    reset = resets(mode, old)
    if outcome is Outcome.DONE:
        where = f"in all {count} targets" if count else "in no target (none was given)"
        if reset:
            return (
                f"reset: runner #{old.id} keeps its id; its new authentication token is "
                f"{where}; the old one no longer works"
            )
        if mode is Mode.ROTATE:
            return f"rotated: the successor #{new.id} is {where}; GitLab revoked #{old.id}"
        if not count:  # nothing proves it is deployed: the two-phase replace
            return (
                f"replaced: the successor #{new.id} works; the old token #{old.id} is kept "
                "until you say the new one is deployed"
            )
        return f"replaced: the successor #{new.id} is {where} and works; #{old.id} is revoked"
    if outcome is Outcome.TARGET_FAILED:
        failed = sum(1 for result in results if not result.written)
        what = f"{failed} of {count} targets could not be written"
    else:
        bad = sum(1 for result in results if result.verified is False)
        what = (
            f"{bad} of {count} targets read back something else"
            if bad
            else f"the new token does not sign in ({signs_in.note})"
        )
    if reset:
        return (
            f"reset, but {what}: runner #{old.id}'s old authentication token no longer works "
            "(GitLab reset it); put the new value there yourself"
        )
    if mode is Mode.ROTATE:
        return (
            f"rotated, but {what}: the old token #{old.id} no longer works (GitLab revoked "
            f"it); put the new value there yourself"
        )
    return f"{what}: the old token #{old.id} still works and is kept beside #{new.id}"
