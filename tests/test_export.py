"""`warroom export`: the Markdown postmortem draft parses as CommonMark with every section,
JSON and CSV give back every timeline entry exactly, and files are never overwritten silently."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tests.conftest import T0, Cli, FakeClock, as_person
from tests.test_metrics import scripted_incident
from warroom import actions, markdown_text
from warroom.domain import to_iso
from warroom.errors import WarroomError
from warroom.room import Room
from warroom.safe_text import clean
from warroom.storage import queries as q

HOSTILE = [
    "pipe | in | text, and a | at the end |",
    "line one\nline two\n\n# not a heading\n> not a quote\n- not a list\n1. not ordered\n===\n---",
    "quotes \"double\" and 'single', commas, and ;semicolons;",
    "unicode: 日本語, emoji 🔥, café, ü, ﷽",
    "control: \x1b[31mred\x1b[0m bell\x07 nul\x00 cr\r tab\t del\x7f c1\x9b rtl\u202e end",
    "<script>alert(1)</script> [link](http://x) ![img](y) `code` *em* _em_ **b** ~~s~~ &amp; \\",
    "{{ 7 * 7 }} {% if true %}jinja{% endif %} {# comment #}",
    "trailing backslash \\",
    "crlf\r\nline",
]

SECTIONS = [
    "Summary",
    "Impact",
    "Detection",
    "Response",
    "Customer communication",
    "Metrics",
    "Timeline",
    "Root cause and contributing factors",
    "What went well",
    "What went poorly",
    "Where we got lucky",
    "Follow-up actions",
]
# Sections a human has to write (or at least check): each carries a "To fill in" prompt.
PROMPTED = {
    "Summary",
    "Impact",
    "Detection",
    "Response",
    "Root cause and contributing factors",
    "What went well",
    "What went poorly",
    "Where we got lucky",
    "Follow-up actions",
}


def timeline_rows(db_path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM timeline ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def hostile_incident(room: Room, clock: FakeClock) -> int:
    """The scripted incident of test_metrics, plus notes, names and follow-ups full of
    syntax, control characters and template code."""
    incident = scripted_incident(room, clock)
    evil = as_person(room, "eve | #1 *admin*")
    for text in HOSTILE:
        actions.note(evil, incident, text)
    actions.assign(room, incident, "comms", "priya")
    actions.assign(room, incident, "comms", "sam | [x]")
    actions.add_followup(room, incident, "Alert | on tokeniser\ntimeouts", owner="jonas", due="+7d")
    actions.add_followup(room, incident, "Canary *stage* for `checkout`")
    return incident


# --- Markdown ---------------------------------------------------------------------------------


EMPHASIS = {"em_open", "em_close", "strong_open", "strong_close"}


def plain(inline: Token) -> str:
    """The text a reader sees in an inline token: text as is, line breaks as newlines,
    emphasis dropped; anything else (links, code, HTML) shows up as <type>."""
    parts = []
    for child in inline.children or []:
        if child.type in EMPHASIS:
            continue
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or (child.type, child.content) == (
            "html_inline",
            "<br>",
        ):
            parts.append("\n")
        else:
            parts.append(f"<{child.type}>")
    return "".join(parts)


def headings(tokens: list[Token]) -> list[tuple[str, str]]:
    return [
        (tok.tag, tokens[i + 1].content)
        for i, tok in enumerate(tokens)
        if tok.type == "heading_open"
    ]


def by_section(tokens: list[Token]) -> dict[str, list[Token]]:
    sections: dict[str, list[Token]] = {}
    current = ""
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            current = tokens[i + 1].content
        sections.setdefault(current, []).append(tok)
    return sections


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts, the header row first."""
    found: list[list[list[str]]] = []
    row: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            found.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            row.append(plain(tokens[i + 1]))
        elif tok.type == "tr_close":
            found[-1].append(row)
    return found


def blockquote_texts(tokens: list[Token]) -> list[str]:
    texts, depth = [], 0
    for tok in tokens:
        depth += tok.type == "blockquote_open"
        depth -= tok.type == "blockquote_close"
        if depth and tok.type == "inline":
            texts.append(plain(tok))
    return texts


def shown(text: str) -> str:
    """What the draft must show of a user's text: its words, control characters as visible
    symbols, lines kept (blank ones dropped), surrounding space trimmed."""
    return "\n".join(
        line.strip() for line in clean(text, multiline=True).split("\n") if line.strip()
    )


def test_markdown_draft_parses_with_every_section(
    run: Cli, hostile_incident: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    draft = run.ok("export", "INC-1").stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(draft)
    found = headings(tokens)
    assert found[0] == ("h1", "Postmortem: INC-1 — Checkout down")
    h2 = [text for tag, text in found if tag == "h2"]
    assert h2 == SECTIONS  # all present, in order, and nothing in user text added another
    h3 = [text for tag, text in found if tag == "h3"]
    assert h3[:4] == ["Roles", "Assignments and handovers", "Severity and status changes",
                      "Mitigation"]  # fmt: skip
    # One heading per published update under Customer communication, with its local time.
    assert h3[4:] == [
        # The login beside the name wherever a person is shown (the fixture's is alice-login).
        "2026-11-26 15:12 CET — investigating, by alice (login alice-login)",
        "2026-11-26 15:30 CET — investigating, by alice (login alice-login)",
        "2026-11-26 16:40 CET — investigating, by alice (login alice-login)",
    ]
    # Plain CommonMark (no table extension) sees the same headings.
    assert headings(MarkdownIt("commonmark").parse(draft)) == found

    sections = by_section(tokens)
    for name in SECTIONS:
        prompts = [t for t in blockquote_texts(sections[name]) if t.startswith("To fill in:")]
        assert bool(prompts) == (name in PROMPTED), name
    # The prompts are emphasised, so they stand out from facts.
    prompt = next(t for t in sections["What went well"] if t.type == "inline" and t.level > 1)
    assert [c.type for c in prompt.children or []] == ["em_open", "text", "em_close"]


def test_markdown_tables_hold_metrics_and_followups(run: Cli, hostile_incident: int) -> None:
    draft = run.ok("export", "--format", "markdown").stdout
    tokens = MarkdownIt("commonmark").enable("table").parse(draft)
    sections = by_section(tokens)

    [followups] = tables(sections["Follow-up actions"])
    assert followups == [
        ["#", "Action", "Owner", "Due", "Status"],
        ["1", "Alert | on tokeniser\ntimeouts", "jonas", "2026-12-03", "open"],
        ["2", "Canary *stage* for `checkout`", "no owner", "—", "open"],
    ]
    [metrics] = tables(sections["Metrics"])
    values = dict(metrics[1:])
    assert values["Time to declare (impact start → declared)"] == "20m"
    assert values["Time to resolve (declared → resolved)"] == "2h05m"
    assert values["Time at SEV1"] == "28m"
    assert values["Updates later than the cadence promised"] == "2 (2m late, 50m late)"


def test_markdown_keeps_user_text_inert_and_exact(run: Cli, hostile_incident: int) -> None:
    draft = run.ok("export").stdout
    assert "\x1b" not in draft and "\x00" not in draft and "\x07" not in draft
    tokens = MarkdownIt("commonmark").enable("table").parse(draft)
    timeline = by_section(tokens)["Timeline"]
    items = [plain(t) for t in timeline if t.type == "inline"]
    for text in HOSTILE:
        expected = f"eve | #1 *admin* (login eve | #1 *admin*-login) · note — {shown(text)}"
        matches = [item for item in items if item.endswith(expected)]
        assert len(matches) == 1, (text, [i for i in items if "eve" in i])
    # No user text became a link, image, code, emphasis or raw HTML anywhere in the timeline.
    kinds = {c.type for t in timeline if t.type == "inline" for c in t.children or []}
    assert kinds <= {"text", "softbreak", "hardbreak", "strong_open", "strong_close"}
    # Template code in a note is data: shown, never run.
    assert any("{{ 7 * 7 }} {% if true %}jinja{% endif %} {# comment #}" in i for i in items)
    handovers = [plain(t) for t in by_section(tokens)["Response"] if t.type == "inline"]
    assert any("Communications owner: handover from priya to sam | [x]" in h for h in handovers)


def test_markdown_timeline_lists_every_entry_in_local_time(
    run: Cli, hostile_incident: int, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    draft = run.ok("export").stdout
    tokens = MarkdownIt("commonmark").parse(draft)
    timeline = by_section(tokens)["Timeline"]
    items = [plain(t) for t in timeline if t.type == "inline"][1:]  # after the heading
    assert (
        items[0] == f"All {len(timeline_rows(db_path))} entries, in local time, with their authors."
    )
    assert items[1] == "Thursday 2026-11-26 (EST)"
    entries = items[2:]
    assert len(entries) == len(timeline_rows(db_path))
    assert entries[0] == (
        "09:00:00 · alice (login alice-login) · declared — Declared SEV2: Checkout down"
    )


def test_markdown_template_can_be_overridden(
    run: Cli, hostile_incident: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "postmortem.md.j2").write_text(
        "# Review of {{ md.ref }}\n\n{{ timeline_count }} entries; {{ incident.status }}\n"
    )
    monkeypatch.setenv("WARROOM_TEMPLATES", str(team))
    out = run.ok("export").stdout
    assert out.startswith("# Review of INC-1\n")
    assert f"{len(timeline_rows(db_path))} entries; resolved" in out


def test_escaping_helpers() -> None:
    assert markdown_text.cell("a | b\nc") == "a \\| b<br>c"
    assert markdown_text.cell(None) == "—"
    assert markdown_text.single_line("# x\n> y") == "\\# x \\> y"
    assert markdown_text.inline("1986. A year\n  - item") == "1986\\. A year\\\n  \\- item"
    assert markdown_text.inline("snake_case _em_ R&D &amp;") == "snake_case \\_em\\_ R&D \\&amp;"
    assert markdown_text.quote("\nHello\n\nWorld\n") == "> Hello\n>\n> World"


# --- JSON -------------------------------------------------------------------------------------


def test_json_round_trips_every_entry_and_holds_everything(
    run: Cli, hostile_incident: int, db_path: Path, room: Room
) -> None:
    out = run.ok("export", "--format", "json").stdout
    assert "\x1b" not in out and "\x9b" not in out  # escaped, like every JSON warroom prints
    doc = json.loads(out)
    rows = timeline_rows(db_path)
    assert [
        {k: e[k] for k in ("id", "ts", "author", "login", "kind", "text")} for e in doc["timeline"]
    ] == [{k: r[k] for k in ("id", "ts", "author", "login", "kind", "text")} for r in rows]
    assert [e["data"] for e in doc["timeline"]] == [
        json.loads(r["data"]) if r["data"] else None for r in rows
    ]
    assert {e["incident"] for e in doc["timeline"]} == {"INC-1"}
    for text in HOSTILE:
        assert sum(e["text"] == text.strip() for e in doc["timeline"]) == 1

    assert doc["format"] == "warroom-incident-export" and doc["version"] == 1
    incident = doc["incident"]
    assert incident["ref"] == "INC-1" and incident["status"] == "resolved"
    assert incident["impact"] == "Card payments fail" and incident["affected"] == "1 in 5"
    assert incident["impact_started_at"] == "2026-11-26T13:40:00+00:00"
    assert incident["roles"] == {"owner": None, "fix_lead": None, "comms": "sam | [x]"}
    assert incident["checklist"][0]["text"] == "Confirm user impact"
    assert [u["text"] for u in doc["updates"]] == [
        "We are investigating.",
        "Fix rolling out.",
        "Monitoring.",
    ]
    assert [f["text"] for f in doc["followups"]] == [
        "Alert | on tokeniser\ntimeouts",
        "Canary *stage* for `checkout`",
    ]

    # The scripted incident's times (test_metrics.scripted_incident), worked out by hand.
    def at(hh_mm: str) -> str:
        return f"2026-11-26T{hh_mm}:00+00:00"

    assert doc["metrics"] == {
        "declared_at": at("14:00"),
        "impact_started_at": at("13:40"),
        "impact_confirmed_at": at("14:04"),
        "first_update_at": at("14:12"),
        "mitigated_at": at("14:20"),
        "resolved_at": at("16:05"),
        "end": at("16:05"),
        "ongoing": False,
        "time_to_declare_seconds": 20 * 60.0,
        "first_alert_at": None,  # no alert attached
        "time_from_first_alert_seconds": None,
        "time_to_confirm_impact_seconds": 4 * 60.0,
        "time_to_first_update_seconds": 12 * 60.0,
        "time_to_mitigate_seconds": 20 * 60.0,
        "time_to_resolve_seconds": 125 * 60.0,
        "total_duration_seconds": 145 * 60.0,
        "time_at_severity_seconds": {"SEV1": 28 * 60.0, "SEV2": 7 * 60.0, "SEV3": 85 * 60.0},
        "updates_published": 3,
        "updates_late": 2,
        "late_updates": [
            {
                "update_id": 1,
                "published_at": at("14:12"),
                "due_at": at("14:10"),
                "late_by_seconds": 120.0,
            },
            {
                # The 14:30 update promised 14:50 (SEV1); lowering the severity does not move it.
                "update_id": 3,
                "published_at": at("15:40"),
                "due_at": at("14:50"),
                "late_by_seconds": 3000.0,
            },
        ],
        "update_missed_due": None,
        "comms_gaps": ["customers were not told it was resolved"],
    }


# --- CSV --------------------------------------------------------------------------------------


def test_csv_round_trips_every_entry(
    run: Cli, hostile_incident: int, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    target = tmp_path / "timeline.csv"
    run.ok("export", "-f", "csv", "-o", str(target))
    with target.open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["id", "ts", "local_time", "author", "login", "kind", "text"]
    rows = timeline_rows(db_path)
    assert [r[:2] + r[3:] for r in table[1:]] == [
        [str(r["id"]), r["ts"], r["author"], r["login"], r["kind"], r["text"]] for r in rows
    ]
    assert table[1][2] == "2026-11-26 15:00:00 CET"
    texts = [r[6] for r in table[1:]]
    for text in HOSTILE:
        assert texts.count(text.strip()) == 1
    # Through stdout (not a terminal here) the bytes are the same as in the file.
    assert run.ok("export", "-f", "csv").stdout_bytes == target.read_bytes()


def test_csv_on_a_terminal_is_sanitised(
    run: Cli, hostile_incident: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("warroom.cli.export._is_terminal", lambda stream: True)
    out = run.ok("export", "-f", "csv").stdout
    assert "\x1b" not in out and "\x00" not in out and "\x9b" not in out
    assert "control: ␛red␛ bell␇ nul␀ cr␍ tab     del␡ c1␛tl<U+202E> end" in out


def test_exports_stream_large_timelines_whole(
    room: Room, run: Cli, clock: FakeClock, db_path: Path
) -> None:
    incident = actions.declare(room, "Busy", "SEV3")
    with room.store.write() as conn:
        for i in range(3000):
            q.append_timeline(
                conn,
                incident_id=incident,
                ts=to_iso(T0),
                author=f"p{i % 5}",
                login="x",
                kind="note",
                text=f'n{i}, with | and "q"\nsecond line',
            )
    doc = json.loads(run.ok("export", "-f", "json").stdout)
    assert len(doc["timeline"]) == 3002  # declared + checklist tick + 3000 notes
    table = list(csv.reader(io.StringIO(run.ok("export", "-f", "csv").stdout, newline="")))
    assert len(table) == 3003
    assert table[-1][6] == 'n2999, with | and "q"\nsecond line'
    draft = run.ok("export").stdout
    assert draft.count("· note — n") == 3000


# --- files and errors -------------------------------------------------------------------------


def test_existing_file_is_never_overwritten_without_force(run: Cli, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    target = tmp_path / "postmortem.md"
    target.write_text("my careful edits\n")
    target.chmod(0o640)
    result = run("export", "-o", str(target))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert target.read_text() == "my careful edits\n"

    forced = run.ok("export", "-o", str(target), "--force")
    assert forced.stdout == ""
    assert target.read_text().startswith("# Postmortem: INC-1 — Checkout down\n")
    # The database's access (private here), not what the old file or the umask allowed.
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".db")) == [
        "postmortem.md"
    ]


def test_new_file_is_created(run: Cli, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    target = tmp_path / "out.json"
    result = run.ok("export", "--format", "JSON", "-o", str(target))
    assert result.stdout == ""
    assert json.loads(target.read_text())["incident"]["title"] == "Checkout down"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "pdf"], 2, "unknown export format 'pdf'; choose one of markdown, json, csv"),
        (["--format", ""], 2, "unknown export format"),
        (["INC-7"], 2, "no incident INC-7"),
        (["nonsense"], 2, "not an incident reference"),
    ],
)
def test_bad_input_gives_one_line_and_writes_nothing(
    run: Cli, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    target = tmp_path / "out.md"
    result = run("export", *args, "-o", str(target))
    assert result.exit_code == code
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert not target.exists()


def test_failed_export_leaves_no_file_behind(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")

    def broken(*args: object, **kwargs: object) -> str:
        raise WarroomError("template 'postmortem.md.j2' line 3: boom")

    monkeypatch.setattr("warroom.export.render_markdown_context", broken)
    target = tmp_path / "new.md"
    result = run("export", "-o", str(target))
    assert result.exit_code == 1 and "boom" in result.stderr
    assert not target.exists()
    existing = tmp_path / "old.md"
    existing.write_text("old\n")
    assert run("export", "-o", str(existing), "--force").exit_code == 1
    assert existing.read_text() == "old\n"
    assert sorted(os.listdir(tmp_path)) == sorted(
        p for p in os.listdir(tmp_path) if not p.startswith(".old.md.")
    )


def test_export_with_no_incidents(run: Cli, tmp_path: Path) -> None:
    run.ok("init")
    result = run("export", "-o", str(tmp_path / "x.md"))
    assert result.exit_code == 1 and "no incidents yet" in result.stderr
    assert not (tmp_path / "x.md").exists()


def test_export_defaults_to_most_recent_incident(run: Cli, clock: FakeClock) -> None:
    run.ok("declare", "First", "-s", "SEV3")
    clock.advance(minutes=1)
    run.ok("declare", "Second", "-s", "SEV3")
    run.ok("status", "resolved", "-i", "2")
    assert run.ok("export").stdout.startswith("# Postmortem: INC-1 — First")
    run.ok("status", "resolved", "-i", "1")
    assert run.ok("export").stdout.startswith("# Postmortem: INC-2 — Second")


# --- CSV formulas -----------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "\tx"]


def test_csv_neutralises_formula_cells_and_raw_keeps_them(run: Cli) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    for text in FORMULAS:
        run.ok("note", "--", text, author="=cmd")
    rows = list(csv.reader(io.StringIO(run.ok("export", "--format", "csv").stdout)))
    texts = [r[6] for r in rows[1:] if r[5] == "note"]
    # Notes are stripped of surrounding whitespace when recorded, so "\tx" is stored as "x".
    assert texts == ["'" + t for t in FORMULAS[:4]] + ["x"]
    assert {r[3] for r in rows[1:] if r[5] == "note"} == {"'=cmd"}
    raw = list(csv.reader(io.StringIO(run.ok("export", "--format", "csv", "--raw").stdout)))
    assert [r[6] for r in raw[1:] if r[5] == "note"] == [*FORMULAS[:4], "x"]
