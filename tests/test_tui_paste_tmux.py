"""Issue 11 part 2 in a real terminal: a 5,000-line log pasted with tmux, bracketed
(`paste-buffer -p`) and raw (each line break arrives as Enter), ends as one whole note."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from warroom import actions
from warroom.actions import Room
from warroom.views import entries_of_kinds

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
DEADLINE = 60.0


def log_lines() -> list[str]:
    return [
        f"  {i:05d} ERROR checkout payment timeout after 30000ms upstream=10.0.0.{i % 250}"
        f" trace={i:032x}\tretry=3"
        for i in range(5000)
    ]


class Tmux:
    def __init__(self, tmp_path: Path) -> None:
        self.cmd = ["tmux", "-L", f"warroom-paste-{uuid.uuid4().hex[:8]}", "-f", "/dev/null"]
        self.tmp = tmp_path

    def __call__(self, *args: str) -> str:
        return subprocess.run([*self.cmd, *args], capture_output=True, text=True, check=True).stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "w")

    def wait(self, needle: str) -> float:
        started = time.monotonic()
        while needle not in self.screen():
            if time.monotonic() - started > DEADLINE:
                raise AssertionError(f"timed out waiting for {needle!r}: {self.screen()}")
            time.sleep(0.02)
        return time.monotonic() - started


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("bracketed", [True, False], ids=["bracketed", "raw"])
def test_a_5000_line_paste_is_one_whole_note(
    room: Room, db_path: Path, tmp_path: Path, bracketed: bool
) -> None:
    incident = actions.declare(room, "Checkout returns 500s", "SEV2")
    lines = log_lines()
    log = tmp_path / "log.txt"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmux = Tmux(tmp_path)
    pid_file = tmp_path / "pid"
    command = f"echo $$ > {pid_file}; exec {sys.executable} -m warroom --db {db_path} --as tester"
    tmux(
        "new-session", "-d", "-x", "120", "-y", "40", "-s", "w",
        f"env TERM=xterm-256color sh -c '{command}'",
    )  # fmt: skip
    tmux("set-option", "-t", "w", "remain-on-exit", "on")  # a crash stays readable
    try:
        tmux.wait("Checkout returns 500s")
        tmux("send-keys", "-t", "w", "n")
        time.sleep(0.3)
        tmux("load-buffer", str(log))
        tmux("paste-buffer", *(["-p"] if bracketed else []), "-t", "w")
        tmux.wait("Note: 5,000 lines")
        # Keys still answered at once: type into the editor, then add the note.
        tmux("send-keys", "-t", "w", "-l", "END")
        tmux.wait("END")
        tmux("send-keys", "-t", "w", "C-s")
        tmux.wait("4,998 more lines")
        # The war room answers keys after it: the help screen opens.
        tmux("send-keys", "-t", "w", "?")
        tmux.wait("Help: every key")
        pid = int(pid_file.read_text())
        assert rss_kib(pid) < 200 * 1024
    finally:
        tmux("kill-server")
    with room.read() as conn:
        notes = [e.text for e in entries_of_kinds(conn, incident, ("note",))]
    assert len(notes) == 1
    assert notes[0] == "\n".join(lines) + "\nEND"  # typed after the paste's last line break


def test_a_raw_paste_of_a_coloured_log_is_one_note_not_keys(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """Without bracketed paste, the first colour code in a log ended the paste: the rest ran
    as keys, and its letters opened forms and logged a mitigation (drill)."""
    incident = actions.declare(room, "Checkout returns 500s", "SEV2")
    lines = [
        f"\x1b[31m{i:04d} ERROR\x1b[0m upstream timeout, mitigate by retry" for i in range(2000)
    ]
    log = tmp_path / "log.txt"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmux = Tmux(tmp_path)
    command = f"exec {sys.executable} -m warroom --db {db_path} --as tester"
    tmux(
        "new-session", "-d", "-x", "120", "-y", "40", "-s", "w",
        f"env TERM=xterm-256color sh -c '{command}'",
    )  # fmt: skip
    try:
        tmux.wait("Checkout returns 500s")
        tmux("send-keys", "-t", "w", "n")
        time.sleep(0.3)
        tmux("load-buffer", str(log))
        tmux("paste-buffer", "-t", "w")  # raw: no bracketed-paste markers
        tmux.wait("Note: 2,000 lines")
        tmux("send-keys", "-t", "w", "C-s")
        tmux.wait("(e: open whole)")  # the note on the timeline, folded
    finally:
        tmux("kill-server")
    with room.read() as conn:
        kinds = [e.kind for e in entries_of_kinds(conn, incident, ("note", "mitigation", "triage"))]
        notes = [e.text for e in entries_of_kinds(conn, incident, ("note",))]
    assert kinds == ["note"]
    # Stored whole, its colour codes made inert as in a bracketed paste.
    assert notes[0].count("\n") == 1999 and "\x1b" not in notes[0]
    assert notes[0].splitlines()[1] == "␛0001 ERROR␛ upstream timeout, mitigate by retry"
