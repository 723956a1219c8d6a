"""SVG snapshots of the war room on the demo incident, with the clock fixed at T0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import T0
from warroom import actions
from warroom.demo import seed_demo
from warroom.domain import Settings, fixed_clock
from warroom.room import Actor, Room
from warroom.storage import open_store
from warroom.tui.app import WarroomApp

from .tui_helpers import settle as settle_workers
from .tui_helpers import until


async def settle(pilot) -> None:
    """Workers done, and the timeline's follow-to-newest scroll (which runs after a refresh,
    and again after the re-wrap on resize) has landed, so every run draws the same frame."""
    from warroom.tui.widgets.timeline import TimelineView

    await settle_workers(pilot)
    timeline = (
        pilot.app.screen.query_one(TimelineView) if pilot.app.screen.query(TimelineView) else None
    )
    if timeline is not None:
        await until(pilot, lambda: timeline.is_vertical_scroll_end, "the timeline at its end")
        # Once more, now that every layout pass has run: a follow-scroll computed against an
        # earlier virtual height would leave the scrollbar thumb a half cell off.
        timeline.scroll_end(animate=False, immediate=True)
    await pilot.pause()
    await pilot.pause()


@pytest.fixture
def demo_app(tmp_path: Path):
    store = open_store(tmp_path / "demo.db")
    room = Room(store, Actor("demo", "demo"), Settings(), fixed_clock(T0))
    seed_demo(room, now=T0)
    yield WarroomApp(room, live=False)
    store.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_war_room_snapshot(snap_compare, demo_app: WarroomApp, size: tuple[int, int]) -> None:
    assert snap_compare(demo_app, terminal_size=size, run_before=settle)


def test_update_panel_snapshot(snap_compare, demo_app: WarroomApp) -> None:
    async def open_panel(pilot) -> None:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(demo_app, terminal_size=(120, 40), run_before=open_panel)


@pytest.fixture
def resolved_app(tmp_path: Path):
    """The demo incident resolved at T0, with follow-ups (one overdue, one done)."""
    store = open_store(tmp_path / "resolved.db")
    room = Room(store, Actor("demo", "demo"), Settings(), fixed_clock(T0))
    incident_id = seed_demo(room, now=T0)
    actions.set_status(room, incident_id, "resolved")
    actions.add_followup(room, incident_id, "Alert on tokeniser timeouts", "jonas", "+7d")
    actions.add_followup(room, incident_id, "Canary deploys for checkout-api", None, "2026-11-20")
    done = actions.add_followup(room, incident_id, "Write the postmortem", "maya")
    actions.complete_followup(room, done)
    yield WarroomApp(room, live=False)
    store.close()


def test_review_pane_snapshot(snap_compare, resolved_app: WarroomApp) -> None:
    assert snap_compare(resolved_app, terminal_size=(120, 40), run_before=settle)
