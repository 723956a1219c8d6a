"""warroom benchmarks: each figure as a median (or p95) next to a floor measured in the same
run on the same machine, so the ratios mean something on any machine.

    python benchmarks/run.py            # everything (a few minutes)
    python benchmarks/run.py --quick    # fewer repetitions
    python benchmarks/run.py note tail  # only some cases

These are measurements, not tests: nothing here fails the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from util import (
    PY,
    Figure,
    env_for,
    have_tmux,
    make_incident,
    median,
    run_quiet,
    time_until_screen_shows,
    timed_runs,
    tmux_server_stop,
)

HERE = Path(__file__).resolve().parent
TITLE = "Checkout returns 500s for card payments"
# The floor for bulk reads: the same rows, straight from sqlite3 to stdout.
DUMP_FLOOR = (
    "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
    "w=sys.stdout.write; [w(f'{r[0]} {r[1]} {r[2]}\\n') for r in "
    "c.execute('SELECT ts, author, text FROM timeline ORDER BY id')]"
)
CASES: dict[str, Callable[[Path, int], list[Figure]]] = {}


def case(fn: Callable[[Path, int], list[Figure]]) -> Callable[[Path, int], list[Figure]]:
    CASES[fn.__name__] = fn
    return fn


@case
def note(tmp: Path, repeat: int) -> list[Figure]:
    db = tmp / "note.db"
    make_incident(db)
    env = env_for(db)
    floor_code = (
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
        "c.execute('PRAGMA synchronous=FULL');"
        'c.execute("INSERT INTO timeline (incident_id, ts, author, kind, text)'
        " VALUES (1, '2026-01-01T00:00:00.000000+00:00', 'x', 'note', 'floor')\"); c.commit()"
    )
    floor = timed_runs(lambda: run_quiet([PY, "-c", floor_code, str(db)]), repeat)
    ours = timed_runs(lambda: run_quiet([PY, "-m", "warroom", "note", "benchmark"], env), repeat)
    value, base = median(ours), median(floor)
    return [
        Figure(
            "warroom note (process, median)",
            value * 1000,
            "ms",
            base * 1000,
            "python -c sqlite3 insert",
            "<= 4x",
            value <= 4 * base,
        )
    ]


@case
def writers(tmp: Path, repeat: int) -> list[Figure]:
    db = tmp / "writers.db"
    make_incident(db)
    per = 50
    code = (
        "import sys; from warroom.storage import open_store;"
        "from warroom.actions import note; from warroom.room import Actor, Room;"
        "r = Room(open_store(sys.argv[1]), Actor(sys.argv[2], 'bench'));"
        f"[note(r, 1, f'{{sys.argv[2]}} {{i}}') for i in range({per})]"
    )

    def burst(n: int) -> float:
        start = time.perf_counter()
        procs = [
            subprocess.Popen([PY, "-c", code, str(db), f"w{i}"], stderr=subprocess.PIPE)
            for i in range(n)
        ]
        errors = [p.communicate()[1] for p in procs]
        elapsed = time.perf_counter() - start
        bad = [e for e, p in zip(errors, procs, strict=True) if p.returncode or e]
        if bad:
            raise RuntimeError(f"writer failed: {bad[0][-300:]!r}")
        return elapsed

    one = burst(1)
    sixteen = burst(16)
    import sqlite3

    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT count(*) FROM timeline WHERE author LIKE 'w%'").fetchone()[0]
    conn.close()
    expected = per * 17
    return [
        Figure(
            "16 writers x 50 notes: throughput",
            16 * per / sixteen,
            "notes/s",
            per / one,
            "1 writer x 50 notes",
            "no error, nothing lost",
            stored == expected,
        ),
    ]


@case
def tail(tmp: Path, repeat: int) -> list[Figure]:
    db = tmp / "big.db"
    make_incident(db, 100_000)
    env = env_for(db)
    floor = timed_runs(lambda: run_quiet([PY, "-c", DUMP_FLOOR, str(db)]), max(3, repeat // 3))
    ours = timed_runs(
        lambda: run_quiet([PY, "-m", "warroom", "tail", "-n", "100000"], env), max(3, repeat // 3)
    )
    value = median(ours)
    return [
        Figure(
            "tail -n 100000 (median)",
            value * 1000,
            "ms",
            median(floor) * 1000,
            "python sqlite3 dump of the rows",
            "about 1 s",
            value <= 1.5,
        )
    ]


@case
def export(tmp: Path, repeat: int) -> list[Figure]:
    db = tmp / "export.db"
    make_incident(db, 100_000)
    env = env_for(db)
    n = max(3, repeat // 3)
    floor = median(timed_runs(lambda: run_quiet([PY, "-c", DUMP_FLOOR, str(db)]), n))
    figures = []
    for fmt in ("markdown", "json", "csv"):
        args = [PY, "-m", "warroom", "export", "--format", fmt]
        value = median(timed_runs(lambda args=args: run_quiet(args, env), n))
        figures.append(
            Figure(
                f"export --format {fmt}, 100k entries",
                value * 1000,
                "ms",
                floor * 1000,
                "python sqlite3 dump of the rows",
                "about 1 s",
                value <= 1.5,
            )
        )
    return figures


@case
def chain(tmp: Path, repeat: int) -> list[Figure]:
    """The hash chain's cost: `warroom note` on a 100k-entry file against a bare insert, one
    chained append against one bare insert in the same process, and `warroom verify`."""
    db = tmp / "chain.db"
    make_incident(db, 100_000)
    env = env_for(db)
    floor_db = tmp / "chain-floor.db"
    make_incident(floor_db, 100_000)
    # The floor writes unchained rows, so it gets a file of its own: `db` must still verify.
    floor_code = (
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
        "c.execute('PRAGMA synchronous=FULL');"
        'c.execute("INSERT INTO timeline (incident_id, ts, author, kind, text)'
        " VALUES (1, '2026-01-01T00:00:00.000000+00:00', 'x', 'note', 'floor')\"); c.commit()"
    )
    floor = median(timed_runs(lambda: run_quiet([PY, "-c", floor_code, str(floor_db)]), repeat))
    ours = median(
        timed_runs(lambda: run_quiet([PY, "-m", "warroom", "note", "chained"], env), repeat)
    )

    from warroom.storage import open_store
    from warroom.storage import queries as q

    store = open_store(db)
    n = repeat * 10

    def chained() -> None:
        with store.write() as conn:
            q.append_timeline(
                conn,
                incident_id=1,
                ts="2026-01-01T00:00:00.000000+00:00",
                author="bench",
                login="bench",
                kind="note",
                text="chained",
            )

    bare_store = open_store(floor_db)

    def bare() -> None:
        with bare_store.write() as conn:
            conn.execute(
                "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
                " VALUES (1, '2026-01-01T00:00:00.000000+00:00', 'bench', 'bench', 'note', 'x')"
            )

    one_bare = median(timed_runs(bare, n))
    one_chained = median(timed_runs(chained, n))
    store.close()
    bare_store.close()
    dump = median(timed_runs(lambda: run_quiet([PY, "-c", DUMP_FLOOR, str(db)]), 3))
    verify = median(timed_runs(lambda: run_quiet([PY, "-m", "warroom", "verify"], env), 3))
    return [
        Figure(
            "warroom note, chained, 100k file (median)",
            ours * 1000,
            "ms",
            floor * 1000,
            "python -c sqlite3 bare insert",
            "<= 4x",
            ours <= 4 * floor,
        ),
        Figure(
            "one chained append + commit, in process",
            one_chained * 1000,
            "ms",
            one_bare * 1000,
            "bare INSERT + commit",
            "(the chain's own cost)",
        ),
        Figure(
            "warroom verify, 100k entries (median)",
            verify * 1000,
            "ms",
            dump * 1000,
            "python sqlite3 dump of the rows",
            "<= 2 s",
            verify <= 2.0,
        ),
    ]


def compile_warroom() -> None:
    """Measure warroom as it runs once installed: with its bytecode compiled, as Textual's
    was when pip installed it. Where PYTHONDONTWRITEBYTECODE is set (it is on the shared
    machine) every launch otherwise compiled warroom's ~100 modules from source, about
    90 ms of the first paint that no user pays after their first launch."""
    import compileall

    import warroom

    compileall.compile_dir(Path(warroom.__file__).parent, quiet=1)


@case
def first_paint(tmp: Path, repeat: int) -> list[Figure]:
    if not have_tmux():
        return [Figure("first paint", float("nan"), "ms", target="(tmux missing: skipped)")]
    compile_warroom()
    small, big = tmp / "small.db", tmp / "big100k.db"
    make_incident(small)
    make_incident(big, 100_000)
    n = max(3, repeat // 3)
    hello: list[float] = []
    ours: list[float] = []
    large: list[float] = []
    # Interleaved, so that a burst of load from elsewhere on the machine falls on all three.
    for _ in range(n):
        hello.append(time_until_screen_shows(f"{PY} {HERE / 'hello_app.py'}", "Hello from Textual"))
        ours.append(time_until_screen_shows(f"{PY} -m warroom --db {small}", TITLE))
        large.append(time_until_screen_shows(f"{PY} -m warroom --db {big}", TITLE))
    h, o, g = median(hello), median(ours), median(large)
    return [
        Figure(
            "first paint, small incident (tmux)",
            o * 1000,
            "ms",
            h * 1000,
            "hello-world Textual app",
            "<= 1.5x",
            o <= 1.5 * h,
        ),
        Figure(
            "first paint, 100k entries (tmux)",
            g * 1000,
            "ms",
            o * 1000,
            "small incident",
            "<= 1.2x",
            g <= 1.2 * o,
        ),
    ]


@case
def live(tmp: Path, repeat: int) -> list[Figure]:
    import live as live_cases

    return live_cases.figures(tmp)


@case
def keys(tmp: Path, repeat: int) -> list[Figure]:
    import keys as key_cases

    return key_cases.figures(tmp, repeat)


@case
def alerts(tmp: Path, repeat: int) -> list[Figure]:
    import alerts as alert_cases

    return alert_cases.figures(tmp)


@case
def run(tmp: Path, repeat: int) -> list[Figure]:
    import hands

    return hands.run_overhead(tmp, repeat)


@case
def paste(tmp: Path, repeat: int) -> list[Figure]:
    import hands

    return hands.paste(tmp, repeat)


def print_table(figures: list[Figure]) -> None:
    print(f"{'figure':<44} {'value':>12} {'floor':>12} {'ratio':>7}  target / floor")
    for f in figures:
        value = f"{f.value:.1f} {f.unit}"
        floor = f"{f.floor:.1f} {f.unit}" if f.floor is not None else "-"
        ratio = f"{f.ratio():.2f}x" if f.ratio() is not None else "-"
        verdict = {True: "met", False: "NOT MET", None: ""}[f.ok]
        print(
            f"{f.name:<44} {value:>12} {floor:>12} {ratio:>7}  {f.target} {verdict}"
            + (f"  (floor: {f.floor_name})" if f.floor_name else "")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", choices=[*CASES, []], help="cases to run")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 5 if args.quick else 15
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
        try:
            for name in args.cases or list(CASES):
                start = time.perf_counter()
                figures.extend(CASES[name](Path(tmp), repeat))
                print(f"  ... {name} took {time.perf_counter() - start:.1f}s", file=sys.stderr)
        finally:
            tmux_server_stop()
    print_table(figures)


if __name__ == "__main__":
    threading.excepthook = lambda args: None  # followers may outlive the run on Ctrl-C
    main()
