"""Rows written straight into the file by any member (sqlite3, another tool, a newer warroom):
every face shows a bad row as unreadable, with its id, and never crashes or passes control
characters read from the file to the terminal."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions
from warroom.actions import Room

from .tui_helpers import make_app, settle

ESC = "\x1b"


def _insert(db: Path, **row: object) -> int:
    values = {
        "incident_id": 1,
        "ts": "2026-11-26T14:00:00.000000+00:00",
        "author": "mallory",
        "login": "mallory",
        "kind": "note",
        "text": "planted",
        "data": None,
        **row,
    }
    conn = sqlite3.connect(db)
    try:
        cur = conn.execute(
            "INSERT INTO timeline (incident_id, ts, author, login, kind, text, data)"
            " VALUES (:incident_id, :ts, :author, :login, :kind, :text, :data)",
            values,
        )
        conn.commit()
        assert cur.lastrowid is not None
        return cur.lastrowid
    finally:
        conn.close()


@pytest.fixture
def planted(run: Cli, db_path: Path) -> dict[str, int]:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    ids = {
        "escape_kind": _insert(db_path, kind=f"{ESC}[31mevil{ESC}]0;owned\x07"),
        "bad_ts": _insert(db_path, ts="yesterday-ish", text="when?"),
        "bad_json": _insert(db_path, kind="status", data="{not json"),
        "new_kind": _insert(db_path, kind="frobnicate", text="from a newer warroom"),
    }
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE checklist SET step = ? WHERE position = 1", (f"{ESC}]0;title\x07x",))
    conn.commit()
    conn.close()
    return ids


def _no_control(text: str) -> None:
    assert ESC not in text and "\x07" not in text, repr(text[:400])


def test_tail_shows_unreadable_entries_with_their_ids(run: Cli, planted: dict[str, int]) -> None:
    result = run("tail", "-n", "50")
    assert result.exit_code == 0, result.output
    _no_control(result.stdout)
    for name in ("escape_kind", "bad_ts", "bad_json"):
        assert f"unreadable entry #{planted[name]}" in result.stdout, name
    assert "frobnicate" in result.stdout and "from a newer warroom" in result.stdout

    as_json = run("tail", "-n", "50", "--json")
    assert as_json.exit_code == 0
    entries = {e["id"]: e for e in map(json.loads, as_json.stdout.splitlines())}
    assert entries[planted["bad_ts"]]["kind"] == "unreadable"
    assert entries[planted["new_kind"]]["kind"] == "frobnicate"


def test_show_sanitises_the_step_and_reports_a_bad_declaration_time(
    run: Cli, db_path: Path, planted: dict[str, int]
) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE incidents SET declared_at = 'soon'")
    conn.commit()
    conn.close()
    for args in (["show"], ["list"], ["show", "--json"], ["list", "--json"]):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        _no_control(result.stdout)
    assert "declaration time is unreadable" in run("show").stdout


@pytest.mark.parametrize("fmt", ["markdown", "json", "csv"])
def test_exports_survive_bad_rows(
    run: Cli, db_path: Path, planted: dict[str, int], fmt: str
) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE incidents SET declared_at = 'soon'")
    conn.commit()
    conn.close()
    result = run("export", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        doc = json.loads(result.stdout)
        bad = {e["id"]: e for e in doc["timeline"]}
        assert "unreadable" in bad[planted["bad_json"]]
        assert bad[planted["bad_ts"]]["ts"] == "yesterday-ish"  # the stored value, exactly
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(result.stdout)))
        by_id = {r[0]: r for r in rows[1:]}
        assert by_id[str(planted["bad_ts"])][2] == "unreadable"
    else:
        # Markdown-escaped, as all text in the draft is.
        assert f"unreadable entry \\#{planted['bad_ts']}" in result.stdout


async def test_the_war_room_shows_unreadable_entries(
    room: Room, db_path: Path, tmp_path: Path
) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    bad_ts = _insert(db_path, incident_id=incident, ts="not a time")
    escape = _insert(db_path, incident_id=incident, kind=f"{ESC}[2Jboom")
    _insert(db_path, incident_id=incident, kind="frobnicate", text="newer kind")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE checklist SET step = ? WHERE position = 1", (f"{ESC}]0;t\x07",))
    conn.commit()
    conn.close()
    app = make_app(room, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        texts = app.main.timeline.texts()
        assert any(f"unreadable entry #{bad_ts}" in t for t in texts)
        assert any(f"unreadable entry #{escape}" in t for t in texts)
        assert "newer kind" in texts
        assert app.return_code in (None, 0)
        svg = app.export_screenshot()
        assert "unreadable" in svg and "boom" in svg


def test_severity_definitions_from_the_config_are_sanitised(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[severities.SEV2]\ndefinition = "Major \\u001b]0;owned\\u0007\\u001b[2J really"\n'
        "cadence_minutes = 30\nfirst_update_minutes = 10\n"
    )
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    for args in (["declare", "Checkout down", "-s", "SEV2"], ["show"], ["severity", "SEV2"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        _no_control(result.stdout)
    assert "Major ␛␛ really" in run("show").stdout
