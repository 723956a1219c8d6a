"""Entry from the CLI into the TUI; Textual is imported only here and below."""

from __future__ import annotations

import sys

from warroom.room import Room


def run_tui(room: Room, incident_id: int | None = None, readonly: bool = False) -> int:
    """Run the war room until the user quits; returns the app's exit status."""
    from warroom.tui.app import WarroomApp
    from warroom.tui.data import first_snapshot

    first = first_snapshot(room, incident_id)
    app = WarroomApp(room, incident_id=incident_id, readonly=readonly, first=first)
    if sys.platform != "win32":
        from warroom.tui.paste_driver import PasteAwareDriver

        app.driver_class = PasteAwareDriver  # a paste arrives whole, never as keys
    app.run()
    # A Textual app that crashed still returns normally; its return code tells.
    return app.return_code or 0
