"""Clear answers: the real error, usage errors for empty options, EPIPE is not a failure, a
failing command leaves no new file, impossible times refused."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
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
