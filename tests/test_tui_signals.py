"""SIGCONT restarts Textual's terminal mode only after a suspend: a hang-up sends SIGCONT
with SIGHUP, and restarting then, in the middle of the exit, left now and then a process
blocked for ever on an output queue nobody read."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from warroom.actions import Room
from warroom.tui.app import WarroomApp


@pytest.fixture
def textual_handlers() -> Iterator[list[str]]:
    """Stand-ins for the handlers Textual's driver installs, recording their calls."""
    calls: list[str] = []
    saved = signal.getsignal(signal.SIGTSTP), signal.getsignal(signal.SIGCONT)
    signal.signal(signal.SIGTSTP, lambda *_: calls.append("suspend"))
    signal.signal(signal.SIGCONT, lambda *_: calls.append("resume"))
    try:
        yield calls
    finally:
        signal.signal(signal.SIGTSTP, saved[0])
        signal.signal(signal.SIGCONT, saved[1])


def _deliver(sig: signal.Signals) -> None:
    handler = signal.getsignal(sig)
    assert callable(handler)
    handler(sig, None)


def test_sigcont_without_a_suspend_is_not_passed_on(
    room: Room, textual_handlers: list[str]
) -> None:
    WarroomApp(room)._resume_only_after_suspend()
    _deliver(signal.SIGCONT)  # as a hang-up sends it
    assert textual_handlers == []


def test_a_resume_after_a_suspend_is_passed_on_once(
    room: Room, textual_handlers: list[str]
) -> None:
    WarroomApp(room)._resume_only_after_suspend()
    _deliver(signal.SIGTSTP)
    _deliver(signal.SIGCONT)
    _deliver(signal.SIGCONT)
    assert textual_handlers == ["suspend", "resume"]
