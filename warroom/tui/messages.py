"""Messages that worker threads post to the app: small dataclasses, one per outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.message import Message

from warroom.tui.data import Snapshot, TimelineKey
from warroom.views import Entry


@dataclass
class Refreshed(Message):
    """New state and every timeline entry since the last refresh, merged into one message."""

    snapshot: Snapshot


@dataclass
class ActionDone(Message):
    """A key-press action committed; `notice` is plain text for the notification."""

    notice: str
    switch_to: int | None = None
    then: Callable[[], Any] | None = None  # run on the event loop after success
    version: int = 0  # the newest timeline id just after the commit
    # (timeline, shown up to this id, the entries after it): the action's own entry and any
    # others newer than the timeline shown when it committed, drawn without a refresh.
    entries: tuple[TimelineKey, int, tuple[Entry, ...]] | None = None


@dataclass
class ActionFailed(Message):
    notice: str


@dataclass
class DatabaseProblem(Message):
    """The file is locked, unreadable or gone; `text` is shown in the status line.
    An empty text means the problem has cleared."""

    text: str


@dataclass
class OlderLoaded(Message):
    key: TimelineKey
    entries: list[Entry]
    more_before: bool
