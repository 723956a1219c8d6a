"""Crashes found by a review and a drill, each reproduced through the keyboard or the mouse:
they must leave the war room running, on its own screen, with nothing acknowledged lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual.widgets import TextArea

from warroom import actions
from warroom.actions import Room
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.screens.update_panel import UpdatePanelScreen
from warroom.tui.widgets.timeline import TimelineView

from .tui_helpers import make_app, settle, until


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


class Gate:
    """Wraps a function so that calls from worker threads wait until the test opens it."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.entered = threading.Event()
        self.open = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.open.wait(10), "the test never opened the gate"
        return self.fn(*args, **kwargs)


@pytest.fixture
def gates() -> Iterator[list[Gate]]:
    made: list[Gate] = []
    yield made
    for gate in made:  # never leave a worker thread waiting
        gate.open.set()


async def test_mouse_selection_then_ctrl_c_copies_instead_of_crashing(
    room: Room, declared: int
) -> None:
    actions.note(room, declared, "selected with the mouse")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        timeline = app.main.query_one(TimelineView)
        # A real drag across the first lines of the timeline, as a person selects text.
        await pilot.mouse_down(timeline, offset=(1, 1))
        await pilot.hover(timeline, offset=(60, 3))
        await pilot.mouse_up(timeline, offset=(60, 3))
        await pilot.pause()
        assert app.screen.selections, "the drag selected nothing"
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert "Declared SEV2: Checkout returns 500s" in app.clipboard
    assert not app.return_code  # a crash sets 1


async def test_escape_on_the_update_panel_before_its_template_rendered(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch, gates: list[Gate]
) -> None:
    import warroom.tui.screens.update_panel as panel

    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gate = Gate(panel.render_draft)
        gates.append(gate)
        monkeypatch.setattr(panel, "render_draft", gate)
        await pilot.press("u")
        await until(pilot, gate.entered.is_set, "the panel's render to start")
        assert isinstance(app.screen, UpdatePanelScreen)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        gate.open.set()  # the render finishes after its panel has gone
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, WarRoomScreen)
    assert not app.return_code  # a crash sets 1


async def test_publish_then_escape_while_committing_keeps_the_war_room(
    room: Room, declared: int, monkeypatch: pytest.MonkeyPatch, gates: list[Gate]
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdatePanelScreen), "the panel")
        await settle(pilot)
        text = app.screen.query_one(TextArea).text
        assert text.strip()
        gate = Gate(actions.publish_update)
        gates.append(gate)
        monkeypatch.setattr(actions, "publish_update", gate)
        await pilot.press("ctrl+s")
        await until(pilot, gate.entered.is_set, "the publish to start")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        gate.open.set()
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        assert len(app.screen_stack) == 1
        assert app.main.query_one(TimelineView).entry_count > 0  # not a blank screen
        assert any("Customer update published" in n for n in app.notices)
    # Acknowledged, so saved: closing the panel did not undo it.
    with room.read() as conn:
        from warroom.views import updates

        assert [u.text for u in updates(conn, declared)] == [text]


async def test_a_tick_after_the_war_room_is_taken_apart_does_nothing(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.main
        screen.tick()  # while it runs: fine
    # The timer is the screen's own, so Textual stops it with the screen; a tick that fired
    # anyway during teardown must not raise (it used to: KeyError, NoMatches).
    screen.tick()
    assert not app.return_code  # a crash sets 1
