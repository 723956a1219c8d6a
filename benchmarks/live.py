"""Live propagation and idle cost: the owner's TUI, `tail -f`, and `tail -F` as the floor."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

from util import (
    PY,
    Figure,
    capture,
    children,
    env_for,
    make_incident,
    median,
    p95,
    pane_pid,
    rss_mb,
    tmux_session,
    tree_cpu_seconds,
)

TITLE = "Checkout returns 500s for card payments"
SAMPLES = 60
GAP = 0.03  # between writes, so each is a separate burst


def tail_F_floor(tmp: Path) -> list[float]:
    """Writer appends a line; `tail -F` prints it; we time the arrival."""
    path = tmp / "floor.log"
    path.write_text("")
    proc = subprocess.Popen(
        ["tail", "-n", "0", "-F", str(path)], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    time.sleep(0.3)
    delays = []
    assert proc.stdout is not None
    with path.open("a") as fh:
        for i in range(SAMPLES):
            fh.write(f"line {i}\n")
            fh.flush()
            sent = time.perf_counter()
            line = proc.stdout.readline()
            delays.append(time.perf_counter() - sent)
            assert line.strip() == f"line {i}"
            time.sleep(GAP)
    proc.kill()
    proc.wait()
    return delays


def follower_delays(db: Path, extra: list[str]) -> list[float]:
    """`warroom tail -f` in a process; this process writes; time commit -> line read."""
    from warroom.actions import note
    from warroom.room import Actor, Room
    from warroom.storage import open_store

    proc = subprocess.Popen(
        [PY, "-m", "warroom", "tail", "-f", "-n", "0", "--json", *extra],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
        env=env_for(db),
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # the header line
    time.sleep(0.5)
    room = Room(open_store(db), Actor("writer", "writer"))
    delays = []
    try:
        for i in range(SAMPLES):
            note(room, 1, f"probe {i}")
            sent = time.perf_counter()
            while True:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError("follower exited")
                if f"probe {i}" in line:
                    break
            delays.append(time.perf_counter() - sent)
            time.sleep(GAP)
    finally:
        proc.terminate()
        proc.wait()
        room.store.close()
    return delays


# Another process commits notes; it prints when each commit returned (CLOCK_MONOTONIC, the
# same clock in every process on Linux) so the TUI's process can time the arrival.
WRITER = """
import sys, time
from warroom.actions import note
from warroom.room import Actor, Room
from warroom.storage import open_store
room = Room(open_store(sys.argv[1]), Actor("writer", "writer"))
count, gap, tag = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
sys.stdin.readline()  # start when the app is ready, not while it starts
for i in range(count):
    note(room, 1, f"probe {tag} {i}")
    print(i, time.monotonic(), flush=True)
    time.sleep(gap)
"""


def tui_delays(db: Path, samples: int = SAMPLES) -> tuple[list[float], list[float]]:
    """The real app (headless, in this process) with its live worker; another process commits
    notes. Returns, per note, the seconds from commit to (the refresh received on the event
    loop, the screen repainted with it)."""
    from warroom.room import Actor, Room
    from warroom.storage import open_store
    from warroom.tui.app import WarroomApp
    from warroom.tui.messages import Refreshed

    received: dict[int, float] = {}
    painted: dict[int, float] = {}
    tag = f"t{time.monotonic_ns()}"  # this run's notes, not an earlier run's

    import warroom.tui.app
    from warroom.tui.screens.main import WarRoomScreen

    class ProbeScreen(WarRoomScreen):
        def on_refreshed(self, message: Refreshed) -> None:
            now = time.monotonic()
            ids = [
                int(e.text.split()[2])
                for e in message.snapshot.entries
                if e.text.startswith(f"probe {tag} ")
            ]
            for i in ids:
                received.setdefault(i, now)
            # No super() call: Textual runs WarRoomScreen's own Refreshed handler too
            # (handlers of every class in the MRO are called), which applies the snapshot.
            if ids:
                # Called once the screen has been drawn with this refresh.
                self.call_after_refresh(
                    lambda: painted.update({i: time.monotonic() for i in ids if i not in painted})
                )

    class Probe(WarroomApp):
        # Textual resolves CSS_PATH next to the subclass's file; point it back at ours.
        CSS_PATH = str(Path(warroom.tui.app.__file__).with_name("warroom.tcss"))
        MAIN_SCREEN = ProbeScreen

    writer = subprocess.Popen(
        [PY, "-c", WRITER, str(db), str(samples), str(GAP), tag],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env_for(db),
    )
    assert writer.stdin is not None and writer.stdout is not None

    async def drive() -> None:
        store = open_store(db)
        app = Probe(Room(store, Actor("owner", "owner")))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(1.0)  # started, first refresh shown, live worker waiting
            writer.stdin.write("go\n")
            writer.stdin.flush()
            deadline = time.monotonic() + samples * (GAP + 0.2) + 10
            while writer.poll() is None or len(painted) < samples:
                await pilot.pause(0.05)
                if time.monotonic() > deadline:
                    break
        store.close()

    try:
        asyncio.run(drive())
    finally:
        writer.kill()
    sent = {}
    for line in writer.communicate()[0].splitlines():
        i, at = line.split()
        sent[int(i)] = float(at)
    return (
        [received[i] - sent[i] for i in sent if i in received],
        [painted[i] - sent[i] for i in sent if i in painted],
    )


def idle_cpu(command: list[str], env: dict[str, str], seconds: float = 10.0) -> float:
    """Percent of one core used by an idle process over `seconds`."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    time.sleep(2.0)
    before = tree_cpu_seconds(proc.pid)
    time.sleep(seconds)
    used = tree_cpu_seconds(proc.pid) - before
    proc.terminate()
    proc.wait()
    return 100 * used / seconds


HELLO = Path(__file__).resolve().parent / "hello_app.py"


def idle_tui_cpu_and_rss(
    db: Path | None, seconds: float = 10.0, needle: str = TITLE
) -> tuple[float, float]:
    """CPU (% of a core) and resident memory of an idle TUI in a real terminal (tmux); with
    no database, the hello-world Textual app: the floor for idle CPU."""
    command = f"{PY} -m warroom --db {db}" if db is not None else f"{PY} {HELLO}"
    with tmux_session(command) as session:
        deadline = time.monotonic() + 30
        while needle not in capture(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.0)
        root = pane_pid(session)
        pids = [root, *children(root)]
        before = tree_cpu_seconds(root)
        time.sleep(seconds)
        used = tree_cpu_seconds(root) - before
        rss = max(rss_mb(p) for p in pids if Path(f"/proc/{p}").exists())
    return 100 * used / seconds, rss


def figures(tmp: Path) -> list[Figure]:
    db = tmp / "live.db"
    make_incident(db)
    floor = p95(tail_F_floor(tmp))
    out = []
    try:
        follow = p95(follower_delays(db, []))
        out.append(
            Figure(
                "commit -> tail -f line (p95)",
                follow * 1000,
                "ms",
                floor * 1000,
                "tail -F on a text file",
                "< 10 ms",
                follow < 0.010,
            )
        )
    except (RuntimeError, OSError) as exc:
        out.append(Figure(f"commit -> tail -f line: {exc}", float("nan"), "ms"))
    received, painted = tui_delays(db)
    out.append(
        Figure(
            f"commit -> owner TUI refresh received (p50 {median(received) * 1000:.1f} ms; p95)",
            p95(received) * 1000,
            "ms",
            floor * 1000,
            "tail -F on a text file",
        )
    )
    tui = p95(painted)
    out.append(
        Figure(
            f"commit -> owner TUI screen (p50 {median(painted) * 1000:.1f} ms; p95)",
            tui * 1000,
            "ms",
            floor * 1000,
            "tail -F on a text file",
            "< 10 ms",
            tui < 0.010,
        )
    )
    follower_cpu = idle_cpu([PY, "-m", "warroom", "tail", "-f"], env_for(db))
    floor_cpu = idle_cpu(["tail", "-F", str(tmp / "floor.log")], dict(os.environ))
    out.append(
        Figure(
            "idle tail -f CPU",
            follower_cpu,
            "% core",
            floor_cpu,
            "idle tail -F",
            "< 1%",
            follower_cpu < 1.0,
        )
    )
    big = tmp / "big-live.db"
    make_incident(big, 100_000)
    tui_cpu, _ = idle_tui_cpu_and_rss(db)
    hello_cpu, _ = idle_tui_cpu_and_rss(None, needle="Hello from Textual")
    out.append(
        Figure(
            "idle TUI CPU",
            tui_cpu,
            "% core",
            hello_cpu,
            "idle hello-world Textual app",
            "< 1%",
            tui_cpu < 1.0,
        )
    )
    _, rss = idle_tui_cpu_and_rss(big, seconds=1.0)
    out.append(
        Figure("TUI resident memory, 100k entries", rss, "MB", target="< 150 MB", ok=rss < 150)
    )
    return out
