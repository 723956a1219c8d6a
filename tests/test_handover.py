"""Issue 11 part 5: handover with acknowledgement, and the catch-up brief."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import Cli, FakeClock
from warroom import actions
from warroom.actions import Actor, Room
from warroom.brief import build_brief, render_brief


def kinds(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute("select kind from timeline order by id")]


def owner(run: Cli) -> str | None:
    return json.loads(run.ok("show", "--json").stdout)["roles"]["owner"]


def responding(run: Cli, clock: FakeClock) -> None:
    run.ok("declare", "Checkout returns 500s", "-s", "SEV2", "--service", "checkout")
    run.ok("assign", "owner", "maya")
    run.ok("triage", "--impact", "Card payments fail", "--affected", "1 in 5")
    clock.advance(minutes=5)
    run.ok("mitigate", "-a", "rollback", "checkout-api back to v1.41")
    run.ok("note", "errors began 2 min after deploy of v1.42")
    clock.advance(minutes=20)


def test_handover_waits_for_ack_then_the_role_moves(
    run: Cli, clock: FakeClock, db_path: Path
) -> None:
    responding(run, clock)
    out = run.ok("handover", "owner", "omar", author="maya").stdout
    assert "over to omar" in out and "maya keeps it" in out and "warroom ack" in out
    assert owner(run) == "maya"  # the outgoing holder keeps it meanwhile
    shown = run.ok("show").stdout
    assert "HANDING OVER: Incident owner maya -> omar" in shown
    pending = json.loads(run.ok("show", "--json").stdout)["handovers"]
    assert [(h["role"], h["from"], h["to"]) for h in pending] == [("owner", "maya", "omar")]
    # Only the named person can acknowledge.
    result = run("ack", author="priya")
    assert result.exit_code == 2 and "no handover to priya" in result.stderr
    assert owner(run) == "maya"
    clock.advance(minutes=2)
    assert "omar now holds incident owner of INC-1" in run.ok("ack", author="omar").stdout
    assert owner(run) == "omar"
    assert kinds(db_path)[-2:] == ["handover", "handover_ack"]
    assert json.loads(run.ok("show", "--json").stdout)["handovers"] == []
    tail = run.ok("tail", "-n", "2").stdout
    assert "handing over from maya to omar" in tail and "omar took over from maya" in tail
    result = run("ack", author="omar")
    assert result.exit_code == 2  # nothing left to acknowledge


def test_handover_refusals_write_nothing(run: Cli, clock: FakeClock, db_path: Path) -> None:
    run.ok("declare", "Checkout returns 500s", "-s", "SEV2")
    before = kinds(db_path)
    result = run("handover", "owner", "omar")
    assert result.exit_code == 2 and "nobody holds incident owner" in result.stderr
    assert "warroom assign owner omar" in result.stderr
    run.ok("assign", "owner", "maya")
    before = kinds(db_path)
    result = run("handover", "owner", "Maya")
    assert result.exit_code == 2 and "already holds" in result.stderr
    result = run("handover", "boss", "omar")
    assert result.exit_code == 2
    assert kinds(db_path) == before


def test_assign_cancels_and_a_new_handover_replaces_a_pending_one(
    run: Cli, clock: FakeClock
) -> None:
    responding(run, clock)
    run.ok("handover", "owner", "omar", author="maya")
    run.ok("handover", "owner", "priya", author="maya")
    pending = json.loads(run.ok("show", "--json").stdout)["handovers"]
    assert [h["to"] for h in pending] == ["priya"]
    assert run("ack", author="omar").exit_code == 2
    run.ok("assign", "owner", "kim")
    assert json.loads(run.ok("show", "--json").stdout)["handovers"] == []
    assert "pending handover to priya cancelled" in run.ok("tail", "-n", "2").stdout
    assert run("ack", author="priya").exit_code == 2
    assert owner(run) == "kim"


def test_ack_finds_the_incident_with_my_handover(run: Cli, clock: FakeClock) -> None:
    responding(run, clock)
    run.ok("declare", "Login slow", "-s", "SEV3")
    run.ok("handover", "owner", "omar", "-i", "1", author="maya")
    assert "of INC-1" in run.ok("ack", author="omar").stdout


def test_brief_is_deterministic_and_complete(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Checkout returns 500s", "SEV2", ["checkout"])
    actions.assign(room, incident, "owner", "maya")
    actions.triage(room, incident, impact="Card payments fail", workaround="PayPal works")
    clock.advance(minutes=3)
    actions.publish_update(room, incident, "We are investigating failed card payments.")
    clock.advance(minutes=4)
    actions.mitigate(room, incident, "checkout-api back to v1.41", "rollback")
    run = actions.CommandRun(
        argv=("kubectl", "rollout", "undo", "deploy/checkout"),
        cwd="/srv",
        host="ops1",
        exit_code=1,
        signal=None,
        duration_s=4.2,
        output="error: no rollout history\n",
    )
    actions.record_command(room, incident, run)
    for i in range(7):
        actions.note(room, incident, f"note {i}" + ("\nsecond line\nthird" if i == 6 else ""))
    actions.add_followup(room, incident, "Alert on tokeniser timeouts", owner="jonas")
    clock.advance(minutes=10)
    with room.read() as conn:
        text = render_brief(build_brief(conn, incident, room.settings, clock()))
        again = render_brief(build_brief(conn, incident, room.settings, clock()))
    assert text == again
    expected_in_order = [
        "Brief for INC-1: Checkout returns 500s",
        "Status:    investigating",
        "Severity:  SEV2",
        "Declared:  14:00 UTC (17m ago)",
        "Last customer update: 14:03 UTC (14m ago)",
        "Next update due: 14:33 UTC (in 16m)",
        "  impact:     Card payments fail",
        "  workaround: PayPal works",
        "  services:   checkout",
        "  Incident owner:       maya",
        "  Fix lead:             (unassigned)",
        "What was tried",
        "  14:07 UTC  alice: Rolled back a deployment: checkout-api back to v1.41",
        "  14:07 UTC  alice: ran kubectl rollout undo deploy/checkout \u2192 exit 1 in 4.2 s",
        "Latest notes",
        "  14:07 UTC  alice: note 2",
        "  14:07 UTC  alice: note 6 (+2 more lines)",
        "Open checklist items",
        "  (all done)",
        "Open follow-ups",
        "  #1 Alert on tokeniser timeouts (jonas)",
        "Last 10 entries",
    ]
    position = -1
    for needle in expected_in_order:
        found = text.find(needle, position + 1)
        assert found > position, (needle, text)
        position = found
    assert "note 1" not in text.split("Latest notes")[1].split("Open checklist")[0]
    last = text.split("Last 10 entries\n")[1].splitlines()
    assert len(last) == 10 and "Follow-up #1: Alert on tokeniser" in last[-2]


def test_brief_since_last_shows_what_changed_for_this_login(
    run: Cli, clock: FakeClock, store: object
) -> None:
    responding(run, clock)
    first = run.ok("brief", "--since-last").stdout
    assert "have not looked before" in first and "Brief for INC-1" in first
    assert "Nothing new since you last looked" in run.ok("brief", "--since-last").stdout
    run.ok("note", "db failover started", author="omar")
    run.ok("severity", "SEV1", author="omar")
    out = run.ok("brief", "--since-last").stdout
    assert "2 new entries" in out and "db failover started" in out and "Severity raised" in out
    changes = out.split("Brief for INC-1")[0]
    assert "errors began" not in changes  # seen before


def test_handover_brief_stored_and_shown_in_full(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Checkout returns 500s", "SEV2")
    actions.assign(room, incident, "comms", "priya")
    maya = Room(room.store, Actor("maya", "maya-login"), room.settings, room.clock)
    actions.handover(maya, incident, "comms", "omar")
    with room.read() as conn:
        from warroom.views import entries_of_kinds, pending_handovers

        (entry,) = entries_of_kinds(conn, incident, ("handover",))
        (pending,) = pending_handovers(conn, incident)
    assert entry.data is not None and entry.data["brief"] == pending.brief
    assert pending.brief.startswith("Brief for INC-1")
    assert "Communications owner: priya" in pending.brief
    assert "  5. Mitigate and monitor (mitigate and recover)" in pending.brief


def test_handover_rows_carry_logins_beside_names(run: Cli, clock: FakeClock, db_path: Path) -> None:
    from warroom.room import unix_login

    responding(run, clock)
    run.ok("handover", "owner", "omar", author="maya")
    run.ok("ack", author="omar")
    with sqlite3.connect(db_path) as conn:
        row = conn.execute(
            "select requested_by, requested_by_login, acked_by, acked_by_login, ended_how"
            " from handovers"
        ).fetchone()
    assert row == ("maya", unix_login(), "omar", unix_login(), "acknowledged")
