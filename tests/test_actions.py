from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import T0, FakeClock, as_person
from warroom import actions
from warroom.errors import BadInput
from warroom.room import Room
from warroom.storage import queries as q
from warroom.views import entries_after, resolve_incident


def timeline(room: Room, incident_id: int) -> list[tuple[str, str, str]]:
    with room.read() as conn:
        return [(e.kind, e.author, e.text) for e in entries_after(conn, incident_id, 0)]


def row_counts(room: Room) -> dict[str, int]:
    with room.read() as conn:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("incidents", "timeline", "roles", "checklist", "updates", "services")
        }


def test_declare_writes_incident_checklist_and_entry(room: Room) -> None:
    incident_id = actions.declare(room, "  Checkout down ", "sev1", ["checkout"], "customer")
    incident = room.incident(incident_id)
    assert incident.ref == f"INC-{incident_id}"
    assert (incident.title, incident.severity, incident.status) == (
        "Checkout down",
        "SEV1",
        "investigating",
    )
    assert incident.services == ("checkout",)
    assert incident.detection_source == "customer"
    assert incident.declared_at == T0
    assert incident.next_update_due == T0 + timedelta(minutes=10)
    assert [i.text for i in incident.checklist if i.done] == ["Assign severity"]
    entries = timeline(room, incident_id)
    assert entries[0] == ("declared", "alice", "Declared SEV1: Checkout down (services: checkout)")
    assert entries[1][0] == "checklist"


def test_every_entry_is_stamped_with_utc_author_and_login(room: Room, clock: FakeClock) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    clock.advance(minutes=3)
    actions.note(as_person(room, "bob"), incident_id, "hello")
    with room.read() as conn:
        last = entries_after(conn, incident_id, 0)[-1]
        raw = conn.execute("SELECT ts FROM timeline WHERE id = ?", (last.id,)).fetchone()[0]
    assert raw == "2026-11-26T14:03:00.000000+00:00"
    assert (last.author, last.login, last.text) == ("bob", "bob-login", "hello")


def test_assign_ticks_owner_and_logs_handover(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    assert actions.assign(room, incident_id, "owner", "alice")
    assert not actions.assign(room, incident_id, "owner", "alice")
    assert actions.assign(room, incident_id, "owner", "bob")
    assert actions.assign(room, incident_id, "comms", "alice")
    incident = room.incident(incident_id)
    assert incident.roles == {"owner": "bob", "fix_lead": None, "comms": "alice"}
    assert next(i for i in incident.checklist if i.text == "Assign an owner").done
    texts = [t for k, _, t in timeline(room, incident_id) if k == "role"]
    assert texts == [
        "Incident owner: alice",
        "Incident owner: handover from alice to bob",
        "Communications owner: alice",
    ]


def test_first_update_ticks_and_restarts_cadence(room: Room, clock: FakeClock) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    clock.advance(minutes=12)
    assert room.incident(incident_id).next_update_due == T0 + timedelta(minutes=10)
    actions.publish_update(room, incident_id, "Investigating: x\n\nbody", "investigating")
    incident = room.incident(incident_id)
    assert incident.last_update_at == T0 + timedelta(minutes=12)
    assert incident.next_update_due == T0 + timedelta(minutes=42)
    assert next(i for i in incident.checklist if i.text == "Publish first update").done
    clock.advance(minutes=5)
    actions.set_severity(room, incident_id, "SEV1")
    assert room.incident(incident_id).next_update_due == T0 + timedelta(minutes=32)


def test_status_resolve_and_reopen(room: Room, clock: FakeClock) -> None:
    incident_id = actions.declare(room, "x", "SEV3")
    clock.advance(minutes=30)
    assert actions.set_status(room, incident_id, "resolved")
    incident = room.incident(incident_id)
    assert incident.resolved_at == T0 + timedelta(minutes=30)
    assert incident.next_update_due is None
    with room.read() as conn:
        assert resolve_incident(conn, None, after_recovery=True) == incident_id
        with pytest.raises(Exception, match="no open incident"):
            resolve_incident(conn, None, after_recovery=False)
    assert actions.set_status(room, incident_id, "investigating")
    assert room.incident(incident_id).resolved_at is None
    assert timeline(room, incident_id)[-1][2] == "Reopened: resolved → investigating"


def test_triage_records_only_changes_and_ticks_impact(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2", ["api"])
    assert actions.triage(room, incident_id, impact="500s", services=["api", "db"])
    assert not actions.triage(room, incident_id, impact="500s", services=["db"])
    incident = room.incident(incident_id)
    assert incident.impact == "500s"
    assert incident.services == ("api", "db")
    assert next(i for i in incident.checklist if i.text == "Confirm user impact").done
    assert [t for k, _, t in timeline(room, incident_id) if k == "triage"] == [
        "Impact: 500s; Services: +db"
    ]


def test_manual_check_and_undo(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    assert actions.check(room, incident_id, 5)
    assert not actions.check(room, incident_id, 5)
    assert room.incident(incident_id).checklist[4].done_by == "alice"
    assert actions.check(room, incident_id, 5, undo=True)
    assert not room.incident(incident_id).checklist[4].done


def test_mitigation_kinds(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    actions.mitigate(room, incident_id, "to v1.41", "rollback")
    assert timeline(room, incident_id)[-2][2] == "Rolled back a deployment: to v1.41"
    assert room.incident(incident_id).checklist[4].done


@pytest.mark.parametrize(
    "bad",
    [
        lambda r, i: actions.note(r, i, "   "),
        lambda r, i: actions.note(r, 999, "x"),
        lambda r, i: actions.assign(r, i, "janitor", "bob"),
        lambda r, i: actions.assign(r, i, "owner", " "),
        lambda r, i: actions.set_severity(r, i, "SEV0"),
        lambda r, i: actions.set_status(r, i, "done"),
        lambda r, i: actions.check(r, i, 42),
        lambda r, i: actions.triage(r, i),
        lambda r, i: actions.triage(r, i, impact=""),
        lambda r, i: actions.mitigate(r, i, "x", "prayer"),
        lambda r, i: actions.declare(r, "", "SEV1"),
        lambda r, i: actions.declare(r, "x", "SEV1", source="rumour"),
    ],
)
def test_bad_input_writes_nothing(room: Room, bad) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    before = row_counts(room)
    with pytest.raises(BadInput):
        bad(room, incident_id)
    assert row_counts(room) == before


def test_failure_inside_action_rolls_back_state_and_entry(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    before = row_counts(room)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(q, "append_timeline", broken)
    with pytest.raises(RuntimeError):
        actions.assign(room, incident_id, "owner", "bob")
    assert row_counts(room) == before
    assert room.incident(incident_id).roles["owner"] is None


def test_followups_tick_and_complete(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    fid = actions.add_followup(
        room, incident_id, "Add a canary stage", owner="bob", due="2026-12-01"
    )
    assert room.incident(incident_id).checklist[5].done
    assert actions.complete_followup(room, fid)
    assert not actions.complete_followup(room, fid)
    with pytest.raises(BadInput):
        actions.complete_followup(room, 999)
    kinds = [t for k, _, t in timeline(room, incident_id) if k == "followup"]
    assert kinds == [
        f"Follow-up #{fid}: Add a canary stage (owner bob, due 2026-12-01)",
        f"Follow-up #{fid} done: Add a canary stage",
    ]


def test_active_incident_is_latest_unresolved(room: Room, clock: FakeClock) -> None:
    first = actions.declare(room, "a", "SEV2")
    clock.advance(minutes=1)
    second = actions.declare(room, "b", "SEV3")
    with room.read() as conn:
        assert resolve_incident(conn, None, after_recovery=False) == second
    actions.set_status(room, second, "resolved")
    with room.read() as conn:
        assert resolve_incident(conn, None, after_recovery=False) == first
        assert resolve_incident(conn, "INC-2", after_recovery=False) == second
        assert resolve_incident(conn, "2", after_recovery=False) == second
