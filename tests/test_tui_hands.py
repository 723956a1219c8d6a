"""Issue 11 in the war room: others' changes as toasts, other open incidents, handovers with
acknowledgement (a, K), the brief (b), an entry opened whole and corrected (e, c)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import RadioButton, TextArea

from tests.conftest import as_person
from warroom import actions
from warroom.actions import Actor, Room
from warroom.storage import open_store
from warroom.tui.screens.note_editor import NoteEditor
from warroom.tui.screens.pickers import ChoiceScreen
from warroom.tui.screens.text_view import TextView
from warroom.tui.widgets.situation import SituationBar
from warroom.views import entries_of_kinds

from .tui_helpers import drawn, make_app, screen_lines, settle, until


@pytest.fixture
def declared(room: Room) -> int:
    return actions.declare(room, "Checkout returns 500s", "SEV2", services=["checkout"])


def other_writer(db_path: Path, name: str) -> Room:
    return Room(open_store(db_path), Actor(name, f"{name}-login"))


def bar(app: object) -> list[str]:
    return app.main.query_one(SituationBar).lines  # type: ignore[attr-defined]


async def test_others_changes_are_toasted_without_taking_focus(
    room: Room, declared: int, db_path: Path
) -> None:
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.main.situation is not None, "the first look")
        await pilot.press("n", *"half typed")
        focused = app.screen.focused
        bob = other_writer(db_path, "bob")
        try:
            actions.set_severity(bob, declared, "SEV1")
            actions.set_status(bob, declared, "identified")
            actions.assign(bob, declared, "owner", "bob")
            actions.publish_update(bob, declared, "We are investigating.")
            actions.note(bob, declared, "only a note: no toast")
        finally:
            bob.store.close()
        await until(
            pilot, lambda: any("Customer update published" in n for n in app.notices), "toasts"
        )
        toasts = [n for n in app.notices if n.startswith("bob: ")]
        assert any("Severity raised: SEV2 → SEV1" in n for n in toasts)
        assert any("Status: investigating → identified" in n for n in toasts)
        assert any("Incident owner: bob" in n for n in toasts)
        assert not any("only a note" in n for n in app.notices)
        assert app.screen.focused is focused and focused.value == "half typed"
        # Our own changes are not toasted back at us.
        await pilot.press("escape", "v")
        await pilot.press("4")
        await settle(pilot)
        assert not any(n.startswith("alice: ") for n in app.notices)


async def test_the_bar_counts_other_open_incidents(room: Room, declared: int) -> None:
    actions.declare(room, "Login slow", "SEV3")
    app = make_app(room, declared)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(bar(app)), "the situation bar")
        assert bar(app) == ["+1 other open incident (i: switch): INC-2 SEV3 Login slow"]


async def test_a_on_a_held_role_hands_over_and_k_takes_it(
    room: Room, declared: int, db_path: Path
) -> None:
    actions.assign(room, declared, "owner", "alice")
    app = make_app(room)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        app.screen.query_one("#name").value = "omar"
        owner = next(b for b in app.screen.query(RadioButton) if b.name == "owner")
        owner.value = True  # the held role
        await pilot.pause()
        app.screen.action_save()
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "hand over or assign")
        await pilot.press("enter")  # the default: hand over
        await settle(pilot)
        await until(pilot, lambda: bool(bar(app)), "the bar")
        assert bar(app) == [
            "Handing over: incident owner alice → omar (waiting for omar to acknowledge)"
        ]
        assert app.main.latest.incident.roles["owner"] == "alice"  # kept until acknowledged
        roles = drawn(app, app.main.query_one("#roles"), inner=True)
        owner = " ".join(roles.split("Fix lead")[0].split())  # the owner's rows, wrapped
        assert owner.startswith("Owner alice") and "→ omar (handing over)" in owner
    omar_room = as_person(room, "omar")
    app = make_app(omar_room)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(bar(app)), "the bar")
        assert "press K to take it over" in bar(app)[0]
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, TextView), "the brief")
        assert "Brief for INC-1" in app.screen.query_one(TextArea).text
        await pilot.press("escape", "K")
        await settle(pilot)
        assert app.main.latest.incident.roles["owner"] == "omar"
        await until(pilot, lambda: bar(app) == [], "the bar to clear")
    with room.read() as conn:
        kinds = [e.kind for e in entries_of_kinds(conn, declared, ("handover", "handover_ack"))]
    assert kinds == ["handover", "handover_ack"]


async def test_k_with_nothing_waiting_says_so(room: Room, declared: int) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert any("No handover is waiting for you" in n for n in app.notices)


async def test_e_opens_a_long_entry_whole_and_c_corrects_it(room: Room, declared: int) -> None:
    long_note = "\n".join(f"line {i}" for i in range(400))
    note_id = actions.note(room, declared, long_note)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "397 more lines" in app.main.timeline.texts()[-1]
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the entry picker")
        await pilot.press("enter")  # the newest first
        await until(pilot, lambda: isinstance(app.screen, TextView), "the entry")
        assert app.screen.query_one(TextArea).text == long_note
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the correction editor")
        area = app.screen.query_one(TextArea)
        area.text = "line 0 was wrong; the rest stands"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "\u270e corrects #" in app.main.timeline.texts()[-1]
    with room.read() as conn:
        (fix,) = entries_of_kinds(conn, declared, ("correction",))
        (original,) = entries_of_kinds(conn, declared, ("note",))
    assert fix.data == {"corrects": note_id, "kind": "note"}
    assert original.text == long_note  # stored as it was


async def test_a_filtered_timeline_shows_a_corrected_entry_corrected(
    room: Room, declared: int
) -> None:
    """Under a filter that hides the correction (kind note, or the author of the note), the
    row showed the original text unmarked (noticed in the last landing)."""
    bob = as_person(room, "bob")
    first = actions.note(bob, declared, "rolled back v1.42")
    fix = actions.correct(room, first, "rolled back v1.41")
    for _ in range(3):
        actions.note(room, declared, "unrelated")
    marked = f"\u270e (corrected in #{fix}) rolled back v1.41"
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for chosen in ("kind:note", "author:bob"):
            app.main.set_filter(chosen)
            await settle(pilot)
            texts = app.main.timeline.texts()
            assert marked in texts and "rolled back v1.42" not in texts
            assert not any("corrects #" in t for t in texts)  # the correction is no row
        # Corrected again from a shell while the filter is on: the row follows.
        second = actions.note(bob, declared, "db failover at 14:05")
        app.main.refresh_now()
        await settle(pilot)
        again = actions.correct(room, second, "db failover at 14:50")
        app.main.refresh_now()
        await settle(pilot)
        assert app.main.timeline.texts() == [
            marked,
            f"\u270e (corrected in #{again}) db failover at 14:50",
        ]


async def test_under_a_filter_a_correction_from_the_war_room_shows_and_keeps_following(
    room: Room, declared: int
) -> None:
    """The war room's own correction is read back after its commit (not by the refresh):
    hidden by the filter, it must still change its row; and a row grown by a correction
    keeps the view at the end (it stopped short)."""
    bob = as_person(room, "bob")
    for i in range(30):
        actions.note(bob, declared, f"bob {i}")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main.set_filter("author:bob")
        await settle(pilot)
        timeline = app.main.timeline
        assert timeline.max_scroll_y > 0 and timeline.is_vertical_scroll_end
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the entry picker")
        await pilot.press("enter")  # the newest first: bob 29
        await until(pilot, lambda: isinstance(app.screen, TextView), "the entry")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the correction editor")
        longer = "bob 29, corrected: " + "the whole story of what happened, " * 12
        app.screen.query_one(TextArea).text = longer
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "corrected in #" in timeline.texts()[-1], "the row corrected")
        await settle(pilot)
        assert timeline.texts()[-1].endswith(longer.strip())
        assert timeline.is_vertical_scroll_end, (timeline.scroll_y, timeline.max_scroll_y)


async def test_a_long_filtered_timeline_after_a_short_one_scrolls_up(
    room: Room, declared: int
) -> None:
    """Kind declare (one row), then author sre (530) from the picker: the end was drawn but
    the view's position stayed at the top, so Up, PageUp and Home did nothing (drill)."""
    sre = as_person(room, "sre")
    for i in range(530):
        actions.note(sre, declared, f"sre note {i}")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for keys in (("f", "2", "enter"), ("f", "end", "enter")):  # declare, then sre
            await pilot.press(keys[0])
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the picker")
            await pilot.press(*keys[1:])
            await settle(pilot)
        timeline = app.main.timeline
        assert "author sre" in str(timeline.border_title)
        assert timeline.max_scroll_y > 0 and timeline.scroll_y == timeline.max_scroll_y
        await pilot.press("pageup")
        await settle(pilot)
        assert timeline.scroll_y < timeline.max_scroll_y and not timeline.following


async def test_a_filtered_older_page_shows_its_entries_corrected(room: Room, declared: int) -> None:
    """The correction of an entry on an older page is newer than the rows loaded: it came
    with the page and was dropped as already seen."""
    from warroom.tui.data import PAGE

    bob = as_person(room, "bob")
    first = actions.note(bob, declared, "rolled back v1.42")
    with room.store.write() as conn:
        conn.executemany(
            "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
            " VALUES (?, ?, 'bob', 'bob', 'note', ?)",
            ((declared, "2026-12-01T14:00:00+00:00", f"bob {i}") for i in range(PAGE)),
        )
    fix = actions.correct(room, first, "rolled back v1.41")  # newer than all of them
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main.set_filter("author:bob")
        await settle(pilot)
        timeline = app.main.timeline
        assert timeline.texts()[0] == "bob 0"
        timeline.scroll_home(animate=False, immediate=True)
        await until(pilot, lambda: timeline.entry_count == PAGE + 1, "the older page")
        assert timeline.texts()[0] == f"\u270e (corrected in #{fix}) rolled back v1.41"


async def test_a_filtered_timeline_reads_on_from_the_newest_entry_not_its_last_row(
    room: Room, declared: int
) -> None:
    """Each read started after the last entry the filter showed, so what it left out was read
    again every time; once a page of it had piled up, every refresh read the timeline anew
    and jumped the view to its end (review)."""
    from warroom.tui.data import PAGE

    bob = as_person(room, "bob")
    actions.note(bob, declared, "bob's one note")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.main.set_filter("author:bob")
        await settle(pilot)
        timeline = app.main.timeline
        with room.store.write() as conn:
            conn.executemany(
                "INSERT INTO timeline (incident_id, ts, author, login, kind, text)"
                " VALUES (?, '2026-12-01T14:00:00+00:00', 'alice', 'alice', 'note', ?)",
                ((declared, f"a {i}") for i in range(PAGE + 1)),
            )
        app.main.refresh_now()
        await settle(pilot)
        resets: list[int] = []
        reset = timeline.reset
        timeline.reset = lambda *a, **k: (resets.append(1), reset(*a, **k))[1]  # type: ignore[method-assign]
        for i in range(3):
            newest = actions.note(room, declared, f"another alice note {i}")
            app.main.refresh_now()
            await settle(pilot)
            assert timeline.last_id == newest  # read on from here next time
        assert resets == []
        actions.note(bob, declared, "bob again")
        app.main.refresh_now()
        await settle(pilot)
        assert timeline.texts() == ["bob's one note", "bob again"]


async def test_the_entry_list_marks_a_corrected_original_and_c_starts_from_its_correction(
    room: Room, declared: int
) -> None:
    """The list showed a corrected entry's original unmarked, and c started from the
    original, so saving a small fix undid the correction before it (review)."""
    first = actions.note(room, declared, "rolled back v1.42")
    fix = actions.correct(room, first, "rolled back v1.41")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the entry picker")
        labels = {key: str(label) for key, label in app.screen.options}  # type: ignore[attr-defined]
        assert f"(original; corrected in #{fix}) rolled back v1.42" in labels[str(first)]
        assert "original" not in labels[str(fix)]
        app.screen.query_one("OptionList").highlighted = list(labels).index(str(first))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextView), "the entry")
        assert f"corrected in #{fix}" in str(app.screen.title_text)  # type: ignore[attr-defined]
        assert app.screen.query_one(TextArea).text == "rolled back v1.42"  # opened whole
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the correction editor")
        area = app.screen.query_one(TextArea)
        assert area.text == "rolled back v1.41"
        area.text = "rolled back v1.41 (and its config)"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with room.read() as conn:
        fixes = entries_of_kinds(conn, declared, ("correction",))
    assert [(e.text, e.data) for e in fixes][-1] == (
        "rolled back v1.41 (and its config)",
        {"corrects": first, "kind": "note"},
    )


async def test_c_on_a_superseded_correction_starts_from_the_latest(
    room: Room, declared: int
) -> None:
    """#4 corrected by #6, then by #9: c on #6 started from #6's text, and saving it undid
    #9 (drill)."""
    first = actions.note(room, declared, "deploy of v1.42 happened")
    older = actions.correct(room, first, "deploy of v1.42 happened at 14:05")
    newer = actions.correct(room, first, "deploy of v1.42.0 happened at 14:05")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the entry picker")
        labels = {key: str(label) for key, label in app.screen.options}  # type: ignore[attr-defined]
        assert f"(superseded by #{newer})" in labels[str(older)]
        assert "superseded" not in labels[str(newer)]
        # Kinds named as the timeline names them (it said "correction:": drill).
        assert f"#{older} " in labels[str(older)] and " correct: " in labels[str(older)]
        app.screen.query_one("OptionList").highlighted = list(labels).index(str(older))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TextView), "the entry")
        assert f"superseded by #{newer}" in str(app.screen.title_text)  # type: ignore[attr-defined]
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the correction editor")
        assert app.screen.query_one(TextArea).text == "deploy of v1.42.0 happened at 14:05"
        # Named for what it corrects, the original (it said "Correct #<the older one>").
        assert f"Correct #{first}" in " ".join(screen_lines(app))


async def test_the_bar_says_what_is_new_since_this_login_last_looked(
    room: Room, declared: int
) -> None:
    from warroom.views import last_entry_of, last_seen

    with room.read() as conn:
        looked = last_entry_of(conn, declared)
    actions.mark_seen(room, declared, looked)
    bob = as_person(room, "bob")
    actions.note(bob, declared, "db failover started")
    actions.set_status(bob, declared, "identified")
    actions.note(room, declared, "my own, from another shell")  # not news to me (drill)
    app = make_app(room)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(bar(app)), "the bar")
        assert bar(app)[0].startswith("2 new entries since you last looked (")
        app.main.refresh_now()  # a later refresh keeps it, until the brief is read
        await settle(pilot)
        assert bar(app)[0].startswith("2 new entries since you last looked (")
        await pilot.press("b")
        await until(pilot, lambda: bar(app) == [], "the marker line to go")
        await settle(pilot)
    with room.read() as conn:
        seen = last_seen(conn, declared, room.actor.login)
        newest = last_entry_of(conn, declared)
    assert seen is not None and seen[0] == newest  # looking counts as having seen


async def test_the_timeline_keeps_following_when_the_bar_appears(room: Room, declared: int) -> None:
    for i in range(40):
        actions.note(room, declared, f"note {i}")
    app = make_app(room, declared)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        timeline = app.main.timeline
        await until(pilot, lambda: timeline.is_vertical_scroll_end, "following")
        assert bar(app) == []
        actions.declare(as_person(room, "priya"), "Payments down", "SEV1")
        app.main.refresh_now()
        await until(pilot, lambda: bool(bar(app)), "the bar")
        await settle(pilot)
        await pilot.pause()
        assert timeline.max_scroll_y > 0 and timeline.is_vertical_scroll_end


async def test_a_corrected_entry_shows_its_correction_marked_in_the_war_room(
    room: Room, declared: int
) -> None:
    """As tail and the exports do: the war room showed the original text unmarked, and only
    the correction entry further down (drill)."""
    first = actions.note(room, declared, "rolled back v1.42")
    fix = actions.correct(room, first, "rolled back v1.41")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # read from the file: the correction is on the first page
        texts = app.main.timeline.texts()
        assert f"\u270e (corrected in #{fix}) rolled back v1.41" in texts
        assert "rolled back v1.42" not in texts
        # Corrected from another shell while the war room is open: the row changes.
        second = actions.note(room, declared, "db failover at 14:05")
        app.main.refresh_now()
        await settle(pilot)
        again = actions.correct(as_person(room, "bob"), second, "db failover at 14:50")
        app.main.refresh_now()
        await settle(pilot)
        texts = app.main.timeline.texts()
        assert f"\u270e (corrected in #{again}) db failover at 14:50" in texts
        assert "db failover at 14:05" not in texts
        assert texts[-1] == f"\u270e corrects #{second}: db failover at 14:50"
        lines = "\n".join(screen_lines(app))
        assert f"(corrected in #{again}) db failover at 14:50" in lines
    with room.read() as conn:
        notes = [e.text for e in entries_of_kinds(conn, declared, ("note",))]
    assert notes == ["rolled back v1.42", "db failover at 14:05"]  # stored as written


async def test_a_corrected_entry_keeps_when_it_happened(room: Room, declared: int) -> None:
    """The row said when the note's event happened; corrected, it dropped that, where tail
    keeps it (review)."""
    happened = room.now() - timedelta(minutes=20)
    first = actions.note(room, declared, "paged the db team", at=happened)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        fix = actions.correct(room, first, "paged the network team")
        app.main.refresh_now()  # the correction arrives while the row is shown
        await settle(pilot)
        when = f"(happened {happened.astimezone():%H:%M:%S}) "
        assert when + f"\u270e (corrected in #{fix}) paged the network team" in (
            app.main.timeline.texts()
        )
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # both read from the file at once
        assert when + f"\u270e (corrected in #{fix}) paged the network team" in (
            app.main.timeline.texts()
        )
        # A correction that says when it happened corrects that too, as in tail.
        earlier = room.now() - timedelta(minutes=25)
        again = actions.correct(room, first, "paged the network team", at=earlier)
        app.main.refresh_now()
        await settle(pilot)
        assert (
            f"(happened {earlier.astimezone():%H:%M:%S}) \u270e (corrected in #{again})"
            " paged the network team"
        ) in app.main.timeline.texts()


async def test_esc_on_a_correction_left_as_stored_closes_without_asking(
    room: Room, declared: int
) -> None:
    """The editor opens on the entry as stored: Esc loses nothing then, and asked anyway
    (drill); once the text is changed it asks, as every form does."""
    from warroom.tui.screens.forms import ConfirmDiscard

    actions.note(room, declared, "rolled back v1.42")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for edit in (False, True):
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the entry picker")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, TextView), "the entry")
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
            if edit:
                await pilot.press(*" (v1.41)")
            await pilot.press("escape")
            if edit:
                await until(pilot, lambda: isinstance(app.screen, ConfirmDiscard), "the question")
                await pilot.press("y")
            await settle(pilot)
            assert not isinstance(app.screen, (NoteEditor, ConfirmDiscard))
            while isinstance(app.screen, TextView):
                await pilot.press("escape")
                await settle(pilot)
