"""Keypress latency in the war room: from the key reaching the app to the screen drawn with its
answer, on an incident of 100,000 entries beside the same keys on a small incident (the floor).

The real app runs headless in this process (Textual's run_test) with its live worker on. A key
is handed to the app as the terminal driver would hand it over; the time stops once the
answer is in the app's state AND a frame with it has been drawn (call_after_refresh).
"""

from __future__ import annotations

import asyncio
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from util import Figure, make_incident, median, p95

TARGET = 0.050  # seconds


async def _painted(app, condition: Callable[[], bool], timeout: float = 20.0) -> float:
    """Wait until `condition` holds, then until a frame is drawn; the time of that frame."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the key was not answered")
        # Not faster: a busy event loop starves the worker threads of the GIL.
        await asyncio.sleep(0.001)
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: done.done() or done.set_result(time.perf_counter()))
    return await done


def _send(app, key: str) -> float:
    """Hand one key to the app the way its driver does (Pilot.press adds idle waits)."""
    from textual import events
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)
    return start


async def _settle(pilot) -> None:
    app = pilot.app
    for _ in range(50):
        await pilot.pause(0.02)
        if not [w for w in app.workers if w.group != "live" and w.is_running]:
            return


def key_latencies(db: Path, repeat: int) -> dict[str, list[float]]:
    # warroom.tui before anything imports textual: it sets Textual's frame rate.
    import warroom.tui.app
    from warroom.domain import KINDS
    from warroom.room import Actor, Room
    from warroom.storage import open_store
    from warroom.tui.app import WarroomApp
    from warroom.tui.screens.pickers import ChoiceScreen

    class App(WarroomApp):
        # Textual resolves CSS_PATH next to the subclass's file; point it back at ours.
        CSS_PATH = str(Path(warroom.tui.app.__file__).with_name("warroom.tcss"))

    times: dict[str, list[float]] = {}

    def record(name: str, start: float, end: float) -> None:
        times.setdefault(name, []).append(end - start)

    async def drive() -> None:
        store = open_store(db)
        app = App(Room(store, Actor("owner", "owner")))
        async with app.run_test(size=(120, 40)) as pilot:
            await _settle(pilot)
            timeline = app.main.timeline
            for i in range(repeat):
                # Scrolling: from the newest entries, one line, one page, then the oldest.
                _send(app, "end")
                await _settle(pilot)
                for key in ("up", "pageup", "home"):
                    before = timeline.scroll_y
                    start = _send(app, key)
                    end = await _painted(app, lambda b=before: timeline.scroll_y != b)
                    record(f"scroll ({key})", start, end)
                await _settle(pilot)
                # Filter: f opens the picker (after reading the authors), Enter applies it.
                start = _send(app, "f")
                end = await _painted(app, lambda: isinstance(app.screen, ChoiceScreen))
                record("filter: f -> picker shown", start, end)
                for _ in range(1 + KINDS.index("mitigation")):
                    _send(app, "down")
                await pilot.pause(0.05)
                start = _send(app, "enter")
                end = await _painted(
                    app,
                    lambda: (
                        app.main.timeline_key is not None
                        and app.main.timeline_key.filter.kind == "mitigation"
                    ),
                )
                record("filter: Enter -> filtered timeline", start, end)
                _send(app, "f")
                await _painted(app, lambda: isinstance(app.screen, ChoiceScreen))
                _send(app, "home")
                await pilot.pause(0.05)
                _send(app, "enter")
                await _painted(
                    app, lambda: app.main.timeline_key and not app.main.timeline_key.filter
                )
                await _settle(pilot)
                # A new note: n focuses the input, Enter saves it; the time runs until the note
                # is on the timeline (written in a worker, read back, drawn).
                start = _send(app, "n")
                end = await _painted(app, lambda: getattr(app.screen.focused, "id", "") == "note")
                record("note: n -> input focused", start, end)
                text = f"keys note {i} {time.monotonic_ns()}"
                for char in text:
                    _send(app, char)
                await pilot.pause(0.05)
                start = _send(app, "enter")
                end = await _painted(app, lambda t=text: timeline.texts()[-1:] == [t])
                record("note: Enter -> on the timeline", start, end)
                await _settle(pilot)
        store.close()

    asyncio.run(drive())
    return times


def figures(tmp: Path, repeat: int) -> list[Figure]:
    small, big = tmp / "keys-small.db", tmp / "keys-100k.db"
    make_incident(small)
    make_incident(big, 100_000)
    n = max(5, repeat)
    floor = key_latencies(small, n)
    ours = key_latencies(big, n)
    out = []
    for name, samples in ours.items():
        value = p95(samples)
        out.append(
            Figure(
                f"key, 100k: {name} (p95; p50 {median(samples) * 1000:.1f})",
                value * 1000,
                "ms",
                p95(floor[name]) * 1000,
                "same key, small incident",
                "< 50 ms",
                value < TARGET,
            )
        )
    return out
