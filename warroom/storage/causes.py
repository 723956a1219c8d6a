"""Why SQLite failed, in words a responder can act on: a full disk, a read-only folder or file,
a damaged file. SQLite's own text ("disk I/O error", "attempt to write a readonly database")
names neither the cause nor the fix."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# Primary result codes (sqlite3.h).
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26

RESTORE_HINT = (
    "restore the last backup: stop every warroom using it, move {path} aside, copy the backup"
    " to {path} and remove {path}-wal and {path}-shm (README: Backups)"
)


def primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


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
            return f"the disk holding {folder} is full (free some space: df -h {folder})"
        if read_only_filesystem(path):
            return f"{folder} is on a read-only file system; warroom cannot write there"
        if code == SQLITE_FULL:
            return f"{path} has reached its size limit"
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_IOERR) or "readonly" in text:
        if not os.access(folder, os.W_OK):
            return (
                f"the folder {folder} is read-only for you: SQLite needs to create"
                f" {Path(path).name}-wal and -shm there"
            )
        if os.path.exists(path) and not os.access(path, os.W_OK):
            return f"{path} is read-only for you; ask its owner, or use `warroom watch`"
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) and "malformed" in text:
        return f"{path} is damaged ({text}); " + RESTORE_HINT.format(path=path)
    return None
