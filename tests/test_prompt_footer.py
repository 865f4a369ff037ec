"""The dashboard's footer shows what Textual's Footer shows, rebuilding only on change.

:class:`~gltui.tui.widgets.footer.PromptFooter` exists for the cold first frame (issue
19): it rebuilds its keys before the next refresh instead of after it, and not at all
when the bindings it shows are the ones it drew. These tests run it beside Textual's
own Footer in the same app, so any difference in what they draw shows.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from gltui.tui.widgets.footer import PromptFooter


class Pane(Widget, can_focus=True):
    """A focusable widget with a binding of its own (as the token table has ``enter``)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose", "Details")]


class OtherPane(Pane):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "choose", "Open")]


class Counting(PromptFooter):
    """The footer under test, counting how often it composes its keys."""

    composed = 0

    def compose(self) -> ComposeResult:
        type(self).composed += 1
        yield from super().compose()


class Both(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("x", "hidden", "Hidden", show=False),
    ]
    AUTO_FOCUS = ""

    def compose(self) -> ComposeResult:
        yield Pane(id="one")
        yield OtherPane(id="two")
        yield Counting(id="prompt")
        yield Footer(id="textual")

    def action_refresh(self) -> None:
        pass


def keys(app: App[None], footer: str) -> list[tuple[str, str, bool]]:
    return [
        (key.key, key.description, key.disabled)
        for key in app.query_one(f"#{footer}").query(FooterKey)
    ]


async def shown(pilot: Pilot[None]) -> list[tuple[str, str, bool]]:
    await pilot.pause()
    await pilot.pause()
    app = pilot.app
    assert keys(app, "prompt") == keys(app, "textual")
    return keys(app, "prompt")


async def test_it_shows_what_textual_s_footer_shows() -> None:
    app = Both()
    async with app.run_test(size=(100, 10)) as pilot:
        app.screen.set_focus(app.query_one("#one"))
        assert await shown(pilot) == [
            ("enter", "Details", False),
            ("q", "Quit", False),
            ("r", "Refresh", False),
            ("ctrl+p", "palette", False),
        ]
        app.screen.set_focus(app.query_one("#two"))  # other bindings: rebuilt
        assert ("enter", "Open", False) in await shown(pilot)
        app.screen.set_focus(None)
        assert [key for key, _, _ in await shown(pilot)] == ["q", "r", "ctrl+p"]
        app.update_keymap({"refresh": "f5"})  # the keys displayed change with a keymap
        assert [key for key, _, _ in await shown(pilot)] == ["q", "f5", "ctrl+p"]


async def test_it_rebuilds_only_when_what_it_shows_changes() -> None:
    app = Both()
    async with app.run_test(size=(100, 10)) as pilot:
        app.screen.set_focus(app.query_one("#one"))
        await shown(pilot)
        before = Counting.composed
        for _ in range(3):  # published again, the same bindings: nothing to rebuild
            app.screen.refresh_bindings()
            await pilot.pause()
        assert Counting.composed == before
        app.screen.set_focus(app.query_one("#two"))
        app.screen.refresh_bindings()  # twice before it runs: one rebuild reads both
        assert ("enter", "Open", False) in await shown(pilot)
        assert Counting.composed == before + 1
