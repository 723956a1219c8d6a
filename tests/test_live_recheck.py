"""After a file event the watcher looks for the commit again for a while: the writer's last
write to the -wal comes before its commit is visible to readers (the fsync comes between), so
one look straight after the event can miss it, and no further event would come."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from warroom.live import ChangeWatcher

HIDDEN_FOR = 0.05  # how long the commit stays invisible after the first look
TIMEOUT = 20.0


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    return path


def test_a_commit_that_shows_after_its_file_event_is_still_seen(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A poll interval far beyond the timeout: only the re-checks can find the commit.
    with ChangeWatcher(db, poll_interval=600) as watcher:
        if watcher.mode != "inotify":
            pytest.skip(f"inotify not available here: {watcher.poll_reason}")
        real = watcher._read_version
        baseline = watcher._version
        looks: list[float] = []

        def slow_to_show() -> int | None:
            # The commit has happened, but readers see the old version for HIDDEN_FOR
            # after the first look, as when the writer is still between fsync and publish.
            version = real()
            now = time.monotonic()
            if version != baseline:
                looks.append(now)
                if now < looks[0] + HIDDEN_FOR:
                    return baseline
            return version

        monkeypatch.setattr(watcher, "_read_version", slow_to_show)
        conn = sqlite3.connect(db)
        conn.execute("INSERT INTO t(x) VALUES (1)")
        conn.commit()  # its file events are queued before wait() starts
        conn.close()
        started = time.monotonic()
        assert watcher.wait(TIMEOUT) is True
        assert len(looks) >= 3  # missed before the event, missed at it, found later
        assert looks[-1] >= looks[0] + HIDDEN_FOR
        # wait() also looks once when its timeout ends, so True alone could mean "found by
        # accident at the deadline": the re-checks must have found it long before.
        assert looks[-1] - started < TIMEOUT / 2
