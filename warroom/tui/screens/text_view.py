"""A long text shown whole and read-only: an entry opened from the timeline, the brief.
Esc closes; with `can_correct`, c asks to correct the entry."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from warroom.safe_text import clean, one_line


class TextView(ModalScreen[str | None]):
    """Dismisses with "correct" when c is pressed (if offered), else None."""

    BINDINGS = [
        Binding("escape", "close", "Close", priority=True),
        Binding("c", "correct", "Correct", show=False),
    ]
    # The sheet itself is styled with the note editor's in warroom.tcss.
    DEFAULT_CSS = """
    TextView #text-view-title { height: auto; padding: 0 1; background: $accent; }
    """

    def __init__(self, title: str, text: str, *, can_correct: bool = False) -> None:
        super().__init__()
        self.title_text = title
        # Shown as text, never run as markup; control characters made visible.
        self.text = clean(text, multiline=True)
        self.can_correct = can_correct

    def compose(self) -> ComposeResult:
        hint = "Esc closes" + (" · c corrects this entry" if self.can_correct else "")
        with Vertical():
            yield Static(Text(f"{one_line(self.title_text, 200)}  ·  {hint}"), id="text-view-title")
            yield TextArea(self.text, read_only=True, soft_wrap=True, id="text-view-text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_correct(self) -> None:
        if self.can_correct:
            self.dismiss("correct")
