"""The note field. A paste with a line break in it (or a very long one) is not cut to its
first line as `Input` does: the field hands it to the multi-line note editor instead. A
one-line paste goes into the field and waits for Enter, even if it ended with a line break."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.timer import Timer
from textual.widgets import Input

# A single line longer than this also opens the editor: easier to read and fix there.
LONG_LINE = 500
HAND_OVER_LIMIT = 0.5  # seconds: keys held after Enter go on even if the focus stays here


def one_line_paste(text: str) -> str | None:
    """A paste of one line (a trailing line break allowed, as when a line is copied whole
    from a terminal): its text, to put in the field without submitting it, as shells do.
    None when the paste is for the editor."""
    line = text.rstrip("\r\n")
    if "\n" in line or "\r" in line or len(line) > LONG_LINE:
        return None
    return line


def wants_editor(text: str) -> bool:
    return one_line_paste(text) is None


class NoteInput(Input):
    # Input sets its virtual size on every change of its value (its text's width, for
    # scrolling sideways), and Widget's virtual_size lays out the whole screen when it
    # changes: clearing the field on Enter cost a full layout, a third of the time to the
    # note on the timeline. The field's own size never depends on its text (one row, the
    # width of its pane), so a repaint of the field is enough.
    virtual_size = Reactive(Size(0, 0), layout=False)

    # Keys (and pastes) that arrive after Enter and before the screen has moved the focus
    # away: they were meant for whatever has the focus next (the timeline's keys), not for
    # this field, whose text is about to be cleared.
    _after_enter: list[events.Key | events.Paste] | None = None
    _hand_over_timer: Timer | None = None

    async def _on_key(self, event: events.Key) -> None:
        if self._after_enter is not None:
            event.prevent_default()
            event.stop()
            self._after_enter.append(event)
            return
        if event.key == "enter":
            # Submitted here, as the key arrives: as a binding, Enter ran only once the key
            # had gone up to the app and back, and a key typed right after it (Enter, then
            # n at once) was in the note by then ("db is backn").
            event.prevent_default()
            event.stop()
            self._after_enter = []
            self._hand_over_timer = self.set_timer(HAND_OVER_LIMIT, self.hand_over)
            await self.action_submit()

    def _on_blur(self, event: events.Blur) -> None:
        self.hand_over()

    def hand_over(self) -> None:
        """Give what was held since Enter to whatever has the focus now (this field again,
        should the screen not have moved it), in the order it came."""
        if self._hand_over_timer is not None:
            self._hand_over_timer.stop()  # its Enter's: it must not cut a later one short
            self._hand_over_timer = None
        held, self._after_enter = self._after_enter, None
        for event in held or ():
            again: events.Key | events.Paste
            if isinstance(event, events.Paste):
                again = events.Paste(event.text)
            else:
                again = events.Key(event.key, event.character)
            # Sent by the app, as the driver's are: a message stops bubbling at its sender,
            # and one made in the war room's handler never reached the app's key bindings.
            again.set_sender(self.app)
            self.app.post_message(again)

    def watch_virtual_size(self) -> None:
        # What the layout did besides: a text made shorter with the cursor left where it was
        # (ctrl+k, Delete) must not stay scrolled past its end.
        self.scroll_x = self.validate_scroll_x(self.scroll_x)

    @dataclass
    class Pasted(Message):
        """A paste for the editor: what the field held, and the pasted text."""

        typed: str
        pasted: str

    def _on_paste(self, event: events.Paste) -> None:
        # Textual calls Input._on_paste after this one (handlers run along the MRO) unless
        # the default is prevented: that is what cuts a paste to its first line.
        event.prevent_default()
        event.stop()
        if self._after_enter is not None:
            self._after_enter.append(event)  # after Enter: for the next note, not this one
            return
        line = one_line_paste(event.text)
        if line is None:
            typed = self.value
            self.clear()
            self.post_message(self.Pasted(typed, event.text))
        elif line:
            self.insert_text_at_cursor(line)
