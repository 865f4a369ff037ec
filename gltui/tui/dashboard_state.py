"""What the dashboard knows, as plain Python (no Textual): the screen renders from it.

The instances and their table rows, the view (filters and sort), the marks, the
replacements waiting for the user's word, the snapshot heads still being read and
the refresh in flight. Every change the dashboard makes goes through a method
here, so the rules (what a patch replaces, when an instance may be written to,
which answers are stale) are unit-tested without starting an app
(``tests/test_dashboard_state.py``), the way ``table_model`` is.

Two counters keep old answers out (see :mod:`gltui.tui.generation`): each refresh
is numbered, and a new configuration makes the running one's answers stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, TypeVar

from gltui.domain.audit import DEFAULT_RULES, AuditRules
from gltui.domain.display import printable
from gltui.domain.replaced import Because, Succession
from gltui.domain.states import StateCounts, TokenState, tally
from gltui.domain.summary import ExpirySummary
from gltui.domain.timeline import weekly_counts
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.model import InstanceInventory, Inventory, Progress
from gltui.inventory.spec import InstanceSpec
from gltui.perf import collector_paused
from gltui.tui.generation import Generation
from gltui.tui.replacement_marks import MarkJob, MarksAnswer
from gltui.tui.row_index import RowIndex
from gltui.tui.table_model import (
    COLUMNS,
    MarkChange,
    StateFilter,
    TokenRow,
    View,
    apply_marks,
    build_rows,
    mark_replacements,
)

if TYPE_CHECKING:
    from gltui.actions.pending import PendingReplacement
    from gltui.domain.deployed import Deployment

# gltui.domain.changes loads on first use (the details pane): not needed for the first
# frame (cold start).

PALETTE = ("#5fafff", "#d787ff", "#5fd7af", "#ffaf5f", "#ff87af", "#afd75f")
"""One colour per instance, in configuration order, unless the config names one."""

Identity = tuple[str, str, int]
T = TypeVar("T")


class DashboardState:
    """The dashboard's data; every method runs on the event loop except :meth:`build`."""

    def __init__(
        self,
        specs: Sequence[InstanceSpec],
        window: int,
        rules: AuditRules = DEFAULT_RULES,
        *,
        readonly: bool = False,
    ) -> None:
        self.specs = tuple(specs)
        self.window = window
        self.rules = rules
        self.readonly = readonly
        """``--readonly``: nothing may be changed anywhere."""
        self.view = View()
        self.instances: dict[str, InstanceInventory] = {}
        self._rows: dict[str, list[TokenRow]] = {}
        self._index: RowIndex | None = None
        """Every row with the view's work kept between keystrokes; dropped whenever the
        rows change (:meth:`store`, :meth:`use_specs`)."""
        self.partial: dict[str, ExpirySummary] = {}
        """Instances showing only their snapshot's head (its first screen) while the
        rest is read, with the summary of all their tokens (the cards stay exact)."""
        self.marked: set[Identity] = set()
        """Tokens marked for a bulk revoke (kept across filters)."""
        self.pending_replacements: list[PendingReplacement] = []
        """Replacements waiting for the user's word that the new token is deployed (as
        last read from the store)."""
        self.successions: list[Succession] = []
        """The rotations and replacements gltui recorded (the successions record)."""
        self.deployments: list[Deployment] = []
        """The CI/CD variables the last "where is it deployed?" scan found holding tokens."""
        self.progress: dict[str, Progress] = {}
        self.awaiting: set[str] = set()
        """Instances the running refresh has not answered for yet."""
        self.refreshing = False
        self.refresh_again = False
        """The configuration changed while a refresh ran: start another when it ends."""
        self.refreshes = Generation()
        self.reloads = Generation()
        self.row_sets = Generation()
        """Counts every change of the rows shown (:meth:`store`, :meth:`use_specs`): a
        replaced-marks answer about earlier rows is dropped (:meth:`replacements_found`)."""
        self.markings = Generation()
        """Numbers the jobs that tell the rows which are replaced (the newest answers)."""
        self.link_sets = Generation()
        """Counts changes of :meth:`links`: a refresh's rows are marked in its threads with
        the links of then, so a change since :attr:`refresh_links_at` asks again."""
        self.refresh_links_at = 0
        self.reloading = False
        """The configuration file is being read again (token commands included)."""

    # --- instances and rows ---------------------------------------------------
    def colour_of(self, index: int) -> str:
        """The configured colour of the ``index``-th instance, else the palette's."""
        colour = self.specs[index].colour if index < len(self.specs) else None
        return colour or PALETTE[index % len(PALETTE)]

    @property
    def names(self) -> list[str]:
        """The configured instances, in the configuration's order."""
        return [spec.name for spec in self.specs]

    @property
    def urls(self) -> dict[str, str]:
        """Each instance's URL."""
        return {spec.name: spec.url for spec in self.specs}

    def spec(self, name: str) -> InstanceSpec | None:
        """The configuration of instance ``name`` (``None``: no longer configured)."""
        return next((spec for spec in self.specs if spec.name == name), None)

    def build(
        self, instance: InstanceInventory, now: datetime, *, replaced: bool = True
    ) -> list[TokenRow]:
        """Table rows for an instance. Pure, so worker threads call it off the loop.
        ``replaced=False``: leave telling replaced tokens to a :meth:`replacement_job`
        (the first frame's rows: the records are read right after it)."""
        with collector_paused():
            rows = build_rows(instance.tokens, now, self.window, self.rules)
            if replaced:
                mark_replacements(rows, self.links())
            return rows

    def links(self) -> list[Succession]:
        """Every known succession: the recorded ones and the replacements in progress."""
        pending = [
            Succession(p.instance, p.old_key, p.new_key, Because.REPLACED)
            for p in self.pending_replacements
        ]
        return [*self.successions, *pending]

    def replacement_job(self) -> MarkJob:
        """What a worker needs to tell every row again whether it is replaced (the links
        changed, or rows were patched in): the rows and links as they are now, numbered
        (:mod:`gltui.tui.replacement_marks`). Taking a new job supersedes the earlier ones."""
        rows = tuple(list(rows) for rows in self._rows.values())
        return MarkJob(self.markings.next(), self.row_sets.current, rows, tuple(self.links()))

    def replacements_found(self, job: MarkJob, changes: Sequence[MarkChange]) -> MarksAnswer:
        """Apply what ``job`` found, unless a newer job was taken or the rows changed
        meanwhile (then :attr:`MarksAnswer.STALE`: take a new job over the new rows)."""
        if not self.markings.is_current(job.number):
            return MarksAnswer.SUPERSEDED
        if not self.row_sets.is_current(job.rows_at):
            return MarksAnswer.STALE
        if changes:
            apply_marks(changes)
            if self._index is not None:  # the search texts of re-marked rows changed
                self._index.texts_changed()
        return MarksAnswer.APPLIED

    def mark_replacements(self) -> None:
        """Tell every row again whether it is replaced, at once (where the rows are few;
        the dashboard runs :meth:`replacement_job` in a worker)."""
        job = self.replacement_job()
        self.replacements_found(job, job.run())

    def store(self, instance: InstanceInventory, rows: list[TokenRow]) -> None:
        """Show ``instance`` with ``rows`` (all its tokens: a head it had is done)."""
        self.instances[instance.name] = instance
        self._rows[instance.name] = rows
        self._index = None
        self.row_sets.next()
        self.partial.pop(instance.name, None)

    def preload(
        self,
        inventory: Inventory,
        rows: dict[str, list[TokenRow]],
        partial: dict[str, ExpirySummary] | None = None,
    ) -> None:
        """What was read before the app started: whole snapshots, or heads whose
        ``partial`` summaries stand for the tokens still to come."""
        for instance in inventory.instances:
            self.store(instance, rows[instance.name])
        self.partial = dict(partial or {})

    def accept_snapshots(self, inventory: Inventory, rows: dict[str, list[TokenRow]]) -> None:
        """The cached snapshots, read in a worker: they replace only what nothing
        fresher has replaced (a refresh may have answered first)."""
        names = set(self.names)
        for instance in inventory.instances:
            if instance.name not in names:  # removed from the configuration meanwhile
                continue
            known = self.instances.get(instance.name)
            if known is None or known.from_cache:
                self.store(instance, rows[instance.name])

    def all_rows(self) -> list[TokenRow]:
        """Every row, instance by instance in the configuration's order."""
        return [row for name in self.names for row in self._rows.get(name, [])]

    def rows_of(self, name: str) -> list[TokenRow]:
        """The rows of instance ``name``."""
        return list(self._rows.get(name, []))

    def shown(self) -> list[TokenRow]:
        """The rows the view lets through, in its order (``apply_view``'s, from the
        work the last keystrokes left: 100,000 rows stay interactive)."""
        if self._index is None:
            self._index = RowIndex(self.all_rows())
        return self._index.apply(self.view)

    def siblings(self, token: Token) -> list[Token]:
        """Tokens with ``token``'s name, kind, owner and place: its rotation chain."""
        return [
            row.token
            for row in self._rows.get(token.instance, [])
            if row.token.name == token.name
            and row.token.kind is token.kind
            and row.token.owner == token.owner
            and row.token.resource == token.resource
        ]

    # --- the view -------------------------------------------------------------
    def show_card(self, state: StateFilter | None) -> None:
        """Filter on one of GitLab's four cards (``None``: every token)."""
        self.view = replace(self.view, state=state)

    def filter(self, query: str) -> None:
        """Filter as typed: every word must appear in a row's search text."""
        self.view = replace(self.view, query=query)

    def reverse_sort(self) -> None:
        """Flip the sort order."""
        self.view = replace(self.view, descending=not self.view.descending)

    def next_sort(self) -> None:
        """Sort by the next column."""
        following = COLUMNS[(COLUMNS.index(self.view.sort) + 1) % len(COLUMNS)]
        self.view = self.view.with_sort(following)

    def next_instance(self) -> None:
        """Show one instance, then the next, then all."""
        self.view = replace(self.view, instance=_next(self.names, self.view.instance))

    def next_kind(self) -> None:
        """Show one token kind present, then the next, then all."""
        rows = self.all_rows()
        present = [kind for kind in TokenKind if any(r.token.kind is kind for r in rows)]
        self.view = replace(self.view, kind=_next(present, self.view.kind))

    def show_everything(self) -> None:
        """Clear every filter (a token asked for must not stay hidden); keep the sort."""
        self.view = View(sort=self.view.sort, descending=self.view.descending)

    # --- the refresh ------------------------------------------------------------
    def begin_refresh(self) -> int | None:
        """Start a refresh of every instance: its number, or ``None`` if one runs."""
        if self.refreshing:
            return None
        self.refreshing = True
        self.awaiting = set(self.names)
        self.progress.clear()
        self.refresh_links_at = self.link_sets.current
        return self.refreshes.next()

    def refresh_progressed(self, number: int, progress: Progress) -> bool:
        """A refresh advanced on one instance; ``False``: the answer is stale."""
        if not self.refreshes.is_current(number):
            return False
        self.progress[progress.instance] = progress
        return True

    def instance_refreshed(
        self, number: int, instance: InstanceInventory, rows: list[TokenRow]
    ) -> bool:
        """One instance answered; ``False``: it belongs to a refresh of an earlier
        configuration and is dropped (it must not overwrite newer data)."""
        if not self.refreshes.is_current(number) or instance.name not in self.names:
            return False
        self.awaiting.discard(instance.name)
        self.store(instance, rows)
        return True

    def refresh_finished(self) -> bool:
        """The refresh thread ended (there is only ever one); ``True``: start another,
        for a configuration that changed meanwhile."""
        self.refreshing = False
        self.awaiting.clear()
        again, self.refresh_again = self.refresh_again, False
        return again

    def use_specs(self, specs: Sequence[InstanceSpec]) -> bool:
        """Switch to a new configuration: forget removed instances, and make the
        running refresh's answers stale. ``True``: refresh now; ``False``: one runs,
        and :meth:`refresh_finished` asks for the next."""
        self.specs = tuple(specs)
        self._index = None
        self.row_sets.next()
        names = set(self.names)
        for table in (self.instances, self._rows, self.progress, self.partial):
            for name in [name for name in table if name not in names]:
                del table[name]
        self.view = replace(self.view, instance=None)
        self.refreshes.next()
        if self.refreshing:
            self.refresh_again = True
            return False
        return True

    # --- marks and changes --------------------------------------------------------
    def toggle_mark(self, token: Token) -> None:
        """Mark ``token`` for a bulk action, or unmark it."""
        self.marked ^= {token.identity}

    def clear_marks(self) -> bool:
        """Forget every mark; ``True`` if there were any."""
        had = bool(self.marked)
        self.marked.clear()
        return had

    def selected(self, current: Token | None) -> list[Token]:
        """The marked tokens, else ``current`` (the one under the cursor)."""
        if self.marked:
            return [row.token for row in self.all_rows() if row.token.identity in self.marked]
        return [current] if current is not None else []

    def apply_tokens(self, tokens: Iterable[Token], now: datetime) -> list[InstanceInventory]:
        """Patch changed (same identity) or new tokens into the instances and rows,
        without a refresh. Unchanged rows are kept (their computed text too). Returns
        the patched instances, for the snapshot cache. Which rows are replaced is not
        told here (0.3-0.4 s at 100,000 rows): the caller runs a :meth:`replacement_job`
        in a worker (a rotation replaces its old token)."""
        by_instance: dict[str, dict[Identity, Token]] = {}
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
            self.store(patched, new_rows)
            changed.append(patched)
        return changed

    def why_not_writable(self, name: str) -> str | None:
        """Why nothing may be changed on instance ``name`` (``None``: it may)."""
        if self.readonly:
            return "gltui runs read-only (--readonly)"
        spec = self.spec(name)
        if spec is None:
            return f"{printable(name)} is no longer configured"
        if spec.readonly:
            return f"{printable(name)} is read-only (readonly = true in the config)"
        instance = self.instances.get(name)
        if instance is None or instance.identity is None:
            return f"gltui has not signed in to {printable(name)} yet; refresh (r) first"
        if name in self.partial:  # a change now would be lost when the rest arrives
            return f"gltui is still reading {printable(name)}'s cached tokens; try again"
        return None

    def own_identities(self) -> set[Identity]:
        """The tokens gltui signs in with."""
        return {
            instance.own_token.identity
            for instance in self.instances.values()
            if instance.own_token is not None
        }

    def replacement_lines(self, token: Token) -> list[tuple[str, str]]:
        """What the details pane says of a replacement this token is part of."""
        from gltui.domain.changes import seen_key

        key = seen_key(token)
        lines = []
        for pending in self.pending_replacements:
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
        identity = token.identity
        row = next(
            (r for r in self._rows.get(token.instance, ()) if r.token.identity == identity), None
        )
        if row is not None and row.replaced is not None:
            lines.append(("Replaced by", f"{printable(row.replaced.describe())}: nothing to do"))
        lines += [
            ("Deployed", printable(found.describe()))
            for found in self.deployments
            if found.instance == token.instance and found.token_key == key
        ]
        return lines

    # --- what the cards, the chart and the status line say ---------------------
    def _complete_rows(self) -> list[TokenRow]:
        return [row for row in self.all_rows() if row.token.instance not in self.partial]

    def counts(self, now: datetime) -> StateCounts:
        """GitLab's four cards over every token (heads count by their summaries)."""
        counts = tally(row.state for row in self._complete_rows())
        for summary in self.partial.values():
            counts += summary.counts(now, self.window)
        return counts

    def replaced_counts(self) -> dict[str, int]:
        """How many of the revoked and of the expired tokens are replaced, by state:
        the cards' quieter figure beside GitLab's own numbers (:mod:`gltui.domain.replaced`)."""
        found = {TokenState.REVOKED.value: 0, TokenState.EXPIRED.value: 0}
        for row in self._complete_rows():
            if row.replaced is not None and row.state.value in found:
                found[row.state.value] += 1
        return found

    def weekly(self, now: datetime) -> list[int]:
        """The expiry chart: working tokens expiring per week from now."""
        upcoming = chain(
            (row.upcoming_days for row in self._complete_rows() if row.upcoming_days is not None),
            *(summary.upcoming_days(now) for summary in self.partial.values()),
        )
        return weekly_counts(upcoming)

    def status_line(self, shown: int) -> str:
        """The line over the table: how many tokens are shown, the filters, the sort,
        the marks, waiting replacements and the modes gltui is in."""
        counts = {name: len(self._rows.get(name, ())) for name in self.names}
        parts = [f"{shown:,} of {sum(counts.values()):,} tokens"]
        if self.partial:  # by instance, not by row: this runs on every keystroke
            known = sum(count for name, count in counts.items() if name not in self.partial)
            total = known + sum(len(summary) for summary in self.partial.values())
            parts[0] = f"{shown:,} of {total:,} tokens (reading the rest of the cache)"
        view = self.view
        if view.state is not None:
            parts.append(f"card: {view.state.value}")
        if view.instance is not None:
            parts.append(f"instance: {printable(view.instance)}")
        if view.kind is not None:
            parts.append(f"kind: {view.kind.value}")
        if view.query:
            parts.append(f"filter: {printable(view.query)}")
        parts.append(f"sort: {view.label}")
        if self.marked:
            parts.append(f"{len(self.marked):,} marked (d revokes them)")
        waiting = len(self.pending_replacements)
        if waiting:
            parts.append(
                f"{waiting} replacement{'s' if waiting != 1 else ''} pending (p on the old token)"
            )
        if self.reloading:
            parts.append("reloading the configuration…")
        if self.readonly:
            parts.append("read-only")
        return " · ".join(parts)


def _next(options: list[T], current: T | None) -> T | None:
    """The option after ``current``; after the last one, ``None`` (no filter)."""
    if not options:
        return None
    if current is None or current not in options:
        return options[0]
    position = options.index(current) + 1
    return options[position] if position < len(options) else None
