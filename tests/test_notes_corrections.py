"""Issue 11 parts 2 (from a shell) and 4: whole notes from stdin and files, corrections that
append, and `--at` for when something happened."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import Cli, FakeClock
from warroom.cli import cli
from warroom.domain import MAX_NOTE_BYTES


def rows(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("select id, kind, text, data from timeline order by id").fetchall()


def log_text(lines: int = 5000) -> str:
    # Indented lines, blank lines, tabs and trailing spaces must all survive.
    parts = [f"  {i:05d} ERROR checkout\tpayment timeout   " for i in range(lines)]
    parts[10] = ""
    return "\n".join(parts)


def test_note_from_stdin_is_one_entry_holding_all_of_it(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    text = log_text()
    result = run("note", "-", input=text + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().startswith("Noted on INC-1 (#") and "5,000 lines" in result.stdout
    notes = [r for r in rows(db_path) if r[1] == "note"]
    assert len(notes) == 1
    assert notes[0][2] == text.rstrip()  # exact, but for the trailing whitespace


def test_note_from_a_file(run: Cli, db_path: Path, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    path = tmp_path / "slow.txt"
    path.write_text("line one\n\n    line three indented\n", encoding="utf-8")
    run.ok("note", "--file", str(path))
    assert rows(db_path)[-1][1:3] == ("note", "line one\n\n    line three indented")


def test_note_over_the_limit_is_refused_whole(run: Cli, db_path: Path, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    before = rows(db_path)
    result = run("note", "-", input="a" * (MAX_NOTE_BYTES + 1))
    assert result.exit_code == 2 and "over the limit of 2,097,152 bytes" in result.stderr
    path = tmp_path / "big.txt"
    path.write_text("b" * (MAX_NOTE_BYTES + 10), encoding="utf-8")
    result = run("note", "--file", str(path))
    assert result.exit_code == 2 and "nothing was written" in result.stderr
    assert rows(db_path) == before
    # Exactly at the limit is kept whole.
    run("note", "-", input="c" * MAX_NOTE_BYTES)
    assert rows(db_path)[-1][2] == "c" * MAX_NOTE_BYTES


def test_note_input_errors(run: Cli, db_path: Path, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    before = rows(db_path)
    cases = [
        (("note", "-"), b"\xff\xfe broken", "not valid UTF-8"),
        (("note", "-"), b"   \n\n  ", "the note is empty"),
        (("note", "--file", str(tmp_path)), None, "is a folder"),
        (("note", "--file", str(tmp_path / "missing.txt")), None, "No such file"),
        (("note", "x", "--file", str(tmp_path / "a")), None, "not several"),
    ]
    for args, data, message in cases:
        result = run.runner.invoke(
            cli,
            ["--db", str(db_path), *args],
            input=data,
        )
        assert result.exit_code in (1, 2), (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert rows(db_path) == before


def test_tail_folds_long_notes_and_full_shows_them_whole(run: Cli) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    text = log_text(50)
    run("note", "-", input=text)
    folded = run.ok("tail", "-n", "1").stdout
    assert "00000 ERROR" in folded and "00049" not in folded
    assert "\u2026 47 more lines (tail --full)" in folded
    full = run.ok("tail", "-n", "1", "--full").stdout
    assert all(f"{i:05d} ERROR" in full for i in range(50) if i != 10)
    assert len(full.splitlines()) == 50
    (line,) = run.ok("tail", "-n", "1", "--json").stdout.splitlines()
    assert json.loads(line)["text"] == text.rstrip()


def test_correct_appends_and_shows_the_correction_in_place(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    run.ok("note", "errors began after v1.42")
    original_id = rows(db_path)[-1][0]
    result = run.ok("correct", str(original_id), "errors began after v1.43", author="bob")
    assert result.stdout.startswith(f"Corrected #{original_id} on INC-1 (#")
    stored = rows(db_path)
    assert stored[-2][2] == "errors began after v1.42"  # the original, untouched
    kind, text, data = stored[-1][1:]
    assert (kind, text) == ("correction", "errors began after v1.43")
    assert json.loads(data) == {"corrects": original_id, "kind": "note"}
    shown = run.ok("tail").stdout.splitlines()
    at_original = next(line for line in shown if f"#{original_id} " in line)
    assert "\u270e" in at_original and "v1.43" in at_original and "v1.42" not in at_original
    assert "corrects #" in shown[-1]
    originals = run.ok("tail", "--originals").stdout.splitlines()
    at_original = next(line for line in originals if f"#{original_id} " in line)
    assert "v1.42" in at_original and "original; corrected in #" in at_original


def test_correcting_a_correction_corrects_the_original(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    run.ok("note", "first")
    first = rows(db_path)[-1][0]
    run.ok("correct", str(first), "second")
    run.ok("correct", str(rows(db_path)[-1][0]), "third")
    assert json.loads(rows(db_path)[-1][3])["corrects"] == first
    line = next(x for x in run.ok("tail").stdout.splitlines() if f"#{first} " in x)
    assert "third" in line


def test_correct_refuses_bad_ids(run: Cli, db_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    before = rows(db_path)
    for args, message in [
        (("correct", "999", "x"), "no timeline entry #999"),
        (("correct", "abc", "x"), "not an entry number"),
        (("correct", "1", "  "), "the corrected text is empty"),
    ]:
        result = run(*args)
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert rows(db_path) == before


def test_at_is_stored_beside_ts(run: Cli, db_path: Path, clock: FakeClock) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=30)
    run.ok("note", "--at", "14:05", "first alert fired")
    run.ok("mitigate", "--at", "10m ago", "-a", "rollback", "v1.41")
    note, mitigation = [r for r in rows(db_path) if r[1] in ("note", "mitigation")]
    assert json.loads(note[3]) == {"at": "2026-11-26T14:05:00.000000+00:00"}
    assert json.loads(mitigation[3])["at"] == "2026-11-26T14:20:00.000000+00:00"
    assert "(happened 14:05:00)" in run.ok("tail").stdout
    before = rows(db_path)
    result = run("note", "--at", "2026-11-26T15:00Z", "from the future")
    assert result.exit_code == 2 and "in the future" in result.stderr
    result = run("note", "--at", "soon", "x")
    assert result.exit_code == 2 and "not a time" in result.stderr
    assert rows(db_path) == before


def test_a_correction_with_at_corrects_when_it_happened(
    run: Cli, db_path: Path, clock: FakeClock
) -> None:
    """`correct 4 "db failover started" --at "7m ago"`: tail and the war room kept the
    original's time, and the postmortem dropped the corrected line's "(logged ...)" (drill)."""
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=30)  # 14:30
    run.ok("note", "--at", "14:20", "db failover started")
    first = rows(db_path)[-1][0]
    run.ok("correct", str(first), "--at", "14:12", "db failover started (the replica)")
    shown = next(line for line in run.ok("tail").stdout.splitlines() if f"#{first} " in line)
    assert "(happened 14:12:00) \u270e (corrected in #" in shown, shown
    assert "14:20" not in shown
    originals = run.ok("tail", "--originals").stdout
    assert "(happened 14:20:00) (original; corrected in #" in originals
    run.ok("correct", str(first), "db failover started (the replica, eu-1)")  # no --at
    shown = next(line for line in run.ok("tail").stdout.splitlines() if f"#{first} " in line)
    assert "(happened 14:20:00) \u270e (corrected in #" in shown, shown
    draft = run.ok("export").stdout
    line = next(x for x in draft.splitlines() if "originally:" in x)
    assert "(logged 14:30:00) \u270e db failover started (the replica, eu-1)" in line


def test_postmortem_orders_by_when_it_happened_and_marks_corrections(
    run: Cli, db_path: Path, clock: FakeClock
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    clock.advance(minutes=10)
    run.ok("note", "rollback started")  # 14:10
    clock.advance(minutes=10)
    run.ok("note", "--at", "14:05", "first alert had fired")  # logged 14:20
    run.ok("note", "cause: v1.42")
    run.ok("correct", str(rows(db_path)[-1][0]), "cause: v1.43", author="bob")
    draft = run.ok("export").stdout
    lines = [line for line in draft.splitlines() if line.startswith("- 14:")]
    texts = [line.split(" — ", 1)[1] for line in lines]
    alert = next(i for i, t in enumerate(texts) if "first alert" in t)
    rollback = next(i for i, t in enumerate(texts) if "rollback started" in t)
    assert alert < rollback
    assert lines[alert].startswith("- 14:05:00") and "(logged 14:20:00)" in lines[alert]
    fixed = next(t for t in texts if "originally" in t)
    assert fixed.startswith("\u270e cause: v1.43") and "originally: cause: v1.42" in fixed
    assert "bob" in fixed
    doc = json.loads(run.ok("export", "-f", "json").stdout)
    assert doc["timeline"][-1]["data"]["corrects"] == rows(db_path)[-2][0]
