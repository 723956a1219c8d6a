"""Issue 10 point 4: inside tmux, copy goes through tmux's own buffer (a real tmux server,
read back with show-buffer), and the message says where the text went, path whole."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from warroom import actions
from warroom.actions import Room
from warroom.clipboard import TMUX, copy_text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TEXT = "Investigating: checkout errors\n\nNext update by 14:30 UTC — ünïcode ✓\n"


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    socket = f"warroom-comms-{uuid.uuid4().hex[:8]}"
    cmd = ["tmux", "-L", socket, "-f", "/dev/null"]  # not the developer's ~/.tmux.conf
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TMUX", None)
    subprocess.run(
        [*cmd, "new-session", "-d", "-x", "160", "-y", "30", "-s", "w", "sh"], check=True, env=env
    )
    yield cmd
    subprocess.run([*cmd, "kill-server"], check=False)


def show_buffer(tmux: list[str]) -> str:
    return subprocess.run([*tmux, "show-buffer"], capture_output=True, check=True, text=True).stdout


def test_copy_inside_tmux_reaches_the_tmux_buffer(
    tmux: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket = subprocess.run(
        [*tmux, "display", "-p", "#{socket_path},#{pid},0"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout.strip()
    monkeypatch.setenv("TMUX", socket)
    osc: list[str] = []
    target = tmp_path / "copied.txt"
    result = copy_text(TEXT, osc52=osc.append, file_path=target, system_copy=osc.append)
    assert result.method == TMUX
    assert show_buffer(tmux) == TEXT
    assert osc == []  # tmux would have swallowed OSC 52 anyway
    assert target.read_text() == TEXT
    assert f"also saved to {target}" in result.describe()
    assert result.describe().startswith("Copied to tmux's paste buffer")


def test_cli_copy_from_a_tmux_pane(tmux: list[str], room: Room, db_path: Path, tmp_path: Path):
    actions.declare(room, "Checkout returns 500s", "SEV2")
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    copy_file = tmp_path / "a folder with spaces" / "last-update.txt"
    command = (
        f"WARROOM_CLIPBOARD_FILE='{copy_file}' {sys.executable} -m warroom --db {db_path}"
        f" update --copy > {out} 2> {err}; echo done >> {err}"
    )
    subprocess.run([*tmux, "send-keys", "-t", "w", "-l", command], check=True)
    subprocess.run([*tmux, "send-keys", "-t", "w", "Enter"], check=True)
    deadline = time.monotonic() + 30
    while not (err.exists() and "done" in err.read_text()):
        assert time.monotonic() < deadline, "timed out waiting for warroom update --copy"
        time.sleep(0.1)
    assert show_buffer(tmux) == out.read_text()
    assert "Investigating: Checkout returns 500s" in show_buffer(tmux)
    assert "Copied to tmux's paste buffer" in err.read_text()
    assert str(copy_file) in err.read_text()  # the path whole, spaces and all
    assert copy_file.read_text() == out.read_text()
