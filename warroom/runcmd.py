"""Running a command for `warroom run` on the user's own terminal while keeping a copy of its
output.

On a terminal the command gets a pseudo-terminal of its own (as `script(1)` does): it sees a
tty, so it keeps its colours, line buffering, prompts and full-screen modes; our terminal is
put in raw mode and every byte is relayed both ways, so Ctrl-C, Ctrl-D and arrow keys reach the
command as if it were run bare, and the window size follows ours. When stdin or stdout is not a
terminal (a script, CI) the command inherits stdin and its stdout/stderr are teed through pipes.

Only the standard library's light modules are imported here: this runs before the rest of
warroom is imported, so the command starts within a few milliseconds of `warroom run`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time

TYPE_CHECKING = False  # not typing's: it would be imported before CMD starts (launch.py)
if TYPE_CHECKING:
    from collections.abc import Callable

# Kept of the output: the first and the last half of this many bytes; what lies between is
# counted, not kept (a failing command's last lines matter most).
KEEP_BYTES = 1024 * 1024


class Captured:
    """What happened: exit status or signal, wall time, the output kept."""

    __slots__ = ("duration_s", "exit_code", "head", "open_line", "signal", "tail", "total", "tty")

    def __init__(self) -> None:
        self.exit_code: int | None = None
        self.signal: int | None = None
        self.duration_s = 0.0
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.tty = False
        # The output last written where warroom's stderr goes did not end its line (or was
        # ^C's echo): warroom's own message must start on a new line.
        self.open_line = False

    @property
    def status(self) -> int:
        """The status a shell would report: the exit code, or 128 + the signal."""
        if self.signal is not None:
            return 128 + self.signal
        return self.exit_code if self.exit_code is not None else 1

    def keep(self, chunk: bytes, limit: int = KEEP_BYTES) -> None:
        self.total += len(chunk)
        half = limit // 2
        room = half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * half:  # trim now and then, not on every chunk
                del self.tail[: len(self.tail) - half]

    def output(self, limit: int = KEEP_BYTES) -> tuple[str, int]:
        """The output kept, as text, and how many bytes were left out of it."""
        half = limit // 2
        tail = bytes(self.tail[-half:]) if len(self.tail) > half else bytes(self.tail)
        omitted = self.total - len(self.head) - len(tail)
        head_text = _decode(bytes(self.head))
        tail_text = _decode(tail)
        if self.tty:
            # The pty turned each newline into CRLF on its way out; store what was written.
            head_text = head_text.replace("\r\n", "\n")
            tail_text = tail_text.replace("\r\n", "\n")
        if omitted > 0:
            return f"{head_text}\n\u2026 {omitted:,} bytes not kept \u2026\n{tail_text}", omitted
        return head_text + tail_text, 0


def _decode(data: bytes) -> str:
    # Invalid UTF-8 becomes U+FFFD: SQLite text cannot hold it as it was.
    return data.decode("utf-8", errors="replace")


def find_program(name: str) -> str | None:
    """The path CMD runs from, as execvp would find it; None when there is none."""
    if "/" in name:
        return name if os.access(name, os.X_OK) and not os.path.isdir(name) else None
    for folder in os.get_exec_path():
        path = os.path.join(folder or ".", name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except InterruptedError:
            continue
        except BlockingIOError:
            select.select([], [fd], [])
            continue
        view = view[written:]


def _shares_stderr(fd: int) -> bool:
    """Whether what is written to fd lands where our stderr does (the same terminal or file)."""
    if fd == 2:
        return True
    try:
        return os.path.samestat(os.fstat(fd), os.fstat(2))
    except OSError:
        return False


def _wrote(result: Captured, chunk: bytes, shared: bool) -> None:
    if shared and chunk:
        result.open_line = not chunk.endswith(b"\n")


def _set_status(result: Captured, status: int) -> None:
    if os.WIFSIGNALED(status):
        result.signal = os.WTERMSIG(status)
    else:
        result.exit_code = os.waitstatus_to_exitcode(status)


def _nothing() -> None:
    return None


def run(argv: list[str], on_started: Callable[[], None] = _nothing) -> Captured:
    """Run argv to completion on this terminal, relaying and keeping its output.
    `on_started` is called once the command runs (threads must start after the fork)."""
    if os.isatty(0) and os.isatty(1):
        return _run_pty(argv, on_started)
    return _run_pipes(argv, on_started)


# --- on a terminal ----------------------------------------------------------------------------


def _run_pty(argv: list[str], on_started: Callable[[], None]) -> Captured:
    import fcntl
    import termios
    import tty

    result = Captured()
    result.tty = True
    try:
        winsize = fcntl.ioctl(1, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        winsize = None
    started = time.monotonic()
    # Ignored from before the fork: a Ctrl-C in the moment CMD starts must not stop warroom.
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid, master = os.forkpty()
    if pid == 0:  # the child: exec at once
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # an ignored signal stays so in exec
            if winsize is not None:
                fcntl.ioctl(0, termios.TIOCSWINSZ, winsize)
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"warroom run: {argv[0]}: {exc.strerror}\r\n".encode())
        os._exit(127)

    saved = termios.tcgetattr(0)
    on_started()
    shared = _shares_stderr(1)
    forwarded: list[int] = []

    def on_winch(signum: int, frame: object) -> None:
        try:
            size = fcntl.ioctl(1, termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(master, termios.TIOCSWINSZ, size)
        except OSError:
            pass  # the terminal went away; the command keeps its last size

    def forward(signum: int, frame: object) -> None:
        # Asked to stop (SIGTERM, the terminal closing): pass it on and record how it ended.
        forwarded.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    old_handlers = {
        signal.SIGWINCH: signal.signal(signal.SIGWINCH, on_winch),
        # Ctrl-C is a byte for the command's own terminal now; a SIGINT sent to us directly
        # must not stop warroom before it records the result (ignored since before the fork).
        signal.SIGINT: old_int,
        signal.SIGTERM: signal.signal(signal.SIGTERM, forward),
        signal.SIGHUP: signal.signal(signal.SIGHUP, forward),
    }
    stdin_open = True
    status: int | None = None
    try:
        tty.setraw(0, termios.TCSANOW)
        while True:
            fds = [master, 0] if stdin_open else [master]
            try:
                ready, _, _ = select.select(fds, [], [], 0.2)
            except InterruptedError:
                continue
            if master in ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every holder of the pty's other side has closed it
                    chunk = b""
                if not chunk:
                    break
                result.keep(chunk)
                _wrote(result, chunk, shared)
                # Our terminal gone: keep capturing until the command ends.
                with contextlib.suppress(OSError):
                    _write_all(1, chunk)
            if 0 in ready:
                try:
                    data = os.read(0, 65536)
                except OSError:
                    data = b""
                if data:
                    _write_all(master, data)
                else:
                    stdin_open = False
            if status is None and not ready:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    # Exited, but something it started may hold the pty open: take what is
                    # already written, then stop.
                    status = st
                    _drain(master, result, shared)
                    break
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
        for signum, handler in old_handlers.items():
            signal.signal(signum, handler)
    if status is None:
        _, status = os.waitpid(pid, 0)
    os.close(master)
    result.duration_s = time.monotonic() - started
    _set_status(result, status)
    return result


def _drain(master: int, result: Captured, shared: bool) -> None:
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if not ready:
            return
        try:
            chunk = os.read(master, 65536)
        except OSError:
            return
        if not chunk:
            return
        result.keep(chunk)
        _wrote(result, chunk, shared)
        try:
            _write_all(1, chunk)
        except OSError:
            return


# --- not on a terminal: pipes -----------------------------------------------------------------


def _run_pipes(argv: list[str], on_started: Callable[[], None]) -> Captured:
    result = Captured()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    # Ctrl-C on the terminal reaches the command (same process group); warroom waits for it
    # to end and records how it did. Ignored from before the spawn (CMD gets the default back
    # through setsigdef), so a Ctrl-C in the moment CMD starts cannot stop warroom.
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pid = os.posix_spawnp(
            argv[0],
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
                (os.POSIX_SPAWN_CLOSE, out_r),
                (os.POSIX_SPAWN_CLOSE, err_r),
            ],
            setsigdef=(signal.SIGINT, signal.SIGTERM, signal.SIGHUP),
        )
    except BaseException:
        signal.signal(signal.SIGINT, old_int)
        raise
    finally:
        os.close(out_w)
        os.close(err_w)
    on_started()

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    old_term = signal.signal(signal.SIGTERM, forward)
    try:
        targets = {out_r: 1, err_r: 2}
        shared = {out_r: _shares_stderr(1), err_r: True}
        while targets:
            try:
                ready, _, _ = select.select(list(targets), [], [])
            except InterruptedError:
                continue
            for fd in ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    os.close(fd)
                    del targets[fd]
                    continue
                result.keep(chunk)
                _wrote(result, chunk, shared[fd])
                # Our reader left (`| head`): the command still runs to its end.
                with contextlib.suppress(BrokenPipeError):
                    _write_all(targets[fd], chunk)
        _, status = os.waitpid(pid, 0)
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    result.duration_s = time.monotonic() - started
    _set_status(result, status)
    return result
