"""Benchmarks for issue 11: `warroom run`'s overhead over running CMD bare, and a 5,000-line
paste into the war room (time until the note is stored, peak memory, a key after it)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from util import (
    PY,
    Figure,
    capture,
    env_for,
    have_tmux,
    make_incident,
    median,
    pane_pid,
    run_quiet,
    timed_runs,
    tmux,
    tmux_session,
)

HERE = Path(__file__).resolve().parent
WARROOM = str(Path(PY).with_name("warroom"))  # the installed entry point users run


def run_overhead(tmp: Path, repeat: int) -> list[Figure]:
    db = tmp / "run.db"
    make_incident(db)
    env = env_for(db)
    # An installed package has bytecode; a sandbox with PYTHONDONTWRITEBYTECODE=1 may not, and
    # compiling warroom's modules on every run would be counted as the overhead.
    run_quiet(
        [
            PY,
            "-c",
            "import compileall, os, warroom;"
            "compileall.compile_dir(os.path.dirname(warroom.__file__), quiet=1)",
        ],
        env,
    )
    figures = []
    n = max(repeat, 9)
    # A command that returns at once shows the whole cost (Python start, then importing
    # warroom and opening the file, then the write); one that takes a while, as a rollback
    # does, hides all but the write, because warroom prepares while CMD runs.
    for label, script in (("instant CMD", "echo rolled back"), ("0.5 s CMD", "sleep 0.5")):
        cmd = ["sh", "-c", script]
        bare = timed_runs(lambda cmd=cmd: run_quiet(cmd), n)
        ours = timed_runs(lambda cmd=cmd: run_quiet([WARROOM, "run", "--", *cmd], env), n)
        overhead = (median(ours) - median(bare)) * 1000
        figures.append(
            Figure(
                f"warroom run overhead, {label} (median)",
                overhead,
                "ms",
                median(bare) * 1000,
                "CMD run bare",
                "<= 50 ms",
                overhead <= 50,
            )
        )
    py = median(timed_runs(lambda: run_quiet([PY, "-c", "pass"]), n)) * 1000
    figures.append(Figure("python -c pass (for scale)", py, "ms"))
    return figures


def _log(path: Path, lines: int = 5000) -> str:
    text = "\n".join(
        f"  {i:05d} ERROR checkout payment timeout after 30000ms upstream=10.0.0.{i % 250}"
        f" trace={i:032x} retry=3"
        for i in range(lines)
    )
    path.write_text(text + "\n", encoding="utf-8")
    return text


def _notes(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("select count(*) from timeline where kind='note'").fetchone()[0])


def _hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def _wait(session: str, needle: str, timeout: float = 60.0) -> float:
    start = time.perf_counter()
    while needle not in capture(session):
        if time.perf_counter() - start > timeout:
            raise TimeoutError(f"{needle!r} never appeared; the screen:\n{capture(session)}")
        time.sleep(0.005)
    return time.perf_counter() - start


def _paste_once(tmp: Path, log: Path, bracketed: bool) -> tuple[float, float, float]:
    """(seconds from paste to note stored, peak RSS MB, seconds for a key after it)."""
    db = tmp / f"paste-{time.monotonic_ns()}.db"
    make_incident(db)
    before = _notes(db)
    with tmux_session(f"exec {PY} -m warroom --db {db} --as bench") as session:
        _wait(session, "Checkout")
        pid = pane_pid(session)
        tmux("send-keys", "-t", session, "n")
        time.sleep(0.2)
        tmux("load-buffer", str(log))
        start = time.perf_counter()
        tmux("paste-buffer", *(["-p"] if bracketed else []), "-t", session)
        _wait(session, "Note: 5,000 lines")
        tmux("send-keys", "-t", session, "C-s")
        while _notes(db) == before:
            if time.perf_counter() - start > 60:
                raise TimeoutError("the note was never stored")
            time.sleep(0.002)
        stored = time.perf_counter() - start
        _wait(session, "4,997 more lines")
        key_start = time.perf_counter()
        tmux("send-keys", "-t", session, "?")
        _wait(session, "Help: every key")
        key = time.perf_counter() - key_start
        peak = _hwm_mb(pid)
    return stored, peak, key


def _key_floor(tmp: Path) -> float:
    # A new file each time: a second make_incident into one file opens a second incident,
    # and the war room then asks which one (-i) instead of opening.
    db = tmp / f"keyfloor-{time.monotonic_ns()}.db"
    make_incident(db)
    with tmux_session(f"exec {PY} -m warroom --db {db} --as bench") as session:
        _wait(session, "Checkout")
        start = time.perf_counter()
        tmux("send-keys", "-t", session, "?")
        _wait(session, "Help: every key")
        return time.perf_counter() - start


def paste(tmp: Path, repeat: int) -> list[Figure]:
    if not have_tmux():
        return [Figure("paste", float("nan"), "ms", target="(tmux missing: skipped)")]
    log = tmp / "log5k.txt"
    _log(log)
    db = tmp / "cli-note.db"
    make_incident(db)
    floor = median(
        timed_runs(lambda: run_quiet([PY, "-m", "warroom", "note", "--file", str(log)],
                                     env_for(db)), 3)
    )  # fmt: skip
    key_floor = median([_key_floor(tmp) for _ in range(3)])
    figures = []
    n = max(2, repeat // 5)
    for bracketed in (True, False):
        runs = [_paste_once(tmp, log, bracketed) for _ in range(n)]
        stored = median([r[0] for r in runs])
        peak = max(r[1] for r in runs)
        key = median([r[2] for r in runs])
        how = "bracketed" if bracketed else "raw (Enter per line)"
        figures += [
            Figure(
                f"5,000-line paste, {how}: paste -> note stored",
                stored * 1000,
                "ms",
                floor * 1000,
                "warroom note --file (same text)",
                "< 2 s",
                stored < 2,
            ),
            Figure(
                f"5,000-line paste, {how}: peak RSS",
                peak,
                "MB",
                target="< 200 MB",
                ok=peak < 200,
            ),
            Figure(
                f"5,000-line paste, {how}: ? key after it",
                key * 1000,
                "ms",
                key_floor * 1000,
                "same key, no paste",
                "< 100 ms",
                key < 0.1,
            ),
        ]
    return figures
