"""Clear answers: the real error, usage errors for empty options, EPIPE is not a failure, a
failing command leaves no new file, impossible times refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions
from warroom.actions import Room
from warroom.errors import WarroomError
from warroom.storage import queries as q

WARROOM = [sys.executable, "-m", "warroom"]


def test_a_write_sqlite_rolled_back_itself_reports_the_real_error(room: Room) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    # RAISE(ROLLBACK) ends the transaction inside SQLite, as a full disk does.
    room.store.conn.execute(
        "CREATE TEMP TRIGGER refuse BEFORE INSERT ON timeline"
        " BEGIN SELECT RAISE(ROLLBACK, 'the real reason'); END"
    )
    with pytest.raises((WarroomError, sqlite3.Error), match="the real reason"):
        actions.note(room, incident, "lost?")


@pytest.mark.parametrize(
    "args",
    [
        ["--db", "", "list"],
        ["list", "--db", ""],
        ["update", "-t", ""],
        ["export", "-o", ""],
    ],
)
def test_empty_options_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    env = {**os.environ, "WARROOM_DB": str(tmp_path / "default.db")}
    subprocess.run([*WARROOM, "declare", "X", "-s", "SEV3"], env=env, capture_output=True)
    before = sorted(os.listdir(tmp_path))
    result = subprocess.run([*WARROOM, *args], env=env, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing written, no default used


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    ["tail -n 5000", "tail -n 5000 --json", "export -f csv", "tail -f -n 5000"],
)
def test_a_reader_that_leaves_is_not_a_failure(room: Room, db_path: Path, command: str) -> None:
    if shutil.which("bash") is None or shutil.which("head") is None:
        pytest.skip("needs bash and head")
    incident = actions.declare(room, "Checkout down", "SEV2")
    row = (incident, "2026-11-26T14:00:00.000000+00:00", "a", "a", "note", "x" * 80)
    with room.store.write() as conn:
        q.append_timeline_many(conn, [row] * 5000)  # far more than a pipe holds
    warroom = " ".join(WARROOM)
    script = f"{warroom} --db {db_path} {command} | head -1 >/dev/null"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("args", [["show"], ["tail"], ["note", "hello"], ["export"]])
def test_a_failing_command_leaves_a_new_file_uncreated(
    run: Cli, db_path: Path, args: list[str]
) -> None:
    assert not db_path.exists()
    result = run(*args)
    assert result.exit_code != 0
    assert sorted(p.name for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)) == []


def test_a_failing_command_leaves_an_empty_file_empty(run: Cli, db_path: Path) -> None:
    db_path.touch()
    db_path.chmod(0o640)
    result = run("note", "hello")
    assert result.exit_code != 0
    assert db_path.stat().st_size == 0 and (db_path.stat().st_mode & 0o777) == 0o640
    run.ok("declare", "Now it is used", "-s", "SEV3")  # a success keeps what it wrote
    assert db_path.stat().st_size > 0


@pytest.mark.parametrize("started", ["-9999999h", "500d ago", "1900-01-01T00:00+00:00"])
def test_an_impossible_impact_start_is_refused(run: Cli, started: str) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    result = run("triage", "--started", started)
    assert result.exit_code == 2, result.output
    assert "more than a year before" in result.stderr
    assert "Impact started" not in run.ok("tail").stdout


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31", "2020-01-01"])
def test_an_impossible_due_date_is_refused(run: Cli, due: str) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    result = run("followup", "add", "Fix it", "--due", due)
    assert result.exit_code == 2, result.output
    assert "due date" in result.stderr
    assert run.ok("followup", "list").stdout.strip().startswith("No")


# --- full disk, read-only folder and file, damaged file -------------------------------------


def _as_nobody(base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", *WARROOM, *args],
        capture_output=True,
        text=True,
        cwd=base,
        env={**os.environ, "HOME": str(base), "WARROOM_CONFIG": str(base / "none.toml")},
        timeout=60,
    )


@pytest.fixture
def nobody_base() -> Iterator[Path]:
    """A folder user nobody owns: permissions bind nobody, never root."""
    if os.geteuid() != 0:
        pytest.skip("running warroom as another user needs root")
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    base = Path(tempfile.mkdtemp(prefix="warroom-ro-", dir="/tmp"))
    base.chmod(0o755)
    folder = base / "f"
    folder.mkdir()
    os.chown(folder, 65534, 65534)
    probe = _as_nobody(base, "--version")
    if probe.returncode != 0:
        shutil.rmtree(base)
        pytest.skip(f"user nobody cannot run this checkout's warroom: {probe.stderr[-200:]}")
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_a_read_only_folder_is_named_and_reads_still_read(nobody_base: Path) -> None:
    db = str(nobody_base / "i.db")
    assert _as_nobody(nobody_base.parent, "--db", db, "declare", "RO", "-s", "SEV2").returncode == 0
    nobody_base.chmod(0o555)
    wrote = _as_nobody(nobody_base.parent, "--db", db, "note", "x")
    assert wrote.returncode == 1
    assert f"the folder {nobody_base} is read-only for you" in wrote.stderr
    for args in (["show"], ["tail"], ["list"], ["export", "-f", "csv"]):
        read = _as_nobody(nobody_base.parent, "--db", db, *args)
        assert read.returncode == 0, (args, read.stderr)
        assert "read-only for you" in read.stderr  # the warning says how it was read
    assert "RO" in _as_nobody(nobody_base.parent, "--db", db, "show").stdout


def test_a_read_only_file_is_named(nobody_base: Path) -> None:
    db = nobody_base / "i.db"
    assert (
        _as_nobody(nobody_base.parent, "--db", str(db), "declare", "RO", "-s", "SEV2").returncode
        == 0
    )
    db.chmod(0o444)
    wrote = _as_nobody(nobody_base.parent, "--db", str(db), "note", "x")
    assert wrote.returncode == 1
    assert f"{db} is read-only for you" in wrote.stderr and "Traceback" not in wrote.stderr
    read = _as_nobody(nobody_base.parent, "--db", str(db), "tail")
    assert read.returncode == 0 and "Declared SEV2: RO" in read.stdout


@pytest.fixture
def small_disk() -> Iterator[Path]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount")
    point = Path(tempfile.mkdtemp(prefix="warroom-full-", dir="/tmp"))
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(point)], capture_output=True
    )
    if made.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode()[-200:]}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], capture_output=True)
        point.rmdir()


def test_a_full_disk_is_named_and_reads_still_read(small_disk: Path) -> None:
    db = str(small_disk / "i.db")
    env = {**os.environ, "WARROOM_CONFIG": str(small_disk / "none.toml")}

    def warroom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*WARROOM, "--db", db, *args], capture_output=True, text=True, env=env
        )

    assert warroom("declare", "Disk full", "-s", "SEV2").returncode == 0
    assert warroom("note", "before").returncode == 0
    fd = os.open(small_disk / "fill", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass  # the disk is full
    finally:
        os.close(fd)
    wrote = warroom("note", "on a full disk")
    assert wrote.returncode == 1
    assert f"the disk holding {small_disk} is full" in wrote.stderr, wrote.stderr
    for args in (["tail"], ["show"]):
        read = warroom(*args)
        assert read.returncode == 0, (args, read.stderr)
    assert "before" in warroom("tail").stdout
    (small_disk / "fill").unlink()
    assert warroom("note", "after freeing space").returncode == 0
    assert "after freeing space" in warroom("tail").stdout


def _damage(path: Path) -> None:
    with open(path, "r+b") as f:  # no connection to it is open here
        f.seek(4096 * 5)
        f.write(os.urandom(4096))


def test_a_damaged_file_is_reported_by_init_and_refused_for_writes(
    room: Room, db_path: Path, run: Cli
) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    row = (incident, "2026-11-26T14:00:00.000000+00:00", "a", "a", "note", "x" * 200)
    with room.store.write() as conn:
        q.append_timeline_many(conn, [row] * 300)
    room.store.close()
    _damage(db_path)
    size = db_path.stat().st_size
    for args in (["init"], ["note", "more"], ["status", "resolved"]):
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "is damaged" in result.stderr and "restore it from a backup" in result.stderr
        assert "Database ready" not in result.stdout
    assert db_path.stat().st_size == size


@pytest.mark.parametrize(
    "args", [["list"], ["list", "--all"], ["followup", "list"], ["tail", "-n", "5"]]
)
def test_a_read_of_a_missing_file_is_an_error_not_an_all_clear(
    run: Cli, db_path: Path, args: list[str]
) -> None:
    # A typo in $WARROOM_DB, or the team's file moved away, must not read as "no incidents".
    result = run(*args)
    assert result.exit_code == 1
    assert f"no warroom database at {db_path}" in result.output
    assert "No open incidents" not in result.output
    assert not db_path.exists()


async def test_the_war_room_checks_the_file_after_drawing_and_before_writing(
    room: Room, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`warroom` leaves the damaged-file check until after its first frame (~40 ms at 100k
    entries): the screen still runs it at once and says the file is damaged, and no write
    gets past it. (Real damage is found by check_integrity: the tests above.)"""
    from warroom.errors import DatabaseCorrupt
    from warroom.room import Room as RoomOf
    from warroom.storage import open_store
    from warroom.tui import session

    from .tui_helpers import make_app, settle, until

    incident = actions.declare(room, "Checkout down", "SEV2")
    room.store.close()
    checked: list[Path] = []

    def damaged(store) -> None:
        checked.append(store.path)
        raise DatabaseCorrupt(f"{store.path} is damaged (test); nothing was written", "X")

    monkeypatch.setattr(session, "check_integrity", damaged)
    store = open_store(db_path)
    store.check_pending = True  # as `warroom` opens it (cli/common.py, check_later)
    app = make_app(RoomOf(store, room.actor, room.settings, room.clock), incident)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: "is damaged" in app.main.problem, "the damage said")
            assert checked  # without any write
            before = len(checked)
            await pilot.press("n")
            await pilot.press(*"rollback started", "enter")
            await settle(pilot)
            assert "is damaged" in app.notices[-1]
            assert len(checked) > before  # checked again for the write, which it refused
        with store.read() as conn:
            notes = [r[0] for r in conn.execute("SELECT text FROM timeline WHERE kind = 'note'")]
    finally:
        store.close()
    assert "rollback started" not in notes


async def test_a_whole_file_is_checked_once_and_written(room: Room, db_path: Path) -> None:
    from warroom.room import Room as RoomOf
    from warroom.storage import open_store

    from .tui_helpers import make_app, settle

    incident = actions.declare(room, "Checkout down", "SEV2")
    room.store.close()
    store = open_store(db_path)
    store.check_pending = True
    app = make_app(RoomOf(store, room.actor, room.settings, room.clock), incident)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert not store.check_pending  # checked after the first frame, and found whole
            await pilot.press("n")
            await pilot.press(*"rollback started", "enter")
            await settle(pilot)
            assert app.main.timeline.texts()[-1] == "rollback started"
            assert not app.main.problem
    finally:
        store.close()


async def test_a_file_that_cannot_be_read_never_says_no_incident(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage that breaks the first read: `n` said "No incident yet: press d to declare
    one." over an incident the file holds (found in a drill on a damaged copy)."""
    from warroom.errors import DatabaseCorrupt
    from warroom.tui.screens import main

    from .tui_helpers import make_app, settle, until

    incident = actions.declare(room, "Checkout down", "SEV2")

    def unreadable(*_args: object, **_kwargs: object) -> None:
        raise DatabaseCorrupt("the file is damaged (test)", "SQLITE_CORRUPT")

    monkeypatch.setattr(main, "load_snapshot", unreadable)
    app = make_app(room, incident)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "damaged" in app.main.problem, "the problem said")
        await pilot.press("n")
        await settle(pilot)
        assert not any("No incident yet" in n for n in app.notices)
        assert "damaged" in app.notices[-1]
