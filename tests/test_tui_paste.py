"""Issue 11 part 2 in the war room: a paste becomes one whole note through the editor."""

from __future__ import annotations

import time

import pytest
from textual import events
from textual.widgets import TextArea

from warroom import actions
from warroom.actions import Room
from warroom.domain import MAX_NOTE_BYTES
from warroom.tui.paste_driver import is_burst, key_escape, normalise, typed_line
from warroom.tui.screens.forms import ConfirmDiscard
from warroom.tui.screens.note_editor import NoteEditor
from warroom.views import entries_of_kinds

from .tui_helpers import make_app, screen_lines, settle, until

LOG = "\n".join(
    f"  {i:05d} ERROR checkout payment timeout\tupstream=10.0.0.{i % 250}" for i in range(5000)
)


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


def notes(room: Room, incident: int) -> list[str]:
    with room.read() as conn:
        return [e.text for e in entries_of_kinds(conn, incident, ("note",))]


async def test_paste_into_the_note_field_opens_the_editor_and_adds_one_whole_note(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"see:")
        app.screen.focused.post_message(events.Paste(LOG))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        editor = app.screen
        assert "5,001 lines" in str(editor.query_one("#note-editor-title").render())
        assert editor.query_one(TextArea).text == "see:\n" + LOG
        # The editor answers keys: typing goes into it, not to the war room's bindings.
        await pilot.press(*" (from the node)")
        started = time.monotonic()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, NoteEditor), "the editor to close")
        await settle(pilot)
        assert time.monotonic() - started < 30  # a guard, not a speed requirement
        stored = notes(room, declared)
        assert stored == ["see:\n" + LOG + " (from the node)"]
        # The timeline shows it folded, not as 5,000 lines.
        shown = app.main.timeline.texts()[-1]
        assert "00000 ERROR" in shown and "00004 ERROR" not in shown
        assert "4,998 more lines" in shown and len(shown) < 1000


async def test_paste_with_the_timeline_focused_opens_the_editor_not_the_key_bindings(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.focused is app.main.timeline
        app.main.timeline.post_message(events.Paste("svc down\nvery down\n"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notes(room, declared) == ["svc down\nvery down"]


async def test_esc_asks_before_throwing_a_paste_away_and_writes_nothing(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.focused.post_message(events.Paste("a\nb"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        editor = app.screen
        await pilot.press("escape")  # the form grammar: asked first, and n keeps it
        await until(pilot, lambda: isinstance(app.screen, ConfirmDiscard), "the question")
        assert any("Discard this note?" in line for line in screen_lines(app))
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is editor and editor.area.text == "a\nb"
        await pilot.press("escape", "y")
        await settle(pilot)
        assert not isinstance(app.screen, (NoteEditor, ConfirmDiscard))
        assert notes(room, declared) == []


async def test_esc_on_an_emptied_editor_closes_it_at_once(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.focused.post_message(events.Paste("a\nb"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        app.screen.area.clear()
        await pilot.pause()
        title = str(app.screen.query_one("#note-editor-title").render())
        assert title.startswith("Note: 0 lines"), title  # not "1 line" (drill)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, (NoteEditor, ConfirmDiscard))
        assert notes(room, declared) == []


async def test_a_paste_over_the_limit_is_refused_with_a_message(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        big = ("x" * 99 + "\n") * (MAX_NOTE_BYTES // 100 + 1)
        app.screen.focused.post_message(events.Paste(big))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)  # still open, nothing lost
        problem = str(app.screen.query_one("#note-editor-problem").render())
        assert "limit" in problem and "Nothing was added" in problem
        assert notes(room, declared) == []


async def test_a_one_line_paste_stays_in_the_field(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        app.screen.focused.post_message(events.Paste("just one line"))
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        await pilot.press("enter")
        await settle(pilot)
        assert notes(room, declared) == ["just one line"]


def test_burst_detection() -> None:
    assert is_burst("line one\rline two\r")
    assert is_burst("x" * 40)
    assert not is_burst("a")  # a key typed
    assert not is_burst("ab\r")  # too few to be sure: typed during a stall
    assert not is_burst("\x1b[A\x1b[A\x1b[A\x1b[A")  # arrow keys held down
    # A log copied with its colours: colour codes are text in a paste, no key sends them.
    assert is_burst("\x1b[31mERROR\x1b[0m upstream timeout\r\x1b[31mERROR\x1b[0m again\r")
    assert is_burst("ERROR upstream timeout\rERROR again \x1b[3")  # a code cut at the end
    assert not is_burst("\x1b[<0;3;5M\x1b[<32;30;5M\x1b[<0;60;6m")  # the mouse: keys
    assert key_escape("\x1b[1;31mred\x1b[0m then \x1b[A") == len("\x1b[1;31mred\x1b[0m then ")
    assert key_escape("\x1b[31mred\x1b[0m") == -1
    assert normalise("a\r\nb\rc\n\x00") == "a\nb\nc\n"
    # A pasted log's escapes must not run on the terminal that draws the field: clear screen,
    # a window title (OSC 0), colour; tabs and line breaks stay.
    pasted = "one\x1b[2J\x1b[H\x1b]0;PWNED\x07two\tthree\x1b[31mred\x1b[0m\nfour\x07"
    assert normalise(pasted) == "one␛␛␛two\tthree␛red␛\nfour␇"
    # One short line with its Enter, arriving together, is typing (a script, a laggy link).
    assert typed_line("roll back now\r") and typed_line("roll back now\r\n")
    assert not typed_line("line one\rline two\r") and not typed_line("no enter yet")
    assert not typed_line("x" * 300 + "\r")


async def test_a_line_pasted_with_its_line_break_waits_for_enter(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # With the timeline focused: the note field takes it, nothing is submitted yet.
        app.main.timeline.post_message(events.Paste("errors began after deploy\n"))
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        assert app.screen.focused.id == "note"
        assert app.screen.focused.value == "errors began after deploy"
        assert notes(room, declared) == []
        await pilot.press("enter")
        await settle(pilot)
        assert notes(room, declared) == ["errors began after deploy"]


async def test_a_pasted_note_that_could_not_be_saved_comes_back_in_the_editor(
    room: Room, declared: int
) -> None:
    from warroom.errors import DatabaseLocked

    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        session = app.main.session
        real_write = session.write
        calls: list[int] = []

        def locked_once(work):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 1:
                raise DatabaseLocked("the file is locked; try again")
            return real_write(work)

        session.write = locked_once  # type: ignore[method-assign]
        await pilot.press("n")
        app.screen.focused.post_message(events.Paste("line one\nline two"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        await pilot.press("ctrl+s")
        # Not saved: the editor is back with every line, not an empty note field.
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, NoteEditor)
                and app.screen.query_one(TextArea).text == "line one\nline two"
            ),
            "the editor to come back with the text",
        )
        assert any("locked" in n for n in app.notices)
        assert notes(room, declared) == []
        await pilot.press("ctrl+s")
        await until(pilot, lambda: notes(room, declared) != [], "the note")
        assert notes(room, declared) == ["line one\nline two"]


async def test_two_note_editors_can_be_on_the_stack_at_once(room: Room, declared: int) -> None:
    # A failed save reopens the editor while the closing one may still be leaving the stack;
    # a fixed screen id made that a DuplicateIds crash (seen in CI under load).
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(NoteEditor("first"))
        app.push_screen(NoteEditor("second"))
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, NoteEditor)
                and [area.text for area in app.screen.query(TextArea)] == ["second"]
            ),
            "the second editor",
        )
