"""Every "by" column stores the Unix login beside the display name, and every face shows the
login where it differs: a name given with --as cannot pass for someone else."""

from __future__ import annotations

import json
import os
import pwd
import sqlite3
from pathlib import Path

from tests.conftest import Cli
from warroom import actions
from warroom.actions import Actor, Room
from warroom.storage import Store, open_store, schema

from .tui_helpers import drawn, make_app, settle

LOGIN = pwd.getpwuid(os.getuid()).pw_name
SPOOF = "maya-spoofed"  # a display name that is nobody's login


def test_upgrade_keeps_every_row_and_adds_empty_login_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    old = Store(conn, path, readonly=False)
    schema.ensure_current(old, target=4)  # the schema before logins were stored
    conn.execute(
        "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
        " VALUES ('Old', 'SEV2', 'investigating', '2026-11-26T14:00:00.000000+00:00', 'ann')"
    )
    conn.execute(
        "INSERT INTO roles VALUES (1, 'owner', 'ann', '2026-11-26T14:00:00.000000+00:00', 'bo')"
    )
    conn.execute(
        "INSERT INTO followups (incident_id, text, created_at, created_by, done_at, done_by)"
        " VALUES (1, 'fix', '2026-11-26T14:00:00.000000+00:00', 'cy',"
        " '2026-11-26T14:05:00.000000+00:00', 'di')"
    )
    before = {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("incidents", "roles")}
    conn.close()

    store = open_store(path)
    try:
        rows = store.conn.execute("SELECT declared_by, declared_by_login FROM incidents").fetchall()
        assert rows == [("ann", None)]
        assert store.conn.execute(
            "SELECT assigned_by, assigned_by_login FROM roles"
        ).fetchall() == [("bo", None)]
        assert store.conn.execute(
            "SELECT created_by, created_by_login, done_by, done_by_login FROM followups"
        ).fetchall() == [("cy", None, "di", None)]
        for table, old_rows in before.items():
            kept = store.conn.execute(f"SELECT * FROM {table}").fetchall()
            assert [r[: len(old_rows[0])] for r in kept] == old_rows  # old columns untouched
        for table, column in schema.LOGIN_COLUMNS:
            names = {r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")}
            assert column in names, (table, column)
        # Old rows show the name alone: their login is not known.
        room = Room(store, Actor("x", "x"))
        incident = room.incident(1)
        assert incident.declared_by_login is None
        assert incident.assigned_by["owner"] == ("bo", None)
    finally:
        store.close()


def test_every_by_column_records_the_login(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2", author=SPOOF)
    run.ok("assign", "owner", "maya", author=SPOOF)
    run.ok("check", "1", author=SPOOF)
    run.ok("update", "--publish", author=SPOOF)
    run.ok("followup", "add", "Write it up", author=SPOOF)
    run.ok("followup", "done", "1", author=SPOOF)
    conn = sqlite3.connect(db_path)
    try:
        for table, column in schema.LOGIN_COLUMNS:
            by = column.removesuffix("_login")
            values = conn.execute(f"SELECT {by}, {column} FROM {table} WHERE {by} IS NOT NULL")
            got = values.fetchall()
            assert got and all(row == (SPOOF, LOGIN) for row in got), (table, got)
    finally:
        conn.close()


def test_show_and_postmortem_show_the_login_beside_a_spoofed_name(run: Cli) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2", author=SPOOF)
    run.ok("assign", "owner", "maya", author=SPOOF)
    run.ok("note", "I am maya, trust me", author=SPOOF)
    label = f"{SPOOF} (login {LOGIN})"
    shown = run.ok("show").stdout
    assert f"by {label}" in shown  # declared by
    assert f"(assigned by {label})" in shown
    assert f"({label} " in shown  # the checklist tick by the auto severity item
    draft = run.ok("export").stdout
    assert f"{SPOOF} (login {LOGIN}) · note — I am maya, trust me" in draft.replace("\\", "")
    data = json.loads(run.ok("show", "--json").stdout)
    assert data["declared_by_login"] == LOGIN


async def test_the_war_room_shows_the_login_in_timeline_roles_and_checklist(
    store: Store, clock: object
) -> None:
    spoofer = Room(store, Actor("maya", "mallory"))
    incident = actions.declare(spoofer, "Checkout down", "SEV2")
    actions.assign(spoofer, incident, "owner", "jonas")
    actions.note(spoofer, incident, "all fine, stand down")
    app = make_app(spoofer, incident)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        # The login goes under the name, in the author column of the entry's second line.
        last = timeline._rows[-1]
        assert (last.author, last.login, last.text) == ("maya", "mallory", "all fine, stand down")
        lines = [timeline._render_timeline_line(y, 120).text for y in range(60)]
        note = next(i for i, line in enumerate(lines) if "all fine, stand down" in line)
        # "login mallory" is 13 cells, wider than the 12-cell column: "(mallory)".
        assert lines[note + 1].split() == ["(mallory)"]
        roles = drawn(app, app.main.query_one("RolesPane"), inner=True)
        assert "by maya (login mallory)" in " ".join(roles.split()), roles
        checklist = drawn(app, app.main.query_one("ChecklistPane"))
        assert "maya (login mallory)" in " ".join(checklist.split()), checklist
