"""Replacing a file a user named, safely on a shared host: a new file created beside it with
O_EXCL|O_NOFOLLOW (a planted symlink is never followed), written, fsynced, then renamed over
the old one, which must be a regular file. Readers see the old file or the new, never half."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from warroom.errors import WarroomError


def open_dir(directory: Path) -> int:
    """A descriptor of `directory`, refusing a symlink in its last component."""
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        if directory.is_symlink():
            raise WarroomError(f"{directory} is a symbolic link; refusing to write there") from None
        raise WarroomError(f"cannot write to {directory}: {exc.strerror}") from None


def replace_in(dir_fd: int, directory: Path, name: str, data: bytes, mode: int) -> None:
    """Atomically replace `name` inside the open folder `dir_fd` with `data`."""
    target = directory / name
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WarroomError(f"cannot write {target}: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise WarroomError(f"{target} is not a regular file; refusing to replace it")
    tmp = f".{name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode, dir_fd=dir_fd)
        try:
            os.fchmod(fd, mode)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):  # failed before it was created
            os.unlink(tmp, dir_fd=dir_fd)
        raise WarroomError(f"cannot write {target}: {exc.strerror}") from None


def replace_file(path: Path, data: bytes, mode: int, *, what: str = "the file") -> None:
    path = Path(path)
    try:
        dir_fd = open_dir(path.parent)
    except WarroomError as exc:
        raise WarroomError(f"cannot save {what} to {path}: {exc.message}") from None
    try:
        replace_in(dir_fd, path.parent, path.name, data, mode)
    finally:
        os.close(dir_fd)
