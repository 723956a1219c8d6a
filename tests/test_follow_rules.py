"""`warroom tail -f`'s promises: every entry once, even two stamped in the same millisecond;
the header again after a publish and when the update falls overdue; a locked read retried
until it works.

The follower runs its real loop (`Follower.run`) in a thread of this process, on a fake clock
so "falls overdue" needs no waiting; another connection writes. One test runs the real
command in its own process."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FakeClock
from tests.test_follow import Follower as ProcessFollower
from tests.test_follow import follow, followers  # noqa: F401 (a fixture)
from warroom import actions, views
from warroom.cli.follow import Follower
from warroom.domain import Settings
from warroom.errors import DatabaseLocked, WarroomError
from warroom.room import Actor, Room
from warroom.storage import open_store
from warroom.views import Entry

DEADLINE = 20.0  # a guard against hanging, never a speed requirement


class Output(io.TextIOBase):
    """A stdout that a waiting test can read line by line while another thread writes."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._text = ""

    def write(self, text: str) -> int:
        with self._lock:
            self._text += text
            self._lock.notify_all()
        return len(text)

    def lines(self) -> list[str]:
        with self._lock:
            return self._text.splitlines()

    def wait_for(self, predicate: Callable[[list[str]], bool], what: str) -> list[str]:
        deadline = time.monotonic() + DEADLINE
        with self._lock:
            while not predicate(self._text.splitlines()):
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"never printed {what}; got {self._text!r}")
                self._lock.wait(left)
            return self._text.splitlines()


class Running:
    """`Follower.run` in a thread, printing JSON lines into `out`, warnings into `err`."""

    def __init__(self, room: Room, incident: int, monkeypatch: pytest.MonkeyPatch) -> None:
        self.out, self.err = Output(), Output()
        monkeypatch.setattr("sys.stdout", self.out)
        monkeypatch.setattr("sys.stderr", self.err)
        self.follower = Follower(room, incident, as_json=True)
        self.ended: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.follower.run(0)
        except BaseException as exc:  # the test reads it: how the loop ended
            self.ended = exc

    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.lines()]

    def headers(self) -> list[dict[str, Any]]:
        return [o for o in self.objects() if o.get("type") == "header"]

    def wait(self, predicate: Callable[[list[dict[str, Any]]], bool], what: str) -> None:
        self.out.wait_for(lambda lines: predicate([json.loads(x) for x in lines]), what)

    def stop(self, db_path: Path) -> None:
        # Moving the file away is a way out of the loop: the follower says so and ends.
        db_path.rename(db_path.with_suffix(".moved"))
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive()
        assert isinstance(self.ended, WarroomError), self.ended


@pytest.fixture
def writer(db_path: Path, clock: FakeClock) -> Iterator[Room]:
    store = open_store(db_path)
    yield Room(store, Actor("maya", "maya-login"), Settings(), clock)
    store.close()


@pytest.fixture
def reader(db_path: Path, writer: Room, clock: FakeClock) -> Iterator[Room]:
    # busy_timeout short: a locked read fails in a moment rather than after 10 s.
    store = open_store(db_path, busy_timeout=0.2)
    yield Room(store, Actor("follower", "follower-login"), Settings(), clock)
    store.close()


def test_header_again_after_a_publish_and_when_the_update_falls_overdue(
    writer: Room, reader: Room, clock: FakeClock, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = actions.declare(writer, "Checkout down", "SEV2")
    running = Running(reader, incident, monkeypatch)
    running.wait(lambda objs: len(objs) >= 1, "the first header")
    [first] = running.headers()
    assert first["next_update_due"] == "2026-11-26T14:10:00+00:00" and not first["overdue"]

    clock.advance(minutes=4)
    actions.publish_update(writer, incident, "We are investigating.")
    running.wait(lambda objs: sum(o.get("type") == "header" for o in objs) >= 2, "a header")
    after_publish = running.headers()[1]
    assert after_publish["next_update_due"] == "2026-11-26T14:34:00+00:00"
    assert not after_publish["overdue"]
    # The entry comes first, then the header it changed.
    kinds = [o.get("kind", o.get("type")) for o in running.objects()]
    assert kinds[:3] == ["header", "update", "header"]

    clock.advance(minutes=30, seconds=1)  # 14:34:01, a second past due
    running.wait(lambda objs: any(o.get("overdue") for o in objs), "the overdue header")
    overdue = running.headers()[-1]
    assert overdue["next_update_due"] == "2026-11-26T14:34:00+00:00"
    # Once only: another note, then the follower idles past more ticks.
    actions.note(writer, incident, "still on it")
    running.wait(lambda objs: any(o.get("text") == "still on it" for o in objs), "the note")
    assert len(running.headers()) == 3
    running.stop(db_path)
    assert len(running.headers()) == 3


def test_a_locked_read_is_retried_until_it_works(
    writer: Room, reader: Room, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real lock that blocks reads in WAL mode (a connection in exclusive locking mode) also
    # blocks the watcher's change check, so the follower would never try to read under it.
    # Here the catch-up read fails as storage reports a lock (test_sqlite_errors checks that
    # SQLITE_BUSY becomes DatabaseLocked) a few times after the watcher saw the commit.
    real = views.entries_after
    failures = {"left": 0, "seen": 0}

    def locked_for_a_while(*args: Any, **kwargs: Any) -> list[Entry]:
        if failures["left"] > 0:
            failures["left"] -= 1
            failures["seen"] += 1
            raise DatabaseLocked(f"{db_path} is locked by another process past the timeout")
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "entries_after", locked_for_a_while)
    incident = actions.declare(writer, "Checkout down", "SEV2")
    running = Running(reader, incident, monkeypatch)
    running.wait(lambda objs: len(objs) >= 1, "the first header")

    failures["left"] = 3
    actions.note(writer, incident, "written while reads fail")
    # No further commit: the follower must come back by itself and print what it missed.
    running.wait(
        lambda objs: any(o.get("text") == "written while reads fail" for o in objs),
        "the entry committed while reads failed",
    )
    assert failures["seen"] == 3
    running.err.wait_for(lambda lines: any("readable again" in x for x in lines), "recovery")
    warnings = running.err.lines()
    assert sum("by another process; still trying" in line for line in warnings) == 1
    actions.note(writer, incident, "after the lock")
    running.wait(lambda objs: any(o.get("text") == "after the lock" for o in objs), "a note")
    running.stop(db_path)


@pytest.mark.slow
def test_an_entry_in_the_same_millisecond_as_the_last_is_not_skipped(
    db_path: Path,
    followers: list[ProcessFollower],  # noqa: F811
) -> None:
    stopped = FakeClock()  # every entry gets the very same timestamp
    with contextlib.closing(open_store(db_path)) as store:
        room = Room(store, Actor("maya", "maya-login"), Settings(), stopped)
        incident = actions.declare(room, "Checkout down", "SEV2")
        follower = follow(followers, db_path, "--json", "-n", "0")
        follower.wait_line('"type": "header"')
        actions.note(room, incident, "first")
        follower.wait_line('"first"')  # the follower has moved past it
        actions.note(room, incident, "second, same instant")
        actions.note(room, incident, "third, same instant")
        follower.wait_line("third, same instant")
    code, _ = follower.interrupt()
    assert code == 0
    entries = [json.loads(x) for x in follower.lines]
    notes = [e for e in entries if e.get("kind") == "note"]
    assert [e["text"] for e in notes] == ["first", "second, same instant", "third, same instant"]
    assert len({e["ts"] for e in notes}) == 1
