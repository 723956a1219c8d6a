"""Clipboard: method selection with fakes (never a real clipboard) and the always-written file."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from warroom import clipboard
from warroom.clipboard import (
    FILE_ONLY,
    OSC52,
    SYSTEM,
    ClipboardUnavailable,
    CopyResult,
    copy_text,
    osc52_sequence,
)
from warroom.errors import WarroomError

TEXT = "Investigating: checkout errors\n\nWe are on it — next update by 17:20 CEST.\r\nend"


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[str] = []

    def __call__(self, text: str) -> None:
        self.calls.append(text)
        if self.fail:
            raise ClipboardUnavailable("no clipboard here")


@pytest.fixture(autouse=True)
def desktop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A local desktop session; the default copy file lives in tmp_path."""
    for name in ("SSH_CONNECTION", "SSH_TTY", "WAYLAND_DISPLAY", "TMUX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    target = tmp_path / "env" / "copied.txt"
    monkeypatch.setenv("WARROOM_CLIPBOARD_FILE", str(target))
    # conftest replaces pyperclip with a fake that always fails; tests here patch its copy().
    return target


def assert_file(path: Path, text: str = TEXT) -> None:
    assert path.read_bytes() == text.encode("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_system_clipboard_when_it_works(desktop: Path) -> None:
    system, osc = Recorder(), Recorder()
    result = copy_text(TEXT, osc52=osc, system_copy=system)
    assert result == CopyResult(SYSTEM, desktop)
    assert system.calls == [TEXT]
    assert osc.calls == []
    assert_file(desktop)
    assert result.describe() == f"Copied to the system clipboard; also saved to {desktop}"


def test_system_failing_falls_back_to_osc52(desktop: Path) -> None:
    system, osc = Recorder(fail=True), Recorder()
    result = copy_text(TEXT, osc52=osc, system_copy=system)
    assert result.method == OSC52
    assert osc.calls == [TEXT]
    assert_file(desktop)
    assert "terminal clipboard (OSC 52" in result.describe()
    assert str(desktop) in result.describe()


@pytest.mark.parametrize("var", ["SSH_CONNECTION", "SSH_TTY"])
def test_ssh_prefers_osc52(monkeypatch: pytest.MonkeyPatch, desktop: Path, var: str) -> None:
    monkeypatch.setenv(var, "10.0.0.1 5000 10.0.0.2 22")
    system, osc = Recorder(), Recorder()
    result = copy_text(TEXT, osc52=osc, system_copy=system)
    assert result.method == OSC52
    assert system.calls == []
    assert_file(desktop)


def test_headless_linux_prefers_osc52(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY")
    system, osc = Recorder(), Recorder()
    assert copy_text(TEXT, osc52=osc, system_copy=system).method == OSC52
    assert system.calls == []


def test_ssh_with_failing_osc52_still_tries_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_TTY", "/dev/pts/3")
    system, osc = Recorder(), Recorder(fail=True)
    assert copy_text(TEXT, osc52=osc, system_copy=system).method == SYSTEM
    assert system.calls == [TEXT]


def test_neither_gives_file_only(desktop: Path) -> None:
    result = copy_text(TEXT, system_copy=Recorder(fail=True))
    assert result.method == FILE_ONLY and result.path == desktop
    assert_file(desktop)
    assert result.describe() == (
        f"No clipboard worked; saved to {desktop} (system clipboard failed: no clipboard here)"
    )


def test_each_failed_method_is_named_with_its_reason_in_one_line(
    monkeypatch: pytest.MonkeyPatch, desktop: Path
) -> None:
    import subprocess

    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,1,0")

    def hung_tmux(text: str) -> None:
        raise subprocess.TimeoutExpired(["tmux", "load-buffer", "-w", "-"], 5)

    def no_terminal(text: str) -> None:
        raise FileNotFoundError(2, "No such device or address", "/dev/tty")

    result = copy_text(TEXT, osc52=no_terminal, system_copy=Recorder(), tmux_copy=hung_tmux)
    assert result.method == SYSTEM
    assert result.failed == ("tmux paste buffer failed: no answer in 5 s",)
    described = result.describe()
    assert described.endswith("(tmux paste buffer failed: no answer in 5 s)")
    assert "\n" not in described
    result = copy_text(TEXT, osc52=no_terminal, use_system=False, tmux_copy=hung_tmux)
    assert result.method == FILE_ONLY
    assert result.failed == (
        "tmux paste buffer failed: no answer in 5 s",
        "terminal clipboard (OSC 52) failed: /dev/tty not found",
    )


def test_a_bug_in_a_copy_method_is_not_taken_for_no_clipboard(desktop: Path) -> None:
    # The broad `except Exception` hid every bug in a helper as "no clipboard available".
    def broken(text: str) -> None:
        raise TypeError("a bug, not a missing clipboard")

    with pytest.raises(TypeError):
        copy_text(TEXT, system_copy=broken)
    assert_file(desktop)  # the text was saved first, all the same


def test_use_system_false_skips_system(desktop: Path) -> None:
    system = Recorder()
    assert copy_text(TEXT, use_system=False, system_copy=system).method == FILE_ONLY
    assert system.calls == []


def test_pyperclip_is_used_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    monkeypatch.setattr(sys.modules["pyperclip"], "copy", copied.append)
    assert copy_text(TEXT).method == SYSTEM
    assert copied == [TEXT]


def test_pyperclip_without_mechanism_falls_back() -> None:
    # The autouse fake raises PyperclipException, like pyperclip with no copy helper.
    osc = Recorder()
    assert copy_text(TEXT, osc52=osc).method == OSC52
    assert osc.calls == [TEXT]


def test_explicit_path_beats_env_and_replaces_loose_file(tmp_path: Path, desktop: Path) -> None:
    target = tmp_path / "deep" / "er" / "last.txt"
    target.parent.mkdir(parents=True)
    target.write_text("old, longer text that must go away")
    target.chmod(0o644)
    result = copy_text("new", file_path=target, use_system=False)
    assert result.path == target
    assert_file(target, "new")
    assert not desktop.exists()
    assert list(target.parent.iterdir()) == [target]  # no temp files left behind


def test_default_path_is_user_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import platformdirs

    monkeypatch.delenv("WARROOM_CLIPBOARD_FILE")
    monkeypatch.setattr(platformdirs, "user_state_dir", lambda app: str(tmp_path / "state" / app))
    result = copy_text(TEXT, use_system=False)
    assert result.path == tmp_path / "state" / "warroom" / "last-update.txt"
    assert_file(result.path)


def test_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WarroomError, match="cannot save the copied text to"):
        copy_text(TEXT, file_path=blocker / "sub" / "last.txt", system_copy=Recorder())


def test_osc52_sequence() -> None:
    assert osc52_sequence("hi ✓") == "\x1b]52;c;aGkg4pyT\x07"


def test_terminal_osc52_needs_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", open(__file__, encoding="utf-8"))  # noqa: SIM115
    try:
        assert clipboard.terminal_osc52() is None
    finally:
        sys.stdout.close()
