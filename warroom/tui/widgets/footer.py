"""The footer, in two rows on a narrow screen so that every key stays visible."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class KeysFooter(Footer):
    def compose(self) -> ComposeResult:
        yield from super().compose()
        # Footer pins its grid to one row of N columns inline; let the stylesheet decide.
        self.styles.clear_rule("grid_size_columns")
