"""`warroom verify`: recompute the timeline's hash chain, and check a head recorded elsewhere
(an export, a backup, a restored replica) against this file's history.

A head recorded outside the file is what makes the chain worth having: whoever rewrites the
file can rewrite its chain too, but not the heads already copied elsewhere.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from warroom.errors import BadInput, WarroomError
from warroom.storage import Connection, chain
from warroom.storage.chain import Head, Report

SQLITE_MAGIC = b"SQLite format 3\x00"
# The Markdown footer's code span (export.record_footer). Not after a backslash, and the hash
# runs straight into the closing backtick: an escaped code span in user text cannot match.
_FOOTER = re.compile(r"(?<!\\)`#(\d{1,18}) sha256:([0-9a-f]{64})`")
MAX_EXPORT_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class Recorded:
    """A head read from another file, and what kind of file held it."""

    head: Head
    kind: str  # "markdown export", "json export", "database"
    report: Report | None = None  # for a database: its own chain, recomputed


def verify_chain(conn: Connection) -> Report:
    return chain.verify(conn)


def _read_sqlite_head(path: Path) -> Recorded:
    report = chain.verify_file(path)
    if report is None:
        raise BadInput(
            f"{path} holds no hash chain (not a warroom database, or one from before the"
            " chain: open it once with this warroom to upgrade it)"
        )
    return Recorded(report.head, "database", report)


def _json_head(path: Path, text: str) -> Head:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    # An export holds chain_head; the output of `warroom verify --json` saved to a file, head.
    found = None
    if isinstance(document, dict):
        found = document.get("chain_head", document.get("head"))
    if not isinstance(found, dict):
        raise BadInput(f"{path} records no chain head (an export from before the chain?)")
    entry_id, digest = found.get("id"), found.get("hash")
    if (
        isinstance(entry_id, bool)
        or not isinstance(entry_id, int)
        or entry_id < 0
        or not isinstance(digest, str)
        or not re.fullmatch(r"[0-9a-f]{64}", digest)
    ):
        raise BadInput(f"{path}: chain_head must be {{id: a number, hash: 64 hex digits}}")
    return Head(entry_id, digest)


def recorded_head(path: Path, database: Path) -> Recorded:
    """The head recorded in `path`: a Markdown or JSON export, or a warroom database (a backup
    or a restored replica). `database` is the file being verified, which `path` must not be:
    reading it through another descriptor would drop this process's SQLite locks on it."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    if not os.path.isfile(path):
        raise BadInput(f"{path} is not a regular file")
    try:
        if os.path.samefile(path, database):
            raise BadInput(f"{path} is the database itself; give an export, a backup or a replica")
    except FileNotFoundError:
        pass
    if st.st_size > MAX_EXPORT_BYTES:
        raise BadInput(f"{path} is too large to be a warroom export")
    try:
        with open(path, "rb") as fh:
            start = fh.read(len(SQLITE_MAGIC))
            if start == SQLITE_MAGIC:
                is_sqlite = True
                raw = b""
            else:
                is_sqlite = False
                raw = start + fh.read()
    except OSError as exc:
        raise WarroomError(f"cannot read {path}: {exc.strerror or exc}") from None
    if is_sqlite:
        return _read_sqlite_head(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{path} is not an export, a backup or a replica (not UTF-8)") from None
    if text.lstrip().startswith("{"):
        return Recorded(_json_head(path, text), "json export")
    matches = _FOOTER.findall(text)
    if not matches:
        raise BadInput(
            f"{path} records no chain head (a Markdown export ends with one; a CSV has none)"
        )
    entry_id, digest = matches[-1]
    return Recorded(Head(int(entry_id), digest), "markdown export")


def check_against(conn: Connection, recorded: Head, own: Head, name: str) -> str | None:
    """None when `recorded` is in this file's history, else what is wrong."""
    if recorded.id == 0:
        return None
    if recorded.id > own.id:
        return (
            f"{name} records entry #{recorded.id}, but this file ends at #{own.id}: entries"
            " were removed from this file, or it is another warroom database"
        )
    here = chain.hash_at(conn, recorded.id)
    if here != recorded.hash:
        return (
            f"{name} records entry #{recorded.id} as sha256:{recorded.hash[:16]}…, this file"
            f" has sha256:{(here or 'nothing')[:16]}…: history up to #{recorded.id} was"
            f" rewritten after {name} was made"
        )
    return None
