"""The war room in a real terminal (tmux) at 80x24 and 60x20: the header and footer keep what
matters, borders stay straight with wide characters, and the timeline keeps following new
entries from another process through resizes and resolving."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.conftest import as_person
from warroom import actions
from warroom.actions import Room

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

DEADLINE = 30.0
TITLE = "Checkout returns 500s for card payments in every region 👩‍💻 since the deploy"


class Tmux:
    def __init__(self, tmp_path: Path) -> None:
        self.base = ["tmux", "-L", f"warroom-look-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]
        self.rc = tmp_path / "rc"

    def __call__(self, *args: str) -> str:
        return subprocess.run(
            [*self.base, *args], capture_output=True, text=True, check=True
        ).stdout

    def start(self, command: str, width: int, height: int) -> None:
        env = {**os.environ, "TERM": "xterm-256color"}
        subprocess.run(
            [
                *self.base,
                *("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "w"),
                f"{command}; echo $? > {self.rc}; sleep 60",
            ],
            check=True,
            env=env,
        )

    def lines(self) -> list[str]:
        return self("capture-pane", "-p", "-t", "w").rstrip("\n").split("\n")

    def wait(self, check, what: str) -> list[str]:
        deadline = time.monotonic() + DEADLINE
        while True:
            lines = self.lines()
            if check(lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(lines))
            time.sleep(0.1)

    def resize(self, width: int, height: int) -> None:
        self("resize-window", "-t", "w", "-x", str(width), "-y", str(height))


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    t = Tmux(tmp_path)
    yield t
    subprocess.run([*t.base, "kill-server"], check=False, capture_output=True)


def _timeline(lines: list[str]) -> list[str]:
    """The rows of the timeline pane, borders included (none while it is not drawn yet)."""
    start = next((i for i, line in enumerate(lines) if "Timeline" in line and "╭" in line), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("╰")), None)
    return lines[start : end + 1] if end is not None else []


def _newest_at_bottom(lines: list[str], text: str) -> bool:
    """`text` is on the timeline's last two rows (the last may be the writer's login, shown
    under the author when it differs): the pane follows."""
    rows = _timeline(lines)
    return len(rows) > 3 and text in " ".join(rows[-3:-1])


def _straight(lines: list[str], width: int) -> bool:
    """No row is wider than the terminal, and every row of the timeline pane (full width)
    has its right border in the last column, whatever the text in it."""
    pane = _timeline(lines)
    return (
        bool(pane)
        and all(cell_len(line.rstrip()) <= width for line in lines)
        and all(cell_len(line.rstrip()) == width and line.rstrip()[-1] in "│╮╯" for line in pane)
    )


def test_header_footer_borders_and_following_at_80x24_and_60x20(
    room: Room, db_path: Path, tmux: Tmux
) -> None:
    room = Room(room.store, room.actor, room.settings, lambda: datetime.now(UTC))  # as the TUI
    incident_id = actions.declare(room, TITLE, "SEV2")
    actions.assign(room, incident_id, "owner", "maya")
    bob = as_person(room, "bob")
    for i in range(80):
        actions.note(bob, incident_id, f"filler {i} " + "x" * (i % 5 * 20))
    tmux.start(f"{sys.executable} -m warroom --db {db_path} --as tester", 80, 24)

    def note_from_shell(text: str) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "warroom",
                "--db",
                str(db_path),
                "--as",
                "carol",
                "note",
                "-i",
                "1",
                text,
            ],
            check=True,
            capture_output=True,
        )

    lines = tmux.wait(
        lambda ls: (
            len(ls) > 2
            and "?Help" in ls[-2].replace(" ", "")
            and "filler 79" in " ".join(_timeline(ls))
        ),
        "the newest entry at 80x24",
    )
    assert _newest_at_bottom(lines, "x" * 20)
    header = lines[0]
    for kept in ("INC-1", "SEV2", "investigating", "due ", "Checkout", "…", "maya"):
        assert kept in header, (kept, header)
    assert "?Help" in (lines[-2] + lines[-1]).replace(" ", ""), "\n".join(lines)
    assert _straight(lines, 80), "\n".join(lines)
    note_from_shell("emoji 👩‍💻 and 🇫🇷 in a note at 80x24")
    lines = tmux.wait(lambda ls: _newest_at_bottom(ls, "at 80x24"), "the note at 80x24")
    assert _straight(lines, 80), "\n".join(lines)
    assert "scrolled up" not in " ".join(lines)

    tmux.resize(60, 20)
    note_from_shell("after the resize to 60x20")
    lines = tmux.wait(lambda ls: _newest_at_bottom(ls, "to 60x20"), "the note at 60x20")
    header = lines[0]
    for kept in ("INC-1", "SEV2", "investigating", "due in ", "…"):
        assert kept in header, (kept, header)
    footer = " ".join(lines[-2:])  # below 22 rows: the first twelve keys, each whole
    for key in ("? Help", "^q Quit", "a Assign", "x Export", "o Follow-up", "t Triage"):
        assert key in footer, "\n".join(lines)
    assert _straight(lines, 60), "\n".join(lines)
    assert "scrolled up" not in " ".join(lines)

    # Resolved from another shell: the review takes the countdown's place, and the
    # timeline still follows.
    subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "status", "resolved"],
        check=True,
        capture_output=True,
    )
    tmux.resize(80, 24)
    tmux.wait(lambda ls: "resolved" in ls[0], "the resolved header")
    note_from_shell("after resolving")
    lines = tmux.wait(lambda ls: _newest_at_bottom(ls, "after resolving"), "the note, resolved")
    assert "scrolled up" not in " ".join(lines)
    assert _straight(lines, 80), "\n".join(lines)

    tmux("send-keys", "-t", "w", "C-q")
    tmux.wait(lambda _: tmux.rc.exists() and tmux.rc.read_text().strip() != "", "the exit")
    assert tmux.rc.read_text().strip() == "0"


def test_a_30_column_split_pane_shows_the_entries_text(
    room: Room, db_path: Path, tmux: Tmux
) -> None:
    # A responder splits their tmux window and keeps the war room in a 30-column pane: the
    # entries' text must be there (Pilot cannot show what tmux's split does to the width).
    room = Room(room.store, room.actor, room.settings, lambda: datetime.now(UTC))  # as the TUI
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    actions.note(as_person(room, "bob"), incident_id, "rollback of checkout-api started")
    tmux.start("sleep 120", 100, 30)
    tmux(
        "split-window",
        "-h",
        "-l",
        "30",
        "-t",
        "w",
        f"{sys.executable} -m warroom --db {db_path} --as tester; echo $? > {tmux.rc}; sleep 60",
    )
    lines = tmux.wait(lambda ls: "Timeline" in " ".join(ls), "the timeline in the split pane")
    assert max(cell_len(line.rstrip()) for line in lines) <= 30
    lines = tmux.wait(
        lambda ls: (
            "rollback of checkout-api started"
            in " ".join(" ".join(row.strip("│ ").split()) for row in _timeline(ls))
        ),
        "the note's text in the 30-column pane",
    )
    tmux("send-keys", "-t", "w", "C-q")
    tmux.wait(lambda _: tmux.rc.exists() and tmux.rc.read_text().strip() != "", "the exit")
    assert tmux.rc.read_text().strip() == "0"


def test_keys_typed_as_a_form_opens_land_in_order_in_a_real_terminal(
    room: Room, db_path: Path, tmux: Tmux
) -> None:
    # One send-keys: the terminal delivers `d`, AAA, Tab, BBB as one burst, as a fast typist's.
    actions.declare(room, "Checkout returns 500s", "SEV2")
    tmux.start(f"{sys.executable} -m warroom --db {db_path} --as tester", 120, 40)
    tmux.wait(lambda ls: "Declared SEV2" in " ".join(ls), "the war room")
    tmux("send-keys", "-t", "w", "d", "AAA", "Tab", "BBB")

    def field_under(lines: list[str], label: str) -> str:
        at = next((i for i, line in enumerate(lines) if label in line), None)
        return " ".join(lines[at + 1].split()) if at is not None and at + 1 < len(lines) else ""

    lines = tmux.wait(
        lambda ls: "BBB" in field_under(ls, "Services (comma"), "BBB in the services field"
    )
    assert "AAA" in field_under(lines, "Title: what is broken")
    assert "BBB" not in field_under(lines, "Title: what is broken")
    tmux("send-keys", "-t", "w", "Escape", "y", "C-q")
    tmux.wait(lambda _: tmux.rc.exists() and tmux.rc.read_text().strip() != "", "the exit")
    assert tmux.rc.read_text().strip() == "0"
