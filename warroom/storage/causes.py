"""Why SQLite failed, in words a responder can act on: a full disk, a read-only folder or file,
a damaged file. SQLite's own text ("disk I/O error", "attempt to write a readonly database")
names neither the cause nor the fix."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from warroom.storage.sqlite_errors import primary_code

# Primary result codes (sqlite3.h).
SQLITE_READONLY = sqlite3.SQLITE_READONLY
SQLITE_IOERR = sqlite3.SQLITE_IOERR
SQLITE_CORRUPT = sqlite3.SQLITE_CORRUPT
SQLITE_FULL = sqlite3.SQLITE_FULL
SQLITE_CANTOPEN = sqlite3.SQLITE_CANTOPEN
SQLITE_NOTADB = sqlite3.SQLITE_NOTADB

RESTORE_HINT = (
    "restore it from a backup: move {path} aside, remove {path}-wal and {path}-shm, then move"
    " the backup to {path} (README: Backups)"
)


def _folder(path: Path) -> Path:
    return Path(os.path.abspath(path)).parent


def disk_full(path: Path) -> bool:
    try:
        st = os.statvfs(_folder(path))
    except OSError:
        return False
    # A few pages free is as good as none for SQLite (journal, -wal and -shm grow in pages).
    return st.f_bavail * st.f_frsize < 64 * 1024


def read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(_folder(path)).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def explain(exc: sqlite3.Error, path: Path) -> str | None:
    """A message naming the cause of `exc` on `path`, or None when there is nothing better to
    say than SQLite's own words."""
    code = primary_code(exc)
    text = str(exc)
    folder = _folder(path)
    if code in (SQLITE_FULL, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY) or (
        code is None and ("disk" in text or "readonly" in text)
    ):
        if disk_full(path):
            return (
                f"the disk holding {folder} is full; nothing was written"
                f" (free some space: df -h {folder})"
            )
        if read_only_filesystem(path):
            return f"{folder} is on a read-only file system; warroom cannot write there"
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_IOERR) or "readonly" in text:
        if os.path.isdir(folder) and not os.access(folder, os.W_OK):
            return (
                f"the folder {folder} is read-only for you: SQLite needs to create"
                f" {Path(path).name}-wal and -shm there"
            )
        if os.path.exists(path) and not os.access(path, os.W_OK):
            return f"{path} is read-only for you; ask its owner, or use `warroom watch`"
    if code == SQLITE_CORRUPT or (code == SQLITE_NOTADB and "malformed" in text):
        return f"{path} is damaged ({text}); " + RESTORE_HINT.format(path=path)
    return None
