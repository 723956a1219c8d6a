"""Opening the incident file: path resolution, safety checks, pragmas, write transactions.

Hot paths (a CLI note, a TUI refresh) talk to sqlite3 directly; sqlite-utils is imported only
for schema work and for callers that want its API (`Store.utils`), because importing it costs
about 90 ms and `warroom note` must start fast.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warroom.errors import (
    CannotOpenDatabase,
    DatabaseCorrupt,
    DatabaseIOError,
    DatabaseMoved,
    DatabaseReadOnly,
    DiskFull,
    WarroomError,
)
from warroom.errors import DatabaseLocked as DatabaseLocked
from warroom.errors import FileMoved as FileMoved

# schema.py migrates a Store without importing this module (it names what it needs in a
# Protocol), so importing it here at the top is no cycle. APPLICATION_ID and set_wal live
# there now; re-exported (`X as X`) for code that imported them from here.
from warroom.storage import schema
from warroom.storage.schema import APPLICATION_ID as APPLICATION_ID
from warroom.storage.schema import set_wal as set_wal
from warroom.storage.sqlite_errors import classify

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    import sqlite_utils

DEFAULT_BUSY_TIMEOUT = 10.0

# What views and queries take: an open connection, inside `Store.read()` or `Store.write()`.
Connection = sqlite3.Connection


def default_db_path() -> Path:
    env = os.environ.get("WARROOM_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("warroom")) / "warroom.db"


def resolve_db_path(option: str | os.PathLike[str] | None) -> Path:
    """`--db PATH`, else `WARROOM_DB`, else the user data directory."""
    if option:
        return Path(option).expanduser()
    return default_db_path()


Identity = tuple[int, int]  # (st_dev, st_ino), as `tail -f` follows a file


def file_identity(path: str | os.PathLike[str]) -> Identity | None:
    """What the path names now, or None if nothing is there."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


class Store:
    """One connection to the incident file. Not shared between threads.

    Every sqlite3 error met inside `read()` and `write()` leaves as a warroom.errors
    DatabaseError subclass, classified by its result code."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        identity: Identity | None = None,
    ) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self.identity = identity  # of the file opened; None: not followed
        self._utils: sqlite_utils.Database | None = None
        # Set by open_store when this open created the file, or found it empty: a command
        # that then fails can leave it as it was (discard_if_unused).
        self.created = False
        self.was_empty = False
        # Set by a face that opened the file to write and left its check_integrity until
        # just before its first write (the war room: the check is ~40 ms at 100k entries,
        # and it starts drawing first); check_integrity clears it.
        self.check_pending = False

    def moved(self) -> str | None:
        """How the path stopped naming the file open here ("deleted", "replaced"), or None."""
        if self.identity is None:
            return None
        try:
            now = file_identity(self.path)
        except OSError:
            return None  # unreadable for now (permissions): not proof that it moved
        if now is None:
            return "deleted"
        return None if now == self.identity else "replaced"

    def _refuse_if_moved(self) -> None:
        how = self.moved()
        if how is not None:
            raise FileMoved(f"{self.path} has been {how} since it was opened; nothing was written")

    @property
    def utils(self) -> sqlite_utils.Database:
        if self._utils is None:
            import sqlite_utils

            self._utils = sqlite_utils.Database(self.conn, execute_plugins=False)
        return self._utils

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a transaction
        that reads before it writes waits its turn (busy timeout) instead of failing at once."""
        if self.readonly:
            raise DatabaseReadOnly(f"{self.path} is open read-only; this view cannot change it")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise classify(exc, self.path) from exc
        try:
            self._refuse_if_moved()
            yield self.conn
            # Again at the last moment: a restore with `mv` takes no lock, so it can land
            # while the transaction runs; rolled back, nothing reaches the orphaned file.
            self._refuse_if_moved()
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc
        except BaseException:
            self._abandon()
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Several reads from one snapshot, so a view never mixes two commits."""
        if self.conn.in_transaction:
            try:
                yield self.conn
            except sqlite3.Error as exc:
                raise classify(exc, self.path) from exc
            return
        try:
            self.conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise classify(exc, self.path) from exc
        try:
            yield self.conn
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc
        except BaseException:
            self._abandon()
            raise
        try:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._abandon()
            raise classify(exc, self.path) from exc

    def _abandon(self) -> None:
        """Roll back after a failure. SQLite rolls back by itself after some errors (a full
        disk, an I/O error); a ROLLBACK that then fails would only hide the first error."""
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    def checkpoint_all(self) -> bool:
        """Copy every committed change out of the -wal into the file itself (through this
        connection's own descriptor, so into the file it opened even if the path now names
        another) and empty the -wal. False if a reader elsewhere kept part of it there."""
        if self.readonly:
            return False
        try:
            busy, _log, _done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            return False
        return int(busy) == 0

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _denied(path: Path) -> str:
    from warroom.storage.sharing import denied_message

    return denied_message(path)


def _create_file(path: Path, mode: int) -> bool:
    """Create `path` with `mode`; False when another process created it first."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except PermissionError:
        raise WarroomError(_denied(path)) from None
    except OSError as exc:
        raise WarroomError(f"cannot create folder {path.parent}: {exc.strerror or exc}") from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        return False  # another process won the race; it is the same file either way
    except PermissionError:
        raise WarroomError(_denied(path)) from None
    except OSError as exc:
        raise WarroomError(f"cannot create {path}: {exc.strerror or exc}") from None
    os.close(fd)
    return True


def _check_file(path: Path) -> None:
    """A regular file, or refuse. The header itself is checked by SQLite on first read: reading
    it here through a Python file object would be unsafe, because closing ANY descriptor of a
    file drops every POSIX lock this process holds on it, SQLite's own locks included (the
    TUI's live-refresh thread opens a second store on a file the process already has open)."""
    try:
        st = path.stat()
    except PermissionError:
        raise WarroomError(_denied(path)) from None
    except OSError as exc:
        raise WarroomError(f"cannot open {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise WarroomError(f"{path} is not a regular file")


# How long an open waits for processes that still use the -wal/-shm beside a replaced file
# for the file it replaced: the war room lets them go within half a second, tail -f within
# one (release_moved).
STALE_SIDECARS_WAIT = 3.0  # seconds


def _lock_key(dev: int, ino: int) -> str:
    return f"{os.major(dev):02x}:{os.minor(dev):02x}:{ino}"  # as /proc/locks names a file


def stale_sidecar_users(path: Path, identity: Identity | None) -> list[int]:
    """The processes that use the -shm beside `path` for another file than the one at `path`:
    they hold SQLite's lock on the -shm but none on this file (every connection in WAL mode
    holds one on its database for as long as it is open). That is a file moved into place
    (a backup restored with `mv`) while processes still had the old one open: opening it now
    would read their -wal as this file's, and a checkpoint would write it into this file,
    undoing the restore or damaging it (drill). Empty if none, or if it cannot be told
    (no /proc/locks)."""
    if identity is None:
        return []
    try:
        shm = os.stat(f"{path}-shm")
    except OSError:
        return []
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            lines = locks.read().splitlines()
    except OSError:
        return []
    shm_key, db_key = _lock_key(shm.st_dev, shm.st_ino), _lock_key(*identity)
    on_shm: set[str] = set()
    on_db: set[str] = set()
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->": a process waiting for a lock
            continue
        if fields[5] == shm_key:
            on_shm.add(fields[4])
        elif fields[5] == db_key:
            on_db.add(fields[4])
    # Not this process: it lets the old file go before it opens the new one (Session.reopen,
    # the follower), and its own locks merge in one entry whatever thread took them.
    on_shm.discard(str(os.getpid()))
    return sorted(int(pid) for pid in on_shm - on_db if pid.isdigit())


def _wait_for_stale_sidecars(path: Path, identity: Identity | None) -> None:
    """Before SQLite first reads the file: wait for processes still on the file this one
    replaced to let go of its -wal/-shm; refuse if they do not."""
    deadline = time.monotonic() + STALE_SIDECARS_WAIT
    while users := stale_sidecar_users(path, identity):
        if time.monotonic() >= deadline:
            pids = ", ".join(map(str, users[:5]))
            raise WarroomError(
                f"{path} has been replaced while processes (pid {pids}) still have the file it"
                f" replaced open, with its -wal beside it; nothing was read or written. Stop"
                f" them, then remove {path.name}-wal and {path.name}-shm (the README's restore"
                " steps)"
            )
        time.sleep(0.05)


def open_store(
    path: str | os.PathLike[str],
    *,
    readonly: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    file_mode: int = 0o600,
    immutable: bool = False,
) -> Store:
    """Open (creating and migrating when needed) the incident file at `path`.

    A foreign file, or one written by a newer warroom, is refused before anything is written.
    """
    path = Path(path).expanduser()
    try:
        exists = path.exists()
    except PermissionError:
        # A folder we may not enter: most likely a team's shared file; say whose.
        raise WarroomError(_denied(path)) from None
    created = was_empty = False
    if not exists:
        if readonly:
            raise WarroomError(f"no warroom database at {path}")
        created = _create_file(path, file_mode)
    _check_file(path)
    if exists and not readonly:
        with contextlib.suppress(OSError):
            was_empty = os.stat(path).st_size == 0
    identity = file_identity(path)
    if not immutable:
        _wait_for_stale_sidecars(path, identity)
    try:
        if readonly:
            # immutable: no locks, no -shm, the -wal ignored; for media nothing can write to.
            query = "immutable=1" if immutable else "mode=ro"
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?{query}",
                uri=True,
                timeout=busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            conn = sqlite3.connect(
                path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
    except sqlite3.Error as exc:
        raise classify(exc, path) from exc
    store = Store(conn, path, readonly=readonly, identity=identity)
    store.created, store.was_empty = created, was_empty
    try:
        schema.check_compatible(store)
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            # FULL: a commit is on disk before `warroom note` says it is saved.
            conn.execute("PRAGMA synchronous = FULL")
            schema.ensure_current(store)
    except sqlite3.Error as exc:
        if created or was_empty:
            discard_if_unused(store)
        else:
            conn.close()
        raise classify(exc, path) from exc
    except BaseException:
        if created or was_empty:
            discard_if_unused(store)
        else:
            conn.close()
        raise
    return store


def discard_if_unused(store: Store) -> None:
    """Close `store`; when this process created its file (or found it empty) and nothing has
    been recorded in it, remove the file again (or empty it), so a command that failed
    leaves no database behind that it was never asked to make."""
    path = store.path
    try:
        recorded = int(store.conn.execute("SELECT count(*) FROM incidents").fetchone()[0])
    except sqlite3.Error:
        recorded = 0 if store.created or store.was_empty else 1
    store.close()
    if recorded or not (store.created or store.was_empty):
        return
    with contextlib.suppress(OSError):
        if store.created:
            os.unlink(path)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)
    for side in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{side}")


# The failures after which a plain read may still work through a read-only or immutable open.
_READABLE_ANYWAY = (DiskFull, DatabaseReadOnly, DatabaseIOError, CannotOpenDatabase)


def open_for_reading(path: str | os.PathLike[str]) -> tuple[Store, str | None]:
    """Open to read: normally (so an old file is upgraded and readers share the -shm); where
    that fails because the disk is full or the folder or file is read-only, read-only; and
    where even that cannot create its -shm, immutable. Returns the store and, for a degraded
    open, a warning for the user. A path with no file behind it is an error, not an empty
    database: a command that only reads must not create one (a typo in $WARROOM_DB, or a file
    moved away, would otherwise read as "no incidents", an all-clear)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise WarroomError(
            f"no warroom database at {path}; check --db or $WARROOM_DB "
            "(warroom init or warroom declare creates one)"
        ) from None
    except OSError:
        pass  # a folder we may not enter, say: open_store names the cause
    else:
        if st.st_size == 0 and stat.S_ISREG(st.st_mode):
            # Nor may it make an empty file one (tail -f --all wrote a schema into an empty
            # file moved over the team's: drill).
            raise WarroomError(
                f"{path} is empty, not a warroom database (warroom init or warroom declare"
                " makes one)"
            )
    try:
        return open_store(path), None
    except _READABLE_ANYWAY as first:
        if isinstance(first, DatabaseMoved):
            raise
        for immutable in (False, True):
            try:
                store = open_store(path, readonly=True, immutable=immutable)
            except WarroomError:
                continue
            try:
                store.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.Error:
                store.close()
                continue
            how = (
                "without locking (entries still in the -wal may be missing)"
                if immutable
                else "read-only"
            )
            return store, f"{first.message}; reading it {how}"
        raise


def check_integrity(store: Store) -> None:
    """Refuse to write to a damaged file (PRAGMA quick_check): more writes could spread the
    damage, and the answer is a restore. About 40 ms at 100,000 entries."""
    from warroom.storage.causes import RESTORE_HINT

    try:
        result = str(store.conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except sqlite3.Error as exc:
        result = str(exc)
    if result == "ok":
        store.check_pending = False
        return
    result = " ".join(result.replace("*** in database main ***", "").split())
    hint = RESTORE_HINT.format(path=store.path)
    raise DatabaseCorrupt(
        f"{store.path} is damaged ({result}); nothing was written; {hint}", "SQLITE_CORRUPT"
    )


SIDECARS = ("-wal", "-shm")
Sidecars = dict[str, Identity | None]


def _identity_or_none(path: str) -> Identity | None:
    try:
        return file_identity(path)
    except OSError:
        return None


def sidecar_ids(path: str | os.PathLike[str]) -> Sidecars:
    """The identities of the `-wal` and `-shm` beside `path` now: what `release_moved` may
    remove later (only while they are still these inodes)."""
    return {s: _identity_or_none(f"{path}{s}") for s in SIDECARS}


def _own_descriptor(identity: Identity) -> os.stat_result | None:
    """The stat of one of this process's descriptors of the file with this identity, found
    through Linux's /proc (stat, never open: opening and closing one would drop this
    process's locks on the file); None if there is none or it cannot be told."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            st = os.stat(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == identity:
            return st
    return None


def links_to_open_file(identity: Identity | None) -> int | None:
    """How many names the file open here (by identity) still has; None if unknown."""
    found = _own_descriptor(identity) if identity is not None else None
    return found.st_nlink if found is not None else None


def own_sidecars(path: Path) -> Sidecars:
    """The -wal and -shm beside `path` that this process has open under those names (through
    /proc/self/fd, stat only), by identity: the ones its connections to the file use."""
    names = {os.path.abspath(f"{path}{suffix}"): suffix for suffix in SIDECARS}
    found: Sidecars = dict.fromkeys(SIDECARS)
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return found
    for fd in fds:
        try:
            suffix = names.get(os.readlink(f"/proc/self/fd/{fd}"))
            if suffix is not None:
                st = os.stat(f"/proc/self/fd/{fd}")
                found[suffix] = (st.st_dev, st.st_ino)
        except OSError:
            continue
    return found


def close_for_good(store: Store) -> None:
    """Close a command's store as it ends. If its file has been moved or replaced meanwhile
    (a backup restored with mv), let it go as release_moved does: an ordinary close leaves
    the old -wal beside the path, and the next open replays it into the restored file (a
    follower stopped with ctrl+c before it noticed the restore: review). Only for a store
    that is its process's last connection to the file."""
    if store.identity is not None and store.moved() is not None:
        release_moved(store, own_sidecars(store.path))
    else:
        store.close()


def release_moved(store: Store, sidecars: Sidecars) -> None:
    """The file `store` has open is no longer the one at its path (moved, deleted, replaced
    by a restore): close it and remove the `-wal`/`-shm` it leaves beside the path. SQLite
    does not checkpoint or delete them itself once the database has moved, and whoever opens
    a file at the path next would replay our old WAL into it, undoing a restore. They are
    removed only if they are still the inodes we used (another process's new `-wal` is left
    alone), and only if nothing of value is lost: every change in them was checkpointed into
    the file we had open, or that file is gone from the disk (no name links to it). A file
    moved elsewhere that could not be checkpointed (read-only) keeps them.

    Nor once a process not on our file uses them: it opened the file now at the path and
    took them over for that file (a backup moved into place with its old -wal beside it, and
    an SQLite client that does not wait as warroom does): checkpointing would copy its commits
    into our old file and empty the log, and removing them would lose them (review). Our
    connection is then only closed, which SQLite does without checkpointing a moved file.
    Processes still on our file do not hold this up: waiting for each other (a war room and a
    follower noticing the same mv) they all only closed, and the old -wal stayed (drill)."""
    if stale_sidecar_users(store.path, store.identity):
        store.close()
        return
    links = links_to_open_file(store.identity)
    emptied = store.checkpoint_all()
    store.close()
    if not (emptied or links == 0):
        return
    for suffix, ours in sidecars.items():
        name = f"{store.path}{suffix}"
        if ours is not None and _identity_or_none(name) == ours:
            # Not allowed (no write access to the folder): nothing more to do here.
            with contextlib.suppress(OSError):
                os.unlink(name)
