"""The dashboard's write side: revoke, rotate, replace and create.

A controller the dashboard holds (composition, not a base class): it reads the
dashboard's :class:`~gltui.tui.dashboard_state.DashboardState`, opens the action
modals and reports back in messages. Every GitLab call runs in a thread worker of
the modal that asked for it; what an action changed comes back to the dashboard
as :class:`~gltui.tui.messages.TokensChanged` (patched into the table without a
refresh), and the replacements file, written in a worker, as
:class:`~gltui.tui.messages.PendingChanged`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from gltui.clock import Clock
from gltui.domain.display import describe, printable_said
from gltui.domain.replaced import Because
from gltui.domain.tokens import Owner, Resource, Token, TokenKind
from gltui.tui.dashboard_state import DashboardState
from gltui.tui.messages import PendingChanged, TokensChanged
from gltui.tui.widgets.token_table import TokenTable

if TYPE_CHECKING:
    from gltui.actions.pending import PendingReplacement, PendingStore
    from gltui.actions.service import Issued, Outcome, TokenActions
    from gltui.domain.templates import CreateRequest, Template
    from gltui.inventory.engine import InventoryEngine
    from gltui.tui.screens.create import Created, Place

# The action modals and the write side load on first use: they are not needed for the
# first paint, and importing them up front cost ~20 ms of every start (measured). So do
# the templates, the pending store (when there is one) and gltui.domain.changes (cold start).


class TokenWrites:
    """Write actions over the tokens a dashboard shows."""

    def __init__(
        self,
        screen: Screen[Any],
        state: DashboardState,
        engine: InventoryEngine,
        clock: Clock,
        *,
        config_path: Path | None = None,
    ) -> None:
        """``screen``: the dashboard, which hears the messages and runs the workers;
        ``config_path``: where "save as template" writes (``None``: not offered)."""
        self.screen = screen
        self.state = state
        self.clock = clock
        self.config_path = config_path
        self._clients: dict[str, TokenActions] = {}
        self.pending_store: PendingStore | None = None
        self.use_engine(engine)

    def use_engine(self, engine: InventoryEngine) -> None:
        """A new configuration: new write clients, and its replacements file."""
        self._clients.clear()
        self.pending_store = None
        if engine.history:
            from gltui.actions.pending import PendingStore

            self.pending_store = PendingStore(engine.history.directory, engine.notices)

    def _notify(self, message: str, **options: Any) -> None:
        self.screen.notify(message, markup=False, **options)

    def _changed(self, tokens: list[Token], *, clear_marks: bool = False) -> None:
        self.screen.post_message(TokensChanged(tokens, clear_marks=clear_marks))

    def client(self, name: str) -> TokenActions:
        """The write client of one instance (made on first use, in a worker thread)."""
        from gltui.actions.service import TokenActions

        spec = self.state.spec(name)
        assert spec is not None  # checked by why_not_writable before any modal opened
        identity = self.state.instances[name].identity
        existing = self._clients.get(name)
        if existing is None or existing.spec is not spec or existing.identity != identity:
            existing = TokenActions(spec, identity)
            self._clients[name] = existing
        return existing

    def _one(self, targets: list[Token], verb: str) -> Token | None:
        if len(targets) != 1:
            message = "No token selected." if not targets else f"Choose one token to {verb}."
            self._notify(message, timeout=3)
            return None
        token = targets[0]
        reason = self.state.why_not_writable(token.instance)
        if reason is not None:
            self._notify(f"Cannot {verb}: {reason}.", severity="warning")
            return None
        return token

    # --- revoke -----------------------------------------------------------------
    def revoke(self, targets: list[Token]) -> None:
        """Revoke the marked or selected tokens (after the modal's confirmation)."""
        if not targets:
            self._notify("No token selected.", timeout=2)
            return
        from gltui.actions.offers import revoke_unavailable

        allowed = []
        for token in targets:
            reason = self.state.why_not_writable(token.instance) or revoke_unavailable(token)
            if reason is not None:
                self._notify(f"Skipping {describe(token)}: {reason}", severity="warning")
            elif token.revoked:
                self._notify(f"Already revoked: {describe(token)}", timeout=3)
            else:
                allowed.append(token)
        if allowed:
            self._revoke_in_modal(allowed, "")

    def _revoke_in_modal(self, targets: list[Token], done_message: str) -> None:
        """The revoke modal; what it revoked is patched into the table and ends any
        replacement that was waiting on it."""
        from gltui.tui.screens.revoke import RevokeScreen

        own = self.state.own_identities()

        def revoke(token: Token) -> Outcome:
            return self.client(token.instance).revoke(token)

        def closed(outcomes: list[Outcome] | None) -> None:
            done = [outcome.token for outcome in outcomes or [] if outcome.ok]
            if not done:
                return
            self._changed(done, clear_marks=True)
            self.forget_pending(done)
            if done_message:
                self._notify(done_message, timeout=4)
            if any(token.identity in own for token in done):
                self._notify(
                    "gltui's own token was revoked: give it a new one (e) before refreshing.",
                    severity="warning",
                    timeout=8,
                )

        self.screen.app.push_screen(RevokeScreen(targets, own, revoke), closed)

    # --- rotate -------------------------------------------------------------------
    def rotate(self, targets: list[Token]) -> None:
        """Rotate the one selected token: GitLab revokes it and issues a successor (a
        runner's token is reset: the same runner, a new value)."""
        from gltui.actions.offers import RESET_NOTE, expiry_note, rotation_verb
        from gltui.adapters.endpoints import NotPossible, rotate_call
        from gltui.tui.screens.rotate import RotateScreen
        from gltui.tui.screens.secret import SecretScreen

        verb = rotation_verb(targets[0]) if len(targets) == 1 else "rotate"
        token = self._one(targets, verb)
        if token is None:
            return
        identity = self.state.instances[token.instance].identity
        version = identity.version if identity else None
        try:
            call = rotate_call(token, version)
        except NotPossible as reason:
            message = f"Cannot {verb} {describe(token)}: {printable_said(str(reason))}."
            self._notify(message, severity="warning")
            return
        if token.revoked:
            self._notify("GitLab cannot rotate a revoked token; use c to create a new one.")
            return
        note = printable_said(expiry_note(token, call, version))
        today = self.clock().date()
        if not call.resets:  # a hand-off: targets, verification, the lifetime policy
            from gltui.tui.screens.handoff_actions import POLICY_NOTE, open_handoff

            # empty means rotation_days (never GitLab's week, for a service account's
            # token too); where GitLab ignores any expiry, the note says what it does
            said = POLICY_NOTE if call.accepts_expiry else note
            open_handoff(self, True, token, note=said)
            return

        def rotate(expires: date | None) -> Issued:
            return self.client(token.instance).rotate(token, expires, today=today)

        def closed(issued: Issued | None) -> None:
            if issued is None:
                return
            if call.resets:  # the same runner: its row changes, nothing is revoked
                self._changed([issued.token])
                self.screen.app.push_screen(SecretScreen(issued, RESET_NOTE))
                return
            self._changed([replace(token, revoked=True), issued.token])
            self.forget_pending([token])
            self.remember_succession(token, issued.token, Because.ROTATED)
            self.screen.app.push_screen(SecretScreen(issued))

        screen = RotateScreen(describe(token), today, rotate, note, resets=call.resets)
        self.screen.app.push_screen(screen, closed)

    # --- create -------------------------------------------------------------------
    def places(self) -> list[Place]:
        """Instances where tokens may be created now."""
        from gltui.tui.screens.create import Place

        found = []
        for spec in self.state.specs:
            instance = self.state.instances.get(spec.name)
            who = instance.identity if instance is not None else None
            if who is not None and self.state.why_not_writable(spec.name) is None:
                found.append(Place(spec.name, spec.url, who.user_id, who.is_admin, who.version))
        return found

    def templates(self) -> tuple[Template, ...]:
        """Built-in templates and the user's."""
        from gltui.domain.templates import BUILTIN_TEMPLATES

        return self.state.rules.templates or BUILTIN_TEMPLATES

    def create_like(self, targets: list[Token]) -> None:
        """The create pane, filled in from the one selected token."""
        from gltui.actions.form import CREATABLE_KINDS, template_like
        from gltui.actions.like import request_like

        if len(targets) != 1:
            self._notify("Choose one token to copy its settings from.", timeout=3)
            return
        token = targets[0]
        if token.kind not in CREATABLE_KINDS or (
            token.kind is TokenKind.SERVICE_ACCOUNT and token.resource is None
        ):
            admin_only = token.kind in (TokenKind.IMPERSONATION, TokenKind.SERVICE_ACCOUNT)
            where = "GitLab's admin area" if admin_only else "GitLab"
            self._notify(
                "gltui creates personal, project, group and deploy tokens, and tokens of group "
                f"and project service accounts; {token.kind.value.replace('_', ' ')} tokens "
                f"like this one are made in {where}.",
                timeout=5,
            )
            return
        today = self.clock().date()
        like = template_like(request_like(token, today), today)
        self.create(
            start=like,
            start_kind=token.kind,
            start_place=token.instance,
            start_resource=token.resource,
            start_name=token.name,
            start_account=token.owner if token.kind is TokenKind.SERVICE_ACCOUNT else None,
        )

    def create(self, **start: Any) -> None:
        """The create pane (``start``: what "create like this" fills in)."""
        from gltui.domain.templates import template_from_config
        from gltui.tui.screens.create import CreateScreen
        from gltui.tui.screens.secret import SecretScreen

        places = self.places()
        if not places:
            reason = (
                "gltui runs read-only" if self.state.readonly else "no instance can be written to"
            )
            self._notify(f"Cannot create tokens: {reason}.", severity="warning")
            return
        config_path = self.config_path

        def load(instance: str, kind: TokenKind, search: str) -> list[Resource]:
            return self.client(instance).resources(kind, search)

        def create(instance: str, request: CreateRequest) -> Issued:
            return self.client(instance).create(request)

        def accounts(instance: str, resource: Resource) -> list[Owner]:
            return self.client(instance).service_accounts(resource)

        def save(template_id: str, table: dict[str, object]) -> None:
            from gltui.config.save import save_template

            assert config_path is not None  # offered only with a config file
            template_from_config(template_id, table)  # refuse what the loader would refuse
            save_template(config_path, template_id, table)

        def closed(created: Created | None) -> None:
            if created is not None:
                self._changed([created.issued.token])
                self.screen.app.push_screen(SecretScreen(created.issued))

        screen = CreateScreen(
            places,
            self.templates(),
            self.clock().date(),
            load_resources=load,
            create=create,
            load_accounts=accounts,
            save_template=save if config_path is not None else None,
            **start,
        )
        self.screen.app.push_screen(screen, closed)

    # --- replace ------------------------------------------------------------------
    def replace(self, targets: list[Token]) -> None:
        """Start a replacement of the selected token (a hand-off), or finish the one it
        waits for."""
        from gltui.actions.offers import replacement_unavailable
        from gltui.domain.changes import seen_key

        token = self._one(targets, "replace")
        if token is None:
            return
        reason = replacement_unavailable(token)  # a trigger, an agent's or a runner's token
        if reason is not None:
            message = f"Cannot replace {describe(token)}: {printable_said(reason)}."
            self._notify(message, severity="warning", timeout=8)
            return
        key = seen_key(token)
        here = [p for p in self.state.pending_replacements if p.instance == token.instance]
        if any(p.old_key == key for p in here):
            self._revoke_in_modal([token], "Replacement finished: the old token is revoked.")
            return
        if any(p.new_key == key for p in here):
            self._notify(
                "This is the replacement of a token still waiting: select the old one and "
                "press p to revoke it once this one is deployed.",
                timeout=6,
            )
            return
        from gltui.tui.screens.handoff_actions import open_handoff

        open_handoff(self, False, token)  # create, hand off, verify, then revoke the old one

    # --- the replacements file (off the event loop) ------------------------------------
    def remember_pending(self, pending: PendingReplacement) -> None:
        """Store a replacement in progress."""
        store = self.pending_store
        if store is not None:
            self._in_worker(lambda: store.add(pending))

    def remember_succession(self, old: Token, new: Token, because: Because) -> None:
        """Record that ``new`` took ``old``'s place (the successions record, in a worker):
        once ``old`` is revoked or expired, it shows as replaced, not as work to do."""
        from gltui.tui.screens.deployed_actions import remember_succession

        remember_succession(self.screen, self.pending_store, old, new, because, self.clock())

    def forget_pending(self, tokens: list[Token]) -> None:
        """Drop replacements whose old token is now gone."""
        from gltui.domain.changes import seen_key

        store = self.pending_store
        if store is not None:
            gone = [(token.instance, seen_key(token)) for token in tokens]
            self._in_worker(lambda: store.remove(gone))

    def _in_worker(self, change: Callable[[], list[PendingReplacement]]) -> None:
        def job() -> None:
            self.screen.post_message(PendingChanged(change()))  # thread-safe

        self.screen.run_worker(job, thread=True, group="pending", exit_on_error=False)


class WriteActions:
    """The dashboard's write keys, on the marked tokens or else the table's selected one
    (a mixin, so dashboard.py stays small)."""

    state: DashboardState
    writes: TokenWrites

    def _selected_tokens(self) -> list[Token]:
        assert isinstance(self, Screen)
        current = self.query_one(TokenTable).current
        return self.state.selected(current.token if current is not None else None)

    def action_revoke(self) -> None:
        self.writes.revoke(self._selected_tokens())

    def action_rotate(self) -> None:
        self.writes.rotate(self._selected_tokens())

    def action_replace(self) -> None:
        self.writes.replace(self._selected_tokens())

    def action_create(self) -> None:
        self.writes.create()

    def action_create_like(self) -> None:
        self.writes.create_like(self._selected_tokens())
