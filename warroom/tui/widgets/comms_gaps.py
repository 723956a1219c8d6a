"""A banner for what customers were not told: loud, because a clean-looking review is how a
team never learns it forgot the final update."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from warroom.domain import NOT_TOLD_RESOLVED
from warroom.views import Incident


class CommsGapsBanner(Static):
    DEFAULT_CSS = """
    CommsGapsBanner {
        height: auto;
        width: 100%;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._shown: tuple[str, ...] | None = None

    def show(self, incident: Incident | None) -> None:
        # While open, the roles pane already shows an unassigned comms owner loudly; once
        # resolved, every gap is a fact about how the incident went.
        gaps = (
            tuple(incident.comms_gaps)
            if incident is not None and incident.status == "resolved"
            else ()
        )
        if gaps == self._shown:
            return
        self._shown = gaps
        self.display = bool(gaps)
        parts = [gap.upper() if gap == NOT_TOLD_RESOLVED else gap for gap in gaps]
        hint = "  (u: publish the resolved update)" if NOT_TOLD_RESOLVED in gaps else ""
        self.update(Text("⚠ " + "; ".join(parts) + hint if gaps else ""))
