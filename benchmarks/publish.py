"""Publishing with slow destinations returns as fast as publishing with none.

    python benchmarks/publish.py            # 15 publishes each way
    python benchmarks/publish.py --quick    # 5

`warroom update --publish` (a process, as a person runs it) against a config with no
[[publish]] destination (the floor, same run, same machine) and against one with two hooks
that each take 3 s. Delivery happens in a detached worker, so the ratio should stay near 1;
had publishing waited for the hooks it would be above 3 s / floor. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from util import PY, make_incident, median, timed_runs

HOOK_SECONDS = 3


def publish_env(tmp: Path, name: str, destinations: int) -> tuple[dict[str, str], Path]:
    db = tmp / f"{name}.db"
    make_incident(db)
    hook = tmp / "slow-hook"
    hook.write_text(f"#!/bin/sh\ncat > /dev/null\nsleep {HOOK_SECONDS}\n")
    hook.chmod(0o755)
    config = tmp / f"{name}.toml"
    config.write_text(
        "".join(
            f'[[publish]]\nname = "slow {i}"\ncommand = {json.dumps([str(hook)])}\n'
            "timeout_seconds = 20\n"
            for i in range(destinations)
        )
    )
    env = {
        **os.environ,
        "WARROOM_DB": str(db),
        "WARROOM_CONFIG": str(config),
        "WARROOM_USER": "bench",
        "NO_COLOR": "1",
    }
    return env, db


def publish(env: dict[str, str]) -> None:
    # --force: each run publishes again within the two-minute double-publish window.
    done = subprocess.run(
        [PY, "-m", "warroom", "update", "--publish", "--force"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.decode()[-300:])


def wait_claimed(db: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = sqlite3.connect(db)
        pending = conn.execute("SELECT count(*) FROM deliveries WHERE state = 'pending'").fetchone()
        conn.close()
        if not pending[0]:
            return
        time.sleep(0.02)


def wait_delivered(db: Path, timeout: float = 120) -> int:
    """Let the background workers finish before the folder goes (and count what they did)."""
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(db)
        left, done = conn.execute(
            "SELECT sum(state != 'delivered'), sum(state = 'delivered') FROM deliveries"
        ).fetchone()
        conn.close()
        if not left or time.monotonic() > deadline:
            return int(done or 0)
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    repeat = 5 if parser.parse_args().quick else 15
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="warroom-bench-publish-") as name:
        tmp = Path(name)
        none_env, _ = publish_env(tmp, "none", 0)
        slow_env, slow_db = publish_env(tmp, "slow", 2)
        publish(none_env)  # warm the page cache and the bytecode for both
        publish(slow_env)
        floors, ours_runs = [], []
        for _ in range(repeat):  # interleaved, so load from others on the machine hits both
            floors += timed_runs(lambda: publish(none_env), 1)
            ours_runs += timed_runs(lambda: publish(slow_env), 1)
            # Untimed: let the worker this publish started claim its deliveries, so the next
            # publish measures its own latency rather than a worker's start-up beside it.
            wait_claimed(slow_db)
        floor, ours = median(floors), median(ours_runs)
        delivered = wait_delivered(slow_db)
    ratio = ours / floor
    verdict = "ok" if ratio <= 1.25 else "MISS"
    print(f"{'case':<52} {'value':>9} {'floor':>9} {'ratio':>6}  target")
    print(
        f"{'update --publish, 2 destinations of 3 s (median)':<52} {ours * 1000:>7.0f}ms"
        f" {floor * 1000:>7.0f}ms {ratio:>5.2f}x  <= 1.25x of no destination: {verdict}"
    )
    print(f"deliveries completed in the background: {delivered} of {2 * (repeat + 1)}")


if __name__ == "__main__":
    main()
