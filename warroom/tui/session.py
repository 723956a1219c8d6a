"""What the war room's screens share, with no Textual in it: the room (store, actor, settings,
clock), whether it is read-only, the clipboard hook, and the one lock that serialises use of
the room's connection by worker threads.

Every read and write a screen does goes through `call` / `write` here, in a worker thread.
The file is followed by identity (device, inode), as `tail -f` does: once the path names
another file (a restored backup) or nothing, writes are refused (`Store.write` checks before
and at the end of every transaction), the stale connection is let go, and the `-wal`/`-shm` it
left beside the path are removed before anyone replays them into the new file.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from warroom.errors import WarroomError
from warroom.room import Room
from warroom.storage import FileMoved, file_identity, open_store
from warroom.storage.connection import check_integrity, release_moved, sidecar_ids
from warroom.views import recent_chain

T = TypeVar("T")



class Session:
    def __init__(
        self,
        room: Room,
        *,
        readonly: bool,
        system_copy: Callable[[str], None] | None = None,
    ) -> None:
        self.room = room
        self.readonly = readonly
        self.system_copy = system_copy  # tests replace the system clipboard
        self._lock = threading.Lock()
        self._retired: str | None = None  # why the room's store was let go
        self._owned = False  # the caller closes the store it gave; we close ours
        self._sidecars = self._sidecar_ids()
        # The newest entries' hashes in the file let go of (retire): where a restored file
        # parts from it (views.shared_history).
        self.left_behind: dict[int, str] = {}
        # Texts whose write failed and that no screen has taken back yet: (text, why).
        self.unsaved: list[tuple[str, str]] = []
        self._unsaved_lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.room.store.path

    def today(self) -> date:
        """The local date of the injected clock (overdue follow-ups, dated timeline lines)."""
        return self.room.clock().astimezone().date()

    # --- from worker threads only -------------------------------------------------------------

    def call(self, fn: Callable[[Room], T]) -> T:
        """Run `fn` on the room's connection (reads; also writes, which Store.write checks)."""
        with self._lock:
            if self._retired is not None:
                raise FileMoved(self._retired)
            return fn(self.room)

    def write(self, fn: Callable[[Room], T]) -> T:
        if self.readonly:
            raise WarroomError("read-only: this war room watches and never writes")
        self.check_integrity()
        return self.call(fn)

    def check_integrity(self) -> None:
        """The damaged-file check a command makes before writing (storage's
        check_integrity), if the file was opened with it left for later: before the first
        write, or earlier if the screen asks. Raises DatabaseCorrupt while it fails."""
        with self._lock:
            store = self.room.store
            if store.check_pending and self._retired is None:
                check_integrity(store)

    # --- texts not saved -------------------------------------------------------------------

    def not_saved(self, text: str, why: str) -> None:
        with self._unsaved_lock:
            self.unsaved.append((text, why))

    def handled(self, text: str) -> None:
        """A screen took the text back (into its field or an editor)."""
        with self._unsaved_lock:
            for index, (held, _why) in enumerate(self.unsaved):
                if held == text:
                    del self.unsaved[index]
                    return

    # --- the file's identity ----------------------------------------------------------------

    def moved(self) -> str | None:
        """How the path stopped naming the file open here ("deleted", "replaced"), or None."""
        if self._retired is not None:
            return "replaced" if _identity_or_none(str(self.path)) else "deleted"
        return self.room.store.moved()

    def _sidecar_ids(self) -> dict[str, tuple[int, int] | None]:
        store = self.room.store
        if store.identity is None or store.moved():
            return {}
        return sidecar_ids(store.path)

    def retire(self, how: str) -> None:
        """The file moved: let the connection go, and its `-wal`/`-shm` beside the path
        (storage's release_moved says when they may be removed)."""
        with self._lock:
            if self._retired is not None:
                return
            self._retired = (
                f"{self.path} has been {how}; r (ctrl+r in the note editor) opens the file "
                "now at the path"
            )
            self.left_behind = _recent_chain(self.room)
            release_moved(self.room.store, self._sidecars)

    def reopen(self) -> None:
        """Open the file now at the path, in the same mode. Raises WarroomError."""
        path = self.path
        if file_identity(path) is None:
            # Never create a fresh, empty file where the team's database should be.
            raise WarroomError(f"there is no file at {path} to reopen yet")
        with contextlib.suppress(OSError):
            if os.stat(path).st_size == 0:
                # Nor make an empty one moved there into a database (the CLI refuses it).
                raise WarroomError(f"{path} is empty, not a warroom database; nothing reopened")
        how = self.moved()
        if how is not None:
            self.retire(how)
        store = open_store(path, readonly=self.readonly)
        # A file put at the path (a restore, a copy) is checked for damage before the first
        # write to it, as the war room's first file is.
        store.check_pending = not self.readonly
        with self._lock:
            old = self.room
            self.room = Room(store, old.actor, old.settings, old.clock)
            was_retired, self._retired = self._retired, None
            was_owned, self._owned = self._owned, True
            self._sidecars = self._sidecar_ids()
        if was_retired is None and was_owned:
            old.store.close()  # the same file, still in place: an ordinary close is safe

    def close(self) -> None:
        how = self.moved()
        if how is not None:
            self.retire(how)
            return
        with self._lock:
            if self._owned:
                self.room.store.close()


def _identity_or_none(path: str) -> tuple[int, int] | None:
    try:
        return file_identity(path)
    except OSError:
        return None


def _recent_chain(room: Room) -> dict[int, str]:
    try:
        with room.read() as conn:
            return recent_chain(conn)
    except WarroomError:
        return {}
