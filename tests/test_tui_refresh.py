"""A refresh repaints only what changed, and a changed pane still shows its change; keys typed
quickly after n go into the note."""

from __future__ import annotations

from pathlib import Path

from textual import events

from tests.conftest import FakeClock, as_person
from warroom import actions
from warroom.room import Room
from warroom.storage import open_store
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.widgets.checklist import ChecklistPane
from warroom.tui.widgets.countdown import CountdownPane
from warroom.tui.widgets.facts import FactsPane
from warroom.tui.widgets.roles import RolesPane
from warroom.tui.widgets.update_pane import UpdatePane

from .tui_helpers import drawn, make_app, settle, until

PANES = (RolesPane, ChecklistPane, FactsPane, UpdatePane)


def _shown(app) -> dict[type, str]:
    return {pane: drawn(app, app.main.query_one(pane)) for pane in PANES}


async def test_a_note_from_another_writer_changes_only_the_timeline(
    room: Room, db_path: Path, clock: FakeClock
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV2")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = _shown(app)
        repaints = {pane: app.main.query_one(pane)._layout_updates for pane in PANES}
        other = open_store(db_path)
        try:
            actions.note(as_person(Room(other, room.actor), "bob"), incident_id, "from bob")
        finally:
            other.close()
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["from bob"], "the note")
        await settle(pilot)
        assert _shown(app) == before
        # Nothing asked the other panes to lay out again (a layout of the whole screen).
        assert {pane: app.main.query_one(pane)._layout_updates for pane in PANES} == repaints
        # The countdown still ticks with the clock.
        countdown = app.main.query_one(CountdownPane)
        shown = countdown.shown_text
        clock.advance(minutes=1)
        app.main.tick()
        assert countdown.shown_text != shown
        assert str(countdown.render()) == countdown.shown_text


async def test_state_changed_by_another_writer_still_reaches_every_pane(
    room: Room, db_path: Path
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV2")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        other = open_store(db_path)
        try:
            carol = as_person(Room(other, room.actor), "carol")
            actions.assign(carol, incident_id, "fix_lead", "dmitri")
            actions.triage(carol, incident_id, impact="card payments fail")
            actions.mitigate(carol, incident_id, "rolled back 4.2", "rollback")
            actions.set_status(carol, incident_id, "identified")
        finally:
            other.close()
        await until(
            pilot, lambda: app.main.latest.incident.status == "identified", "the new status"
        )
        await settle(pilot)
        assert "dmitri" in drawn(app, app.main.query_one(RolesPane))
        assert "card payments fail" in drawn(app, app.main.query_one(FactsPane))
        assert "✔" in drawn(app, app.main.query_one(ChecklistPane))
        update = app.main.query_one(UpdatePane)
        assert update.template == "identified"
        assert str(update.render()) and update.rendered
        assert app.main.query_one("#hdr-status").has_class("-identified")


async def test_a_note_typed_straight_after_n_goes_into_the_note(room: Room) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV2")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # As a fast typist or a paste does: every key queued before the first is handled.
        # "t" alone would open the triage form and "n" would be the note key again.
        for key, char in [("n", "n"), ("t", "t"), ("n", "n"), ("space", " "), ("o", "o")]:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)
        event = events.Key("enter", "\r")
        event.set_sender(app)
        app._driver.send_message(event)
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["tn o"], "the typed note")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.screen.focused is app.main.timeline
    with room.read() as conn:
        from warroom.views import entries_of_kinds

        assert [e.text for e in entries_of_kinds(conn, incident_id, ("note",))] == ["tn o"]
