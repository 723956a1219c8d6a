"""The war room app: the shell around the war room screen.

The app holds what every screen shares (the `Session`), opens the war room as its default
screen, hands screens' write requests to it, shows every notification as plain text, and ends
cleanly on SIGTERM and SIGHUP. The war room screen is the controller of its keys and owns its
workers; screens never import this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TextIO

from textual import on
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from warroom.room import Room
from warroom.safe_text import clean
from warroom.tui.commands import ALL_COMMANDS, APP_COMMANDS, PRIORITY, WarroomCommands, offered
from warroom.tui.data import Snapshot
from warroom.tui.messages import ReopenRequested, WriteRequest
from warroom.tui.palette import palette
from warroom.tui.screens.base import drain_writes, pointer_busy
from warroom.tui.screens.help import HelpScreen
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.session import Session

# A dropped SSH session is SIGHUP; `kill` and service managers send SIGTERM. Either way the
# terminal must be given back as it was (alternate screen off, mouse off, cursor shown).
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
# How long quitting waits for the session to close before it gives up on it.
CLOSE_SECONDS = 3.0
QUIT_AFTER = 0.5  # seconds: the longest ctrl+q waits for keys typed before it
# After the first frame and the start-up reads: when the help screen is built ahead.
HELP_AHEAD_SECONDS = 1.0


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (OSError, ValueError):  # closed, or no descriptor at all
        return False


class WarroomApp(App[int]):
    TITLE = "warroom"
    CSS_PATH = "warroom.tcss"
    COMMANDS = App.COMMANDS | {WarroomCommands}
    BINDINGS = [
        Binding(c.key, c.action, c.title, id=f"warroom.{c.action}", priority=c.action in PRIORITY)
        for c in APP_COMMANDS
    ]

    def __init__(
        self,
        room: Room,
        incident_id: int | None = None,
        *,
        readonly: bool = False,
        system_copy: Callable[[str], None] | None = None,
        live: bool = True,
        first: Snapshot | None = None,
    ) -> None:
        super().__init__()
        self.session = Session(room, readonly=readonly, system_copy=system_copy)
        self.readonly = readonly
        self._incident_id = incident_id
        self._live = live
        self._first = first  # read before the app started (tui/run.py), or None
        self._main: WarRoomScreen | None = None
        self.notices: list[str] = []  # every notification shown, newest last
        self.closing: threading.Thread | None = None  # the session's close, at shutdown
        self.close_timed_out = False

    MAIN_SCREEN: type[WarRoomScreen] = WarRoomScreen  # benchmarks put a probe in its place

    def get_css_variables(self) -> dict[str, str]:
        # The colour language ($wr-*), derived from the theme in use (see tui/palette.py).
        variables = super().get_css_variables()
        variables.update(palette(variables, ansi=self.current_theme.ansi))
        self.theme_variables = variables
        return variables

    def get_default_screen(self) -> WarRoomScreen:
        self._main = self.MAIN_SCREEN(
            self.session, self._incident_id, live=self._live, first=self._first
        )
        return self._main

    @property
    def main(self) -> WarRoomScreen:
        assert self._main is not None, "the app has not started"
        return self._main

    def on_mount(self) -> None:
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for sig in EXIT_SIGNALS:
                loop.add_signal_handler(sig, self._signalled, sig)
            if _is_terminal(sys.__stdin__):
                self.set_interval(1, self._check_terminal, name="terminal")
            self._resume_only_after_suspend()
        self.set_timer(HELP_AHEAD_SECONDS, self._build_help_ahead, name="help-ahead")

    def _help_screen(self) -> HelpScreen:
        # Built once and kept: composing it is most of the cost of `?` (~60 ms), and the keys
        # and read-only state do not change while the app runs.
        if not self.is_screen_installed("help"):
            keys = [
                (c.shown_key, c.title, c.help)
                for c in ALL_COMMANDS
                if not (self.readonly and c.writes)
            ]
            self.install_screen(HelpScreen(keys, self.readonly), "help")
        screen = self.get_screen("help")
        assert isinstance(screen, HelpScreen)
        return screen

    def _build_help_ahead(self) -> None:
        """Compose and lay out the help screen once the war room is up and nobody waits:
        pushed and popped in one step (no key or frame can come between), so the first `?`
        costs what later ones do."""
        # screen_stack, not screen: the timer can fire as the app tears down, with no screen.
        if self.is_screen_installed("help") or self.screen_stack[-1:] != [self._main]:
            return
        if pointer_busy(self):
            self.set_timer(HELP_AHEAD_SECONDS, self._build_help_ahead, name="help-ahead")
            return
        self.push_screen(self._help_screen())
        self.pop_screen()

    def _resume_only_after_suspend(self) -> None:
        """Textual's driver restarts its terminal mode on every SIGCONT. A hang-up sends
        SIGCONT along with SIGHUP, and that restart in the middle of our shutdown started a
        second output thread whose queue nobody reads: the exit then blocked for ever (1 run
        in 12 of start-then-close-the-pane left a process behind). Pass SIGCONT on only
        after a suspend (ctrl+z) that Textual's SIGTSTP handler saw."""
        on_stop, on_continue = signal.getsignal(signal.SIGTSTP), signal.getsignal(signal.SIGCONT)
        if not (callable(on_stop) and callable(on_continue)):
            return
        suspended = False

        def stopped(signum: int, frame: FrameType | None) -> None:
            nonlocal suspended
            suspended = True
            on_stop(signum, frame)

        def continued(signum: int, frame: FrameType | None) -> None:
            nonlocal suspended
            if suspended:
                suspended = False
                on_continue(signum, frame)

        signal.signal(signal.SIGTSTP, stopped)
        signal.signal(signal.SIGCONT, continued)

    def _check_terminal(self) -> None:
        # A terminal hung up without a SIGHUP reaching us (a parent that ignores it): Textual
        # then reads end-of-file in a loop, a core at 100% for ever. End as SIGHUP would.
        if not _is_terminal(sys.__stdin__):
            self.exit(return_code=128 + signal.SIGHUP)

    async def on_unmount(self) -> None:
        if not self.is_headless:
            loop = asyncio.get_running_loop()
            for sig in EXIT_SIGNALS:
                loop.remove_signal_handler(sig)
        await self._close_session()

    async def _close_session(self) -> None:
        """Close the session (SQLite: a checkpoint, or letting a moved file go) in a thread,
        not on the event loop, and wait for it at most CLOSE_SECONDS: a file on a stalled
        disk or held by a lock must not keep the terminal from being given back. A daemon
        thread, so a close that never returns cannot hold the process either; SQLite's own
        journal keeps what was committed."""
        loop = asyncio.get_running_loop()
        done = asyncio.Event()
        failure: list[BaseException] = []

        def close() -> None:
            try:
                # Writes asked for before quitting are made first (Enter, then ctrl+q at
                # once), on the connection they were asked on; within the same bound.
                drain_writes(CLOSE_SECONDS)
                self.session.close()
            except BaseException as exc:  # handed to the event loop, raised there
                failure.append(exc)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop ended first (timed out)
                    loop.call_soon_threadsafe(done.set)

        self.closing = threading.Thread(target=close, name="warroom-close", daemon=True)
        self.closing.start()
        try:
            await asyncio.wait_for(done.wait(), CLOSE_SECONDS)
        except TimeoutError:
            self.close_timed_out = True  # given up on: the process ends without it
            return
        if failure:
            raise failure[0]

    def _signalled(self, sig: int) -> None:
        # The usual status of a process ended by a signal, reached through Textual's own
        # shutdown, which restores the terminal.
        self.exit(return_code=128 + sig)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification, from any screen, as plain text: never parsed as markup,
        control characters shown. `notices` keeps them all."""
        shown = clean(message)
        self.notices.append(shown)
        super().notify(shown, title=clean(title), severity=severity, timeout=timeout, markup=False)

    @on(WriteRequest)
    def write_requested(self, request: WriteRequest) -> None:
        self.main.handle_request(request)

    @on(ReopenRequested)
    def reopen_requested(self) -> None:
        self.main.action_reopen()

    def allows(self, action: str) -> bool:
        """Whether the action is offered on the current screen now."""
        command = next(c for c in ALL_COMMANDS if c.action == action)
        return offered(self, self.screen, command)

    def action_help(self) -> None:
        self.push_screen(self._help_screen())

    async def action_quit(self) -> None:
        # A priority key, run as it arrives: an Enter typed just before it may still wait in
        # the focused field's queue (and its note in the war room's). Quit after them, so
        # that note is handed to the writer and made before the session closes (Enter then
        # ctrl+q at once lost the note; drill).
        focused = self.focused
        main = self._main

        def after_the_war_room() -> None:
            if main is None or not main.call_later(self.exit, 0):
                self.exit(0)

        if focused is None or focused is main or not focused.call_later(after_the_war_room):
            after_the_war_room()
        # ctrl+q always quits: should a queue never get to it, quit all the same.
        self.set_timer(QUIT_AFTER, lambda: self.exit(0), name="quit")
