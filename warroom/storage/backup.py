"""A consistent copy of the incident file while others keep writing.

SQLite's online backup API copies the pages of one read snapshot. In WAL mode that snapshot
does not block writers, and copying in one step means no writer's commit can restart it.
The copy is written to a private temporary file beside DEST and renamed into place, so DEST
is never a half-written file.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from warroom.errors import BadInput, WarroomError
from warroom.storage import queries as q
from warroom.storage.chain import Head
from warroom.storage.connection import Store
from warroom.storage.sqlite_errors import classify


@dataclass(frozen=True)
class BackupResult:
    path: Path
    incidents: int
    entries: int
    size: int
    head: Head  # the copy's chain head: `warroom verify --against` the copy checks it


def backup_to(store: Store, dest: Path, *, force: bool = False) -> BackupResult:
    from warroom.safe_files import access_of, refuse_database_files, with_temp_file

    dest = Path(os.path.abspath(dest.expanduser()))
    refuse_database_files(dest, store.path)
    if dest.is_dir() and not dest.is_symlink():
        raise BadInput(f"{dest} is a folder; give a file name")

    def fill(tmp: Path) -> None:
        target = sqlite3.connect(tmp, isolation_level=None)
        try:
            # pages=-1: all pages in one step, from one snapshot of the source.
            store.conn.backup(target)
            check = q.quick_check(target)
            if check != "ok":
                raise WarroomError(f"the copy failed its check ({check}); {dest} left as it was")
            counts.extend(q.table_counts(target))
            heads.append(q.chain_head(target))
        finally:
            target.close()  # checkpoints and removes the copy's own -wal and -shm

    counts: list[int] = []
    heads: list[Head] = []
    try:
        # The copy holds everything the database does, so it gets the database's access.
        written = with_temp_file(
            dest, fill, access=access_of(store.path), overwrite=force, make_parents=True
        )
    except sqlite3.Error as exc:
        raise classify(exc, dest) from exc
    return BackupResult(written, counts[0], counts[1], written.stat().st_size, heads[0])
