"""Helpers for the Pilot tests of the war room: build the app, wait for its workers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.pilot import Pilot
from textual.widget import Widget

from warroom.room import Room
from warroom.tui.app import WarroomApp

DEADLINE = 10.0


class FakeClipboard:
    def __init__(self) -> None:
        self.copied: list[str] = []

    def __call__(self, text: str) -> None:
        self.copied.append(text)


def make_app(room: Room, incident_id: int | None = None, **kwargs: object) -> WarroomApp:
    kwargs.setdefault("live", False)
    kwargs.setdefault("system_copy", FakeClipboard())
    return WarroomApp(room, incident_id, **kwargs)  # type: ignore[arg-type]


async def settle(pilot: Pilot) -> None:
    """Wait until every worker except the live-refresh loop has finished and its messages
    have been handled (an action starts a refresh, so loop until none is left)."""
    app = pilot.app
    for _ in range(20):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "live" and w.is_running]
        if not busy:
            await pilot.pause()
            if not [w for w in app.workers if w.group != "live" and w.is_running]:
                return
            continue
        await app.workers.wait_for_complete(busy)
    raise AssertionError("workers did not settle")


async def until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    """Poll (letting the app run) until `condition` holds, or fail after a deadline."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
        await pilot.pause()


def screen_lines(app: WarroomApp) -> list[str]:
    """The text of every row of the screen as it is drawn (all layers composited)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def drawn(app: WarroomApp, widget: Widget, *, inner: bool = False) -> str:
    """What `widget` shows on the screen, as drawn (its region of every row), one line a row;
    `inner`: inside its border and padding."""
    region = widget.content_region if inner else widget.region
    rows = screen_lines(app)[region.y : region.bottom]
    return "\n".join(row[region.x : region.right] for row in rows)
