"""Read models: what the faces (CLI, TUI, templates, exports) show of an incident."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from warroom.domain import (
    ROLES,
    Settings,
    comms_gaps,
    followup_overdue,
    format_ref,
    from_iso,
    next_update_due,
)
from warroom.errors import BadInput

# Defined in warroom.incident_choice (light, for `warroom run`'s record path); re-exported.
from warroom.incident_choice import AmbiguousIncident as AmbiguousIncident
from warroom.incident_choice import choose_incident as choose_incident
from warroom.incident_choice import list_incidents as list_incidents
from warroom.incident_choice import opt_text as _opt_text
from warroom.incident_choice import read_text as read_text
from warroom.incident_choice import resolve_incident as resolve_incident
from warroom.storage import Connection
from warroom.storage import queries as q


@dataclass(frozen=True)
class ChecklistItem:
    number: int
    step: str
    text: str
    auto: str | None
    done_at: datetime | None
    done_by: str | None
    done_by_login: str | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


# --- reading rows defensively -------------------------------------------------------------
#
# Any member can write any row with sqlite3, so nothing read from the file is trusted to be
# well formed: every face reads through these helpers and shows a bad value as unreadable,
# with the row's id, instead of crashing.

UNREADABLE = "unreadable"
# Shown in place of a time that cannot be read; far in the past, so a due date computed from
# it reads as overdue rather than silently never due.
UNREADABLE_TIME = datetime(1970, 1, 1, tzinfo=UTC)
# What a kind may look like: a plain word. Unknown plain words are kinds newer warroom
# versions (or other tools) write; they are shown as they are.
_KIND = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def read_time(value: object) -> datetime | None:
    """A stored UTC ISO 8601 time, or None when it is missing or not a readable aware time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = from_iso(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment


def read_data(value: object) -> tuple[dict[str, Any] | None, str | None]:
    """The entry's data JSON: (object, None), or (None, what is wrong)."""
    if value is None or value == "":
        return None, None
    try:
        data = json.loads(value) if isinstance(value, str | bytes) else None
    except (ValueError, RecursionError):
        return None, "bad data JSON"
    if not isinstance(data, dict):
        return None, "data is not a JSON object"
    return data, None


def plain_kind(value: object) -> bool:
    return isinstance(value, str) and _KIND.fullmatch(value) is not None


@dataclass(frozen=True)
class Entry:
    id: int
    incident_id: int
    ts: datetime
    author: str
    login: str | None
    kind: str
    text: str
    data: dict[str, Any] | None
    # Why the row could not be read (kind is then "unreadable"), else None.
    problem: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Entry:
        entry_id = row["id"]
        problems = []
        ts = read_time(row.get("ts"))
        if ts is None:
            problems.append(f"bad time {read_text(row.get('ts'))!r}")
        kind = row.get("kind")
        if not plain_kind(kind):
            problems.append(f"bad kind {read_text(kind)!r}")
        data, bad_data = read_data(row.get("data"))
        if bad_data:
            problems.append(bad_data)
        author = read_text(row.get("author"))
        login = row.get("login")
        text = read_text(row.get("text"))
        incident_id = row.get("incident_id")
        if not isinstance(incident_id, int):
            problems.append("bad incident id")
            incident_id = 0
        if problems:
            problem = "; ".join(problems)
            # The stored text stays visible (through the sanitiser, like all text): nothing
            # anyone wrote is hidden because a neighbouring column is damaged.
            return cls(
                id=entry_id,
                incident_id=incident_id,
                ts=ts or UNREADABLE_TIME,
                author=author,
                login=read_text(login) if login is not None else None,
                kind=UNREADABLE,
                text=f"unreadable entry #{entry_id} ({problem}): {text}",
                data=None,
                problem=problem,
            )
        assert isinstance(kind, str)
        return cls(
            id=entry_id,
            incident_id=incident_id,
            ts=ts or UNREADABLE_TIME,
            author=author,
            login=read_text(login) if login is not None else None,
            kind=kind,
            text=text,
            data=data,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": format_ref(self.incident_id),
            "ts": self.ts.isoformat(),
            "author": self.author,
            "login": self.login,
            "kind": self.kind,
            "text": self.text,
            "data": self.data,
        }


def _parse_data(raw: str | None) -> dict[str, Any] | None:
    # Values read from the file are untrusted: data that is not a JSON object is ignored.
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def data_int(raw: str | None, key: str) -> int | None:
    value = (_parse_data(raw) or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def entry_happened_at(entry: Entry) -> datetime | None:
    """`--at`: when it happened, if it was logged later; None when not given or unreadable."""
    value = (entry.data or {}).get("at") if isinstance(entry.data, dict) else None
    return read_time(value)


def entry_corrects(entry: Entry) -> int | None:
    """The id a correction entry corrects, or None."""
    if entry.kind != "correction" or not isinstance(entry.data, dict):
        return None
    value = entry.data.get("corrects")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def corrections(conn: Connection, incident_id: int) -> dict[int, Entry]:
    """Corrected entry id -> its latest correction."""
    latest: dict[int, Entry] = {}
    for row in q.corrections_of(conn, incident_id):
        entry = Entry.from_row(row)
        target = entry_corrects(entry)
        if target is not None:
            latest[target] = entry
    return latest


def get_entry(conn: Connection, entry_id: int) -> Entry | None:
    row = q.get_entry(conn, entry_id)
    return Entry.from_row(row) if row is not None else None


@dataclass(frozen=True)
class Update:
    id: int
    published_at: datetime
    author: str
    template: str | None
    status: str
    text: str
    author_login: str | None = None
    # The next-update time this update promised customers (None: it promised none).
    next_update_due: datetime | None = None

    @property
    def headline(self) -> str:
        return self.text.splitlines()[0] if self.text else ""


def update_from_row(row: dict[str, Any]) -> Update:
    """A published update from its row; a damaged value is read as safely as the rest."""
    return Update(
        id=row["id"],
        published_at=_maybe_time(row["published_at"]) or UNREADABLE_TIME,
        author=read_text(row["author"]),
        template=_opt_text(row["template"]),
        status=read_text(row["status"]),
        text=read_text(row["text"]),
        author_login=_opt_text(row.get("author_login")),
        next_update_due=_maybe_time(row.get("next_update_due")),
    )


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    severity: str
    status: str
    declared_at: datetime
    declared_by: str
    resolved_at: datetime | None
    impact: str | None
    affected: str | None
    workaround: str | None
    detection_source: str | None
    impact_started_at: datetime | None
    services: tuple[str, ...]
    roles: dict[str, str | None]
    checklist: tuple[ChecklistItem, ...]
    last_update_at: datetime | None
    next_update_due: datetime | None
    # What could not be read from the file (e.g. a bad declared_at), for the faces to show.
    problems: tuple[str, ...] = ()
    declared_by_login: str | None = None
    # role -> (display name, login) of who assigned it.
    assigned_by: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    # Facts the comms rule needs: the newest update's id (0: none), whether a resolved update
    # went out after the (latest) resolution.
    last_update_id: int = 0
    resolved_update_published: bool = False

    @property
    def ref(self) -> str:
        return format_ref(self.id)

    @property
    def comms_gaps(self) -> list[str]:
        """What customers were not told, said loudly wherever the incident is shown."""
        return comms_gaps(
            status=self.status,
            resolved_update_published=self.resolved_update_published,
            comms_owner=self.roles.get("comms"),
        )

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "ref": self.ref,
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "status": self.status,
            "declared_at": iso(self.declared_at),
            "declared_by": self.declared_by,
            "declared_by_login": self.declared_by_login,
            "resolved_at": iso(self.resolved_at),
            "impact_started_at": iso(self.impact_started_at),
            "impact": self.impact,
            "affected": self.affected,
            "workaround": self.workaround,
            "detection_source": self.detection_source,
            "services": list(self.services),
            "roles": dict(self.roles),
            "roles_assigned_by": {
                role: {"name": name, "login": login}
                for role, (name, login) in self.assigned_by.items()
            },
            "checklist": [
                {
                    "number": item.number,
                    "step": item.step,
                    "text": item.text,
                    "done": item.done,
                    "done_at": iso(item.done_at),
                    "done_by": item.done_by,
                    "done_by_login": item.done_by_login,
                }
                for item in self.checklist
            ],
            "last_update_at": iso(self.last_update_at),
            "next_update_due": iso(self.next_update_due),
            "problems": list(self.problems),
            "comms_gaps": self.comms_gaps,
        }


def _maybe_time(text: object) -> datetime | None:
    """None for no time; a stored but unreadable time still counts as set (a tick stays a
    tick), shown as UNREADABLE_TIME."""
    if text is None or text == "":
        return None
    return read_time(text) or UNREADABLE_TIME


def _required_time(value: object, what: str, problems: list[str]) -> datetime:
    moment = read_time(value)
    if moment is None:
        problems.append(f"{what} is unreadable ({read_text(value)!r})")
        return UNREADABLE_TIME
    return moment


def load_incident(conn: Connection, incident_id: int, settings: Settings) -> Incident:
    row = q.get_incident(conn, incident_id)
    if row is None:
        raise BadInput(f"no incident {format_ref(incident_id)}")
    roles: dict[str, str | None] = dict.fromkeys(ROLES)
    assigned_by: dict[str, tuple[str, str | None]] = {}
    for role in q.get_roles(conn, incident_id):
        roles[role["role"]] = read_text(role["name"])
        assigned_by[role["role"]] = (
            read_text(role["assigned_by"]),
            _opt_text(role.get("assigned_by_login")),
        )
    checklist = tuple(
        ChecklistItem(
            number=item["position"],
            step=read_text(item["step"]),
            text=read_text(item["text"]),
            auto=item["auto"] if isinstance(item["auto"], str) else None,
            done_at=_maybe_time(item["done_at"]),
            done_by=_opt_text(item["done_by"]),
            done_by_login=_opt_text(item.get("done_by_login")),
        )
        for item in q.get_checklist(conn, incident_id)
    )
    problems: list[str] = []
    declared_at = _required_time(row["declared_at"], "the declaration time", problems)
    latest = q.latest_update(conn, incident_id)
    last_update = _maybe_time(latest["published_at"]) if latest else None
    promised = _maybe_time(latest.get("next_update_due")) if latest else None
    resolved_at = _maybe_time(row["resolved_at"])
    return Incident(
        id=row["id"],
        title=read_text(row["title"]),
        severity=row["severity"],
        status=row["status"],
        declared_at=declared_at,
        declared_by=read_text(row["declared_by"]),
        resolved_at=resolved_at,
        impact=_opt_text(row["impact"]),
        affected=_opt_text(row["affected"]),
        workaround=_opt_text(row["workaround"]),
        detection_source=_opt_text(row["detection_source"]),
        impact_started_at=_maybe_time(row.get("impact_started_at")),
        services=tuple(q.get_services(conn, incident_id)),
        roles=roles,
        checklist=checklist,
        last_update_at=last_update,
        next_update_due=next_update_due(
            rule=settings.rule(row["severity"]),
            status=row["status"],
            declared_at=declared_at,
            last_update_at=last_update,
            promised=promised,
        ),
        last_update_id=latest["id"] if latest else 0,
        resolved_update_published=(
            resolved_at is not None
            and any(
                u.status == "resolved" and u.published_at >= resolved_at
                for u in (update_from_row(r) for r in q.get_updates(conn, incident_id))
            )
        ),
        problems=tuple(problems),
        declared_by_login=_opt_text(row.get("declared_by_login")),
        assigned_by=assigned_by,
    )


def open_incident_count(conn: Connection) -> int:
    return q.open_incident_count(conn)


def tail(conn: Connection, incident_id: int | None, n: int) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_tail(conn, incident_id, n)]


def entries_after(
    conn: Connection, incident_id: int | None, after_id: int, limit: int | None = None
) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_after(conn, incident_id, after_id, limit)]


def declared_elsewhere(conn: Connection, incident_id: int, after_id: int) -> list[Entry]:
    return [Entry.from_row(r) for r in q.declared_elsewhere(conn, incident_id, after_id)]


def updates(conn: Connection, incident_id: int) -> list[Update]:
    return [update_from_row(r) for r in q.get_updates(conn, incident_id)]


def people_seen(conn: Connection, incident_id: int) -> list[str]:
    return q.people_seen(conn, incident_id)


def entries_of_kinds(conn: Connection, incident_id: int, kinds: Sequence[str]) -> list[Entry]:
    return [Entry.from_row(r) for r in q.timeline_of_kinds(conn, incident_id, kinds)]


# --- follow-up actions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Followup:
    id: int
    incident_id: int
    text: str
    owner: str | None
    due: str | None  # YYYY-MM-DD as validated by domain.parse_due
    created_at: datetime
    created_by: str
    done_at: datetime | None
    done_by: str | None
    created_by_login: str | None = None
    done_by_login: str | None = None

    @property
    def ref(self) -> str:
        return format_ref(self.incident_id)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def due_date(self) -> date | None:
        # Rows written before due dates were validated may hold other text; it is kept as is.
        try:
            return date.fromisoformat(self.due) if self.due else None
        except ValueError:
            return None

    def overdue(self, today: date) -> bool:
        return followup_overdue(self.due_date, today, done=self.done)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.ref,
            "text": self.text,
            "owner": self.owner,
            "due": self.due,
            "done": self.done,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "created_by_login": self.created_by_login,
            "done_at": self.done_at.isoformat() if self.done_at else None,
            "done_by": self.done_by,
            "done_by_login": self.done_by_login,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Followup:
        return cls(
            id=row["id"],
            incident_id=row["incident_id"],
            text=read_text(row["text"]),
            owner=_opt_text(row["owner"]),
            due=_opt_text(row["due"]),
            created_at=_maybe_time(row["created_at"]) or UNREADABLE_TIME,
            created_by=read_text(row["created_by"]),
            done_at=_maybe_time(row["done_at"]),
            done_by=_opt_text(row["done_by"]),
            created_by_login=_opt_text(row.get("created_by_login")),
            done_by_login=_opt_text(row.get("done_by_login")),
        )


def followups(
    conn: Connection, incident_id: int | None = None, *, include_done: bool = False
) -> list[Followup]:
    """Follow-up actions, oldest first: open ones of every incident (incident_id None), or of
    one incident; done ones too with include_done."""
    rows = q.list_followups(conn, incident_id=incident_id, include_done=include_done)
    return [Followup.from_row(r) for r in rows]


def last_entry_id(conn: Connection) -> int:
    """The newest timeline id of any incident (0 when empty): where a follower starts."""
    return q.max_timeline_id(conn)


def chain_hashes(conn: Connection, low: int, high: int) -> dict[int, str]:
    """The hash chain's hashes of the entries `low` to `high`."""
    return q.chain_hashes(conn, low, high)


# How far back a file let go of (a restore moved over it) is compared with the new one.
CHAIN_LOOKBACK = 5000


def recent_chain(conn: Connection, up_to: int | None = None) -> dict[int, str]:
    """The hashes of the newest CHAIN_LOOKBACK entries up to `up_to` (the newest: None), read
    from a file before it is let go: shared_history then finds where a restored one parts."""
    newest = q.max_timeline_id(conn) if up_to is None else up_to
    return q.chain_hashes(conn, max(newest - CHAIN_LOOKBACK + 1, 1), newest)


def shared_history(before: dict[int, str], after: dict[int, str]) -> int | None:
    """The newest id at which two files' timelines still agree, given hashes of the same ids
    from each: the chain makes agreement at an id agreement at every id before it. None if
    they agree at none of these ids (they part before them, or are different files)."""
    agreed = [i for i, h in before.items() if after.get(i) == h]
    return max(agreed) if agreed else None


# --- handovers and what a login has seen ------------------------------------------------------


@dataclass(frozen=True)
class PendingHandover:
    """A role being handed over: `from_name` keeps it until `to_name` acknowledges."""

    id: int
    incident_id: int
    role: str
    from_name: str
    to_name: str
    requested_at: datetime
    requested_by: str
    brief: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "from": self.from_name,
            "to": self.to_name,
            "requested_at": self.requested_at.isoformat(),
            "requested_by": self.requested_by,
        }


def pending_handovers(conn: Connection, incident_id: int) -> list[PendingHandover]:
    return [
        PendingHandover(
            id=r["id"],
            incident_id=r["incident_id"],
            role=r["role"],
            from_name=r["from_name"],
            to_name=r["to_name"],
            requested_at=read_time(r["requested_at"]) or UNREADABLE_TIME,
            requested_by=r["requested_by"],
            brief=r["brief"],
        )
        for r in q.open_handovers(conn, incident_id)
    ]


def last_seen(conn: Connection, incident_id: int, login: str) -> tuple[int, datetime] | None:
    """The newest entry id this login was shown, and when; None if it never looked."""
    row = q.get_seen(conn, incident_id, login)
    if row is None:
        return None
    return int(row["last_entry_id"]), read_time(row["seen_at"]) or UNREADABLE_TIME


def last_entry_of(conn: Connection, incident_id: int) -> int:
    return q.last_entry_of(conn, incident_id)


def entries_of_kinds_after(
    conn: Connection, incident_id: int, kinds: Sequence[str], after_id: int
) -> list[Entry]:
    return [Entry.from_row(r) for r in q.kinds_after(conn, incident_id, kinds, after_id)]


def count_after(
    conn: Connection, incident_id: int, after_id: int, *, not_by: str | None = None
) -> int:
    return q.count_after(conn, incident_id, after_id, not_by=not_by)


# --- deliveries to publish destinations -------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    id: int
    update_id: int
    incident_id: int
    destination: str
    state: str  # pending | delivering | delivered | failed
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    exit_status: int | None
    error: str | None

    @property
    def gave_up(self) -> bool:
        return self.state == "failed" and self.next_attempt_at is None

    def to_json(self) -> dict[str, Any]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "id": self.id,
            "incident": format_ref(self.incident_id),
            "update_id": self.update_id,
            "destination": self.destination,
            "state": self.state,
            "attempts": self.attempts,
            "created_at": iso(self.created_at),
            "last_attempt_at": iso(self.last_attempt_at),
            "next_attempt_at": iso(self.next_attempt_at),
            "delivered_at": iso(self.delivered_at),
            "exit_status": self.exit_status,
            "error": self.error,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Delivery:
        def number(value: object) -> int | None:
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            id=row["id"],
            update_id=row["update_id"],
            incident_id=row["incident_id"],
            destination=read_text(row["destination"]),
            state=read_text(row["state"]),
            attempts=number(row["attempts"]) or 0,
            created_at=_maybe_time(row["created_at"]) or UNREADABLE_TIME,
            next_attempt_at=_maybe_time(row["next_attempt_at"]),
            last_attempt_at=_maybe_time(row["last_attempt_at"]),
            delivered_at=_maybe_time(row["delivered_at"]),
            exit_status=number(row["exit_status"]),
            error=_opt_text(row["error"]),
        )


def deliveries(
    conn: Connection, incident_id: int | None = None, update_id: int | None = None
) -> list[Delivery]:
    """Deliveries oldest first: of every incident, one incident, or one update."""
    rows = q.list_deliveries(conn, incident_id=incident_id, update_id=update_id)
    return [Delivery.from_row(r) for r in rows]


def describe_delivery(d: Delivery) -> str:
    """One line for people (the CLI's `show`, the update panel); no user text but the error,
    which callers sanitise."""
    if d.state == "delivered":
        return f"delivered after {d.attempts} attempt{'s' if d.attempts != 1 else ''}"
    if d.state == "pending":
        return "pending"
    if d.state == "delivering":
        return f"delivering (attempt {d.attempts})"
    status = f"exit {d.exit_status}" if d.exit_status is not None else "did not finish"
    why = f": {d.error}" if d.error else ""
    tail = "gave up; `warroom deliveries retry`" if d.gave_up else "will retry"
    return f"FAILED ({status}{why}; attempt {d.attempts}, {tail})"
