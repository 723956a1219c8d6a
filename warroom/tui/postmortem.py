"""The export key: a Markdown postmortem draft in a new file; an existing file is never touched.
Runs in a worker thread (it reads the store)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from warroom.domain import format_ref
from warroom.errors import WarroomError
from warroom.export import write_export
from warroom.room import Room

MAX_TRIES = 1000


def write_postmortem(room: Room, incident_id: int, folder: Path) -> Path:
    """Write INC-N-postmortem.md in `folder`, or INC-N-postmortem-2.md (-3, ...) when that
    exists. Exclusive creation: a file another process creates meanwhile is not overwritten."""
    stem = f"{format_ref(incident_id)}-postmortem"
    for n in range(1, MAX_TRIES + 1):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        try:
            handle = open(path, "x", encoding="utf-8", newline="")  # noqa: SIM115
        except FileExistsError:
            continue
        except OSError as exc:
            raise WarroomError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            with handle:
                write_export(room, incident_id, "markdown", handle)
        except BaseException as exc:
            # Nothing half-written is left behind.
            with contextlib.suppress(OSError):
                path.unlink()
            if isinstance(exc, OSError):
                raise WarroomError(f"cannot write {path}: {exc.strerror or exc}") from None
            raise
        return path
    raise WarroomError(f"{folder} already holds {MAX_TRIES} drafts named {stem}*.md")
