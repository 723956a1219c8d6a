"""Filter the timeline by kind or by author."""

from __future__ import annotations

from rich.text import Text

from warroom.domain import KINDS
from warroom.safe_text import screen_line
from warroom.tui.data import TimelineFilter
from warroom.tui.screens.pickers import ChoiceScreen


def filter_picker(authors: list[str], current: TimelineFilter) -> ChoiceScreen:
    options: list[tuple[str, Text | str]] = [("all", "All entries")]
    options += [(f"kind:{kind}", Text(f"Kind: {kind}")) for kind in KINDS]
    options += [(f"author:{name}", Text(f"Author: {screen_line(name, 40)}")) for name in authors]
    if current.kind:
        selected = f"kind:{current.kind}"
    elif current.author:
        selected = f"author:{current.author}"
    else:
        selected = "all"
    picker = ChoiceScreen(
        "Show timeline entries", options, current=selected, hint="Enter chooses · Esc cancels"
    )
    # Opaque: behind a see-through modal Textual redraws the whole war room for every frame
    # the picker is shown, the 100k-entry timeline included.
    picker.add_class("-opaque")
    return picker


def parse_choice(choice: str) -> TimelineFilter:
    what, _, value = choice.partition(":")
    if what == "kind":
        return TimelineFilter(kind=value)
    if what == "author":
        return TimelineFilter(author=value)
    return TimelineFilter()
