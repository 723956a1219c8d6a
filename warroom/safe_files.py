"""The one way warroom writes a file at a path a user named (exports, backups, the copy file).

The host is shared: another user may plant a symlink or a device node where a file is expected,
and root may be the one running warroom. So, for every such write:

* the target is checked with lstat: a symlink, a device, a folder or a file someone else owns
  is refused with a clear message, never followed or replaced;
* the text goes to a temporary file in the same folder, opened O_EXCL | O_NOFOLLOW, with the
  database's access set on the descriptor (fchown/fchmod) before a byte is written;
* it is fsync'd, then moved into place: link() when the name must not exist yet (atomic and
  never clobbers), rename() when --force allows replacing a regular file we own;
* any failure, Ctrl-C or SIGTERM removes the temporary file, so no empty or half-written file
  is ever left under the requested name and a retry works.

Folders a user named (a status page's, a restore's) are made with `make_folder`: no symlink
followed at the folder's own name, the access of the files that go in.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import BinaryIO, Literal, TextIO, overload

from warroom.errors import BadInput, WarroomError

PRIVATE_MODE = 0o600
SIDE_SUFFIXES: tuple[str, ...] = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Access:
    """Who may read what warroom writes: a permission mode and, for a shared file, a group."""

    mode: int = PRIVATE_MODE
    gid: int | None = None

    def describe(self) -> str:
        return f"mode {self.mode:04o}" + (" (group)" if self.gid is not None else "")


PRIVATE = Access()


def access_of(db_path: Path) -> Access:
    """The database's access: a group-shared file (group bits, no bits for others) gives its
    group read/write; anything else is private to the writer (0600)."""
    try:
        st = os.stat(db_path)
    except OSError:
        return PRIVATE
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o060 and not mode & 0o007:
        return Access(mode & 0o660 | 0o600, st.st_gid)
    return PRIVATE


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: Path) -> os.stat_result | None:
    """None when nothing is at `path`; its lstat when it is a regular file we own; else refuse."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WarroomError(f"cannot check {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise WarroomError(f"{path} is {_kind(st.st_mode)}; refusing to write there")
    if st.st_uid != os.geteuid():
        raise WarroomError(f"{path} belongs to {_owner_name(st.st_uid)}; refusing to replace it")
    return st


def refuse_database_files(dest: Path, db_path: Path) -> None:
    """`dest` must not be the database or one of its side files (-wal, -shm, -journal):
    overwriting the live WAL loses every commit not yet checkpointed."""
    target = Path(os.path.abspath(dest))
    candidates: list[Path] = []
    # The database as named and as it really is (--db may be a symlink): SQLite puts the
    # side files beside the name it was given.
    for db in dict.fromkeys((Path(os.path.abspath(db_path)), Path(os.path.realpath(db_path)))):
        candidates += [db, *(Path(f"{db}{s}") for s in SIDE_SUFFIXES)]

    def same(a: Path, b: Path) -> bool:
        if a == b:
            return True
        try:
            return os.path.samefile(a, b)
        except OSError:
            return False

    real_parent = Path(os.path.realpath(target.parent)) / target.name
    for candidate in candidates:
        real_candidate = Path(os.path.realpath(candidate.parent)) / candidate.name
        if same(target, candidate) or real_parent == real_candidate:
            side = next((x for x in SIDE_SUFFIXES if candidate.name.endswith(x)), "")
            what = "the database itself" if not side else f"the database's {side} file"
            raise BadInput(f"{dest} is {what}; choose another file")


# --- SIGTERM: clean up like Ctrl-C ---------------------------------------------------------


class Terminated(BaseException):
    """SIGTERM arrived while a file was being written."""


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into an exception for the duration, so the temporary file is removed.
    Only the main thread may set signal handlers; elsewhere the default stays."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    except Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the write itself -------------------------------------------------------------------------


def _temp_name(path: Path) -> Path:
    return path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"


def _open_temp(path: Path, access: Access) -> tuple[int, Path]:
    for _ in range(20):
        tmp = _temp_name(path)
        try:
            fd = os.open(
                tmp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                PRIVATE_MODE,
            )
        except FileExistsError:
            continue
        except OSError as exc:
            raise WarroomError(f"cannot write in {path.parent}: {exc.strerror or exc}") from None
        try:
            mode = access.mode
            if access.gid is not None:
                try:
                    os.fchown(fd, -1, access.gid)
                except PermissionError:  # not in the database's group: keep it private
                    mode = PRIVATE_MODE
            # fchmod after fchown (which may clear bits); never wider than the database.
            os.fchmod(fd, mode)
        except BaseException:
            os.close(fd)
            tmp.unlink(missing_ok=True)
            raise
        return fd, tmp
    raise WarroomError(f"cannot create a temporary file in {path.parent}")


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    _fsync(folder, os.O_DIRECTORY)


def _fsync_path(tmp: Path) -> None:
    _fsync(tmp, os.O_NOFOLLOW)


def _remove_temp(tmp: Path) -> None:
    for suffix in ("", *SIDE_SUFFIXES):
        with contextlib.suppress(OSError):
            Path(f"{tmp}{suffix}").unlink()


def _install(tmp: Path, path: Path, *, overwrite: bool) -> None:
    if not overwrite:
        try:
            os.link(tmp, path)  # fails if anything, even a dangling symlink, holds the name
        except FileExistsError:  # created meanwhile by another process
            raise BadInput(
                f"{path} already exists; choose another file or add --force to overwrite it"
            ) from None
        except OSError as exc:
            raise WarroomError(f"cannot create {path}: {exc.strerror or exc}") from None
        os.unlink(tmp)
        return
    check_target(path)  # again, just before: a symlink planted meanwhile is still refused
    try:
        os.replace(tmp, path)
    except OSError as exc:
        raise WarroomError(f"cannot write {path}: {exc.strerror or exc}") from None


def prepare(path: Path, *, overwrite: bool, make_parents: bool = False) -> Path:
    """Check `path` before any work is done; returns it absolute."""
    path = Path(os.path.abspath(path.expanduser()))
    if not path.name:
        raise BadInput("the file name is empty")
    existing = check_target(path)
    if existing is not None and not overwrite:
        raise BadInput(f"{path} already exists; choose another file or add --force to overwrite it")
    if make_parents:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise WarroomError(
                f"cannot create folder {path.parent}: {exc.strerror or exc}"
            ) from None
    try:
        parent = os.stat(path.parent)  # the folder may be reached through a link; the leaf not
    except FileNotFoundError:
        raise WarroomError(f"no folder {path.parent}") from None
    except OSError as exc:
        raise WarroomError(f"cannot use folder {path.parent}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(parent.st_mode):
        raise WarroomError(f"{path.parent} is not a folder")
    return path


@overload
def write_file(
    path: Path,
    write: Callable[[TextIO], None],
    *,
    access: Access = ...,
    overwrite: bool = ...,
    binary: Literal[False] = ...,
    make_parents: bool = ...,
) -> Path: ...


@overload
def write_file(
    path: Path,
    write: Callable[[BinaryIO], None],
    *,
    access: Access = ...,
    overwrite: bool = ...,
    binary: Literal[True],
    make_parents: bool = ...,
) -> Path: ...


def write_file(
    path: Path,
    write: Callable[[TextIO], None] | Callable[[BinaryIO], None],
    *,
    access: Access = PRIVATE,
    overwrite: bool = False,
    binary: bool = False,
    make_parents: bool = False,
) -> Path:
    """Write what `write` produces to `path`, atomically, with `access`. Text is UTF-8 with
    newlines as given. Returns the absolute path written."""
    path = prepare(path, overwrite=overwrite, make_parents=make_parents)
    with _terminate_cleanly():
        fd, tmp = _open_temp(path, access)
        try:
            raw = os.fdopen(fd, "wb")
            with raw:
                if binary:
                    write(raw)  # type: ignore[arg-type]
                else:
                    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    write(text)  # type: ignore[arg-type]
                    text.flush()
                    text.detach()
                raw.flush()
                os.fsync(raw.fileno())
            _install(tmp, path, overwrite=overwrite)
            _fsync_folder(path.parent)
        except BaseException:
            _remove_temp(tmp)
            raise
    return path


def write_text(
    path: Path,
    text: str,
    *,
    access: Access = PRIVATE,
    overwrite: bool = True,
    make_parents: bool = False,
) -> Path:
    def put(out: TextIO) -> None:
        out.write(text)

    return write_file(path, put, access=access, overwrite=overwrite, make_parents=make_parents)


def with_temp_file(
    path: Path,
    fill: Callable[[Path], None],
    *,
    access: Access = PRIVATE,
    overwrite: bool = False,
    make_parents: bool = False,
) -> Path:
    """Like write_file, for writers that need a path (SQLite's backup): `fill(tmp)` writes the
    temporary file by name; it is then fsync'd and moved into place the same way."""
    path = prepare(path, overwrite=overwrite, make_parents=make_parents)
    with _terminate_cleanly():
        fd, tmp = _open_temp(path, access)
        os.close(fd)
        try:
            fill(tmp)
            st = os.lstat(tmp)
            if not stat.S_ISREG(st.st_mode):
                raise WarroomError(f"{tmp} was replaced while being written")
            _fsync_path(tmp)
            _install(tmp, path, overwrite=overwrite)
            _fsync_folder(path.parent)
        except BaseException:
            _remove_temp(tmp)
            raise
    return path


# --- folders at a path a user named ---------------------------------------------------------


def folder_mode(access: Access) -> int:
    """A folder for files of `access`: whoever may read them may list it (0600 -> 0700,
    0644 -> 0755, a group's 0660 -> 0770)."""
    mode = access.mode
    return mode | (mode & 0o444) >> 2


def make_folder(path: Path, access: Access = PRIVATE) -> Path:
    """The folder at `path`, made if missing (its parents as `mkdir -p` would), with the mode
    and group of `access` set on it. The last component is never a symlink followed: a link
    there, even one to a folder, or anything else that is not a folder, is refused with a
    clear message. A folder already there is used as it is. Returns it absolute."""
    path = Path(os.path.abspath(path.expanduser()))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # like mkdir -p: umask applies
        os.mkdir(path, 0o700)  # private until its access is set below
        created = True
    except FileExistsError:
        created = False
    except OSError as exc:
        raise WarroomError(f"cannot create folder {path}: {exc.strerror or exc}") from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        try:
            st = os.lstat(path)
        except OSError:
            raise WarroomError(f"cannot use folder {path}: {exc.strerror or exc}") from None
        if stat.S_ISLNK(st.st_mode):
            raise WarroomError(
                f"{path} is a symbolic link; refusing to use it as a folder"
                " (name the folder it points to)"
            ) from None
        if not stat.S_ISDIR(st.st_mode):
            what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
            raise WarroomError(f"{path} is {what}, not a folder") from None
        raise WarroomError(f"cannot use folder {path}: {exc.strerror or exc}") from None
    try:
        if created:
            mode = folder_mode(access)
            if access.gid is not None:
                try:
                    os.fchown(fd, -1, access.gid)
                except PermissionError:  # not in the database's group: keep it private
                    mode = 0o700
            os.fchmod(fd, mode)  # on the descriptor: what was made, not what the name is now
    except OSError as exc:
        raise WarroomError(f"cannot set the access of {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return path


# --- small files warroom keeps beside the database ----------------------------------------


def open_beside(path: Path, access: Access) -> int:
    """A descriptor of the small file at `path` (a lock), created with `access` if missing.
    Never through a symlink (O_NOFOLLOW), never a pipe or device (O_NONBLOCK, then checked):
    those raise WarroomError; the folder refusing raises OSError. Another user's file that
    we may only read is opened read-only: flock works on that too."""
    flags = os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags | os.O_RDWR, PRIVATE_MODE)
    except PermissionError:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WarroomError(f"{path} is a symbolic link; refusing to open it") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise WarroomError(f"{path} is {_kind(st.st_mode)}; refusing to use it")
        if st.st_uid == os.geteuid():
            mode = access.mode
            if access.gid is not None and st.st_gid != access.gid:
                try:
                    os.fchown(fd, -1, access.gid)
                except PermissionError:
                    mode = PRIVATE_MODE
            if stat.S_IMODE(st.st_mode) != mode:
                os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd
