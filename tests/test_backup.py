"""`warroom backup DEST`: a consistent copy made with SQLite's online backup API."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Cli
from warroom.storage import open_store

DEADLINE = 60.0

WRITER = """
import sys
from pathlib import Path
from warroom.actions import note
from warroom.room import Actor, Room
from warroom.storage import open_store

room = Room(open_store(sys.argv[1]), Actor("writer", "w"))
stop = Path(sys.argv[2])
n = 0
while not stop.exists():
    note(room, 1, f"note {n}")
    n += 1
"""


def timeline(path: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT id, text FROM timeline ORDER BY id"))
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_is_a_private_working_copy(run: Cli, db_path: Path, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    run.ok("note", "before the backup")
    dest = tmp_path / "copies" / "b.db"
    result = run.ok("backup", str(dest))
    assert "1 incident and" in result.stdout and str(dest) in result.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert timeline(dest) == timeline(db_path)
    copy = open_store(dest, readonly=True)  # a valid warroom database, schema and all
    copy.close()
    shown = run.ok("--db", str(dest), "show", "--json").stdout
    assert '"title": "Checkout down"' in shown
    assert sorted(p.name for p in dest.parent.iterdir()) == ["b.db"]  # no temp files left

    run.ok("note", "after the backup")
    before = digest(dest)
    refused = run("backup", str(dest))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert digest(dest) == before
    run.ok("backup", str(dest), "--force")
    assert timeline(dest)[-1][1] == "after the backup"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def test_backup_refuses_itself_and_missing_sources(run: Cli, db_path: Path, tmp_path: Path) -> None:
    from warroom.cli import cli

    run.ok("declare", "x", "-s", "SEV4")
    same = run("backup", str(db_path), "--force")
    assert same.exit_code == 2 and "the database itself" in same.stderr
    folder = run("backup", str(tmp_path))
    assert folder.exit_code == 2 and "folder" in folder.stderr
    missing = run.runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "backup", "x.db"])
    assert missing.exit_code == 1 and "no warroom database" in missing.stderr
    assert not (tmp_path / "none.db").exists()


def test_backup_while_another_process_keeps_writing(
    run: Cli, db_path: Path, tmp_path: Path
) -> None:
    run.ok("declare", "Busy", "-s", "SEV2")
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(stop)])
    try:
        deadline = time.monotonic() + DEADLINE
        copies = []
        for i in range(4):
            seen_before = len(timeline(db_path))
            while len(timeline(db_path)) < seen_before + 20:  # the writer is really going
                assert writer.poll() is None, "the writer died"
                assert time.monotonic() < deadline, "the writer made no progress"
                time.sleep(0.01)
            dest = tmp_path / f"copy{i}.db"
            count_before = len(timeline(db_path))
            run.ok("backup", str(dest))
            copies.append((dest, count_before, len(timeline(db_path))))
    finally:
        stop.touch()
        assert writer.wait(timeout=DEADLINE) == 0
    source = dict(timeline(db_path))
    for dest, count_before, count_after in copies:
        rows = timeline(dest)
        ids = [row_id for row_id, _ in rows]
        assert ids == list(range(1, len(ids) + 1))  # a prefix: nothing missing, nothing torn
        assert count_before <= len(ids) <= count_after  # as of a moment during the backup
        assert all(source[row_id] == text for row_id, text in rows)
        conn = sqlite3.connect(dest)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    sizes = [len(timeline(dest)) for dest, _, _ in copies]
    assert sizes == sorted(sizes) and sizes[0] > 20
