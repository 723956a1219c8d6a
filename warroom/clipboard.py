"""Copy an update to wherever the user can paste it from.

Responders work on laptops, over SSH and inside tmux, so no single clipboard works everywhere.
Inside tmux ($TMUX) the text goes to tmux's own paste buffer with `tmux load-buffer -w -`
(tmux ignores an application's OSC 52 by default; `-w` forwards to the outer terminal's
clipboard where tmux's set-clipboard allows it). Outside tmux: the system clipboard
(pyperclip) on a desktop, the terminal's clipboard via OSC 52 when remote or headless. It is
ALWAYS saved to a file as well (mode 0600, atomically, never through a symlink), so it is
never lost when none of those works.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from warroom.errors import WarroomError
from warroom.safe_files import PRIVATE, Access, write_text
from warroom.safe_text import customer_text

__all__ = [
    "COPY_ERRORS",
    "ENV_FILE",
    "FILE_ONLY",
    "OSC52",
    "SYSTEM",
    "TMUX",
    "ClipboardUnavailable",
    "CopyResult",
    "copy_text",
    "default_copy_file",
    "osc52_sequence",
    "terminal_osc52",
]

ENV_FILE = "WARROOM_CLIPBOARD_FILE"
TMUX = "tmux paste buffer"
SYSTEM = "system clipboard"
OSC52 = "terminal clipboard (OSC 52)"
FILE_ONLY = "file only"


class ClipboardUnavailable(Exception):
    """A clipboard helper cannot copy here (no pyperclip mechanism, no tmux, tmux refused)."""


# What a clipboard method can fail with: our helpers' ClipboardUnavailable (pyperclip's
# PyperclipException and tmux's refusals are turned into it), a missing or broken helper or
# terminal (OSError), and a helper process that failed or hung (SubprocessError, which
# includes TimeoutExpired). Anything else is a bug, and is not taken for "no clipboard".
COPY_ERRORS: tuple[type[Exception], ...] = (
    ClipboardUnavailable,
    OSError,
    subprocess.SubprocessError,
)


@dataclass(frozen=True)
class CopyResult:
    method: str  # SYSTEM | OSC52 | FILE_ONLY
    path: Path  # the file holding the copied text
    # How each method tried before the one that worked failed: "system clipboard: ...".
    failed: tuple[str, ...] = ()

    def describe(self) -> str:
        text = self._describe()
        if self.failed:
            text += f" ({'; '.join(self.failed)})"
        return text

    def _describe(self) -> str:
        if self.method == TMUX:
            # Whether tmux passed it on to the outer terminal depends on its set-clipboard.
            return (
                "Copied to tmux's paste buffer (prefix ] pastes; forwarded to your terminal's"
                f" clipboard if tmux's set-clipboard allows); also saved to {self.path}"
            )
        if self.method == SYSTEM:
            return f"Copied to the system clipboard; also saved to {self.path}"
        if self.method == OSC52:
            # We cannot tell whether the terminal honoured the escape sequence.
            return (
                "Sent to the terminal clipboard (OSC 52, if your terminal allows it); "
                f"also saved to {self.path}"
            )
        return f"No clipboard worked; saved to {self.path}"


def default_copy_file(environ: Mapping[str, str] | None = None) -> Path:
    """``WARROOM_CLIPBOARD_FILE`` if set, else ``<user state dir>/warroom/last-update.txt``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_FILE, "").strip():
        return Path(env[ENV_FILE]).expanduser()
    import platformdirs  # only needed for the default location

    return Path(platformdirs.user_state_dir("warroom")) / "last-update.txt"


def copy_text(
    text: str,
    *,
    osc52: Callable[[str], None] | None = None,
    file_path: Path | None = None,
    use_system: bool = True,
    system_copy: Callable[[str], None] | None = None,
    tmux_copy: Callable[[str], None] | None = None,
    environ: Mapping[str, str] | None = None,
    access: Access = PRIVATE,
) -> CopyResult:
    """Save ``text`` to the copy file, then put it on the best clipboard available.

    ``osc52`` sends text to the terminal clipboard (the TUI passes ``app.copy_to_clipboard``;
    the CLI can use ``terminal_osc52()``). ``system_copy`` replaces pyperclip (for tests).
    """
    # Customer text is pasted into chat and status pages: no control characters, whatever a
    # template or a responder put in it (an OSC 52 payload would carry them to a terminal).
    text = customer_text(text)
    path = Path(file_path) if file_path is not None else default_copy_file()
    _write_private(path, text, access)  # first, so the text survives whatever the clipboards do

    system: Callable[[str], None] | None = None
    if use_system:
        system = system_copy if system_copy is not None else _pyperclip_copy
    attempts: list[tuple[str, Callable[[str], None] | None]] = [(SYSTEM, system), (OSC52, osc52)]
    if _prefer_terminal(environ):
        attempts.reverse()
    env = os.environ if environ is None else environ
    if env.get("TMUX"):
        # tmux swallows OSC 52 from applications by default: its own buffer is what works.
        attempts.insert(0, (TMUX, tmux_copy if tmux_copy is not None else tmux_load_buffer))
    failed: list[str] = []
    for method, copy in attempts:
        if copy is None:
            continue
        try:
            copy(text)
        except COPY_ERRORS as exc:
            # The text is already in the file: try the next method, and say why this one
            # did not work.
            failed.append(f"{method} failed: {_why(exc)}")
            continue
        return CopyResult(method, path, tuple(failed))
    return CopyResult(FILE_ONLY, path, tuple(failed))


def _why(exc: Exception) -> str:
    """One short line for a failed copy method."""
    if isinstance(exc, subprocess.TimeoutExpired):
        why = f"no answer in {exc.timeout:g} s"
    elif isinstance(exc, FileNotFoundError) and exc.filename:
        why = f"{exc.filename} not found"
    else:
        why = " ".join(str(exc).split()) or type(exc).__name__
    return why if len(why) <= 100 else why[:99] + "…"


def _prefer_terminal(environ: Mapping[str, str] | None = None) -> bool:
    """Over SSH, or on Linux with no display, the system clipboard is not the user's."""
    env = os.environ if environ is None else environ
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        return True
    return sys.platform.startswith("linux") and not (
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    )


def tmux_load_buffer(text: str) -> None:
    """`tmux load-buffer -w -` (tmux 3.2+), or without -w on an older tmux."""
    import shutil

    tmux = shutil.which("tmux")
    if tmux is None:
        raise ClipboardUnavailable("tmux is not on PATH")
    data = text.encode("utf-8")
    for args in (["load-buffer", "-w", "-"], ["load-buffer", "-"]):
        done = subprocess.run(
            [tmux, *args], input=data, capture_output=True, timeout=5, check=False
        )
        if done.returncode == 0:
            return
    raise ClipboardUnavailable(
        done.stderr.decode("utf-8", "replace").strip() or "tmux load-buffer failed"
    )


def _pyperclip_copy(text: str) -> None:
    # Imported lazily: pyperclip probes for helpers at first use and is not needed otherwise.
    try:
        import pyperclip
    except ImportError as exc:
        raise ClipboardUnavailable("pyperclip is not installed") from exc
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as exc:  # no working copy mechanism here
        raise ClipboardUnavailable(str(exc)) from exc


def _write_private(path: Path, text: str, access: Access) -> None:
    """Write ``text`` to ``path`` atomically with ``access`` (0600 unless the database is a
    team's), creating parent folders; a symlink or device there is refused, never followed."""
    try:
        write_text(path, text, access=access, overwrite=True, make_parents=True)
    except WarroomError as exc:
        raise WarroomError(f"cannot save the copied text to {path}: {exc.message}") from None


def osc52_sequence(text: str) -> str:
    """The OSC 52 escape sequence that asks the terminal to put ``text`` on its clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\x07"


def terminal_osc52() -> Callable[[str], None] | None:
    """An OSC 52 sender writing to /dev/tty for the CLI, or None when stdout is not a terminal."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # replaced or closed stdout
        return None

    def send(text: str) -> None:
        # /dev/tty, not stdout, so the escape never ends up in a pipe or redirected file.
        with open("/dev/tty", "w", encoding="ascii") as tty:
            tty.write(osc52_sequence(text))
            tty.flush()

    return send
