"""The timeline pane: it keeps following through layout changes, its memory stays bounded
however many entries arrive, and a long entry is folded once per width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from tests.conftest import T0, as_person
from warroom import actions
from warroom.actions import Room
from warroom.room import Actor
from warroom.tui.widgets import timeline as timeline_module
from warroom.tui.widgets.timeline import TimelineView, _fold
from warroom.views import Entry

from .tui_helpers import make_app, screen_lines, settle, until


def _entry(i: int, text: str | None = None) -> Entry:
    return Entry(
        id=i,
        incident_id=1,
        ts=T0 + timedelta(seconds=i),
        author="maya",
        login="maya",
        kind="note",
        text=text if text is not None else f"entry {i}",
        data={},
    )


class TimelineApp(App[None]):
    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = limit
        self.messages: list[object] = []

    def compose(self) -> ComposeResult:
        yield TimelineView(id="timeline", limit=self.limit)

    def on_timeline_view_need_older(self, message: TimelineView.NeedOlder) -> None:
        self.messages.append(message)

    def on_timeline_view_need_newest(self, message: TimelineView.NeedNewest) -> None:
        self.messages.append(message)


# --- following --------------------------------------------------------------------------------


@pytest.fixture
def busy(room: Room) -> int:
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    actions.assign(room, incident_id, "owner", "alice")
    bob = as_person(room, "bob")
    for i in range(60):
        actions.note(bob, incident_id, f"note {i} " + "word " * (i % 7 * 6))
    return incident_id


async def _note_from_elsewhere(pilot, room: Room, incident_id: int, text: str) -> None:
    actions.note(as_person(room, "carol"), incident_id, text)
    pilot.app.main.refresh_now()
    await until(pilot, lambda: pilot.app.main.timeline.texts()[-1:] == [text], repr(text))
    await settle(pilot)


def _at_end(timeline: TimelineView) -> bool:
    return timeline.max_scroll_y > 0 and timeline.scroll_y >= timeline.max_scroll_y


async def test_the_timeline_keeps_following_through_resizes_and_resolving(
    room: Room, busy: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        await until(pilot, lambda: _at_end(timeline), "the timeline at its end")
        for size in [(80, 24), (60, 20), (200, 60), (100, 30), (80, 24)]:
            await pilot.resize_terminal(*size)
            await settle(pilot)
            await _note_from_elsewhere(pilot, room, busy, f"after resizing to {size}")
            await until(pilot, lambda: _at_end(timeline), f"the end at {size}")
            assert timeline.following and not timeline.border_subtitle, size
        # Resolving swaps the countdown for the review pane: the timeline's height changes.
        actions.set_status(room, busy, "resolved")
        app.main.refresh_now()
        await until(pilot, lambda: app.main.has_class("-resolved"), "the resolved layout")
        await settle(pilot)
        await _note_from_elsewhere(pilot, room, busy, "after resolving")
        await until(pilot, lambda: _at_end(timeline), "the end after resolving")
        assert timeline.following and not timeline.border_subtitle
        await pilot.resize_terminal(120, 40)  # the wide layout: review beside the timeline
        await settle(pilot)
        await _note_from_elsewhere(pilot, room, busy, "after resolving, wide")
        await until(pilot, lambda: _at_end(timeline), "the end, wide and resolved")
        assert not timeline.border_subtitle


async def test_scrolled_up_stays_put_through_new_entries_and_resizes(room: Room, busy: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        await until(pilot, lambda: _at_end(timeline), "the timeline at its end")
        timeline.focus()
        await pilot.press("pageup")
        await settle(pilot)
        where = timeline.scroll_y
        assert not timeline.following and where < timeline.max_scroll_y
        await _note_from_elsewhere(pilot, room, busy, "while reading")
        assert timeline.scroll_y == where
        assert "scrolled up" in str(timeline.border_subtitle)
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert not timeline.following and "scrolled up" in str(timeline.border_subtitle)
        await pilot.press("end")
        await settle(pilot)
        assert timeline.following and _at_end(timeline) and not timeline.border_subtitle
        await _note_from_elsewhere(pilot, room, busy, "following again")
        await until(pilot, lambda: _at_end(timeline), "the end again")


async def test_scrolling_back_down_to_the_end_follows_again() -> None:
    app = TimelineApp()
    async with app.run_test(size=(80, 12)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.reset([_entry(i) for i in range(1, 40)], more_before=False)
        await pilot.pause()
        timeline.focus()
        await pilot.press("up", "up")
        assert not timeline.following
        await pilot.press("down", "down")
        assert timeline.following and not timeline.border_subtitle
        timeline.append([_entry(40)])
        await pilot.pause()
        assert timeline.scroll_y == timeline.max_scroll_y


# --- bounded memory ---------------------------------------------------------------------------


async def test_rows_stay_bounded_while_following_and_older_ones_are_read_again() -> None:
    app = TimelineApp(limit=100)
    async with app.run_test(size=(80, 20)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.reset([_entry(1)], more_before=False)
        for start in range(2, 5002, 50):
            timeline.append([_entry(i) for i in range(start, start + 50)])
            assert timeline.entry_count <= 125  # the window, plus a batch before a drop
        await pilot.pause()
        assert timeline.texts()[-1] == "entry 5001" and timeline.more_before
        assert timeline.following and timeline.scroll_y == timeline.max_scroll_y
        first = timeline.first_id
        timeline.scroll_home(animate=False, immediate=True)
        await until(pilot, lambda: app.messages, "a request for older entries")
        assert isinstance(app.messages[0], TimelineView.NeedOlder)
        assert app.messages[0].before_id == first


async def test_rows_stay_bounded_while_scrolled_up_and_end_asks_for_the_newest() -> None:
    app = TimelineApp(limit=100)
    async with app.run_test(size=(80, 20)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.reset([_entry(i) for i in range(1, 81)], more_before=False)
        await pilot.pause()
        timeline.focus()
        await pilot.press("pageup")
        where = timeline.scroll_y
        shown = [timeline.render_line(y).text for y in range(5)]
        for start in range(81, 5081, 50):
            timeline.append([_entry(i) for i in range(start, start + 50)])
            assert timeline.entry_count <= 100
        await pilot.pause()
        # The reader's view has not moved, and the newest id is known for the next read.
        assert timeline.scroll_y == where
        assert [timeline.render_line(y).text for y in range(5)] == shown
        assert timeline.last_id == 5080
        assert "4,980 newer not shown" in str(timeline.border_subtitle)
        await pilot.press("end")
        await until(pilot, lambda: app.messages, "a request for the newest page")
        assert isinstance(app.messages[-1], TimelineView.NeedNewest)


async def test_no_gap_when_scrolled_back_down_past_what_was_left_out() -> None:
    app = TimelineApp(limit=100)
    async with app.run_test(size=(80, 20)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.reset([_entry(i) for i in range(1, 81)], more_before=False)
        await pilot.pause()
        timeline.focus()
        await pilot.press("pageup")
        timeline.append([_entry(i) for i in range(81, 301)])  # 200 left out
        assert timeline.texts()[-1] == "entry 100" and timeline.more_after
        for _ in range(40):  # the wheel or page down, to the bottom of what is kept
            await pilot.press("pagedown")
        await until(pilot, lambda: app.messages, "a request for the newest page")
        assert isinstance(app.messages[-1], TimelineView.NeedNewest)
        # Until the newest page arrives, a new entry must not land after the gap.
        timeline.append([_entry(301)])
        assert timeline.texts()[-1] == "entry 100" and timeline.last_id == 301


async def test_end_in_the_war_room_reads_the_newest_page_again(
    room: Room, busy: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline_module, "KEEP_ROWS", 40)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        assert timeline.entry_count <= 40
        timeline.focus()
        await pilot.press("pageup")
        await settle(pilot)
        bob = as_person(room, "bob")
        for i in range(100):
            actions.note(bob, busy, f"later {i}")
        app.main.refresh_now()
        await settle(pilot)
        assert timeline.entry_count <= 40 and timeline.more_after
        assert "later 99" not in timeline.texts()
        await pilot.press("end")
        await until(pilot, lambda: timeline.texts()[-1:] == ["later 99"], "the newest entry")
        await settle(pilot)
        assert timeline.entry_count <= 40 and timeline.following and not timeline.more_after
        assert _at_end(timeline) and not timeline.border_subtitle


# --- folding ----------------------------------------------------------------------------------


def test_fold_keeps_every_word_within_the_width() -> None:
    text = " ".join(chr(97 + i % 26) * (i % 10 + 1) for i in range(3000))  # words fit
    for width in (10, 33, 80):
        lines = _fold(text, width)
        assert all(len(line) <= width for line in lines)
        assert " ".join(lines) == text


def test_fold_cuts_a_word_longer_than_the_line_into_pieces() -> None:
    assert _fold("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    wide = "漢字" * 20  # 80 cells
    lines = _fold(f"ok {wide}", 15)
    assert lines[0] == "ok" and "".join(lines[1:]) == wide
    assert all(cell_len(line) <= 15 for line in lines)


def test_fold_of_a_megabyte_without_spaces_cuts_it_into_whole_lines() -> None:
    lines = _fold("y" * 1_000_000, 60)
    assert len(lines) == 16_667 and lines[-1] == "y" * 40


async def test_a_long_entry_is_folded_once_per_width(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    real = timeline_module._fold

    def counting(text: str, width: int) -> list[str]:
        calls.append((len(text), width))
        return real(text, width)

    monkeypatch.setattr(timeline_module, "_fold", counting)
    big = "lorem ipsum " * 90_000  # about 1 MB
    app = TimelineApp()
    async with app.run_test(size=(100, 30)) as pilot:
        timeline = app.query_one(TimelineView)
        timeline.reset([_entry(1, "short"), _entry(2, big), _entry(3, "after")], more_before=False)
        await pilot.pause()
        for size in [(80, 24), (120, 40), (80, 24), (60, 20)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            timeline.scroll_home(animate=False, immediate=True)
            await pilot.pause()
        # The timeline shows a long line's first 600 characters (tui/entry_text.py), so the
        # folded text is that, not the whole megabyte.
        big_calls = [width for length, width in calls if length > 500]
        # Never twice for one width (back at 80 columns reuses the first fold), although
        # every resize lays the entry out again and draws its lines.
        assert big_calls and len(big_calls) == len(set(big_calls))


# --- narrow panes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "author", "kind"), [(120, True, True), (44, False, True), (30, False, False)]
)
async def test_a_narrow_pane_drops_author_then_kind_before_the_text(
    room: Room, width: int, author: bool, kind: bool
) -> None:
    # A tmux split gives the war room 30 columns: the text of each entry must still show,
    # whole (folded), the author and then the kind column giving up their room first.
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    text = "errors began two minutes after the deploy of version 1.42 to every region"
    writer = Room(room.store, Actor("priyanka", "priyanka"), room.settings, room.clock)
    actions.note(writer, incident_id, text)
    app = make_app(room)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        region = app.main.timeline.content_region
        lines = [
            line[region.x : region.right] for line in screen_lines(app)[region.y : region.bottom]
        ]
        shown = " ".join(" ".join(line.split()) for line in lines)
        assert text in shown, "\n".join(lines)
        assert ("priyanka" in shown) is author, "\n".join(lines)
        assert (" note " in f" {shown.replace(text, '')} ") is kind, "\n".join(lines)
