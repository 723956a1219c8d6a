"""Entry from the CLI into the TUI; Textual is imported only here and below."""

from __future__ import annotations

from warroom.room import Room


def run_tui(room: Room, incident_id: int | None = None, readonly: bool = False) -> int:
    """Run the war room until the user quits; returns the app's exit status."""
    from warroom.tui.app import WarroomApp

    app = WarroomApp(room, incident_id=incident_id, readonly=readonly)
    app.run()
    # A Textual app that crashed still returns normally; its return code tells.
    return app.return_code or 0
