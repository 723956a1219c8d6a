"""Delivering published updates to the `[[publish]]` destinations.

Publishing only records the update and one pending delivery per destination (in the same
transaction, so nothing acknowledged is lost). Delivering happens here, off the publish: the
CLI and the TUI start a detached `warroom deliveries run` process unless one is running for
the database already (a lock file beside it), which runs every due delivery (destinations in
parallel, each under its timeout), takes new ones as they are published, records each
outcome, and keeps retrying failures with backoff until none is left to retry. Any warroom
process may deliver; a claim with a lease makes sure each attempt is made by one of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
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


Job = tuple[int, Destination | None, Incident, Update]


def _claim_due(room: Room, *, include_gave_up: bool) -> list[Job]:
    """Claim every delivery due now, with what attempting it needs. Deliveries another
    process holds are left to it."""
    with room.read() as conn:
        due = q.due_delivery_ids(conn, to_iso(room.now()), include_gave_up=include_gave_up)
    by_name = {d.name: d for d in room.settings.destinations}
    jobs: list[Job] = []
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
    return jobs


def _attempt(room: Room, job: Job) -> Outcome:
    _, destination, incident, update = job
    if destination is None:
        return Outcome(False, None, "no such destination in the config")
    try:
        return deliver_one(room, destination, incident, update)
    except Exception as exc:  # recorded on the delivery, not swallowed
        # A bug in one attempt must end as a failed delivery (on the timeline, retried with
        # backoff): a thread that died without an outcome left the worker waiting for ever,
        # holding the lock every later publish relies on.
        return Outcome(False, None, one_line(f"internal error: {type(exc).__name__}: {exc}"))


def _reads_database(job: Job) -> bool:
    # A status page is built from the database: that attempt stays on the thread that owns
    # the connection. The others only wait on a child process.
    return job[1] is not None and job[1].kind == "statuspage"


def _finish(room: Room, delivery_id: int, outcome: Outcome) -> None:
    actions.finish_delivery(
        room, delivery_id, ok=outcome.ok, exit_status=outcome.exit_status, error=outcome.error
    )


def deliver_due(room: Room, *, include_gave_up: bool = False) -> list[Delivery]:
    """Attempt every delivery that is due now (with include_gave_up, failed ones that stopped
    retrying too). Destinations run in parallel; returns the deliveries attempted, as they
    ended. Deliveries another process holds are left to it."""
    jobs = _claim_due(room, include_gave_up=include_gave_up)
    outcomes: dict[int, Outcome] = {}

    def attempt(job: Job) -> None:
        outcomes[job[0]] = _attempt(room, job)

    threads = [
        threading.Thread(target=attempt, args=(job,), daemon=True)
        for job in jobs
        if not _reads_database(job)
    ]
    for thread in threads:
        thread.start()
    for job in jobs:
        if _reads_database(job):
            attempt(job)
    for thread in threads:
        thread.join()
    for delivery_id, _, _, _ in jobs:
        _finish(room, delivery_id, outcomes[delivery_id])
    with room.read() as conn:
        return [d for d in deliveries(conn) if d.id in outcomes]


# How often a worker looks for deliveries published while it waits (on a retry's time or a
# slow destination): one indexed read, so an update published meanwhile goes out within this.
POLL_SECONDS = 0.25


def run_until_idle(room: Room, *, max_wait: timedelta = timedelta(minutes=2)) -> None:
    """Deliver what is due, and whatever becomes due (new updates, retries) while any
    attempt is running or the next retry is within `max_wait`: the first retries (15 s to
    2 min apart) happen here, later ones in any war room that is open, or by `warroom
    deliveries retry`. One attempt that hangs holds up no other delivery: each runs on its
    own thread, and the database is touched from this one alone."""
    import queue

    finished: queue.SimpleQueue[tuple[int, Outcome]] = queue.SimpleQueue()
    running: set[int] = set()

    def attempt(job: Job) -> None:
        finished.put((job[0], _attempt(room, job)))

    while True:
        for job in _claim_due(room, include_gave_up=False):
            if _reads_database(job):
                _finish(room, job[0], _attempt(room, job))
                continue
            running.add(job[0])
            threading.Thread(target=attempt, args=(job,), daemon=True).start()
        if not running:
            with room.read() as conn:
                next_at = q.next_retry_at(conn)
            if next_at is None:
                return
            if (from_iso(next_at) - room.now()).total_seconds() > max_wait.total_seconds():
                return
        try:
            delivery_id, outcome = finished.get(timeout=POLL_SECONDS)
        except queue.Empty:
            continue
        running.discard(delivery_id)
        _finish(room, delivery_id, outcome)


# --- one worker a database ----------------------------------------------------------------
#
# A publish starts a worker only when none runs for its database: the worker holds an
# advisory flock on a lock file beside the database (never the database itself: closing any
# descriptor of it would drop SQLite's own locks). The publisher takes the lock before it
# starts the worker and hands the worker its descriptor, so a second publish a moment later
# already finds it held. A worker lets go, then looks once more: what was published after its
# last look either is seen then or found the lock free and started a worker of its own.


def worker_lock_path(db_path: Path) -> Path:
    real = Path(os.path.realpath(db_path))  # every name of one file shares one lock
    return real.with_name(real.name + ".deliveries.lock")


@dataclass(frozen=True)
class WorkerLock:
    """Held by this process; `fd` None when no lock file could be had (a read-only folder,
    a refused file): then workers run unguarded, and leases still keep each attempt single."""

    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


def acquire_worker_lock(db_path: Path) -> WorkerLock | None:
    """The worker lock for this database, or None when a running worker holds it."""
    import fcntl

    from warroom.safe_files import access_of, open_beside

    try:
        fd = open_beside(worker_lock_path(db_path), access_of(db_path))
    except (OSError, WarroomError):
        return WorkerLock(None)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except OSError:
        os.close(fd)
        return WorkerLock(None)
    return WorkerLock(fd)


def adopt_worker_lock(db_path: Path, fd: int) -> WorkerLock | None:
    """The lock the publisher took and passed on as descriptor `fd`, if it is that."""
    import fcntl

    try:
        given, lock = os.fstat(fd), os.lstat(worker_lock_path(db_path))
        if (given.st_dev, given.st_ino) != (lock.st_dev, lock.st_ino):
            return None
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours already: the same open file
    except OSError:
        return None
    return WorkerLock(fd)


def run_worker(room: Room, lock_fd: int | None = None) -> bool:
    """`warroom deliveries run`: deliver until idle, holding the worker lock. False when
    another worker holds it (that one takes what is due)."""
    lock = adopt_worker_lock(room.store.path, lock_fd) if lock_fd is not None else None
    if lock is None and lock_fd is not None:
        # Not the lock file any more (replaced since the publish): the inherited descriptor
        # may still hold a flock on it, which would make our own attempt below fail.
        with contextlib.suppress(OSError):
            os.close(lock_fd)
    lock = lock or acquire_worker_lock(room.store.path)
    if lock is None:
        return False
    while lock is not None:
        try:
            run_until_idle(room)
        finally:
            lock.release()
        if not anything_due(room):
            return True
        lock = acquire_worker_lock(room.store.path)
    return True


def start_worker(db_path: Path, author: str) -> subprocess.Popen[bytes] | None:
    """A detached `warroom deliveries run`, unless one already runs for this database (None:
    that one delivers what was just published before it ends). Detached: it outlives the
    command that published, and a hanging destination holds up nothing but itself."""
    lock = acquire_worker_lock(db_path)
    if lock is None:
        return None
    passed = () if lock.fd is None else ("--lock-fd", str(lock.fd))
    try:
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
                *passed,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            pass_fds=() if lock.fd is None else (lock.fd,),
        )
    finally:
        lock.release()  # the worker has its own descriptor of the lock now


def anything_due(room: Room) -> bool:
    """Whether a delivery is due now (cheap: the war room asks every half minute)."""
    with room.read() as conn:
        return bool(q.due_delivery_ids(conn, to_iso(room.now()), include_gave_up=False))


def retry_in_background(room: Room) -> bool:
    """Start a delivery worker when something is due and none is running; reaped by a daemon
    thread, so the calling process (the war room) never waits for a destination. True if one
    started."""
    if not anything_due(room):
        return False
    proc = start_worker(room.store.path, room.actor.name)
    if proc is None:
        return False  # a worker is running: it takes what is due
    threading.Thread(target=proc.wait, daemon=True, name="delivery-reaper").start()
    return True
