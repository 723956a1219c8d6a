"""Issue 11 part 3: `warroom run` runs a command as if bare and records it on the timeline."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions, launch
from warroom.actions import Room
from warroom.domain import MITIGATIONS

WARROOM = [sys.executable, "-m", "warroom"]
DEADLINE = 30.0


def warroom(
    db_path: Path, *args: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "WARROOM_DB": str(db_path), **(env or {})}
    environ.pop("WARROOM_INCIDENT", None)
    return subprocess.run(
        [*WARROOM, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        **kw,  # type: ignore[arg-type]
    )


def entries(db_path: Path, kind: str | None = None) -> list[dict]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        rows = [dict(r) for r in conn.execute("select * from timeline order by id")]
    for row in rows:
        row["data"] = json.loads(row["data"]) if row["data"] else None
    return [r for r in rows if kind is None or r["kind"] == kind]


def test_mitigation_kinds_match_the_domain() -> None:
    assert tuple(MITIGATIONS) == launch.MITIGATION_KINDS


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--", "ls", "-l"], ({}, ["ls", "-l"])),
        (["run", "ls", "-l"], ({}, ["ls", "-l"])),
        (
            ["--db", "x.db", "run", "-m", "rollback", "--at=13:05", "-i", "2", "--", "k", "--x"],
            (
                {"db_path": "x.db", "mitigation": "rollback", "at": "13:05", "ref": "2"},
                ["k", "--x"],
            ),
        ),
        (["run", "--help"], None),
        (["run"], None),
        (["run", "--"], None),
        (["note", "run"], None),
        (["--db"], None),
    ],
)
def test_fast_path_argument_parsing(argv: list[str], expected: object) -> None:
    assert launch.parse_run(argv) == expected


def test_run_streams_output_records_one_entry_and_exits_with_its_status(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    script = "echo to-out; echo to-err >&2; printf 'no newline'; exit 3"
    result = warroom(db_path, "run", "--", "sh", "-c", script, cwd=tmp_path)
    assert result.returncode == 3
    assert result.stdout == "to-out\nno newline"  # streamed to our stdout, untouched
    assert "to-err" in result.stderr and "recorded on INC-1 as #" in result.stderr
    (entry,) = entries(db_path, "command")
    data = entry["data"]
    assert data["argv"] == ["sh", "-c", script]
    assert data["cwd"] == str(tmp_path)
    assert data["host"] and data["exit_code"] == 3 and "signal" not in data
    # stdout and stderr in the order they arrived, each whole.
    assert "to-out\n" in data["output"] and "to-err\n" in data["output"]
    assert "no newline" in data["output"] and len(data["output"]) == len(
        "to-out\nto-err\nno newline"
    )
    assert 0 <= data["duration_s"] < DEADLINE
    assert entry["text"].startswith("ran sh -c ") and "\u2192 exit 3 in " in entry["text"]
    assert entry["login"]


def test_a_signal_is_recorded_and_becomes_128_plus_it(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    result = warroom(db_path, "run", "--", "sh", "-c", "kill -TERM $$")
    assert result.returncode == 128 + 15
    (entry,) = entries(db_path, "command")
    assert entry["data"]["signal"] == "SIGTERM" and "exit_code" not in entry["data"]
    assert "killed by SIGTERM" in entry["text"]


def test_mitigation_logs_and_ticks_only_on_success(room: Room, db_path: Path) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    result = warroom(db_path, "run", "-m", "rollback", "--", "true")
    assert result.returncode == 0
    assert "and as a mitigation" in result.stderr
    mitigation = entries(db_path, "mitigation")[-1]
    command = entries(db_path, "command")[-1]
    assert mitigation["data"]["command_entry"] == command["id"]
    assert mitigation["text"].startswith("Rolled back a deployment: ran true")
    assert room.incident(incident).checklist[4].done is True


def test_a_failed_or_interrupted_mitigation_is_never_logged_as_one(
    room: Room, db_path: Path, run: Cli
) -> None:
    """A rollback that exits 1, or that Ctrl-C (or any signal) stopped, did not mitigate
    anything: the timeline gets the command with its exit status, marked as the attempt it
    was, and no mitigation entry, so neither the metrics ("mitigated at"), the customer
    update's list of actions nor the postmortem's mitigations count it. The brief's "what
    was tried" still lists it with its exit status."""
    incident = actions.declare(room, "Checkout down", "SEV2")
    failed = warroom(db_path, "run", "--mitigation", "rollback", "--", "sh", "-c", "exit 1")
    stopped = warroom(db_path, "run", "-m", "failover", "--", "sh", "-c", "kill -INT $$")
    assert (failed.returncode, stopped.returncode) == (1, 130)
    for result, kind in ((failed, "rollback"), (stopped, "failover")):
        assert f"the {kind} attempt did not succeed: not logged as a mitigation" in result.stderr
    assert entries(db_path, "mitigation") == []
    assert room.incident(incident).checklist[4].done is False
    first, second = entries(db_path, "command")
    assert first["data"]["mitigation"] == "rollback" and first["data"]["exit_code"] == 1
    assert "\u2192 exit 1 in " in first["text"]
    assert first["text"].endswith(" s (rollback attempt failed: not a mitigation)")
    assert second["data"]["signal"] == "SIGINT"
    assert second["text"].endswith("(failover attempt interrupted: not a mitigation)")
    brief = run.ok("brief").stdout
    tried = brief.split("What was tried\n", 1)[1].split("\n\n", 1)[0]
    assert "exit 1" in tried and "rollback attempt failed" in tried
    assert "killed by SIGINT" in tried and "failover attempt interrupted" in tried
    postmortem = run.ok("export").stdout
    assert "No mitigation actions were logged." in postmortem


def test_output_over_the_limit_keeps_head_and_tail_exactly(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    script = 'i=0; while [ $i -lt 60000 ]; do echo "line $i of a long log"; i=$((i+1)); done'
    result = warroom(db_path, "run", "--", "sh", "-c", script)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 60000  # all of it reached the terminal
    data = entries(db_path, "command")[0]["data"]
    output = data["output"]
    assert output.startswith("line 0 of a long log\nline 1 of a long log\n")
    assert output.endswith("line 59999 of a long log\n")
    assert len(output.encode()) <= 1024 * 1024 + 100
    assert data["output_omitted_bytes"] == len(result.stdout.encode()) - 1024 * 1024
    assert "bytes not kept" in output


def test_command_still_runs_when_the_database_cannot_be_written(
    db_path: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    result = warroom(tmp_path, "run", "--", "touch", str(marker))  # the db path is a folder
    assert marker.exists()
    assert result.returncode == 0
    assert "the result was NOT recorded on the timeline" in result.stderr
    assert "(the command ran: exit 0 after " in result.stderr
    assert "Traceback" not in result.stderr


def test_several_open_incidents_run_but_are_not_recorded(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    actions.declare(room, "Login slow", "SEV3")
    result = warroom(db_path, "run", "--", "sh", "-c", "echo ran; exit 4")
    assert result.returncode == 4 and result.stdout == "ran\n"
    assert "NOT recorded" in result.stderr and "INC-1" in result.stderr
    assert "INC-2" in result.stderr
    assert entries(db_path, "command") == []
    result = warroom(db_path, "run", "-i", "1", "--", "true")
    assert entries(db_path, "command")[0]["incident_id"] == 1


def test_usage_errors_run_nothing(room: Room, db_path: Path, tmp_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    marker = tmp_path / "ran"
    for args, code, message in [
        (("run", "-m", "bogus", "--", "touch", str(marker)), 2, "unknown mitigation"),
        (("run", "--at", "soon", "--", "touch", str(marker)), 2, "not a time"),
        (("run", "--", "no-such-program-xyz"), 127, "command not found"),
        (("run",), 2, "Missing argument"),
    ]:
        result = warroom(db_path, *args)
        assert result.returncode == code and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not marker.exists()
    assert entries(db_path, "command") == []


def test_run_through_click_with_at(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    result = run("run", "--at", "10m ago", "--", "sh", "-c", "echo hi")
    assert result.exit_code == 0, result.output
    data = entries(db_path, "command")[0]["data"]
    assert data["at"] == "2026-11-26T13:50:00.000000+00:00" and data["output"] == "hi\n"
    shown = run.ok("tail", "-n", "1").stdout
    assert "ran sh -c 'echo hi'" in shown and "(happened 13:50:00)" in shown


# --- on a real terminal -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_on_a_terminal_interactive_and_ctrl_c_reach_the_command(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    socket = f"warroom-run-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket, "-f", "/dev/null"]
    rc = tmp_path / "rc"
    asker = tmp_path / "ask.py"
    asker.write_text(
        "import sys\nprint('tty', sys.stdout.isatty())\nname = input('name? ')\n"
        "print('hello', name)\n"
    )
    shell = (
        f"cd {tmp_path}; export WARROOM_DB={db_path};"
        f" {sys.executable} -m warroom run -- {sys.executable} {asker}; echo $? > {rc}.1;"
        f" {sys.executable} -m warroom run -- sleep 60; echo $? > {rc}.2; sleep 60"
    )
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "100", "-y", "30", "-s", "r", shell],
        check=True,
        env={**os.environ, "TERM": "xterm-256color"},
    )

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "r"], capture_output=True, text=True, check=True
        ).stdout

    def wait(check: object, what: str) -> None:
        deadline = time.monotonic() + DEADLINE
        while not check():  # type: ignore[operator]
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {screen()!r}")
            time.sleep(0.05)

    try:
        wait(lambda: "name?" in screen(), "the prompt")
        assert "tty True" in screen()
        subprocess.run([*tmux, "send-keys", "-t", "r", "-l", "maya"], check=True)
        subprocess.run([*tmux, "send-keys", "-t", "r", "Enter"], check=True)
        wait(lambda: Path(f"{rc}.1").exists(), "the first command's status")
        assert Path(f"{rc}.1").read_text().strip() == "0"
        assert "hello maya" in screen()
        wait(lambda: len(entries(db_path, "command")) == 1, "the first record")
        time.sleep(0.3)  # sleep 60 has started: Ctrl-C must reach it, not warroom
        subprocess.run([*tmux, "send-keys", "-t", "r", "C-c"], check=True)
        wait(lambda: Path(f"{rc}.2").exists(), "the second command's status")
        assert Path(f"{rc}.2").read_text().strip() == "130"
        state = subprocess.run(
            [*tmux, "display", "-p", "-t", "r", "#{cursor_flag}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert state == "1"
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)
    first, second = entries(db_path, "command")
    assert first["data"]["tty"] is True and first["data"]["exit_code"] == 0
    assert "hello maya\n" in first["data"]["output"] and "\r" not in first["data"]["output"]
    assert second["data"]["signal"] == "SIGINT"


def test_warroom_s_line_starts_a_line_of_its_own_after_output_without_a_newline(
    room: Room, db_path: Path
) -> None:
    # It was printed on the command's last line: "no newline at endwarroom run: recorded...".
    actions.declare(room, "Checkout down", "SEV2")
    env = {**os.environ, "WARROOM_DB": str(db_path)}
    env.pop("WARROOM_INCIDENT", None)

    def together(*cmd: str) -> str:
        # stdout and stderr to one pipe, as both go to one terminal.
        return subprocess.run(
            [*WARROOM, "run", "--", *cmd],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=DEADLINE,
        ).stdout

    assert together("printf", "no newline at end").startswith(
        "no newline at end\nwarroom run: recorded on INC-1"
    )
    # Output that ends its line gets no blank line after it.
    assert together("printf", "a line\n").startswith("a line\nwarroom run: recorded on INC-1")
    # stdout elsewhere (a file, a pipe of its own): nothing is added to stderr.
    apart = warroom(db_path, "run", "--", "printf", "no newline at end")
    assert apart.stderr.startswith("warroom run: recorded on INC-1")


def _on_a_pty(db_path: Path, cmd: list[str], keys: bytes = b"", after: str = "") -> str:
    """Run `warroom run -- cmd` with a pty as its terminal; what the terminal was sent."""
    import select

    leader, follower = os.openpty()
    env = {**os.environ, "WARROOM_DB": str(db_path)}
    env.pop("WARROOM_INCIDENT", None)
    proc = subprocess.Popen(
        [*WARROOM, "run", "--", *cmd],
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + DEADLINE
    try:
        while b"warroom run:" not in seen or not seen.endswith(b"\n"):
            assert time.monotonic() < deadline, seen
            if keys and after.encode() in seen:
                os.write(leader, keys)
                keys = b""
            ready, _, _ = select.select([leader], [], [], 0.1)
            if ready:
                try:
                    seen += os.read(leader, 65536)
                except OSError:  # EIO: warroom exited and closed the terminal
                    break
        assert proc.wait(timeout=DEADLINE) is not None
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return seen.decode()


def test_on_a_terminal_warroom_s_line_follows_output_or_ctrl_c_on_a_new_line(
    room: Room, db_path: Path
) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    shown = _on_a_pty(db_path, ["printf", "no newline at end"])
    assert "no newline at end\r\nwarroom run: recorded" in shown, repr(shown)
    # The command's own terminal echoes Ctrl-C as ^C, with no line end after it.
    script = "echo ready; sleep 30"
    shown = _on_a_pty(db_path, ["sh", "-c", script], keys=b"\x03", after="ready")
    assert "^C\r\nwarroom run: recorded" in shown, repr(shown)


def test_hostile_output_is_stored_exactly_and_shown_inert(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    hostile = "A\x1b]52;c;aGk=\x07B\x1b[2JC[/]D"
    result = warroom(db_path, "run", "--", "printf", "%s", hostile)
    assert result.returncode == 0 and result.stdout == hostile  # the terminal gets it as bare
    assert entries(db_path, "command")[0]["data"]["output"] == hostile
    for args in (("tail", "--full"), ("brief",), ("tail",)):
        shown = warroom(db_path, *args).stdout
        assert "\x1b" not in shown and "\x07" not in shown, args
    assert "A\u241bB\u241bC[/]D" in warroom(db_path, "tail", "--full").stdout


def test_a_hostile_program_name_is_shown_inert(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout down", "SEV2")
    result = warroom(db_path, "run", "--", "no-such-\x1b]0;pwned\x07prog")
    assert result.returncode == 127 and "command not found" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


def test_ctrl_c_to_the_process_group_stops_cmd_and_is_recorded(room: Room, db_path: Path) -> None:
    """Without a terminal, Ctrl-C is SIGINT to the foreground process group: CMD dies of it,
    warroom ignores it, records how CMD ended and exits as CMD did."""
    import signal

    actions.declare(room, "Checkout down", "SEV2")
    env = {**os.environ, "WARROOM_DB": str(db_path)}
    proc = subprocess.Popen(
        [*WARROOM, "run", "--", "sleep", "30"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + DEADLINE
    while not any(
        p.read_text().startswith("sleep") for p in Path("/proc").glob("*/comm") if _child(p, proc)
    ):
        assert time.monotonic() < deadline, "sleep never started"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 130, err
    (entry,) = entries(db_path, "command")
    assert entry["data"]["signal"] == "SIGINT"


def _child(comm: Path, parent: subprocess.Popen[bytes]) -> bool:
    try:
        stat = (comm.parent / "stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[1] == str(parent.pid)


# --- what `run` costs (the figures are in benchmarks/: `benchmarks/run.py run`) -------------


def test_nothing_heavy_is_imported_before_cmd_starts() -> None:
    """CMD starts as soon as the entry point and runcmd are loaded: they import no typing,
    threading or sqlite3 (each costs milliseconds before CMD starts), and no warroom module
    besides themselves."""
    probe = (
        "import sys; before = set(sys.modules); import warroom.launch, warroom.runcmd;"
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"typing", "threading", "sqlite3", "click"}.isdisjoint(loaded), loaded
    assert {m for m in loaded if m.startswith("warroom")} == {
        "warroom",
        "warroom.launch",
        "warroom.runcmd",
    }


# Cut from the record path (issue 11: ~15-25 ms of imports with an instant CMD). The record
# uses warroom.basics, warroom.incident_choice and warroom.commands, which hold the rules it
# needs; the modules that re-export them stay out.
NOT_ON_THE_RECORD_PATH = {
    "typing",
    "dataclasses",
    "inspect",
    "warroom.domain",
    "warroom.views",
    "warroom.actions",
    "warroom.config",
    "click",
    "platformdirs",
    "tomllib",
    "socket",
}
# Runs the installed entry point's fast path in full (CMD, the record, "recorded"), and lists
# the modules loaded just before it exits.
RECORD_PATH_PROBE = """
import os, sys
exit_now = os._exit
def report(status):
    sys.stdout.write(" ".join(sorted(sys.modules)) + "\\n")
    sys.stdout.flush()
    exit_now(status)
os._exit = report
sys.argv = ["warroom", *sys.argv[1:]]
from warroom.launch import main
main()
"""


@pytest.mark.parametrize("options", [[], ["--mitigation", "rollback"]])
def test_the_record_path_imports_none_of_the_heavy_layers(
    room: Room, db_path: Path, options: list[str]
) -> None:
    """The cost of `warroom run` with an instant CMD is mostly imports: keep the ones that
    were cut out (a --mitigation record needs no more than a plain one)."""
    actions.declare(room, "Checkout down", "SEV2")
    environ = {**os.environ, "WARROOM_DB": str(db_path)}
    environ.pop("WARROOM_INCIDENT", None)
    result = subprocess.run(
        [sys.executable, "-c", RECORD_PATH_PROBE, "run", *options, "--", "true"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=True,
    )
    assert "recorded on INC-1 as #" in result.stderr, result.stderr
    loaded = set(result.stdout.split())
    assert "warroom.commands" in loaded  # the probe saw the record path's modules
    assert NOT_ON_THE_RECORD_PATH.isdisjoint(loaded), sorted(NOT_ON_THE_RECORD_PATH & loaded)
    assert len(entries(db_path, "command")) == 1


def test_a_broken_config_does_not_stop_the_record(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    """Recording a command reads nothing from the config, so a typo in it must not cost the
    timeline a mitigation (the other commands still refuse to run with it)."""
    actions.declare(room, "Checkout down", "SEV2")
    config = tmp_path / "config.toml"
    config.write_text("this is = not [toml\n")
    result = warroom(db_path, "run", "--", "true", env={"WARROOM_CONFIG": str(config)})
    assert result.returncode == 0 and "recorded on INC-1" in result.stderr, result.stderr
    assert len(entries(db_path, "command")) == 1


def test_the_record_is_in_the_file_itself_once_run_exits(db_path: Path, tmp_path: Path) -> None:
    """`run` ends without the interpreter's teardown, but it still closes the file as every
    command does: the -wal is checkpointed and removed, so a plain copy of the file holds the
    record and no stale -wal is left beside the path."""
    from warroom.room import Actor
    from warroom.storage import open_store

    with open_store(db_path) as store:
        actions.declare(Room(store=store, actor=Actor("alice", "alice")), "Checkout down", "SEV2")
    result = warroom(db_path, "run", "--", "sh", "-c", "echo rolled back")
    assert result.returncode == 0 and "recorded" in result.stderr, result.stderr
    assert not Path(f"{db_path}-wal").exists()
    copy = tmp_path / "copy.db"
    shutil.copyfile(db_path, copy)
    with sqlite3.connect(f"{copy.as_uri()}?immutable=1", uri=True) as conn:
        kinds = [k for (k,) in conn.execute("select kind from timeline order by id")]
    assert kinds[-1] == "command"


# --- folding: a newline ends a line, it does not start one -------------------------------------


def test_output_ending_in_a_newline_folds_without_a_phantom_line(run: Cli) -> None:
    """Command output nearly always ends in a newline; tail folded it as if one more (empty)
    line followed, so two lines of output showed whole *and* "… 1 more lines"."""
    run.ok("declare", "Checkout down", "-s", "SEV2")
    run.ok("run", "--", "sh", "-c", "echo one; echo two")  # the summary and 2 lines: all shown
    run.ok("run", "--", "sh", "-c", "echo 1; echo 2; echo 3; echo 4")  # 2 of 5 lines hidden
    shown = run.ok("tail", "-n", "2").stdout
    lines = shown.splitlines()
    at = next(i for i, line in enumerate(lines) if "#4 " in line)
    assert lines[1:at] == ["    one", "    two"], shown  # whole, nothing said to be hidden
    assert lines[at + 1 :] == ["    1", "    2", "    \u2026 2 more lines (tail --full)"], shown


def test_the_war_room_and_the_brief_fold_by_the_same_rule() -> None:
    from datetime import UTC, datetime

    from warroom.brief import _line
    from warroom.tui.entry_text import timeline_text
    from warroom.views import Entry

    def entry(text: str, kind: str = "note", data: dict | None = None) -> Entry:
        return Entry(1, 1, datetime.now(UTC), "alice", "alice", kind, text, data)

    assert "more line" not in timeline_text(entry("l1\nl2\nl3\n"))
    # One line more is shown, not hidden behind a marker that would take its place.
    assert "more line" not in timeline_text(entry("l1\nl2\nl3\nl4\n"))
    assert timeline_text(entry("l1\nl2\nl3\nl4\nl5\n")).endswith(
        "\u2026 2 more lines (e: open whole)"
    )
    shown = timeline_text(entry("ran true \u2192 exit 0", "command", {"output": "a\nb\n"}))
    assert shown.endswith("(output: 2 lines; e: open)")
    assert _line("one line\n") == "one line"
    assert _line("first\nsecond\n") == "first (+1 more line)"
