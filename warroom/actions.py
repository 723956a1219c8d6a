"""One function per user action. Each writes its state change and its timeline entry in one
transaction, stamped with the injected clock's UTC time, the author and the Unix login.

The CLI and the TUI both call these; neither writes SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The write transaction and the recording of a command live in warroom.commands (light, for
# `warroom run`'s record path); re-exported here, where every other action uses them.
from warroom.commands import CommandRun as CommandRun
from warroom.commands import Tx as _Tx
from warroom.commands import at_data as _at_data
from warroom.commands import record_command as record_command
from warroom.commands import write as _write
from warroom.domain import (
    MAX_IMPACT_LEAD,
    MITIGATIONS,
    ROLES,
    PublishClash,
    format_ref,
    from_iso,
    parse_due,
    parse_role,
    parse_severity,
    parse_source,
    parse_status,
    promised_next_update,
    publish_clash,
    require_body,
    require_text,
    to_iso,
    typed_long_ago,
)
from warroom.errors import BadInput, WarroomError

# Room and Actor live in warroom.room; re-exported (the `X as X` form) so code that imports
# them from here keeps working.
from warroom.room import Actor as Actor
from warroom.room import Room as Room
from warroom.room import display_name as display_name
from warroom.room import unix_login as unix_login
from warroom.storage import queries as q

# --- declare and triage -----------------------------------------------------------------------


def declare(
    room: Room,
    title: str,
    severity: str,
    services: Sequence[str] = (),
    source: str | None = None,
) -> int:
    title = require_text(title, "the incident title")
    severity = parse_severity(severity)
    source = parse_source(source) if source is not None else None
    service_names = [require_text(s, "a service name") for s in services]
    with _write(room) as tx:
        return declare_in(tx, title, severity, service_names, source)


def declare_in(
    tx: _Tx,
    title: str,
    severity: str,
    service_names: list[str],
    source: str | None,
    extra: dict[str, Any] | None = None,
) -> int:
    """The declaration inside a caller's transaction (a declaration from an alert attaches
    the alert in the same one). Arguments are already checked."""
    room = tx.room
    incident_id = q.insert_incident(
        tx.conn,
        title=title,
        severity=severity,
        status="investigating",
        declared_at=tx.ts,
        declared_by=room.actor.name,
        declared_by_login=room.actor.login,
        detection_source=source,
    )
    q.add_services(tx.conn, incident_id, service_names)
    q.insert_checklist(
        tx.conn, incident_id, [(i.step, i.text, i.auto) for i in room.settings.checklist]
    )
    text = f"Declared {severity}: {title}"
    if service_names:
        text += f" (services: {', '.join(service_names)})"
    tx.log(
        incident_id,
        "declared",
        text,
        {"severity": severity, "services": service_names, "source": source, **(extra or {})},
    )
    tx.auto_tick(incident_id, "severity")
    return incident_id


TRIAGE_LABELS = {
    "impact": "Impact",
    "affected": "Affected",
    "workaround": "Workaround",
    "detection_source": "Detected by",
    "impact_started_at": "Impact started",
}


def _started_text(stored: str) -> str:
    # The entry is read by people in any zone, so it names UTC explicitly.
    return f"{from_iso(stored).astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def triage(
    room: Room,
    incident_id: int,
    *,
    impact: str | None = None,
    affected: str | None = None,
    workaround: str | None = None,
    services: Sequence[str] = (),
    source: str | None = None,
    started: datetime | None = None,
) -> bool:
    """Record triage facts. Returns False when nothing changed (nothing is written then).

    `started` is when customer impact began; it may be earlier than the declaration (impact
    often starts before anyone declares) but never later.
    """
    given = {
        "impact": impact,
        "affected": affected,
        "workaround": workaround,
    }
    fields = {
        name: require_text(value, f"the {TRIAGE_LABELS[name].lower()} text")
        for name, value in given.items()
        if value is not None
    }
    if source is not None:
        fields["detection_source"] = parse_source(source)
    service_names = [require_text(s, "a service name") for s in services]
    if started is not None:
        if started.tzinfo is None:
            raise ValueError("naive datetime for the impact start; pass an aware one")
        fields["impact_started_at"] = to_iso(started)
    if not fields and not service_names:
        raise BadInput(
            "nothing to record; give --impact, --affected, --workaround, --service or --started"
        )
    with _write(room) as tx:
        row = tx.incident_row(incident_id)
        if started is not None and started > from_iso(row["declared_at"]):
            declared = from_iso(row["declared_at"]).strftime("%Y-%m-%d %H:%M:%S UTC")
            raise BadInput(
                f"the impact start ({started.astimezone(UTC):%Y-%m-%d %H:%M:%S UTC}) is after"
                f" the declaration ({declared}); it can only be earlier"
            )
        if started is not None and started < from_iso(row["declared_at"]) - MAX_IMPACT_LEAD:
            raise BadInput(
                f"the impact start ({started.astimezone(UTC):%Y-%m-%d UTC}) is more than a"
                " year before the declaration; check the time given with --started"
            )
        changed = {k: v for k, v in fields.items() if row[k] != v}
        q.update_incident(tx.conn, incident_id, **changed)
        added = q.add_services(tx.conn, incident_id, service_names)
        if not changed and not added:
            return False
        parts = [
            f"{TRIAGE_LABELS[k]}: {_started_text(v) if k == 'impact_started_at' else v}"
            for k, v in changed.items()
        ]
        if added:
            parts.append(f"Services: +{', +'.join(added)}")
        tx.log(incident_id, "triage", "; ".join(parts), {**changed, "services_added": added})
        if "impact" in changed:
            tx.auto_tick(incident_id, "impact")
    return True


# --- timeline entries -------------------------------------------------------------------------


def note(
    room: Room,
    incident_id: int,
    text: str,
    *,
    at: datetime | None = None,
    typed_at: datetime | None = None,
) -> int:
    """A note: one line typed, or a whole paste or log (kept exactly, up to MAX_NOTE_BYTES).
    `typed_at`: when it was typed (the war room's Enter); a note logged much later (the file
    was locked) keeps that as when it happened (domain.typed_long_ago)."""
    text = require_body(text, "the note")
    data = _at_data(room, at)
    with _write(room) as tx:
        tx.incident_row(incident_id)
        if at is None and typed_at is not None:
            # Looked at once the write lock is ours: the wait for it is what made it late.
            late = typed_long_ago(typed_at, room.now())
            if late is not None:
                data = _at_data(room, late)
        return tx.log(incident_id, "note", text, data or None)


def mitigate(
    room: Room,
    incident_id: int,
    text: str,
    action: str | None = None,
    *,
    at: datetime | None = None,
) -> int:
    """Log a mitigation action: one of MITIGATIONS (rollback, failover, ...) plus detail."""
    text = require_text(text, "the mitigation detail")
    if action is not None and action not in MITIGATIONS:
        raise BadInput(f"unknown mitigation {action!r}; choose one of {', '.join(MITIGATIONS)}")
    data = {"action": action or "other", **_at_data(room, at)}
    with _write(room) as tx:
        tx.incident_row(incident_id)
        shown = f"{MITIGATIONS[action]}: {text}" if action and action != "other" else text
        entry = tx.log(incident_id, "mitigation", shown, data)
        tx.auto_tick(incident_id, "mitigation")
        return entry


def correct(room: Room, entry_id: int, text: str, *, at: datetime | None = None) -> int:
    """Correct a timeline entry by appending a `correction` entry (data.corrects = entry_id):
    the timeline is append-only, so the original stays stored as it was."""
    text = require_body(text, "the corrected text")
    data: dict[str, Any] = {"corrects": entry_id, **_at_data(room, at)}
    with _write(room) as tx:
        original = q.get_entry(tx.conn, entry_id)
        if original is None:
            raise BadInput(f"no timeline entry #{entry_id}; `warroom tail` shows entry numbers")
        if original["kind"] == "correction":
            # Correcting a correction corrects the same original: one chain, latest wins.
            root = _corrects(original.get("data"))
            if root is not None:
                data["corrects"] = root
                original = q.get_entry(tx.conn, root) or original
        data["kind"] = original["kind"]
        return tx.log(original["incident_id"], "correction", text, data)


# --- roles, severity, status ------------------------------------------------------------------


class RoleChangedError(WarroomError):
    """The role changed hands after the form assigning it was opened. Nothing was written."""

    def __init__(self, label: str, expected: str | None, current: str | None) -> None:
        was = expected or "nobody"
        now = current or "nobody"
        super().__init__(f"{label} changed from {was} to {now} since you opened this form")
        self.current = current


ANY_HOLDER: Any = object()


def assign(
    room: Room,
    incident_id: int,
    role: str,
    name: str,
    *,
    expected_holder: str | None = ANY_HOLDER,
) -> bool:
    """Give a role to someone. A change of holder is logged as a handover.
    Returns False when they already hold it (nothing is written then).

    `expected_holder` is who held the role when the caller's form was opened: when someone
    else has changed it since, RoleChangedError says so and nothing is written."""
    role = parse_role(role)
    name = require_text(name, "the person's name")
    with _write(room) as tx:
        tx.incident_row(incident_id)
        current = {r["role"]: r["name"] for r in q.get_roles(tx.conn, incident_id)}.get(role)
        if current == name:
            return False
        if expected_holder is not ANY_HOLDER and current != expected_holder:
            raise RoleChangedError(ROLES[role], expected_holder, current)
        q.set_role(tx.conn, incident_id, role, name, tx.ts, room.actor.name, room.actor.login)
        label = ROLES[role]
        if current is None:
            text = f"{label}: {name}"
        else:
            text = f"{label}: handover from {current} to {name}"
        for pending in q.open_handovers(tx.conn, incident_id):
            if pending["role"] == role:
                # Assigning outright settles the role: a handover still waiting is void.
                q.end_handover(tx.conn, pending["id"], tx.ts, "cancelled")
                text += f" (pending handover to {pending['to_name']} cancelled)"
        tx.log(incident_id, "role", text, {"role": role, "from": current, "to": name})
        if role == "owner":
            tx.auto_tick(incident_id, "owner")
    return True


def set_severity(room: Room, incident_id: int, severity: str) -> bool:
    severity = parse_severity(severity)
    with _write(room) as tx:
        row = tx.incident_row(incident_id)
        if row["severity"] == severity:
            return False
        q.update_incident(tx.conn, incident_id, severity=severity)
        old = row["severity"]
        verb = "raised" if severity < old else "lowered"
        tx.log(
            incident_id,
            "severity",
            f"Severity {verb}: {old} → {severity}",
            {"from": old, "to": severity},
        )
        tx.auto_tick(incident_id, "severity")
    return True


def set_status(room: Room, incident_id: int, status: str) -> bool:
    status = parse_status(status)
    with _write(room) as tx:
        row = tx.incident_row(incident_id)
        old = row["status"]
        if old == status:
            return False
        if status == "resolved":
            q.update_incident(tx.conn, incident_id, status=status, resolved_at=tx.ts)
            text = f"Status: {old} → resolved"
        elif old == "resolved":
            q.update_incident(tx.conn, incident_id, status=status, resolved_at=None)
            text = f"Reopened: resolved → {status}"
        else:
            q.update_incident(tx.conn, incident_id, status=status)
            text = f"Status: {old} → {status}"
        tx.log(incident_id, "status", text, {"from": old, "to": status})
    return True


def check(room: Room, incident_id: int, number: int, *, undo: bool = False) -> bool:
    """Tick (or untick) checklist item `number` as `show` numbers it."""
    with _write(room) as tx:
        tx.incident_row(incident_id)
        items = q.get_checklist(tx.conn, incident_id)
        item = next((i for i in items if i["position"] == number), None)
        if item is None:
            raise BadInput(
                f"no checklist item {number} on {format_ref(incident_id)}"
                f" (items are 1 to {len(items)})"
            )
        if (item["done_at"] is None) == undo:
            return False
        if undo:
            q.set_checked(tx.conn, item["id"], None, None)
            text = f"Checklist: unticked {item['text']!r}"
        else:
            q.set_checked(tx.conn, item["id"], tx.ts, room.actor.name, room.actor.login)
            text = f"Checklist: ticked {item['text']!r}"
        tx.log(incident_id, "checklist", text, {"item": number, "done": not undo})
    return True


# --- customer updates -------------------------------------------------------------------------


class PublishClashError(WarroomError):
    """Someone published since this draft was rendered, or moments ago: publishing now could
    post a second update over theirs. Nothing was written."""

    def __init__(self, clash: PublishClash) -> None:
        super().__init__(
            clash.sentence(clash.published_at.astimezone(UTC).strftime("%H:%M:%S UTC"))
        )
        self.clash = clash


class PromiseMovedError(WarroomError):
    """The text promises a next-update time other than the one publishing now would store."""

    def __init__(self, promised: datetime | None) -> None:
        super().__init__("the promised next-update time changed while the update was rendered")
        self.promised = promised


@dataclass(frozen=True)
class Published:
    update_id: int
    # What the update promised: exactly the time the countdown now counts to.
    next_update_due: datetime | None
    deliveries: tuple[int, ...]


# expect_promise's default: the caller did not render the promise into its text.
ANY_PROMISE: Any = object()


def publish_update(
    room: Room,
    incident_id: int,
    text: str,
    template: str | None = None,
    *,
    seen_update_id: int | None = None,
    expect_promise: datetime | None = ANY_PROMISE,
    force: bool = False,
) -> Published:
    """Record a customer update as published: its exact text, who and when, and the
    next-update time it promises (domain.promised_next_update, from this moment). The
    countdown counts to that promise, and the first update ticks 'publish first update'.

    Refuses (PublishClashError, nothing written) when an update was published that this
    draft did not see (`seen_update_id`: the newest update id the draft was rendered with,
    0 for none) or within the last two minutes, unless `force`. `expect_promise` is the time
    the caller's text promises; when publishing now would promise another (a minute passed
    since rendering) PromiseMovedError lets the caller render again. Each `[[publish]]`
    destination gets a pending delivery in the same transaction; delivering is left to
    warroom.delivery, off this call, so a slow destination never holds up a publish."""
    text = require_text(text, "the update text").rstrip()
    with _write(room) as tx:
        row = tx.incident_row(incident_id)
        latest = q.latest_update(tx.conn, incident_id)
        if not force and latest is not None:
            from warroom.views import UNREADABLE_TIME, read_time

            clash = publish_clash(
                latest_id=latest["id"],
                latest_author=latest["author"],
                # Any member can write this row: an unreadable time is no clash, not a crash.
                latest_at=read_time(latest["published_at"]) or UNREADABLE_TIME,
                latest_text=latest["text"],
                seen_update_id=seen_update_id,
                now=from_iso(tx.ts),
                latest_status=latest["status"],
                status=row["status"],
            )
            if clash is not None:
                raise PublishClashError(clash)
        promise = promised_next_update(
            rule=room.settings.rule(row["severity"]),
            status=row["status"],
            published_at=from_iso(tx.ts),
        )
        if expect_promise is not ANY_PROMISE and expect_promise != promise:
            raise PromiseMovedError(promise)
        update_id = q.insert_update(
            tx.conn,
            incident_id=incident_id,
            published_at=tx.ts,
            author=room.actor.name,
            author_login=room.actor.login,
            template=template,
            status=row["status"],
            text=text,
            next_update_due=to_iso(promise) if promise is not None else None,
        )
        headline = text.splitlines()[0]
        # The record as it stood when this went out: a head kept with what was published.
        head = q.chain_head(tx.conn)
        tx.log(
            incident_id,
            "update",
            f"Customer update published: {headline}",
            {
                "update_id": update_id,
                "template": template,
                "chain_head": head.to_json(),
                "next_update_due": to_iso(promise) if promise is not None else None,
                **({"forced": True} if force and latest is not None else {}),
            },
        )
        tx.auto_tick(incident_id, "first_update")
        deliveries = tuple(
            q.insert_delivery(
                tx.conn,
                update_id=update_id,
                incident_id=incident_id,
                destination=destination.name,
                at=tx.ts,
            )
            for destination in room.settings.destinations
        )
    return Published(update_id, promise, deliveries)


# --- follow-up actions ------------------------------------------------------------------------


def add_followup(
    room: Room,
    incident_id: int,
    text: str,
    owner: str | None = None,
    due: str | None = None,
) -> int:
    """Record a follow-up action. `due` is YYYY-MM-DD or +7d / +2w from today (local); it is
    stored as YYYY-MM-DD."""
    text = require_text(text, "the follow-up text")
    owner = require_text(owner, "the owner") if owner is not None else None
    due = parse_due(due, room.now()) if due is not None else None
    with _write(room) as tx:
        tx.incident_row(incident_id)
        followup_id = q.insert_followup(
            tx.conn,
            incident_id=incident_id,
            text=text,
            owner=owner,
            due=due,
            created_at=tx.ts,
            created_by=room.actor.name,
            created_by_login=room.actor.login,
        )
        extra = ", ".join(
            p for p in (f"owner {owner}" if owner else "", f"due {due}" if due else "") if p
        )
        tx.log(
            incident_id,
            "followup",
            f"Follow-up #{followup_id}: {text}" + (f" ({extra})" if extra else ""),
            {"followup_id": followup_id, "owner": owner, "due": due},
        )
        tx.auto_tick(incident_id, "followup")
    return followup_id


def complete_followup(room: Room, followup_id: int, *, undo: bool = False) -> bool:
    with _write(room) as tx:
        row = q.get_followup(tx.conn, followup_id)
        if row is None:
            raise BadInput(f"no follow-up #{followup_id}")
        if (row["done_at"] is None) == undo:
            return False
        if undo:
            q.set_followup_done(tx.conn, followup_id, None, None)
            text = f"Follow-up #{followup_id} reopened: {row['text']}"
        else:
            q.set_followup_done(tx.conn, followup_id, tx.ts, room.actor.name, room.actor.login)
            text = f"Follow-up #{followup_id} done: {row['text']}"
        tx.log(row["incident_id"], "followup", text, {"followup_id": followup_id, "done": not undo})
    return True


def _corrects(raw: str | None) -> int | None:
    from warroom.views import data_int

    return data_int(raw, "corrects")


# --- handovers --------------------------------------------------------------------------------


def handover(room: Room, incident_id: int, role: str, name: str) -> int:
    """Start handing ROLE to NAME: a brief is written and the role is marked "handing over";
    the current holder keeps it until NAME acknowledges (`ack`). Returns the handover id."""
    from warroom.brief import build_brief, render_brief

    role = parse_role(role)
    name = require_text(name, "the person's name")
    label = ROLES[role]
    with _write(room) as tx:
        tx.incident_row(incident_id)
        current = {r["role"]: r["name"] for r in q.get_roles(tx.conn, incident_id)}.get(role)
        if current is None:
            raise BadInput(
                f"nobody holds {label.lower()} on {format_ref(incident_id)} yet; give it"
                f" with: warroom assign {role.replace('_', '-')} {name}"
            )
        if current.casefold() == name.casefold():
            raise BadInput(f"{name} already holds {label.lower()} on {format_ref(incident_id)}")
        replaced = []
        for pending in q.open_handovers(tx.conn, incident_id):
            if pending["role"] == role:
                q.end_handover(tx.conn, pending["id"], tx.ts, "replaced")
                replaced.append(pending["to_name"])
        brief = render_brief(build_brief(tx.conn, incident_id, room.settings, room.now()))
        handover_id = q.insert_handover(
            tx.conn,
            incident_id=incident_id,
            role=role,
            from_name=current,
            to_name=name,
            requested_at=tx.ts,
            requested_by=room.actor.name,
            requested_by_login=room.actor.login,
            brief=brief,
        )
        text = (
            f"{label}: handing over from {current} to {name}; {current} keeps it until"
            f" {name} acknowledges (warroom ack)"
        )
        if replaced:
            text += f" (replaces the handover to {', '.join(replaced)})"
        tx.log(
            incident_id,
            "handover",
            text,
            {"role": role, "from": current, "to": name, "handover_id": handover_id, "brief": brief},
        )
    return handover_id


def acknowledge_handover(room: Room, incident_id: int, role: str | None = None) -> list[str]:
    """The acting person takes over the roles being handed to them (or just `role`).
    Returns the roles taken; refuses when none is waiting for them."""
    wanted = parse_role(role) if role is not None else None
    me = room.actor.name
    taken: list[str] = []
    with _write(room) as tx:
        tx.incident_row(incident_id)
        pending = q.open_handovers(tx.conn, incident_id)
        mine = [
            h
            for h in pending
            if h["to_name"].casefold() == me.casefold() and (wanted is None or h["role"] == wanted)
        ]
        if not mine:
            waiting = "; ".join(f"{ROLES[h['role']].lower()} to {h['to_name']}" for h in pending)
            raise BadInput(
                f"no handover to {me} is waiting on {format_ref(incident_id)}"
                + (
                    f" (waiting: {waiting}; acknowledge as that person with --as NAME)"
                    if waiting
                    else ""
                )
            )
        for h in mine:
            q.set_role(tx.conn, incident_id, h["role"], h["to_name"], tx.ts, me, room.actor.login)
            q.end_handover(tx.conn, h["id"], tx.ts, "acknowledged", me, room.actor.login)
            label = ROLES[h["role"]]
            tx.log(
                incident_id,
                "handover_ack",
                f"{label}: {h['to_name']} took over from {h['from_name']} (handover acknowledged)",
                {
                    "role": h["role"],
                    "from": h["from_name"],
                    "to": h["to_name"],
                    "handover_id": h["id"],
                },
            )
            if h["role"] == "owner":
                tx.auto_tick(incident_id, "owner")
            taken.append(h["role"])
    return taken


def mark_seen(room: Room, incident_id: int, last_entry_id: int) -> None:
    """Remember that this login has seen the timeline up to `last_entry_id` (for `brief
    --since-last` and the war room's marker line). Bookkeeping, not a timeline entry."""
    with _write(room) as tx:
        q.set_seen(tx.conn, incident_id, room.actor.login, last_entry_id, tx.ts)


# --- deliveries to publish destinations -------------------------------------------------------


def claim_delivery(room: Room, delivery_id: int, lease_seconds: float) -> bool:
    """Take delivery `delivery_id` for one attempt. False when another process holds it or
    it is done: any running warroom may retry, and only one delivers each attempt. The lease
    outlives the destination's timeout, so a process that died mid-attempt frees it."""
    from datetime import timedelta

    with _write(room) as tx:
        until = to_iso(from_iso(tx.ts) + timedelta(seconds=lease_seconds))
        return q.claim_delivery(tx.conn, delivery_id, tx.ts, until)


def finish_delivery(
    room: Room,
    delivery_id: int,
    *,
    ok: bool,
    exit_status: int | None,
    error: str | None,
) -> None:
    """Record how an attempt went. A failure is a timeline entry (kind "delivery") naming
    the destination, the exit status and the last line of its stderr, with when it is tried
    again; a success after failures is one too, so the timeline tells the whole story. A
    retry that fails the same way as the one before is recorded on the delivery only (the
    update panel, `show` and `warroom deliveries` list it): a destination down for an hour
    must not bury the notes under a failure every few minutes."""
    from warroom.domain import retry_delay

    with _write(room) as tx:
        row = q.get_delivery(tx.conn, delivery_id)
        if row is None:
            raise BadInput(f"no delivery #{delivery_id}")
        attempts = int(row["attempts"])
        if ok:
            q.finish_delivery(
                tx.conn,
                delivery_id,
                state="delivered",
                at=tx.ts,
                exit_status=exit_status,
                error=None,
                next_attempt_at=None,
            )
            if attempts > 1:
                tx.log(
                    row["incident_id"],
                    "delivery",
                    f"Update delivered to {row['destination']} (attempt {attempts})",
                    {"delivery_id": delivery_id, "update_id": row["update_id"], "ok": True},
                )
            return
        delay = retry_delay(attempts)
        next_at = to_iso(from_iso(tx.ts) + delay) if delay is not None else None
        news = (
            attempts == 1
            or delay is None  # given up: say so
            or row["exit_status"] != exit_status
            or (row["error"] or None) != (error or None)
        )
        q.finish_delivery(
            tx.conn,
            delivery_id,
            state="failed",
            at=tx.ts,
            exit_status=exit_status,
            error=error,
            next_attempt_at=next_at,
        )
        status = f"exit status {exit_status}" if exit_status is not None else "no exit status"
        then = (
            f"retrying in {int(delay.total_seconds())} s"
            if delay is not None
            else "gave up; `warroom deliveries retry` tries again"
        )
        if not news:
            return
        tx.log(
            row["incident_id"],
            "delivery",
            f"Update delivery to {row['destination']} FAILED ({status}"
            + (f": {error}" if error else "")
            + f"; attempt {attempts}, {then})",
            {
                "delivery_id": delivery_id,
                "update_id": row["update_id"],
                "ok": False,
                "exit_status": exit_status,
                "error": error,
            },
        )
