"""A consistent copy of the incident file while others keep writing.

SQLite's online backup API copies the pages of one read snapshot. In WAL mode that snapshot
does not block writers, and copying in one step means no writer's commit can restart it.
The copy is written to a private temporary file beside DEST and renamed into place, so DEST
is never a half-written file.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from warroom.errors import BadInput, WarroomError
from warroom.storage import queries as q
from warroom.storage.connection import Store
from warroom.storage.sqlite_errors import classify


@dataclass(frozen=True)
class BackupResult:
    path: Path
    incidents: int
    entries: int
    size: int


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_to(store: Store, dest: Path, *, force: bool = False) -> BackupResult:
    dest = Path(os.path.abspath(dest.expanduser()))
    if dest.exists() and dest.resolve() == store.path.resolve():
        raise BadInput(f"{dest} is the database itself; choose another file")
    if dest.is_dir():
        raise BadInput(f"{dest} is a folder; give a file name")
    if dest.exists() and not force:
        raise BadInput(f"{dest} exists; add --force to overwrite it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # mkstemp: mode 0600 and a name nobody else can have claimed.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise WarroomError(f"cannot write in {dest.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        target = sqlite3.connect(tmp, isolation_level=None)
        try:
            # pages=-1: all pages in one step, from one snapshot of the source.
            store.conn.backup(target)
            check = q.quick_check(target)
            if check != "ok":
                raise WarroomError(f"the copy failed its check ({check}); {dest} left as it was")
            incidents, entries = q.table_counts(target)
        finally:
            target.close()  # checkpoints and removes the copy's own -wal and -shm
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
        _fsync_folder(dest.parent)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{tmp}{side}").unlink(missing_ok=True)
        if isinstance(exc, sqlite3.Error):
            raise classify(exc, dest) from exc
        raise
    return BackupResult(dest, incidents, entries, dest.stat().st_size)
