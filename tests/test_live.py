"""ChangeWatcher: other connections' and processes' commits are noticed; idle waits time out."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from warroom import live
from warroom.live import ChangeWatcher
from warroom.storage import watch

MODES = ["inotify", "poll"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "war room.db"  # a space, to prove the URI is quoted
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    return path


@pytest.fixture(params=MODES)
def watcher(request: pytest.FixtureRequest, db: Path) -> Iterator[ChangeWatcher]:
    # A short poll interval keeps poll-mode tests fast; inotify mode is checked to be used.
    use_inotify = request.param == "inotify"
    w = ChangeWatcher(db, poll_interval=0.05, use_inotify=use_inotify)
    if use_inotify and w.mode != "inotify":
        w.close()
        pytest.skip(f"inotify not available here: {w.poll_reason}")
    yield w
    w.close()


def insert(db: Path, value: object) -> None:
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO t(x) VALUES (?)", (value,))
    conn.commit()
    conn.close()


def commit_later(db: Path, delay: float = 0.05) -> threading.Timer:
    timer = threading.Timer(delay, insert, args=(db, "later"))
    timer.start()
    return timer


def test_mode_reports_inotify_on_linux(db: Path) -> None:
    with ChangeWatcher(db) as w:
        if sys.platform.startswith("linux"):
            assert w.mode == "inotify"
            assert w.poll_reason is None
        else:
            assert w.mode == "poll"


def test_use_inotify_false_forces_poll_mode(db: Path) -> None:
    with ChangeWatcher(db, use_inotify=False) as w:
        assert w.mode == "poll"
        assert w.poll_reason


def test_inotify_failure_falls_back_to_polling(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(live._Inotify, "__init__", broken)
    with ChangeWatcher(db, poll_interval=0.05) as w:
        assert w.mode == "poll"
        assert "Too many open files" in (w.poll_reason or "")
        timer = commit_later(db)
        assert w.wait(5) is True
        timer.join()


def test_another_connections_commit_wakes_wait(watcher: ChangeWatcher, db: Path) -> None:
    timer = commit_later(db)
    assert watcher.wait(2) is True
    timer.join()


def test_inotify_mode_does_not_need_the_slow_poll(db: Path) -> None:
    # With a poll interval far longer than the timeout, only the file event can wake us.
    with ChangeWatcher(db, poll_interval=600) as w:
        if w.mode != "inotify":
            pytest.skip(f"inotify not available here: {w.poll_reason}")
        timer = commit_later(db)
        assert w.wait(5) is True
        timer.join()


def test_commit_from_a_subprocess_is_noticed(watcher: ChangeWatcher, db: Path) -> None:
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute('INSERT INTO t(x) VALUES (42)')\n"
        "c.commit()\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=30)
    assert result.returncode == 0
    assert watcher.wait(2) is True


def test_no_commit_means_timeout(watcher: ChangeWatcher) -> None:
    assert watcher.wait(0.2) is False


def test_reads_by_others_are_not_commits(watcher: ChangeWatcher, db: Path) -> None:
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
    conn.close()
    assert watcher.wait(0.2) is False


def test_commit_between_waits_is_not_lost(watcher: ChangeWatcher, db: Path) -> None:
    insert(db, 1)
    assert watcher.wait(0) is True
    assert watcher.wait(0) is False


def test_changed_is_non_blocking_and_shares_the_baseline(watcher: ChangeWatcher, db: Path) -> None:
    assert watcher.changed() is False
    insert(db, 1)
    assert watcher.changed() is True
    assert watcher.changed() is False
    assert watcher.wait(0.1) is False


def test_watcher_does_not_hold_a_read_transaction(watcher: ChangeWatcher, db: Path) -> None:
    insert(db, 1)
    assert watcher.wait(2) is True
    # A TRUNCATE checkpoint must be able to empty the WAL: nobody is pinning it.
    conn = sqlite3.connect(db)
    busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    conn.close()
    assert busy == 0
    assert os.path.getsize(f"{db}-wal") == 0


def _until_waiting(watcher: ChangeWatcher) -> None:
    deadline = time.monotonic() + 5
    while not watcher._waiting:
        assert time.monotonic() < deadline, "wait() never started"
        time.sleep(0.001)


def test_close_from_another_thread_unblocks_wait(watcher: ChangeWatcher) -> None:
    result: list[bool] = []
    started = threading.Event()

    def worker() -> None:
        started.set()
        result.append(watcher.wait(None))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert started.wait(5)
    _until_waiting(watcher)  # close() must wake a wait that is really blocked
    watcher.close()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert result == [False]


def test_close_unblocks_a_wait_with_a_long_poll_interval(db: Path) -> None:
    # Whatever the poll interval, close() must wake the waiter through the self-pipe.
    for use_inotify in (True, False):
        w = ChangeWatcher(db, poll_interval=600, use_inotify=use_inotify)
        thread = threading.Thread(target=w.wait, daemon=True)
        thread.start()
        _until_waiting(w)
        w.close()
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_wait_after_close_returns_false(db: Path) -> None:
    w = ChangeWatcher(db)
    w.close()
    w.close()  # twice is fine
    insert(db, 1)
    assert w.wait(1) is False
    assert w.changed() is False


def test_second_concurrent_wait_is_refused(watcher: ChangeWatcher) -> None:
    thread = threading.Thread(target=watcher.wait, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if watcher._waiting:
                break
            threading.Event().wait(0.01)
        assert watcher._waiting
        with pytest.raises(RuntimeError):
            watcher.wait(0)
    finally:
        watcher.close()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_many_quick_commits_are_all_seen(watcher: ChangeWatcher, db: Path) -> None:
    total = 200

    def writer() -> None:
        conn = sqlite3.connect(db)
        for i in range(1, total + 1):
            conn.execute("INSERT INTO t(rowid, x) VALUES (?, ?)", (i, i))
            conn.commit()
        conn.close()

    reader = sqlite3.connect(db)
    thread = threading.Thread(target=writer)
    thread.start()
    last = 0
    wakeups = 0
    while last < total and watcher.wait(5):
        wakeups += 1
        last = reader.execute("SELECT coalesce(max(rowid), 0) FROM t").fetchone()[0]
    thread.join(timeout=30)
    reader.close()
    assert last == total
    assert 1 <= wakeups <= total  # bursts may merge, but never more wakeups than commits


def test_works_with_a_rollback_journal_database(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    with ChangeWatcher(path, poll_interval=0.05) as w:
        timer = commit_later(path)
        assert w.wait(2) is True
        timer.join()


def test_falls_back_to_a_read_write_connection_that_never_writes(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect

    def connect(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        # Simulate a WAL database whose -shm cannot be created read-only.
        if database.endswith("?mode=ro"):
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch.sqlite3, "connect", connect)
    with ChangeWatcher(db, poll_interval=0.05) as w:
        monkeypatch.setattr(watch.sqlite3, "connect", real_connect)
        with pytest.raises(sqlite3.OperationalError):
            w._conn.execute("INSERT INTO t(x) VALUES (1)")
        timer = commit_later(db)
        assert w.wait(2) is True
        timer.join()


def test_missing_database_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    with pytest.raises(FileNotFoundError):
        ChangeWatcher(path)
    assert not path.exists()
