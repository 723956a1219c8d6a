"""The war room follows its file by identity (device, inode), as `tail -f` does: deleted or
replaced (a backup restored with `mv`), it says so, refuses every write, keeps what was typed,
never lets its old -wal reach the new file, and reopens the file now at the path on r."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tests.conftest import FakeClock
from warroom import actions
from warroom.actions import Actor, Room
from warroom.storage import FileMoved, file_identity, open_store
from warroom.storage.backup import backup_to

from .tui_helpers import drawn, make_app, screen_lines, settle, until


def _texts(path: Path) -> list[str]:
    """The timeline's texts as a fresh connection at the path sees them."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT text FROM timeline ORDER BY id")]
    finally:
        conn.close()


def _restore_with_mv(backup: Path, path: Path) -> None:
    os.replace(backup, path)  # what `mv restored.db incidents.db` does


def test_a_write_into_a_replaced_file_is_refused_and_rolled_back(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    _restore_with_mv(tmp_path / "backup.db", db_path)
    with pytest.raises(FileMoved, match="has been replaced"):
        actions.note(room, incident_id, "into the orphan")
    with room.read() as conn:  # the old file, through the connection still open on it
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline")]
    assert "into the orphan" not in texts and texts


def test_a_write_into_a_deleted_file_is_refused(room: Room, db_path: Path) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    db_path.unlink()
    with pytest.raises(FileMoved, match="has been deleted"):
        actions.note(room, incident_id, "into nowhere")
    with room.read() as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline")]
    assert "into nowhere" not in texts


async def test_deleted_file_refuses_notes_and_keeps_the_typed_text(tmp_path: Path) -> None:
    path = tmp_path / "doomed.db"
    store = open_store(path)
    room = Room(store, Actor("alice", "alice-login"), clock=FakeClock())
    actions.declare(room, "Checkout down", "SEV1")
    try:
        app = make_app(room, live=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            path.unlink()  # rm incidents.db, the -wal and -shm left beside it
            await until(pilot, lambda: "has been deleted" in app.main.problem, "the banner")
            problem = app.main.query_one("#problem")
            assert problem.display and "has been deleted" in str(problem.render())
            await pilot.press("n", *"is anyone there", "enter")
            await settle(pilot)
            assert "is anyone there" not in app.main.timeline.texts()
            assert not any(n.startswith("Note ") for n in app.notices)
            assert any("Not saved" in n and "deleted" in n for n in app.notices)
            # Nothing typed is lost: the note is back in the input, to save after reopening.
            assert app.main.query_one("#note", Input).value == "is anyone there"
            # Our connection let go of the file, so SQLite removed the -wal and -shm it kept
            # beside the path: a new database created there will not replay them.
            await until(
                pilot,
                lambda: not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists(),
                "the old -wal and -shm to go",
            )
            assert app.is_running
    finally:
        store.close()


async def test_backup_restored_with_mv_is_noticed_not_undone_and_reopened(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    actions.note(room, incident_id, "before the backup")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")  # in the -wal beside the path
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "after the backup"
        assert not app.allows("reopen")
        _restore_with_mv(tmp_path / "backup.db", db_path)
        await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
        await settle(pilot)
        assert "reopen" in {k.action for k in app.main.query(FooterKey)}
        # Our old -wal was not applied to the restored file: it reads as the backup.
        restored = _texts(db_path)
        assert "before the backup" in restored and "after the backup" not in restored
        # A note now is refused, and kept in the input.
        await pilot.press("n", *"decision: roll back", "enter")
        await settle(pilot)
        assert any("Not saved" in n for n in app.notices)
        assert app.main.query_one("#note", Input).value == "decision: roll back"
        assert "decision: roll back" not in _texts(db_path)
        # r opens the file now at the path: the restored one.
        assert app.allows("reopen")
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        await settle(pilot)
        assert app.main.problem == ""
        assert "after the backup" not in app.main.timeline.texts()
        assert "before the backup" in app.main.timeline.texts()
        # It says what was read from the old file that the restored one lacks, as tail -f.
        kept = len(_texts(db_path))  # ids 1 to kept: the backup's
        told = next(n for n in app.notices if n.startswith("Reopened"))
        assert f"The restored file lacks #{kept + 1} to #{kept + 1}, shown before" in told
        assert not app.allows("reopen")
        await until(
            pilot,
            lambda: "reopen" not in {k.action for k in app.main.query(FooterKey)},
            "r to leave the footer",
        )
        # And writing works again, into the restored file.
        app.main.focus_note()
        await pilot.press("enter")  # the kept text, saved now
        await settle(pilot)
        assert app.main.timeline.texts()[-1] == "decision: roll back"
    assert _texts(db_path)[-1] == "decision: roll back"


async def test_r_is_in_the_footer_of_a_small_terminal_once_the_file_is_replaced(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """At 60x20 the footer shows twelve keys: r, offered only now, came last and was cut
    off just when it was needed (review)."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    app = make_app(room, live=True)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
        await until(pilot, lambda: "reopen" in {k.action for k in app.main.query(FooterKey)}, "r")
        await settle(pilot)
        footer = " ".join(screen_lines(app)[-2:])
        assert "r Reopen" in footer and "? Help" in footer, footer


async def test_r_counts_a_lost_entry_whose_id_a_new_note_took(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """A note written to the restored file before r takes the id of the entry the restore
    lost: by ids alone r said nothing was lacking (drill). The hash chain tells."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    lost = actions.note(room, incident_id, "after the backup")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
        await until(pilot, lambda: app.main.session.left_behind != {}, "the old file let go")
        other = Room(open_store(db_path), Actor("bob", "bob"), room.settings, room.clock)
        assert actions.note(other, incident_id, "from a shell, into the restored file") == lost
        other.store.close()
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        told = next(n for n in app.notices if n.startswith("Reopened"))
        assert f"The restored file lacks #{lost} to #{lost}, shown before" in told


async def test_a_new_files_wal_is_never_deleted_by_our_stale_connection(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """Restored properly (old -wal and -shm removed first), and another process already
    writing to the new file: closing our connection to the orphan would make SQLite delete
    the new file's -wal by name, with that process's commits in it. It is kept open."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink()
        _restore_with_mv(tmp_path / "backup.db", db_path)
        other = open_store(db_path)
        try:
            other.conn.execute("PRAGMA wal_autocheckpoint = 0")  # its commit stays in -wal
            actions.note(Room(other, room.actor, room.settings, room.clock), incident_id, "new")
            wal = file_identity(f"{db_path}-wal")
            assert wal is not None
            await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
            await settle(pilot)
            assert file_identity(f"{db_path}-wal") == wal
            assert _texts(db_path)[-1] == "new"
        finally:
            other.close()


async def test_a_file_moved_away_keeps_every_change_in_its_wal(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """`mv incidents.db elsewhere.db`: the -wal beside the old path holds committed changes of
    the moved file. They are checkpointed into it before that -wal is removed."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    actions.note(room, incident_id, "only in the -wal so far")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        moved = tmp_path / "elsewhere.db"
        os.rename(db_path, moved)
        await until(pilot, lambda: "moved away" in app.main.problem, "the banner")
        await until(pilot, lambda: not Path(f"{db_path}-wal").exists(), "the old -wal to go")
        await settle(pilot)
        assert "only in the -wal so far" in _texts(moved)


async def test_watch_notices_a_restore_and_reopens_read_only(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    watcher = open_store(db_path, readonly=True)
    try:
        watching = Room(watcher, room.actor, room.settings, room.clock)
        app = make_app(watching, readonly=True, live=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.main.timeline.texts()[-1] == "after the backup"
            _restore_with_mv(tmp_path / "backup.db", db_path)
            await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
            await settle(pilot)
            await pilot.press("r")
            await until(pilot, lambda: app.main.moved is None, "the reopen")
            await settle(pilot)
            assert "after the backup" not in app.main.timeline.texts()
            assert app.session.room.store.readonly  # still only watching
    finally:
        watcher.close()


async def test_a_reopened_file_is_checked_for_damage_before_the_first_write(
    room: Room, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.errors import DatabaseCorrupt
    from warroom.tui import session

    actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        await until(pilot, lambda: "has been replaced" in app.main.problem, "the banner")
        checked: list[Path] = []

        def damaged(store) -> None:  # type: ignore[no-untyped-def]
            checked.append(store.path)
            raise DatabaseCorrupt(f"{store.path} is damaged (test); nothing was written", "X")

        monkeypatch.setattr(session, "check_integrity", damaged)
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        await settle(pilot)
        await pilot.press("n", *"after the restore", "enter")
        await settle(pilot)
        assert checked, "the restored file was written without a damage check"
        assert "after the restore" not in _texts(db_path)


async def test_a_note_typed_right_after_r_goes_into_the_restored_file(
    room: Room, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reopen shows the restored file's incident itself: there is no moment after
    "Reopened" when n answers "still reading" (CI, under load: the kept note was dropped)."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        app.main.file_moved("replaced")  # what the live worker reports
        await settle(pilot)
        # Any read the screen asks for from now on is slow: it has not come back yet.
        monkeypatch.setattr(app.main, "refresh_now", lambda: None)
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        assert "after the backup" not in app.main.timeline.texts()
        assert app.main.timeline.texts()[0].startswith("Declared SEV1")
        await pilot.press("n", *"roll back now", "enter")
        await settle(pilot)
        assert not any("Still reading" in n for n in app.notices)
        assert _texts(db_path)[-1] == "roll back now"


async def test_r_on_an_empty_file_moved_into_place_leaves_it_empty(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """`: > empty; mv empty incidents.db`, then r: the war room wrote a schema into it and
    offered to declare there (drill); the CLI refuses an empty file. r can be pressed again
    once a real file is back."""
    actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        empty = tmp_path / "empty.db"
        empty.touch()
        _restore_with_mv(empty, db_path)
        app.main.file_moved("replaced")  # what the live worker reports
        await settle(pilot)
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: any("is empty" in n for n in app.notices), "the refusal")
        assert db_path.stat().st_size == 0
        assert app.main.moved is not None  # still on the file left behind
        _restore_with_mv(tmp_path / "backup.db", db_path)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        await pilot.press("n", *"back on the backup", "enter")
        await settle(pilot)
    assert _texts(db_path)[-1] == "back on the backup"


async def test_a_reopen_whose_read_fails_still_leaves_the_moved_file_behind(
    room: Room, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file at the path opens, but its first read is refused (locked): the screen was
    left on the moved file, every note refused with "press r" (found in review)."""
    from warroom.errors import DatabaseLocked
    from warroom.tui.screens import main

    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        app.main.file_moved("replaced")  # what the live worker reports
        await settle(pilot)
        real = main.load_snapshot
        refused: list[bool] = []

        def locked_once(*args, **kwargs):  # type: ignore[no-untyped-def]
            if not refused:
                refused.append(True)
                raise DatabaseLocked(f"{db_path} is locked (test)", "SQLITE_BUSY")
            return real(*args, **kwargs)

        monkeypatch.setattr(main, "load_snapshot", locked_once)
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: bool(refused), "the refused read")
        await settle(pilot)
        assert app.main.moved is None
        await until(pilot, lambda: "after the backup" not in app.main.timeline.texts(), "read")
        await pilot.press("n", *"roll back now", "enter")
        await settle(pilot)
        assert _texts(db_path)[-1] == "roll back now"


async def test_a_multi_line_note_refused_by_a_replaced_file_is_kept_through_ctrl_r(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """The editor opened again on the refused note said "press r", which typed into it; Esc
    threw the note away: a trap (drill). ctrl+r reopens the file with the editor kept."""
    from textual import events

    from warroom.tui.screens.note_editor import NoteEditor

    incident_id = actions.declare(room, "Checkout down", "SEV1")
    backup_to(room.store, tmp_path / "backup.db")
    actions.note(room, incident_id, "after the backup")
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        _restore_with_mv(tmp_path / "backup.db", db_path)
        app.main.file_moved("replaced")  # what the live worker reports
        await settle(pilot)
        app.main.timeline.post_message(events.Paste("rolled back\nerrors falling"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: isinstance(app.screen, NoteEditor) and bool(app.screen.problem),
            "the editor again, saying why",
        )
        editor = app.screen

        def said() -> str:  # the editor's line above the text, as drawn
            return " ".join(drawn(app, editor.query_one("#note-editor-problem")).split())

        await pilot.pause()
        assert "ctrl+r opens the file now at the path" in said()
        assert editor.area.text == "rolled back\nerrors falling"
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        await settle(pilot)
        assert app.screen is editor  # kept open, with its text
        assert said().startswith("Reopened ")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert _texts(db_path)[-1] == "rolled back\nerrors falling"


async def test_a_lock_during_the_reopen_keeps_the_incident_on_screen(
    room: Room, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A locked file read as "this incident is not in the file": the war room turned to
    another incident after r (review)."""
    from warroom.errors import DatabaseLocked
    from warroom.room import Room as RoomClass
    from warroom.tui.screens import main

    first = actions.declare(room, "Checkout down", "SEV1")
    actions.declare(room, "Search slow", "SEV3")
    backup_to(room.store, tmp_path / "backup.db")
    app = make_app(room, first)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.main.incident_id == first
        _restore_with_mv(tmp_path / "backup.db", db_path)
        app.main.file_moved("replaced")
        await settle(pilot)
        refused: list[str] = []
        real_incident, real_load = RoomClass.incident, main.load_snapshot

        def locked(what, real):  # type: ignore[no-untyped-def]
            def once(*args, **kwargs):  # type: ignore[no-untyped-def]
                if what not in refused:
                    refused.append(what)
                    raise DatabaseLocked(f"{db_path} is locked (test)", "SQLITE_BUSY")
                return real(*args, **kwargs)

            return once

        monkeypatch.setattr(RoomClass, "incident", locked("incident", real_incident))
        monkeypatch.setattr(main, "load_snapshot", locked("snapshot", real_load))
        app.main.set_focus(app.main.timeline)
        await pilot.press("r")
        await until(pilot, lambda: app.main.moved is None, "the reopen")
        await settle(pilot)
        assert "incident" in refused
        assert app.main.incident_id == first
