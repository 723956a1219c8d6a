"""Alert ingestion: `warroom alerts listen` as a process, senders over HTTP.

- alerts/s with 1 sender and with 8 senders (one alert a request, each a transaction, as
  Alertmanager sends a group), against a floor of bare sqlite3 commits, one a row, with the
  same synchronous=FULL durability, in this process;
- POST -> the war room header showing the new "N alerts firing" (p95), in tmux, against the
  floor of the POST's own round trip (the receiver has committed when it answers).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from util import PY, Figure, capture, env_for, have_tmux, make_incident, median, p95, tmux_session

SENDERS = 8
PER_SENDER = 125  # 8 x 125 = the storm of 1,000 alerts


class Listener:
    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [PY, "-m", "warroom", "alerts", "listen", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(db),
        )
        assert self.proc.stderr is not None
        line = self.proc.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"listener did not start: {line!r}")
        self.port = int(match.group(1))
        # Drain the log so a full pipe never blocks the receiver.
        self._drain = threading.Thread(target=self._read_log, daemon=True)
        self._drain.start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for _ in self.proc.stderr:
            pass

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


def post(port: int, body: dict[str, object]) -> float:
    """Seconds for one POST, connection included (Alertmanager opens one per notification)."""
    data = json.dumps(body).encode()
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/alerts/generic", body=data, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"POST answered {response.status}")
    return time.perf_counter() - start


def alert(tag: str, i: int) -> dict[str, object]:
    return {"name": "NodeDown", "fingerprint": f"{tag}-{i}", "service": "fleet", "summary": "x"}


def senders(port: int, tag: str, count: int, per: int, batch: int = 1) -> float:
    """`count` senders at once, `per` alerts each, `batch` alerts a POST; alerts/s."""
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            for i in range(0, per, batch):
                group = [alert(f"{tag}-{n}", j) for j in range(i, min(i + batch, per))]
                post(port, group[0] if batch == 1 else {"alerts": group})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"a sender failed: {errors[0]!r}")
    return count * per / elapsed


def commit_floor(tmp: Path, n: int) -> float:
    """Bare sqlite3: one row, one fsync'd commit, n times; rows/s."""
    tmp.mkdir(exist_ok=True)
    path = tmp / "floor.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)")
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (k, v) VALUES (?, ?)", (f"k{i}", "x" * 200))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


class NoteProbe:
    """Another writer (a responder's `warroom note`) timing each of its notes, to show the
    receiver's transactions hold the write lock only for a moment."""

    def __init__(self, db: Path) -> None:
        from warroom.room import Actor, Room
        from warroom.storage import open_store

        self.room = Room(open_store(db), Actor("probe", "probe"))
        self.delays: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        from warroom.actions import note

        while not self._stop.is_set():
            start = time.perf_counter()
            note(self.room, 1, "probe")
            self.delays.append(time.perf_counter() - start)
            self._stop.wait(0.01)

    def __enter__(self) -> NoteProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.room.store.close()


def stored(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM alerts").fetchone()[0])
    finally:
        conn.close()


def ingest_figures(tmp: Path) -> list[Figure]:
    db = tmp / "alerts.db"
    make_incident(db)
    # fsync time on a shared VM drifts: measure the floor before and after, keep the faster.
    floor_before = commit_floor(tmp / "before", SENDERS * PER_SENDER)
    listener = Listener(db)
    try:
        with NoteProbe(db) as idle:
            time.sleep(1.0)
        one = senders(listener.port, "one", 1, SENDERS * PER_SENDER)
        with NoteProbe(db) as busy:
            eight = senders(listener.port, "eight", SENDERS, PER_SENDER)
        # Alertmanager sends a group's alerts in one notification.
        grouped = senders(listener.port, "grouped", SENDERS, PER_SENDER, batch=25)
    finally:
        listener.stop()
    floor = max(floor_before, commit_floor(tmp / "after", SENDERS * PER_SENDER))
    complete = stored(db) == 3 * SENDERS * PER_SENDER
    return [
        Figure(
            "alerts ingested, 1 sender (1 alert a POST)",
            one,
            "alerts/s",
            floor,
            "sqlite3 commit a row",
            "none lost",
            complete,
        ),
        Figure(
            f"alerts ingested, {SENDERS} senders x {PER_SENDER}, 1 a POST",
            eight,
            "alerts/s",
            floor,
            "sqlite3 commit a row",
            "none lost",
            complete,
        ),
        Figure(
            f"a note while {SENDERS} senders post, p95",
            p95(busy.delays) * 1000,
            "ms",
            p95(idle.delays) * 1000,
            "the same note, no alerts arriving",
            "< 100 ms (a moment)",
            p95(busy.delays) < 0.1,
        ),
        Figure(
            f"alerts ingested, {SENDERS} senders x {PER_SENDER}, 25 a POST",
            grouped,
            "alerts/s",
            floor,
            "sqlite3 commit a row",
            "1,000 within a second, none lost",
            complete and grouped >= 1000,
        ),
    ]


def count_shown(session: str) -> int | None:
    match = re.search(r"(\d+) alerts? firing", capture(session))
    return int(match.group(1)) if match else None


def screen_figures(tmp: Path, samples: int = 30) -> list[Figure]:
    if not have_tmux():
        return [Figure("POST -> war room count", float("nan"), "ms", target="(no tmux: skipped)")]
    db = tmp / "alerts-tui.db"
    make_incident(db)
    listener = Listener(db)
    delays, acks = [], []
    env = " ".join(f"{k}={v}" for k, v in env_for(db).items() if k.startswith("WARROOM"))
    try:
        with tmux_session(f"env {env} {PY} -m warroom", size=(120, 40)) as session:
            deadline = time.monotonic() + 20
            while "Checkout returns 500s" not in capture(session):
                if time.monotonic() > deadline:
                    raise RuntimeError("the war room never showed")
                time.sleep(0.01)
            for i in range(samples):
                start = time.perf_counter()
                acks.append(post(listener.port, alert("screen", i)))
                while count_shown(session) != i + 1:
                    if time.perf_counter() - start > 10:
                        raise RuntimeError(f"count {i + 1} never showed")
                    time.sleep(0.001)
                delays.append(time.perf_counter() - start)
                time.sleep(0.03)
    finally:
        listener.stop()
    return [
        Figure(
            "POST -> war room shows the count, p95",
            p95(delays) * 1000,
            "ms",
            median(acks) * 1000,
            "the POST's own round trip (committed)",
            "< 100 ms",
            p95(delays) < 0.1,
        )
    ]


def figures(tmp: Path) -> list[Figure]:
    os.environ.pop("WARROOM_ALERTS_TOKEN", None)
    return ingest_figures(tmp) + screen_figures(tmp)
