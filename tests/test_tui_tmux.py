"""The real app in a real terminal (tmux): start, add a note from the keyboard, quit with 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from warroom import actions
from warroom.room import Room

pytestmark = pytest.mark.slow

DEADLINE = 30.0


def _wait_for(check, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_app_in_tmux(room: Room, db_path: Path, tmp_path: Path) -> None:
    actions.declare(room, "Checkout returns 500s", "SEV2")
    socket = f"warroom-test-{uuid.uuid4().hex[:8]}"
    session = "warroom"
    rc_file = tmp_path / "rc"
    command = (
        f"{sys.executable} -m warroom --db {db_path} --as tester; echo $? > {rc_file}; sleep 60"
    )
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]  # not the developer's ~/.tmux.conf
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "120", "-y", "40", "-s", session, command],
        check=True,
        env=env,
    )
    try:

        def screen() -> str:
            return subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=True,
            ).stdout

        _wait_for(lambda: "Checkout returns 500s" in screen(), "the incident title")
        _wait_for(lambda: "Declared SEV2" in screen(), "the timeline")
        subprocess.run([*tmux, "send-keys", "-t", session, "n"], check=True)
        subprocess.run(
            [*tmux, "send-keys", "-t", session, "-l", "typed in tmux [bold]"], check=True
        )
        subprocess.run([*tmux, "send-keys", "-t", session, "Enter"], check=True)
        _wait_for(lambda: "tester" in screen() and "typed in tmux [bold]" in screen(), "the note")
        subprocess.run([*tmux, "send-keys", "-t", session, "C-q"], check=True)
        _wait_for(lambda: rc_file.exists() and rc_file.read_text().strip(), "the exit status")
        assert rc_file.read_text().strip() == "0"
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    with room.read() as conn:
        from warroom.views import entries_of_kinds

        assert [e.text for e in entries_of_kinds(conn, 1, ("note",))] == ["typed in tmux [bold]"]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_keys_typed_while_the_war_room_starts_go_to_its_incident(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    # `warroom -i INC-1`, Enter, then at once n and a note, sent in one burst: the keys wait
    # on the terminal while warroom starts. They got "No incident yet" and ran as commands.
    actions.declare(room, "Checkout returns 500s", "SEV2")
    socket = f"warroom-test-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    env = {**os.environ, "TERM": "xterm-256color", "PS1": "$ "}
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "100", "-y", "30", "-s", "w", "sh"],
        check=True,
        env=env,
    )

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "w"], capture_output=True, text=True, check=True
        ).stdout

    try:
        line = f"{sys.executable} -m warroom --db {db_path} --as tester -i INC-1"
        subprocess.run([*tmux, "send-keys", "-t", "w", "-l", line], check=True)
        subprocess.run([*tmux, "send-keys", "-t", "w", "Enter"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", "w", "-l", "nhello there"], check=True)
        _wait_for(lambda: "Declared SEV2" in screen(), "the war room")
        # The note field's row (capture-pane drops the spaces after the text).
        _wait_for(lambda: " hello there" in screen().splitlines(), "the note in its field")
        assert "No incident yet" not in screen()
        subprocess.run([*tmux, "send-keys", "-t", "w", "Enter"], check=True)
        from warroom.views import entries_of_kinds

        def notes() -> list[str]:
            with room.read() as conn:
                return [e.text for e in entries_of_kinds(conn, 1, ("note",))]

        _wait_for(lambda: bool(notes()), "the note")
        assert notes() == ["hello there"]
        assert "No incident yet" not in screen()
        subprocess.run([*tmux, "send-keys", "-t", "w", "C-q"], check=True)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
