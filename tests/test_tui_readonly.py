"""`warroom watch` says it is read-only: READ-ONLY in the header, no write key anywhere (footer,
help, palette, update panel), and a write key says why it does nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Label
from textual.widgets._footer import FooterKey

from warroom import actions
from warroom.actions import Room
from warroom.storage import open_store
from warroom.tui.app import WarroomApp
from warroom.tui.commands import ALL_COMMANDS
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.screens.update_panel import UpdatePanelScreen

from .tui_helpers import make_app, settle, until


@pytest.fixture
def watching(db_path: Path, room: Room) -> Iterator[WarroomApp]:
    actions.declare(room, "Checkout down", "SEV1")
    store = open_store(db_path, readonly=True)
    try:
        yield make_app(Room(store, room.actor, room.settings, room.clock), readonly=True)
    finally:
        store.close()


def _footer_actions(app: WarroomApp) -> set[str]:
    return {key.action for key in app.screen.query(FooterKey)}


async def test_the_header_says_read_only(watching: WarroomApp) -> None:
    app = watching
    async with app.run_test(size=(60, 20)) as pilot:  # even at the narrowest size
        await settle(pilot)
        label = app.main.query_one("#hdr-readonly", Label)
        assert "READ-ONLY" in str(label.render())
        assert label.region.width > 0 and label.region.x < 60  # on screen, not cut away
        assert "READ-ONLY" in app.export_screenshot()


async def test_a_writable_war_room_does_not_say_read_only(room: Room) -> None:
    actions.declare(room, "Checkout down", "SEV1")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.main.query("#hdr-readonly")
        assert "READ-ONLY" not in app.export_screenshot()


async def test_a_write_key_says_why_it_does_nothing(watching: WarroomApp) -> None:
    app = watching
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key in ("n", "v", "s", "a", "c", "t", "m", "d"):
            before = len(app.notices)
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, WarRoomScreen), key
            said = app.notices[before:]
            assert len(said) == 1 and "Read-only" in said[0] and "warroom note" in said[0], key
        # A key that does not write still works.
        await pilot.press("question_mark")
        await settle(pilot)
        assert not isinstance(app.screen, WarRoomScreen)


async def test_no_write_key_in_help_or_palette(watching: WarroomApp) -> None:
    app = watching
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        writes = {c.shown_key for c in ALL_COMMANDS if c.writes}
        await pilot.press("question_mark")
        await settle(pilot)
        assert not writes & {key for key, _, _ in app.screen.keys}
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        from textual.command import CommandList

        await until(pilot, lambda: bool(app.screen.query(CommandList)), "the palette")
        await until(pilot, lambda: len(app.screen.query_one(CommandList).options) > 5, "hits")
        prompts = " ".join(str(o.prompt) for o in app.screen.query_one(CommandList).options)
        for command in ALL_COMMANDS:
            if command.writes:
                assert f"({command.shown_key})" not in prompts, command.action
        assert "Filter (f)" in prompts


async def test_the_update_panel_offers_no_publish(watching: WarroomApp) -> None:
    app = watching
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdatePanelScreen), "the panel")
        await settle(pilot)
        assert "publish" not in _footer_actions(app)
        assert "copy" in _footer_actions(app)  # the footer is there, without publish
        shot = app.export_screenshot()
        # "Published" heads the list of updates already out; nothing offers to publish.
        assert not re.search(r"Publish(?!ed)|publishes", shot)
        before = len(app.notices)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, UpdatePanelScreen)
        assert any("Read-only" in n for n in app.notices[before:])
    with app.session.room.read() as conn:
        from warroom.views import updates

        assert updates(conn, 1) == []


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_no_pane_title_names_a_write_key(watching: WarroomApp, size) -> None:
    from .tui_helpers import screen_lines

    app = watching
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        titles = [line for line in screen_lines(app) if "╭" in line]
        shown = " ".join(titles)
        assert "Checklist" in shown and "Timeline" in shown
        for write_hint in ("c: tick", "t: edit", "(a, t)"):
            assert write_hint not in shown, (write_hint, titles)
