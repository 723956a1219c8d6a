"""The note field. A paste with a line break in it (or a very long one) is not cut to its
first line as `Input` does: the field hands it to the multi-line note editor instead."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import Input

# A single line longer than this also opens the editor: easier to read and fix there.
LONG_LINE = 500


def wants_editor(text: str) -> bool:
    return "\n" in text or "\r" in text or len(text) > LONG_LINE


class NoteInput(Input):
    @dataclass
    class Pasted(Message):
        """A paste for the editor: what the field held, and the pasted text."""

        typed: str
        pasted: str

    def _on_paste(self, event: events.Paste) -> None:
        # Textual calls Input._on_paste after this one (handlers run along the MRO) unless
        # the default is prevented: that is what cuts a paste to its first line.
        if wants_editor(event.text):
            event.prevent_default()
            event.stop()
            typed = self.value
            self.clear()
            self.post_message(self.Pasted(typed, event.text))
