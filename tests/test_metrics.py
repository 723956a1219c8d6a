"""Response metrics on scripted incidents with an injected clock, and the impact start
(`triage --started`) they begin from."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import T0, Cli, FakeClock
from warroom import actions, views
from warroom.domain import parse_started
from warroom.errors import BadInput
from warroom.metrics import compute_metrics, load_metrics
from warroom.room import Room


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def metrics_of(room: Room, incident_id: int):
    with room.read() as conn:
        return load_metrics(conn, incident_id, room.settings, room.now())


def scripted_incident(room: Room, clock: FakeClock) -> int:
    """Declared 14:00 as SEV2, impact from 13:40; SEV1 14:07-14:35, then SEV3; resolved 15:50,
    reopened 15:55, resolved again 16:05. Updates at 14:12, 14:30 and 15:40."""
    incident = actions.declare(room, "Checkout down", "SEV2")  # 14:00
    clock.advance(minutes=1)  # 14:01
    actions.triage(room, incident, started=T0 - minutes(20))
    clock.advance(minutes=3)  # 14:04
    actions.triage(room, incident, impact="Card payments fail", affected="1 in 5")
    clock.advance(minutes=3)  # 14:07
    actions.set_severity(room, incident, "SEV1")
    clock.advance(minutes=5)  # 14:12; first update was due at 14:10 (10 min at SEV1)
    actions.publish_update(room, incident, "We are investigating.")
    clock.advance(minutes=8)  # 14:20
    actions.mitigate(room, incident, "rolled back", "rollback")
    clock.advance(minutes=10)  # 14:30; due 14:32 (20 min after 14:12 at SEV1): on time
    actions.publish_update(room, incident, "Fix rolling out.")
    clock.advance(minutes=5)  # 14:35
    actions.set_severity(room, incident, "SEV3")
    # 15:40: the 14:30 update promised customers 14:50 (20 min at SEV1); lowering the severity
    # does not move what they were told, so it is 50 min late.
    clock.advance(minutes=65)
    actions.publish_update(room, incident, "Monitoring.")
    clock.advance(minutes=10)  # 15:50
    actions.set_status(room, incident, "resolved")
    clock.advance(minutes=5)  # 15:55
    actions.set_status(room, incident, "investigating")
    clock.advance(minutes=10)  # 16:05
    actions.set_status(room, incident, "resolved")
    clock.advance(minutes=55)  # 17:00: later reads must not stretch a resolved incident
    return incident


def test_scripted_incident_metrics(room: Room, clock: FakeClock) -> None:
    incident = scripted_incident(room, clock)
    m = metrics_of(room, incident)

    assert m.impact_started_at == T0 - minutes(20)
    assert m.time_to_declare == minutes(20)  # 13:40 -> 14:00
    assert m.time_to_confirm_impact == minutes(4)  # the triage at 14:04, not the one at 14:01
    assert m.time_to_first_update == minutes(12)
    assert m.time_to_mitigate == minutes(20)
    assert m.resolved_at == T0 + minutes(125)  # the last move to resolved, 16:05
    assert m.time_to_resolve == minutes(125)
    assert m.total_duration == minutes(145)  # 13:40 -> 16:05
    assert not m.ongoing
    # SEV2 14:00-14:07, SEV1 14:07-14:35, SEV3 14:35-15:50 and 15:55-16:05 (not while resolved).
    assert m.time_at_severity == {"SEV1": minutes(28), "SEV2": minutes(7), "SEV3": minutes(85)}
    assert m.updates_published == 3
    assert m.updates_late == 2
    assert [(u.due_at, u.late_by) for u in m.late_updates] == [
        (T0 + minutes(10), minutes(2)),
        (T0 + minutes(50), minutes(50)),
    ]
    assert m.update_missed_due is None  # at 16:05 the next was due only at 16:40


def test_metrics_rows_and_json_show_the_same_numbers(room: Room, clock: FakeClock) -> None:
    m = metrics_of(room, scripted_incident(room, clock))
    rows = dict(m.rows())
    assert rows["Time to declare (impact start → declared)"] == "20m"
    assert rows["Total duration (impact start → resolved)"] == "2h25m"
    assert rows["Time at SEV3"] == "1h25m"
    assert rows["Updates later than the cadence promised"] == "2 (2m late, 50m late)"
    data = m.to_json()
    assert data["time_to_resolve_seconds"] == 125 * 60
    assert data["time_at_severity_seconds"] == {"SEV1": 1680.0, "SEV2": 420.0, "SEV3": 5100.0}
    assert data["updates_late"] == 2
    assert data["resolved_at"] == "2026-11-26T16:05:00+00:00"


def test_metrics_read_only_the_kinds_they_need(room: Room, clock: FakeClock) -> None:
    incident = scripted_incident(room, clock)
    for i in range(5):
        actions.note(room, incident, f"note {i}")
    with room.read() as conn:
        every_entry = views.entries_after(conn, incident, 0)
        shuffled = list(reversed(every_entry))
        full = compute_metrics(
            views.load_incident(conn, incident, room.settings),
            shuffled,
            views.updates(conn, incident),
            room.settings,
            room.now(),
        )
    assert full == metrics_of(room, incident)


def test_open_incident_runs_to_injected_now(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Login fails", "SEV1")
    clock.advance(minutes=25)
    m = metrics_of(room, incident)
    assert m.ongoing and m.end == T0 + minutes(25)
    assert m.total_duration == minutes(25)
    assert m.time_to_declare is None  # no impact start given
    assert m.time_to_resolve is None and m.time_to_mitigate is None
    assert m.time_at_severity == {"SEV1": minutes(25)}
    assert m.updates_published == 0 and m.updates_late == 0
    assert m.update_missed_due == T0 + minutes(10)  # the first update is 15 minutes overdue
    labels = dict(m.rows())
    assert labels["Total duration (declared → now, still open)"] == "25m"
    assert labels["Update owed and not published by now"] == "15m overdue"
    clock.advance(minutes=5)
    assert metrics_of(room, incident).total_duration == minutes(30)


def test_update_owed_at_resolution_and_updates_after_resolution(
    room: Room, clock: FakeClock
) -> None:
    incident = actions.declare(room, "Slow search", "SEV2")
    clock.advance(minutes=15)
    actions.set_status(room, incident, "resolved")  # the first update was due at 14:10
    clock.advance(minutes=30)
    actions.publish_update(room, incident, "Resolved.")  # a resolved incident owes none
    m = metrics_of(room, incident)
    assert m.update_missed_due == T0 + minutes(10)
    assert m.updates_published == 1 and m.updates_late == 0
    assert m.time_to_first_update == minutes(45)
    assert m.total_duration == minutes(15)


def test_sev4_owes_no_updates(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Typo on the about page", "SEV4")
    clock.advance(minutes=300)
    actions.publish_update(room, incident, "Fixed a typo.")
    m = metrics_of(room, incident)
    assert m.updates_late == 0 and m.update_missed_due is None


# --- the impact start ---------------------------------------------------------------------------

NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Local time is CET (UTC+1) in November."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45m ago", NOW - minutes(45)),
        ("-45m", NOW - minutes(45)),
        ("2h ago", NOW - minutes(120)),
        ("1h30m ago", NOW - minutes(90)),
        ("- 1d", NOW - minutes(1440)),
        ("2026-11-26T13:05:00+00:00", datetime(2026, 11, 26, 13, 5, tzinfo=UTC)),
        ("2026-11-26T13:05Z", datetime(2026, 11, 26, 13, 5, tzinfo=UTC)),
        ("2026-11-26T15:05+02:00", datetime(2026, 11, 26, 13, 5, tzinfo=UTC)),
    ],
)
def test_parse_started_absolute_and_relative(text: str, expected: datetime) -> None:
    assert parse_started(text, NOW) == expected


def test_parse_started_local_forms(berlin: None) -> None:
    # 14:00 UTC is 15:00 in Berlin.
    assert parse_started("14:20", NOW) == datetime(2026, 11, 26, 13, 20, tzinfo=UTC)
    assert parse_started("14:20:30", NOW) == datetime(2026, 11, 26, 13, 20, 30, tzinfo=UTC)
    # 15:30 local is still to come today, so it means yesterday.
    assert parse_started("15:30", NOW) == datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    # ISO without an offset is local time too.
    assert parse_started("2026-11-26 14:20", NOW) == datetime(2026, 11, 26, 13, 20, tzinfo=UTC)
    assert parse_started("45m ago", NOW).tzinfo is UTC


@pytest.mark.parametrize(
    "bad", ["", "  ", "yesterday", "45m", "+45m", "25:00", "12:60", "45 ago", "2026-13-01", "-"]
)
def test_parse_started_rejects(bad: str) -> None:
    with pytest.raises(BadInput):
        parse_started(bad, NOW)


def counts(db_path: Path) -> tuple[int, str | None]:
    conn = sqlite3.connect(db_path)
    try:
        entries = conn.execute("SELECT count(*) FROM timeline").fetchone()[0]
        started = conn.execute("SELECT impact_started_at FROM incidents").fetchone()[0]
        return entries, started
    finally:
        conn.close()


def test_triage_started_from_the_cli(run: Cli, clock: FakeClock, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=5)
    assert run.ok("triage", "--started", "30m ago").stdout.strip() == "Triage recorded on INC-1."
    assert counts(db_path)[1] == "2026-11-26T13:35:00.000000+00:00"
    last = run.ok("tail", "-n", "1").stdout
    assert "Impact started: 2026-11-26 13:35:00 UTC" in last
    shown = run.ok("show").stdout
    assert "started" in shown and "13:35" in shown
    # The same start again changes nothing and writes nothing.
    before = counts(db_path)
    assert run.ok("triage", "--started", "2026-11-26T13:35:00Z").stdout.strip() == (
        "Nothing changed on INC-1."
    )
    assert counts(db_path) == before


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tomorrow", "not a time"),
        ("-0m", None),  # now: after the declaration five minutes ago
        ("14:03", "after the declaration"),  # 14:03 today is after 14:00
    ],
)
def test_triage_started_bad_input_writes_nothing(
    run: Cli, clock: FakeClock, db_path: Path, value: str, message: str | None
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=5)
    before = counts(db_path)
    result = run("triage", "--started", value, "--impact", "all card payments fail")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    if message:
        assert message in result.stderr
    assert counts(db_path) == before


def test_triage_started_after_recovery_uses_the_latest_incident(
    run: Cli, clock: FakeClock, db_path: Path
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=30)
    run.ok("status", "resolved")
    run.ok("triage", "--started", "2026-11-26T13:50Z")
    assert counts(db_path)[1] == "2026-11-26T13:50:00.000000+00:00"
    # Other triage facts still need an open incident (or --incident).
    assert run("triage", "--impact", "x").exit_code == 1
    assert run("triage", "--started", "13:00", "--impact", "x").exit_code == 1
    assert counts(db_path)[1] == "2026-11-26T13:50:00.000000+00:00"


def test_action_refuses_naive_start(room: Room) -> None:
    incident = actions.declare(room, "x", "SEV3")
    with pytest.raises(ValueError):
        actions.triage(room, incident, started=datetime(2026, 11, 26, 13, 0))
