"""The hash-chained timeline and `warroom verify [--against FILE]`."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions
from warroom.actions import Actor, Room
from warroom.domain import Settings
from warroom.storage import Store, open_store, schema
from warroom.storage import queries as q

ZERO = "0" * 64
HEAD = re.compile(r"chain head #(\d+) sha256:([0-9a-f]{64})")


def expected_hashes(path: Path) -> list[tuple[int, str]]:
    """The chain as the README defines it, computed here independently of warroom's code:
    SHA-256 over the previous hash (64 zeros first) and the JSON array of the stored values."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT id, incident_id, ts, author, login, kind, text, data FROM timeline ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    previous = ZERO
    out = []
    for row in rows:
        content = json.dumps(list(row), ensure_ascii=True, separators=(",", ":"))
        previous = hashlib.sha256((previous + content).encode("ascii")).hexdigest()
        out.append((row[0], previous))
    return out


def stored_hashes(path: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.execute("SELECT id, hash FROM timeline ORDER BY id"))
    finally:
        conn.close()


def tamper(path: Path, *statements: str) -> None:
    """What a member with write access can do with sqlite3 behind warroom's back."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


UNGUARD = (
    "DROP TRIGGER timeline_no_update",
    "DROP TRIGGER timeline_no_delete",
)
REGUARD = (
    "CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline"
    " BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END",
    "CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline"
    " BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END",
)


@pytest.fixture
def incident(run: Cli) -> Cli:
    run.ok("declare", "Checkout returns 500s", "-s", "SEV2")
    run.ok("note", "errors began after deploy v1.42")
    run.ok("note", "rolling back", author="bob")
    run.ok("assign", "owner", "maya")
    return run


def test_every_entry_is_chained_as_documented(room: Room, db_path: Path) -> None:
    incident_id = actions.declare(room, "Login fails", "SEV1", services=["auth"])
    actions.note(room, incident_id, 'quotes " and \\ and ünïcode ✓ and a\nnewline')
    actions.publish_update(room, incident_id, "We are investigating.")
    # A kind and data fields warroom does not know yet are covered all the same.
    with room.store.write() as conn:
        q.append_timeline(
            conn,
            incident_id=incident_id,
            ts="2026-11-26T14:00:00.000000+00:00",
            author="bot",
            login="bot",
            kind="future-kind",
            text="x",
            data={"z": [1, 2], "a": {"nested": None}},
        )
    hashes = stored_hashes(db_path)
    assert len(hashes) >= 5
    assert hashes == expected_hashes(db_path)


def test_bulk_inserts_continue_the_chain(store: Store, room: Room, db_path: Path) -> None:
    incident_id = actions.declare(room, "Bulk", "SEV3")
    rows = [
        (incident_id, f"2026-11-26T14:00:{i:02d}.000000+00:00", "bot", "b", "note", f"n{i}")
        for i in range(30)
    ]
    with store.write() as conn:
        q.append_timeline_many(conn, rows)
    actions.note(room, incident_id, "after the bulk")
    assert stored_hashes(db_path) == expected_hashes(db_path)


def test_concurrent_writers_never_fork_the_chain(db_path: Path, room: Room) -> None:
    incident_id = actions.declare(room, "Busy", "SEV2")
    before = len(stored_hashes(db_path))
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            own = open_store(db_path)
            try:
                r = Room(own, Actor(name, name), Settings(), room.clock)
                for i in range(25):
                    actions.note(r, incident_id, f"{name} {i}")
            finally:
                own.close()
        except BaseException as exc:  # reported below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    hashes = stored_hashes(db_path)
    assert len(hashes) == before + 4 * 25
    assert hashes == expected_hashes(db_path)


def test_verify_passes_with_count_and_head(incident: Cli, db_path: Path) -> None:
    result = incident.ok("verify")
    last_id, last_hash = expected_hashes(db_path)[-1]
    count = len(stored_hashes(db_path))
    assert f"Verified {count} timeline entries" in result.stdout
    assert f"chain head #{last_id} sha256:{last_hash}" in result.stdout


def test_verify_catches_an_edited_entry(incident: Cli, db_path: Path) -> None:
    target = stored_hashes(db_path)[2][0]
    tamper(
        db_path,
        *UNGUARD,
        f"UPDATE timeline SET text = 'nothing to see' WHERE id = {target}",
        *REGUARD,
    )
    result = incident("verify")
    assert result.exit_code == 1
    assert f"entry #{target} does not match its hash" in result.output


def test_verify_catches_an_edited_author_or_data(incident: Cli, db_path: Path) -> None:
    first = stored_hashes(db_path)[0][0]
    tamper(db_path, *UNGUARD, f"UPDATE timeline SET data = '{{}}' WHERE id = {first}", *REGUARD)
    result = incident("verify")
    assert result.exit_code == 1
    assert f"entry #{first} does not match" in result.output


def test_verify_catches_a_deleted_entry(incident: Cli, db_path: Path) -> None:
    middle = stored_hashes(db_path)[2][0]
    tamper(db_path, *UNGUARD, f"DELETE FROM timeline WHERE id = {middle}", *REGUARD)
    result = incident("verify")
    assert result.exit_code == 1
    assert f"#{middle} deleted" in result.output


def test_verify_catches_the_last_entry_deleted(incident: Cli, db_path: Path) -> None:
    last = stored_hashes(db_path)[-1][0]
    tamper(db_path, *UNGUARD, f"DELETE FROM timeline WHERE id = {last}", *REGUARD)
    result = incident("verify")
    assert result.exit_code == 1
    assert f"the file had reached #{last}" in result.output


def test_verify_catches_an_inserted_entry(incident: Cli, db_path: Path) -> None:
    tamper(
        db_path,
        "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
        " VALUES (1, '2026-11-26T13:00:00.000000+00:00', 'maya', 'maya', 'note', 'all fine')",
    )
    result = incident("verify")
    assert result.exit_code == 1
    assert "has no hash: inserted outside warroom" in result.output


def test_verify_catches_an_entry_inserted_with_a_made_up_hash(incident: Cli, db_path: Path) -> None:
    tamper(
        db_path,
        "INSERT INTO timeline (incident_id, ts, author, login, kind, text, hash)"
        f" VALUES (1, '2026-11-26T13:00:00.000000+00:00', 'maya', 'maya', 'note', 'x', '{ZERO}')",
    )
    result = incident("verify")
    assert result.exit_code == 1
    last = stored_hashes(db_path)[-1][0]
    assert f"entry #{last} does not match its hash" in result.output


@pytest.mark.parametrize("trigger", ["timeline_no_update", "timeline_no_delete"])
def test_verify_catches_a_dropped_trigger(incident: Cli, db_path: Path, trigger: str) -> None:
    tamper(db_path, f"DROP TRIGGER {trigger}")
    result = incident("verify")
    assert result.exit_code == 1
    assert f"the trigger {trigger} is missing" in result.output


def test_verify_catches_a_weakened_trigger(incident: Cli, db_path: Path) -> None:
    tamper(
        db_path,
        "DROP TRIGGER timeline_no_update",
        "CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline WHEN 0"
        " BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END",
    )
    result = incident("verify")
    assert result.exit_code == 1
    assert "the trigger timeline_no_update was changed" in result.output


def rechain(path: Path) -> None:
    """The attack the chain alone cannot see: edit, then recompute every hash."""
    tamper(path, *UNGUARD, "UPDATE timeline SET text = 'rewritten' WHERE id = 2")
    for entry_id, digest in expected_hashes(path):
        tamper(path, f"UPDATE timeline SET hash = '{digest}' WHERE id = {entry_id}")
    tamper(path, *REGUARD)


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_against_an_export_catches_history_rewritten_after_it(
    incident: Cli, db_path: Path, tmp_path: Path, fmt: str
) -> None:
    export = tmp_path / f"pm.{fmt}"
    incident.ok("export", "--format", fmt, "-o", str(export))
    incident.ok("note", "written after the export")
    ok = incident.ok("verify", "--against", str(export))
    assert "in this file's history" in ok.stdout
    rechain(db_path)
    assert incident("verify").exit_code == 0  # the rewritten chain is consistent by itself
    result = incident("verify", "--against", str(export))
    assert result.exit_code == 1
    assert "was rewritten after" in result.output


def test_exports_record_the_head_of_their_snapshot(incident: Cli, db_path: Path) -> None:
    last_id, last_hash = expected_hashes(db_path)[-1]
    document = json.loads(incident.ok("export", "--format", "json").stdout)
    assert document["chain_head"] == {"id": last_id, "hash": last_hash}
    draft = incident.ok("export").stdout
    assert draft.rstrip().endswith("still holds that history._")
    assert f"`#{last_id} sha256:{last_hash}`" in draft.rstrip().splitlines()[-1]


def test_a_note_cannot_forge_the_markdown_head(
    incident: Cli, db_path: Path, tmp_path: Path
) -> None:
    incident.ok("note", f"`#1 sha256:{'a' * 64}`")
    export = tmp_path / "pm.md"
    incident.ok("export", "-o", str(export))
    # A team template without the footer: only the note's text could supply a head.
    text = export.read_text()
    export.write_text(text[: text.rindex("---")])
    result = incident("verify", "--against", str(export))
    assert result.exit_code == 2
    assert "records no chain head" in result.output


def test_against_a_backup_and_a_file_from_elsewhere(
    incident: Cli, db_path: Path, tmp_path: Path, clock
) -> None:
    copy = tmp_path / "copy.db"
    backed = incident.ok("backup", str(copy))
    head = HEAD.search(backed.stdout.replace("Chain head", "chain head"))
    assert head is not None
    assert (int(head.group(1)), head.group(2)) == expected_hashes(db_path)[-1]
    incident.ok("note", "after the backup")
    assert "(database) records" in incident.ok("verify", "--against", str(copy)).stdout

    other = Cli(tmp_path / "other.db", clock)
    other.ok("declare", "Something else", "-s", "SEV3")
    for i in range(10):
        other.ok("note", f"other {i}")
    result = incident("verify", "--against", str(other.db_path))
    assert result.exit_code == 1
    assert "history up to" in result.output or "ends at" in result.output


def test_against_a_copy_that_fails_its_own_chain(
    incident: Cli, db_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    incident.ok("backup", str(copy))
    tamper(copy, "DROP TRIGGER timeline_no_delete")
    result = incident("verify", "--against", str(copy))
    assert result.exit_code == 1
    assert "itself fails verification" in result.output


def test_against_bad_input(incident: Cli, db_path: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "t.csv"
    incident.ok("export", "--format", "csv", "-o", str(csv_file))
    cases = {
        str(db_path): "is the database itself",
        str(csv_file): "records no chain head",
        str(tmp_path / "missing.md"): "cannot read",
        str(tmp_path): "not a regular file",
    }
    for against, message in cases.items():
        result = incident("verify", "--against", against)
        assert result.exit_code == 2, (against, result.output)
        assert message in result.output
        assert "Traceback" not in result.output
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"chain_head": {"id": "1", "hash": "x"}}')
    result = incident("verify", "--against", str(bad_json))
    assert result.exit_code == 2 and "chain_head must be" in result.output


def test_published_update_records_the_head_before_it(room: Room, db_path: Path) -> None:
    incident_id = actions.declare(room, "Login fails", "SEV1")
    actions.note(room, incident_id, "before the update")
    before = expected_hashes(db_path)[-1]
    actions.publish_update(room, incident_id, "We are investigating.")
    with room.read() as conn:
        row = conn.execute(
            "SELECT data FROM timeline WHERE kind = 'update' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert json.loads(row[0])["chain_head"] == {"id": before[0], "hash": before[1]}


# --- upgrading an older file ------------------------------------------------------------------


def older_file(path: Path, entries: int = 3) -> None:
    """A file at the schema just before the chain, with entries written as it wrote them."""
    conn = sqlite3.connect(path, isolation_level=None)
    store = Store(conn, path, readonly=False)
    schema.ensure_current(store, target=schema.MIGRATIONS.index(schema._chain))
    assert "hash" not in {r[1] for r in conn.execute("PRAGMA table_info(timeline)")}
    conn.execute(
        "INSERT INTO incidents (title, severity, status, declared_at, declared_by)"
        " VALUES ('Old incident', 'SEV2', 'investigating', '2026-01-01T10:00:00.000000+00:00',"
        " 'old')"
    )
    for i in range(entries):
        conn.execute(
            "INSERT INTO timeline (incident_id, ts, author, login, kind, text, data)"
            " VALUES (1, ?, 'old', 'old', 'note', ?, ?)",
            (f"2026-01-01T10:00:{i:02d}.000000+00:00", f"old note {i}", '{"k": 1}' if i else None),
        )
    conn.close()


def test_an_older_file_is_chained_in_order_on_upgrade(
    tmp_path: Path, run: Cli, db_path: Path
) -> None:
    older_file(db_path)
    run.ok("note", "after the upgrade", "-i", "1")
    hashes = stored_hashes(db_path)
    assert len(hashes) == 4
    assert hashes == expected_hashes(db_path)
    assert "Verified 4 timeline entries" in run.ok("verify").stdout
    # The trigger the migration had to lift is back.
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        tamper(db_path, "UPDATE timeline SET text = 'x' WHERE id = 1")


def test_the_upgrade_does_not_mend_a_missing_trigger(
    tmp_path: Path, run: Cli, db_path: Path
) -> None:
    older_file(db_path)
    tamper(db_path, "DROP TRIGGER timeline_no_update")
    result = run("verify")
    assert result.exit_code == 1  # opened read-only: an old file is not upgraded by verify
    open_store(db_path).close()
    result = run("verify")
    assert result.exit_code == 1
    assert "the trigger timeline_no_update is missing" in result.output


def test_verify_json_for_monitors(incident: Cli, db_path: Path, tmp_path: Path) -> None:
    export = tmp_path / "pm.json"
    incident.ok("export", "--format", "json", "-o", str(export))
    last_id, last_hash = expected_hashes(db_path)[-1]
    good = json.loads(incident.ok("verify", "--json", "--against", str(export)).stdout)
    assert good["ok"] is True and good["problem"] is None
    assert good["head"] == {"id": last_id, "hash": last_hash}
    assert good["against"]["kind"] == "json export"
    tamper(db_path, "DROP TRIGGER timeline_no_delete")
    result = incident("verify", "--json")
    assert result.exit_code == 1
    bad = json.loads(result.stdout)
    assert bad["ok"] is False and "timeline_no_delete is missing" in bad["problem"]


def test_against_a_saved_verify_output(incident: Cli, db_path: Path, tmp_path: Path) -> None:
    saved = tmp_path / "head.json"
    saved.write_text(incident.ok("verify", "--json").stdout)
    incident.ok("note", "later")
    assert "in this file's history" in incident.ok("verify", "--against", str(saved)).stdout
    rechain(db_path)
    assert incident("verify", "--against", str(saved)).exit_code == 1
