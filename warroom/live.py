"""Notice, within milliseconds, that another connection committed to the shared SQLite file.

Several processes (TUIs, ``warroom tail -f``) share one database. :class:`ChangeWatcher` tells
each of them when someone else committed, cheaply enough to run all day:

* The truth is ``PRAGMA data_version`` on a dedicated connection. Its value changes when ANY
  OTHER connection commits - other processes and other connections in this process alike - and
  never for the connection's own commits. The watcher's connection never writes, so every
  commit counts. Each check is its own short statement in autocommit mode: no read transaction
  stays open between checks, so the watcher never pins the WAL against checkpoints.
* Polling data_version fast enough for "milliseconds" would burn CPU, so on Linux inotify on
  the database's FOLDER is the hint (the -wal file comes and goes, so watching it directly
  would miss its re-creation). A write to ``db``, ``db-wal`` or ``db-journal`` lands before the
  commit is visible, so after an event data_version is re-checked at 0, 0.5, 1, 2, 4 ... ms,
  then every 25 ms for about half a second (the writer's fsync comes between its last file
  event and the commit becoming visible). A new event restarts the series, and an event
  drained while one commit was found is looked into again on the next wait().
* Correctness never depends on inotify: data_version is also read every ``poll_interval``
  seconds. Where inotify is unavailable (not Linux, NFS, limits exhausted) the watcher only
  polls; ``mode`` says which ("inotify" or "poll") and ``poll_reason`` says why.

wait() may return True for a commit that changed nothing you care about (another table, a
VACUUM) and several commits may be merged into one True: read "what is new since what I last
saw", never "one row per wakeup".

Intended use, a worker thread feeding the UI::

    watcher = ChangeWatcher(db_path)
    last_id = store.max_note_id()

    def worker() -> None:
        nonlocal last_id
        while watcher.wait():  # False once watcher.close() is called (or on timeout)
            rows = store.notes_after(last_id)
            if rows:
                last_id = rows[-1].id
                app.call_from_thread(app.show_notes, rows)

    threading.Thread(target=worker, daemon=True).start()
    ...
    watcher.close()  # on exit: wait() returns False promptly and the worker ends
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import math
import os
import select
import struct
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Literal

from warroom.storage.watch import data_version, open_watch_connection

__all__ = ["ChangeWatcher"]

# <sys/inotify.h>
_IN_MODIFY = 0x00000002
_IN_CLOSE_WRITE = 0x00000008
_IN_MOVED_TO = 0x00000080
_IN_CREATE = 0x00000100
_IN_DELETE = 0x00000200  # rollback-journal mode commits by deleting the journal
_IN_Q_OVERFLOW = 0x00004000
_IN_IGNORED = 0x00008000  # the watch is gone (folder deleted or unmounted)
_WATCH_MASK = _IN_MODIFY | _IN_CLOSE_WRITE | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name

# Re-check delays after a file event: quick at first, then every 25 ms up to about half a
# second, because a commit shows only after the writer's fsync, which a busy disk can stretch
# far past the last file event. Each check is one PRAGMA (microseconds).
_RECHECK_DELAYS = (0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, *(0.025,) * 18)
_RECHECK_WINDOW = sum(_RECHECK_DELAYS)


def _wait_readable(fds: list[int], timeout: float | None) -> list[int]:
    """Block until some fd is readable or timeout (seconds) passes; return the readable fds."""
    if hasattr(select, "poll"):
        # poll() has no FD_SETSIZE limit, unlike select() in a process with many files open.
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLIN)
        # Round up: a 0 ms timeout repeated would be a busy loop.
        ms = None if timeout is None else math.ceil(max(timeout, 0.0) * 1000)
        return [fd for fd, _ in poller.poll(ms)]
    readable, _, _ = select.select(fds, [], [], timeout)
    return list(readable)


class _Inotify:
    """Minimal ctypes binding: one non-blocking inotify fd watching one folder."""

    def __init__(self, folder: Path, names: frozenset[str]) -> None:
        if not sys.platform.startswith("linux"):
            raise OSError(errno.ENOSYS, "inotify is Linux-only")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        init1 = libc.inotify_init1
        init1.argtypes = [ctypes.c_int]
        init1.restype = ctypes.c_int
        add_watch = libc.inotify_add_watch
        add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        add_watch.restype = ctypes.c_int

        fd = init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, f"inotify_init1: {os.strerror(code)}")
        wd = add_watch(fd, os.fsencode(folder), _WATCH_MASK)
        if wd < 0:
            code = ctypes.get_errno()
            os.close(fd)
            raise OSError(code, f"inotify_add_watch: {os.strerror(code)}")
        self.fd = fd
        self._names = {os.fsencode(name) for name in names}

    def drain(self) -> tuple[bool, bool]:
        """Read all queued events: (a watched file changed, the watch has gone)."""
        relevant = False
        gone = False
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return relevant, gone
            if not data:
                return relevant, gone
            offset = 0
            while offset + _EVENT_HEADER.size <= len(data):
                _wd, mask, _cookie, length = _EVENT_HEADER.unpack_from(data, offset)
                start = offset + _EVENT_HEADER.size
                name = data[start : start + length].rstrip(b"\0")
                offset = start + length
                if mask & _IN_IGNORED:
                    gone = True
                elif mask & _IN_Q_OVERFLOW or name in self._names:
                    relevant = True  # an overflow may have hidden ours

    def close(self) -> None:
        os.close(self.fd)


class ChangeWatcher:
    """Wait for commits by other connections to one SQLite database.

    One thread may be inside wait() at a time; close() may be called from any thread, and
    makes a running wait() return False within milliseconds.
    """

    mode: Literal["inotify", "poll"]
    poll_reason: str | None  # why mode is "poll", None in "inotify" mode

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        poll_interval: float = 1.0,
        use_inotify: bool = True,
    ) -> None:
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        path = Path(db_path).resolve()
        if not path.is_file():
            # Do not let sqlite3 create an empty file where the database should be.
            raise FileNotFoundError(errno.ENOENT, "no such database", str(path))
        self.path = path
        self.poll_interval = poll_interval
        self._state_lock = threading.RLock()  # RLock: close() may run in a signal handler
        self._db_lock = threading.Lock()
        self._closed = False
        self._released = False
        self._waiting = False
        self._conn = open_watch_connection(path)
        self._version = self._read_version()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)  # close() must never block on a full pipe
        self._inotify: _Inotify | None = None
        # When the last file event was drained. An event drained while looking for one
        # commit may belong to the next, not yet visible one: the next wait() looks again.
        self._event_at = -math.inf
        self.mode = "poll"
        self.poll_reason = "disabled by use_inotify=False"
        if use_inotify:
            names = frozenset(path.name + suffix for suffix in ("", "-wal", "-journal"))
            try:
                self._inotify = _Inotify(path.parent, names)
            except (OSError, AttributeError) as exc:  # AttributeError: libc lacks inotify
                self.poll_reason = f"inotify unavailable: {exc}"
            else:
                self.mode = "inotify"
                self.poll_reason = None

    def _read_version(self) -> int | None:
        """The connection's data_version, or None if closed or busy (ask again later)."""
        if self._released:
            return None
        return data_version(self._conn, self.path)

    def changed(self) -> bool:
        """Non-blocking: has another connection committed since the last True answer?

        changed() and wait() share one baseline, so a change reported by one is not reported
        again by the other.
        """
        if self._closed:
            return False
        with self._db_lock:
            version = self._read_version()
            if version is None or version == self._version:
                return False
            self._version = version
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until another process commits to the database (True) or timeout passes (False).

        A commit made since the previous True answer counts, so nothing falls between two
        calls. Returns False at once, or promptly if blocked, once close() has been called.
        """
        with self._state_lock:
            if self._closed:
                return False
            if self._waiting:
                raise RuntimeError("wait() is already running in another thread")
            self._waiting = True
        try:
            return self._wait(None if timeout is None else time.monotonic() + timeout)
        finally:
            with self._state_lock:
                self._waiting = False
                if self._closed:
                    self._release()  # close() left the clean-up to us

    def _remaining(self, deadline: float | None) -> float | None:
        return None if deadline is None else max(deadline - time.monotonic(), 0.0)

    def _wait(self, deadline: float | None) -> bool:
        while True:
            if self._closed:
                return False
            if self.changed():
                return True
            if time.monotonic() - self._event_at < _RECHECK_WINDOW:
                self._event_at = -math.inf  # one look per event
                if self._recheck(deadline):
                    return True
                continue
            remaining = self._remaining(deadline)
            if remaining == 0.0:
                return False
            tick = self.poll_interval if remaining is None else min(self.poll_interval, remaining)
            fds = [self._wake_r]
            if self._inotify is not None:
                fds.append(self._inotify.fd)
            ready = _wait_readable(fds, tick)
            if self._wake_r in ready or self._closed:
                return False
            if self._inotify is None or self._inotify.fd not in ready:
                continue  # slow-poll tick: the check at the top of the loop does the work
            relevant, gone = self._inotify.drain()
            if gone:
                self._fall_back_to_polling("the watched folder went away")
            if relevant:
                self._event_at = time.monotonic()

    def _recheck(self, deadline: float | None) -> bool:
        """After a file event: look for the commit, often at first, for about half a second.

        A new file event during the series restarts it: events left over from the previous
        commit (a commit writes the -wal several times) can start a series just before the
        next commit, whose own event must not wait for the series' long, late steps.
        """
        if self.changed():
            return True
        step = 0
        while step < len(_RECHECK_DELAYS):
            remaining = self._remaining(deadline)
            if remaining is not None and remaining <= 0.0:
                return False
            pause = (
                _RECHECK_DELAYS[step]
                if remaining is None
                else min(_RECHECK_DELAYS[step], remaining)
            )
            step += 1
            fds = [self._wake_r]
            if self._inotify is not None:
                fds.append(self._inotify.fd)
            ready = _wait_readable(fds, pause)
            if self._wake_r in ready or self._closed:
                return False
            if self._inotify is not None and self._inotify.fd in ready:
                relevant, gone = self._inotify.drain()
                if gone:
                    self._fall_back_to_polling("the watched folder went away")
                if relevant:
                    self._event_at = time.monotonic()
                    step = 0
            if self.changed():
                return True
        return False

    def _fall_back_to_polling(self, reason: str) -> None:
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        self.mode = "poll"
        self.poll_reason = reason

    def close(self) -> None:
        """Stop watching. Safe from any thread and more than once; a running wait() ends."""
        with self._state_lock:
            if self._closed:
                return
            self._closed = True
            with contextlib.suppress(BlockingIOError):  # a full pipe is already a wake-up
                os.write(self._wake_w, b"x")
            if self._waiting:
                return  # closing fds under a poll() in another thread is unsafe; wait() will
            self._release()

    def _release(self) -> None:
        if self._released:
            return
        with self._db_lock:
            self._released = True
            self._conn.close()
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        os.close(self._wake_r)
        os.close(self._wake_w)

    def __enter__(self) -> ChangeWatcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Best effort only; callers should close(). Guard for a half-built instance.
        if getattr(self, "_wake_w", None) is not None and not getattr(self, "_waiting", False):
            with contextlib.suppress(Exception):
                self.close()
