"""Informal timing: export an incident with 100,000 timeline entries in every format.

    python benchmarks/export_large.py [N]

The target is about a second per format on a laptop. Not part of the test suite: tests never
assert timings.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from warroom import actions
from warroom.actions import Actor, Room
from warroom.domain import to_iso
from warroom.export import write_export
from warroom.storage import open_store
from warroom.storage import queries as q


def seed(room: Room, count: int) -> int:
    start = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    room.clock = lambda: start
    incident_id = actions.declare(room, "Large incident", "SEV2", ["api"])
    with room.store.write() as conn:
        for i in range(count):
            q.append_timeline(
                conn,
                incident_id=incident_id,
                ts=to_iso(start + timedelta(seconds=i)),
                author=f"person{i % 7}",
                login="bench",
                kind="note",
                text=f"note {i}: error rate {i % 100}% | p99 {i % 997} ms, see dashboard",
            )
    room.clock = lambda: start + timedelta(seconds=count + 60)
    actions.set_status(room, incident_id, "resolved")
    return incident_id


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        room = Room(store, Actor("bench", "bench"))
        began = time.perf_counter()
        incident_id = seed(room, count)
        print(f"seeded {count} entries in {time.perf_counter() - began:.2f}s")
        for fmt in ("markdown", "json", "csv"):
            out = io.StringIO()
            began = time.perf_counter()
            write_export(room, incident_id, fmt, out)
            took = time.perf_counter() - began
            print(f"{fmt:>8}: {took:.2f}s, {len(out.getvalue()) / 1e6:.1f} MB")
        store.close()


if __name__ == "__main__":
    main()
