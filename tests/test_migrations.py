"""Upgrading a file keeps every value it held.

For each older schema version the file is built with every column of every table filled
(optional columns included, where a lossy table rebuild would show), plus a row with only the
required columns, then opened by the current warroom. Every old value must read back as it
was written. The expected values are the ones this test wrote, not anything warroom computes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from warroom.storage import Store, open_store, schema

# Values that satisfy the schema's CHECK constraints. A new table or column with a CHECK the
# generic values below do not meet fails this test with its name: add a value here.
VALUES: dict[tuple[str, str], list[Any]] = {
    ("incidents", "severity"): ["SEV2", "SEV1"],
    ("incidents", "status"): ["identified", "investigating"],
    ("roles", "role"): ["comms", "owner"],
    ("alerts", "status"): ["firing", "resolved"],
    ("handovers", "role"): ["owner", "fix_lead"],
    ("deliveries", "state"): ["failed", "pending"],
}


def value_for(table: str, column: str, col_type: str, n: int) -> Any:
    if (table, column) in VALUES:
        return VALUES[(table, column)][n - 1]
    if column == "incident_id":
        return 11  # the first incident's id (below), so foreign keys hold
    if column == "data":
        return f'{{"kept": "{table} row {n}"}}'  # JSON, as the code reads it
    if column == "ts" or column.endswith("_at"):
        return f"2026-11-26T14:0{n}:0{n}.00000{n}+00:00"
    if column == "due":
        return f"2026-12-1{n}"
    if "INT" in col_type.upper():
        return 10 + n
    if "REAL" in col_type.upper():
        return 1.5 + n
    return f"{table}.{column} row {n} ✓"


def user_tables(conn: sqlite3.Connection) -> list[str]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # incidents first: every other table points at it.
    return sorted(names, key=lambda name: (name != "incidents", name))


def columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool, bool]]:
    """(name, type, required, part of the primary key) per column."""
    return [
        (r[1], r[2], bool(r[3]), bool(r[5])) for r in conn.execute(f"PRAGMA table_info({table})")
    ]


def build_old_file(path: Path, version: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    schema.ensure_current(Store(conn, path, readonly=False), target=version)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    for table in user_tables(conn):
        cols = columns(conn, table)
        for n in (1, 2):
            # Row 1: every column. Row 2: only what is required (and the key).
            chosen = [c for c in cols if n == 1 or c[2] or c[3]]
            names = ", ".join(c[0] for c in chosen)
            marks = ", ".join("?" for _ in chosen)
            values = [value_for(table, c[0], c[1], n) for c in chosen]
            try:
                conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
            except sqlite3.IntegrityError as exc:
                pytest.fail(f"cannot fill {table} at schema {version} ({exc}); extend VALUES")
    conn.close()


def contents(conn: sqlite3.Connection, shape: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of every table in `shape`, its columns only, in a stable order."""
    out = {}
    for table, cols in shape.items():
        names = ", ".join(cols)
        rows = conn.execute(f"SELECT {names} FROM {table}").fetchall()
        out[table] = sorted(rows, key=repr)
    return out


@pytest.mark.parametrize("version", range(1, schema.SCHEMA_VERSION))
def test_upgrade_keeps_every_value_of_every_column(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    build_old_file(path, version)
    conn = sqlite3.connect(path)
    shape = {t: [c[0] for c in columns(conn, t)] for t in user_tables(conn)}
    before = contents(conn, shape)
    conn.close()
    # Row 1 of each table really has every column filled: optional ones are what get lost.
    for table, rows in before.items():
        assert rows, table
        assert any(None not in row for row in rows), (table, rows)

    open_store(path).close()

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        after = contents(conn, shape)
    finally:
        conn.close()
    for table in shape:
        assert after[table] == before[table], table
