"""Keys answered without waiting for a refresh: a note drawn from its action's own result,
the footer restyled in place while typing, the filter picker over an opaque screen."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from rich.segment import Segment
from textual import events
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets._footer import FooterKey

from tests.conftest import as_person
from warroom import actions
from warroom.room import Room
from warroom.storage import open_store
from warroom.tui.app import WarroomApp
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.tui.widgets.note_input import NoteInput
from warroom.views import entries_of_kinds

from .tui_helpers import drawn, make_app, settle, until


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


async def test_a_note_is_drawn_from_the_action_result_without_a_refresh(
    room: Room, declared: int
) -> None:
    app = make_app(room, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        refresh = app.main.refresh_now
        app.main.refresh_now = lambda: None  # type: ignore[method-assign]
        # Another writer's entry, committed before ours and not shown yet, must not be skipped.
        actions.note(as_person(room, "bob"), declared, "from bob")
        await pilot.press("n", *"db failover started", "enter")
        await settle(pilot)
        assert app.main.timeline.texts()[-2:] == ["from bob", "db failover started"]
        app.main.refresh_now = refresh  # type: ignore[method-assign]
        app.main.refresh_now()
        await settle(pilot)
        texts = app.main.timeline.texts()
        assert texts.count("db failover started") == 1 and texts.count("from bob") == 1
        assert any("Note" in n and "added" in n for n in app.notices)


async def test_a_note_under_a_filter_that_hides_notes_is_not_drawn(
    room: Room, declared: int
) -> None:
    actions.set_status(room, declared, "identified")
    app = make_app(room, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        assert app.screen.has_class("-opaque")
        await pilot.press("2")  # 1 all, 2 declared
        await settle(pilot)
        assert len(app.main.timeline.texts()) == 1
        await pilot.press("n", *"hidden by the filter", "enter")
        await settle(pilot)
        assert "hidden by the filter" not in app.main.timeline.texts()
        assert len(app.main.timeline.texts()) == 1


async def test_own_note_and_another_writers_note_appear_once_with_the_watcher_on(
    room: Room, db_path: Path, declared: int
) -> None:
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"mine", "enter")
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["mine"], "our note")
        # The watcher skips our own commit; another writer's must still come through.
        other = open_store(db_path)
        try:
            actions.note(as_person(Room(other, room.actor), "carol"), declared, "theirs")
        finally:
            other.close()
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["theirs"], "their note")
        await settle(pilot)
        texts = app.main.timeline.texts()
        assert texts.count("mine") == 1 and texts.count("theirs") == 1


async def test_the_footer_is_restyled_not_rebuilt_while_typing_a_note(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = list(app.main.query(FooterKey))
        by_key = {k.key: k for k in keys}
        assert "n" in by_key and not by_key["n"].has_class("-disabled")
        await pilot.press("n")
        await settle(pilot)
        # Letters type into the note: their keys are dimmed, the quit key stays usable.
        assert by_key["n"].has_class("-disabled") and by_key["f"].has_class("-disabled")
        assert not by_key["ctrl+q"].has_class("-disabled")
        # ...and drawn dimmed: the class is set without a stylesheet pass, its style inline.
        assert by_key["f"].rich_style.dim and not by_key["ctrl+q"].rich_style.dim
        await pilot.press(*"x", "enter")
        await settle(pilot)
        assert list(app.main.query(FooterKey)) == keys  # the same widgets, not new ones
        assert not any(k.has_class("-disabled") for k in keys)
        assert not by_key["f"].rich_style.dim
        await pilot.press("f")  # and the keys still work
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")


def _timeline_lines(app: WarroomApp) -> list[list[Segment]]:
    timeline = app.main.timeline
    return [list(timeline.render_line(y)) for y in range(timeline.scrollable_content_region.height)]


async def test_focus_leaves_the_timeline_lines_cached_and_a_new_theme_redraws_them(
    room: Room, declared: int
) -> None:
    for i in range(40):  # more than the pane shows: every line drawn holds an entry
        actions.note(room, declared, f"db failover step {i}")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        drawn = _timeline_lines(app)
        calls = 0
        draw = timeline._render_timeline_line

        def counted(line: int, width: int) -> Strip:
            nonlocal calls
            calls += 1
            return draw(line, width)

        timeline._render_timeline_line = counted  # type: ignore[method-assign]
        # Focus coming and going recolours only the border: no line is drawn again.
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert _timeline_lines(app) == drawn
        assert calls == 0
        # A new theme changes the lines' colours: they are drawn again, as a fresh start
        # in that theme draws them.
        app.theme = "textual-light"
        await settle(pilot)
        themed = _timeline_lines(app)
        assert calls > 0 and themed != drawn
    fresh = make_app(room)
    async with fresh.run_test(size=(120, 40)) as pilot:
        fresh.theme = "textual-light"
        await settle(pilot)
        assert _timeline_lines(fresh) == themed


async def test_the_filter_picker_is_built_once_and_shown_again_up_to_date(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen is app.main  # built beforehand without ever being shown
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        first = app.screen
        await pilot.press("2")  # 1 all, 2 declared
        await until(pilot, lambda: app.screen is app.main, "the war room")
        actions.note(as_person(room, "carol"), declared, "from carol")
        app.main.refresh_now()
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        picker = app.screen
        assert picker is first  # the same screen, not a new one
        assert isinstance(picker, ChoiceScreen)
        choices = picker.query_one(OptionList)
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        assert "author:carol" in ids  # who wrote since it was last shown
        assert choices.highlighted == ids.index("kind:declared")  # the filter in force
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the war room")
        assert app.main.timeline_filter.kind == "declared"


async def test_a_new_filter_reads_its_timeline_newest_first_and_back_to_all(
    room: Room, declared: int
) -> None:
    actions.note(room, declared, "mine")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        everything = app.main.timeline.texts()
        # Written while the war room is not refreshed (live off): the filter's read has it.
        actions.note(as_person(room, "bob"), declared, "from bob")
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        await pilot.press("3")  # 1 all, 2 declared, 3 note
        await settle(pilot)
        assert app.main.timeline.texts() == ["mine", "from bob"]
        assert "kind note" in str(app.main.timeline.border_title)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        await pilot.press("1")
        await settle(pilot)
        assert app.main.timeline.texts() == [*everything, "from bob"]
        assert str(app.main.timeline.border_title) == "Timeline"


async def test_a_picker_built_ahead_can_be_shown_again_before_its_list_is_composed(
    room: Room, declared: int
) -> None:
    # The filter picker is pushed and popped at once to build it ahead; shown again at once
    # (or resumed by the pop) its resume ran before its list existed: NoMatches, seen in CI.
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        picker = ChoiceScreen("Pick", [("a", "first"), ("b", "second")], current="b")
        app.install_screen(picker, "ahead")
        app.push_screen("ahead")
        app.pop_screen()
        app.push_screen("ahead")
        await until(pilot, lambda: app.screen is picker and picker.focused is not None, "it")
        assert picker.query_one(OptionList).highlighted == 1
        # Built ahead as the app quits (the war room does so right after its first frame).
        for _ in range(5):
            app.push_screen(ChoiceScreen("Pick", [("a", "first")]))
            app.pop_screen()
        app.exit(0)
    assert app.return_code == 0


def test_the_filter_picker_names_kinds_as_the_timeline_shows_them() -> None:
    from warroom.tui.screens.filter import filter_options

    labels = [str(label) for _, label in filter_options([])]
    # The timeline's kind column says `declare` and `check`; the picker said `declared`.
    assert "Kind: declare" in labels and "Kind: check" in labels
    assert "Kind: declared" not in labels and "Kind: checklist" not in labels
    assert "Kind: note" in labels
    # handover_ack was cut to "handover" in the 8-letter kind column, like a handover.
    assert "Kind: ack" in labels and "Kind: handover_ack" not in labels


async def test_the_filter_offers_the_kinds_the_timeline_has(room: Room, declared: int) -> None:
    """It listed all sixteen kinds, and most chose an empty timeline (drill)."""
    actions.note(room, declared, "a note")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the picker")
        kinds = [key for key, _ in app.screen.options if key.startswith("kind:")]  # type: ignore[attr-defined]
        with room.read() as conn:
            stored = {row[0] for row in conn.execute("SELECT DISTINCT kind FROM timeline")}
        assert sorted(kinds) == sorted(f"kind:{k}" for k in stored)
        assert "kind:mitigation" not in kinds
        await pilot.press("escape")
        await settle(pilot)
        actions.mitigate(room, declared, "rolled back", "rollback")
        app.main.refresh_now()
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the picker again")
        options = dict(app.screen.options)  # type: ignore[attr-defined]
        assert "kind:mitigation" in options
        assert app.main.timeline_filter.describe() == ""
        app.screen.dismiss("kind:correction")  # chosen while one existed, say: still listed
        await settle(pilot)
        assert app.main.timeline_filter.describe() == "kind correct"
        assert "kind correct" in str(app.main.timeline.border_title)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the picker, filtered")
        assert "kind:correction" in dict(app.screen.options)  # type: ignore[attr-defined]


async def test_typing_and_clearing_the_note_field_never_lays_out_the_screen(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field's text changes its virtual size only (for scrolling sideways): a layout of
    the whole screen for that cost a third of a note's time to the timeline."""
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        layouts: list[int] = []
        real = type(app.main)._refresh_layout

        def counted(screen, *args, **kwargs):  # type: ignore[no-untyped-def]
            layouts.append(1)
            return real(screen, *args, **kwargs)

        monkeypatch.setattr(type(app.main), "_refresh_layout", counted)
        await pilot.press(*"the primary ")
        field = app.main.query_one("#note", NoteInput)
        field.insert_text_at_cursor("is back " * 20)  # typed on, past the field's width
        await settle(pilot)
        assert field.scroll_x > 0 and field.scroll_x == field.max_scroll_x  # the cursor shows
        # Cut short with the cursor left where it was: not scrolled past the text's end.
        scrolled = field.scroll_x
        await pilot.press(*["left"] * 30, "ctrl+k")
        await settle(pilot)
        assert field.value == ("the primary " + "is back " * 20)[:-30]
        assert field.scroll_x <= field.max_scroll_x < scrolled
        field.clear()
        await settle(pilot)
        assert layouts == []


async def test_a_write_starts_before_the_event_loop_gets_back_to_it(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes run on one writer thread that is there already: a Textual thread worker only
    starts once the loop reaches its task, after the frame for the key."""
    committed = threading.Event()
    real_note = actions.note

    def note(*args, **kwargs):  # type: ignore[no-untyped-def]
        number = real_note(*args, **kwargs)
        committed.set()
        return number

    monkeypatch.setattr(actions, "note", note)
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.main.add_note("started at once")
        # Blocking the event loop here on purpose: only a thread already running can set it.
        assert committed.wait(10), "the write waited for the event loop"
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "started at once"


async def test_a_note_and_the_focus_move_after_enter_land_in_one_frame(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.tui.screens import main

    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"rolled back")
        await settle(pilot)
        frames: list[tuple[bool, bool]] = []
        screen_type = type(app.main)
        real = screen_type._compositor_refresh

        def drawn(screen):  # type: ignore[no-untyped-def]
            frames.append(
                (app.main.focused is app.main.timeline, "rolled back" in app.main.timeline.texts())
            )
            return real(screen)

        monkeypatch.setattr(screen_type, "_compositor_refresh", drawn)
        monkeypatch.setattr(main, "NOTE_HOLD", 30.0)  # not the limit that ends the hold here
        await pilot.press("enter")
        await until(pilot, lambda: (True, True) in frames, "the frame with the note")
        # No frame showed the focus moved (or the field cleared) without the note.
        assert (True, False) not in frames
        assert frames[0] == (True, True)


async def test_the_frames_held_for_a_note_go_on_when_its_write_is_slow(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file another process holds locked: the cleared field and the focus move are drawn
    once the hold's limit has passed, without waiting for the write (the screen's own timers
    are stretched here, so that a tick does not bring the frame)."""
    from textual.widget import Widget

    from warroom.tui.screens.main import WarRoomScreen

    release = threading.Event()
    real_note = actions.note

    def slow_note(*args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(120)  # for longer than we wait
        return real_note(*args, **kwargs)

    def stretched(self, interval, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The war room's own timers only: Textual's screen updates run on one too.
        if kwargs.get("name") in ("tick", "deliveries"):
            interval *= 1000
        return Widget.set_interval(self, interval, *args, **kwargs)

    monkeypatch.setattr(actions, "note", slow_note)
    monkeypatch.setattr(WarRoomScreen, "set_interval", stretched)
    frames: list[bool] = []
    real_display = WarroomApp._display

    def drawn(app, screen, update):  # type: ignore[no-untyped-def]
        # What goes out to the terminal, of any kind (a frame, a layout).
        if isinstance(screen, WarRoomScreen):
            frames.append(screen.focused is screen.timeline)
        return real_display(app, screen, update)

    monkeypatch.setattr(WarroomApp, "_display", drawn)
    app = make_app(room)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("n", *"waiting on a lock")
            await settle(pilot)
            frames.clear()
            # Not Pilot.press: its pause draws a frame itself, whatever the app would do.
            app.post_message(events.Key("enter", "\r"))
            deadline = time.monotonic() + 10
            while True not in frames:
                assert time.monotonic() < deadline, "the focus move was never drawn"
                await asyncio.sleep(0.02)
            assert not release.is_set() and app.main.focused is app.main.timeline
            assert app.main.query_one("#note", NoteInput).value == ""
            release.set()
            await settle(pilot)
            assert app.main.timeline.texts()[-1] == "waiting on a lock"
    finally:
        release.set()


async def test_writes_queued_when_the_war_room_quits_are_still_made(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enter on two notes while the file is slow, then ctrl+q: the app's end cancels its
    workers, and the second write, still queued, went with them (its field was cleared)."""
    from warroom.tui import app as app_module

    release = threading.Event()
    real_note = actions.note

    def slow_note(room, incident_id, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if text == "first, slow":
            release.wait(30)
        return real_note(room, incident_id, text, *args, **kwargs)

    real_drain = app_module.drain_writes

    def drain(timeout: float) -> None:
        release.set()  # the file frees up as the war room closes, its workers gone
        real_drain(timeout)

    monkeypatch.setattr(actions, "note", slow_note)
    monkeypatch.setattr(app_module, "drain_writes", drain)
    app = make_app(room)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.main.add_note("first, slow")
            app.main.add_note("second, queued")
            app.exit()
    finally:
        release.set()
    with room.read() as conn:
        texts = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
    assert texts == ["first, slow", "second, queued"]


@pytest.mark.parametrize("after", ["n", "f"])
async def test_a_key_typed_right_after_enter_acts_as_a_key_not_as_text(
    room: Room, declared: int, after: str
) -> None:
    """Enter and the next key in one go (a fast typist, a laggy link): the key went into the
    note ("db failover startedn") instead of acting on the war room (drill)."""
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"db failover started")
        await settle(pilot)
        for key, char in (("enter", "\r"), (after, after)):
            app.post_message(events.Key(key, char))  # as the driver hands them over
        await settle(pilot)
        with room.read() as conn:
            notes = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
        assert notes == ["db failover started"]
        field = app.main.query_one("#note", NoteInput)
        assert field.value == ""
        if after == "n":
            assert app.screen.focused is field  # n: a new note
        else:
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")


async def test_a_note_not_saved_while_the_next_was_typed_opens_in_the_editor(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked file: the first note fails after the busy timeout, by which time the field
    holds the next one. It was given back only into an empty field: lost (drill). Opened in
    the editor at once, it took the keys still being typed for the field (drill): it opens
    once the field is left, here with Enter on the next note."""
    from warroom.errors import DatabaseLocked
    from warroom.tui.screens.note_editor import NoteEditor

    go = threading.Event()
    real_note = actions.note
    failed: list[str] = []

    def locked_note(room, incident_id, text, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed:
            go.wait(30)
            failed.append(text)
            raise DatabaseLocked("incidents.db is locked by another process (test)", "BUSY")
        return real_note(room, incident_id, text, *args, **kwargs)

    monkeypatch.setattr(actions, "note", locked_note)
    app = make_app(room)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("n", *"first note", "enter")
            await pilot.press("n", *"half typed")
            go.set()  # the busy timeout ends: the first note fails
            await until(
                pilot, lambda: any("opens in the editor" in n for n in app.notices), "the notice"
            )
            await pilot.press(*" and on")  # still typing: into the field, not an editor
            assert not isinstance(app.screen, NoteEditor)
            field = app.main.query_one("#note", NoteInput)
            assert field.value == "half typed and on"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
            assert app.screen.area.text == "first note"
            assert "locked" in " ".join(
                drawn(app, app.screen.query_one("#note-editor-problem")).split()
            )
            await pilot.press("ctrl+s")
            await settle(pilot)
        with room.read() as conn:
            notes = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
        assert notes == ["half typed and on", "first note"]
    finally:
        go.set()


async def test_a_filter_chosen_is_drawn_in_the_frame_that_closes_its_picker(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The war room back from under the picker and its filtered timeline in one frame: it
    was a frame of the unfiltered timeline first, then one with the filter."""
    from warroom.tui.screens import main
    from warroom.tui.screens.main import WarRoomScreen

    actions.set_status(room, declared, "identified")
    frames: list[bool] = []
    real_display = WarroomApp._display

    def drawn(app, screen, update):  # type: ignore[no-untyped-def]
        if isinstance(screen, WarRoomScreen):
            key = screen.timeline_key
            frames.append(bool(key and key.filter))
        return real_display(app, screen, update)

    app = make_app(room, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        monkeypatch.setattr(WarroomApp, "_display", drawn)
        monkeypatch.setattr(main, "NOTE_HOLD", 30.0)  # not the limit that ends the hold here
        await pilot.press("2")  # 1 all, 2 declared
        await until(pilot, lambda: True in frames, "the filtered timeline drawn")
        assert False not in frames, frames
        assert len(app.main.timeline.texts()) == 1


async def test_enter_then_ctrl_q_at_once_still_stores_the_note(room: Room, declared: int) -> None:
    """ctrl+q is a priority key, run as it arrives: it ended the war room before the field
    had handled the Enter typed just before it, and the note was lost (drill, review)."""
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"last words")
        await settle(pilot)
        for key, char in (("enter", "\r"), ("ctrl+q", None)):
            app.post_message(events.Key(key, char))  # as the driver hands them over
        await until(pilot, lambda: not app.is_running, "the war room to end")
    with room.read() as conn:
        notes = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
    assert notes == ["last words"]


@pytest.mark.parametrize("pasted", ["one line", "two\nlines"])
async def test_a_paste_right_after_enter_goes_to_the_next_note(
    room: Room, declared: int, pasted: str
) -> None:
    """Pasted before the field had been cleared for the next note: a line was cleared away,
    several lines were stored with the note before them as well as opened (review)."""
    from warroom.tui.screens.note_editor import NoteEditor

    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"first note")
        await settle(pilot)
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Paste(pasted))
        await settle(pilot)
        with room.read() as conn:
            notes = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
        assert notes == ["first note"]
        if "\n" in pasted:
            await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
            assert app.screen.area.text == pasted
        else:
            assert app.main.query_one("#note", NoteInput).value == pasted
