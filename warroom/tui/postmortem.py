"""The export key: a Markdown postmortem draft in a new file; an existing file is never touched.
Runs in a worker thread (it reads the store)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from warroom.domain import format_ref
from warroom.errors import WarroomError
from warroom.export import write_export
from warroom.room import Room

MAX_TRIES = 1000


def write_postmortem(room: Room, incident_id: int, folder: Path) -> Path:
    """Write INC-N-postmortem.md in `folder`, or INC-N-postmortem-2.md (-3, ...) when that
    exists. Written like every file warroom writes (safe_files): a temporary file linked into
    place, so a file another process creates meanwhile is never overwritten, a symlink planted
    under the name is never followed, and the draft gets the database's access."""
    from warroom.errors import BadInput
    from warroom.safe_files import access_of, write_file

    stem = f"{format_ref(incident_id)}-postmortem"
    access = access_of(room.store.path)

    def write(out: TextIO) -> None:
        write_export(room, incident_id, "markdown", out)

    for n in range(1, MAX_TRIES + 1):
        path = folder / (f"{stem}.md" if n == 1 else f"{stem}-{n}.md")
        if os.path.lexists(path):
            continue
        try:
            return write_file(path, write, access=access, overwrite=False)
        except BadInput:
            continue  # created meanwhile by someone else: take the next name
        except OSError as exc:
            raise WarroomError(f"cannot write {path}: {exc.strerror or exc}") from None
    raise WarroomError(f"{folder} already holds {MAX_TRIES} drafts named {stem}*.md")
