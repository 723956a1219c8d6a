"""Entry from the CLI into the TUI; Textual is imported only here and below."""

from __future__ import annotations

import os
import sys
import threading

from warroom.room import Room
from warroom.safe_text import customer_text, one_line


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
    _wait_for_writes(app.closing, room)
    _tell_unsaved(app.session.unsaved)
    # A Textual app that crashed still returns normally; its return code tells.
    return app.return_code or 0


def _tell_unsaved(unsaved: list[tuple[str, str]]) -> None:
    """Notes whose write failed after the war room had gone: their whole text, so that what
    was typed is not lost with the screen (a locked file, Enter, then ctrl+q)."""
    for text, why in list(unsaved):
        sys.stderr.write(f"warroom: NOT SAVED ({one_line(why, 200)}):\n")
        sys.stderr.write(customer_text(text).rstrip("\n") + "\n")
    sys.stderr.flush()


def _wait_for_writes(closing: threading.Thread | None, room: Room) -> None:
    """The terminal is back, but what was asked of the file before quitting may not be done
    (a lock, a stalled disk): wait for every write, and the close, saying so instead of a
    shell that silently does not come back; ctrl+c gives up on them. (Waiting for the close
    alone was not enough: it did not wait for writes on the caller's store, which was then
    closed under the waiting write, and the note was lost.)"""
    from warroom.tui.screens.base import drain_writes

    if drain_writes(0.05) and (closing is None or not closing.is_alive()):
        return
    path = one_line(str(room.store.path))
    sys.stderr.write(
        f"warroom: still saving to {path}, which does not answer (locked, or a stalled"
        " disk); waiting for it. ctrl+c gives up: what was being saved may then be lost.\n"
    )
    sys.stderr.flush()
    try:
        drain_writes(None)
        if closing is not None:
            closing.join()
    except KeyboardInterrupt:
        sys.stderr.write(f"warroom: gave up; `warroom tail` shows what {path} holds\n")
        sys.stderr.flush()
        os._exit(130)  # not waiting for the writer thread, which is what ctrl+c asked
    sys.stderr.write(f"warroom: {path} answered\n")
