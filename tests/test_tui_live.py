"""The war room is live and shared: other writers, hostile text, read-only mode, a locked or
vanished file, and a timeline of 100,000 entries."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from textual.widgets import Input

from tests.conftest import T0, FakeClock, as_person
from warroom import actions
from warroom.domain import to_iso
from warroom.room import Room
from warroom.storage import open_store
from warroom.storage import queries as q
from warroom.tui.commands import ALL_COMMANDS, WRITE_ACTIONS
from warroom.tui.data import PAGE
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.widgets.timeline import TimelineView

from .tui_helpers import drawn, make_app, settle, until

HOSTILE = [
    "[/]",
    "[@click=app.quit]click me",
    "[bold]not bold[/bold]",
    "clip \x1b]52;c;aGVsbG8=\x07 board",
    "wipe \x1b[2J screen",
]


async def test_entries_from_another_process_appear_without_a_keypress(
    room: Room, db_path: Path
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        result = subprocess.run(
            [sys.executable, "-m", "warroom", "--db", str(db_path), "--as", "bob", "note", "x"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["x"], "the other note")
        # State too, not only entries: another connection changes the severity.
        other = open_store(db_path)
        try:
            actions.set_severity(as_person(Room(other, room.actor), "carol"), incident_id, "SEV3")
        finally:
            other.close()
        await until(pilot, lambda: app.main.latest.incident.severity == "SEV3", "the new severity")
        assert app.main.query_one("#hdr-sev").has_class("-sev3")


async def test_hostile_text_is_shown_literally(room: Room) -> None:
    incident_id = actions.declare(room, "[@click=app.quit]Title [/]", "SEV2")
    for text in HOSTILE:
        actions.note(as_person(room, "[red]mallory[/]"), incident_id, text)
    actions.triage(room, incident_id, impact="[bold]impact[/] \x1b[2J")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        texts = app.main.timeline.texts()
        assert "[/]" in texts
        assert "[@click=app.quit]click me" in texts
        assert "[bold]not bold[/bold]" in texts
        assert "clip ␛ board" in texts and "wipe ␛ screen" in texts
        assert not any("\x1b" in t or "\x07" in t for t in texts)
        title = str(app.main.query_one("#hdr-title").render())
        assert title == "[@click=app.quit]Title [/]"
        facts = drawn(app, app.main.query_one("#facts"), inner=True)
        assert "[bold]impact[/] ␛" in facts
        svg = app.export_screenshot()
        assert "\x1b" not in svg
        assert "[@click=app.quit]click&#160;me" in svg or "[@click=app.quit]click me" in svg
        # Typing markup into the note input is stored and shown as typed.
        await pilot.press("n", *"[/] [@click=app.quit]", "enter")
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "[/] [@click=app.quit]"
        assert app.is_running and app.return_code is None
    with room.read() as conn:
        assert q.timeline_tail(conn, incident_id, 1)[0]["text"] == "[/] [@click=app.quit]"


async def test_read_only_mode_offers_nothing_that_writes(db_path: Path, room: Room) -> None:
    actions.declare(room, "Checkout down", "SEV1")
    store = open_store(db_path, readonly=True)
    try:
        watcher_room = Room(store, room.actor, room.settings, room.clock)
        app = make_app(watcher_room, readonly=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = {b.binding.action for b in app.screen.active_bindings.values()}
            allowed = {c.action for c in ALL_COMMANDS if app.allows(c.action)}
            assert not shown & WRITE_ACTIONS
            assert not allowed & WRITE_ACTIONS
            assert {"filter", "switch", "help", "quit"} <= allowed
            assert not app.main.query("#note")
            await pilot.press("n", "v", "s", "a", "c", "t", "m", "d")
            await settle(pilot)
            assert isinstance(app.screen, WarRoomScreen)
            assert app.main.timeline.texts() == [
                "Declared SEV1: Checkout down",
                "Checklist: ticked 'Assign severity' (auto: severity set)",
            ]
    finally:
        store.close()
    with room.read() as conn:
        assert q.timeline_count(conn, 1) == 2


async def test_command_palette_lists_every_action(room: Room) -> None:
    actions.declare(room, "Checkout down", "SEV1")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        from textual.command import CommandList

        async def prompts() -> list[str]:
            return [str(o.prompt) for o in app.screen.query_one(CommandList).options]

        await until(pilot, lambda: len(app.screen.query_one(CommandList).options) > 10, "hits")
        shown = " ".join(await prompts())
        for command in ALL_COMMANDS:
            # r (reopen) is offered only once the file has been deleted or replaced.
            offered = command.action != "reopen"
            assert (f"{command.title} ({command.shown_key})" in shown) == offered, command


async def test_locked_database_shows_a_message_and_writes_nothing(
    db_path: Path, room: Room
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    impatient = open_store(db_path, busy_timeout=0.1)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        app = make_app(Room(impatient, room.actor, room.settings, room.clock))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            blocker.execute("BEGIN IMMEDIATE")
            await pilot.press("n", *"blocked note", "enter")
            await settle(pilot)
            assert any("locked" in notice for notice in app.notices)
            assert app.is_running
            blocker.execute("ROLLBACK")
    finally:
        blocker.close()
        impatient.close()
    with room.read() as conn:
        assert all(e["text"] != "blocked note" for e in q.timeline_tail(conn, incident_id, 10))


async def test_a_note_saved_late_keeps_the_time_it_was_typed(
    db_path: Path, room: Room, clock: FakeClock
) -> None:
    """Held 30 s by another writer's lock, a note took the time it was saved, and moved
    down the timeline past what happened meanwhile (drill)."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    typed = room.now()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    try:
        app = make_app(room)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            blocker.execute("BEGIN IMMEDIATE")
            await pilot.press("n", *"failover decided", "enter")
            await pilot.pause()
            clock.advance(seconds=30)  # the lock goes half a minute later
            blocker.execute("ROLLBACK")
            await until(
                pilot, lambda: "failover decided" in app.main.timeline.texts()[-1], "the note"
            )
            assert app.main.timeline.texts()[-1].startswith(
                f"(happened {typed.astimezone():%H:%M:%S}) "
            )
            await pilot.press("n", *"on time", "enter")  # no lock: no "happened"
            await until(pilot, lambda: app.main.timeline.texts()[-1] == "on time", "the next")
    finally:
        blocker.close()
    with room.read() as conn:
        late, prompt = q.timeline_tail(conn, incident_id, 2)
    assert json.loads(late["data"]) == {"at": to_iso(typed)}
    assert late["ts"] == to_iso(typed + timedelta(seconds=30))
    assert prompt["data"] is None


async def test_vanished_database_shows_a_message(tmp_path: Path, room: Room) -> None:
    path = tmp_path / "doomed.db"
    store = open_store(path)
    doomed = Room(store, room.actor, room.settings, room.clock)
    actions.declare(doomed, "Checkout down", "SEV1")
    try:
        app = make_app(doomed, live=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            await until(
                pilot, lambda: "has been deleted" in app.main.problem, "the deleted-file message"
            )
            problem = app.main.query_one("#problem")
            assert problem.display and "has been deleted" in str(problem.render())
            assert app.is_running
    finally:
        store.close()


def _bulk_entries(room: Room, incident_id: int, count: int) -> None:
    ts = to_iso(T0)
    with room.store.write() as conn:
        conn.executemany(
            "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
            " VALUES (?, ?, 'bot', 'bot', 'note', ?)",
            ((incident_id, ts, f"entry {i}") for i in range(count)),
        )


async def test_a_hundred_thousand_entries_load_a_page_at_a_time(room: Room) -> None:
    incident_id = actions.declare(room, "Noisy", "SEV3")
    _bulk_entries(room, incident_id, 100_000)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.query_one(TimelineView)
        assert timeline.entry_count == PAGE
        assert timeline.texts()[-1] == "entry 99999"
        assert timeline.is_vertical_scroll_end  # follows the newest
        assert len(list(timeline.walk_children())) == 0  # lines, not widgets
        timeline.scroll_home(animate=False, immediate=True)
        await until(pilot, lambda: timeline.entry_count == 2 * PAGE, "the older page")
        await settle(pilot)
        assert timeline.texts()[0] == f"entry {100_000 - 2 * PAGE}"
        assert timeline.scroll_y > 0  # the reader's place is kept, not jumped to the top
        # Scrolled up: a new entry does not pull the view to the bottom.
        await pilot.press("n", *"new one", "enter")
        await settle(pilot)
        assert timeline.texts()[-1] == "new one"
        assert not timeline.is_vertical_scroll_end
        assert app.main.query_one("#note", Input).value == ""


async def test_a_command_from_the_palette_runs_on_the_war_room(room: Room) -> None:
    actions.declare(room, "Checkout down", "SEV1")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        from textual.command import CommandPalette

        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"Mitigate")
        await until(
            pilot,
            lambda: any(
                "Mitigate" in str(o.prompt) for o in app.screen.query_one("CommandList").options
            ),
            "the hit",
        )
        await pilot.press("enter")
        from warroom.tui.screens.mitigate import MitigateScreen

        await until(pilot, lambda: isinstance(app.screen, MitigateScreen), "the mitigation form")
