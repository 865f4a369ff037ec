"""``y``: the yank menu on the selected token; ``o``: its GitLab page in the browser.

Copying goes through Textual's :meth:`App.copy_to_clipboard` (OSC 52: it works over
SSH and in tmux, where no local clipboard tool would), and every text comes from
:func:`gltui.actions.yank.yanks`, which holds no secret. Opening the browser may
block (``xdg-open`` on a headless box waits), so it runs in a thread worker; when
there is no page or no browser, the address is shown in a notification instead, to
be copied by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from gltui.domain.display import describe
from gltui.domain.tokens import Token
from gltui.tui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from gltui.actions.yank import Yank

# What can be copied, the page addresses and the browser load on the first y or o, like
# this module itself (see page_actions): the first frame needs none of them (cold start).


def open_browser(url: str) -> bool:
    """How a page is opened (tests replace it); ``False`` when no browser is available."""
    import webbrowser

    return webbrowser.open(url)


def _preview(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class YankScreen(ForwardsWorkerErrors, ModalScreen[None]):
    """A list of what can be copied about one token; enter copies one and closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without copying"),
    ]
    DEFAULT_CSS = """
    YankScreen { align: center middle; }
    #yank { width: 90; max-width: 100%; height: auto; max-height: 80%; border: round $accent;
            background: $surface; padding: 0 1; }
    #yank-options { height: auto; max-height: 16; }
    """

    def __init__(self, token: Token, entries: list[Yank]) -> None:
        super().__init__()
        self.token = token
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="yank"):
            yield Static(f"Copy: {describe(self.token)}", id="yank-title", markup=False)
            yield OptionList(
                *(
                    Option(f"{entry.label}: {_preview(entry.text)}", id=str(index))
                    for index, entry in enumerate(self.entries)
                ),
                id="yank-options",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected, "#yank-options")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        entry = self.entries[int(event.option.id or 0)]
        self.app.copy_to_clipboard(entry.text)
        self.app.notify(f"Copied the {entry.label.lower()} (OSC 52).", timeout=3)
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def open_yank(screen: Screen[Any], token: Token | None, instance_url: str) -> None:
    """Push the menu for ``token`` (a notification when no row is selected)."""
    if token is None:
        screen.notify("Select a token first.", timeout=2)
        return
    from gltui.actions.yank import yanks

    screen.app.push_screen(YankScreen(token, yanks(token, instance_url)))


def open_page(screen: Screen[Any], token: Token | None, instance_url: str) -> None:
    """Open ``token``'s GitLab page in a thread worker, or say why not (with the
    address, when there is one, so it can still be copied)."""
    if token is None:
        screen.notify("Select a token first.", timeout=2)
        return
    from gltui.domain.links import token_page_url

    page = token_page_url(instance_url, token) if instance_url else None
    if page is None:
        screen.notify("GitLab has no page for this token that gltui can name.", timeout=4)
        return
    app = screen.app
    import webbrowser

    def work() -> None:
        try:
            opened = open_browser(page)
        except webbrowser.Error:
            opened = False
        if opened:
            app.call_from_thread(app.notify, f"Opened {page}", timeout=3)
        else:
            app.call_from_thread(app.notify, f"No browser to open; the page is {page}", timeout=10)

    screen.run_worker(work, thread=True, group="open-page", exit_on_error=False)
