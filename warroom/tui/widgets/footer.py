"""The footer, in two rows on a narrow screen so that every key stays visible.

Textual's Footer recomposes (removes and mounts every key) whenever the screen's bindings may
have changed, which is on every focus change: focusing the note input and leaving it again cost
a rebuild of all the keys and a layout of the whole screen each time. Here a key that is only
enabled or disabled, or that drops out while a text field has the focus (Textual hides the
letter keys then: they type), is restyled in place, dimmed; the keys are rebuilt only when a
key appears that is not shown.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# Help and quit, then reopen, offered only when the file has moved: a footer too short for
# every key (60x20) cut it off just when it was needed (review).
FIRST = ("help", "quit", "reopen")


def _rank(action: str | None) -> int:
    return FIRST.index(action) if action in FIRST else len(FIRST)


# What a footer key shows, apart from whether it is enabled.
_Shown = tuple[str, str, str, str]


class KeysFooter(Footer):
    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._shown: list[_Shown] | None = None

    def compose(self) -> ComposeResult:
        self._shown = self._wanted() if self._bindings_ready else None
        # Help and quit first: on a narrow screen the keys that do not fit are cut off at
        # the end, and "? Help" lists every key.
        keys = list(super().compose())
        keys.sort(key=lambda key: _rank(getattr(key, "action", None)))
        yield from keys
        # Footer pins its grid to one row of N columns inline; let the stylesheet decide.
        self.styles.clear_rule("grid_size_columns")

    def _wanted(self) -> list[_Shown]:
        return [
            (b.key, b.action, b.description, b.tooltip or "")
            for _, b, _enabled, _tip in self.screen.active_bindings.values()
            if b.show
        ]

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is self.screen and not screen.is_current:
            # Covered by a picker or form: its keys are not ours to show. Restyling every
            # key here (all disabled, then all enabled again on the way back) re-applied the
            # stylesheet to each, about a sixth of the time `f` took to show its picker.
            # Back on top, the screen reports its bindings again.
            return
        if (
            self._shown is not None
            and self.is_attached
            and screen is self.screen
            and set(self._wanted()) <= set(self._shown)
        ):
            self._restyle()
            return
        super().bindings_changed(screen)

    def _restyle(self) -> None:
        enabled = {
            b.action: on for _, b, on, _tip in self.screen.active_bindings.values() if b.show
        }
        for key in self.query_children(FooterKey):
            disabled = not enabled.get(key.action, False)
            if disabled != key._disabled:
                key._disabled = disabled  # FooterKey rings the bell on a click when disabled
                # The class (what FooterKey's CSS dims) without a stylesheet pass, and its one
                # rule set inline: focusing the note dims every letter key, and matching the
                # whole stylesheet against each cost more than drawing the frame.
                key.set_class(disabled, "-disabled", update=False)
                key.styles.text_style = "dim" if disabled else "none"
