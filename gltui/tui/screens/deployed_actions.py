"""The dashboard's ``D`` (where is each token deployed?) and what it and rotations record.

A mixin, like :mod:`~gltui.tui.screens.page_actions`, so dashboard.py stays small and its
first frame loads none of this: the scan, the records and their files load in workers.

* :meth:`DeployedActions.load_successions` reads, off the event loop, the successions
  record (rotations and replacements gltui made: which token took whose place) and the
  deployed-in record (the last scan's CI/CD variables); the rows then say which revoked
  or expired tokens are *replaced* (:mod:`gltui.domain.replaced`) and the details pane
  where a token is stored.
* :meth:`DeployedActions.mark_replacements` tells the rows again which are replaced
  whenever the links change or an action patched rows in: in a thread worker (0.3-0.4 s
  at 100,000 rows), its answer applied only while the rows are still the ones it read
  (:mod:`gltui.tui.replacement_marks`).
* :meth:`DeployedActions.action_scan_deployed` asks first, saying that the scan touches
  last-used times (:data:`~gltui.inventory.deployed.TOUCHES_LAST_USED`), then scans every
  instance in the confirmation's worker, stores what it found and lists it. Never
  automatic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import Screen

from gltui.domain.display import grouped, printable, printable_said
from gltui.tui.messages import PendingChanged, RefreshFinished, SnapshotsLoaded, TokensChanged
from gltui.tui.replacement_marks import MarksAnswer

if TYPE_CHECKING:
    from textual.worker import Worker

    from gltui.actions.pending import PendingStore
    from gltui.clock import Clock
    from gltui.domain.deployed import Deployment
    from gltui.domain.replaced import Because, Succession
    from gltui.domain.tokens import Token
    from gltui.inventory.deployed import InstanceScan
    from gltui.inventory.engine import InventoryEngine
    from gltui.tui.dashboard_state import DashboardState
    from gltui.tui.replacement_marks import MarkJob
    from gltui.tui.table_model import MarkChange, TokenRow

SCAN_BODY = (
    "gltui lists the CI/CD variables of the projects you maintain and the groups you own "
    "on every instance, and looks for GitLab tokens in their values.\n\n"
    "{touches}\n\n"
    "What it finds is kept in gltui's data directory: the variable's place, key and scope "
    "and which token it holds, so a token's details say where it is deployed."
)


class SuccessionsChanged(Message):
    """The recorded successions and the last scan's deployments (read in a worker;
    ``deployments`` ``None``: unchanged)."""

    def __init__(
        self, successions: Sequence[Succession], deployments: Sequence[Deployment] | None
    ) -> None:
        super().__init__()
        self.successions = list(successions)
        self.deployments = None if deployments is None else list(deployments)


class ReplacementsFound(Message):
    """A :class:`~gltui.tui.replacement_marks.MarkJob`'s answer, from its worker."""

    def __init__(self, job: MarkJob, changes: Sequence[MarkChange]) -> None:
        super().__init__()
        self.job = job
        self.changes = list(changes)


class DeployedActions:
    """``D`` and the two records, on the dashboard."""

    state: DashboardState
    engine: InventoryEngine
    clock: Clock

    def _screen(self) -> Screen[Any]:
        assert isinstance(self, Screen)
        return self

    def load_successions(self) -> None:
        """Read both records in a thread worker (none when this session keeps no files);
        the rows are then told which of them are replaced (the first frame's were not)."""
        history = self.engine.history
        directory = history.directory if history is not None else None
        notices, screen = self.engine.notices, self._screen()

        def job() -> None:
            from gltui.inventory.deployed_store import DeployedStore
            from gltui.inventory.successions import SuccessionStore

            if directory is None:
                screen.post_message(SuccessionsChanged([], []))
                return
            links = SuccessionStore(directory, notices).all()
            found = DeployedStore(directory, notices).all()
            screen.post_message(SuccessionsChanged(links, found))

        screen.run_worker(job, thread=True, group="records", exit_on_error=False)

    def mark_replacements(self) -> None:
        """Tell every row again whether it is replaced, in a thread worker; the answer
        comes back as :class:`ReplacementsFound`. A later call supersedes this one."""
        job, screen = self.state.replacement_job(), self._screen()

        def find() -> None:
            screen.post_message(ReplacementsFound(job, job.run()))  # thread-safe

        screen.run_worker(find, thread=True, group="replacements", exit_on_error=False)

    def on_replacements_found(self, message: ReplacementsFound) -> None:
        answer = self.state.replacements_found(message.job, message.changes)
        if answer is MarksAnswer.STALE:  # about rows no longer shown: ask about these
            self.mark_replacements()
        elif answer is MarksAnswer.APPLIED and message.changes:
            self._render_all()
            # their search texts changed: built again off the loop, not on the next key
            # (a third of 100,000 rows marked at once: ~0.1 s of texts)
            self.warm_rows([row for row, _ in message.changes])

    def on_pending_changed(self, message: PendingChanged) -> None:
        self.state.pending_replacements = message.rows
        self.state.link_sets.next()
        self.mark_replacements()  # a replacement in progress is a succession too
        self._render_status()  # "N replacements pending"

    def on_successions_changed(self, message: SuccessionsChanged) -> None:
        self.state.successions = message.successions
        if message.deployments is not None:
            self.state.deployments = message.deployments
        self.state.link_sets.next()
        self.mark_replacements()

    # The rows a worker built were marked there, with the links of the moment: those
    # may have changed before the rows were shown. (Each runs after the dashboard's own
    # handler of the message: Textual calls every class's, the screen's first.)
    def on_snapshots_loaded(self, message: SnapshotsLoaded) -> None:
        """The cached snapshots are shown: the records were read beside them."""
        self.mark_replacements()

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        """Every instance answered: mark again if the links changed while it ran."""
        if self.state.link_sets.current != self.state.refresh_links_at:
            self.state.refresh_links_at = self.state.link_sets.current
            self.mark_replacements()

    def on_tokens_changed(self, message: TokensChanged) -> None:
        """After the dashboard's own handler patched the rows in: a rotation or a revoke
        may have replaced a token, and the patched rows are told here, not in the patch."""
        self.mark_replacements()

    if TYPE_CHECKING:

        def _render_all(self) -> None:
            """The dashboard's: draw the cards, the chart and the table again."""

        def _render_status(self) -> None:
            """The dashboard's: draw the line over the table again."""

        def warm_rows(self, rows: list[TokenRow]) -> Worker[None]:
            """The dashboard's: build ``rows``' search texts in a worker."""

    def action_scan_deployed(self) -> None:
        """Ask, then scan every instance in the confirmation's worker."""
        from gltui.inventory.deployed import TOUCHES_LAST_USED
        from gltui.tui.screens.confirm import ConfirmScreen

        specs = [spec for spec in self.engine.specs if spec.token_problem is None]
        if not specs:
            self._screen().notify("No instance has a usable token to scan with.", markup=False)
            return
        history, notices, clock = self.engine.history, self.engine.notices, self.clock
        directory = history.directory if history is not None else None

        def scan() -> tuple[list[InstanceScan], list[Succession], list[Deployment]]:
            from gltui.inventory.deployed import scan_all
            from gltui.inventory.deployed_store import DeployedStore
            from gltui.inventory.successions import SuccessionStore

            now = clock()
            scans = scan_all(specs, now)
            links = list(self.state.successions)
            found = [d for d in self.state.deployments if d.instance not in _scanned(scans)]
            found += [d for scan in scans for d in scan.deployments()]
            if directory is not None:
                store = DeployedStore(directory, notices)
                for done in scans:
                    if done.ok:
                        found = store.replace_instance(done.instance, now, done.deployments())
                gitlab = [link for done in scans for link in done.gitlab_links]
                if gitlab:
                    links = SuccessionStore(directory, notices).record(gitlab, now)
            return scans, links, found

        def closed(
            result: tuple[list[InstanceScan], list[Succession], list[Deployment]] | None,
        ) -> None:
            from gltui.tui.screens.details import DetailsScreen

            if result is None:
                return
            scans, links, found = result
            screen = self._screen()
            screen.post_message(SuccessionsChanged(links, found))
            screen.app.push_screen(DetailsScreen(scan_lines(scans)))

        body = SCAN_BODY.format(touches=TOUCHES_LAST_USED)
        confirm = ConfirmScreen("Where is each token deployed?", body, "Scan the variables", scan)
        self._screen().app.push_screen(confirm, closed)


def remember_succession(
    screen: Screen[Any],
    pending: PendingStore | None,
    old: Token,
    new: Token,
    because: Because,
    at: datetime,
) -> None:
    """Record, in a worker, that ``new`` took ``old``'s place (after a rotation or the
    start of a replacement); the dashboard then hears the links. Nothing is recorded in
    a session that keeps no files (``pending`` is ``None``): the same-name rule still
    tells the rotated token replaced."""
    if pending is None:
        return
    directory, notices = pending.path.parent, pending.notices

    def job() -> None:
        from gltui.domain.changes import seen_key
        from gltui.domain.replaced import Succession
        from gltui.inventory.successions import SuccessionStore

        link = Succession(old.instance, seen_key(old), seen_key(new), because)
        links = SuccessionStore(directory, notices).record([link], at)
        screen.post_message(SuccessionsChanged(links, None))

    screen.run_worker(job, thread=True, group="records", exit_on_error=False)


def _scanned(scans: Sequence[InstanceScan]) -> set[str]:
    return {scan.instance for scan in scans if scan.ok}


def scan_lines(scans: Sequence[InstanceScan]) -> list[tuple[str, str]]:
    """What the scan found, per instance: (instance, line) pairs in plain text."""
    lines: list[tuple[str, str]] = []
    for scan in scans:
        name = printable(scan.instance)
        if scan.failure is not None:
            lines.append((name, f"not scanned: {printable_said(scan.failure.message)}"))
            continue
        quiet = f", {grouped(scan.not_yours)} not yours to read" if scan.not_yours else ""
        lines.append(
            (
                name,
                f"{grouped(scan.projects)} projects you maintain, {grouped(scan.groups)} groups "
                f"you own{quiet}; {grouped(scan.variables)} variables read",
            )
        )
        lines += [(name, printable(found.describe())) for found in scan.findings]
        if not scan.findings:
            lines.append((name, "no variable holds a GitLab token"))
        lines += [(name, f"problem: {printable_said(problem)}") for problem in scan.problems]
    return lines
