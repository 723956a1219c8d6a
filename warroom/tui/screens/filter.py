"""Filter the timeline by kind or by author."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from warroom.domain import KINDS, short_kind
from warroom.safe_text import screen_line
from warroom.tui.data import TimelineFilter
from warroom.tui.screens.pickers import ChoiceScreen


def filter_options(
    authors: Sequence[str], kinds: Sequence[str] = KINDS, current: TimelineFilter | None = None
) -> list[tuple[str, Text | str]]:
    """All entries, then the kinds the timeline has (and the one filtered on, if it has none
    any more), then its authors."""
    options: list[tuple[str, Text | str]] = [("all", "All entries")]
    shown = set(kinds) | ({current.kind} if current is not None and current.kind else set())
    # Named as the timeline's kind column names them (`declare`, `check`...).
    options += [
        (f"kind:{kind}", Text(f"Kind: {short_kind(kind)}")) for kind in KINDS if kind in shown
    ]
    options += [(f"author:{name}", Text(f"Author: {screen_line(name, 40)}")) for name in authors]
    return options


def current_choice(current: TimelineFilter) -> str:
    if current.kind:
        return f"kind:{current.kind}"
    if current.author:
        return f"author:{current.author}"
    return "all"


def filter_picker(
    authors: Sequence[str], kinds: Sequence[str], current: TimelineFilter
) -> ChoiceScreen:
    picker = ChoiceScreen(
        "Show timeline entries",
        filter_options(authors, kinds, current),
        current=current_choice(current),
        hint="Enter chooses · Esc cancels",
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
