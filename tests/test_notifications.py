"""Notifications quote text from outside (a folder name, a file name, names people typed):
they reach the screen as plain text, control characters shown as symbols and markup not
interpreted, like everything else the war room shows."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from tests.tui_helpers import make_app, settle, until
from warroom import actions
from warroom.room import Room
from warroom.storage import open_store

# No "/": it names a folder. "[/]" would close a tag; "[bold red]" opens one.
HOSTILE = "inc[bold red]\x1b[31mRED\x07[@click=app.quit]"
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown_toasts(app: object) -> list[str]:
    """What the toasts on screen draw, as plain text."""
    return [str(toast.render()) for toast in app.screen.query(Toast)]  # type: ignore[attr-defined]


def assert_literal(text: str) -> None:
    assert not UNSAFE.search(text), repr(text)
    assert "[bold red]" in text and "[@click=app.quit]" in text
    assert "␛" in text  # the escape is shown as a symbol, not sent to the terminal


async def test_export_notice_shows_a_hostile_folder_name_literally(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    folder = tmp_path / HOSTILE
    folder.mkdir()
    monkeypatch.chdir(folder)
    app = make_app(room)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        await until(pilot, lambda: any("Postmortem" in t for t in shown_toasts(app)), "toast")
        [toast] = [t for t in shown_toasts(app) if "Postmortem" in t]
        assert_literal(toast)
        assert app.is_running and app.return_code is None  # [@click=app.quit] ran nothing
    assert any(p.name.endswith("postmortem.md") for p in folder.iterdir())


async def test_error_notice_shows_a_hostile_file_name_literally(tmp_path: Path, room: Room) -> None:
    path = tmp_path / f"{HOSTILE}.db"
    store = open_store(path, busy_timeout=0.1)
    hostile_room = Room(store, room.actor, room.settings, room.clock)
    actions.declare(hostile_room, "Checkout down", "SEV2")
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        app = make_app(hostile_room)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            blocker.execute("BEGIN IMMEDIATE")
            await pilot.press("n", *"blocked", "enter")
            await settle(pilot)
            await until(pilot, lambda: any("locked" in t for t in shown_toasts(app)), "toast")
            [toast] = [t for t in shown_toasts(app) if "locked" in t]
            assert_literal(toast)
            assert app.is_running
            blocker.execute("ROLLBACK")
    finally:
        blocker.close()
        store.close()
