"""Many processes writing one file at once, and a writer killed mid-stream."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from warroom.actions import declare
from warroom.room import Actor, Room
from warroom.storage import open_store

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent(
    """
    import os, sys
    from warroom.storage import open_store
    from warroom.actions import declare, note
    from warroom.room import Actor, Room
    db, name, count, gate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print("ready", flush=True)
    os.read(gate, 1)  # returns when the parent closes the gate: everyone starts at once
    store = open_store(db)
    room = Room(store, Actor(name, name))
    if count == 0:
        declare(room, f"incident of {name}", "SEV3")
    for i in range(count):
        note(room, 1, f"{name} note {i}")
    store.close()
    """
)


def start_writers(db: Path, names: list[str], count: int) -> list[subprocess.Popen]:
    """Start the writers, wait until every one is at the starting line (imports done), then
    let them all go at once: a barrier, so the writes really contend. The gate is a pipe
    each child blocks reading; closing its write end wakes them all together."""
    gate_r, gate_w = os.pipe()
    try:
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(db), name, str(count), str(gate_r)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                pass_fds=(gate_r,),
            )
            for name in names
        ]
    finally:
        os.close(gate_r)
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline() == "ready\n", proc.stderr and proc.stderr.read()
    finally:
        os.close(gate_w)
    return procs


def finish(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err and err == "", err


def test_sixteen_processes_create_the_file_at_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    finish(start_writers(db, [f"w{i}" for i in range(16)], 0))
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 16
    assert conn.execute("PRAGMA user_version").fetchone()[0] >= 2
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_sixteen_writers_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "busy.db"
    store = open_store(db)
    declare(Room(store, Actor("founder", "founder")), "shared incident", "SEV2")
    store.close()
    names = [f"w{i}" for i in range(16)]
    finish(start_writers(db, names, 25))
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT author, text FROM timeline WHERE kind = 'note'").fetchall()
    conn.close()
    assert sorted(rows) == sorted((n, f"{n} note {i}") for n in names for i in range(25))


def test_sixteen_cli_notes_at_once(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    env = {**os.environ, "WARROOM_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "warroom", "declare", "x", "-s", "SEV2"],
        env=env,
        check=True,
        capture_output=True,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "warroom", "--as", f"p{i}", "note", f"from p{i}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(16)
    ]
    finish(procs)
    conn = sqlite3.connect(db)
    notes = {r[0] for r in conn.execute("SELECT text FROM timeline WHERE kind = 'note'")}
    conn.close()
    assert notes == {f"from p{i}" for i in range(16)}


KILLED = textwrap.dedent(
    """
    import sys
    from warroom.storage import open_store
    from warroom.actions import declare, note
    from warroom.room import Actor, Room
    room = Room(open_store(sys.argv[1]), Actor("k", "k"))
    incident = declare(room, "doomed writer", "SEV2")
    i = 0
    while True:
        entry = note(room, incident, f"ack {i}")
        print(entry, i, flush=True)  # acknowledged only after the commit returned
        i += 1
    """
)


def test_sigkill_loses_nothing_acknowledged(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    acked: list[tuple[int, int]] = []
    while len(acked) < 200:
        line = proc.stdout.readline()
        assert line, "writer died early"
        entry, i = line.split()
        acked.append((int(entry), int(i)))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    conn = sqlite3.connect(db)
    stored = dict(conn.execute("SELECT id, text FROM timeline WHERE kind = 'note'").fetchall())
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    for entry, i in acked:
        assert stored[entry] == f"ack {i}"
