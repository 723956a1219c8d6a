"""Questions the war room asks before it acts: publish over someone else's update, publish text
that lacks its promise, drop an edited draft, assign a role that changed hands. One picker
grammar: Enter or the number chooses, Esc answers "no"."""

from __future__ import annotations

from rich.text import Text

from warroom.safe_text import screen_line
from warroom.tui.screens.pickers import ChoiceScreen

YES = "yes"
NO = "no"


def confirm(question: str, yes: str, no: str, *, default_yes: bool = False) -> ChoiceScreen:
    """A two-choice picker; dismisses with YES, NO, or None (Esc), which callers treat as NO.
    `question` is made safe here: it quotes what people typed (names, headlines)."""
    return ChoiceScreen(
        screen_line(question, 300),
        [(YES, Text(yes)), (NO, Text(no))],
        current=YES if default_yes else NO,
        hint="Enter or the number chooses · Esc cancels",
    )
