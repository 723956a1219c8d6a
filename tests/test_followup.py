"""`warroom followup add|done|list`, due dates, and the follow-up read model."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock
from warroom import actions, views
from warroom.domain import parse_due
from warroom.errors import BadInput
from warroom.room import Room

LOGIN = pwd.getpwuid(os.getuid()).pw_name  # the login the CLI records beside --as


def declare(run: Cli, title: str = "Checkout down") -> str:
    return run.ok("declare", title, "-s", "SEV2").stdout.strip().splitlines()[-1]


def state(db_path: Path) -> tuple[list[tuple], int]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT id, incident_id, text, owner, due, done_at FROM followups ORDER BY id"
        ).fetchall()
        return rows, conn.execute("SELECT count(*) FROM timeline").fetchone()[0]
    finally:
        conn.close()


NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


def test_parse_due() -> None:
    assert parse_due("2026-12-24", NOW) == "2026-12-24"
    assert parse_due(" +7d ", NOW) == "2026-12-03"
    assert parse_due("+2w", NOW) == "2026-12-10"
    assert parse_due("+0d", NOW) == "2026-11-26"
    for bad in ("", "tomorrow", "24.12.2026", "2026-02-30", "2026-1-5", "+7", "7d", "+d", "-7d"):
        with pytest.raises(BadInput):
            parse_due(bad, NOW)


def test_parse_due_counts_from_the_local_date(monkeypatch: pytest.MonkeyPatch) -> None:
    # 23:30 UTC on the 26th is already the 27th in Tokyo.
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    assert parse_due("+1d", datetime(2026, 11, 26, 23, 30, tzinfo=UTC)) == "2026-11-28"


def test_add_ticks_checklist_and_logs(run: Cli, db_path: Path) -> None:
    ref = declare(run)
    result = run.ok("followup", "add", "Alert on", "tokeniser timeouts", "--owner", "jonas",
                    "--due", "+7d")  # fmt: skip
    assert result.stdout.strip() == f"Follow-up #1 added to {ref}."
    rows, _ = state(db_path)
    assert rows == [(1, 1, "Alert on tokeniser timeouts", "jonas", "2026-12-03", None)]
    shown = json.loads(run.ok("show", "--json").stdout)
    item = next(i for i in shown["checklist"] if i["text"] == "Document follow-up actions")
    assert item["done"] is True
    tail = run.ok("tail", "-n", "2").stdout
    assert "Follow-up #1: Alert on tokeniser timeouts (owner jonas, due 2026-12-03)" in tail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--due", "next week"], "not a due date"),
        (["x", "--due", "2026-02-30"], "not a due date"),
        (["   ", "--owner", "bob"], "empty"),
        (["x", "--owner", " "], "empty"),
        (["x", "--incident", "INC-9"], "no incident INC-9"),
    ],
)
def test_add_bad_input_writes_nothing(
    run: Cli, db_path: Path, args: list[str], message: str
) -> None:
    declare(run)
    before = state(db_path)
    result = run("followup", "add", *args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert state(db_path) == before


def test_followups_stay_listed_across_incidents_until_done(
    run: Cli, clock: FakeClock, db_path: Path
) -> None:
    first = declare(run, "Checkout down")
    run.ok("followup", "add", "Add a canary stage", "--owner", "maya", "--due", "2026-12-01")
    run.ok("status", "resolved")
    clock.advance(minutes=60)
    # No incident is open: follow-ups go to the most recent incident.
    run.ok("followup", "add", "Write the runbook")
    assert [r[1] for r in state(db_path)[0]] == [1, 1]
    second = declare(run, "Search slow")
    run.ok("followup", "add", "Cache warm-up", "--due", "2026-11-20")

    listed = run.ok("followup", "list").stdout.splitlines()
    assert len(listed) == 3
    assert first in listed[0] and "maya" in listed[0] and "due 2026-12-01" in listed[0]
    assert "NO OWNER" in listed[1] and "no due date" in listed[1]
    assert second in listed[2] and "OVERDUE" in listed[2]  # due the 20th; today is the 26th

    assert run.ok("followup", "done", "#1").stdout.strip() == "Follow-up #1 is done."
    listed = run.ok("followup", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed] == ["#2", "#3"]
    everything = run.ok("followup", "list", "--all").stdout.splitlines()
    assert [line.split()[0] for line in everything] == ["#1", "#2", "#3"]
    assert "[x]" in everything[0] and "[ ]" in everything[1] and "[ ]" in everything[2]
    only_first = run.ok("followup", "list", "--all", "--incident", first).stdout.splitlines()
    assert [line.split()[0] for line in only_first] == ["#1", "#2"]


def test_list_json(run: Cli, clock: FakeClock) -> None:
    declare(run)
    run.ok("followup", "add", 'Fix | it, "now"', "--owner", "bob", "--due", "+1w")
    clock.advance(minutes=3)
    run.ok("followup", "done", "1", author="carol")
    assert json.loads(run.ok("followup", "list", "--json").stdout) == []
    data = json.loads(run.ok("followup", "list", "--all", "--json").stdout)
    assert data == [
        {
            "id": 1,
            "incident": "INC-1",
            "text": 'Fix | it, "now"',
            "owner": "bob",
            "due": "2026-12-03",
            "done": True,
            "created_at": "2026-11-26T14:00:00+00:00",
            "created_by": "alice",
            "created_by_login": LOGIN,
            "done_at": "2026-11-26T14:03:00+00:00",
            "done_by": "carol",
            "done_by_login": LOGIN,
        }
    ]


def test_done_undo_and_unknown(run: Cli, db_path: Path) -> None:
    declare(run)
    run.ok("followup", "add", "x")
    assert "already open" in run.ok("followup", "done", "1", "--undo").stdout
    run.ok("followup", "done", "1")
    assert "already done" in run.ok("followup", "done", "1").stdout
    assert run.ok("followup", "done", "1", "--undo").stdout.strip() == "Follow-up #1 is open."
    assert state(db_path)[0][0][5] is None
    before = state(db_path)
    for bad, message in (
        ("7", "no follow-up #7"),
        ("abc", "not a follow-up number"),
        ("0", "not a follow-up number"),
    ):
        result = run("followup", "done", bad)
        assert result.exit_code == 2, bad
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert state(db_path) == before


def test_followup_with_no_incidents(run: Cli) -> None:
    run.ok("init")
    result = run("followup", "add", "x")
    assert result.exit_code == 1
    assert "no incidents yet" in result.stderr
    assert run.ok("followup", "list").stdout.strip() == "No open follow-ups."


def test_list_never_prints_control_sequences(run: Cli) -> None:
    declare(run)
    run.ok("followup", "add", "evil \x1b]52;c;aGk=\x07 text\nsecond line", "--owner", "\x1b[2J")
    out = run.ok("followup", "list").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "evil ␛ text⏎second line" in out
    assert len(out.splitlines()) == 1


def test_followup_read_model(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "x", "SEV3")
    actions.add_followup(room, incident, "a", owner="bob", due="2026-11-25")
    actions.add_followup(room, incident, "b")
    with room.read() as conn:
        items = views.followups(conn)
    assert [(f.id, f.ref, f.owner, f.due_date) for f in items] == [
        (1, "INC-1", "bob", date(2026, 11, 25)),
        (2, "INC-1", None, None),
    ]
    assert items[0].overdue(date(2026, 11, 26)) and not items[0].overdue(date(2026, 11, 25))
    assert not items[1].overdue(date(2030, 1, 1))
