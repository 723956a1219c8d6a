from __future__ import annotations

import json
import os
import pwd
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock


def counts(db_path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db_path)
    try:
        return (
            conn.execute("SELECT count(*) FROM incidents").fetchone()[0],
            conn.execute("SELECT count(*) FROM timeline").fetchone()[0],
        )
    finally:
        conn.close()


def declare(run: Cli, *extra: str) -> str:
    result = run.ok("declare", "Checkout", "returns", "500s", "--severity", "SEV2", *extra)
    return result.stdout.strip().splitlines()[-1]


def test_declare_prints_ref_last(run: Cli) -> None:
    result = run.ok(
        "declare",
        "Checkout down",
        "-s",
        "sev1",
        "--service",
        "checkout",
        "--service",
        "payments",
        "--source",
        "monitoring",
    )
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "INC-1"
    assert "Critical" in lines[0]
    shown = json.loads(run.ok("show", "--json").stdout)
    assert shown["services"] == ["checkout", "payments"]
    assert shown["severity"] == "SEV1"


def test_show_json_shape(run: Cli, clock: FakeClock) -> None:
    ref = declare(run)
    run.ok("assign", "owner", "alice")
    run.ok("assign", "fix-lead", "bob")
    data = json.loads(run.ok("show", ref, "--json").stdout)
    assert data["ref"] == ref
    assert data["title"] == "Checkout returns 500s"
    assert data["status"] == "investigating"
    assert data["roles"] == {"owner": "alice", "fix_lead": "bob", "comms": None}
    assert data["checklist"][2] == {
        "number": 3,
        "step": "assign",
        "text": "Assign an owner",
        "done": True,
        "done_at": "2026-11-26T14:00:00+00:00",
        "done_by": "alice",
        "done_by_login": pwd.getpwuid(os.getuid()).pw_name,  # who really ran `assign`
    }
    assert data["roles_assigned_by"]["owner"]["login"] == pwd.getpwuid(os.getuid()).pw_name
    assert data["next_update_due"] == "2026-11-26T14:10:00+00:00"
    assert all(set(item) >= {"text", "done"} for item in data["checklist"])


def test_every_incident_command_changes_state(run: Cli, clock: FakeClock) -> None:
    ref = declare(run)
    run.ok(
        "triage",
        "--impact",
        "Card payments fail",
        "--affected",
        "1 in 5",
        "--workaround",
        "PayPal",
        "--service",
        "payments",
        "--source",
        "customer",
    )
    run.ok("note", "deploy", "at", "13:58", "looks", "related")
    run.ok("mitigate", "--action", "rollback", "checkout-api to v1.41")
    run.ok("assign", "comms", "carol", "--as", "bob")
    run.ok("severity", "1")
    run.ok("status", "identified")
    run.ok("check", "6")
    run.ok("check", "6", "--undo")
    data = json.loads(run.ok("show", "--json").stdout)
    assert data["impact"] == "Card payments fail"
    assert data["affected"] == "1 in 5"
    assert data["workaround"] == "PayPal"
    assert data["detection_source"] == "customer"
    assert data["services"] == ["payments"]
    assert data["severity"] == "SEV1"
    assert data["status"] == "identified"
    assert data["roles"]["comms"] == "carol"
    assert not data["checklist"][5]["done"]
    lines = run.ok("tail", ref, "-n", "100", "--json").stdout.strip().splitlines()
    entries = [json.loads(line) for line in lines]
    assert all(set(e) >= {"id", "ts", "author", "kind", "text"} for e in entries)
    by_kind = {(e["kind"], e["text"]) for e in entries}
    assert ("note", "deploy at 13:58 looks related") in by_kind
    assert ("mitigation", "Rolled back a deployment: checkout-api to v1.41") in by_kind
    assert ("severity", "Severity raised: SEV2 → SEV1") in by_kind
    assert ("status", "Status: investigating → identified") in by_kind
    assert any(e["author"] == "bob" and e["kind"] == "role" for e in entries)
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids)


def test_show_and_tail_human_output(run: Cli) -> None:
    declare(run)
    run.ok("note", "checking dashboards")
    shown = run.ok("show").stdout
    assert "INC-1  SEV2  investigating  Checkout returns 500s" in shown
    assert "Major:" in shown
    assert "Incident owner:       (unassigned)" in shown
    assert " 4. [ ] Publish first update" in shown
    assert "first customer update due 14:10 (in 10m)" in shown
    tail = run.ok("tail", "-n", "1").stdout
    assert tail.startswith("14:00:00  alice")
    assert "note" in tail and "checking dashboards" in tail


@pytest.mark.parametrize(
    "command", [("show",), ("tail",), ("brief",), ("export", "-f", "csv"), ("update",)]
)
def test_the_reading_commands_take_the_incident_as_i_too(
    run: Cli, command: tuple[str, ...]
) -> None:
    """`note -i 2` but `tail INC-2`: `tail -i 2` was "No such option" (drill)."""
    run.ok("declare", "One", "-s", "SEV2")
    run.ok("declare", "Two", "-s", "SEV3")
    by_ref = run.ok(*command, "INC-2").stdout
    assert "Two" in by_ref and "One" not in by_ref
    assert run.ok(*command, "-i", "2").stdout == by_ref
    assert run.ok(*command, "--incident", "INC-2", "2").stdout == by_ref  # the same one
    both = run(*command, "INC-1", "-i", "2")
    assert both.exit_code == 2 and both.stdout == ""
    assert both.stderr.strip() == "Error: REF 'INC-1' and --incident '2' name two incidents"


def test_list_and_list_all(run: Cli, clock: FakeClock) -> None:
    declare(run)
    clock.advance(minutes=1)
    run.ok("declare", "Search slow", "-s", "SEV3")
    run.ok("status", "resolved", "-i", "INC-1")
    open_only = json.loads(run.ok("list", "--json").stdout)
    assert [(i["ref"], i["status"]) for i in open_only] == [("INC-2", "investigating")]
    everything = json.loads(run.ok("list", "--all", "--json").stdout)
    assert [i["ref"] for i in everything] == ["INC-2", "INC-1"]
    assert set(everything[0]) >= {"ref", "title", "severity", "status"}
    text = run.ok("list").stdout
    assert "INC-2" in text and "NO OWNER" in text and "INC-1" not in text


def test_after_recovery_commands_fall_back_to_latest(run: Cli) -> None:
    declare(run)
    run.ok("status", "resolved")
    assert json.loads(run.ok("show", "--json").stdout)["status"] == "resolved"
    assert run.ok("tail", "--json").stdout
    result = run("note", "late thought")
    assert result.exit_code == 1
    assert "no open incident" in result.stderr
    run.ok("status", "monitoring")  # reopening finds the most recent incident
    assert json.loads(run.ok("show", "--json").stdout)["status"] == "monitoring"


def test_no_incident_says_how_to_declare(run: Cli, db_path: Path) -> None:
    result = run("note", "x")
    assert result.exit_code == 1
    assert 'warroom declare "TITLE" --severity' in result.stderr
    assert "Traceback" not in result.output
    # With no file at all it says so first: after `rm incidents.db`, "no open incident;
    # declare one" sent a responder to start a new file (drill).
    assert f"no warroom database at {db_path}; check --db" in result.stderr
    assert not db_path.exists()
    run.ok("init")  # a file with no incident in it
    result = run("note", "x")
    assert result.exit_code == 1 and "no open incident; declare one" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("note", "   "), 2, "the note is empty"),
        (("note",), 2, "the note is empty"),
        (("severity", "SEV9"), 2, "unknown severity"),
        (("assign", "janitor", "bob"), 2, "janitor"),
        (("assign", "owner", " "), 2, "name is empty"),
        (("status", "done"), 2, "done"),
        (("check", "42"), 2, "no checklist item 42"),
        (("check", "two"), 2, "two"),
        (("show", "INC-77"), 2, "no incident INC-77"),
        (("note", "x", "--incident", "banana"), 2, "not an incident reference"),
        (("triage",), 2, "nothing to record"),
        (("declare", "x"), 2, "--severity"),
        (("declare", "   ", "-s", "SEV1"), 2, "title is empty"),
        (("note", "x", "--as", ""), 2, "author name"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    run: Cli, db_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    declare(run)
    before = counts(db_path)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert counts(db_path) == before


def test_foreign_file_refused_with_exit_1(run: Cli, tmp_path: Path) -> None:
    path = tmp_path / "essay.txt"
    path.write_text("hello")
    result = run.runner.invoke(
        __import__("warroom.cli", fromlist=["cli"]).cli, ["--db", str(path), "list"]
    )
    assert result.exit_code == 1
    assert "not a SQLite database" in result.stderr
    assert path.read_text() == "hello"


def test_unwritable_path_is_a_runtime_error(run: Cli, tmp_path: Path) -> None:
    from warroom.cli import cli

    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    result = run.runner.invoke(cli, ["--db", str(blocker / "w.db"), "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot create")
    assert len(result.stderr.strip().splitlines()) == 1


def test_locked_database_is_a_clear_runtime_error(
    run: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare(run)
    from warroom.storage import connection

    original = connection.open_store

    def quick(path, **kw):
        kw["busy_timeout"] = 0.2
        return original(path, **kw)

    monkeypatch.setattr("warroom.cli.common.open_store", quick)
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        before = counts(db_path)
        result = run("note", "blocked")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert result.exit_code == 1
    assert "locked by another process" in result.stderr
    assert counts(db_path) == before


def test_author_from_env_and_option(run: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.cli import cli

    declare(run)
    monkeypatch.setenv("WARROOM_USER", "envname")
    run.runner.invoke(cli, ["--db", str(run.db_path), "note", "from env"], obj={"clock": run.clock})
    run.runner.invoke(
        cli,
        ["--db", str(run.db_path), "note", "from option", "--as", "optname"],
        obj={"clock": run.clock},
    )
    entries = [json.loads(x) for x in run.ok("tail", "--json", "-n", "2").stdout.splitlines()]
    assert [(e["author"], e["text"]) for e in entries] == [
        ("envname", "from env"),
        ("optname", "from option"),
    ]


def test_hostile_text_is_stored_exactly_but_shown_safely(run: Cli, db_path: Path) -> None:
    declare(run)
    hostile = "pwn \x1b]52;c;aGk=\x07 \x1b[2J [bold]x[/] \x9b31m"
    run.ok("note", hostile)
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT text FROM timeline WHERE kind = 'note'").fetchone()[0]
    conn.close()
    assert stored == hostile
    shown = run.ok("tail", "-n", "1").stdout
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "[bold]x[/]" in shown
    as_json = run.ok("tail", "-n", "1", "--json").stdout
    assert "\x1b" not in as_json and "\x9b" not in as_json
    assert json.loads(as_json)["text"] == hostile


def test_config_command_reports_malformed_file(run: Cli, tmp_path: Path, monkeypatch) -> None:
    from warroom.cli import cli

    bad = tmp_path / "bad.toml"
    bad.write_text("[severities.SEV1]\ncadence_minutes = 'often'\n")
    monkeypatch.setenv("WARROOM_CONFIG", str(bad))
    result = run.runner.invoke(cli, ["--db", str(run.db_path), "note", "x"])
    assert result.exit_code == 1
    assert str(bad) in result.stderr and "whole number" in result.stderr
    assert "[severities.SEV1]" in run.runner.invoke(cli, ["config", "--example"]).stdout


def test_config_cadence_changes_due_time(run: Cli, tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[severities.SEV2]\nfirst_update_minutes = 5\n")
    monkeypatch.setenv("WARROOM_CONFIG", str(cfg))
    declare(run)
    assert json.loads(run.ok("show", "--json").stdout)["next_update_due"] == (
        "2026-11-26T14:05:00+00:00"
    )


def test_real_subprocess_run(tmp_path: Path) -> None:
    """The installed entry point, end to end, as a user's shell runs it."""
    env = {**os.environ, "WARROOM_DB": str(tmp_path / "sub.db"), "WARROOM_USER": "sam"}
    exe = [sys.executable, "-m", "warroom"]
    declared = subprocess.run(
        [*exe, "declare", "Login broken", "--severity", "SEV2"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    ref = declared.stdout.strip().splitlines()[-1]
    assert ref == "INC-1"
    subprocess.run([*exe, "note", "-i", ref, "looking"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [*exe, "tail", ref, "--json"], env=env, capture_output=True, text=True, check=True
    )
    entries = [json.loads(line) for line in out.stdout.splitlines()]
    assert entries[-1]["text"] == "looking" and entries[-1]["author"] == "sam"
    bad = subprocess.run([*exe, "severity", "SEV8"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("note", "bad \udcff bytes"), "not valid UTF-8"),
        (("tail", "-n", "9223372036854775808"), "-n"),
        (("triage", "--started", "99999999d ago"), "out of range"),
        (("triage", "--started", "0001-01-01T00:00+01:00"), "out of range"),
    ],
)
def test_input_at_the_edges_is_an_error_not_a_traceback(
    run: Cli, db_path: Path, args: tuple[str, ...], message: str
) -> None:
    declare(run)
    before = counts(db_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert counts(db_path) == before


def test_text_file_that_is_not_utf8(run: Cli, tmp_path: Path, db_path: Path) -> None:
    declare(run)
    bad = tmp_path / "update.txt"
    bad.write_bytes(b"Investigating \xff\xfe\n")
    before = counts(db_path)
    result = run("update", "--text-file", str(bad), "--publish")
    assert result.exit_code == 2
    assert "not valid UTF-8" in result.stderr
    assert counts(db_path) == before


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("severities = [1]\n", "severities must be tables"),
        ("[severities.SEV1]\ncadence_minutes = 99999999999\n", "from 0 (none) to"),
    ],
)
def test_config_shapes_that_used_to_crash(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, problem: str
) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(body)
    monkeypatch.setenv("WARROOM_CONFIG", str(cfg))
    result = run("list")
    assert result.exit_code == 1
    assert problem in result.stderr and str(cfg) in result.stderr


def test_demo_never_replaces_a_file_it_did_not_make(run: Cli, db_path: Path) -> None:
    declare(run)
    before = db_path.read_bytes()
    result = run.runner.invoke(
        __import__("warroom.cli", fromlist=["cli"]).cli,
        ["demo", "--no-tui", "--db", str(db_path)],
    )
    assert result.exit_code == 1
    assert "exists" in result.stderr
    assert db_path.read_bytes() == before


def test_export_names_a_hostile_path_safely(run: Cli, tmp_path: Path) -> None:
    declare(run)
    target = tmp_path / "x\x1b]0;pwn\x07.md"
    result = run("export", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message", "helped"),
    [
        (("status", "bogus"), "'bogus' is not one of", "status --help"),
        (("tail", "-n", "abc"), "'abc' is not a valid integer", "tail --help"),
        (("severity", "9"), "unknown severity '9'", "severity --help"),
        # The choices once, not also as the parameter's name ('SEV1|SEV2|SEV3|SEV4').
        (("severity", "SEV9"), "Error: unknown severity 'SEV9'; choose one of", "severity --help"),
        (("check", "abc"), "'abc' is not a valid integer", "check --help"),
        (("status",), "Missing argument 'STATUS'. Choose from: investigating,", "status --help"),
        (("note", "x", "--at"), "'--at' requires an argument", "note --help"),
        (("list", "--bogus"), "No such option '--bogus'", "list --help"),
        (("followup", "add"), "Missing argument", "followup add --help"),
        (("alerts", "listen", "--port", "x"), "'x' is not a valid integer", "listen --help"),
        (("bogus",), "No such command 'bogus'", " --help"),
        (("--bogus",), "No such option '--bogus'", " --help"),
    ],
)
def test_click_usage_errors_are_one_line(
    run: Cli, db_path: Path, args: tuple[str, ...], message: str, helped: str
) -> None:
    declare(run)
    before = counts(db_path)
    result = run(*args)
    assert result.exit_code == 2, result.output
    # One line: the error and where help is, not click's usage line and hint above it.
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: ") and message in line, line
    assert line.endswith(f"{helped})"), line
    assert result.stdout == ""
    assert counts(db_path) == before


def test_usage_error_from_the_real_entry_point_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "WARROOM_DB": str(tmp_path / "w.db")}
    result = subprocess.run(
        [sys.executable, "-m", "warroom", "status", "bogus"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "Error: Invalid value for 'STATUS': 'bogus' is not one of 'investigating',"
        " 'identified', 'monitoring', 'resolved' (see: warroom status --help)"
    ]
    assert not (tmp_path / "w.db").exists()


@pytest.mark.parametrize("args", [("--help",), ("status", "--help"), ("followup",)])
def test_help_is_still_printed_whole(run: Cli, args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.output.startswith("Usage: ")
    assert "Options:" in result.output and "--help" in result.output
