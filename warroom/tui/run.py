"""Entry from the CLI into the TUI; Textual is imported only here and below."""

from __future__ import annotations

from warroom.actions import Room


def run_tui(room: Room, incident_id: int | None = None) -> int:
    from warroom.tui.app import WarroomApp

    app = WarroomApp(room, incident_id=incident_id)
    app.run()
    # A Textual app that crashed still returns normally; its return code tells.
    return app.return_code or 0
