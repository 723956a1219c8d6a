"""How fast `warroom tail -f` shows another process's commit, and what it costs idle.

    python benchmarks/tail_follow.py [--notes 200]

Prints p50/p95/max from "the writer's commit returned" to "the follower's line was read from
its stdout pipe", beside plain `tail -F` on a text file for scale, then the follower's CPU use
over 10 idle seconds. Figures, not assertions: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warroom.actions import Actor, Room, declare, note
from warroom.storage import open_store


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = samples[len(samples) // 2]
    p95 = samples[int(len(samples) * 0.95) - 1]
    return f"p50 {p50:.2f} ms  p95 {p95:.2f} ms  max {samples[-1]:.2f} ms"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_warroom(folder: Path, notes: int, gap: float) -> None:
    db = folder / "bench.db"
    room = Room(open_store(db), Actor("bench", "bench"))
    incident = declare(room, "benchmark", "SEV3")
    env = {**os.environ, "WARROOM_CONFIG": str(folder / "none.toml")}
    cmd = [sys.executable, "-m", "warroom", "--db", str(db), "tail", "-f", "--json", "-n", "0"]
    follower = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    assert follower.stdout is not None
    follower.stdout.readline()  # the header: it is following
    samples = []
    for i in range(notes):
        note(room, incident, f"n{i}")
        committed = time.perf_counter()
        line = follower.stdout.readline()
        samples.append((time.perf_counter() - committed) * 1000)
        assert json.loads(line)["text"] == f"n{i}"
        time.sleep(gap)
    print(f"warroom tail -f: {percentiles(samples)}")
    if Path(f"/proc/{follower.pid}/stat").exists():
        before = cpu_seconds(follower.pid)
        time.sleep(10)
        used = cpu_seconds(follower.pid) - before
        print(f"warroom tail -f idle: {used / 10 * 100:.2f}% of a core over 10 s")
    follower.terminate()
    follower.wait()


def bench_tail_f(folder: Path, notes: int, gap: float) -> None:
    tail = shutil.which("tail")
    if tail is None:
        print("tail -F: not available")
        return
    log = folder / "plain.log"
    log.write_text("")
    follower = subprocess.Popen([tail, "-F", "-n", "0", str(log)], stdout=subprocess.PIPE)
    assert follower.stdout is not None
    time.sleep(0.5)  # tail -F has no "ready" line to wait for
    samples = []
    with log.open("a") as fh:
        for i in range(notes):
            fh.write(f"n{i}\n")
            fh.flush()
            written = time.perf_counter()
            line = follower.stdout.readline()
            samples.append((time.perf_counter() - written) * 1000)
            assert line.decode().strip() == f"n{i}"
            time.sleep(gap)
    print(f"plain tail -F:   {percentiles(samples)}")
    follower.terminate()
    follower.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between notes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_tail_f(Path(tmp), args.notes, args.gap)
        bench_warroom(Path(tmp), args.notes, args.gap)


if __name__ == "__main__":
    main()
