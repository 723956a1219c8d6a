"""The incident domain: severities, statuses, roles, checklist and cadence rules.

Pure functions and plain data. Nothing here reads the clock: callers pass `now`, so rules
such as "next update due" are tested without sleeping.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

# Defined in warroom.basics (light, for `warroom run`'s record path) and re-exported here.
from warroom.basics import AUTO_EVENTS as AUTO_EVENTS
from warroom.basics import MAX_NOTE_BYTES as MAX_NOTE_BYTES
from warroom.basics import MITIGATIONS as MITIGATIONS
from warroom.basics import command_succeeded as command_succeeded
from warroom.basics import command_summary as command_summary
from warroom.basics import format_ref as format_ref
from warroom.basics import parse_ref as parse_ref
from warroom.basics import require_text as require_text
from warroom.basics import system_clock as system_clock
from warroom.basics import to_iso as to_iso
from warroom.errors import BadInput

Clock = Callable[[], datetime]


def fixed_clock(at: datetime) -> Clock:
    """A clock stopped at `at`, for tests and snapshots."""
    return lambda: at


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- severities -------------------------------------------------------------------------------

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")


@dataclass(frozen=True)
class SeverityRule:
    name: str
    definition: str
    # None means no customer-update cadence is required at this severity.
    cadence_minutes: int | None
    first_update_minutes: int | None


DEFAULT_SEVERITIES: dict[str, SeverityRule] = {
    "SEV1": SeverityRule(
        "SEV1",
        "Critical: the product is down or data is at risk for most customers.",
        20,
        10,
    ),
    "SEV2": SeverityRule(
        "SEV2",
        "Major: a core feature is broken or badly degraded for many customers.",
        30,
        10,
    ),
    "SEV3": SeverityRule(
        "SEV3",
        "Minor: a non-core feature is degraded, or few customers are affected.",
        60,
        30,
    ),
    "SEV4": SeverityRule(
        "SEV4",
        "Low: little or no customer impact; no customer updates required.",
        None,
        None,
    ),
}


def parse_severity(text: str) -> str:
    value = text.strip().upper()
    if value.isdigit():
        value = f"SEV{value}"
    if value not in SEVERITIES:
        raise BadInput(f"unknown severity {text!r}; choose one of {', '.join(SEVERITIES)}")
    return value


# Statuspage's words for a severity: an incident's "impact", and the status of the
# components it affects while open.
IMPACT: dict[str, str] = {"SEV1": "critical", "SEV2": "major", "SEV3": "minor", "SEV4": "none"}
COMPONENT_STATUS: dict[str, str] = {
    "SEV1": "major_outage",
    "SEV2": "partial_outage",
    "SEV3": "degraded_performance",
    "SEV4": "operational",
}


# --- statuses ---------------------------------------------------------------------------------

STATUSES: tuple[str, ...] = ("investigating", "identified", "monitoring", "resolved")
STATUS_HELP: dict[str, str] = {
    "investigating": "impact confirmed, cause not yet known",
    "identified": "cause known, fix or mitigation under way",
    "monitoring": "mitigation in place, watching for recovery",
    "resolved": "customer impact has ended",
}


def parse_status(text: str) -> str:
    value = text.strip().lower()
    if value not in STATUSES:
        raise BadInput(f"unknown status {text!r}; choose one of {', '.join(STATUSES)}")
    return value


# --- roles ------------------------------------------------------------------------------------

# Stored key -> label. The CLI spells them owner, fix-lead, comms.
ROLES: dict[str, str] = {
    "owner": "Incident owner",
    "fix_lead": "Fix lead",
    "comms": "Communications owner",
}
ROLE_ALIASES: dict[str, str] = {
    "owner": "owner",
    "incident-owner": "owner",
    "fix-lead": "fix_lead",
    "fix_lead": "fix_lead",
    "fixlead": "fix_lead",
    "lead": "fix_lead",
    "comms": "comms",
    "communications": "comms",
    "communications-owner": "comms",
}


def parse_role(text: str) -> str:
    value = ROLE_ALIASES.get(text.strip().lower())
    if value is None:
        raise BadInput(f"unknown role {text!r}; choose one of owner, fix-lead, comms")
    return value


# --- detection sources ------------------------------------------------------------------------

SOURCES: dict[str, str] = {
    "monitoring": "Monitoring alert",
    "customer": "Customer report",
    "dashboard": "Internal dashboard",
    "logs": "Logs or error-rate spike",
    "other": "Other",
}


def parse_source(text: str) -> str:
    value = text.strip().lower()
    if value not in SOURCES:
        raise BadInput(f"unknown detection source {text!r}; choose one of {', '.join(SOURCES)}")
    return value


# --- timeline kinds ---------------------------------------------------------------------------

KINDS: tuple[str, ...] = (
    "declared",
    "note",
    "triage",
    "severity",
    "status",
    "role",
    "checklist",
    "mitigation",
    "update",
    "followup",
    "delivery",
    "alert",
    "command",
    "correction",
    "handover",
    "handover_ack",
)


# Kinds as people read them (the timeline's kind column, the filter, tail): at most 8 letters,
# the column's width at 80 columns, so none is cut to look like another (handover_ack cut to
# "handover"). JSON and exports keep the stored names.
SHORT_KINDS = {
    "declared": "declare",
    "mitigation": "mitigate",
    "checklist": "check",
    "followup": "follow",
    "correction": "correct",
    "handover_ack": "ack",
}


def short_kind(kind: str) -> str:
    return SHORT_KINDS.get(kind, kind)


# A note saved this long after its Enter (the file locked by another writer) records the
# Enter as when it happened: its place in the timeline is when it was said, not saved.
NOTE_LATE_SECONDS = 5.0


def typed_long_ago(typed_at: datetime, now: datetime) -> datetime | None:
    """`typed_at`, if a note typed then is being logged NOTE_LATE_SECONDS or more later."""
    return typed_at if (now - typed_at).total_seconds() >= NOTE_LATE_SECONDS else None


# --- checklist --------------------------------------------------------------------------------

STEPS: tuple[str, ...] = ("detect", "triage", "assign", "communicate", "mitigate", "review")
STEP_LABELS: dict[str, str] = {
    "detect": "1. Detect",
    "triage": "2. Triage",
    "assign": "3. Assign an owner",
    "communicate": "4. Communicate early",
    "mitigate": "5. Mitigate and recover",
    "review": "6. Review after recovery",
}


@dataclass(frozen=True)
class ChecklistTemplateItem:
    step: str
    text: str
    auto: str | None = None


DEFAULT_CHECKLIST: tuple[ChecklistTemplateItem, ...] = (
    ChecklistTemplateItem("triage", "Confirm user impact", "impact"),
    ChecklistTemplateItem("triage", "Assign severity", "severity"),
    ChecklistTemplateItem("assign", "Assign an owner", "owner"),
    ChecklistTemplateItem("communicate", "Publish first update", "first_update"),
    ChecklistTemplateItem("mitigate", "Mitigate and monitor", "mitigation"),
    ChecklistTemplateItem("review", "Document follow-up actions", "followup"),
)


# --- configuration as the domain sees it ------------------------------------------------------


DEFAULT_SYNC_SECONDS = 1.0


@dataclass(frozen=True)
class ReplicaSettings:
    """The config's [replicate] table: where `warroom replicate run` streams the file, and how
    often Litestream ships what was written (the most a lost host can take with it)."""

    to: str | None = None
    sync_seconds: float = DEFAULT_SYNC_SECONDS
    sftp_key_path: str | None = None
    sftp_host_key: str | None = None  # the server's public key, as ssh-keyscan prints it


@dataclass(frozen=True)
class Destination:
    """A `[[publish]]` destination: a command given the update as JSON on stdin, or
    (kind "statuspage") warroom's own status page rebuilt in `directory`."""

    name: str
    kind: str = "command"  # "command" | "statuspage"
    command: tuple[str, ...] = ()
    directory: Path | None = None
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class AlertSettings:
    """The `[alerts]` config table: the receiver's bearer token and the labels that name the
    affected service, tried in order."""

    token: str | None = None
    service_labels: tuple[str, ...] = ("service", "job")


@dataclass(frozen=True)
class Settings:
    severities: dict[str, SeverityRule] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    checklist: tuple[ChecklistTemplateItem, ...] = DEFAULT_CHECKLIST
    company: str | None = None
    template_dirs: tuple[Path, ...] = ()
    # Service name -> the name customers know ("checkout-api" -> "Checkout").
    components: dict[str, str] = field(default_factory=dict)
    destinations: tuple[Destination, ...] = ()
    status_page_title: str | None = None
    replicate: ReplicaSettings = ReplicaSettings()
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def rule(self, severity: str) -> SeverityRule:
        return self.severities[severity]

    def public_names(self, services: Sequence[str]) -> list[str]:
        """Customer-facing names, each once, in the incident's order. Once a team maps its
        services, an unmapped one is left out: an internal name never reaches customers.
        Without a [components] table the service names are all there is."""
        names: list[str] = []
        for service in services:
            name = self.components.get(service) if self.components else service
            if name is not None and name not in names:
                names.append(name)
        return names


def service_labels(services: Sequence[str], public: dict[str, str]) -> list[str]:
    """Internal texts keep both names: "checkout-api (Checkout)"."""
    return [
        f"{name} ({public[name]})" if public.get(name, name) != name else name for name in services
    ]


# --- references -------------------------------------------------------------------------------

# --- cadence ----------------------------------------------------------------------------------


def floor_minute(moment: datetime) -> datetime:
    """`moment` without its seconds: updates show promises as HH:MM, so a promise is kept to
    the minute the reader sees, never to a second they cannot see."""
    return moment.replace(second=0, microsecond=0)


def promised_next_update(
    *, rule: SeverityRule, status: str, published_at: datetime
) -> datetime | None:
    """The promise an update published at `published_at` makes: the next one by this time.

    The one promise rule: the published text, the countdown and `show --json` all use this
    time. It runs from the moment of publishing (so a draft written while overdue never
    promises a time already past) at the severity's cadence, floored to the minute the text
    shows. A resolved update promises nothing; neither does a severity with no cadence.
    """
    if status == "resolved" or rule.cadence_minutes is None:
        return None
    return floor_minute(published_at + timedelta(minutes=rule.cadence_minutes))


def next_update_due(
    *,
    rule: SeverityRule,
    status: str,
    declared_at: datetime,
    last_update_at: datetime | None,
    promised: datetime | None = None,
) -> datetime | None:
    """When the next customer update is due, or None when none is required.

    Before the first update the clock runs from the declaration; after it, it counts to what
    the last update promised (`promised`, stored with it), or sooner when the severity has
    since been raised to a shorter cadence. A resolved incident owes none.
    """
    if status == "resolved":
        return None
    if last_update_at is None:
        if rule.first_update_minutes is None:
            return None
        return floor_minute(declared_at + timedelta(minutes=rule.first_update_minutes))
    candidates = [promised] if promised is not None else []
    if rule.cadence_minutes is not None:
        candidates.append(floor_minute(last_update_at + timedelta(minutes=rule.cadence_minutes)))
    return min(candidates) if candidates else None


# Moving to these statuses offers the matching customer update at once.
ASKS_FOR_UPDATE: tuple[str, ...] = ("monitoring", "resolved")

NOT_TOLD_RESOLVED = "customers were not told it was resolved"
NO_COMMS_OWNER = "no communications owner was ever assigned"


def comms_gaps(
    *, status: str, resolved_update_published: bool, comms_owner: str | None
) -> list[str]:
    """The communication failures to show loudly: a resolved incident whose resolution no
    published update announced, and an incident nobody owned the communication of."""
    gaps = []
    if status == "resolved" and not resolved_update_published:
        gaps.append(NOT_TOLD_RESOLVED)
    if comms_owner is None:
        gaps.append(NO_COMMS_OWNER)
    return gaps


# Failed deliveries are retried after 15 s, 30 s, 1, 2, 4 and 8 minutes, then left to
# `warroom deliveries retry`: long enough to outlast a chat outage's first minutes without a
# process lingering for hours.
DELIVERY_ATTEMPTS = 7
DELIVERY_FIRST_RETRY = timedelta(seconds=15)


def retry_delay(attempts: int) -> timedelta | None:
    """How long after the `attempts`-th failed attempt to try again (None: stop retrying)."""
    if attempts >= DELIVERY_ATTEMPTS:
        return None
    return DELIVERY_FIRST_RETRY * (1 << max(attempts - 1, 0))


# Publishing again this soon after someone else looks like two people answering one prompt.
DOUBLE_PUBLISH_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class PublishClash:
    """Why publishing now may post a second update over someone else's."""

    update_id: int
    author: str
    published_at: datetime
    headline: str
    reason: str  # "since" (published after this draft was rendered) or "recent"

    def sentence(self, at: str) -> str:
        """The one way every face says it; `at` is the publication time as that face shows
        times (the CLI in UTC, the war room in local time)."""
        since = "since this draft was made" if self.reason == "since" else "moments ago"
        return f'{self.author} published an update {since} (at {at}): "{self.headline}"'


def publish_clash(
    *,
    latest_id: int | None,
    latest_author: str | None,
    latest_at: datetime | None,
    latest_text: str,
    seen_update_id: int | None,
    now: datetime,
    latest_status: str | None = None,
    status: str | None = None,
) -> PublishClash | None:
    """A clash when the newest published update is one this draft did not see (published
    after the draft was rendered: `seen_update_id` is the newest update it saw, 0 for none),
    or was published within the last two minutes by anyone for the same status: two owners
    answering one prompt, or one person in two terminals, would otherwise both post. An
    update for a new status (monitoring, then resolved a minute later) is no double post."""
    if latest_id is None or latest_at is None or latest_author is None:
        return None
    headline = latest_text.splitlines()[0] if latest_text else ""
    if seen_update_id is not None and latest_id > seen_update_id:
        return PublishClash(latest_id, latest_author, latest_at, headline, "since")
    moved_on = latest_status is not None and status is not None and latest_status != status
    if now - latest_at < DOUBLE_PUBLISH_WINDOW and not moved_on:
        return PublishClash(latest_id, latest_author, latest_at, headline, "recent")
    return None


# --- corrections --------------------------------------------------------------------------------

CORRECTED_MARK = "\u270e"  # ✎: a correction, or an entry shown as corrected


def corrects_prefix(entry_id: int) -> str:
    """What a correction's text starts with on every face that shows the timeline."""
    return f"{CORRECTED_MARK} corrects #{entry_id}: "


def corrected_prefix(correction_id: int) -> str:
    """What a corrected entry, shown with its correction's text, starts with."""
    return f"{CORRECTED_MARK} (corrected in #{correction_id}) "


# --- overdue: the one definition ---------------------------------------------------------------
# Every face (countdown, `show`, `tail -f` headers, metrics, exports) asks these, so they agree
# to the second on when an update is late.

# Times are shown to the second, so lateness is counted in whole seconds: an update published
# at its due time, or within that second, is on time; from the next second it is late.
LATE_AFTER = timedelta(seconds=1)
# The countdown warns in the last five minutes.
UPDATE_SOON = timedelta(minutes=5)

CountdownState = Literal["none", "normal", "warning", "overdue"]


def is_overdue(due: datetime, at: datetime) -> bool:
    """Whether something due at `due` is overdue at `at` (or, done at `at`, was late)."""
    return at - due >= LATE_AFTER


@dataclass(frozen=True)
class Countdown:
    """The customer-update countdown at one moment.

    `state` is none (no update owed), normal, warning (due within UPDATE_SOON) or overdue.
    `seconds` is whole seconds left until due, or, when overdue, since it was due."""

    state: CountdownState
    due: datetime | None
    seconds: int


def update_countdown(due: datetime | None, now: datetime) -> Countdown:
    if due is None:
        return Countdown("none", None, 0)
    if is_overdue(due, now):
        return Countdown("overdue", due, int((now - due).total_seconds()))
    left = due - now
    # int() truncates toward zero, so the last part-second before due shows as 0.
    seconds = max(int(left.total_seconds()), 0)
    return Countdown("warning" if left <= UPDATE_SOON else "normal", due, seconds)


def followup_overdue(due: date | None, today: date, *, done: bool) -> bool:
    """A follow-up action is overdue from the day after its due date until it is done."""
    return not done and due is not None and due < today


def format_duration(seconds: float) -> str:
    """Compact human duration: 45s, 12m, 1h05m, 2d03h."""
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


# `warroom run` keeps this much of a command's output, exactly (the rest is counted, not kept).
MAX_OUTPUT_BYTES = 1024 * 1024


FOLD_LINES = 3  # a long note or output shows its first lines, then "… N more lines"


def fold_lines(text: str, keep: int = FOLD_LINES) -> tuple[list[str], int]:
    """A long text as every face shows it folded: its first `keep` lines and how many more
    lines it has. A newline ends a line, it does not start one: the newline that ends most
    command output (and any blank lines after the last) is no hidden line."""
    lines = text.rstrip("\n").split("\n", keep)
    if len(lines) <= keep:
        return lines, 0
    more = lines[keep].count("\n") + 1
    if more == 1 and keep > 1:
        # A marker on a line of its own would take the place of the one line it hides.
        return lines, 0
    return lines[:keep], more


def line_count(text: str) -> int:
    """How many lines `text` has, by the rule fold_lines folds by."""
    head, more = fold_lines(text, 1)
    return len(head) + more


def more_lines(count: int) -> str:
    """`… 1 more line`, `… 4,998 more lines`: what a fold says it hides."""
    return f"\u2026 {count:,} more line{'' if count == 1 else 's'}"


def require_body(text: str | None, what: str, limit: int = MAX_NOTE_BYTES) -> str:
    """A note's text as typed or pasted: not blank, UTF-8, at most `limit` bytes. A one-line
    text loses surrounding spaces; a multi-line one keeps every line exactly (indentation
    included) and loses only blank lines at its start and whitespace at its end."""
    if text is None or not text.strip():
        raise BadInput(f"{what} is empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise BadInput(f"{what} is not valid UTF-8 text") from None
    if size > limit:
        raise BadInput(
            f"{what} is {size:,} bytes; the limit is {limit:,} bytes: nothing was written"
            " (keep the rest in a file and note where it is)"
        )
    if "\n" not in text and "\r" not in text:
        return text.strip()
    lines = text.rstrip().split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


# --- times typed by people (after recovery) ---------------------------------------------------

_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
# "45m ago", "-45m", "2h ago", "1h30m ago", "-1d": a span back from now.
_SPAN = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")
_RELATIVE_DUE = re.compile(r"^\+(\d+)([dw])$")


def _span_ago(text: str) -> timedelta | None:
    """The span in "45m ago" / "-45m", or None when `text` is not of that form."""
    body = text.strip().lower()
    if body.startswith("-"):
        body = body[1:].strip()
    elif body.endswith(" ago"):
        body = body[: -len(" ago")].strip()
    else:
        return None
    match = _SPAN.match(body)
    if not body or not match:
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _local_wall_time(day: date, at: time) -> datetime:
    # A naive datetime is the system's local time to astimezone(), DST included.
    return datetime.combine(day, at).astimezone().astimezone(UTC)


def parse_at(text: str, now: datetime) -> datetime:
    """When something happened (`--at` on note, mitigate, run, correct), in the forms
    `triage --started` takes; never later than `now`."""
    try:
        moment = parse_started(text, now, what="the --at time")
    except BadInput as exc:
        raise BadInput(exc.message.replace("the impact start", "the --at time")) from None
    if moment > now:
        raise BadInput(f"--at {text!r} is in the future; it records when something happened")
    return moment


def parse_started(text: str, now: datetime, what: str = "the impact start") -> datetime:
    """When impact started, as typed with `triage --started`; an aware UTC datetime.

    Accepts ISO 8601 (with an offset, or without one meaning local time), `HH:MM[:SS]` (local
    time today, or yesterday when that would be in the future) and spans back from `now`:
    `45m ago`, `-45m`, `2h ago`, `1h30m ago`, `1d ago`.
    """
    value = text.strip()
    hint = "expected e.g. 13:05, '45m ago', -2h or 2026-11-26T13:05+01:00"
    if not value:
        raise BadInput(f"{what} is empty ({hint})")
    try:
        return _parse_started(value, text, now, hint)
    except OverflowError:
        raise BadInput(f"time out of range: {text!r} ({hint})") from None


def _parse_started(value: str, text: str, now: datetime, hint: str) -> datetime:
    span = _span_ago(value)
    if span is not None:
        return (now - span).astimezone(UTC)
    match = _CLOCK_TIME.match(value)
    if match:
        hour, minute, second = (int(g) if g else 0 for g in match.groups())
        if hour > 23 or minute > 59 or second > 59:
            raise BadInput(f"not a time of day: {text!r} ({hint})")
        at = time(hour, minute, second)
        today = now.astimezone().date()
        moment = _local_wall_time(today, at)
        if moment > now:
            moment = _local_wall_time(today - timedelta(days=1), at)
        return moment
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadInput(f"not a time: {text!r} ({hint})") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # no offset given: the reader's local time
    return moment.astimezone(UTC)


# How far before its declaration an incident's impact can plausibly have begun; anything
# earlier is a typo (`-9999999h`), not a slow-burning incident.
MAX_IMPACT_LEAD = timedelta(days=366)
# Due dates further from today than this are typos too.
MAX_DUE_PAST = timedelta(days=366)
MAX_DUE_AHEAD = timedelta(days=36500)


def parse_due(text: str, now: datetime) -> str:
    """A follow-up's due date as YYYY-MM-DD: a date, or `+7d` / `+2w` from today (local)."""
    value = text.strip()
    relative = _RELATIVE_DUE.match(value.lower())
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        days = count * 7 if unit == "w" else count
        if days > MAX_DUE_AHEAD.days:
            raise BadInput(f"due date too far ahead: {text!r}")
        return (now.astimezone().date() + timedelta(days=days)).isoformat()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        due = date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"not a due date: {text!r} (expected YYYY-MM-DD, or +7d / +2w from today)"
        ) from None
    today = now.astimezone().date()
    if due < today - MAX_DUE_PAST:
        raise BadInput(f"due date {text!r} is more than a year in the past")
    if due > today + MAX_DUE_AHEAD:
        raise BadInput(f"due date too far ahead: {text!r}")
    return due.isoformat()
