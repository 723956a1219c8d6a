"""Messages of the war room: small dataclasses of plain data, never a callable.

Worker threads post the first group to the war room screen. Screens above it post the
requests, which bubble to the app; the app hands them to the war room screen, the one
controller of writes, so every write is read back and drawn the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from warroom.tui.data import Snapshot, TimelineKey
from warroom.updates import Draft, PublishOutcome
from warroom.views import Entry

# --- from worker threads ---------------------------------------------------------------------


@dataclass
class Refreshed(Message):
    """New state and every timeline entry since the last refresh, merged into one message."""

    snapshot: Snapshot


@dataclass
class DatabaseProblem(Message):
    """The file is locked or unreadable; `text` is shown in the status line.
    An empty text means the problem has cleared."""

    text: str


@dataclass
class FileMovedAway(Message):
    """The path no longer names the file the war room has open: `how` is "deleted" or
    "replaced" (a restored backup, say)."""

    how: str


@dataclass(frozen=True)
class ActionDone:
    """What a writing action's worker returns once committed: `notice` is plain text for the
    notification; `close` is the id of the screen that asked, closed only if still on top."""

    notice: str
    switch_to: int | None = None
    version: int = 0  # the newest timeline id just after the commit
    # (timeline, shown up to this id, the entries after it): the action's own entry and any
    # others newer than the timeline shown when it committed, drawn without a refresh.
    entries: tuple[TimelineKey, int, tuple[Entry, ...]] | None = None
    close: str | None = None
    # Nothing written yet: a question to put to the user first (someone else published, the
    # text lacks its promise, a role changed hands), or the update to offer after a status.
    ask: PublishQuestion | RoleQuestion | None = None
    offer_update: str | None = None  # a template: the lifecycle asks for its update


@dataclass(frozen=True)
class OlderLoaded:
    key: TimelineKey
    entries: list[Entry]
    more_before: bool


# --- requests from screens above the war room ------------------------------------------------


class ReopenRequested(Message):
    """ctrl+r in an editor over the war room: open the database file now at the path (once
    it was deleted or replaced), as r does on the war room itself."""


@dataclass
class WriteRequest(Message):
    """A screen asks for a write. `screen_id` names the screen to close once the write is
    committed (only if it is still on top); None closes nothing."""

    screen_id: str | None


@dataclass
class PublishRequested(WriteRequest):
    incident_id: int
    text: str
    template: str | None
    # The draft the text came from (what it promised, the newest update it saw); with it the
    # publish asks first where it should (updates.try_publish).
    draft: Draft | None = None
    force: bool = False  # publish though someone else published since, or moments ago
    promise_checked: bool = False  # the user accepted text that lacks the promised time


@dataclass(frozen=True)
class PublishQuestion:
    """Publishing stopped to ask: the outcome says why; the request is what to send again."""

    outcome: PublishOutcome
    request: PublishRequested


@dataclass(frozen=True)
class RoleQuestion:
    """The role changed hands since the assign form opened."""

    incident_id: int
    role: str
    name: str
    message: str
    current: str | None


@dataclass
class PublishQuestionAsked(Message):
    """To the update panel: ask this before publishing."""

    question: PublishQuestion


@dataclass
class FollowupAddRequested(WriteRequest):
    incident_id: int
    text: str
    owner: str | None
    due: str | None


@dataclass
class AlertTriageRequested(WriteRequest):
    """What the user decided about an alert: "declare" (with the form's answers), "attach" (to
    `incident_id`) or "dismiss" (with `reason`)."""

    action: str
    alert_id: int
    incident_id: int | None = None
    reason: str | None = None
    title: str | None = None
    severity: str | None = None
    services: tuple[str, ...] = ()
    source: str = "monitoring"


@dataclass
class FollowupToggleRequested(WriteRequest):
    followup_id: int
    undo: bool  # True: open it again
