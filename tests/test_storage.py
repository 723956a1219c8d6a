from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from warroom import actions
from warroom.errors import DatabaseError, WarroomError
from warroom.room import Actor, Room
from warroom.storage import open_store, resolve_db_path, schema
from warroom.storage.connection import APPLICATION_ID, Store


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_file_is_private_wal_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "w.db"
    store = open_store(path)
    try:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert {"incidents", "timeline", "roles", "checklist", "updates", "followups"} <= tables
    finally:
        store.close()


def test_new_file_private_even_with_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = open_store(tmp_path / "w.db")
        store.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "w.db").stat().st_mode) == 0o600


def test_timeline_is_append_only(room: Room) -> None:
    incident = actions.declare(room, "Checkout down", "SEV1")
    actions.note(room, incident, "first")
    with pytest.raises(DatabaseError, match="append-only"), room.store.write() as conn:
        conn.execute("UPDATE timeline SET text = 'rewritten'")
    with pytest.raises(DatabaseError, match="append-only"), room.store.write() as conn:
        conn.execute("DELETE FROM timeline")
    with room.read() as conn:
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline ORDER BY id")]
    assert "first" in texts


def test_foreign_keys_enforced(store: Store) -> None:
    with pytest.raises(DatabaseError, match="FOREIGN KEY"), store.write() as conn:
        conn.execute(
            "INSERT INTO timeline (incident_id, ts, author, kind, text)"
            " VALUES (999, 'x', 'a', 'note', 't')"
        )


def test_write_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute(
            "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
            " VALUES ('x', 'SEV1', 'investigating', 't', 'a')"
        )
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 0


def make_v1_file(path: Path) -> None:
    """A file exactly as the first schema wrote it, with data in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    store = Store(conn, path, readonly=False)
    schema.ensure_current(store, target=1)
    conn.execute(
        "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
        " VALUES ('Old incident', 'SEV2', 'investigating', '2026-01-01T10:00:00.000000+00:00',"
        " 'old')"
    )
    conn.execute(
        "INSERT INTO timeline (incident_id, ts, author, kind, text)"
        " VALUES (1, '2026-01-01T10:00:00.000000+00:00', 'old', 'note', 'kept across upgrade')"
    )
    conn.close()


def test_upgrades_file_from_earlier_schema(tmp_path: Path, clock) -> None:
    path = tmp_path / "old.db"
    make_v1_file(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    cols = {r[1] for r in conn.execute("PRAGMA table_info(timeline)")}
    assert "login" not in cols
    conn.close()

    store = open_store(path)
    try:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        cols = {r[1] for r in store.conn.execute("PRAGMA table_info(timeline)")}
        assert "login" in cols
        room = Room(store, Actor("new", "new-login"), clock=clock)
        actions.note(room, 1, "after upgrade")
        with room.read() as c:
            rows = c.execute("SELECT text, login FROM timeline ORDER BY id").fetchall()
        assert rows == [("kept across upgrade", None), ("after upgrade", "new-login")]
        assert room.incident(1).title == "Old incident"
    finally:
        store.close()


def test_refuses_text_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database at all\n" * 50)
    before = digest(path)
    with pytest.raises(WarroomError, match="not a SQLite database"):
        open_store(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_refuses_someone_elses_sqlite_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('x')")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(WarroomError, match="not a warroom one"):
        open_store(path)
    assert digest(path) == before


def test_refuses_file_from_newer_version_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(WarroomError, match="newer warroom"):
        open_store(path)
    assert digest(path) == before


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WarroomError, match="cannot create folder"):
        open_store(blocker / "sub" / "w.db")


def test_readonly_open_refuses_writes(db_path: Path, room: Room) -> None:
    actions.declare(room, "x", "SEV3")
    ro = open_store(db_path, readonly=True)
    try:
        with pytest.raises(WarroomError, match="read-only"), ro.write():
            pass
        assert ro.conn.execute("SELECT count(*) FROM incidents").fetchone()[0] == 1
    finally:
        ro.close()


def test_path_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DB", str(tmp_path / "env.db"))
    assert resolve_db_path(str(tmp_path / "opt.db")) == tmp_path / "opt.db"
    assert resolve_db_path(None) == tmp_path / "env.db"
    monkeypatch.delenv("WARROOM_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_db_path(None) == tmp_path / "data" / "warroom" / "warroom.db"


def test_storage_and_actions_never_import_textual() -> None:
    code = (
        "import sys, warroom.storage, warroom.storage.queries, warroom.storage.schema, "
        "warroom.actions, warroom.views, warroom.domain, warroom.cli.incident;"
        "bad = [m for m in ('textual', 'jinja2', 'sqlite_utils') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_sql_runs_outside_storage() -> None:
    """import-linter keeps sqlite3 imports in storage; a connection passed up can still be
    asked for SQL without one (`store.conn.execute(...)`): no such call outside storage."""
    import ast

    import warroom

    root = Path(warroom.__file__).parent
    files = [f for f in sorted(root.rglob("*.py")) if "storage" not in f.relative_to(root).parts]
    assert len(files) > 50  # the package was found
    calls = {
        f"{f.relative_to(root)}:{node.lineno}"
        for f in files
        for node in ast.walk(ast.parse(f.read_text(), str(f)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"execute", "executemany", "executescript"}
    }
    assert calls == set()


def test_participants_follow_the_timeline_and_survive_upgrade(tmp_path: Path, clock) -> None:
    path = tmp_path / "old.db"
    make_v1_file(path)
    store = open_store(path)
    try:
        room = Room(store, Actor("new", "new-login"), clock=clock)
        actions.note(room, 1, "hello")
        actions.assign(room, 1, "comms", "zoe")
        with room.read() as conn:
            from warroom.views import people_seen

            # Most recent writer first, then the old author backfilled by the migration,
            # then people who hold a role without having written.
            assert people_seen(conn, 1) == ["new", "old", "zoe"]
    finally:
        store.close()


def test_author_filter_reads_through_its_index(store) -> None:
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM timeline WHERE incident_id = 1 AND author = 'x'"
        " ORDER BY id DESC LIMIT 501"
    ).fetchall()
    assert any("timeline_incident_author" in str(row[-1]) for row in plan), plan
