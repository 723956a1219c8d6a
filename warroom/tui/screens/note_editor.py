"""The multi-line note editor: a paste (or a long note) as it will be stored, every line
kept. ctrl+s adds it as one note; Esc cancels, asking first when there is text to lose (a
pasted log is as much the responder's as a typed one)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from warroom.domain import MAX_NOTE_BYTES
from warroom.tui.messages import ReopenRequested


def describe(lines: int, title: str = "Note") -> str:
    plural = "s" if lines != 1 else ""
    return f"{title}: {lines:,} line{plural}  ·  ctrl+s adds it  ·  Esc cancels"


def content_lines(text: str) -> int:
    return text.rstrip("\n").count("\n") + 1


class NoteEditor(ModalScreen[str | None]):
    """Dismisses with the text to add, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Add the note", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
        # The file replaced under a note not saved: r would type into the text, and Esc
        # throws the text away; ctrl+r reopens the file with the editor kept open.
        Binding("ctrl+r", "reopen_file", "Reopen the file", priority=True, show=False),
    ]
    # The sheet itself (size, border, the TextArea's height) is styled with TextView's in
    # warroom.tcss; only what is the editor's own is here.
    DEFAULT_CSS = """
    NoteEditor #note-editor-title { height: 1; padding: 0 1; background: $accent; color: $text; }
    NoteEditor #note-editor-problem { height: auto; padding: 0 1; color: $error; display: none; }
    """

    def __init__(
        self,
        text: str,
        *,
        title: str = "Note",
        what: str = "this note",
        problem: str = "",
        stored: bool = False,
    ) -> None:
        super().__init__()
        self.initial = text
        # The text it opened on is stored already (a correction of an entry): Esc on it
        # unchanged loses nothing, so it closes without asking.
        self.stored = stored
        self.title_text = title
        self.what = what  # for the question before Esc throws it away
        self.problem = problem  # why it is open again: the last save failed

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text(describe(content_lines(self.initial), self.title_text)), id="note-editor-title"
            )
            problem = Static(Text(self.problem), id="note-editor-problem")
            problem.display = bool(self.problem)
            yield problem
            # Soft wrap off: wrapping 5,000 long log lines on every edit costs, and a log
            # reads better unwrapped; the view scrolls sideways.
            yield TextArea(
                self.initial, soft_wrap=False, show_line_numbers=True, id="note-editor-text"
            )

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)  # more of the same paste is appended here

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    @on(TextArea.Changed)
    def _count(self) -> None:
        # line_count is kept by the document; the full text is only built on save.
        title = self.query_one("#note-editor-title", Static)
        document = self.area.document
        count = document.line_count
        if count > 1 and not document.get_line(count - 1):
            count -= 1  # a paste ending in a line break: that empty line is not stored
        elif count == 1 and not document.get_line(0):
            count = 0  # emptied
        title.update(Text(describe(count, self.title_text)))

    def action_save(self) -> None:
        text = self.area.text
        size = len(text.encode("utf-8", errors="replace"))
        problem = self.query_one("#note-editor-problem", Static)
        if not text.strip():
            problem.update(Text("The note is empty; type or paste something, or Esc."))
            problem.display = True
            return
        if size > MAX_NOTE_BYTES:
            problem.update(
                Text(
                    f"This note is {size:,} bytes; the limit is {MAX_NOTE_BYTES:,}."
                    " Nothing was added: shorten it, or keep the log in a file and note where."
                )
            )
            problem.display = True
            return
        self.dismiss(text)

    def action_reopen_file(self) -> None:
        self.post_message(ReopenRequested())
        if self.problem:
            self.say("Reopening the file…")

    def say(self, text: str) -> None:
        """A line above the text: why the editor is open again, how its reopen went."""
        for problem in self.query("#note-editor-problem").results(Static):
            problem.update(Text(text))
            problem.display = True

    def action_cancel(self) -> None:
        text = self.area.text
        if not text.strip() or (self.stored and text == self.initial):
            self.dismiss(None)
            return
        from warroom.tui.screens.forms import ConfirmDiscard  # only when asked

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard(self.what), answered)
