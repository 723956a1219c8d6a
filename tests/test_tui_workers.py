"""Screens' own workers: a result reaches `then` only while its screen is there, a failure
becomes a notification instead of closing the app."""

from __future__ import annotations

import threading

from textual.app import App, ComposeResult
from textual.widgets import Label

from warroom.errors import WarroomError
from warroom.tui.screens.base import WorkModal, failure_text

from .tui_helpers import until


class Probe(WorkModal[None]):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[object] = []

    def compose(self) -> ComposeResult:
        yield Label("probe")


class Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.notices: list[str] = []

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]
        self.notices.append(message)


async def test_a_result_is_delivered_while_the_screen_is_there() -> None:
    app = Host()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        probe.run_in_thread("answer", lambda: 42, probe.got.append)
        await until(pilot, lambda: probe.got == [42], "the result")


async def test_a_result_after_the_screen_went_is_dropped() -> None:
    app = Host()
    gate = threading.Event()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)
        worker = probe.run_in_thread("slow", lambda: gate.wait(10) and "late", probe.got.append)
        probe.dismiss()
        await until(pilot, lambda: probe not in app.screen_stack, "the screen to go")
        gate.set()
        await app.workers.wait_for_complete([worker])
        await pilot.pause()
        # A thread cannot be stopped mid-call; what matters is that its result, addressed to
        # a screen that is gone, reaches nothing.
        assert probe.got == []
        assert app.is_running


async def test_a_failure_is_a_notification_not_an_exit() -> None:
    app = Host()
    async with app.run_test() as pilot:
        probe = Probe()
        await app.push_screen(probe)

        def broken() -> None:
            raise WarroomError("the file is locked; try again")

        def buggy() -> None:
            raise KeyError("oops")

        probe.run_in_thread("broken", broken, probe.got.append)
        probe.run_in_thread("buggy", buggy, probe.got.append)
        await until(pilot, lambda: len(app.notices) == 2, "two notices")
        assert "the file is locked; try again" in app.notices
        assert any(n.startswith("internal error: KeyError") for n in app.notices)
        assert probe.got == [] and app.is_running and app.return_code is None


def test_failure_text_names_database_errors(tmp_path) -> None:
    # Storage classifies every SQLite error it meets, so what reaches a screen is a warroom
    # error with a message a person can act on, not an "internal error".
    from warroom.storage import open_store

    store = open_store(tmp_path / "x.db")
    try:
        with store.read() as conn:
            conn.execute("SELECT * FROM no_such_table")
    except Exception as exc:  # the classified error, whatever its class
        text = failure_text(exc)
    finally:
        store.close()
    assert not text.startswith("internal error"), text
    assert "no such table: no_such_table" in text


# --- closing the session at shutdown ---------------------------------------------------------


async def test_the_session_is_closed_off_the_event_loop(room, monkeypatch) -> None:
    from tests.tui_helpers import make_app, settle

    app = make_app(room)
    closed_on: list[int] = []
    close = app.session.close

    def recording_close() -> None:
        closed_on.append(threading.get_ident())
        close()

    monkeypatch.setattr(app.session, "close", recording_close)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        loop_thread = threading.get_ident()
    assert closed_on and closed_on[0] != loop_thread


async def test_a_close_that_hangs_does_not_hold_the_exit(room, monkeypatch) -> None:
    # A checkpoint on a stalled disk: the war room must still give the terminal back.
    from tests.tui_helpers import make_app, settle
    from warroom.tui import app as app_module

    monkeypatch.setattr(app_module, "CLOSE_SECONDS", 0.2)
    app = make_app(room)
    release = threading.Event()
    monkeypatch.setattr(app.session, "close", lambda: release.wait(10))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
        assert app.close_timed_out
        assert app.closing is not None and app.closing.is_alive() and app.closing.daemon
    finally:
        release.set()
