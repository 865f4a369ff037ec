"""The dashboard: instances, GitLab's four cards, the expiry chart and the token table.

It paints the cached snapshots first (a thread worker reads them), then refreshes
every instance on a daemon thread. Results arrive as messages; the screen only
ever touches widgets on the event loop. What it knows lives in a plain
:class:`~gltui.tui.dashboard_state.DashboardState`, which the screen renders; the
write actions are a :class:`~gltui.tui.screens.token_actions.TokenWrites` it holds;
its keys, help and palette come from :mod:`gltui.tui.keys`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker

from gltui.clock import Clock
from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.display import printable
from gltui.domain.summary import ExpirySummary
from gltui.domain.tokens import Token
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.perf import collector_paused
from gltui.tui.dashboard_state import DashboardState
from gltui.tui.keys import DEFAULT_BINDINGS, MUTATING, DashboardKeys
from gltui.tui.messages import (
    EngineRebuilt,
    InstanceRefreshed,
    LocalTrouble,
    PendingChanged,
    RefreshFinished,
    RefreshProgressed,
    SnapshotsLoaded,
    TokensChanged,
)
from gltui.tui.screens.deployed_actions import DeployedActions
from gltui.tui.screens.page_actions import PageActions
from gltui.tui.screens.token_actions import TokenWrites, WriteActions
from gltui.tui.table_model import StateFilter, TokenRow
from gltui.tui.widgets.cards import StateCards
from gltui.tui.widgets.footer import PromptFooter
from gltui.tui.widgets.instances_bar import InstancesBar, instance_line
from gltui.tui.widgets.timeline import ExpiryTimeline
from gltui.tui.widgets.token_table import TableHeader, TokenTable
from gltui.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from gltui.domain.review import Review
    from gltui.tui.screens.review import SignedOff

# The other screens (details, help, review, instances, ...) and the review's domain load
# when first opened, inside the actions: the first frame needs none of them (cold start).

WARM_UP_DELAY = 0.5
"""Seconds after painting before the search text of every row is built in a thread."""
REST_DELAY = 0.05
"""Seconds after the mount before the full snapshots behind preloaded heads are read:
the first frame's follow-up passes (sizes, scrollbars, footer keys: about three 60 Hz
update ticks) finish first. Started at once, the reading (one 2 MB JSON decode holds
the GIL) stretched them: cold first frame median 360 -> 327 ms, every row no later."""
Reconfigure = Callable[[], InventoryEngine]
"""Reads the configuration file again and builds its engine (blocking: token commands)."""


class DashboardScreen(
    ForwardsWorkerErrors, PageActions, WriteActions, DeployedActions, Screen[None]
):
    """Every token on every instance, filtered and sorted as the user asks."""

    BINDINGS: ClassVar[list[BindingType]] = DEFAULT_BINDINGS

    def __init__(
        self,
        engine: InventoryEngine,
        clock: Clock,
        window: int,
        preloaded: Inventory | None = None,
        keymap: Mapping[str, str] | None = None,
        rules: AuditRules = DEFAULT_RULES,
        *,
        readonly: bool = False,
        partial: Mapping[str, ExpirySummary] | None = None,
        config_path: Path | None = None,
        reconfigure: Reconfigure | None = None,
    ) -> None:
        """``preloaded``: snapshots read before the app started (the fastest first paint);
        without it the screen reads them itself in a thread worker once mounted.
        ``partial``: for instances whose ``preloaded`` inventory is only a snapshot's head
        (its first-screen rows), the summary of all their tokens; the full snapshots are
        then read right after the first frame. ``config_path``: the file ``e`` edits
        (``None``: the demo, nothing to edit); ``reconfigure`` builds the engine anew
        from it."""
        super().__init__()
        self.engine = engine
        self.clock = clock
        self._config_path = config_path
        self._reconfigure = reconfigure
        self.state = DashboardState(engine.specs, window, rules, readonly=readonly)
        self.dashboard_keys = DashboardKeys(keymap)
        self.writes = TokenWrites(self, self.state, engine, clock, config_path=config_path)
        self._preloaded = preloaded is not None
        if preloaded is not None:  # before the app runs: no event loop to block yet
            now = clock()
            rows = {i.name: self.state.build(i, now, replaced=False) for i in preloaded.instances}
            self.state.preload(preloaded, rows, dict(partial or {}))
            if self.writes.pending_store is not None:
                self.state.pending_replacements = self.writes.pending_store.all()

    # --- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield InstancesBar(id="instances")
        yield StateCards(id="cards")
        yield ExpiryTimeline(id="timeline")
        yield Static("", id="view-status", markup=False)
        yield Input(placeholder="filter: name, scopes, owner, instance (esc clears)", id="filter")
        yield TableHeader(id="table-header")
        yield TokenTable(id="tokens")
        yield PromptFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(TokenTable).focus()
        self._render_all()
        self.engine.notices.listen(self._heard)  # the ones from before the mount come now
        if self._preloaded:
            self.action_refresh()
            if self.state.partial:  # the head painted this frame; the rest comes next
                self.set_timer(REST_DELAY, lambda: self.load_snapshots(refresh=False))
            else:
                # after the first frames: warming 10,000 rows now would compete with them
                self.set_timer(WARM_UP_DELAY, lambda: self.warm_rows(self.state.all_rows()))
        else:
            self.load_snapshots()
        self.set_interval(30, self._render_instances)
        self.set_timer(REST_DELAY, self.load_successions)  # replaced/stored: after frame 1

    # --- workers (all IO happens here, off the event loop) -------------------
    @work(thread=True, exclusive=True, group="snapshots", exit_on_error=False)
    def load_snapshots(self, refresh: bool = True) -> None:
        """Read the cached inventory and build its rows, then (unless one is running
        already) start the refresh."""
        inventory = self.engine.cached()
        now = self.clock()
        rows = {instance.name: self.state.build(instance, now) for instance in inventory.instances}
        store = self.writes.pending_store
        if store is not None:
            self.post_message(PendingChanged(store.all()))
        self.post_message(SnapshotsLoaded(inventory, rows, refresh))

    def refresh_all(self, number: int) -> None:
        """Walk every instance on a daemon thread; results come back one instance at a time.

        Not a Textual worker on purpose: Textual waits for thread workers when the
        app exits, and a refresh stuck on a slow instance must never stop ``q``.
        """
        engine = self.engine  # this refresh's, whatever the instances screen does meanwhile
        threading.Thread(
            target=self._refresh, args=(engine, number), name="gltui-refresh", daemon=True
        ).start()

    def _refresh(self, engine: InventoryEngine, number: int) -> None:
        def progressed(progress: Progress) -> None:
            self.post_message(RefreshProgressed(number, progress))

        def finished(instance: InstanceInventory) -> None:
            rows = self.state.build(instance, self.clock())
            self.post_message(InstanceRefreshed(number, instance, rows))

        try:
            engine.refresh(self.clock(), progressed, finished)
        except Exception as error:  # post_message is thread-safe; the UI shows it
            self.post_message(RefreshFinished(number, error=type(error).__name__))
            return
        self.post_message(RefreshFinished(number))

    @work(thread=True, group="warm", exit_on_error=False)
    def warm_rows(self, rows: list[TokenRow]) -> None:
        """Build every row's search text after the first paint, so the first typed
        character does not pay for 10,000 rows at once (measured: 56 -> ~7 ms)."""
        with collector_paused():
            for row in rows:
                _ = row.haystack

    @work(thread=True, group="save", exit_on_error=False)
    def save_snapshots(self, engine: InventoryEngine, instances: list[InstanceInventory]) -> None:
        """Keep the cache in step with what the table shows (a revoked token must not
        come back as active on the next start)."""
        if engine.cache is not None:
            for instance in instances:
                engine.cache.save(instance)

    @work(thread=True, exclusive=True, group="reconfigure", exit_on_error=False)
    def rebuild_engine(self, number: int, rebuild: Reconfigure) -> None:
        """Read the configuration again: token commands (a password manager may ask
        for up to 30 s) and the keyring, never on the event loop."""
        try:
            engine = rebuild()
        except Exception as error:  # a broken file must not take the dashboard down
            said = f"The configuration could not be reloaded: {printable(str(error))}"
            self.post_message(EngineRebuilt(number, None, said))
            return
        self.post_message(EngineRebuilt(number, engine))

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        if worker.group == "snapshots" and not self.state.refreshing:
            self.action_refresh()  # no cache to show: go straight to the network
        elif worker.group == "reconfigure":
            self.state.reloading = False
            self._render_status()

    # --- messages ------------------------------------------------------------
    def _heard(self, notice: str) -> None:
        """A notice from the engine's files, from whichever thread hit the trouble."""
        self.post_message(LocalTrouble(notice))  # thread-safe

    def on_local_trouble(self, message: LocalTrouble) -> None:
        # a warning, not an error: the tokens shown are fine, a file for later is not
        self.notify(message.text, title="Local files", severity="warning", markup=False, timeout=10)

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        self.state.accept_snapshots(message.inventory, message.rows)
        self._render_all()
        self.set_timer(WARM_UP_DELAY, lambda: self.warm_rows(self.state.all_rows()))
        if message.refresh:
            self.action_refresh()
        else:  # the full snapshots behind a preloaded head: out of the cyclic GC's way too
            gc.freeze()

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        if self.state.refresh_progressed(message.number, message.progress):
            self._render_instances()

    def on_instance_refreshed(self, message: InstanceRefreshed) -> None:
        if self.state.instance_refreshed(message.number, message.instance, message.rows):
            self._render_all()
            self.warm_rows(message.rows)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        again = self.state.refresh_finished()
        self._render_instances()
        if again:  # the instances changed while this refresh ran
            self.action_refresh()
        if message.error is not None:
            self.notify(
                f"gltui hit an internal error ({message.error}); press r to retry.",
                severity="error",
                markup=False,
            )

    def on_tokens_changed(self, message: TokensChanged) -> None:
        """Patch what an action changed into the table, cards and cache; no refresh."""
        changed = self.state.apply_tokens(message.tokens, self.clock())
        if message.clear_marks and self.state.clear_marks():
            self.query_one(TokenTable).show_marks(frozenset())
        self._render_all()
        self.save_snapshots(self.engine, changed)

    def on_engine_rebuilt(self, message: EngineRebuilt) -> None:
        if not self.state.reloads.is_current(message.number):
            return  # the file changed again meanwhile: the newer reload answers
        self.state.reloading = False
        if message.engine is None:
            said = message.error or "The configuration could not be reloaded."
            self.notify(said, severity="error", markup=False)
            self._render_status()
            return
        self.replace_engine(message.engine)

    @on(StateCards.Chosen)
    def card_clicked(self, message: StateCards.Chosen) -> None:
        self.state.show_card(message.state)
        self._render_table()

    @on(TokenTable.Chosen)
    def show_details(self, message: TokenTable.Chosen) -> None:
        from gltui.tui.screens.details import DetailsScreen, detail_lines

        token = message.row.token
        url = self.state.urls.get(token.instance, "")
        siblings = self.state.siblings(token)
        nearby = (row.token for row in self.state.rows_of(token.instance))
        lines = detail_lines(token, url, self.clock(), siblings, self.state.rules, nearby)
        lines += self.state.replacement_lines(token)
        self.app.push_screen(DetailsScreen(lines))

    @on(Input.Changed, "#filter")
    def filter_typed(self, event: Input.Changed) -> None:
        self.state.filter(event.value)
        self._render_table()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(TokenTable).focus()

    # --- actions: the view -------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode: mutating actions are neither shown nor run."""
        return not (self.state.readonly and action in MUTATING)

    def action_card(self, name: str) -> None:
        self.state.show_card(StateFilter(name) if name else None)
        self._render_table()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        # at once, not via focus() (which waits behind queued events): keys typed right
        # after "/" (fast typing, a paste, tmux) must land in the field, not on bindings
        self.set_focus(field)

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.state.filter("")
        self._render_table()
        self.query_one(TokenTable).focus()

    def action_sort_next(self) -> None:
        self.state.next_sort()
        self._render_table()

    def action_sort_reverse(self) -> None:
        self.state.reverse_sort()
        self._render_table()

    def action_next_instance(self) -> None:
        self.state.next_instance()
        self._render_table()

    def action_next_kind(self) -> None:
        self.state.next_kind()
        self._render_table()

    def action_refresh(self) -> None:
        number = self.state.begin_refresh()
        if number is None:
            self.notify("A refresh is already running.", timeout=2)
            return
        self._render_instances()
        self.refresh_all(number)

    def focus_token(self, token: Token) -> None:
        """Show ``token`` in the table: clear whatever would hide it and put the cursor on it."""
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self.state.show_everything()
        self._render_table()
        table = self.query_one(TokenTable)
        table.focus()
        identity = token.identity
        for index, row in enumerate(table.rows):
            if row.token.identity == identity:
                table.cursor = index
                return
        self.notify("That token is no longer in the table (refreshed away).", timeout=3)

    # --- actions: the write side (WriteActions hands them to TokenWrites) -------------
    def action_mark(self) -> None:
        table = self.query_one(TokenTable)
        if table.current is None:
            return
        self.state.toggle_mark(table.current.token)
        table.show_marks(frozenset(self.state.marked))
        table.action_move(1)  # space, space, ... marks a run of rows
        self._render_status()

    # --- actions: other screens -----------------------------------------------------
    def action_review(self) -> None:
        if self.state.partial:  # a review of the first screen alone would sign off too little
            self.notify("gltui is still reading the cached tokens; try again.", timeout=2)
            return
        tokens = [row.token for row in self.state.all_rows()]  # taken on the event loop
        self.build_review(tokens, list(self.state.instances))

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def build_review(self, tokens: list[Token], read: list[str]) -> None:
        """Read the baseline (files) and diff against it, off the event loop."""
        from gltui.domain.review import build_review
        from gltui.tui.screens.review import record_sign_off

        now, state, engine = self.clock(), self.state, self.engine
        baseline, links = engine.baseline(now), state.links()
        review = build_review(
            tokens, baseline, now, state.window, rules=state.rules, instances=read, links=links
        )

        def sign_off(done: Review) -> SignedOff:  # in the review screen's worker
            return record_sign_off(engine.reviews, done, tokens, baseline, read)

        self.app.call_from_thread(self._show_review, review, sign_off)

    def _show_review(self, review: Review, sign_off: Callable[[Review], SignedOff]) -> None:
        from gltui.tui.screens.review import ReviewScreen

        def closed(token: Token | None) -> None:
            if token is not None:
                self.focus_token(token)

        self.app.push_screen(ReviewScreen(review, sign_off), closed)

    def action_instances(self) -> None:
        from gltui.tui.screens.instances import InstancesScreen

        if self._config_path is None:
            self.notify("The demo has no configuration file to edit.", timeout=3)
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.reload_configuration()

        self.app.push_screen(InstancesScreen(self._config_path, self.clock), closed)

    def reload_configuration(self) -> None:
        """Build the engine again from the edited file, in a worker; the status line
        says so meanwhile, and only the newest reload's engine is used."""
        if self._reconfigure is None:
            return
        self.state.reloading = True
        self._render_status()
        self.rebuild_engine(self.state.reloads.next(), self._reconfigure)

    def replace_engine(self, engine: InventoryEngine) -> None:
        """Switch to a new set of instances (after the instances screen changed them).

        A refresh still running walks the old instances: its answers are dropped, and
        a new refresh starts as soon as it ends.
        """
        self.engine = engine
        self.writes.use_engine(engine)
        engine.notices.listen(self._heard)
        refresh_now = self.state.use_specs(engine.specs)
        self._render_all()
        if refresh_now:
            self.action_refresh()

    def action_request_log(self) -> None:
        from gltui.tui.screens.request_log import open_request_log

        open_request_log(self.app)

    def action_identify(self) -> None:
        from gltui.tui.screens.identify import open_identify

        open_identify(self)

    def action_help(self) -> None:
        from gltui.tui.screens.help import HelpScreen

        groups = self.dashboard_keys.help_groups(TokenTable.BINDINGS, self.app.BINDINGS)
        self.app.push_screen(HelpScreen(groups))

    # --- drawing (from the state, on the event loop) ----------------------------------
    def _render_all(self) -> None:
        self._render_instances()
        now, state = self.clock(), self.state
        cards = self.query_one(StateCards)
        cards.show(state.counts(now), state.view.state, state.window, state.replaced_counts())
        self.query_one(ExpiryTimeline).show(state.weekly(now))
        self._render_table()

    def _render_instances(self) -> None:
        now, state = self.clock(), self.state
        lines = [
            instance_line(
                name,
                state.colour_of(index),
                state.instances.get(name),
                state.progress.get(name),
                name in state.awaiting,
                now,
            )
            for index, name in enumerate(state.names)
        ]
        self.query_one(InstancesBar).show(lines)

    def _render_table(self) -> None:
        view = self.state.view
        self.query_one(TokenTable).show(self.state.shown())
        self.query_one(TableHeader).show(view)
        self.query_one(StateCards).set_selected(view.state)
        self._render_status()

    def _render_status(self) -> None:
        shown = len(self.query_one(TokenTable).rows)
        self.query_one("#view-status", Static).update(self.state.status_line(shown))
