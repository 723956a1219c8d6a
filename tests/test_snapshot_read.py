"""A war room refresh is read from one snapshot: a commit landing while the refresh is being
read shows up whole in the next refresh, never half in this one (the timeline without the
update it announced, a person without their entry)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from tests.conftest import FakeClock
from warroom import actions
from warroom.domain import Settings
from warroom.room import Actor, Room
from warroom.storage import open_store
from warroom.tui import data
from warroom.tui.data import TimelineFilter, load_snapshot


def test_a_commit_during_the_refresh_read_is_not_half_seen(
    room: Room, clock: FakeClock, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    actions.note(room, incident, "before the refresh")
    real_people_seen = data.people_seen
    committed: list[int] = []

    def another_process_commits_meanwhile(conn: object, incident_id: int) -> list[str]:
        # Half way through the refresh (incident and timeline read, the rest not yet),
        # another connection publishes an update and notes it.
        with contextlib.closing(open_store(db_path)) as store:
            zoe = Room(store, Actor("zoe", "zoe-login"), Settings(), clock)
            committed.append(actions.publish_update(zoe, incident, "We are investigating."))
            actions.note(zoe, incident, "published the first update")
        return real_people_seen(conn, incident_id)  # type: ignore[arg-type]

    monkeypatch.setattr(data, "people_seen", another_process_commits_meanwhile)
    snapshot = load_snapshot(room, incident, after_id=0, timeline_filter=TimelineFilter())
    assert committed  # the commit really happened during the read

    texts = [e.text for e in snapshot.entries]
    assert texts[-1] == "before the refresh"
    assert "zoe" not in snapshot.people
    assert snapshot.updates == ()
    assert snapshot.version == snapshot.entries[-1].id
    assert snapshot.incident is not None and snapshot.incident.last_update_at is None

    monkeypatch.setattr(data, "people_seen", real_people_seen)
    after = load_snapshot(room, incident, after_id=0, timeline_filter=TimelineFilter())
    assert "zoe" in after.people and len(after.updates) == 1
    assert after.entries[-1].text == "published the first update"
