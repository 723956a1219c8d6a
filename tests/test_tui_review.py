"""Pilot tests of the war room after recovery: follow-up actions, the review pane with the
response metrics, the postmortem export key, and dated timeline lines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList

from tests.conftest import T0, FakeClock, as_person
from warroom import actions
from warroom.metrics import load_metrics
from warroom.room import Room
from warroom.storage import open_store
from warroom.tui.screens.followups import AddFollowupScreen, FollowupsScreen
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.widgets.review import ReviewPane
from warroom.tui.widgets.timeline import TimelineView
from warroom.views import Followup, followups

from .tui_helpers import drawn, make_app, settle, until


def shown_lines(widget: Widget) -> list[str]:
    """What the widget draws on screen, line by line, as plain text."""
    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def timeline_lines(timeline: TimelineView) -> list[str]:
    """The timeline's lines inside its border, as plain text."""
    height = timeline.scrollable_content_region.height
    return [timeline.render_line(y).text for y in range(height)]


def review_lines(app) -> list[str]:
    pane = app.main.query_one(ReviewPane)
    return [line for child in pane.query("Static") for line in shown_lines(child)]


def option_texts(screen: FollowupsScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def stored(room: Room, incident_id: int) -> list[Followup]:
    with room.read() as conn:
        return followups(conn, incident_id, include_done=True)


def followup_item_done(room: Room, incident_id: int) -> bool:
    item = next(i for i in room.incident(incident_id).checklist if i.auto == "followup")
    return item.done


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


@pytest.fixture
def resolved(room: Room, clock: FakeClock) -> int:
    """A scripted incident: impact from 12 min before the declaration, confirmed after 3 min,
    first update after 8, mitigated after 14, SEV1 from minute 20, resolved after 50."""
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    clock.advance(minutes=3)
    started = T0 - timedelta(minutes=12)
    actions.triage(room, incident_id, impact="Card payments fail", started=started)
    clock.advance(minutes=5)
    actions.publish_update(room, incident_id, "We are looking into checkout errors.")
    clock.advance(minutes=6)
    actions.mitigate(room, incident_id, "checkout-api back to v1.41", "rollback")
    clock.advance(minutes=6)
    actions.set_severity(room, incident_id, "SEV1")
    clock.advance(minutes=30)
    actions.set_status(room, incident_id, "resolved")
    return incident_id


# --- follow-ups -------------------------------------------------------------------------------


async def test_add_a_follow_up_from_the_tui(room: Room, declared: int) -> None:
    assert not followup_item_done(room, declared)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, FollowupsScreen)
        assert "No follow-up actions yet" in option_texts(app.screen)[0]
        await pilot.press("a")
        assert isinstance(app.screen, AddFollowupScreen)
        await pilot.press(*"Alert on [bold]timeouts[/]", "enter")
        assert app.focused is app.screen.query_one("#owner", Input)
        await pilot.press(*"jonas", "enter")
        assert app.focused is app.screen.query_one("#due", Input)
        await pilot.press(*"+7d", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
        [shown] = option_texts(app.screen)
        assert "Alert on [bold]timeouts[/]" in shown
        assert "jonas" in shown and "due 2026-12-03" in shown
    [item] = stored(room, declared)
    assert (item.text, item.owner, item.due) == (
        "Alert on [bold]timeouts[/]",
        "jonas",
        "2026-12-03",
    )
    assert item.created_by == "alice"
    assert followup_item_done(room, declared)  # 'document follow-up actions' ticked itself


async def test_owner_from_the_quick_picks(room: Room, declared: int) -> None:
    actions.note(as_person(room, "bob"), declared, "on it")
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o", "a", *"Runbook for tokeniser", "enter")
        assert app.focused is app.screen.query_one("#owner", Input)
        await pilot.press("b", "right")  # completed from the people seen: bob
        assert app.screen.query_one("#owner", Input).value == "bob"
        await pilot.press("enter")
        assert app.focused is app.screen.query_one("#due", Input)
        await pilot.press("ctrl+s")
        await settle(pilot)
    [item] = stored(room, declared)
    assert (item.owner, item.due) == ("bob", None)


async def test_a_bad_due_date_is_an_inline_error_and_writes_nothing(
    room: Room, declared: int
) -> None:
    with room.read() as conn:
        before = len(conn.execute("SELECT id FROM timeline").fetchall())
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o", "a", *"Runbook", "enter", "enter", *"next friday", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AddFollowupScreen)  # still open, text kept
        error = form.query_one(".dialog-error", Label)
        assert error.display
        assert "not a due date: 'next friday'" in str(error.render())
        assert app.focused is form.query_one("#due", Input)
        assert form.query_one("#text", Input).value == "Runbook"
        # An empty text is refused the same way.
        form.query_one("#text", Input).value = "  "
        await pilot.press("ctrl+s")
        assert "Say what needs doing" in str(error.render())
        await pilot.press("escape", "y")  # something was typed: asked first
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
    assert stored(room, declared) == []
    with room.read() as conn:
        assert len(conn.execute("SELECT id FROM timeline").fetchall()) == before
    assert not followup_item_done(room, declared)


async def test_toggle_done_and_reopen(room: Room, clock: FakeClock, declared: int) -> None:
    first = actions.add_followup(room, declared, "Alert on timeouts", owner="jonas")
    second = actions.add_followup(room, declared, "Canary deploys", due="2026-11-20")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        texts = option_texts(screen)
        assert "OVERDUE" in texts[1] and "OVERDUE" not in texts[0]
        await pilot.press("space")  # the first, highlighted
        await settle(pilot)
        assert [f.done for f in stored(room, declared)] == [True, False]
        # Done ones move below the open ones, marked, no longer overdue-loud.
        texts = option_texts(screen)
        assert texts[0].startswith("☐") and "Canary deploys" in texts[0]
        assert texts[1].startswith("✔") and "done by alice" in texts[1]
        assert screen.query_one(OptionList).highlighted == 1  # still on the same one
        await pilot.press("enter")  # reopen it
        await settle(pilot)
        await pilot.press("down", "space")
        await settle(pilot)
    by_id = {f.id: f for f in stored(room, declared)}
    assert not by_id[first].done
    assert by_id[second].done and by_id[second].done_by == "alice"


async def test_read_only_lists_follow_ups_but_offers_no_writes(
    db_path: Path, room: Room, declared: int
) -> None:
    actions.add_followup(room, declared, "Alert on timeouts")
    store = open_store(db_path, readonly=True)
    try:
        app = make_app(Room(store, room.actor, room.settings, room.clock), readonly=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.allows("followups") and app.allows("export")
            await pilot.press("o")
            screen = app.screen
            assert isinstance(screen, FollowupsScreen)
            assert "Alert on timeouts" in option_texts(screen)[0]
            assert not screen.check_action("add", ()) and not screen.check_action("toggle_done", ())
            assert "Read-only" in str(screen.query_one(".dialog-hint").render())
            await pilot.press("a", "space", "enter")
            await settle(pilot)
            assert app.screen is screen  # no form opened
    finally:
        store.close()
    assert [f.done for f in stored(room, declared)] == [False]


async def test_hostile_follow_up_text_and_owner_are_shown_literally(
    room: Room, declared: int
) -> None:
    actions.add_followup(
        room, declared, "[@click=app.quit]fix[/] \x1b[2Jnow", owner="[red]eve[/]\x07"
    )
    actions.set_status(room, declared, "resolved")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = "\n".join(review_lines(app))
        assert "[@click=app.quit]fix[/] ␛now" in review
        assert "[red]eve[/]␇" in review
        await pilot.press("o")
        [shown] = option_texts(app.screen)
        assert "[@click=app.quit]fix[/] ␛now" in shown and "[red]eve[/]␇" in shown
        assert not any(c in shown + review for c in "\x1b\x07")
        await pilot.click(OptionList)  # a click on the text runs nothing
        assert app.is_running and app.return_code is None


# --- the review pane --------------------------------------------------------------------------


async def test_resolved_incident_shows_the_review_pane(
    room: Room, clock: FakeClock, resolved: int
) -> None:
    actions.add_followup(room, resolved, "Alert on timeouts", owner="jonas", due="2026-11-20")
    done = actions.add_followup(room, resolved, "Roll back faster")
    actions.complete_followup(room, done)
    clock.advance(minutes=90)  # later than the resolution: the metrics must not move
    with room.read() as conn:
        rows = load_metrics(conn, resolved, room.settings, clock()).rows()
    values = dict(rows)
    assert values["Time to declare (impact start → declared)"] == "12m"
    assert values["Total duration (impact start → resolved)"] == "1h02m"
    assert values["Time to confirm impact (declared → impact recorded)"] == "3m"
    assert values["Time to first customer update (declared → published)"] == "8m"
    assert values["Time to mitigate (declared → first mitigation)"] == "14m"
    assert values["Time at SEV1"] == "30m" and values["Time at SEV2"] == "20m"
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main = app.main
        assert main.has_class("-resolved")
        assert main.query_one(ReviewPane).display
        assert not main.query_one("#countdown").display and not main.query_one("#update").display
        assert app.main.latest.metrics == tuple(rows)
        lines = review_lines(app)
        for label, value in rows:
            short = label.split(" (")[0]
            assert any(short in line and value in line for line in lines), (label, value)
        shown = "\n".join(lines)
        assert "Open follow-ups: 1 (1 done)" in shown
        assert "Alert on timeouts" in shown and "due 2026-11-20 OVERDUE" in shown
        assert "Roll back faster" not in shown
        assert "1 open follow-up" in str(main.query_one(ReviewPane).border_title)
        # Reopened: the countdown and update preview come back.
        actions.set_status(room, resolved, "monitoring")
        app.main.refresh_now()
        await settle(pilot)
        assert not main.has_class("-resolved") and not main.query_one(ReviewPane).display
        assert main.query_one("#countdown").display


async def test_an_open_incident_has_no_review_pane(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.main.query_one(ReviewPane).display
        assert app.main.latest.metrics == ()


async def test_review_pane_at_80_columns(room: Room, resolved: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # The review takes the place of roles and triage (a, t)...
        assert not app.main.query_one("#brief").region
        # ...but the checklist stays in sight: an item is still open after recovery.
        checklist = drawn(app, app.main.query_one("#checklist"))
        assert "☐ Document follow-up actions" in checklist, checklist
        lines = review_lines(app)
        assert any("Time to mitigate" in line and "14m" in line for line in lines)
        assert all(len(line) <= 76 for line in lines)


@pytest.mark.parametrize("size", [(100, 30), (120, 40), (200, 60)])
async def test_review_values_are_never_squeezed_into_a_narrow_column(
    room: Room, resolved: int, size: tuple[int, int]
) -> None:
    # At 100x30 the longest label left the values six cells: "(no alert attached)" stood
    # one word a line. Every value must read whole on one line (a long label may wrap).
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines = [" ".join(line.split()) for line in review_lines(app)]
        for whole in (
            "— (no alert attached)",
            "Time to mitigate",
            "Time to resolve",
            "50m",
        ):
            assert any(whole in line for line in lines), (whole, lines)


# --- export -----------------------------------------------------------------------------------


async def test_export_key_writes_a_postmortem_draft_and_never_overwrites(
    room: Room, resolved: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    actions.add_followup(room, resolved, "Alert on [bold]timeouts[/]", owner="jonas")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        first = tmp_path / "INC-1-postmortem.md"
        assert first.exists()
        assert f"Postmortem draft written to {first}" in app.notices
        text = first.read_text()
        for heading in (
            "# Postmortem: INC-1",
            "## Summary",
            "## Impact",
            "## Metrics",
            "## Timeline",
            "## Follow-up actions",
        ):
            assert f"\n{heading}" in f"\n{text}", heading
        assert "| Alert on \\[bold\\]timeouts\\[/\\] | jonas |" in text  # escaped Markdown
        first.write_text("my edits")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
    assert first.read_text() == "my edits"
    assert (tmp_path / "INC-1-postmortem-2.md").read_text().startswith("# Postmortem: INC-1")
    assert (tmp_path / "INC-1-postmortem-3.md").exists()


async def test_export_skips_a_name_taken_by_a_folder_and_survives_a_vanished_folder(
    room: Room, declared: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    (here / "INC-1-postmortem.md").mkdir()
    monkeypatch.chdir(here)
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert (here / "INC-1-postmortem-2.md").is_file()
        for path in here.iterdir():
            path.unlink() if path.is_file() else path.rmdir()
        here.rmdir()  # the shell's folder was deleted under the app
        await pilot.press("x")
        await settle(pilot)
        assert app.is_running
        assert any(n.startswith("no current folder to write to") for n in app.notices)


# --- dated timeline lines ---------------------------------------------------------------------


async def test_entries_from_another_day_show_their_date(room: Room, clock: FakeClock) -> None:
    clock.at = T0 - timedelta(hours=14, seconds=1799)  # 2026-11-25 23:30:01 UTC
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    clock.advance(minutes=28)
    actions.note(room, incident_id, "before midnight")
    clock.at = T0
    actions.note(room, incident_id, "today")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        assert timeline.when(0) == "11-25 23:30:01"
        assert timeline.when(timeline.entry_count - 1) == "      14:00:00"
        lines = timeline_lines(timeline)
        assert lines[0].startswith("11-25 23:30:01 alice")
        assert any(line.startswith("11-25 23:58:01 alice") for line in lines)
        assert any(line.startswith("      14:00:00 alice") for line in lines)
        # The next day, today's entries become yesterday's too.
        clock.advance(minutes=24 * 60)
        app.main.tick()
        await pilot.pause()
        assert timeline.when(timeline.entry_count - 1) == "11-26 14:00:00"


async def test_entries_of_today_show_the_time_only(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        assert timeline.when(0) == "14:00:00"
        assert timeline_lines(timeline)[0].startswith("14:00:00 alice")


async def test_follow_ups_from_another_writer_appear_in_the_open_list(
    room: Room, db_path: Path, declared: int
) -> None:
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        screen = app.screen
        other = open_store(db_path)  # another connection, as another process would have
        try:
            bob = as_person(Room(other, room.actor, room.settings, room.clock), "bob")
            actions.add_followup(bob, declared, "Written elsewhere")
        finally:
            other.close()
        await until(
            pilot,
            lambda: any("Written elsewhere" in t for t in option_texts(screen)),
            "the follow-up from another writer",
        )
        assert isinstance(app.screen, FollowupsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)
