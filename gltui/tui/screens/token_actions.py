"""The dashboard's write side: revoke, rotate, replace and create.

A base class of :class:`~gltui.tui.screens.dashboard.DashboardScreen`, kept apart so
the read side stays readable. Every GitLab call runs in a thread worker of the
modal that asked for it; results come back as tokens to patch into the table
(:meth:`apply_tokens`), so the table updates without a refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from gltui.actions.pending import PendingReplacement, PendingStore
from gltui.domain.audit import AuditRules
from gltui.domain.changes import seen_key
from gltui.domain.display import describe, printable, printable_said
from gltui.domain.summary import ExpirySummary
from gltui.domain.templates import BUILTIN_TEMPLATES, CreateRequest, Template
from gltui.domain.tokens import Resource, Token, TokenKind
from gltui.inventory.model import InstanceInventory

if TYPE_CHECKING:
    from gltui.actions.service import Issued, Outcome, TokenActions
    from gltui.inventory.engine import InventoryEngine
    from gltui.tui.screens.create import Created, Place

# The action modals and the write side load on first use: they are not needed for the
# first paint, and importing them up front cost ~20 ms of every start (measured).

MUTATING = frozenset({"revoke", "rotate", "replace", "create", "create_like", "mark"})
"""Actions a read-only dashboard does not offer."""


class TokenActionsScreen(Screen[None]):
    """Write actions over the tokens the subclass shows."""

    engine: InventoryEngine
    instances: dict[str, InstanceInventory]
    clock: Callable[[], datetime]
    readonly: bool
    pending_store: PendingStore | None
    rules: AuditRules

    def __init__(self) -> None:
        super().__init__()
        self._token_actions: dict[str, TokenActions] = {}
        self._pending: list[PendingReplacement] = []
        self._partial: dict[str, ExpirySummary] = {}
        """Instances showing only their snapshot's head while the rest is read."""

    # --- what the subclass provides ------------------------------------------
    def selected_tokens(self) -> list[Token]:
        """The marked tokens, else the one under the cursor."""
        raise NotImplementedError

    def apply_tokens(self, tokens: Iterable[Token]) -> None:
        """Patch changed or new tokens into the table and cards."""
        raise NotImplementedError

    def clear_marks(self) -> None:
        """Forget the marks after a bulk action."""
        raise NotImplementedError

    # --- plumbing ---------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode: mutating actions are neither shown nor run."""
        return not (self.readonly and action in MUTATING)

    def why_not_writable(self, name: str) -> str | None:
        """Why nothing may be changed on instance ``name`` (``None``: it may)."""
        if self.readonly:
            return "gltui runs read-only (--readonly)"
        spec = next((spec for spec in self.engine.specs if spec.name == name), None)
        if spec is None:
            return f"{printable(name)} is no longer configured"
        if spec.readonly:
            return f"{printable(name)} is read-only (readonly = true in the config)"
        instance = self.instances.get(name)
        if instance is None or instance.identity is None:
            return f"gltui has not signed in to {printable(name)} yet; refresh (r) first"
        if name in self._partial:  # a change now would be lost when the rest arrives
            return f"gltui is still reading {printable(name)}'s cached tokens; try again"
        return None

    def token_actions(self, name: str) -> TokenActions:
        """The write client of one instance (made on first use, in a worker thread)."""
        from gltui.actions.service import TokenActions

        cache = self._token_actions
        spec = next(spec for spec in self.engine.specs if spec.name == name)
        identity = self.instances[name].identity
        existing = cache.get(name)
        if existing is None or existing.spec is not spec or existing.identity != identity:
            existing = TokenActions(spec, identity)
            cache[name] = existing
        return existing

    def own_identities(self) -> set[tuple[str, str, int]]:
        """The tokens gltui signs in with."""
        return {
            instance.own_token.identity
            for instance in self.instances.values()
            if instance.own_token is not None
        }

    def pending_replacements(self) -> list[PendingReplacement]:
        """Replacements waiting for the user's word that the new token is deployed (as
        last read from the store: with the snapshots at start, then after each change)."""
        return self._pending

    def replacement_lines(self, token: Token) -> list[tuple[str, str]]:
        """What the details pane says of a replacement this token is part of."""
        key = seen_key(token)
        lines = []
        for pending in self.pending_replacements():
            if pending.instance != token.instance:
                continue
            since = f"{pending.started_at:%Y-%m-%d %H:%M} UTC"
            new_id = pending.new_key.rsplit(":", 1)[-1]  # shown, never parsed
            if pending.old_key == key:
                lines.append(
                    (
                        "Replacement",
                        f"#{new_id} replaces it (since {since}); once #{new_id} is deployed, "
                        "p on this token revokes it",
                    )
                )
            elif pending.new_key == key:
                old_id = pending.old_key.rsplit(":", 1)[-1]
                lines.append(
                    ("Replaces", f"#{old_id} (since {since}); p on #{old_id} finishes the job")
                )
        return lines

    def _set_pending(self, rows: list[PendingReplacement]) -> None:
        self._pending = rows
        self.pending_changed()

    # --- mark and revoke -------------------------------------------------------
    def action_revoke(self) -> None:
        targets = self.selected_tokens()
        if not targets:
            self.notify("No token selected.", timeout=2)
            return
        allowed = []
        for token in targets:
            reason = self.why_not_writable(token.instance)
            if reason is not None:
                self.notify(
                    f"Skipping {describe(token)}: {reason}", severity="warning", markup=False
                )
            elif token.revoked:  # names are never markup (Textual's notify parses it by default)
                self.notify(f"Already revoked: {describe(token)}", timeout=3, markup=False)
            else:
                allowed.append(token)
        if not allowed:
            return

        self._revoke_in_modal(allowed, "")

    def _revoke_in_modal(self, targets: list[Token], done_message: str) -> None:
        """The revoke modal; what it revoked is patched into the table and ends any
        replacement that was waiting on it."""
        from gltui.tui.screens.revoke import RevokeScreen

        def revoke(token: Token) -> Outcome:
            return self.token_actions(token.instance).revoke(token)

        def closed(outcomes: list[Outcome] | None) -> None:
            done = [outcome.token for outcome in outcomes or [] if outcome.ok]
            if not done:
                return
            self.apply_tokens(done)
            self.clear_marks()
            self.forget_pending(done)
            if done_message:
                self.notify(done_message, timeout=4)
            if any(token.identity in self.own_identities() for token in done):
                self.notify(
                    "gltui's own token was revoked: give it a new one (e) before refreshing.",
                    severity="warning",
                    timeout=8,
                )

        self.app.push_screen(RevokeScreen(targets, self.own_identities(), revoke), closed)

    # --- rotate -------------------------------------------------------------------
    def action_rotate(self) -> None:
        from gltui.adapters.endpoints import NotPossible, parse_version, rotate_call
        from gltui.tui.screens.rotate import RotateScreen
        from gltui.tui.screens.secret import SecretScreen

        token = self._one_selected("rotate")
        if token is None:
            return
        identity = self.instances[token.instance].identity
        version = identity.version if identity else None
        try:
            call = rotate_call(token, version)
        except NotPossible as reason:
            message = f"Cannot rotate {describe(token)}: {printable_said(str(reason))}."
            self.notify(message, severity="warning", markup=False)
            return
        if token.revoked:
            self.notify("GitLab cannot rotate a revoked token; use c to create a new one.")
            return
        known = parse_version(version)
        note = (
            f"This GitLab ({printable_said(version or '?')}) ignores a chosen expiry: the new "
            "token expires a week from today."
            if not call.accepts_expiry
            else "Empty: GitLab's default (a week from today where expiry is required)."
        )
        if known is None:
            note = "GitLab's version is unknown here; an expiry may be ignored before 16.6."
        today = self.clock().date()

        def rotate(expires: date | None) -> Issued:
            return self.token_actions(token.instance).rotate(token, expires)

        def closed(issued: Issued | None) -> None:
            if issued is not None:
                self.apply_tokens([replace(token, revoked=True), issued.token])
                self.forget_pending([token])
                self.app.push_screen(SecretScreen(issued))

        self.app.push_screen(RotateScreen(describe(token), today, rotate, note), closed)

    def _one_selected(self, verb: str) -> Token | None:
        targets = self.selected_tokens()
        if len(targets) != 1:
            message = "No token selected." if not targets else f"Choose one token to {verb}."
            self.notify(message, timeout=3)
            return None
        token = targets[0]
        reason = self.why_not_writable(token.instance)
        if reason is not None:
            self.notify(f"Cannot {verb}: {reason}.", severity="warning", markup=False)
            return None
        return token

    # --- create -------------------------------------------------------------------
    def places(self) -> list[Place]:
        """Instances where tokens may be created now."""
        from gltui.tui.screens.create import Place

        found = []
        for spec in self.engine.specs:
            instance = self.instances.get(spec.name)
            who = instance.identity if instance is not None else None
            if who is not None and self.why_not_writable(spec.name) is None:
                found.append(Place(spec.name, spec.url, who.user_id, who.is_admin, who.version))
        return found

    def templates(self) -> tuple[Template, ...]:
        """Built-in templates and the user's."""
        return self.rules.templates or BUILTIN_TEMPLATES

    def action_create(self) -> None:
        self._open_create()

    def action_create_like(self) -> None:
        from gltui.actions.form import CREATABLE_KINDS, template_like
        from gltui.actions.like import request_like

        targets = self.selected_tokens()
        if len(targets) != 1:
            self.notify("Choose one token to copy its settings from.", timeout=3)
            return
        token = targets[0]
        if token.kind not in CREATABLE_KINDS:
            self.notify(
                f"gltui creates personal, project, group and deploy tokens; {token.kind.value} "
                "tokens are made in GitLab's admin area.",
                timeout=5,
            )
            return
        today = self.clock().date()
        like = template_like(request_like(token, today), today)
        self._open_create(
            start=like,
            start_kind=token.kind,
            start_place=token.instance,
            start_resource=token.resource,
            start_name=token.name,
        )

    def _open_create(self, **start: Any) -> None:
        from gltui.domain.templates import template_from_config
        from gltui.tui.screens.create import CreateScreen
        from gltui.tui.screens.secret import SecretScreen

        places = self.places()
        if not places:
            reason = "gltui runs read-only" if self.readonly else "no instance can be written to"
            self.notify(f"Cannot create tokens: {reason}.", severity="warning")
            return
        config_path = getattr(self.app, "config_path", None)

        def load(instance: str, kind: TokenKind, search: str) -> list[Resource]:
            return self.token_actions(instance).resources(kind, search)

        def create(instance: str, request: CreateRequest) -> Issued:
            return self.token_actions(instance).create(request)

        def save(template_id: str, table: dict[str, object]) -> None:
            from gltui.config.save import save_template

            assert config_path is not None  # offered only with a config file
            template_from_config(template_id, table)  # refuse what the loader would refuse
            save_template(config_path, template_id, table)

        def closed(created: Created | None) -> None:
            if created is not None:
                self.apply_tokens([created.issued.token])
                self.app.push_screen(SecretScreen(created.issued))

        screen = CreateScreen(
            places,
            self.templates(),
            self.clock().date(),
            load_resources=load,
            create=create,
            save_template=save if config_path is not None else None,
            **start,
        )
        self.app.push_screen(screen, closed)

    # --- replace ------------------------------------------------------------------
    def action_replace(self) -> None:
        from gltui.actions.like import request_like
        from gltui.tui.screens.confirm import ConfirmScreen
        from gltui.tui.screens.secret import SecretScreen

        token = self._one_selected("replace")
        if token is None:
            return
        key = seen_key(token)
        here = [p for p in self.pending_replacements() if p.instance == token.instance]
        if any(p.old_key == key for p in here):
            self._finish_replacement(token)
            return
        if any(p.new_key == key for p in here):
            self.notify(
                "This is the replacement of a token still waiting: select the old one and "
                "press p to revoke it once this one is deployed.",
                timeout=6,
            )
            return
        request = request_like(token, self.clock().date())
        body = (
            f"gltui creates a new token with the same settings:\n"
            f'  {request.kind.value} "{printable(request.name)}", scopes '
            f"{printable(', '.join(request.scopes))}, expires {request.expires_at}\n"
            "and shows its value once. The old token keeps working until you say the new "
            "one is deployed (p again on the old token); gltui remembers this across restarts."
        )

        def create() -> Issued:
            return self.token_actions(token.instance).create(
                request, for_user=token.owner.user_id if token.owner else None
            )

        def closed(issued: Issued | None) -> None:
            if issued is None:
                return
            self.apply_tokens([issued.token])
            self.remember_pending(
                PendingReplacement(
                    token.instance, key, token.name, seen_key(issued.token), self.clock()
                )
            )
            note = "Deploy it, then select the old token and press p to revoke the old one."
            self.app.push_screen(SecretScreen(issued, note))

        screen: ConfirmScreen[Issued] = ConfirmScreen(
            f"Replace {describe(token)}", body, "Create replacement", create
        )
        self.app.push_screen(screen, closed)

    def _finish_replacement(self, old: Token) -> None:
        self._revoke_in_modal([old], "Replacement finished: the old token is revoked.")

    @work(thread=True, group="pending", exit_on_error=False)
    def remember_pending(self, pending: PendingReplacement) -> None:
        """Store a replacement in progress (a file: off the event loop)."""
        if self.pending_store is not None:
            self.app.call_from_thread(self._set_pending, self.pending_store.add(pending))

    @work(thread=True, group="pending", exit_on_error=False)
    def forget_pending(self, tokens: list[Token]) -> None:
        """Drop replacements whose old token is now gone."""
        if self.pending_store is not None:
            gone = [(token.instance, seen_key(token)) for token in tokens]
            self.app.call_from_thread(self._set_pending, self.pending_store.remove(gone))

    def pending_changed(self) -> None:
        """Redraw whatever shows pending replacements (the subclass's status line)."""
