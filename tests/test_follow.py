"""`warroom tail -f` as a real process following writes from other processes; `watch`;
hostile text on every CLI output path; a round trip over a real SSH session."""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli, Sshd
from warroom import actions
from warroom.domain import Settings, system_clock
from warroom.errors import WarroomError
from warroom.room import Actor, Room
from warroom.storage import open_store

WARROOM = [sys.executable, "-m", "warroom"]
DEADLINE = 30.0  # a guard against hanging, never a speed requirement

HOSTILE = (
    "A\x1b]52;c;aGk=\x07B\x1b]0;pwned\x07C\x1b[2JD\x9b31mE\x9dF[/]G[@click=app.quit]H\x1b[31mI"
)
# Anything a terminal could act on: C0 (but newline), DEL, C1.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def assert_safe(output: str, *, markup_literal: bool = True) -> None:
    assert not UNSAFE.search(output), repr(output)
    assert "pwned\x07" not in output
    if markup_literal:
        assert "[/]" in output and "[@click=app.quit]" in output


def system_login() -> str:
    """Who this process runs as, asked of the system rather than of warroom."""
    return subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()


def env_for(db_path: Path) -> dict[str, str]:
    return {**os.environ, "WARROOM_DB": str(db_path), "PYTHONUNBUFFERED": "0"}


def live_room(db_path: Path, name: str = "alice") -> Room:
    """A room on the real clock, as the follower (a separate process) sees time."""
    return Room(open_store(db_path), Actor(name, f"{name}-login"), Settings(), system_clock)


class Follower:
    """`warroom tail -f` in its own process; its lines are collected by a reader thread."""

    def __init__(self, db_path: Path, *args: str, cmd: list[str] | None = None) -> None:
        argv = cmd or [*WARROOM, "tail", "-f", *args]
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env_for(db_path),
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self._queue.put(raw.decode("utf-8"))
        self._queue.put(None)

    def wait_for(self, predicate: Callable[[list[str]], bool], what: str) -> list[str]:
        deadline = time.monotonic() + DEADLINE
        while not predicate(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                pytest.fail(f"follower never showed {what}; got {self.lines!r}")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                pytest.fail(f"follower ended before {what}: {self.lines!r} {err}")
            self.lines.append(line.rstrip("\n"))
        return self.lines

    def wait_line(self, needle: str) -> str:
        self.wait_for(lambda lines: any(needle in line for line in lines), repr(needle))
        return next(line for line in self.lines if needle in line)

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C; returns (exit status, stderr). Remaining stdout lands in self.lines."""
        self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail("follower ignored Ctrl-C")
        self._reader.join(timeout=DEADLINE)
        while True:
            line = self._queue.get_nowait() if not self._queue.empty() else None
            if line is None:
                break
            self.lines.append(line.rstrip("\n"))
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read().decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def followers() -> Iterator[list[Follower]]:
    started: list[Follower] = []
    yield started
    for follower in started:
        follower.kill()


def follow(followers: list[Follower], db_path: Path, *args: str) -> Follower:
    follower = Follower(db_path, *args)
    followers.append(follower)
    return follower


def cli(db_path: Path, *args: str, author: str = "sam") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WARROOM, "--as", author, *args],
        env=env_for(db_path),
        capture_output=True,
        text=True,
        check=True,
    )


# --- tail -f -----------------------------------------------------------------------------------


def test_follow_shows_header_tail_then_notes_from_other_processes(
    db_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    incident = actions.declare(room, "Checkout returns 500s", "SEV2", ["checkout"])
    actions.note(room, incident, "old note")
    actions.note(room, incident, "latest before start")
    follower = follow(followers, db_path, "-n", "1")
    header = follower.wait_line("== INC-1")
    assert "SEV2" in header and "investigating" in header and "NO OWNER" in header
    assert "first customer update due" in header and "Checkout returns 500s" in header
    follower.wait_line("latest before start")
    cli(db_path, "note", "from another process", author="priya")
    line = follower.wait_line("from another process")
    assert "priya" in line and "note" in line
    code, err = follower.interrupt()
    assert code == 0 and err == ""
    assert not any("old note" in line for line in follower.lines)  # -n 1: only the last one


def test_many_writers_at_once_every_note_once_in_id_order(
    db_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    actions.declare(room, "Load spike", "SEV3")
    follower = follow(followers, db_path, "--json", "-n", "0")
    follower.wait_for(lambda lines: bool(lines), "the header")
    writers, per_writer = 8, 25
    script = (
        "import sys\n"
        "from warroom.actions import note\n"
        "from warroom.room import Actor, Room\n"
        "from warroom.storage import open_store\n"
        "name = sys.argv[2]\n"
        "room = Room(open_store(sys.argv[1]), Actor(name, 'w'))\n"
        "for j in range(int(sys.argv[3])):\n"
        "    note(room, 1, f'{name}-{j}')\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(db_path), f"w{i}", str(per_writer)],
            env=env_for(db_path),
        )
        for i in range(writers)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0

    def notes(lines: list[str]) -> list[dict]:
        return [e for e in map(json.loads, lines) if e.get("kind") == "note"]

    follower.wait_for(lambda lines: len(notes(lines)) >= writers * per_writer, "all notes")
    code, _ = follower.interrupt()
    assert code == 0
    got = notes(follower.lines)
    texts = [e["text"] for e in got]
    expected = {f"w{i}-{j}" for i in range(writers) for j in range(per_writer)}
    assert sorted(texts) == sorted(expected)  # each exactly once
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for i in range(writers):  # each writer's notes in the order it wrote them
        mine = [int(t.split("-")[1]) for t in texts if t.startswith(f"w{i}-")]
        assert mine == list(range(per_writer))


def test_header_follows_severity_status_and_owner(db_path: Path, followers: list[Follower]) -> None:
    room = live_room(db_path)
    incident = actions.declare(room, "Search slow", "SEV3")
    follower = follow(followers, db_path, "-n", "0")
    follower.wait_line("NO OWNER")
    actions.assign(room, incident, "owner", "maya")
    assert "SEV3" in follower.wait_line("owner maya")
    actions.set_severity(room, incident, "SEV1")
    assert "owner maya" in follower.wait_line("== INC-1  SEV1")
    actions.set_status(room, incident, "identified")
    header = follower.wait_line("identified  owner")
    assert header.startswith("== INC-1  SEV1  identified  owner maya")
    actions.assign(room, incident, "owner", "omar")  # a handover
    follower.wait_line("owner omar")
    actions.note(room, incident, "after the changes")
    follower.wait_line("after the changes")
    headers = [line for line in follower.lines if line.startswith("== ")]
    assert len(headers) == 5  # the first, then one per change; none for the note
    code, err = follower.interrupt()
    assert (code, err) == (0, "")


def test_ctrl_c_while_idle_exits_quietly(db_path: Path, followers: list[Follower]) -> None:
    room = live_room(db_path)
    actions.declare(room, "Idle", "SEV4")
    follower = follow(followers, db_path)
    follower.wait_line("== INC-1")
    code, err = follower.interrupt()
    assert code == 0
    assert "Traceback" not in err and "Aborted" not in err and err == ""


def test_json_lines_parse_and_carry_login(db_path: Path, followers: list[Follower]) -> None:
    room = live_room(db_path, "maya")
    incident = actions.declare(room, "Queue stuck", "SEV2")
    follower = follow(followers, db_path, "--json", "-n", "5")
    follower.wait_line('"type": "header"')  # started: what follows is new to it
    cli(db_path, "note", "json please", author="kim")
    actions.set_status(room, incident, "monitoring")
    follower.wait_for(
        lambda lines: sum('"type": "header"' in line for line in lines) >= 2, "two headers"
    )
    code, _ = follower.interrupt()
    assert code == 0
    objects = [json.loads(line) for line in follower.lines]  # every line is one object
    headers = [o for o in objects if o.get("type") == "header"]
    entries = [o for o in objects if "type" not in o]
    assert headers[0]["incident"] == "INC-1" and headers[0]["owner"] is None
    assert headers[-1]["status"] == "monitoring"
    note = next(e for e in entries if e["text"] == "json please")
    assert note["author"] == "kim" and note["login"] == system_login()
    assert set(note) == {"id", "incident", "ts", "author", "login", "kind", "text", "data"}
    assert entries[0]["login"] == "maya-login"


def test_follow_all_shows_every_incident_with_refs(
    db_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    first = actions.declare(room, "Checkout down", "SEV1")
    second = actions.declare(room, "Search slow", "SEV3")
    follower = follow(followers, db_path, "--all", "-n", "0")
    follower.wait_for(lambda lines: len(lines) >= 2, "two headers")
    assert follower.lines[0].startswith("== INC-1  SEV1")
    assert follower.lines[1].startswith("== INC-2  SEV3")
    actions.note(room, first, "on the first")
    actions.note(room, second, "on the second")
    assert "INC-1" in follower.wait_line("on the first")
    assert "INC-2" in follower.wait_line("on the second")
    actions.declare(room, "Email delayed", "SEV2")
    follower.wait_line("== INC-3  SEV2")
    code, _ = follower.interrupt()
    assert code == 0


def test_deleted_database_stops_the_follower_with_one_line(
    db_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    actions.declare(room, "Disk trouble", "SEV2")
    room.store.close()
    follower = follow(followers, db_path)
    follower.wait_line("== INC-1")
    db_path.unlink()  # rm incidents.db: its -wal and -shm stay, in use by the follower
    code = follower.proc.wait(timeout=DEADLINE)
    assert follower.proc.stderr is not None
    err = follower.proc.stderr.read().decode()
    assert code == 1
    assert "has been deleted" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    # The -wal and -shm it used are not left beside the path for the next file there.
    assert not Path(f"{db_path}-wal").exists() and not Path(f"{db_path}-shm").exists()


def sqlite_client_on(db_path: Path) -> subprocess.Popen[str]:
    """A plain SQLite client in a process of its own, with the file open (read once) until
    its stdin is closed (`communicate("")`): an `sqlite3` shell left open."""
    client = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('select count(*) from timeline').fetchone();"
            " print('ready', flush=True); sys.stdin.read()",
            str(db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None and client.stdout.readline() == "ready\n"
    return client


def _texts(db_path: Path) -> list[str]:
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
    finally:
        conn.close()


def test_a_backup_restored_with_mv_is_followed(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    """A follower over SSH stopped ("run the command again") when the owner restored a
    backup, in the middle of the incident; it now follows the restored file, as `tail -F`
    does, and says which entries it printed that the restored file lacks. The old file's
    last note is still in the -wal beside the path (its writer closed while the follower had
    the file open): the follower, the last to use it, lets it go before anyone replays it
    into the restored file."""
    from warroom.storage.backup import backup_to

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    backed_up = actions.note(room, incident, "in the backup")
    backup_to(room.store, tmp_path / "backup.db")
    follower = follow(followers, db_path)
    follower.wait_line("in the backup")
    lost = actions.note(room, incident, "after the backup")
    follower.wait_line("after the backup")
    room.store.close()  # not the last on the file: its note stays in the -wal
    assert Path(f"{db_path}-wal").stat().st_size > 0
    os.replace(tmp_path / "backup.db", db_path)  # mv backup.db incidents.db
    said = follower.wait_line("has been replaced")
    assert (
        f"it holds the timeline only up to entry #{backed_up}, so the entries printed above"
        f" after it (to #{lost}) are not in it"
    ) in said
    follower.wait_for(lambda lines: lines[-1].startswith("== INC-1"), "the header again")
    cli(db_path, "note", "into the restored file")
    follower.wait_line("into the restored file")
    assert follower.proc.poll() is None  # still following
    code, err = follower.interrupt()
    assert (code, err) == (0, "")
    texts = _texts(db_path)
    assert "after the backup" not in texts and texts[-1] == "into the restored file"


def test_a_command_right_after_a_bare_mv_waits_for_the_old_files_users(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    """`mv backup.db incidents.db` with a follower on the old file and its last note still in
    the -wal beside the path, then at once `warroom note`: the note read that -wal as the
    restored file's own, undoing the restore or damaging the file (drill). It now waits
    for the follower to let the old -wal go (at most a few seconds), then writes into the
    restored file alone."""
    from warroom.storage.backup import backup_to
    from warroom.storage.connection import file_identity, stale_sidecar_users

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    actions.note(room, incident, "in the backup")
    backup_to(room.store, tmp_path / "backup.db")
    follower = follow(followers, db_path)
    follower.wait_line("in the backup")
    actions.note(room, incident, "after the backup")
    follower.wait_line("after the backup")
    room.store.close()  # its note stays in the -wal: the follower still has the file open
    follower.proc.send_signal(signal.SIGSTOP)  # it will not notice the mv for a while
    try:
        os.replace(tmp_path / "backup.db", db_path)
        assert stale_sidecar_users(db_path, file_identity(db_path)) == [follower.proc.pid]
        note = subprocess.Popen(
            [*WARROOM, "--as", "sam", "note", "restored, carrying on"],
            env=env_for(db_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        follower.proc.send_signal(signal.SIGCONT)
    _out, err = note.communicate(timeout=DEADLINE)
    assert note.returncode == 0, err
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
    finally:
        conn.close()
    assert "after the backup" not in texts
    assert texts[-2:] == ["in the backup", "restored, carrying on"]
    follower.wait_line("restored, carrying on")


def test_a_follower_stopped_before_it_noticed_the_restore_takes_the_old_wal_with_it(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    """Ctrl-C on a follower after the mv but before it noticed: its ordinary close left the
    old -wal beside the path (SQLite keeps it for a moved file), nobody held it any more,
    and the next `warroom note` replayed it into the restored file (review)."""
    from warroom.storage.backup import backup_to

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    actions.note(room, incident, "in the backup")
    backup_to(room.store, tmp_path / "backup.db")
    follower = follow(followers, db_path)
    follower.wait_line("in the backup")
    actions.note(room, incident, "after the backup")
    follower.wait_line("after the backup")
    room.store.close()  # its note stays in the -wal: the follower still has the file open
    follower.proc.send_signal(signal.SIGSTOP)
    os.replace(tmp_path / "backup.db", db_path)
    follower.proc.send_signal(signal.SIGINT)  # handled first thing once it runs again
    follower.proc.send_signal(signal.SIGCONT)
    assert follower.proc.wait(timeout=DEADLINE) == 0
    assert not Path(f"{db_path}-wal").exists()
    assert cli(db_path, "note", "restored, carrying on").returncode == 0
    texts = _texts(db_path)
    assert "after the backup" not in texts and texts[-1] == "restored, carrying on"


def test_two_on_the_old_file_letting_go_together_leave_no_old_wal(
    db_path: Path, tmp_path: Path
) -> None:
    """A war room and a follower noticing the same mv: each saw the other still on the -shm,
    so each only closed, and the old -wal stayed beside the restored file for the next open
    to replay (drill, once in about fifteen tries). One still on the old file is no reason to
    keep its -wal: only one on another file is."""
    from warroom.storage.backup import backup_to
    from warroom.storage.connection import release_moved, sidecar_ids

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    backup_to(room.store, tmp_path / "backup.db")
    room.store.conn.execute("PRAGMA wal_autocheckpoint = 0")
    actions.note(room, incident, "after the backup")  # in the -wal
    fellow = sqlite_client_on(db_path)  # another process on the old file, letting go after us
    try:
        sidecars = sidecar_ids(db_path)
        os.replace(tmp_path / "backup.db", db_path)
        release_moved(room.store, sidecars)
        assert not Path(f"{db_path}-wal").exists()
    finally:
        fellow.communicate("")  # it closes the ordinary way
    assert cli(db_path, "note", "restored, carrying on").returncode == 0
    texts = _texts(db_path)
    assert "after the backup" not in texts and texts[-1] == "restored, carrying on"


def test_an_old_file_held_open_by_something_else_is_refused_in_one_line(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something other than warroom (an sqlite3 shell) has the old file open and never lets
    it go: the open gives up with the restore steps, reading and writing nothing."""
    from warroom.storage import connection
    from warroom.storage.backup import backup_to

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident, "after the backup")
    holder = sqlite_client_on(db_path)
    try:
        room.store.close()
        os.replace(tmp_path / "backup.db", db_path)
        before = db_path.read_bytes()
        monkeypatch.setattr(connection, "STALE_SIDECARS_WAIT", 0.2)
        with pytest.raises(WarroomError) as refused:
            open_store(db_path)
        assert f"pid {holder.pid}" in refused.value.message
        assert "Stop them, then remove incidents.db-wal and incidents.db-shm" in (
            refused.value.message
        )
        assert db_path.read_bytes() == before
    finally:
        holder.communicate("")


def test_a_note_under_an_id_the_old_file_had_used_is_printed_after_a_restore(
    db_path: Path, tmp_path: Path, followers: list[Follower], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note written into the restored file before the follower read it took the id of the
    old file's lost entry; by ids alone the follower took it for that one, never printed it,
    and did not count the lost entry (drill). The hash chain tells them apart."""
    from warroom.storage import connection
    from warroom.storage.backup import backup_to

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    backed_up = actions.note(room, incident, "in the backup")
    backup_to(room.store, tmp_path / "backup.db")
    lost = actions.note(room, incident, "after the backup")
    room.store.close()  # the last one: its -wal is checkpointed and goes
    follower = follow(followers, db_path)
    follower.wait_line("after the backup")
    follower.proc.send_signal(signal.SIGSTOP)
    try:
        os.replace(tmp_path / "backup.db", db_path)
        # A writer that does not wait for the follower (as an SQLite client would not).
        monkeypatch.setattr(connection, "_wait_for_stale_sidecars", lambda *args: None)
        writer = live_room(db_path, "bob")
        reused = actions.note(writer, incident, "written before the follower read it")
        writer.store.close()
    finally:
        follower.proc.send_signal(signal.SIGCONT)
    assert reused == lost
    said = follower.wait_line("has been replaced")
    assert (
        f"it holds the timeline only up to entry #{backed_up}, so the entries printed above"
        f" after it (to #{lost}) are not in it"
    ) in said
    follower.wait_line("written before the follower read it")
    code, err = follower.interrupt()
    assert (code, err) == (0, "")


def test_a_file_that_is_no_database_moved_into_place_stops_the_follower_with_one_line(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    actions.declare(room, "Disk trouble", "SEV2")
    room.store.close()
    follower = follow(followers, db_path)
    follower.wait_line("== INC-1")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n" * 200)
    os.replace(junk, db_path)
    code = follower.proc.wait(timeout=DEADLINE)
    assert follower.proc.stderr is not None
    err = follower.proc.stderr.read().decode()
    assert code == 1 and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1 and str(db_path) in err, err


def test_an_empty_file_moved_into_place_is_left_empty(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    """`tail -f --all` made an empty file moved over the database into one, schema and all,
    and followed it as if the timeline had gone (drill)."""
    room = live_room(db_path)
    actions.declare(room, "Disk trouble", "SEV2")
    room.store.close()
    follower = follow(followers, db_path, "--all")
    follower.wait_line("== INC-1")
    empty = tmp_path / "empty"
    empty.touch()
    os.replace(empty, db_path)
    code = follower.proc.wait(timeout=DEADLINE)
    assert follower.proc.stderr is not None
    err = follower.proc.stderr.read().decode()
    assert code == 1 and err.strip().endswith(
        "is empty, not a warroom database (warroom init or warroom declare makes one)"
    ), err
    assert db_path.stat().st_size == 0
    assert not Path(f"{db_path}-wal").exists()


def test_a_follower_noticing_late_leaves_the_new_files_writes_alone(
    db_path: Path, tmp_path: Path, followers: list[Follower]
) -> None:
    """Another SQLite client opened the restored file (and took over the -wal beside the path)
    before the follower noticed the restore: the follower checkpointed that -wal into its old
    file and removed it, and the client's row was gone (review). warroom's own commands wait
    for the follower instead (the test above); any other client does not."""
    from warroom.storage.backup import backup_to

    room = live_room(db_path)
    incident = actions.declare(room, "Disk trouble", "SEV2")
    actions.note(room, incident, "in the backup")
    backup_to(room.store, tmp_path / "backup.db")
    room.store.close()
    follower = follow(followers, db_path)
    follower.wait_line("in the backup")
    insert = (
        "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
        " VALUES (?, '2026-12-01T14:00:00+00:00', 'bob', 'bob', 'note', ?)"
    )
    follower.proc.send_signal(signal.SIGSTOP)  # busy elsewhere (a slow SSH pipe, say)
    try:
        os.replace(tmp_path / "backup.db", db_path)
        client = sqlite3.connect(db_path, isolation_level=None)
        client.execute(insert, (incident, "written before the follower noticed"))
    finally:
        follower.proc.send_signal(signal.SIGCONT)
    try:
        follower.wait_line("has been replaced")
        follower.wait_line("written before the follower noticed")  # followed, and shown
        client.execute(insert, (incident, "and after"))
        follower.wait_line("and after")
    finally:
        client.close()
    code, err = follower.interrupt()
    assert (code, err) == (0, "")
    assert _texts(db_path)[-2:] == ["written before the follower noticed", "and after"]


# --- tail without -f ---------------------------------------------------------------------------


def test_tail_all_and_login_beside_display_name(run: Cli) -> None:
    run.ok("declare", "One", "-s", "SEV2")
    run.ok("declare", "Two", "-s", "SEV3")
    run.ok("note", "-i", "1", "first", author="maya")
    run.ok("note", "-i", "2", "second", author=system_login())
    out = run.ok("tail", "--all", "-n", "2").stdout.splitlines()
    assert "INC-1" in out[0] and f"maya (login {system_login()})" in out[0]
    assert "INC-2" in out[1] and "(login" not in out[1]
    both = run("tail", "INC-1", "--all")
    assert both.exit_code == 2 and "not both" in both.stderr


def _kind_column(line: str) -> int:
    """Where the kind column starts, in terminal cells."""
    from rich.cells import cell_len

    return cell_len(line[: line.index("  note  ")])


def test_tail_columns_stay_aligned_when_a_login_is_shown(run: Cli) -> None:
    run.ok("declare", "One", "-s", "SEV2")
    run.ok("note", "by name", author="maya-the-owner")  # not the login: "(login x)" shown
    run.ok("note", "by login", author=system_login())
    run.ok("note", "wide", author="李小龍")  # two cells a character
    lines = run.ok("tail", "-n", "3").stdout.splitlines()
    assert f"maya-the-owner (login {system_login()})" in lines[0] and "(login" not in lines[1]
    assert len({_kind_column(line) for line in lines}) == 1, lines


def test_tail_texts_start_in_one_column_whatever_the_kind_and_id(run: Cli) -> None:
    """A handover acknowledgement (kind handover_ack, 12 letters) pushed its id and text out
    of line, and so did #10 after #9 (drill). Kinds are named as the war room names them."""
    run.ok("declare", "One", "-s", "SEV2")
    run.ok("assign", "owner", "maya")
    run.ok("handover", "owner", "sam", author="maya")
    run.ok("ack", author="sam")
    while int(run.ok("tail", "-n", "1").stdout.split("#", 1)[1].split()[0]) < 11:
        run.ok("note", "filler")
    output = run.ok("tail", "-n", "30").stdout.splitlines()
    lines = [line for line in output if not line.startswith(" ")]  # a brief folds below
    ids = [line.index("#") for line in lines]
    texts = [line.index("#") + re.match(r"#\d+ +", line[line.index("#") :]).end() for line in lines]  # type: ignore[union-attr]
    assert len(set(ids)) == 1 and len(set(texts)) == 1, "\n".join(lines)
    kinds = {line[: line.index("#")].split()[-1] for line in lines}
    assert "ack" in kinds and "declare" in kinds and "handover_ack" not in kinds
    raw = [
        json.loads(x)["kind"] for x in run.ok("tail", "-n", "30", "--json").stdout.split("\n") if x
    ]
    assert "handover_ack" in raw  # JSON keeps the stored names


def test_tail_f_widens_the_author_column_once_for_a_login(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from warroom import views
    from warroom.cli.follow import Follower as TailFollower

    store = open_store(db_path)
    me = Room(store, Actor("samuel-ops", "samuel-ops"), Settings(), system_clock)
    spoof = Room(store, Actor("maya", "samuel-ops"), Settings(), system_clock)
    incident = actions.declare(me, "One", "SEV2")
    follower = TailFollower(me, incident, as_json=False)
    with me.read() as conn:
        follower.dump(views.tail(conn, incident, 10))
    actions.note(spoof, incident, "by name")  # not the login: "(login samuel-ops)"
    actions.note(me, incident, "by login")
    follower.catch_up()
    lines = [line for line in capsys.readouterr().out.splitlines() if "  note  " in line]
    assert len(lines) == 2 and "maya (login samuel-ops)" in lines[0] and "(login" not in lines[1]
    assert _kind_column(lines[0]) == _kind_column(lines[1]), lines
    store.close()


# --- watch -------------------------------------------------------------------------------------


def test_watch_opens_read_only_and_refuses_writes(
    run: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warroom.tui.run

    run.ok("declare", "Checkout down", "-s", "SEV2")
    run.ok("declare", "Other", "-s", "SEV3")
    seen: dict[str, object] = {}

    def fake_run_tui(room: Room, incident_id: int | None = None, readonly: bool = False) -> int:
        seen.update(readonly=readonly, incident_id=incident_id, store_ro=room.store.readonly)
        with pytest.raises(WarroomError, match="read-only"):
            actions.note(room, 1, "must not land")
        with pytest.raises(Exception, match="readonly"):
            room.store.conn.execute("DELETE FROM services")
        return 0

    monkeypatch.setattr(warroom.tui.run, "run_tui", fake_run_tui)
    result = run("watch", "INC-1")
    assert result.exit_code == 0, result.output
    assert seen == {"readonly": True, "incident_id": 1, "store_ro": True}
    notes = run.ok("tail", "INC-1", "--json").stdout
    assert "must not land" not in notes
    assert run("watch").exit_code == 0 and seen["incident_id"] is None
    bad = run("watch", "INC-9")
    assert bad.exit_code == 2 and "no incident INC-9" in bad.stderr


def test_watch_without_a_database_is_a_clear_error(run: Cli, tmp_path: Path) -> None:
    from warroom.cli import cli

    result = run.runner.invoke(cli, ["--db", str(tmp_path / "none.db"), "watch"])
    assert result.exit_code == 1
    assert "no warroom database" in result.stderr
    assert not (tmp_path / "none.db").exists()


# --- hostile text on every output path ---------------------------------------------------------


def hostile_incident(run: Cli) -> None:
    run.ok("declare", f"T{HOSTILE}", "-s", "SEV2", "--service", f"S{HOSTILE}", author=HOSTILE)
    run.ok("triage", "--impact", f"I{HOSTILE}", author=HOSTILE)
    run.ok("assign", "owner", f"O{HOSTILE}", author=HOSTILE)
    run.ok("note", f"N{HOSTILE}", author=HOSTILE)


def test_hostile_text_on_every_cli_output_path(run: Cli) -> None:
    hostile_incident(run)
    show = run.ok("show").stdout
    assert_safe(show)
    for prefix in ("T", "S", "I", "O"):
        assert f"{prefix}A␛B␛C␛D" in show
    assert_safe(run.ok("list").stdout)
    assert_safe(run.ok("list", "--all").stdout)
    tail = run.ok("tail").stdout
    assert_safe(tail)
    assert "NA␛B␛C␛D␛E<U+009D>F[/]G[@click=app.quit]H␛I" in tail
    assert_safe(run.ok("tail", "--all").stdout)
    # JSON: escaped on the wire, exact once parsed.
    for args in (("show", "--json"), ("list", "--json"), ("tail", "--json")):
        raw = run.ok(*args).stdout
        assert_safe(raw, markup_literal=False)
    shown = json.loads(run.ok("show", "--json").stdout)
    assert shown["title"] == f"T{HOSTILE}" and shown["impact"] == f"I{HOSTILE}"
    assert shown["services"] == [f"S{HOSTILE}"] and shown["roles"]["owner"] == f"O{HOSTILE}"
    assert json.loads(run.ok("list", "--json").stdout)[0]["title"] == f"T{HOSTILE}"
    last = json.loads(run.ok("tail", "--json").stdout.splitlines()[-1])
    assert last["text"] == f"N{HOSTILE}" and last["author"] == HOSTILE
    # Errors quote what was typed: sanitised too.
    err = run("show", HOSTILE).stderr
    assert_safe(err, markup_literal=False)


def test_hostile_text_with_colours(run: Cli, room: Room) -> None:
    """On a TTY the only escapes are our own colour codes (SGR)."""
    from warroom import views
    from warroom.cli.follow import format_header
    from warroom.cli.output import format_entry, format_show

    hostile_room = Room(room.store, Actor(HOSTILE, HOSTILE), room.settings, room.clock)
    incident = actions.declare(hostile_room, HOSTILE, "SEV1", [HOSTILE])
    actions.assign(hostile_room, incident, "owner", HOSTILE)
    actions.note(hostile_room, incident, HOSTILE)
    loaded = room.incident(incident)
    with room.read() as conn:
        entries = views.tail(conn, incident, 50)
    texts = [
        format_header(loaded, room.now(), color=True),
        format_show(loaded, room.now(), color=True, definition="d"),
        *(format_entry(e, room.now(), color=True, show_ref=True) for e in entries),
    ]
    for text in texts:
        assert_safe(re.sub(r"\x1b\[[0-9;]*m", "", text), markup_literal=False)
    assert_safe(re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(texts)))
    assert "\x1b[" in texts[0]  # colours are on: the check above is not vacuous


def test_hostile_text_through_tail_f(run: Cli, db_path: Path, followers: list[Follower]) -> None:
    hostile_incident(run)
    for args in ((), ("--json",), ("--all",)):
        follower = follow(followers, db_path, *args)
        follower.wait_for(lambda lines: len(lines) >= 3, "the header and entries")
        cli(db_path, "note", f"live{HOSTILE}", author=HOSTILE)
        follower.wait_line("live")
        code, err = follower.interrupt()
        assert code == 0 and err == ""
        out = "\n".join(follower.lines)
        assert_safe(out, markup_literal=args != ("--json",))
        if args == ("--json",):
            objects = [json.loads(line) for line in follower.lines]
            assert objects[0]["title"] == f"T{HOSTILE}"
            assert objects[0]["owner"] == f"O{HOSTILE}"
            assert objects[-1]["text"] == f"live{HOSTILE}"
        else:
            assert "TA␛B␛C␛D" in follower.lines[0]  # the header's title


# --- over SSH ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_note_and_tail_over_a_real_ssh_session(
    run: Cli, db_path: Path, tmp_path: Path, private_sshd: Sshd
) -> None:
    ssh = shutil.which("ssh")
    if ssh is None:
        pytest.skip("needs ssh (Debian openssh-client)")
    run.ok("declare", "Checkout down", "-s", "SEV2")
    exe = Path(sys.executable).parent / "warroom"
    warroom = shlex.quote(str(exe)) if exe.exists() else f"{sys.executable} -m warroom"
    base = (
        f"WARROOM_CONFIG={shlex.quote(str(tmp_path / 'none.toml'))} {warroom}"
        f" --db {shlex.quote(str(db_path))}"
    )

    def over_ssh(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                ssh,
                "-F",
                "/dev/null",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "LogLevel=ERROR",
                "-i",
                str(private_sshd.client_key),
                "-p",
                str(private_sshd.port),
                "127.0.0.1",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    noted = over_ssh(f"{base} --as remote-maya note 'hi from ssh'")
    assert noted.returncode == 0, noted.stderr
    assert "Noted" in noted.stdout
    tailed = over_ssh(f"{base} tail -n 5")
    assert tailed.returncode == 0, tailed.stderr
    assert "hi from ssh" in tailed.stdout and "remote-maya" in tailed.stdout
    local = json.loads(run.ok("tail", "-n", "1", "--json").stdout)
    assert local["text"] == "hi from ssh" and local["author"] == "remote-maya"


def test_tail_f_shows_rows_planted_while_following_as_unreadable(
    run: Cli, db_path: Path, followers: list[Follower]
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    follower = follow(followers, db_path)
    follower.wait_for(lambda lines: len(lines) >= 3, "the header and entries")
    conn = sqlite3.connect(db_path)
    try:
        for ts, kind, data in (
            ("not a time", "note", None),
            ("2026-11-26T14:00:00+00:00", "\x1b[2Jkind", None),
            ("2026-11-26T14:00:00+00:00", "status", "{broken"),
        ):
            conn.execute(
                "INSERT INTO timeline (incident_id, ts, author, kind, text, data)"
                " VALUES (1, ?, 'mallory', ?, 'planted', ?)",
                (ts, kind, data),
            )
            conn.commit()
    finally:
        conn.close()
    cli(db_path, "note", "after the bad rows")
    follower.wait_line("after the bad rows")
    code, err = follower.interrupt()
    assert code == 0 and err == ""
    unreadable = [line for line in follower.lines if "unreadable entry #" in line]
    assert len(unreadable) == 3
    assert all("\x1b" not in line for line in follower.lines)
