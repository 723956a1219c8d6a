"""The real app in a real terminal (tmux) at 80x24 and 60x20: SIGTERM and SIGHUP give the
terminal back, `watch` says it is read-only, a backup restored with `mv` is noticed."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from warroom import actions
from warroom.actions import Room
from warroom.storage.backup import backup_to

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

DEADLINE = 30.0
SIZES = [(80, 24), (60, 20)]


class Terminal:
    """One tmux server of our own running `warroom ARGS`; the pid and exit status are kept."""

    def __init__(
        self, tmp: Path, db: Path, size: tuple[int, int], *args: str, prefix: str = ""
    ) -> None:
        self.tmux = ["tmux", "-L", f"warroom-test-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]
        self.pid_file = tmp / "pid"
        self.rc_file = tmp / "rc"
        warroom = shlex.join([sys.executable, "-m", "warroom", "--db", str(db), *args])
        # sh execs warroom with its own pid, and the pane stays open after it ends.
        inner = f"echo $$ > {self.pid_file}; exec {warroom}"
        command = f"{prefix}sh -c {shlex.quote(inner)}; echo $? > {self.rc_file}; sleep 600"
        env = {**os.environ, "TERM": "xterm-256color"}
        width, height = size
        size_args = ["-x", str(width), "-y", str(height)]
        subprocess.run(
            [*self.tmux, "new-session", "-d", *size_args, "-s", "w", command],
            check=True,
            env=env,
        )

    def run(self, *args: str) -> str:
        return subprocess.run(
            [*self.tmux, *args], capture_output=True, text=True, check=True
        ).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "w")

    def state(self) -> str:
        return self.run(
            "display", "-p", "-t", "w", "#{alternate_on} #{mouse_any_flag} #{cursor_flag}"
        ).strip()

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "w", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "w", "-l", text)

    def wait(self, check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; screen:\n{self.screen()}")
            time.sleep(0.1)

    def shows(self, text: str) -> None:
        self.wait(lambda: text in self.screen(), repr(text))

    def exit_status(self) -> int:
        self.wait(lambda: self.rc_file.exists() and self.rc_file.read_text().strip(), "exit")
        return int(self.rc_file.read_text())

    def pid(self) -> int:
        self.wait(lambda: self.pid_file.exists() and self.pid_file.read_text().strip(), "pid")
        return int(self.pid_file.read_text())

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[..., Terminal]]:
    made: list[Terminal] = []

    def start(db: Path, size: tuple[int, int], *args: str, prefix: str = "") -> Terminal:
        made.append(Terminal(tmp_path, db, size, *args, prefix=prefix))
        return made[-1]

    yield start
    for t in made:
        t.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_gives_the_terminal_back(
    room: Room, db_path: Path, terminal: Callable[..., Terminal], size: tuple[int, int], sig: int
) -> None:
    actions.declare(room, "Checkout returns 500s", "SEV2")
    t = terminal(db_path, size, "--as", "tester")
    t.shows("Declared SEV2")
    assert t.state() == "1 1 0"  # the war room is up: alternate screen, mouse on, no cursor
    os.kill(t.pid(), sig)
    assert t.exit_status() == 128 + sig
    assert t.state() == "0 0 1"
    assert "Traceback" not in t.screen()


def test_the_size_comes_from_the_terminal_not_an_exported_columns(
    room: Room, db_path: Path, terminal: Callable[..., Terminal]
) -> None:
    """A shell (or pytest-xdist) that exports COLUMNS and LINES: the war room drew at that
    size in a smaller pane, its header scrolled away, and a resize changed nothing."""
    actions.declare(room, "Checkout returns 500s", "SEV2")
    t = terminal(db_path, (60, 20), "--as", "tester", prefix="COLUMNS=80 LINES=24 ")
    t.shows("? Help")
    t.wait(lambda: "INC-1" in t.screen().splitlines()[0], "the header on the first line")
    assert t.screen().splitlines()[1].rstrip().endswith("╮")  # not cut at the pane's edge
    t.run("resize-window", "-t", "w", "-x", "70", "-y", "22")
    t.wait(lambda: len(t.screen().splitlines()[1].rstrip()) == 70, "the 70-column layout")
    t.keys("C-q")
    assert t.exit_status() == 0


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_watch_says_read_only_and_offers_no_write(
    room: Room, db_path: Path, terminal: Callable[..., Terminal], size: tuple[int, int]
) -> None:
    actions.declare(room, "Checkout returns 500s", "SEV2")
    t = terminal(db_path, size, "watch")
    t.shows("Declared SEV2")
    t.shows("? Help")  # the footer is composed after the first frames
    first_line = t.screen().splitlines()[0]
    assert "READ-ONLY" in first_line

    def footer() -> str:
        return "\n".join(t.screen().splitlines()[-3:])

    t.wait(lambda: "Filter" in footer(), "the footer")
    assert "Note" not in footer() and "Declare" not in footer()
    t.keys("n")
    t.shows("Read-only")
    t.keys("u")
    t.shows("Customer update")
    t.shows("ctrl+o copies")
    assert "^s" not in t.screen() and "Publish " not in t.screen()
    t.keys("C-s")
    t.shows("publishing is for a")
    t.keys("Escape")
    t.shows("Declared SEV2")
    t.keys("C-q")
    assert t.exit_status() == 0
    assert t.state() == "0 0 1"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_backup_restored_with_mv_is_noticed(
    room: Room,
    db_path: Path,
    tmp_path: Path,
    terminal: Callable[..., Terminal],
    size: tuple[int, int],
) -> None:
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    room.store.close()  # only the war room has the file open now
    t = terminal(db_path, size, "--as", "tester")
    t.shows("after the backup")
    os.replace(tmp_path / "backup.db", db_path)  # mv backup.db incidents.db
    t.shows("replaced")
    t.keys("n")
    t.type("roll back now")
    t.keys("Enter")
    t.shows("Not saved")
    t.keys("r")  # the timeline has the focus again after Enter
    t.shows("Reopened")
    t.wait(lambda: "after the backup" not in t.screen(), "the restored timeline")
    t.keys("n", "Enter")  # the refused note was kept in the input: saved now
    t.shows("Note 3 added")
    t.keys("C-q")
    assert t.exit_status() == 0
    check = open_texts(db_path)
    assert "after the backup" not in check and check[-1] == "roll back now"


def open_texts(path: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
    finally:
        conn.close()


def test_mouse_selection_then_ctrl_c_in_a_real_terminal(
    room: Room, db_path: Path, terminal: Callable[..., Terminal]
) -> None:
    actions.declare(room, "Checkout returns 500s", "SEV2")
    t = terminal(db_path, (80, 24), "--as", "tester")
    t.shows("Declared SEV2")
    row = next(i for i, line in enumerate(t.screen().splitlines()) if "Declared SEV2" in line)

    def painted() -> str:  # that row with its colours: a selection changes them
        return t.run("capture-pane", "-e", "-p", "-t", "w").splitlines()[row]

    before = painted()
    # SGR mouse: press at column 3 of that row, drag to column 60 a row down, release.
    y = row + 1  # 1-based
    drag = f"\x1b[<0;3;{y}M\x1b[<32;30;{y}M\x1b[<32;60;{y + 1}M\x1b[<0;60;{y + 1}m"
    # Under load, a drag in the war room's first second was sometimes not selected (1 run
    # in 6 at load 2; never once the start-up had settled); the crash this test is about
    # comes after a selection, so a drag not taken is made again, as a person would.
    for _attempt in range(3):
        t.type(drag)
        deadline = time.monotonic() + 3
        while painted() == before and time.monotonic() < deadline:
            time.sleep(0.05)
        if painted() != before:
            break
    t.wait(lambda: painted() != before, "the selection to show")
    t.keys("C-c")
    t.keys("n")  # still running: n focuses the note field
    t.type("after the copy")
    t.keys("Enter")
    t.shows("after the copy")
    t.keys("C-q")
    assert t.exit_status() == 0
    assert t.state() == "0 0 1"


def test_quitting_while_a_note_waits_on_a_lock_saves_it(
    room: Room, db_path: Path, terminal: Callable[..., Terminal]
) -> None:
    """Enter then ctrl+q while another process holds the write lock: the note is saved once
    the lock goes. (Whether "still saving" shows first depends on when the lock goes.)"""
    import sqlite3

    actions.declare(room, "Checkout returns 500s", "SEV2")
    room.store.close()
    t = terminal(db_path, (80, 24), "--as", "tester")
    t.shows("Declared SEV2")
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the war room's write waits for this (busy timeout)
        t.keys("n")
        t.type("rolled back while locked")
        t.shows("rolled back while locked")  # typed, before Enter: not one burst with it
        t.keys("Enter")
        # Its own keypress: "text, Enter, ctrl+q" in one read is taken for a paste (the
        # paste driver), as it would be from a laggy link.
        t.wait(lambda: "rolled back while locked" not in t.screen(), "the field cleared")
        t.keys("C-q")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert t.exit_status() == 0
    assert t.state() == "0 0 1"
    assert "NOT SAVED" not in t.screen()
    assert open_texts(db_path)[-1] == "rolled back while locked"


def test_a_note_that_fails_after_quitting_is_printed_not_lost(
    room: Room, db_path: Path, terminal: Callable[..., Terminal]
) -> None:
    """The lock outlasts the write's patience (10 s): the note failed after the war room had
    gone, and its text went with it. Now the terminal gets it, whole."""
    import sqlite3

    actions.declare(room, "Checkout returns 500s", "SEV2")
    room.store.close()
    t = terminal(db_path, (80, 24), "--as", "tester")
    t.shows("Declared SEV2")
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        t.keys("n")
        t.type("failover to eu-2 decided")
        t.shows("failover to eu-2 decided")  # typed, before Enter: not one burst with it
        t.keys("Enter")
        t.wait(lambda: "failover to eu-2 decided" not in t.screen(), "the field cleared")
        t.keys("C-q")
        t.shows("NOT SAVED")  # after the write's 10 s
        assert t.exit_status() == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    said = "".join(t.screen().splitlines())
    assert "locked" in said and "failover to eu-2 decided" in said, said
    assert t.state() == "0 0 1"
    assert "failover to eu-2 decided" not in open_texts(db_path)


def test_a_terminal_that_hangs_up_without_a_sighup_ends_the_war_room(
    room: Room, db_path: Path, terminal: Callable[..., Terminal]
) -> None:
    """The shell above it ignores SIGHUP (as under nohup), so when the terminal goes away only
    end-of-file tells. Textual alone then reads it in a loop, a core at 100% for ever."""
    actions.declare(room, "Checkout returns 500s", "SEV2")
    t = terminal(db_path, (80, 24), "--as", "tester", prefix="trap '' HUP; ")
    t.shows("Declared SEV2")
    pid = t.pid()
    t.close()  # the terminal hangs up
    deadline = time.monotonic() + 10
    try:
        while not (t.rc_file.exists() and t.rc_file.read_text().strip()):
            assert time.monotonic() < deadline, f"warroom (pid {pid}) did not end"
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # never leave it spinning
    assert int(t.rc_file.read_text()) == 128 + signal.SIGHUP
