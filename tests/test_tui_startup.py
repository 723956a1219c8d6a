"""The first screen does not pay for the others: the forms, pickers and the update panel are
imported by the action that opens them (benchmarks/run.py first_paint measures the effect)."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

SECONDARY = [
    "warroom.tui.screens.forms",
    "warroom.tui.screens.assign",
    "warroom.tui.screens.declare",
    "warroom.tui.screens.triage",
    "warroom.tui.screens.mitigate",
    "warroom.tui.screens.pickers",
    "warroom.tui.screens.filter",
    "warroom.tui.screens.followups",
    "warroom.tui.screens.update_panel",
    "warroom.tui.screens.alerts",
    "warroom.clipboard",
]


def test_the_app_module_imports_no_secondary_screen() -> None:
    # A fresh interpreter: this test process has imported everything already.
    code = (
        "import sys, warroom.tui.app\n"
        f"print(' '.join(m for m in {SECONDARY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


# Not needed for the war room's first frame, and each costs it: Jinja2 (~40 ms, the update
# preview brings it after the first frame), the live watcher (ctypes, inotify: its worker
# starts after the first frame), sqlite-utils, the clipboard, the exporters.
NOT_FOR_THE_FIRST_FRAME = [
    "jinja2",
    "warroom.templating",
    "warroom.live",
    "ctypes",
    "sqlite_utils",
    "pyperclip",
    "warroom.export",
    "warroom.delivery",
]


def test_opening_the_war_room_imports_nothing_its_first_frame_does_not_need() -> None:
    # What `warroom` imports up to App.run(): the CLI, the app and the screen's modules.
    code = (
        "import sys, warroom.launch, warroom.cli, warroom.tui.run, warroom.tui.app\n"
        f"print(' '.join(m for m in {NOT_FOR_THE_FIRST_FRAME!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


async def test_the_first_read_skips_the_preview_and_the_next_brings_it(room, monkeypatch) -> None:
    from warroom import actions
    from warroom.tui import data
    from warroom.tui.screens import main
    from warroom.tui.widgets.update_pane import UpdatePane

    from .tui_helpers import make_app, settle, until

    actions.declare(room, "Checkout returns 500s", "SEV2")
    previews: list[bool] = []

    def recording(*args, **kwargs):
        previews.append(kwargs.get("preview", True))
        return data.load_snapshot(*args, **kwargs)

    monkeypatch.setattr(main, "load_snapshot", recording)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.query_one(UpdatePane)
        await until(pilot, lambda: pane.rendered is not None, "the rendered preview")
        assert "Checkout returns 500s" in pane.rendered
    assert previews[:2] == [False, True]


async def test_the_first_frame_shows_the_incident_read_before_the_start(room) -> None:
    """`warroom` reads the incident before the app starts (tui/run.py): the first frame drawn
    is the war room with its header and timeline, not panes saying "Loading…"."""
    from warroom import actions
    from warroom.tui.data import first_snapshot

    from .tui_helpers import make_app, screen_lines, settle

    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    actions.note(room, incident_id, "rollback of v1.42 started")
    app = make_app(room, incident_id, first=first_snapshot(room, incident_id))
    frames: list[str] = []
    display = app._display

    def first_frame(screen, renderable) -> None:
        if renderable is not None and not frames and screen is app.screen:
            frames.append("\n".join(screen_lines(app)))
        display(screen, renderable)

    app._display = first_frame  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert frames, "no frame was drawn"
    assert "Checkout returns 500s" in frames[0]
    assert "rollback of v1.42 started" in frames[0]
    assert "Loading…" not in frames[0]


def test_the_war_room_is_started_with_its_first_read(room, monkeypatch) -> None:
    from warroom import actions
    from warroom.tui import run
    from warroom.tui.app import WarroomApp

    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    started: list[object] = []
    monkeypatch.setattr(WarroomApp, "run", lambda app: started.append(app._first))
    assert run.run_tui(room, incident_id) == 0
    (first,) = started
    assert first is not None and first.incident is not None
    assert first.incident.title == "Checkout returns 500s" and first.entries
    # With no incident to show, the screen reads for itself (and offers to declare one).
    started.clear()
    run.run_tui(room, None)
    assert started == [None]


@pytest.fixture
def gc_paused():
    """The collector paused as `warroom` pauses it for the start (warroom/startup.py)."""
    from warroom.startup import pause_gc

    pause_gc()
    try:
        yield
    finally:
        gc.enable()


def test_a_command_resumes_the_collector_paused_for_the_start(gc_paused, run) -> None:
    run.ok("declare", "Checkout returns 500s", "--severity", "SEV2")
    assert gc.isenabled()


async def test_the_war_room_resumes_the_collector_with_its_first_state(
    gc_paused, room, monkeypatch
) -> None:
    from warroom import actions
    from warroom.tui.data import first_snapshot
    from warroom.tui.screens import main

    from .tui_helpers import make_app, settle

    monkeypatch.setattr(main, "GC_PAUSE_LIMIT", 60.0)  # only the first state may resume it
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    app = make_app(room, incident_id, first=first_snapshot(room, incident_id))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # the startup objects, out of its sight


async def test_the_collector_resumes_even_if_no_state_is_shown(
    gc_paused, room, monkeypatch
) -> None:
    from warroom import actions
    from warroom.tui.screens import main

    from .tui_helpers import make_app, settle, until

    monkeypatch.setattr(main, "GC_PAUSE_LIMIT", 0.05)
    monkeypatch.setattr(main.WarRoomScreen, "_freeze", lambda screen: None)
    app = make_app(room, actions.declare(room, "Checkout returns 500s", "SEV2"))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, gc.isenabled, "the collector to resume")
        await settle(pilot)


async def test_the_live_worker_starts_after_the_first_frame(room) -> None:
    """Its thread (a second connection, inotify) only competed with drawing the first frame."""
    from warroom import actions
    from warroom.tui.data import first_snapshot

    from .tui_helpers import make_app, until

    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    app = make_app(room, incident_id, first=first_snapshot(room, incident_id), live=True)
    at_first_frame: list[list[str]] = []
    display = app._display

    def first_frame(screen, renderable) -> None:
        if renderable is not None and not at_first_frame and screen is app.screen:
            at_first_frame.append([w.name for w in app.workers])
        display(screen, renderable)

    app._display = first_frame  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(at_first_frame), "the first frame")
        await until(
            pilot, lambda: any(w.name == "live-refresh" for w in app.workers), "the live worker"
        )
    assert "live-refresh" not in at_first_frame[0]


async def test_keys_typed_as_the_war_room_starts_act_on_its_incident(room) -> None:
    """`warroom -i INC-1`, Enter, then at once `n` and a note: the keys reach the app before
    the war room has mounted. They said "No incident yet" and ran the note's letters as
    commands (e opened a picker); now n focuses the note field and the note is added."""
    from pathlib import Path

    from textual import events

    from warroom import actions
    from warroom.tui import app as app_module
    from warroom.tui.data import first_snapshot
    from warroom.views import entries_of_kinds

    from .tui_helpers import FakeClipboard, settle

    class TypedAhead(app_module.WarroomApp):
        CSS_PATH = str(Path(app_module.__file__).parent / "warroom.tcss")

        def on_load(self) -> None:
            # As the driver does with keys already waiting on stdin: posted before any screen.
            for char in "nhello there":
                self.post_message(events.Key("space" if char == " " else char, char))
            self.post_message(events.Key("enter", "\r"))

    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    app = TypedAhead(
        room,
        incident_id,
        live=False,
        system_copy=FakeClipboard(),
        first=first_snapshot(room, incident_id),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen is app.main  # no picker or form was opened by the letters
        assert not [n for n in app.notices if "No incident yet" in n], app.notices
    with room.read() as conn:
        notes = entries_of_kinds(conn, incident_id, ("note",))
    assert [entry.text for entry in notes] == ["hello there"]
