"""One incident file for a team of Unix users: a group-owned folder and file.

The folder is mode 2770 and owned by the group: the setgid bit makes every file created in it
(SQLite's -wal and -shm, created by whichever member opens the database first) belong to the
group too. SQLite creates -wal and -shm with the database file's permission bits, so the file
is 0660 and they follow. Others can neither enter the folder nor read the file.
"""

from __future__ import annotations

import errno
import grp
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from warroom.errors import BadInput, WarroomError

FOLDER_MODE = 0o2770
FILE_MODE = 0o660
SIDE_FILES = ("-wal", "-shm")


@dataclass
class SharedSetup:
    path: Path
    group: str
    created_folder: bool
    created_file: bool
    warnings: list[str] = field(default_factory=list)


def find_group(name: str) -> grp.struct_group:
    try:
        if name.isdigit():
            return grp.getgrgid(int(name))
        return grp.getgrnam(name)
    except KeyError:
        raise BadInput(f"unknown group {name!r}; create it first (groupadd {name})") from None


def require_member(group: grp.struct_group) -> None:
    """Root may share with any group; anyone else only with a group they are in now."""
    if os.geteuid() == 0:
        return
    if group.gr_gid == os.getegid() or group.gr_gid in os.getgroups():
        return
    raise WarroomError(
        f"you are not a member of group {group.gr_name}; ask an admin to add you"
        " (then log in again), or run this as root"
    )


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def denied_message(path: Path) -> str:
    """Why `path` cannot be opened, naming the group to ask for when it is a shared file."""
    path = Path(os.path.abspath(path))
    for candidate in (path, *path.parents):
        try:
            st = os.stat(candidate)
        except OSError:
            continue  # not visible to us: look further up
        if st.st_uid != os.geteuid() and not st.st_mode & stat.S_IRWXO and st.st_mode & 0o070:
            return (
                f"permission denied: {path} is shared with group {_group_name(st.st_gid)};"
                " ask to be added to it (then log in again)"
            )
        break
    return f"permission denied: {path}"


def folder_mode(folder: Path) -> int:
    return stat.S_IMODE(os.lstat(folder).st_mode)


def _check_folder(folder: Path, group: grp.struct_group) -> None:
    """An existing folder is used as it is, never re-permissioned (it could be /tmp or a
    home folder), so it must already be right: the team's group, setgid, group-writable, and
    nothing for others. A folder others can write lets them swap in their own database; one
    they can list or enter lets them watch the team's files."""
    try:
        st = os.lstat(folder)
    except OSError as exc:
        raise WarroomError(f"cannot check folder {folder}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise WarroomError(
            f"{folder} is a symbolic link; give the real folder's path (it is checked, not"
            " followed)"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise WarroomError(f"{folder} is not a folder")
    mode = stat.S_IMODE(st.st_mode)
    fix = f"chgrp {group.gr_name} {folder} && chmod 2770 {folder}"
    if mode & 0o007:
        raise WarroomError(
            f"{folder} is open to others (mode {mode:04o}, group {_group_name(st.st_gid)}):"
            f" anyone could replace or read the team's file; use a new folder, or run: {fix}"
        )
    if st.st_gid != group.gr_gid or mode & 0o2070 != 0o2070:
        raise WarroomError(
            f"{folder} exists but is not set up for group {group.gr_name} (it is group"
            f" {_group_name(st.st_gid)}, mode {mode:04o}); use a path in a new folder, or run:"
            f" {fix}"
        )


def _reachable_warnings(folder: Path, gid: int) -> list[str]:
    """Folders above that group members could not pass through (e.g. a 0700 home)."""
    warnings = []
    for parent in folder.parents:
        try:
            st = parent.stat()
        except OSError:
            continue
        if st.st_mode & stat.S_IXOTH or (st.st_gid == gid and st.st_mode & stat.S_IXGRP):
            continue
        warnings.append(
            f"{parent} (mode {stat.S_IMODE(st.st_mode):04o}) may keep other members out;"
            " they need to be able to pass through it"
        )
    return warnings


def _refuse_odd(path: Path, st: os.stat_result) -> None:
    if stat.S_ISLNK(st.st_mode):
        raise WarroomError(
            f"{path} is a symbolic link; refusing to share what it points to (remove it, or"
            " give the real file's path)"
        )
    if not stat.S_ISREG(st.st_mode):
        raise WarroomError(f"{path} exists and is not a regular file")
    if st.st_nlink > 1:
        # A hard link planted by a member would make root share the file it links to.
        raise WarroomError(f"{path} has other hard links; refusing to share it")


def _share_fd(fd: int, path: Path, gid: int) -> None:
    """Group and mode through the descriptor, so no symlink swapped in can redirect them;
    chown first, since a chown can clear mode bits."""
    st = os.fstat(fd)
    _refuse_odd(path, st)
    if st.st_gid == gid and stat.S_IMODE(st.st_mode) == FILE_MODE:
        return
    try:
        os.fchown(fd, -1, gid)
        os.fchmod(fd, FILE_MODE)
    except PermissionError:
        raise WarroomError(
            f"cannot give {path} to the group: it belongs to someone else; ask its owner"
        ) from None


def _share_existing(path: Path, gid: int) -> None:
    """An existing database file, before SQLite opens it (closing a descriptor of an open
    database would drop SQLite's locks): opened O_NOFOLLOW, fixed through the descriptor."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WarroomError(f"{path} is a symbolic link; refusing to share it") from None
        raise WarroomError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        _share_fd(fd, path, gid)
    finally:
        os.close(fd)


def _share_side_file(path: Path, gid: int) -> None:
    """-wal and -shm while the database is open: by name, never following a link (a member
    could plant one there), so lchown and chmod without following."""
    st = os.lstat(path)
    _refuse_odd(path, st)
    if st.st_gid == gid and stat.S_IMODE(st.st_mode) == FILE_MODE:
        return
    try:
        os.chown(path, -1, gid, follow_symlinks=False)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            if os.path.samestat(os.fstat(fd), st):
                os.fchmod(fd, FILE_MODE)
        finally:
            # Safe for SQLite's locks: they are on the database file and on -shm only through
            # its mmap/fcntl of the same process. -shm locks would drop; init is about to exit.
            os.close(fd)
    except PermissionError:
        raise WarroomError(
            f"cannot give {path} to the group: it belongs to someone else; ask its owner"
        ) from None


def prepare_shared(path: Path, group: grp.struct_group) -> SharedSetup:
    """Create the folder (where missing) and the file, group-owned. The caller then opens
    the file with open_store(), which writes the schema into it."""
    path = Path(os.path.abspath(path.expanduser()))
    folder = path.parent
    setup = SharedSetup(path, group.gr_name, created_folder=False, created_file=False)
    if folder.exists():
        _check_folder(folder, group)
    else:
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)  # like mkdir -p: umask applies
            os.mkdir(folder, 0o700)
        except FileExistsError:
            pass  # another init won the race; checked below
        except OSError as exc:
            raise WarroomError(f"cannot create folder {folder}: {exc.strerror or exc}") from None
        else:
            setup.created_folder = True
            # Through a descriptor opened without following links: the name could be swapped.
            dfd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                os.fchown(dfd, -1, group.gr_gid)
                os.fchmod(dfd, FOLDER_MODE)  # after chown, which would clear setgid
            finally:
                os.close(dfd)
        _check_folder(folder, group)
    setup.warnings = _reachable_warnings(folder, group.gr_gid)
    for side in ("", *SIDE_FILES):
        try:
            _refuse_odd(Path(f"{path}{side}"), os.lstat(f"{path}{side}"))
        except FileNotFoundError:
            continue
    try:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
        )
    except FileExistsError:
        _share_existing(path, group.gr_gid)
    else:
        setup.created_file = True
        try:
            os.fchown(fd, -1, group.gr_gid)
            os.fchmod(fd, FILE_MODE)  # explicit: the umask would have cut 0660 to 0640
        finally:
            os.close(fd)
    return setup


def finish_shared(path: Path, group: grp.struct_group) -> list[str]:
    """With the database open (so -wal and -shm exist): check every file is the group's,
    0660, and fix the side files. Returns a line per file as it now is, for the user to see."""
    path = Path(os.path.abspath(path.expanduser()))
    lines = []
    for name in ("", *SIDE_FILES):
        target = Path(f"{path}{name}")
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            continue
        _refuse_odd(target, st)
        if name and (st.st_gid != group.gr_gid or stat.S_IMODE(st.st_mode) != FILE_MODE):
            _share_side_file(target, group.gr_gid)
            st = os.lstat(target)
        lines.append(f"{stat.filemode(st.st_mode)}  group {_group_name(st.st_gid)}  {target}")
    return lines
