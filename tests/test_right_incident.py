"""Issue 11 part 1: with several incidents open, commands never guess which one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock
from tests.test_follow import Follower, cli, follow, followers, live_room
from warroom import actions

__all__ = ["followers"]  # the fixture, imported for its name


def count_entries(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("select count(*) from timeline").fetchone()[0])


@pytest.fixture
def two_open(run: Cli, clock: FakeClock) -> Cli:
    run.ok("declare", "Checkout returns 500s", "-s", "SEV2")
    run.ok("assign", "owner", "maya")
    clock.advance(minutes=3)
    run.ok("declare", "Login slow", "-s", "SEV3")
    return run


@pytest.mark.parametrize(
    "args",
    [
        ("note", "rollback started"),
        ("mitigate", "-a", "rollback", "v1.41"),
        ("assign", "comms", "priya"),
        ("severity", "SEV1"),
        ("status", "identified"),
        ("check", "1"),
        ("triage", "--impact", "cards fail"),
        ("followup", "add", "write a runbook"),
        ("show",),
        ("tail",),
        ("export",),
    ],
)
def test_several_open_refuses_and_lists_them(
    two_open: Cli, db_path: Path, args: tuple[str, ...]
) -> None:
    before = count_entries(db_path)
    result = two_open(*args)
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert "2 incidents are open" in err and "WARROOM_INCIDENT" in err and "-i REF" in err
    lines = err.splitlines()
    inc1 = next(line for line in lines if "INC-1 " in line)
    inc2 = next(line for line in lines if "INC-2 " in line)
    assert "SEV2" in inc1 and "maya" in inc1 and "Checkout returns 500s" in inc1
    assert "SEV3" in inc2 and "NO OWNER" in inc2 and "Login slow" in inc2
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert count_entries(db_path) == before


def test_warroom_incident_picks_one_for_the_shell(
    two_open: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_INCIDENT", "INC-1")
    result = two_open.ok("note", "errors began after deploy")
    assert result.stdout.startswith("Noted on INC-1 (#")
    with sqlite3.connect(db_path) as conn:
        row = conn.execute("select incident_id, text from timeline order by id desc").fetchone()
    assert row == (1, "errors began after deploy")
    # -i still wins over the environment.
    assert two_open.ok("note", "-i", "2", "other one").stdout.startswith("Noted on INC-2 (#")


def test_bad_warroom_incident_is_a_usage_error(
    two_open: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = count_entries(db_path)
    monkeypatch.setenv("WARROOM_INCIDENT", "INC-99")
    result = two_open("note", "lost?")
    assert result.exit_code == 2
    assert "WARROOM_INCIDENT='INC-99'" in result.stderr and "no incident INC-99" in result.stderr
    assert count_entries(db_path) == before


def test_one_open_incident_needs_no_choice(run: Cli, clock: FakeClock) -> None:
    run.ok("declare", "Old one", "-s", "SEV3")
    run.ok("status", "resolved")
    run.ok("declare", "Checkout down", "-s", "SEV2")
    assert run.ok("note", "hello").stdout.startswith("Noted on INC-2 (#")


def test_every_acknowledgement_names_the_incident(run: Cli) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    outputs = [
        run.ok("note", "n").stdout,
        run.ok("mitigate", "m").stdout,
        run.ok("assign", "owner", "maya").stdout,
        run.ok("assign", "owner", "maya").stdout,
        run.ok("severity", "SEV1").stdout,
        run.ok("severity", "SEV1").stdout,
        run.ok("status", "identified").stdout,
        run.ok("status", "identified").stdout,
        run.ok("check", "1").stdout,
        run.ok("check", "1").stdout,
        run.ok("triage", "--impact", "x").stdout,
        run.ok("triage", "--impact", "x").stdout,
    ]
    for out in outputs:
        assert "INC-1" in out, out


def test_tail_f_of_one_incident_tells_when_another_is_declared(
    db_path: Path, followers: list[Follower]
) -> None:
    room = live_room(db_path)
    first = actions.declare(room, "Checkout returns 500s", "SEV2")
    follower = follow(followers, db_path, "INC-1")
    follower.wait_line("== INC-1")
    cli(db_path, "declare", "Payments [bold]down", "-s", "SEV1", author="omar")
    line = follower.wait_line("another incident")
    assert "INC-2" in line and "omar" in line and "Payments [bold]down" in line
    assert "warroom tail INC-2 -f" in line
    # Entries of the other incident are still not followed here.
    cli(db_path, "note", "-i", "2", "only on two", author="omar")
    actions.note(room, first, "marker on one")
    follower.wait_line("marker on one")
    assert not any("only on two" in line for line in follower.lines)
    assert sum("another incident" in line for line in follower.lines) == 1
    code, _ = follower.interrupt()
    assert code == 0


def test_the_war_room_never_guesses_either(two_open: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import warroom.tui.run

    opened: list[int | None] = []
    monkeypatch.setattr(
        warroom.tui.run,
        "run_tui",
        lambda room, incident_id=None, readonly=False: opened.append(incident_id) or 0,
    )
    result = two_open()  # bare `warroom`: two open, none chosen
    assert result.exit_code == 2 and opened == []
    assert "INC-1" in result.output and "INC-2" in result.output
    assert two_open("-i", "INC-1").exit_code == 0
    monkeypatch.setenv("WARROOM_INCIDENT", "INC-1")
    assert two_open().exit_code == 0
    assert opened == [1, 1]  # -i, then $WARROOM_INCIDENT: the older incident, not the newest


def test_i_before_a_command_is_refused_not_ignored(two_open: Cli, db_path: Path) -> None:
    before = count_entries(db_path)
    result = two_open("-i", "INC-1", "note", "hello")
    assert result.exit_code == 2
    assert "warroom note -i INC-1" in result.output
    assert count_entries(db_path) == before
