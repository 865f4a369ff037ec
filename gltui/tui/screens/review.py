"""The weekly review: what changed since the last sign-off, what expires soon, what is flagged.

Every row that names a token still listed jumps to it in the dashboard (``enter``);
``s`` signs the review off (a file, written in this screen's worker), so the next
one starts from what this one saw.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from gltui.domain.changes import Baseline, Change, TokenChange
from gltui.domain.display import grouped, owner_label, printable
from gltui.domain.review import Review
from gltui.domain.states import days_until_expiry
from gltui.domain.tokens import Token
from gltui.inventory.reviews import ReviewLog
from gltui.local_files import describe_os_error
from gltui.tui.table_model import relative_days
from gltui.tui.worker_errors import ForwardsWorkerErrors

SECTION_LIMIT = 200
"""Rows shown per section; the dashboard's filters show the rest."""
SignedOff = tuple[str, bool]
"""What a sign-off tells the user, and whether it is an error."""

_CHANGE_DETAIL: dict[Change, str] = {
    Change.NEW: "created since",
    Change.EXPIRING: "entered the expiring window",
    Change.EXPIRED: "its expiry date passed",
    Change.REVOKED: "stopped working",
    Change.ROTATED: "rotated: a new token with the same name replaced it",
    Change.REPLACED: "replaced: it stopped working and its successor works (nothing to do)",
    Change.VANISHED: "no longer listed by GitLab (kept from the local history)",
}


def _ago(moment: datetime, now: datetime) -> str:
    return relative_days((moment.date() - now.date()).days)


def review_heading(review: Review) -> str:
    """One line saying what the review compares with."""
    since = review.since
    if since is None:
        return (
            "First review: nothing earlier to compare with. Sign off (s) and the next "
            "review shows what changed from here."
        )
    when = f"{since.at:%Y-%m-%d %H:%M} UTC ({_ago(since.at, review.now)})"
    if since.source == "review":
        return f"Changes since the last review, signed off {when}."
    return f"No review signed off yet: changes since the local history of {when}."


def _token_line(token: Token, now: datetime, extra: str) -> Text:
    left = days_until_expiry(token, now.date())
    expiry = "never" if left is None else relative_days(left)
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{expiry:>11}  ", style="bold")
    line.append(f"{printable(token.instance)} · {token.kind.value} · ")
    line.append(printable(token.name), style="bold")
    line.append(f"  {printable(owner_label(token))}")
    if extra:
        line.append(f"  {extra}", style="italic")
    return line


def _change_line(change: TokenChange) -> Text:
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{change.change.value:>13}  ", style="bold")
    line.append(f"{printable(change.instance)} · {change.kind.value} · ")
    line.append(printable(change.name), style="bold")
    line.append(f"  {printable(change.where)}  ")
    line.append(_CHANGE_DETAIL[change.change], style="italic")
    return line


def record_sign_off(
    reviews: ReviewLog | None,
    review: Review,
    tokens: Sequence[Token],
    baseline: Baseline | None,
    read: Sequence[str],
) -> SignedOff:
    """Write the sign-off (blocking: run it in a worker); instances not ``read`` now
    keep what the last sign-off saw of them."""
    if reviews is None:
        return "This session keeps no review record.", False
    kept = {
        name: seen
        for name, seen in (baseline.seen.items() if baseline is not None else ())
        if name not in read
    }
    try:
        reviews.sign_off(tokens, review.now, review.window, review.counts(), keep_instances=kept)
    except OSError as error:
        return f"The review could not be recorded: {describe_os_error(error)}", True
    return f"Review signed off at {review.now:%H:%M} UTC; the next one starts here.", False


class ReviewScreen(ForwardsWorkerErrors, Screen[Token | None]):
    """The review; dismisses with the token to jump to, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss_none", "Back", tooltip="Back to the dashboard"),
        Binding("s", "sign_off", "Sign off", tooltip="Record this review; the next starts here"),
        Binding("enter", "jump", "Go to token", tooltip="Show the token in the dashboard"),
    ]

    def __init__(self, review: Review, sign_off: Callable[[Review], SignedOff]) -> None:
        """``sign_off`` records the review (blocking: it runs in this screen's worker)."""
        super().__init__()
        self.review = review
        self._sign_off = sign_off
        self._targets: dict[str, Token] = {}
        self.signed = False

    def compose(self) -> ComposeResult:
        yield Static(review_heading(self.review), id="review-heading", markup=False)
        yield OptionList(*self._options(), id="review-list")
        yield Static(self._summary(), id="review-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _summary(self) -> str:
        review = self.review
        return (
            f"{grouped(review.total)} tokens · {grouped(len(review.changes))} changes · "
            f"{grouped(len(review.expiring))} expiring within {review.window} days · "
            f"{grouped(len(review.flagged))} working tokens flagged · "
            "enter shows a token in the table"
        )

    def _section(self, title: str, count: int) -> Option:
        heading = Text(f"{title} ({grouped(count)})", style="bold reverse")
        return Option(heading, disabled=True)

    def _row(self, prompt: Text, token: Token | None) -> Option:
        option_id = f"row-{len(self._targets)}-{id(prompt)}"
        if token is not None:
            self._targets[option_id] = token
        return Option(prompt, id=option_id)

    def _more(self, hidden: int, hint: str) -> list[Option]:
        if hidden <= 0:
            return []
        return [
            Option(Text(f"… and {grouped(hidden)} more ({hint})", style="italic"), disabled=True)
        ]

    def _options(self) -> list[Option]:
        review, now = self.review, self.review.now
        options: list[Option] = [self._section("What changed", len(review.changes))]
        if not review.changes:
            note = "nothing" if review.since is not None else "nothing to compare with yet"
            options.append(Option(Text(f"  {note}", style="italic"), disabled=True))
        for change in review.changes[:SECTION_LIMIT]:
            options.append(self._row(_change_line(change), change.token))
        options += self._more(len(review.changes) - SECTION_LIMIT, "see gltui report")

        options.append(self._section(f"Expiring within {review.window} days", len(review.expiring)))
        for token in review.expiring[:SECTION_LIMIT]:
            options.append(self._row(_token_line(token, now, ""), token))
        options += self._more(len(review.expiring) - SECTION_LIMIT, "press 2 in the dashboard")

        options.append(self._section("Flagged working tokens", len(review.flagged)))
        for token, flags in review.flagged[:SECTION_LIMIT]:
            options.append(self._row(_token_line(token, now, ", ".join(flags)), token))
        options += self._more(len(review.flagged) - SECTION_LIMIT, "filter the dashboard by flag")
        return options

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self._jump_to(event.option.id)

    def action_jump(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._jump_to(options.get_option_at_index(options.highlighted).id)

    def _jump_to(self, option_id: str | None) -> None:
        token = self._targets.get(option_id or "")
        if token is None:
            self.notify("GitLab no longer lists this token; nothing to show.", timeout=3)
            return
        self.dismiss(token)

    def action_sign_off(self) -> None:
        if self.signed:
            self.notify("This review is already signed off.", timeout=2)
            return
        self.signed = True
        self._record(self.review, self.app)

    @work(thread=True, group="sign-off", exit_on_error=False)
    def _record(self, review: Review, app: App[Any]) -> None:
        """Write the sign-off; ``app`` says how it went even if this screen is gone."""
        said, error = self._sign_off(review)
        severity: SeverityLevel = "error" if error else "information"
        app.call_from_thread(
            app.notify, said, severity=severity, timeout=8 if error else 4, markup=False
        )

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
