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

T = TypeVar("T")

SIDECARS = ("-wal", "-shm")


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
        return self.call(fn)

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
        return {s: _identity_or_none(f"{store.path}{s}") for s in SIDECARS}

    def retire(self, how: str) -> None:
        """The file moved: let the connection go, and remove the `-wal`/`-shm` it leaves
        beside the path. SQLite does not checkpoint or delete them itself once the database
        has moved (it checks), and whoever opens a file at the path next would replay our
        old WAL into it, undoing a restore. They are removed only if they are still the
        inodes we used (another process's new `-wal` is left alone), and only if nothing of
        value is lost: every change in them was checkpointed into the file we had open, or
        that file is gone from the disk (replaced by `mv`, or deleted: no name links to it).
        A file moved elsewhere that we could not checkpoint (read-only) keeps them."""
        with self._lock:
            if self._retired is not None:
                return
            self._retired = f"{self.path} has been {how}; r opens the file now at the path"
            store = self.room.store
            links = _links_to_open_file(store.identity)
            emptied = store.checkpoint_all()
            store.close()
            if not (emptied or links == 0):
                return
            for suffix, ours in self._sidecars.items():
                name = f"{self.path}{suffix}"
                if ours is not None and _identity_or_none(name) == ours:
                    # Not allowed (no write access to the folder): nothing more to do here.
                    with contextlib.suppress(OSError):
                        os.unlink(name)

    def reopen(self) -> None:
        """Open the file now at the path, in the same mode. Raises WarroomError."""
        path = self.path
        if file_identity(path) is None:
            # Never create a fresh, empty file where the team's database should be.
            raise WarroomError(f"there is no file at {path} to reopen yet")
        how = self.moved()
        if how is not None:
            self.retire(how)
        store = open_store(path, readonly=self.readonly)
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


def _links_to_open_file(identity: tuple[int, int] | None) -> int | None:
    """How many names the file open here (by identity) still has, found through this
    process's own descriptors (Linux /proc: stat, never open, so no lock is dropped);
    None if unknown."""
    if identity is None:
        return None
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == identity:
            return st.st_nlink
    return None


def _identity_or_none(path: str) -> tuple[int, int] | None:
    try:
        return file_identity(path)
    except OSError:
        return None
