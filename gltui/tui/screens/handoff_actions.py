"""The dashboard's rotate (``R``) and replace (``p``) as hand-offs: the glue between
:class:`~gltui.tui.screens.token_actions.TokenWrites` and the hand-off modal.

The modal's worker reads the token's targets (remembered in the config file, and the
CI/CD variables the last deployed-token scan found holding it) and runs
:class:`~gltui.actions.handoff.flow.HandoffFlow` through the instance's write client
and guarded transport. A hand-off that changed nothing (a target could not take the
value, GitLab refused) stays in the modal with the reasons, so the user can untick a
target and try again. One that changed something is patched into the table, recorded
(a pending replacement when the old token was kept; the succession either way), and
summed up: per target in :class:`~gltui.tui.screens.handoff.HandoffResultScreen`, or
beside the value when it must be shown once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from gltui.domain.display import describe, printable_said
from gltui.domain.tokens import Token

if TYPE_CHECKING:
    from collections.abc import Callable

    from gltui.actions.handoff.flow import HandoffResult
    from gltui.actions.handoff.targets import Offer
    from gltui.tui.screens.handoff import Chosen
    from gltui.tui.screens.token_actions import TokenWrites

NOT_OWN_CREDENTIAL = (
    "gltui does not hand off the token it signs in with here (it would lose access "
    "half-way): rotate it in GitLab and update gltui's token source (e)."
)
POLICY_NOTE = (
    "Empty: settings.rotation_days from today (90 by default), capped by the instance's "
    "maximum lifetime; never GitLab's one week."
)


def open_handoff(
    writes: TokenWrites,
    rotating: bool,
    token: Token,
    *,
    default: date | None = None,
    note: str = POLICY_NOTE,
) -> None:
    """Open the hand-off modal for ``token`` (the caller checked it may be written)."""
    from gltui.tui.screens.handoff import ReplaceHandoffScreen, RotateHandoffScreen

    if token.identity in writes.state.own_identities():
        writes.screen.notify(NOT_OWN_CREDENTIAL, severity="warning", markup=False, timeout=8)
        return
    spec = writes.state.spec(token.instance)
    assert spec is not None  # why_not_writable said it is configured
    config_path = writes.config_path
    today = writes.clock().date()
    store = writes.pending_store  # its directory holds the deployed-token scan's record

    def load() -> Offer:  # in the modal's worker: both read files
        from gltui.actions.handoff.targets import offer_for
        from gltui.inventory.deployed_store import deployed_targets

        if store is None:
            return offer_for(token, config_path, [])
        return offer_for(
            token, config_path, deployed_targets(token, store.path.parent, store.notices)
        )

    def run(chosen: Chosen, step: Callable[[str], None]) -> HandoffResult:
        from gltui.actions.handoff.flow import HandoffFlow, HandoffRefused, Mode
        from gltui.actions.handoff.writers import Writers
        from gltui.actions.service import ActionError
        from gltui.domain.errors import ValidationError
        from gltui.inventory.connect import api_for

        port = api_for(spec)
        try:
            flow = HandoffFlow(
                writes.client(token.instance),
                port,
                Writers(port, token, spec.url),
                today,
                chosen.rotation_days,
                on_step=step,
            )
            mode = Mode.ROTATE if rotating else Mode.REPLACE
            try:
                result = flow.run(mode, token, chosen.targets, chosen.expires)
            except HandoffRefused as refused:
                raise ActionError(refused.message) from None
            except ValidationError as error:
                raise ActionError(error.message) from None
        finally:
            port.close()
        if not result.changed:  # stay in the modal: untick a target, or fix it, and retry
            from gltui.tui.screens.handoff import result_lines

            raise ActionError("\n".join([result.message, *result_lines(result)]))
        return _remembered(result, chosen, config_path)

    def closed(result: HandoffResult | None) -> None:
        if result is not None:
            _finish(writes, token, result)

    screen_type = RotateHandoffScreen if rotating else ReplaceHandoffScreen
    screen = screen_type(
        describe(token),
        today,
        load,
        run,
        expiry_note=note,
        default=default,
        can_remember=config_path is not None,
    )
    writes.screen.app.push_screen(screen, closed)


def _remembered(result: HandoffResult, chosen: Chosen, config_path: object) -> HandoffResult:
    """Remember the added targets that took the value (in the worker: file I/O)."""
    from pathlib import Path

    from gltui.actions.handoff.targets import remember
    from gltui.config.model import ConfigError

    if not (chosen.remember and chosen.added and isinstance(config_path, Path)):
        return result
    took = [r.target for r in result.targets if r.written and r.target in chosen.added]
    if not took:
        return result
    try:
        remember(config_path, result.new or result.old, took)
    except (ConfigError, ValueError, OSError) as error:
        return replace(result, message=f"{result.message}; not remembered: {error}")
    return result


def _finish(writes: TokenWrites, token: Token, result: HandoffResult) -> None:
    """Patch the table, record what happened, and say it (the value once if needed)."""
    from gltui.actions.handoff.flow import Mode
    from gltui.actions.pending import PendingReplacement
    from gltui.actions.service import Issued
    from gltui.domain.changes import seen_key
    from gltui.domain.replaced import Because
    from gltui.tui.screens.handoff import HandoffResultScreen, result_lines
    from gltui.tui.screens.secret import SecretScreen

    new = result.new
    if new is None:
        return
    changed = [new]
    if result.old_revoked:
        changed.insert(0, replace(token, revoked=True))
    writes._changed(changed)
    because = Because.ROTATED if result.mode is Mode.ROTATE else Because.REPLACED
    writes.remember_succession(token, new, because)
    if result.old_kept:
        old_key, new_key = seen_key(token), seen_key(new)
        pending = PendingReplacement(token.instance, old_key, token.name, new_key, writes.clock())
        writes.remember_pending(pending)
    else:
        writes.forget_pending([token])
    app = writes.screen.app
    if result.must_show_value and result.secret is not None:
        said = [printable_said(result.message), *result_lines(result)]
        if result.old_kept:
            said.append("Deploy it, then select the old token and press p to revoke the old one.")
        app.push_screen(SecretScreen(Issued(new, result.secret), "\n".join(said)))
        return
    app.push_screen(HandoffResultScreen(result))
