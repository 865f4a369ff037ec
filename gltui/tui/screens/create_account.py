"""The create pane's "Account" row: which service account a new token is for.

A group's or project's service account gets its tokens from
``POST /groups|projects/:id/service_accounts/:user_id/personal_access_tokens``, so the
pane needs the account as well as the group or project. Once the group or project is
chosen, this row lists its service accounts (GitLab's ``GET …/service_accounts``, in a
thread worker; Owner of a group, Maintainer of a project) and says why when it cannot.
The pane hears the choice as :class:`AccountPicker.Chosen`. Apart from the pane so that
:mod:`gltui.tui.screens.create` stays about the form as a whole.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select, Static

from gltui.actions.service import ActionError
from gltui.domain.display import printable, printable_said
from gltui.domain.tokens import Owner, Resource
from gltui.tui.generation import Generation
from gltui.tui.screens.create_view import row

LoadAccounts = Callable[[str, Resource], list[Owner]]
"""The service accounts of a group or project on an instance (blocking)."""

NO_ACCOUNTS = "no service accounts there: an Owner (a Maintainer, for a project) adds one in GitLab"


class AccountPicker(Vertical):
    """A drop-down of the chosen group's or project's service accounts, and a status line."""

    class Chosen(Message):
        """The user chose an account (or the choice was cleared: ``None``)."""

        def __init__(self, account: Owner | None) -> None:
            super().__init__()
            self.account = account

    def __init__(self, load: LoadAccounts | None, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._load = load
        self._accounts: dict[int, Owner] = {}
        self.account: Owner | None = None
        self.loads = Generation()
        """Each load is numbered: only the newest group's or project's answer is shown."""

    def compose(self) -> ComposeResult:
        choose = Select[int]([], prompt="choose the group or project first", id="account")
        choose.compact = True
        yield row("Account", choose)
        yield Static("", id="account-said", markup=False)

    def clear(self) -> None:
        """No group or project: nothing to choose from."""
        self.loads.next()
        self._show([], None, "")

    def load(self, place: str, resource: Resource, preselect: Owner | None = None) -> None:
        """List ``resource``'s service accounts on ``place`` (in a worker), choosing
        ``preselect`` when it is one of them."""
        if self._load is None:
            self._show([], None, "this pane cannot list service accounts")
            return
        number = self.loads.next()
        self.query_one("#account-said", Static).update("reading the service accounts…")
        self._read(number, place, resource, preselect)

    @work(thread=True, group="accounts", exit_on_error=False)
    def _read(self, number: int, place: str, resource: Resource, preselect: Owner | None) -> None:
        assert self._load is not None
        try:
            found = self._load(place, resource)
        except ActionError as error:
            said = printable_said(error.message)
            self.app.call_from_thread(self._answered, number, [], None, said)
            return
        said = "" if found else NO_ACCOUNTS
        self.app.call_from_thread(self._answered, number, found, preselect, said)

    def _answered(
        self, number: int, found: list[Owner], preselect: Owner | None, said: str
    ) -> None:
        if self.loads.is_current(number):
            self._show(found, preselect, said)

    def _show(self, found: list[Owner], preselect: Owner | None, said: str) -> None:
        self._accounts = {a.user_id: a for a in found if a.user_id is not None}
        choose = self.query_one("#account", Select)
        options = [
            (Text(f"{printable(a.username or '?')} (#{user_id})"), user_id)
            for user_id, a in self._accounts.items()
        ]
        choose.set_options(options)
        wanted = preselect.user_id if preselect is not None else None
        if wanted in self._accounts:
            choose.value = wanted
        elif len(self._accounts) == 1:
            choose.value = next(iter(self._accounts))  # the only one: nothing to choose
        self._chose(choose.value)
        self.query_one("#account-said", Static).update(said)

    @on(Select.Changed, "#account")
    def changed(self, event: Select.Changed) -> None:
        event.stop()
        self._chose(event.value)

    def _chose(self, value: object) -> None:
        account = self._accounts.get(value) if isinstance(value, int) else None
        if account != self.account:
            self.account = account
            self.post_message(self.Chosen(account))
