"""Issue 10 in the war room (Pilot): one promise, the lifecycle opening the update panel, no
double publish, a role changed under an open form, unsaved edits, copy messages, deliveries."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from tests.conftest import T0, FakeClock, as_person
from warroom import actions
from warroom.actions import Room
from warroom.domain import Destination
from warroom.tui.screens.forms import ConfirmDiscard
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.tui.screens.update_panel import UpdatePanelScreen
from warroom.tui.widgets.comms_gaps import CommsGapsBanner
from warroom.tui.widgets.countdown import CountdownPane
from warroom.views import updates

from .tui_helpers import make_app, settle, until

SIZE = (120, 40)


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


async def open_panel(pilot) -> UpdatePanelScreen:
    await pilot.press("u")
    await settle(pilot)
    panel = pilot.app.screen
    assert isinstance(panel, UpdatePanelScreen)
    await until(pilot, lambda: panel.draft is not None, "the draft")
    return panel


async def test_published_promise_is_what_the_countdown_counts_to(
    room: Room, clock: FakeClock, declared: int
) -> None:
    clock.advance(minutes=8, seconds=37)  # 14:08:37
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        assert "next update by 14:38 UTC" in panel.query_one(TextArea).text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        await until(
            pilot,
            lambda: "(at 14:38)" in str(app.main.query_one(CountdownPane).render()),
            "the countdown to the promise",
        )
        assert "Next update due in 29:23" in str(app.main.query_one(CountdownPane).render())
    with room.read() as conn:
        [published] = updates(conn, declared)
    assert "by 14:38 UTC" in published.text
    assert published.next_update_due == T0 + timedelta(minutes=38)


async def test_untouched_draft_follows_the_clock(
    room: Room, clock: FakeClock, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        assert "by 14:30 UTC" in panel.query_one(TextArea).text
        clock.advance(minutes=25)  # the first update is now overdue
        panel.follow_the_clock()
        await until(pilot, lambda: "by 14:55 UTC" in panel.query_one(TextArea).text, "14:55")


async def test_escape_on_an_edited_draft_asks(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        await pilot.press("escape")  # nothing edited: straight back
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        panel = await open_panel(pilot)
        panel.query_one(TextArea).focus()
        await pilot.press(*"Careful ")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDiscard)  # the forms' grammar
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert app.screen is panel and panel.query_one(TextArea).text.startswith("Careful ")
        await pilot.press("escape", "y")  # discard
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    with room.read() as conn:
        assert updates(conn, declared) == []


async def test_someone_else_published_since_the_draft_asks(
    room: Room, clock: FakeClock, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        clock.advance(seconds=20)
        actions.publish_update(as_person(room, "maya"), declared, "Investigating: by 14:30 UTC")
        await pilot.press("ctrl+s")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        # The sentence the CLI gives for a clash (one definition), in the local time.
        assert question.title_text == (
            'maya published an update since this draft was made (at 14:00:20):'
            ' "Investigating: by 14:30 UTC". Publish yours as well?'
        )
        await pilot.press("2")  # do not publish
        await settle(pilot)
        assert app.screen is panel
        with room.read() as conn:
            assert [u.author for u in updates(conn, declared)] == ["maya"]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("1")  # publish mine as well
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    with room.read() as conn:
        assert [u.author for u in updates(conn, declared)] == ["maya", "alice"]


async def test_resolving_opens_the_resolved_update_and_warns_until_published(
    room: Room, clock: FakeClock, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "4")  # resolved
        await settle(pilot)
        panel = app.screen
        assert isinstance(panel, UpdatePanelScreen) and panel.template == "resolved"
        await until(pilot, lambda: panel.draft is not None, "the resolved draft")
        assert panel.query_one(TextArea).text.startswith("Resolved: Checkout returns 500s")
        await pilot.press("escape")  # not now
        await settle(pilot)
        banner = app.main.query_one(CommsGapsBanner)
        assert banner.display
        assert "CUSTOMERS WERE NOT TOLD IT WAS RESOLVED" in str(banner.render())
        await pilot.press("u")
        await settle(pilot)
        await until(pilot, lambda: app.screen.draft is not None, "the draft")
        assert app.screen.template == "resolved"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await until(pilot, lambda: "NOT TOLD" not in str(banner.render()), "the warning to go")
        # Still loud about the other gap: nobody owned the communication.
        assert "no communications owner was ever assigned" in str(banner.render())
    with room.read() as conn:
        assert [u.status for u in updates(conn, declared)] == ["resolved"]


async def test_role_changed_while_the_form_was_open_asks(room: Room, declared: int) -> None:
    actions.assign(room, declared, "comms", "priya")
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        actions.assign(as_person(room, "maya"), declared, "owner", "omar")  # meanwhile
        app.screen.query_one("#name", Input).focus()
        await pilot.press(*"lee", "tab", "down", "space", "ctrl+s")  # the owner
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        assert "Incident owner changed from nobody to omar" in question.title_text
        await pilot.press("1")
        await settle(pilot)
    assert room.incident(declared).roles["owner"] == "lee"


async def test_copy_says_where_and_shows_the_whole_path(
    room: Room, declared: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a rather long folder name for the copy file" / "last-update.txt"
    monkeypatch.setenv("WARROOM_CLIPBOARD_FILE", str(target))
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: target.exists(), "the copy file")
        await until(pilot, lambda: any(str(target) in n for n in app.notices), "the notice")
        assert any(n.startswith("Copied to the system clipboard") for n in app.notices)
        status = str(panel.query_one("#panel-status", Static).render())
        assert f"Copy saved to {target}" in status.replace("\n", "")


async def test_panel_lists_deliveries(room: Room, declared: int, tmp_path: Path) -> None:
    room = replace(
        room,
        settings=replace(
            room.settings, destinations=(Destination("chat", command=(str(tmp_path / "x"),)),)
        ),
    )
    actions.publish_update(room, declared, "Investigating: by 14:30 UTC")
    app = make_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = await open_panel(pilot)
        await until(
            pilot,
            lambda: "chat: pending" in str(panel.query_one("#deliveries", Static).render()),
            "the delivery",
        )
