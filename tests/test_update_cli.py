from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock


def declare(run: Cli, title: str = "Checkout returns 500s") -> None:
    run.ok("declare", title, "-s", "SEV2", "--service", "checkout")


def test_prints_template_for_current_status(run: Cli) -> None:
    declare(run)
    run.ok("triage", "--impact", "Card payments fail", "--workaround", "Use PayPal")
    out = run.ok("update").stdout
    assert out.splitlines()[0] == "Investigating: Checkout returns 500s"
    assert "Card payments fail" in out and "Use PayPal" in out
    # The promise if published now (14:00 + 30 min at SEV2), not the first-update deadline.
    assert "next update by 14:30 UTC" in out
    run.ok("status", "identified")
    assert run.ok("update").stdout.startswith("Identified: Checkout returns 500s")
    stakeholder = run.ok("update", "--template", "stakeholder").stdout
    assert stakeholder.splitlines()[0] == "[SEV2] INC-1 Identified: Checkout returns 500s"


def test_list_and_unknown_template(run: Cli) -> None:
    declare(run)
    names = run.ok("update", "--list").stdout.split()
    assert names == ["identified", "investigating", "monitoring", "resolved", "stakeholder"]
    result = run("update", "-t", "nope")
    assert result.exit_code == 2
    assert "unknown template 'nope'; available: identified" in result.stderr
    escape = run("update", "-t", "../../../etc/passwd")
    assert escape.exit_code == 2 and "root:" not in escape.output


def test_publish_moves_next_update_due_and_ticks(run: Cli, clock: FakeClock, db_path) -> None:
    declare(run)
    before = json.loads(run.ok("show", "--json").stdout)
    assert before["next_update_due"] == "2026-11-26T14:10:00+00:00"
    clock.advance(minutes=8)
    published = run.ok("update", "--publish")
    assert "next customer update due 14:38" in published.stderr
    after = json.loads(run.ok("show", "--json").stdout)
    assert after["next_update_due"] == "2026-11-26T14:38:00+00:00"
    assert next(i for i in after["checklist"] if i["text"] == "Publish first update")["done"]
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT template, status, text FROM updates").fetchall()
    conn.close()
    # Trailing newlines are not part of an update; every other character is kept.
    assert stored == [("investigating", "investigating", published.stdout.rstrip("\n"))]
    kinds = [json.loads(x)["kind"] for x in run.ok("tail", "--json").stdout.splitlines()]
    assert "update" in kinds


def test_publish_own_text_from_stdin(run: Cli, db_path) -> None:
    declare(run)
    text = "Degraded: checkout\n\nWe are on it. Next update by 14:30 UTC.\n"
    result = run.runner.invoke(
        __import__("warroom.cli", fromlist=["cli"]).cli,
        ["--db", str(db_path), "update", "--text-file", "-", "--publish"],
        input=text,
        obj={"clock": run.clock},
    )
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT text, template FROM updates").fetchall()
    assert stored == [(text.rstrip("\n"), None)]
    conn.close()


def test_own_text_without_the_promise_needs_force(run: Cli, db_path) -> None:
    declare(run)
    text = "Degraded: checkout\n\nWe are on it.\n"
    cli = __import__("warroom.cli", fromlist=["cli"]).cli
    args = ["--db", str(db_path), "update", "--text-file", "-", "--publish"]
    refused = run.runner.invoke(cli, args, input=text, obj={"clock": run.clock})
    assert refused.exit_code == 1
    assert "does not mention 14:30 UTC" in refused.stderr and "--force" in refused.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM updates").fetchone() == (0,)
    forced = run.runner.invoke(cli, [*args, "--force"], input=text, obj={"clock": run.clock})
    assert forced.exit_code == 0, forced.output
    assert conn.execute("SELECT count(*) FROM updates").fetchone() == (1,)
    conn.close()


def test_copy_always_writes_the_copy_file(run: Cli, tmp_path: Path) -> None:
    declare(run)
    result = run.ok("update", "--copy")
    saved = (tmp_path / "clipboard.txt").read_text()
    assert saved == result.stdout
    assert str(tmp_path / "clipboard.txt") in result.stderr
    assert oct((tmp_path / "clipboard.txt").stat().st_mode & 0o777) == "0o600"


def test_user_text_with_jinja_syntax_renders_literally(run: Cli) -> None:
    title = "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ config }}"
    declare(run, title)
    run.ok("triage", "--impact", "{{ ''.__class__.__mro__ }}")
    out = run.ok("update").stdout
    assert title in out
    assert "{{ ''.__class__.__mro__ }}" in out
    assert "49" not in out and "looploop" not in out


def test_team_template_overrides_and_errors_name_the_line(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declare(run)
    team = tmp_path / "team" / "updates"
    team.mkdir(parents=True)
    (team / "investigating.j2").write_text("Team says: {{ incident.title }}\n")
    (team / "broken.j2").write_text("line one\n{{ incident.title }\n")
    monkeypatch.setenv("WARROOM_TEMPLATES", str(tmp_path / "team"))
    assert run.ok("update").stdout == "Team says: Checkout returns 500s\n"
    broken = run("update", "-t", "broken")
    assert broken.exit_code == 1
    assert "broken.j2" in broken.stderr and "line 2" in broken.stderr


def test_resolved_update_after_recovery(run: Cli) -> None:
    declare(run)
    run.ok("status", "resolved")
    out = run.ok("update").stdout
    assert out.startswith("Resolved: Checkout returns 500s")
    assert "next update" not in out


@pytest.mark.slow
def test_templates_found_after_wheel_install(tmp_path: Path) -> None:
    """A non-editable install from a wheel carries the templates inside the package."""
    # Build from a copy: setuptools writes build/ and egg-info beside the sources.
    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"
    shutil.copytree(
        root,
        source,
        ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__"),
    )
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {build.stderr.strip()[-200:]}")
    (wheel,) = wheels.glob("warroom-*.whl")
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import warroom, warroom.templating as t;"
        "print(warroom.__file__); print(t.shipped_template_dir());"
        "print(','.join(t.list_update_templates()))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.splitlines()
    assert out[0].startswith(str(site))
    assert out[1].startswith(str(site))
    assert out[2] == "identified,investigating,monitoring,resolved,stakeholder"
    db = tmp_path / "w.db"
    cli = [sys.executable, "-m", "warroom", "--db", str(db)]
    subprocess.run(
        [*cli, "declare", "Wheel test", "-s", "SEV3"],
        env=env,
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    rendered = subprocess.run(
        [*cli, "update"], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert rendered.stdout.startswith("Investigating: Wheel test")
