"""Entry from the CLI into the TUI; Textual is imported only here and below."""

from __future__ import annotations

import os
import sys

from warroom.actions import Room


def run_tui(room: Room, incident_id: int | None = None, readonly: bool = False) -> int:
    """Run the war room until the user quits; returns the app's exit status."""
    from warroom.tui.app import WarroomApp
    from warroom.tui.session import kept_open

    app = WarroomApp(room, incident_id=incident_id, readonly=readonly)
    app.run()
    # A Textual app that crashed still returns normally; its return code tells.
    code = app.return_code or 0
    if kept_open():
        # A connection to a file that was replaced must never be closed: SQLite would delete
        # the -wal beside the path, which now belongs to the new file. End without the
        # interpreter's clean-up, which would close it. The terminal is restored already.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
