"""The help screen: every key and what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, keys: list[tuple[str, str, str]], readonly: bool) -> None:
        super().__init__(classes="picker")
        self.keys = keys
        self.readonly = readonly

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, title, help_text in self.keys:
            table.add_row(Text(key), Text(f"{title}: {help_text}"))
        with VerticalScroll(classes="dialog wide"):
            heading = "Keys (read-only: watching, not writing)" if self.readonly else "Keys"
            heading += "  ·  Esc, q or ? closes"
            yield Label(Text(heading), classes="dialog-title")
            yield Static(table)
            yield Static(
                Text(
                    "The timeline has the focus unless a field does (Esc leaves a field): "
                    "\u2191 \u2193, PgUp PgDn, Home and the mouse wheel scroll it, and it "
                    "follows new entries unless you scroll up; End follows again. "
                    "Everything here is also a shell command: `warroom --help`. "
                    "ctrl+p opens the command palette."
                ),
                classes="dialog-hint",
            )

    def on_screen_resume(self) -> None:
        # The screen is installed once and reused (app.action_help): without this it opened
        # where it was last scrolled to, its title out of view.
        # (query, not query_one: built ahead, it can be resumed before it is composed.)
        for scroll in self.query(VerticalScroll):
            scroll.scroll_home(animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
