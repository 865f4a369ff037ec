"""The dashboard: instances, GitLab's four cards, the expiry chart and the token table.

It paints the cached snapshots first (a thread worker reads them), then refreshes
every instance in another thread worker. Results arrive as messages; the screen
only ever touches widgets on the event loop.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import chain
from typing import ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from gltui.actions.pending import PendingStore
from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.changes import Baseline
from gltui.domain.display import printable
from gltui.domain.review import Review, build_review
from gltui.domain.states import tally
from gltui.domain.summary import ExpirySummary
from gltui.domain.timeline import weekly_counts
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.local_files import describe_os_error
from gltui.perf import collector_paused
from gltui.tui.messages import (
    InstanceRefreshed,
    LocalTrouble,
    RefreshFinished,
    RefreshProgressed,
    SnapshotsLoaded,
)
from gltui.tui.screens.details import DetailsScreen, detail_lines
from gltui.tui.screens.help import HelpScreen
from gltui.tui.screens.review import ReviewScreen
from gltui.tui.screens.token_actions import TokenActionsScreen
from gltui.tui.table_model import COLUMNS, StateFilter, TokenRow, View, apply_view, build_rows
from gltui.tui.widgets.cards import StateCards
from gltui.tui.widgets.instances_bar import PALETTE, InstancesBar, instance_line
from gltui.tui.widgets.timeline import ExpiryTimeline
from gltui.tui.widgets.token_table import TableHeader, TokenTable

Clock = Callable[[], datetime]
WARM_UP_DELAY = 0.5
"""Seconds after painting before the search text of every row is built in a thread."""
T = TypeVar("T")


@dataclass(frozen=True)
class DashboardAction:
    """One action: its key, its footer label and what the palette and help say."""

    key: str
    action: str
    label: str
    help: str
    show: bool = False
    name: str | None = None
    """The id, when the label is not one word."""

    @property
    def id(self) -> str:
        """The name ``[settings.keys]`` uses to rebind it (``refresh = "f5"``)."""
        return self.name or self.label.lower()

    def binding(self, keymap: Mapping[str, str] | None = None) -> Binding:
        """The Textual binding for it (with the user's key, when the keymap has one)."""
        key = (keymap or {}).get(self.id, self.key)
        return Binding(key, self.action, self.label, show=self.show, tooltip=self.help, id=self.id)


ACTIONS: tuple[DashboardAction, ...] = (
    DashboardAction("1", "card('active')", "Active", "Show active tokens (expiring included)"),
    DashboardAction("2", "card('expiring')", "Expiring", "Show tokens expiring within the window"),
    DashboardAction("3", "card('revoked')", "Revoked", "Show revoked tokens"),
    DashboardAction("4", "card('expired')", "Expired", "Show expired tokens"),
    DashboardAction("0", "card('')", "All", "Show every token"),
    DashboardAction(
        "slash", "filter", "Filter", "Filter as you type (name, scopes, owner, instance)", True
    ),
    DashboardAction("escape", "clear_filter", "Clear", "Clear the typed filter"),
    DashboardAction("s", "sort_next", "Sort", "Sort by the next column", True),
    DashboardAction("S", "sort_reverse", "Reverse", "Reverse the sort order"),
    DashboardAction("i", "next_instance", "Instance", "Show one instance, then the next, then all"),
    DashboardAction("t", "next_kind", "Kind", "Show one token kind, then the next, then all"),
    DashboardAction("r", "refresh", "Refresh", "Refresh every instance now", True),
    DashboardAction(
        "v", "review", "Review", "The weekly review: what changed, expires soon, is flagged", True
    ),
    DashboardAction("space", "mark", "Mark", "Mark the token for a bulk revoke (again: unmark)"),
    DashboardAction("d,delete", "revoke", "Revoke", "Revoke the marked or selected tokens", True),
    DashboardAction("R", "rotate", "Rotate", "Rotate the selected token (GitLab 16.0+)"),
    DashboardAction(
        "p", "replace", "Replace", "Replace: create a successor, revoke the old one when deployed"
    ),
    DashboardAction("c", "create", "Create", "Create a token from a template", True),
    DashboardAction(
        "C", "create_like", "Create like", "Create a token like the selected one", name="like"
    ),
    DashboardAction("e", "instances", "Instances", "Add, edit, test or remove instances"),
    DashboardAction("at", "request_log", "Log", "The API log: every request gltui made"),
    DashboardAction("question_mark", "help", "Help", "Every key, with what it does", True),
)
"""The one table that the bindings, the footer, the help screen and the palette all use."""


class DashboardScreen(TokenActionsScreen):
    """Every token on every instance, filtered and sorted as the user asks."""

    BINDINGS: ClassVar[list[BindingType]] = [action.binding() for action in ACTIONS]

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
    ) -> None:
        """``preloaded``: snapshots read before the app started (the fastest first paint);
        without it the screen reads them itself in a thread worker once mounted.
        ``partial``: for instances whose ``preloaded`` inventory is only a snapshot's head
        (its first-screen rows), the summary of all their tokens; the full snapshots are
        then read right after the first frame."""
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.window = window
        self.keymap = dict(keymap or {})
        self.rules = rules
        self.readonly = readonly
        self._status_parts: list[str] = []
        self.pending_store = (
            PendingStore(engine.history.directory, engine.notices) if engine.history else None
        )
        self.view = View()
        self.names = [spec.name for spec in engine.specs]
        self.urls = {spec.name: spec.url for spec in engine.specs}
        self.instances: dict[str, InstanceInventory] = {}
        self.progress: dict[str, Progress] = {}
        self.pending: set[str] = set()
        self._rows: dict[str, list[TokenRow]] = {}
        self.refreshing = False
        self._refresh_again = False
        self._preloaded = preloaded is not None
        for instance in preloaded.instances if preloaded else ():
            self._store(instance, self._build(instance))
        self._partial = dict(partial or {})
        if preloaded is not None and self.pending_store is not None:
            self._pending = self.pending_store.all()  # before the app runs, like the snapshots

    # --- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield InstancesBar(id="instances")
        yield StateCards(id="cards")
        yield ExpiryTimeline(id="timeline")
        yield Static("", id="view-status", markup=False)
        yield Input(placeholder="filter: name, scopes, owner, instance (esc clears)", id="filter")
        yield TableHeader(id="table-header")
        yield TokenTable(id="tokens")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(TokenTable).focus()
        self._render_all()
        self.engine.notices.listen(self._heard)  # the ones from before the mount come now
        if self._preloaded:
            self.action_refresh()
            if self._partial:  # the head painted this frame; the rest comes next
                self.call_after_refresh(lambda: self.load_snapshots(refresh=False))
            else:
                # after the first frames: warming 10,000 rows now would compete with them
                self.set_timer(WARM_UP_DELAY, lambda: self.warm_rows(self._all_rows()))
        else:
            self.load_snapshots()
        self.set_interval(30, self._render_instances)

    # --- workers (all IO happens here, off the event loop) -------------------
    @work(thread=True, exclusive=True, group="snapshots", exit_on_error=False)
    def load_snapshots(self, refresh: bool = True) -> None:
        """Read the cached inventory and build its rows, then (unless one is running
        already) start the refresh."""
        inventory = self.engine.cached()
        rows = {instance.name: self._build(instance) for instance in inventory.instances}
        if self.pending_store is not None:
            self.app.call_from_thread(self._set_pending, self.pending_store.all())
        self.post_message(SnapshotsLoaded(inventory, rows, refresh))

    def refresh_all(self) -> None:
        """Walk every instance on a daemon thread; results come back one instance at a time.

        Not a Textual worker on purpose: Textual waits for thread workers when the
        app exits, and a refresh stuck on a slow instance must never stop ``q``.
        """
        threading.Thread(target=self._refresh, name="gltui-refresh", daemon=True).start()

    def _refresh(self) -> None:
        def progressed(progress: Progress) -> None:
            self.post_message(RefreshProgressed(progress))

        def finished(instance: InstanceInventory) -> None:
            self.post_message(InstanceRefreshed(instance, self._build(instance)))

        try:
            self.engine.refresh(self.clock(), progressed, finished)
        except Exception as error:  # post_message is thread-safe; the UI shows it
            self.post_message(RefreshFinished(error=type(error).__name__))
            return
        self.post_message(RefreshFinished())

    @work(thread=True, group="warm", exit_on_error=False)
    def warm_rows(self, rows: list[TokenRow]) -> None:
        """Build every row's search text after the first paint, so the first typed
        character does not pay for 10,000 rows at once (measured: 56 -> ~7 ms)."""
        with collector_paused():
            for row in rows:
                _ = row.haystack

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(
            f"gltui hit an internal error ({type(error).__name__}) and carried on.",
            severity="error",
            markup=False,
        )
        if event.worker.group == "snapshots" and not self.refreshing:
            self.action_refresh()  # no cache to show: go straight to the network

    # --- messages ------------------------------------------------------------
    def _heard(self, notice: str) -> None:
        """A notice from the engine's files, from whichever thread hit the trouble."""
        self.post_message(LocalTrouble(notice))  # thread-safe

    def on_local_trouble(self, message: LocalTrouble) -> None:
        # a warning, not an error: the tokens shown are fine, a file for later is not
        self.notify(message.text, title="Local files", severity="warning", markup=False, timeout=10)

    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        for instance in message.inventory.instances:
            if instance.name not in self.instances or self.instances[instance.name].from_cache:
                self._store(instance, message.rows[instance.name])
        self._render_all()
        self.set_timer(WARM_UP_DELAY, lambda: self.warm_rows(self._all_rows()))
        if message.refresh:
            self.action_refresh()
        else:  # the full snapshots behind a preloaded head: out of the cyclic GC's way too
            gc.freeze()

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        self.progress[message.progress.instance] = message.progress
        self._render_instances()

    def on_instance_refreshed(self, message: InstanceRefreshed) -> None:
        self.pending.discard(message.instance.name)
        self._store(message.instance, message.rows)
        self._render_all()
        self.warm_rows(message.rows)

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        self.refreshing = False
        self.pending.clear()
        self._render_instances()
        if self._refresh_again:  # the instances changed while this refresh ran
            self._refresh_again = False
            self.action_refresh()
        if message.error is not None:
            self.notify(
                f"gltui hit an internal error ({message.error}); press r to retry.",
                severity="error",
                markup=False,
            )

    @on(TokenTable.MarksChanged)
    def marks_changed(self) -> None:
        self._render_status()

    @on(StateCards.Chosen)
    def card_clicked(self, message: StateCards.Chosen) -> None:
        self._set_view(replace(self.view, state=message.state))

    @on(TokenTable.Chosen)
    def show_details(self, message: TokenTable.Chosen) -> None:
        token = message.row.token
        siblings = [
            row.token
            for row in self._rows.get(token.instance, [])
            if row.token.name == token.name
            and row.token.kind is token.kind
            and row.token.owner == token.owner
            and row.token.resource == token.resource
        ]
        url = self.urls.get(token.instance, "")
        lines = detail_lines(token, url, self.clock(), siblings, self.rules)
        lines += self.replacement_lines(token)
        self.app.push_screen(DetailsScreen(lines))

    @on(Input.Changed, "#filter")
    def filter_typed(self, event: Input.Changed) -> None:
        self._set_view(replace(self.view, query=event.value))

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.query_one(TokenTable).focus()

    # --- actions -------------------------------------------------------------
    def action_mark(self) -> None:
        self.query_one(TokenTable).toggle_mark()

    def selected_tokens(self) -> list[Token]:
        table = self.query_one(TokenTable)
        if table.marked:
            return [row.token for row in self._all_rows() if row.token.identity in table.marked]
        return [table.current.token] if table.current is not None else []

    def clear_marks(self) -> None:
        self.query_one(TokenTable).clear_marks()

    def apply_tokens(self, tokens: Iterable[Token]) -> None:
        """Patch changed (same identity) or new tokens into the inventory, the rows, the
        cards and the table, without a refresh; the snapshot is saved in a worker."""
        now = self.clock()
        by_instance: dict[str, dict[tuple[str, str, int], Token]] = {}
        for token in tokens:
            by_instance.setdefault(token.instance, {})[token.identity] = token
        changed = []
        for name, updates in by_instance.items():
            instance = self.instances.get(name)
            if instance is None:
                continue
            fresh = [updates.pop(t.identity, t) for t in instance.tokens]
            fresh += updates.values()
            patched = replace(instance, tokens=tuple(fresh))
            rows = {row.token.identity: row for row in self._rows.get(name, [])}
            new_rows = [
                rows[t.identity]
                if rows.get(t.identity) and rows[t.identity].token is t
                else TokenRow(t, now, self.window, self.rules)
                for t in fresh
            ]
            self._store(patched, new_rows)
            changed.append(patched)
        self._render_all()
        self.save_snapshots(changed)

    @work(thread=True, group="save", exit_on_error=False)
    def save_snapshots(self, instances: list[InstanceInventory]) -> None:
        """Keep the cache in step with what the table shows (a revoked token must not
        come back as active on the next start)."""
        if self.engine.cache is not None:
            for instance in instances:
                self.engine.cache.save(instance)

    def pending_changed(self) -> None:
        self._render_status()

    def action_card(self, name: str) -> None:
        self._set_view(replace(self.view, state=StateFilter(name) if name else None))

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
        self._set_view(replace(self.view, query=""))
        self.query_one(TokenTable).focus()

    def action_sort_next(self) -> None:
        following = COLUMNS[(COLUMNS.index(self.view.sort) + 1) % len(COLUMNS)]
        self._set_view(self.view.with_sort(following))

    def action_sort_reverse(self) -> None:
        self._set_view(replace(self.view, descending=not self.view.descending))

    def action_next_instance(self) -> None:
        self._set_view(replace(self.view, instance=_next(self.names, self.view.instance)))

    def action_next_kind(self) -> None:
        present = [
            kind for kind in TokenKind if any(r.token.kind is kind for r in self._all_rows())
        ]
        self._set_view(replace(self.view, kind=_next(present, self.view.kind)))

    def action_refresh(self) -> None:
        if self.refreshing:
            self.notify("A refresh is already running.", timeout=2)
            return
        self.refreshing = True
        self.pending = set(self.names)
        self.progress.clear()
        self._render_instances()
        self.refresh_all()

    def action_review(self) -> None:
        if self._partial:  # a review of the first screen alone would sign off too little
            self.notify("gltui is still reading the cached tokens; try again.", timeout=2)
            return
        tokens = [row.token for row in self._all_rows()]  # taken on the event loop
        self.build_review(tokens, list(self.instances))

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def build_review(self, tokens: list[Token], read: list[str]) -> None:
        """Read the baseline (files) and diff against it, off the event loop."""
        now = self.clock()
        baseline = self.engine.baseline(now)
        review = build_review(tokens, baseline, now, self.window, rules=self.rules, instances=read)

        def sign_off(done: Review) -> None:
            self.record_sign_off(done, tokens, baseline, read)

        self.app.call_from_thread(self._show_review, review, sign_off)

    def _show_review(self, review: Review, sign_off: Callable[[Review], None]) -> None:
        def closed(token: Token | None) -> None:
            if token is not None:
                self.focus_token(token)

        self.app.push_screen(ReviewScreen(review, sign_off), closed)

    @work(thread=True, group="sign-off", exit_on_error=False)
    def record_sign_off(
        self, review: Review, tokens: list[Token], baseline: Baseline | None, read: list[str]
    ) -> None:
        """Write the sign-off; instances not read now keep what the last one saw."""
        reviews = self.engine.reviews
        if reviews is None:
            self.app.call_from_thread(
                self.notify, "This session keeps no review record.", timeout=3
            )
            return
        kept = {
            name: seen
            for name, seen in (baseline.seen.items() if baseline is not None else ())
            if name not in read
        }
        try:
            reviews.sign_off(
                tokens, review.now, review.window, review.counts(), keep_instances=kept
            )
        except OSError as error:
            message = f"The review could not be recorded: {describe_os_error(error)}"
            self.app.call_from_thread(self.notify, message, severity="error", markup=False)
            return
        message = f"Review signed off at {review.now:%H:%M} UTC; the next one starts here."
        self.app.call_from_thread(self.notify, message, timeout=4, markup=False)

    def focus_token(self, token: Token) -> None:
        """Show ``token`` in the table: clear whatever would hide it and put the cursor on it."""
        field = self.query_one("#filter", Input)
        field.value = ""
        field.display = False
        self._set_view(View(sort=self.view.sort, descending=self.view.descending))
        table = self.query_one(TokenTable)
        table.focus()
        identity = token.identity
        for index, row in enumerate(table.rows):
            if row.token.identity == identity:
                table.cursor = index
                return
        self.notify("That token is no longer in the table (refreshed away).", timeout=3)

    def action_instances(self) -> None:
        from gltui.tui.screens.instances import InstancesScreen

        path = getattr(self.app, "config_path", None)
        if path is None:
            self.notify("The demo has no configuration file to edit.", timeout=3)
            return

        def closed(changed: bool | None) -> None:
            if changed:
                self.app.call_later(self._reconfigure)

        self.app.push_screen(InstancesScreen(path, self.clock), closed)

    def _reconfigure(self) -> None:
        rebuild = getattr(self.app, "reconfigure", None)
        if rebuild is None:
            return
        try:
            engine = rebuild()
        except Exception as error:  # a broken file must not take the dashboard down
            message = f"The configuration could not be reloaded: {printable(str(error))}"
            self.notify(message, severity="error", markup=False)
            return
        self.replace_engine(engine)

    def replace_engine(self, engine: InventoryEngine) -> None:
        """Switch to a new set of instances (after the instances screen changed them)."""
        self.engine = engine
        self.names = [spec.name for spec in engine.specs]
        self.urls = {spec.name: spec.url for spec in engine.specs}
        self._token_actions.clear()
        engine.notices.listen(self._heard)
        self.pending_store = (
            PendingStore(engine.history.directory, engine.notices) if engine.history else None
        )
        for table in (self.instances, self._rows, self.progress):
            for name in [name for name in table if name not in self.names]:
                del table[name]
        self._set_view(replace(self.view, instance=None))
        self._render_all()
        if self.refreshing:
            self._refresh_again = True
        else:
            self.action_refresh()

    def action_request_log(self) -> None:
        from gltui.tui.screens.request_log import open_request_log

        open_request_log(self.app)

    def action_help(self) -> None:
        groups = [
            ("Dashboard", [action.binding(self.keymap) for action in ACTIONS]),
            ("Token table", [b for b in TokenTable.BINDINGS if isinstance(b, Binding)]),
            ("Everywhere", [b for b in self.app.BINDINGS if isinstance(b, Binding)]),
        ]
        self.app.push_screen(HelpScreen(groups))

    def commands(self) -> Iterator[SystemCommand]:
        """Every dashboard action, for the command palette."""
        for action in ACTIONS:
            yield SystemCommand(
                f"{action.label}: {action.help}",
                f"key: {action.key}",
                lambda action=action: self.run_action(action.action),
            )

    # --- state and drawing -----------------------------------------------------
    def _build(self, instance: InstanceInventory) -> list[TokenRow]:
        """Table rows for an instance: called in worker threads, never on the event loop."""
        with collector_paused():
            return build_rows(instance.tokens, self.clock(), self.window, self.rules)

    def _store(self, instance: InstanceInventory, rows: list[TokenRow]) -> None:
        self.instances[instance.name] = instance
        self._rows[instance.name] = rows
        self._partial.pop(instance.name, None)  # these rows are all its tokens now

    def _all_rows(self) -> list[TokenRow]:
        return [row for name in self.names for row in self._rows.get(name, [])]

    def _set_view(self, view: View) -> None:
        self.view = view
        self._render_table()

    def _render_all(self) -> None:
        self._render_instances()
        rows = [row for row in self._all_rows() if row.token.instance not in self._partial]
        now = self.clock()
        states = chain(
            (row.state for row in rows),
            *(summary.states(now, self.window) for summary in self._partial.values()),
        )
        counts = tally(states)
        self.query_one(StateCards).show(counts, self.view.state, self.window)
        upcoming = chain(
            (row.upcoming_days for row in rows if row.upcoming_days is not None),
            *(summary.upcoming_days(now) for summary in self._partial.values()),
        )
        self.query_one(ExpiryTimeline).show(weekly_counts(upcoming))
        self._render_table()

    def _render_instances(self) -> None:
        now = self.clock()
        lines = [
            instance_line(
                name,
                PALETTE[index % len(PALETTE)],
                self.instances.get(name),
                self.progress.get(name),
                name in self.pending,
                now,
            )
            for index, name in enumerate(self.names)
        ]
        self.query_one(InstancesBar).show(lines)

    def _render_table(self) -> None:
        everything = self._all_rows()
        shown = apply_view(everything, self.view)
        self.query_one(TokenTable).show(shown)
        self.query_one(TableHeader).show(self.view)
        self.query_one(StateCards).set_selected(self.view.state)
        parts = [f"{len(shown)} of {len(everything)} tokens"]
        if self._partial:
            known = sum(1 for row in everything if row.token.instance not in self._partial)
            total = known + sum(len(summary) for summary in self._partial.values())
            parts[0] = f"{len(shown)} of {total} tokens (reading the rest of the cache)"
        if self.view.state is not None:
            parts.append(f"card: {self.view.state.value}")
        if self.view.instance is not None:
            parts.append(f"instance: {printable(self.view.instance)}")
        if self.view.kind is not None:
            parts.append(f"kind: {self.view.kind.value}")
        if self.view.query:
            parts.append(f"filter: {printable(self.view.query)}")
        parts.append(f"sort: {self.view.label}")
        self._status_parts = parts
        self._render_status()

    def _render_status(self) -> None:
        parts = list(self._status_parts)
        marked = len(self.query_one(TokenTable).marked)
        if marked:
            parts.append(f"{marked} marked (d revokes them)")
        waiting = len(self.pending_replacements())
        if waiting:
            parts.append(
                f"{waiting} replacement{'s' if waiting != 1 else ''} pending (p on the old token)"
            )
        if self.readonly:
            parts.append("read-only")
        self.query_one("#view-status", Static).update(" · ".join(parts))


def _next(options: list[T], current: T | None) -> T | None:
    """The option after ``current``; after the last one, ``None`` (no filter)."""
    if not options:
        return None
    if current is None or current not in options:
        return options[0]
    position = options.index(current) + 1
    return options[position] if position < len(options) else None
