"""Placeholder war room screen until the full TUI lands: shows the incident summary."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from warroom.actions import Room
from warroom.safe_text import clean
from warroom.views import resolve_incident


class WarroomApp(App[None]):
    TITLE = "warroom"
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def __init__(self, room: Room, incident_id: int | None = None) -> None:
        super().__init__()
        self.room = room
        self.incident_id = incident_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self._summary()), id="summary")
        yield Footer()

    def _summary(self) -> str:
        try:
            with self.room.read() as conn:
                incident_id = self.incident_id or resolve_incident(conn, None, after_recovery=True)
            incident = self.room.incident(incident_id)
        except Exception as exc:
            return clean(str(exc))
        return clean(f"{incident.ref} {incident.severity} {incident.status}: {incident.title}")
