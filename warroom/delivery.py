"""Delivering published updates to the `[[publish]]` destinations.

Publishing only records the update and one pending delivery per destination (in the same
transaction, so nothing acknowledged is lost). Delivering happens here, off the publish: the
CLI and the TUI start a detached `warroom deliveries run` process, which runs every due
delivery (destinations in parallel, each under its timeout), records each outcome, and keeps
retrying failures with backoff until none is left to retry. Any warroom process may run it;
a claim with a lease makes sure each attempt is made by one of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from warroom import actions
from warroom.actions import Room
from warroom.domain import COMPONENT_STATUS, IMPACT, Destination, Settings, from_iso, to_iso
from warroom.errors import WarroomError
from warroom.safe_text import customer_text, one_line
from warroom.storage import queries as q
from warroom.views import Delivery, Incident, Update, deliveries, load_incident, update_from_row

# Extra time a claim outlives the destination's timeout: killing a hung hook takes a moment.
LEASE_MARGIN_SECONDS = 30.0
ERROR_LIMIT = 300


@dataclass(frozen=True)
class Outcome:
    ok: bool
    exit_status: int | None
    error: str | None


def incident_payload(
    incident: Incident, settings: Settings, headline: str, status: str | None = None
) -> dict[str, Any]:
    """`status`: the status the update was published for. A delivery retried later must not
    tell the destination the incident is in a state this update never announced (an
    "identified" update retried after the resolve must not close the incident there)."""
    status_now = status or incident.status
    components = settings.public_names(incident.services)
    component_status = "operational" if status_now == "resolved" else None
    return {
        "ref": incident.ref,
        "title": customer_text(incident.title),
        # Statuspage's names: what customers see as the incident's name is published text.
        "name": customer_text(headline),
        "severity": incident.severity,
        "impact": IMPACT.get(incident.severity, "none"),
        "status": status_now,
        "components": [
            {
                "name": name,
                "status": component_status or COMPONENT_STATUS.get(incident.severity, ""),
            }
            for name in components
        ],
    }


def update_payload(update: Update) -> dict[str, Any]:
    return {
        "id": update.id,
        "status": update.status,
        "body": customer_text(update.text),
        "published_at": update.published_at.isoformat(),
        "next_update_due": update.next_update_due.isoformat() if update.next_update_due else None,
        "author": customer_text(update.author),
    }


def payload(incident: Incident, update: Update, settings: Settings) -> dict[str, Any]:
    """The one JSON document a command destination receives on stdin."""
    return {
        "incident": incident_payload(incident, settings, update.headline, update.status),
        "update": update_payload(update),
    }


# --- running one destination ------------------------------------------------------------------


def run_command(command: Sequence[str], document: bytes, timeout: float) -> Outcome:
    """Run a hook with `document` on stdin. A hook that outlives `timeout` is killed with its
    whole process group (a shell script's children too) and counts as failed."""
    try:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        return Outcome(False, None, one_line(f"cannot run {command[0]}: {exc.strerror}", 200))
    with _running_lock:
        _running.add(proc)
    try:
        _, stderr = proc.communicate(document, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return Outcome(False, None, f"timed out after {timeout:g} s")
    finally:
        with _running_lock:
            _running.discard(proc)
    if proc.returncode == 0:
        return Outcome(True, 0, None)
    return Outcome(False, proc.returncode, last_line(stderr) or None)


# Hooks running now, so a worker told to stop (SIGTERM, SIGHUP) takes them with it: each runs
# in its own session, out of reach of the signal sent to the worker.
_running: set[subprocess.Popen[bytes]] = set()
_running_lock = threading.Lock()


def stop_hooks() -> None:
    """Kill every hook this process is running, with its process group."""
    with _running_lock:
        running = list(_running)
    for proc in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended between the timeout and now
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def last_line(data: bytes) -> str:
    lines = [line for line in data.decode("utf-8", "replace").splitlines() if line.strip()]
    return one_line(lines[-1].strip(), ERROR_LIMIT) if lines else ""


def deliver_one(
    room: Room, destination: Destination, incident: Incident, update: Update
) -> Outcome:
    if destination.kind == "statuspage":
        from warroom import statuspage

        assert destination.directory is not None
        try:
            with room.read() as conn:
                statuspage.build(conn, room.settings, destination.directory, room.now())
        except WarroomError as exc:
            return Outcome(False, None, one_line(exc.message, ERROR_LIMIT))
        except OSError as exc:
            return Outcome(False, None, one_line(f"{exc.strerror}: {exc.filename}", ERROR_LIMIT))
        return Outcome(True, None, None)
    document = json.dumps(payload(incident, update, room.settings), ensure_ascii=False)
    return run_command(destination.command, document.encode("utf-8"), destination.timeout_seconds)


# --- delivering what is due -------------------------------------------------------------------


def deliver_due(room: Room, *, include_gave_up: bool = False) -> list[Delivery]:
    """Attempt every delivery that is due now (with include_gave_up, failed ones that stopped
    retrying too). Destinations run in parallel; returns the deliveries attempted, as they
    ended. Deliveries another process holds are left to it."""
    with room.read() as conn:
        due = q.due_delivery_ids(conn, to_iso(room.now()), include_gave_up=include_gave_up)
    by_name = {d.name: d for d in room.settings.destinations}
    jobs: list[tuple[int, Destination | None, Incident, Update]] = []
    for delivery_id in due:
        with room.read() as conn:
            row = q.get_delivery(conn, delivery_id)
            if row is None:
                continue
            destination = by_name.get(row["destination"])
            timeout = destination.timeout_seconds if destination else 0.0
        if not actions.claim_delivery(room, delivery_id, timeout + LEASE_MARGIN_SECONDS):
            continue
        with room.read() as conn:
            incident = load_incident(conn, row["incident_id"], room.settings)
            update_row = q.get_update(conn, row["update_id"])
        assert update_row is not None  # deliveries reference their update
        jobs.append((delivery_id, destination, incident, update_from_row(update_row)))

    outcomes: dict[int, Outcome] = {}

    def attempt(delivery_id: int, dest: Destination | None, inc: Incident, upd: Update) -> None:
        if dest is None:
            outcomes[delivery_id] = Outcome(False, None, "no such destination in the config")
            return
        outcomes[delivery_id] = deliver_one(room, dest, inc, upd)

    # Threads only wait on child processes (or write a few files); the database is touched
    # from this thread alone, before and after.
    statuspage_jobs = [j for j in jobs if j[1] is not None and j[1].kind == "statuspage"]
    threads = [
        threading.Thread(target=attempt, args=job, daemon=True)
        for job in jobs
        if job not in statuspage_jobs
    ]
    for thread in threads:
        thread.start()
    for job in statuspage_jobs:
        attempt(*job)  # reads the database: stays on this thread
    for thread in threads:
        thread.join()
    for delivery_id, _, _, _ in jobs:
        outcome = outcomes[delivery_id]
        actions.finish_delivery(
            room,
            delivery_id,
            ok=outcome.ok,
            exit_status=outcome.exit_status,
            error=outcome.error,
        )
    with room.read() as conn:
        return [d for d in deliveries(conn) if d.id in outcomes]


def run_until_idle(room: Room, *, max_wait: timedelta = timedelta(minutes=2)) -> None:
    """Deliver what is due, then wait for the next retry and deliver again, until nothing is
    left to retry within `max_wait`: the first retries (15 s to 2 min apart) happen here,
    later ones in any war room that is open, or by `warroom deliveries retry`."""
    while True:
        deliver_due(room)
        with room.read() as conn:
            next_at = q.next_retry_at(conn)
        if next_at is None:
            return
        wait = (from_iso(next_at) - room.now()).total_seconds()
        if wait > max_wait.total_seconds():
            return
        if wait > 0:
            time.sleep(wait)


def start_worker(db_path: Path, author: str) -> subprocess.Popen[bytes]:
    """A detached `warroom deliveries run`: it outlives the command that published, and a
    hanging destination holds up nothing but itself."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warroom",
            "--db",
            str(db_path),
            "--as",
            author,
            "deliveries",
            "run",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def anything_due(room: Room) -> bool:
    """Whether a delivery is due now (cheap: the war room asks every half minute)."""
    with room.read() as conn:
        return bool(q.due_delivery_ids(conn, to_iso(room.now()), include_gave_up=False))


def retry_in_background(room: Room) -> bool:
    """Start a delivery worker when something is due; reaped by a daemon thread, so the
    calling process (the war room) never waits for a destination. True if one started."""
    if not anything_due(room):
        return False
    proc = start_worker(room.store.path, room.actor.name)
    threading.Thread(target=proc.wait, daemon=True, name="delivery-reaper").start()
    return True
