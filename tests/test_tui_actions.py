"""Pilot tests: every war room action from the keyboard, checked in the database."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Select, TextArea

from tests.conftest import T0, FakeClock, as_person
from warroom import actions
from warroom.demo import seed_demo
from warroom.room import Room
from warroom.tui.screens.assign import AssignScreen
from warroom.tui.screens.declare import DeclareScreen
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.tui.screens.update_panel import UpdatePanelScreen
from warroom.tui.widgets.countdown import CountdownPane
from warroom.tui.widgets.header import HeaderBar
from warroom.views import entries_of_kinds, updates

from .tui_helpers import FakeClipboard, drawn, make_app, screen_lines, settle, until


def label_text(app, selector: str) -> str:
    return str(app.main.query_one(HeaderBar).query_one(selector).render())


def incident(room: Room, incident_id: int = 1):
    return room.incident(incident_id)


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


async def test_header_shows_the_incident_and_a_loud_no_owner(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert label_text(app, "#hdr-ref") == "INC-1"
        assert "Checkout returns 500s" in label_text(app, "#hdr-title")
        assert "SEV2" in label_text(app, "#hdr-sev")
        assert app.main.query_one("#hdr-sev").has_class("-sev2")
        owner = app.main.query_one("#hdr-owner")
        assert "NO OWNER" in str(owner.render()) and owner.has_class("-none")
        assert "Declared SEV2: Checkout returns 500s" in app.main.timeline.texts()[0]


async def test_note_from_the_keyboard(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert app.focused is app.main.query_one("#note", Input)
        await pilot.press(*"db failover started", "enter")
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "db failover started"
    with room.read() as conn:
        assert [e.text for e in entries_of_kinds(conn, declared, ("note",))] == [
            "db failover started"
        ]


async def test_severity_and_status_pickers(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v", "1")
        await settle(pilot)
        await pilot.press("s", "3")
        await settle(pilot)
        assert "SEV1" in label_text(app, "#hdr-sev")
        assert label_text(app, "#hdr-status") == "monitoring"
    assert incident(room).severity == "SEV1"
    assert incident(room).status == "monitoring"


async def test_escape_cancels_a_picker(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v", "escape")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    assert incident(room).severity == "SEV2"


async def test_assign_with_a_quick_pick(room: Room, declared: int) -> None:
    actions.note(as_person(room, "bob"), declared, "on it")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AssignScreen)
        assert app.screen.people[0] == "bob"  # most recently seen first
        assert isinstance(app.focused, Input)  # the name first, to type at once
        # Completed from the quick picks (bob); Tab to the role, the first one (owner)
        # chosen with space, and saved.
        await pilot.press("b", "right", "tab", "down", "space", "ctrl+s")
        await settle(pilot)
        assert "bob" in label_text(app, "#hdr-owner")
        # A second assignment: Enter to the role, arrows to fix lead, Enter chooses and saves.
        await pilot.press("a")
        await pilot.press(*"carol", "enter", "down", "down", "enter")
        await settle(pilot)
    assert incident(room).roles == {"owner": "bob", "fix_lead": "carol", "comms": None}


async def test_tick_and_untick_a_checklist_item(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c", "6")
        await settle(pilot)
        assert incident(room).checklist[5].done
        assert incident(room).checklist[5].done_by == "alice"
        await pilot.press("c", "6")
        await settle(pilot)
    assert not incident(room).checklist[5].done


async def test_triage_form(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.press(*"Card payments fail", "enter")  # impact, then on to affected
        await pilot.press(*"1 in 5", "enter", "enter")  # workaround left empty
        await pilot.press(*"payments", "enter")  # services, then on to the severity
        await pilot.press("enter")  # the severity, the last field: saves
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    found = incident(room)
    assert found.impact == "Card payments fail"
    assert found.affected == "1 in 5"
    assert found.workaround is None
    assert found.services == ("checkout", "payments")
    assert found.checklist[0].done  # 'confirm user impact' ticks itself


async def test_triage_form_changes_severity_with_definitions_beside(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        definitions = str(app.screen.query_one(".definitions").render())
        assert "Critical: the product is down" in definitions
        app.screen.query_one("RadioSet").focus()
        await pilot.press("up", "enter", "ctrl+s")  # from SEV2 to SEV1
        await settle(pilot)
    assert incident(room).severity == "SEV1"


async def test_mitigation_with_kind_and_detail(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.press(*"new-pricing off", "enter")  # the detail first, then the action
        # From "other" (the unchosen default) up to feature flag; Enter on the last: saves.
        await pilot.press("up", "up", "up", "up", "enter")
        await settle(pilot)
    with room.read() as conn:
        [entry] = entries_of_kinds(conn, declared, ("mitigation",))
    assert entry.text == "Disabled a feature flag: new-pricing off"
    assert entry.data == {"action": "feature-flag"}


async def test_a_mitigation_saved_without_choosing_is_not_recorded_as_a_rollback(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.press(*"scaled checkout-api to 12 replicas", "ctrl+s")
        await settle(pilot)
    with room.read() as conn:
        [entry] = entries_of_kinds(conn, declared, ("mitigation",))
    assert entry.data == {"action": "other"}
    assert not entry.text.startswith("Rolled back")


async def test_empty_file_opens_the_declare_form(room: Room) -> None:
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press(*"Login fails", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert app.main.incident_id == 1
        assert "Login fails" in label_text(app, "#hdr-title")
    assert incident(room).severity == "SEV2"


async def test_declare_another_and_switch_back(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d", *"Search is slow", "ctrl+s")
        await settle(pilot)
        assert app.main.incident_id == 2
        assert "Search is slow" in label_text(app, "#hdr-title")
        await pilot.press("i")
        await settle(pilot)
        choices = app.screen.options
        await pilot.press(str([value for value, _ in choices].index("1") + 1))
        await settle(pilot)
        assert app.main.incident_id == 1
        assert "Checkout returns 500s" in label_text(app, "#hdr-title")
        assert app.main.timeline.texts()[0].startswith("Declared SEV2: Checkout")


async def test_filter_by_kind(room: Room, declared: int) -> None:
    actions.note(room, declared, "first note")
    actions.set_status(room, declared, "identified")
    actions.note(room, declared, "second note")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("3")  # 1 all, 2 declared, 3 note
        await settle(pilot)
        assert app.main.timeline.texts() == ["first note", "second note"]
        await pilot.press("n", *"third note", "enter")
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "third note"
        await pilot.press("f", "1")
        await settle(pilot)
        assert len(app.main.timeline.texts()) == 6


async def test_countdown_colours_follow_the_injected_clock(
    room: Room, clock: FakeClock, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.query_one(CountdownPane)
        assert pane.state == "normal" and pane.has_class("-normal")
        assert "First update due in 10:00" in str(pane.render())
        clock.advance(minutes=6)
        app.main.tick()
        assert pane.state == "warning" and pane.has_class("-warning")
        assert "04:00" in str(pane.render())
        clock.advance(minutes=5, seconds=12)
        app.main.tick()
        assert pane.state == "overdue" and pane.has_class("-overdue")
        assert not pane.has_class("-warning")
        assert "OVERDUE by 01:12" in str(pane.render())
        assert "open 11m" in label_text(app, "#hdr-elapsed")


async def test_update_panel_pick_edit_copy_publish(
    room: Room, clock: FakeClock, declared: int, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop: the system clipboard comes first
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    actions.triage(room, declared, impact="Card payments fail")
    clipboard = FakeClipboard()
    app = make_app(room, system_copy=clipboard)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        panel = app.screen
        assert isinstance(panel, UpdatePanelScreen)
        select = panel.query_one(Select)
        assert select.value == "investigating"  # the current status
        area = panel.query_one(TextArea)
        assert "Card payments fail" in area.text
        # Pick another template from the keyboard.
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        options = [str(o) for o in panel.templates]
        for _ in range(options.index("monitoring") - options.index("investigating")):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert select.value == "monitoring"
        await until(pilot, lambda: "monitoring" in area.text.lower(), "the monitoring text")
        # Edit, copy, publish.
        area.focus()
        area.move_cursor((0, 0))
        await pilot.press(*"EDITED ")
        edited = area.text
        assert edited.startswith("EDITED ")
        await pilot.press("ctrl+o")
        await settle(pilot)
        copy_file = tmp_path / "clipboard.txt"
        await until(pilot, lambda: clipboard.copied == [edited], "the copy")
        assert copy_file.read_text() == edited
        assert any("system clipboard" in n and str(copy_file) in n for n in app.notices)
        clock.advance(minutes=2)
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Two minutes on, publishing promises 14:32, not the 14:30 the edited text says: it
        # asks, offering to change the time first.
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        assert "does not mention 14:32 UTC" in question.title_text
        assert question.options[0][0] == "fix"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    with room.read() as conn:
        [published] = updates(conn, declared)
        [entry] = entries_of_kinds(conn, declared, ("update",))
    assert "14:30" in edited
    assert published.text == edited.rstrip().replace("14:30", "14:32")
    assert published.next_update_due == clock() + timedelta(minutes=30)
    assert published.template == "monitoring"
    assert entry.text.startswith("Customer update published: EDITED")
    found = incident(room)
    assert found.checklist[3].done  # publish first update
    # The countdown restarts from the publication at the SEV2 cadence.
    assert found.next_update_due is not None
    assert (found.next_update_due - clock()).total_seconds() == 30 * 60


async def test_demo_incident_shows_everything(room: Room) -> None:
    seed_demo(room, now=T0)
    app = make_app(room)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        assert app.main.has_class("-wide")
        assert "owner maya" in label_text(app, "#hdr-owner")
        roles = drawn(app, app.main.query_one("#roles"), inner=True)
        assert "jonas" in roles and "Comms     UNASSIGNED " in roles
        update = str(app.main.query_one("#update").render())
        assert "1 published" in update
        assert app.main.timeline.entry_count == len(app.main.timeline.texts()) > 12


async def test_help_lists_every_key(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        shown = [key for key, _, _ in app.screen.keys]
        assert shown == [
            "n",
            "v",
            "s",
            "a",
            "c",
            "t",
            "m",
            "u",
            "o",
            "x",
            "f",
            "e",
            "b",
            "K",
            "i",
            "d",
            "l",
            "r",
            "?",
            "ctrl+q",
        ]
        # It says how to close it, in its title (drill): the keys it names close it.
        await pilot.pause()
        assert any("Esc, q or ? closes" in line for line in screen_lines(app))
        # And how to scroll the timeline, which it did not say (drill).
        said = str(app.screen.query_one(".dialog-hint").render())
        assert "PgUp PgDn, Home and the mouse wheel scroll it" in said, said
        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)
        # The help screen is kept between uses: it opens, and closes, again.
        await pilot.press("question_mark")
        assert [key for key, _, _ in app.screen.keys][-1] == "ctrl+q"
        await pilot.press("q")
        assert isinstance(app.screen, WarRoomScreen)


async def test_help_opens_at_its_top_each_time(room: Room, declared: int) -> None:
    # The help screen is kept between uses; it kept its scroll position too, so after End
    # and Esc the next ? opened at the bottom with its title out of view.
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        title = "Keys  ·  Esc, q or ? closes"
        await until(pilot, lambda: screen_lines(app)[1].strip("█ ") == title, "the title")
        await pilot.press("end")
        await until(pilot, lambda: screen_lines(app)[1].strip("█ ") != title, "the bottom")
        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)
        await pilot.press("question_mark")
        await settle(pilot)
        lines = screen_lines(app)
        assert lines[1].strip("█ ") == title, "\n".join(lines)


async def test_filter_on_an_author_named_like_markup(room: Room, declared: int) -> None:
    """The filter names the author in the timeline's title: shown literally, no crash."""
    hostile = "[/] [@click=app.quit]"
    actions.note(as_person(room, hostile), declared, "from the odd name")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main.set_filter(f"author:{hostile}")  # what the picker hands back for that author
        await settle(pilot)
        assert app.is_running
        assert app.main.timeline.texts() == ["from the odd name"]
        # Textual hands the title back as escaped markup; what is drawn is its plain text.
        from textual.content import Content

        assert hostile in Content.from_markup(app.main.timeline.border_title).plain


async def test_the_help_screen_is_built_ahead_without_showing(room: Room, declared: int) -> None:
    # Built once the war room is up, so the first ? costs what later ones do; never shown.
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.is_screen_installed("help"), "the help screen built")
        help_screen = app.get_screen("help")
        assert help_screen.is_mounted and isinstance(app.screen, WarRoomScreen)
        await pilot.press("question_mark")
        assert app.screen is help_screen


async def test_building_help_ahead_as_the_app_tears_down_is_harmless(
    room: Room, declared: int
) -> None:
    # Its timer fired once with no screen left on the stack: ScreenStackError in the suite.
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert not app.screen_stack
    app._build_help_ahead()  # raised ScreenStackError before the fix


async def test_help_is_not_built_ahead_while_a_mouse_button_is_down(
    room: Room, declared: int
) -> None:
    # Building it suspends and resumes the war room, which resets the pointer mid-drag.
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        app._mouse_down_widget = app.main.timeline  # as Textual holds a press, from the start
        await settle(pilot)
        app._build_help_ahead()
        assert not app.is_screen_installed("help")
        app._mouse_down_widget = None
        await until(pilot, lambda: app.is_screen_installed("help"), "help built once free")
