"""Helpers shared by the benchmark cases: timing, data, processes, tmux."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

PY = sys.executable


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_name: str = ""
    target: str = ""
    ok: bool | None = None

    def ratio(self) -> float | None:
        if self.floor in (None, 0):
            return None
        return self.value / self.floor


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed_runs(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def run_quiet(args: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def env_for(db: Path) -> dict[str, str]:
    return {**os.environ, "WARROOM_DB": str(db), "WARROOM_USER": "bench"}


def make_incident(db: Path, entries: int = 0) -> None:
    """An incident with the demo's facts plus `entries` machine-written notes."""
    from warroom.demo import seed_demo
    from warroom.domain import to_iso
    from warroom.room import Actor, Room
    from warroom.storage import open_store
    from warroom.storage import queries as q

    store = open_store(db)
    room = Room(store, Actor("bench", "bench"))
    incident_id = seed_demo(room)
    if entries:
        start = datetime.now(UTC) - timedelta(seconds=entries)
        rows = (
            (
                incident_id,
                to_iso(start + timedelta(seconds=i)),
                "alertbot",
                "bench",
                "note",
                f"automated check {i}: checkout-api p99 {200 + i % 300} ms, 5xx {i % 7}%",
            )
            for i in range(entries)
        )
        with store.write() as conn:
            q.append_timeline_many(conn, rows)
    store.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its children (tmux runs the app under a shell)."""
    total = 0.0
    for child in [pid, *children(pid)]:
        with suppress(FileNotFoundError):  # a child may exit while we look
            total += cpu_seconds(child)
    return total


def children(pid: int) -> list[int]:
    out = []
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return out
    for kid in kids:
        out.append(int(kid))
        out.extend(children(int(kid)))
    return out


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


# A private tmux server for the run, kept alive by an idle session, so that killing a measured
# session never stops the server while the next one starts ("server exited unexpectedly"),
# and the user's own tmux is never touched.
SOCKET = f"warroom-bench-{os.getpid()}"


def tmux(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args],
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, "TERM": "xterm-256color"},
    )


def tmux_server_stop() -> None:
    tmux("kill-server")


@contextmanager
def tmux_session(command: str, size: tuple[int, int] = (120, 40)) -> Iterator[str]:
    if tmux("has-session", "-t", "keepalive").returncode != 0:
        tmux("new-session", "-d", "-s", "keepalive", "sleep 3600", check=True)
        # The private server goes with the run (it was left behind for an hour).
        atexit.register(tmux, "kill-server")
    name = f"wrbench{time.monotonic_ns() % 10_000_000}"
    tmux(
        "new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command, check=True
    )
    try:
        yield name
    finally:
        tmux("kill-session", "-t", name)


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session).stdout


def pane_pid(session: str) -> int:
    out = tmux("list-panes", "-t", session, "-F", "#{pane_pid}").stdout
    return int(out.split()[0])


def time_until_screen_shows(command: str, needle: str, timeout: float = 20.0) -> float:
    """Seconds from launching `command` in tmux until `needle` is on the screen."""
    start = time.perf_counter()
    with tmux_session(command) as session:
        deadline = start + timeout
        while time.perf_counter() < deadline:
            if needle in capture(session):
                return time.perf_counter() - start
            time.sleep(0.005)
    raise TimeoutError(f"{needle!r} never appeared for {command!r}")
