"""When the next customer update is due, and when it is late, the same on every face.

The rule (warroom.domain): the countdown runs from the last published update (before the
first, from the declaration); an update published at its due time is on time; it is overdue
from the second after. The expected times here are worked out from the default cadences in
the README (SEV2: first update 10 min after declaring, then every 30 min)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.color import Color

from tests.conftest import T0, FakeClock
from tests.tui_helpers import make_app, settle
from warroom import actions
from warroom.brief import build_brief, render_brief
from warroom.cli.follow import format_header, header_json
from warroom.cli.output import due_line
from warroom.domain import is_overdue, update_countdown
from warroom.metrics import load_metrics
from warroom.room import Room
from warroom.tui.widgets.countdown import CountdownPane, countdown_state


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_countdown_runs_from_the_last_published_update(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    assert room.incident(incident).next_update_due == T0 + minutes(10)
    clock.advance(minutes=5)
    actions.publish_update(room, incident, "We are investigating.")
    clock.advance(minutes=15)  # 14:20
    actions.publish_update(room, incident, "Still investigating.")
    clock.advance(minutes=1)  # 14:21
    shown = room.incident(incident)
    # From 14:20, not from the first update at 14:05 (which would say 14:35).
    assert shown.next_update_due == T0 + minutes(50)
    assert countdown_state(shown, clock()) == ("normal", "Next update due in 29:00 (at 14:50)")
    assert "next customer update due 14:50" in due_line(shown, clock(), color=False)


def faces_say_overdue(room: Room, incident: int, now: datetime) -> dict[str, bool]:
    """Whether each face calls the update overdue at `now`."""
    shown = room.incident(incident)
    return {
        "war room countdown": countdown_state(shown, now)[0] == "overdue",
        "show / update": "OVERDUE" in due_line(shown, now, color=False),
        "tail -f header": "OVERDUE" in format_header(shown, now, color=False),
        "tail -f --json": bool(header_json(shown, now)["overdue"]),
        "brief": "OVERDUE" in brief_text(room, incident, now),
    }


def brief_text(room: Room, incident: int, now: datetime) -> str:
    with room.read() as conn:
        return render_brief(build_brief(conn, incident, room.settings, now))


@pytest.mark.parametrize(
    ("after_due", "overdue"),
    [
        (timedelta(seconds=-1), False),
        (timedelta(0), False),  # exactly at the due time: on time
        (timedelta(microseconds=999_999), False),  # still within the due second
        (timedelta(seconds=1), True),  # the second after: overdue, not a minute later
        (timedelta(seconds=59), True),
        (timedelta(minutes=61), True),
    ],
)
def test_every_face_turns_overdue_the_second_after_due(
    room: Room, after_due: timedelta, overdue: bool
) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    due = T0 + minutes(10)
    said = faces_say_overdue(room, incident, due + after_due)
    assert said == dict.fromkeys(said, overdue)


def test_overdue_counts_up_from_the_first_late_second(room: Room) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    due = T0 + minutes(10)
    shown = room.incident(incident)
    assert countdown_state(shown, due)[1] == "First update due in 00:00 (at 14:10)"
    assert countdown_state(shown, due + timedelta(seconds=1))[1] == (
        "First update OVERDUE by 00:01 (was due 14:10)"
    )
    line = due_line(shown, due + timedelta(seconds=1), color=False)
    assert line == "first customer update OVERDUE since 14:10 (1s)"


def test_countdown_warns_in_the_last_five_minutes() -> None:
    due = T0 + minutes(10)
    assert update_countdown(due, due - minutes(5) - timedelta(seconds=1)).state == "normal"
    assert update_countdown(due, due - minutes(5)).state == "warning"
    assert update_countdown(due, due).state == "warning"
    assert update_countdown(None, due).state == "none"


def late_updates(room: Room, incident: int) -> list[tuple[datetime, timedelta]]:
    with room.read() as conn:
        metrics = load_metrics(conn, incident, room.settings, room.now())
    return [(late.due_at, late.late_by) for late in metrics.late_updates]


def test_published_exactly_at_due_is_not_late(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    clock.advance(minutes=10)  # exactly when the first update is due
    actions.publish_update(room, incident, "We are investigating.")
    assert late_updates(room, incident) == []
    clock.advance(minutes=30, seconds=0.5)  # within the due second of the next
    actions.publish_update(room, incident, "Still investigating.")
    assert late_updates(room, incident) == []
    # The 14:40:00.5 update promised 15:10 (promises are whole minutes, as the text shows
    # them); published at 15:10:01.5, more than a second after.
    clock.advance(minutes=30, seconds=1)
    actions.publish_update(room, incident, "Fix rolling out.")
    due = T0 + minutes(70)
    assert late_updates(room, incident) == [(due, timedelta(seconds=1.5))]


def test_resolving_at_the_due_time_owes_nothing(room: Room, clock: FakeClock) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    clock.advance(minutes=10)
    actions.set_status(room, incident, "resolved")
    with room.read() as conn:
        assert load_metrics(conn, incident, room.settings, clock()).update_missed_due is None


def test_the_rule_itself() -> None:
    due = T0
    assert not is_overdue(due, due)
    assert not is_overdue(due, due + timedelta(milliseconds=999))
    assert is_overdue(due, due + timedelta(seconds=1))
    assert not is_overdue(due, due - timedelta(days=1))


async def test_overdue_countdown_is_drawn_in_the_alarm_colour(room: Room, clock: FakeClock) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.query_one(CountdownPane)
        # The colour language's red (tui/palette.py): the theme's $error, made readable.
        alarm = Color.parse(app.get_css_variables()["wr-now-bg"])
        alarm_border = Color.parse(app.get_css_variables()["wr-now"])
        assert pane.state == "normal"
        calm = pane.styles.background
        assert calm != alarm
        clock.advance(minutes=10)  # exactly due: still calm
        app.main.tick()
        await pilot.pause()
        assert pane.state == "warning" and pane.styles.background != alarm
        clock.advance(seconds=1)
        app.main.tick()
        await pilot.pause()
        assert pane.state == "overdue"
        assert pane.styles.background == alarm
        assert pane.styles.border_top[1] == alarm_border
