"""Alerts stored and triaged: dedup, resolve, timeline evidence, attach, dismiss, declare from
an alert, from the actions and from the shell."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0, Cli, FakeClock, as_person
from warroom import actions, alert_actions, alert_views, views
from warroom.alerts import AlertIn
from warroom.config import ConfigError, parse_settings
from warroom.errors import BadInput, DatabaseError
from warroom.metrics import load_metrics
from warroom.room import Actor, Room
from warroom.storage import Store, open_store
from warroom.storage.schema import MIGRATIONS, SCHEMA_VERSION, ensure_current


def fire(
    name: str = "HighErrorRate", fp: str = "fp1", minutes_ago: float = 10, **kw: object
) -> AlertIn:
    fields: dict[str, object] = {
        "source": "alertmanager",
        "fingerprint": fp,
        "name": name,
        "status": "firing",
        "service": "checkout",
        "summary": "5xx above 5%",
        "starts_at": T0 - timedelta(minutes=minutes_ago),
    }
    fields.update(kw)
    return AlertIn(**fields)  # type: ignore[arg-type]


def resolve(alert: AlertIn, ends_at_minutes: float = 0) -> AlertIn:
    return AlertIn(
        source=alert.source,
        fingerprint=alert.fingerprint,
        name=alert.name,
        status="resolved",
        service=alert.service,
        summary=alert.summary,
        starts_at=alert.starts_at,
        ends_at=T0 + timedelta(minutes=ends_at_minutes),
    )


@pytest.fixture
def receiver(room: Room) -> Room:
    return Room(room.store, Actor("alertmanager", "svc"), room.settings, room.clock)


def listed(room: Room, include_all: bool = False) -> list[alert_views.Alert]:
    with room.read() as conn:
        return alert_views.list_alerts(conn, include_all=include_all)


def firing(room: Room) -> int:
    with room.read() as conn:
        return alert_views.firing_count(conn)


def alert_entries(room: Room, incident_id: int) -> list[str]:
    with room.read() as conn:
        return [e.text for e in views.tail(conn, incident_id, 100) if e.kind == "alert"]


def test_the_same_alert_again_updates_its_row(receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    result = alert_actions.ingest(receiver, [fire(summary="5xx above 9%")])
    assert (result.new, result.updated, result.fired) == (0, 1, 0)
    (row,) = listed(receiver, include_all=True)
    assert (row.count, row.status, row.summary) == (2, "firing", "5xx above 9%")
    # Another source with the same fingerprint is another alert.
    alert_actions.ingest(receiver, [fire(source="grafana")])
    assert len(listed(receiver, include_all=True)) == 2


def test_resolved_closes_it(receiver: Room, clock: FakeClock) -> None:
    alert = fire()
    alert_actions.ingest(receiver, [alert])
    assert firing(receiver) == 1
    result = alert_actions.ingest(receiver, [resolve(alert)])
    assert result.resolved == 1
    assert firing(receiver) == 0
    (row,) = listed(receiver, include_all=True)
    assert row.status == "resolved" and row.ends_at == T0
    assert listed(receiver) == []


def test_attached_alert_writes_resolve_and_refire_on_its_incident(
    room: Room, receiver: Room, clock: FakeClock
) -> None:
    incident = actions.declare(room, "Checkout fails", "SEV2")
    alert = fire(minutes_ago=0)
    alert_actions.ingest(receiver, [alert])
    assert alert_actions.attach(room, 1, incident)
    assert firing(room) == 0  # attached to an open incident: no longer needs triage
    clock.advance(minutes=42)
    alert_actions.ingest(receiver, [resolve(alert, ends_at_minutes=42)])
    # A repeated resolved notification writes nothing more.
    alert_actions.ingest(receiver, [resolve(alert, ends_at_minutes=42)])
    clock.advance(minutes=5)
    alert_actions.ingest(receiver, [fire(minutes_ago=-47, summary="5xx back at 6%")])
    texts = alert_entries(room, incident)
    assert texts == [
        "Alert attached: HighErrorRate (checkout), firing since 14:00 UTC: 5xx above 5%",
        "Alert resolved: HighErrorRate (checkout) after 42m",
        "Alert firing again: HighErrorRate (checkout): 5xx back at 6%",
    ]
    with room.read() as conn:
        entry = views.tail(conn, incident, 1)[0]
    assert entry.author == "alertmanager" and entry.login == "svc"
    (row,) = listed(room, include_all=True)
    assert row.fired_count == 2 and row.count == 4


def test_a_late_firing_copy_does_not_reopen_a_resolved_alert(receiver: Room) -> None:
    alert = fire()
    alert_actions.ingest(receiver, [alert])
    alert_actions.ingest(receiver, [resolve(alert)])
    alert_actions.ingest(receiver, [alert])  # same startsAt as before the resolution
    (row,) = listed(receiver, include_all=True)
    assert row.status == "resolved"


def test_one_request_is_one_transaction(receiver: Room) -> None:
    broken = fire(fp="fp2", status="sideways")  # violates the table's CHECK
    with pytest.raises(DatabaseError, match="CHECK constraint failed"):
        alert_actions.ingest(receiver, [fire(), broken])
    assert listed(receiver, include_all=True) == []


def test_dismiss_takes_it_out_of_triage_until_it_fires_again(
    room: Room, receiver: Room, clock: FakeClock
) -> None:
    alert = fire()
    alert_actions.ingest(receiver, [alert])
    with pytest.raises(BadInput, match="reason is empty"):
        alert_actions.dismiss(room, 1, "  ")
    assert alert_actions.dismiss(room, 1, "known flapping probe")
    assert not alert_actions.dismiss(room, 1, "again")
    assert firing(room) == 0
    (row,) = listed(room, include_all=True)
    assert (row.dismissed_by, row.dismiss_reason) == ("alice", "known flapping probe")
    with room.read() as conn:
        logins = conn.execute("SELECT dismissed_login, attached_login FROM alerts").fetchone()
    assert logins == ("alice-login", None)
    with room.read() as conn:
        log = conn.execute("SELECT action, author, login, reason FROM alert_log").fetchall()
    assert log == [("dismissed", "alice", "alice-login", "known flapping probe")]
    # Repeats of the same firing stay dismissed; a new firing after resolving comes back.
    alert_actions.ingest(receiver, [alert])
    assert firing(room) == 0
    alert_actions.ingest(receiver, [resolve(alert)])
    clock.advance(minutes=3)
    alert_actions.ingest(receiver, [fire(minutes_ago=-3)])
    assert firing(room) == 1


def test_the_alert_log_is_append_only(room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    alert_actions.dismiss(room, 1, "noise")
    with pytest.raises(DatabaseError, match="append-only"), room.store.write() as conn:
        conn.execute("UPDATE alert_log SET reason = 'x'")


def test_an_alert_on_an_open_incident_cannot_be_dismissed(room: Room, receiver: Room) -> None:
    incident = actions.declare(room, "Checkout fails", "SEV2")
    alert_actions.ingest(receiver, [fire()])
    alert_actions.attach(room, 1, incident)
    with pytest.raises(BadInput, match="attached to INC-1"):
        alert_actions.dismiss(room, 1, "noise")


def test_firing_alert_of_a_resolved_incident_needs_triage_again(room: Room, receiver: Room) -> None:
    incident = actions.declare(room, "Checkout fails", "SEV2")
    alert_actions.ingest(receiver, [fire()])
    alert_actions.attach(room, 1, incident)
    assert firing(room) == 0
    actions.set_status(room, incident, "resolved")
    assert firing(room) == 1


def test_moving_an_alert_logs_on_both_incidents(room: Room, receiver: Room) -> None:
    first = actions.declare(room, "One", "SEV3")
    second = actions.declare(room, "Two", "SEV3")
    alert_actions.ingest(receiver, [fire()])
    alert_actions.attach(room, 1, first)
    assert not alert_actions.attach(room, 1, first)
    alert_actions.attach(room, 1, second)
    assert alert_entries(room, first)[-1] == "Alert moved to INC-2: HighErrorRate (checkout)"
    assert alert_entries(room, second)[0].startswith("Alert attached: HighErrorRate")


def test_declare_from_alert(room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire(minutes_ago=25)])
    incident_id = alert_actions.declare_from_alert(room, 1, "sev2")
    incident = room.incident(incident_id)
    assert incident.title == "HighErrorRate: 5xx above 5%"
    assert incident.services == ("checkout",)
    assert incident.detection_source == "monitoring"
    assert incident.impact_started_at == T0 - timedelta(minutes=25)
    assert firing(room) == 0
    (row,) = listed(room, include_all=True)
    assert row.incident_id == incident_id
    with room.read() as conn:
        kinds = [e.kind for e in views.tail(conn, incident_id, 10)]
        metrics = load_metrics(conn, incident_id, room.settings, room.now())
    assert kinds == ["declared", "checklist", "triage", "alert"]
    assert metrics.time_from_first_alert == timedelta(minutes=25)
    assert ("Time from first alert to declaration", "25m") in [
        (label.split(" (")[0], value) for label, value in metrics.rows()
    ]


def test_declare_from_unknown_alert_writes_nothing(room: Room) -> None:
    with pytest.raises(BadInput, match="no alert 9"):
        alert_actions.declare_from_alert(room, 9, "SEV2")
    with room.read() as conn:
        assert views.list_incidents(conn, include_resolved=True) == []


def test_metrics_without_alerts_say_so(room: Room) -> None:
    incident = actions.declare(room, "Found by a customer", "SEV3")
    with room.read() as conn:
        metrics = load_metrics(conn, incident, room.settings, room.now())
    assert metrics.time_from_first_alert is None
    assert metrics.to_json()["time_from_first_alert_seconds"] is None


def test_alerts_table_added_to_an_older_file(tmp_path: Path) -> None:
    # A file at the version just before the alerts migration, with an incident in it.
    position = next(i for i, m in enumerate(MIGRATIONS) if m.__name__ == "_alerts")
    older = tmp_path / "older.db"
    conn = sqlite3.connect(older, isolation_level=None)
    ensure_current(Store(conn, older, readonly=False), target=position)
    conn.execute(
        "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
        " VALUES ('kept', 'SEV3', 'investigating', '2026-11-26T14:00:00+00:00', 'a')"
    )
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alerts'").fetchone() is None
    conn.close()
    upgraded = open_store(older)
    version = upgraded.conn.execute("PRAGMA user_version").fetchone()[0]
    count = upgraded.conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
    title = upgraded.conn.execute("SELECT title FROM incidents").fetchone()[0]
    upgraded.close()
    assert (version, count, title) == (SCHEMA_VERSION, 0, "kept")


def test_config_alerts_table(tmp_path: Path) -> None:
    settings = parse_settings(
        {"alerts": {"token": "x" * 20, "service_labels": ["app", "job"]}}, tmp_path / "c.toml"
    )
    assert settings.alerts.token == "x" * 20
    assert settings.alerts.service_labels == ("app", "job")
    with pytest.raises(ConfigError, match="at least 16"):
        parse_settings({"alerts": {"token": "short"}}, tmp_path / "c.toml")
    with pytest.raises(ConfigError, match=r"unknown key alerts\.tokn"):
        parse_settings({"alerts": {"tokn": "x" * 20}}, tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="service_labels"):
        parse_settings({"alerts": {"service_labels": []}}, tmp_path / "c.toml")


# --- from the shell -------------------------------------------------------------------------


def test_cli_list_attach_dismiss_declare(run: Cli, room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire(), fire("DiskFull", "fp2", service=None, summary=None)])
    out = run.ok("alerts", "list").output
    assert "HighErrorRate (checkout)  firing 10m" in out and "DiskFull" in out
    objects = json.loads(run.ok("alerts", "list", "--json").output)
    assert set(objects[0]) >= {
        "id", "source", "fingerprint", "name", "status", "service", "summary", "starts_at",
        "ends_at", "url", "count", "incident",
    }  # fmt: skip
    assert {o["name"] for o in objects} == {"HighErrorRate", "DiskFull"}

    result = run("alerts", "dismiss", "2")
    assert result.exit_code == 2  # the reason is required
    run.ok("alerts", "dismiss", "2", "disk", "cleanup", "running")
    assert [o["name"] for o in json.loads(run.ok("alerts", "list", "--json").output)] == [
        "HighErrorRate"
    ]
    everything = json.loads(run.ok("alerts", "list", "--all", "--json").output)
    assert {o["dismiss_reason"] for o in everything} == {None, "disk cleanup running"}

    out = run.ok("declare", "--from-alert", "1", "--severity", "SEV2").output
    assert out.splitlines()[-1] == "INC-1"
    by_id = {o["id"]: o for o in json.loads(run.ok("alerts", "list", "--all", "--json").output)}
    assert (by_id[1]["incident"], by_id[2]["incident"]) == ("INC-1", None)
    shown = json.loads(run.ok("show", "--json").output)
    assert shown["title"] == "HighErrorRate: 5xx above 5%" and shown["services"] == ["checkout"]


def test_cli_attach_to_the_active_incident(run: Cli, room: Room, receiver: Room) -> None:
    run.ok("declare", "Checkout fails", "-s", "SEV2")
    alert_actions.ingest(receiver, [fire()])
    assert "attached to INC-1" in run.ok("alerts", "attach", "1").output
    assert "already attached" in run.ok("alerts", "attach", "#1", "-i", "INC-1").output
    tail = run.ok("tail").output
    assert "Alert attached: HighErrorRate (checkout)" in tail


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alerts", "attach", "x"), "not an alert id"),
        (("alerts", "attach", "7", "-i", "1"), "no incident INC-1"),
        (("alerts", "dismiss", "7", "why"), "no alert 7"),
        (("declare", "--from-alert", "7", "-s", "SEV2"), "no alert 7"),
        (("declare", "-s", "SEV2"), "give a TITLE"),
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(
    run: Cli, room: Room, args: tuple[str, ...], message: str
) -> None:
    # `room`: the file exists (with no file at all, commands say that first).
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_listing_survives_odd_rows(run: Cli, room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    with room.store.write() as conn:
        conn.execute(
            "UPDATE alerts SET labels = 'not json', starts_at = 'garbage', summary = ?",
            ("\x1b]52;c;aGk=\x07[bold]x[/]",),
        )
    out = run.ok("alerts", "list").output
    assert "\x1b" not in out and "␛" in out
    assert json.loads(run.ok("alerts", "list", "--json").output)[0]["labels"] == {}


def test_people_dismissing_are_who_they_say(room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    alert_actions.dismiss(as_person(room, "omar"), 1, "test alert")
    (row,) = listed(room, include_all=True)
    assert row.dismissed_by == "omar"


def test_postmortem_and_json_export_list_attached_alerts(
    room: Room, receiver: Room, clock: FakeClock
) -> None:
    from io import StringIO

    from warroom.export import write_export

    alert = fire(minutes_ago=30, url="https://grafana.example/d/x?a=[b]")
    alert_actions.ingest(receiver, [alert, fire("Unrelated", "fp9")])
    incident = alert_actions.declare_from_alert(room, 1, "SEV2")
    alert_actions.ingest(receiver, [fire("LatencyHigh", "fp3", minutes_ago=5)])
    alert_actions.attach(room, 3, incident)
    clock.advance(minutes=12)
    alert_actions.ingest(receiver, [resolve(alert, ends_at_minutes=12)])
    out = StringIO()
    write_export(room, incident, "markdown", out)
    text = out.getvalue()
    assert (
        "- **HighErrorRate (checkout)** (alertmanager): fired 2026-11-26 13:30 UTC, resolved"
        " 2026-11-26 14:12 UTC after 42m. 5xx above 5% (https://grafana.example/d/x?a=\\[b\\])\n"
        "- **LatencyHigh (checkout)** (alertmanager): fired 2026-11-26 13:55 UTC, still firing"
        " (17m). 5xx above 5%\n" in text
    )
    assert "Unrelated" not in text
    assert "| Time from first alert to declaration (alert fired → declared) | 30m |" in text
    out = StringIO()
    write_export(room, incident, "json", out)
    document = json.loads(out.getvalue())
    assert [a["name"] for a in document["alerts"]] == ["HighErrorRate", "LatencyHigh"]
    assert document["metrics"]["time_from_first_alert_seconds"] == 1800


def test_cli_declare_from_alert_with_own_title_and_more_services(
    run: Cli, room: Room, receiver: Room
) -> None:
    alert_actions.ingest(receiver, [fire()])
    run.ok(
        "declare",
        "--from-alert",
        "1",
        "-s",
        "1",
        "--service",
        "payments",
        "Card",
        "payments",
        "fail",
    )
    shown = json.loads(run.ok("show", "--json").output)
    assert (shown["title"], shown["severity"], shown["services"]) == (
        "Card payments fail",
        "SEV1",
        ["checkout", "payments"],
    )
    assert shown["detection_source"] == "monitoring"
    assert shown["impact_started_at"] == (T0 - timedelta(minutes=10)).isoformat()


def test_show_lists_attached_alerts(run: Cli, room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    run.ok("declare", "--from-alert", "1", "-s", "SEV2")
    out = run.ok("show").output
    assert "Alerts:\n  #1 HighErrorRate (checkout)  firing 10m (since 13:50)" in out
    shown = json.loads(run.ok("show", "--json").output)
    assert [(a["id"], a["status"]) for a in shown["alerts"]] == [(1, "firing")]
    run.ok("declare", "No alerts here", "-s", "SEV3")
    # Two incidents are open now: show is told which (it refuses to guess).
    assert "Alerts:" not in run.ok("show", "INC-2").output
    assert json.loads(run.ok("show", "INC-2", "--json").output)["alerts"] == []


def test_a_second_declaration_from_the_same_alert_is_refused(room: Room, receiver: Room) -> None:
    alert_actions.ingest(receiver, [fire()])
    first = alert_actions.declare_from_alert(room, 1, "SEV2")
    with pytest.raises(BadInput, match="already on INC-1, which is open"):
        alert_actions.declare_from_alert(as_person(room, "omar"), 1, "SEV1")
    with room.read() as conn:
        assert len(views.list_incidents(conn, include_resolved=True)) == 1
    # Once that incident is resolved, the alert firing on is a new question.
    actions.set_status(room, first, "resolved")
    assert alert_actions.declare_from_alert(room, 1, "SEV2") == 2


def test_the_same_alert_twice_in_one_call_reads_its_own_write(receiver: Room) -> None:
    alert = fire()
    result = alert_actions.ingest(receiver, [alert, resolve(alert), fire("Other", "fp2")])
    assert (result.new, result.updated, result.resolved) == (2, 1, 1)
    rows = {a.fingerprint: a for a in listed(receiver, include_all=True)}
    assert (rows["fp1"].status, rows["fp1"].count, rows["fp2"].status) == ("resolved", 2, "firing")


def test_a_stored_start_without_an_offset_does_not_break_the_next_notification(
    receiver: Room, db_path: Path
) -> None:
    # Any member can write the row by hand; a naive time could not be compared with an aware
    # one, and every later notification of the alert failed (a 500 to the sender).
    alert = fire()
    alert_actions.ingest(receiver, [alert])
    alert_actions.ingest(receiver, [resolve(alert)])
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alerts SET starts_at = '2026-11-26T13:50:00'")
    alert_actions.ingest(receiver, [fire(minutes_ago=1)])
    [row] = listed(receiver)
    assert row.status == "firing"
