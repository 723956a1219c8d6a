"""Readable under stress: WCAG contrast of every text the war room draws, in every theme it
ships; one colour language (red is act now, amber is soon, nothing else); titles cut with an
ellipsis; what the header and footer keep at 60x20; wide characters never shift a border;
the triage facts on screen at 80x24."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len
from rich.color import Color
from rich.color_triplet import ColorTriplet
from textual.app import App

from tests.conftest import T0, FakeClock
from warroom import actions
from warroom.actions import Actor, Room
from warroom.demo import seed_demo
from warroom.domain import STEP_LABELS, Settings
from warroom.storage import open_store
from warroom.tui.app import WarroomApp

from .contrast import drawn_text
from .tui_helpers import make_app, screen_lines, settle, until

THEMES = [t for t in App().available_themes if not t.startswith("ansi")]


def _theme_colour(app: WarroomApp, name: str) -> ColorTriplet:
    return Color.parse(app.theme_variables[name]).get_truecolor()


@pytest.fixture
def demo(tmp_path):
    store = open_store(tmp_path / "demo.db")
    clock = FakeClock(T0)
    room = Room(store, Actor("demo", "demo"), Settings(), clock)
    incident_id = seed_demo(room, now=T0)
    yield room, incident_id, clock
    store.close()


def test_the_ansi_themes_are_left_to_the_terminal() -> None:
    # Not measured: their colours are the terminal's own palette, unknown here.
    assert {t for t in App().available_themes if t.startswith("ansi")} == {
        "ansi-dark",
        "ansi-light",
    }


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_every_text_reads_at_4_5_to_1_in_every_theme(demo, size) -> None:
    room, incident_id, _clock = demo
    actions.set_severity(room, incident_id, "SEV1")  # the red badge is drawn too
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        failures: dict[str, list[str]] = {}
        authors_seen = 0
        for theme in THEMES:
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            fg, bg = _theme_colour(app, "foreground"), _theme_colour(app, "background")
            for cell in drawn_text(app, fg, bg):
                authors_seen += cell.text in ("maya", "jonas", "priya")
                if cell.ratio < 4.5:
                    failures.setdefault(theme, []).append(f"{cell.text!r} {cell.ratio:.2f}")
        assert authors_seen >= len(THEMES)  # the author column was measured
        assert not failures, failures


def _cells_in(app: WarroomApp, *names: str) -> list[str]:
    """The texts drawn in any of the theme's `names` colours, as text or background."""
    wanted = {_theme_colour(app, name) for name in names}
    fg, bg = _theme_colour(app, "foreground"), _theme_colour(app, "background")
    return [c.text for c in drawn_text(app, fg, bg) if c.fg in wanted or c.bg in wanted]


RED = ("wr-now", "wr-now-bg")
AMBER = ("wr-soon", "wr-soon-bg")


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "gruvbox", "nord"])
async def test_red_and_amber_mean_act_now_and_soon_and_nothing_else(demo, theme) -> None:
    room, incident_id, clock = demo
    actions.assign(room, incident_id, "comms", "priya")  # no role left to fill at once
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = theme
        await settle(pilot)
        # SEV2 with an owner and a comms owner, the update due in 10 minutes: nothing is red
        # or amber.
        assert _cells_in(app, *RED) == []
        assert _cells_in(app, *AMBER) == []
        # Due in 4 minutes: amber, in the countdown and the header only.
        clock.advance(minutes=6)
        app.main.tick()
        await pilot.pause()
        amber = _cells_in(app, *AMBER)  # (texts as drawn, without their spaces)
        assert "updatein04:00" in amber and any("Nextupdatedue" in t for t in amber)
        assert all("04:00" in t or t == "Customerupdate" for t in amber), amber
        assert _cells_in(app, *RED) == []
        # Overdue and SEV1: red, each of them, and still nothing else.
        clock.advance(minutes=5)
        actions.set_severity(room, incident_id, "SEV1")
        app.main.refresh_now()
        await settle(pilot)
        red = _cells_in(app, *RED)
        assert "SEV1" in red and "updateOVERDUE11:00" in red  # the header
        assert "NextupdateOVERDUEby11:00(wasdue" in red  # the countdown pane
        assert set(red) <= {
            "SEV1",
            "updateOVERDUE11:00",
            "NextupdateOVERDUEby11:00(wasdue",
            "14:00)",
            "Customerupdate",
        }, red
        assert _cells_in(app, *AMBER) == []


async def test_no_owner_is_red_in_the_header_and_the_roles(room: Room, clock: FakeClock) -> None:
    actions.declare(room, "Checkout returns 500s", "SEV3")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        red = _cells_in(app, *RED)
        assert red.count("NOOWNER") == 2, red  # the header and the roles pane


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_no_comms_owner_is_shown_as_a_gap_to_fill_now(room: Room, size) -> None:
    # The process: unowned communication is the common small-team failure; fill it at once.
    # It was quiet grey italics, like a role that can wait (the fix lead's).
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV3")
    actions.assign(room, incident_id, "owner", "maya")
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        red = _cells_in(app, *RED)
        assert red == ["UNASSIGNED"], red  # the comms line of the roles (or brief) pane
        comms = next(line for line in screen_lines(app) if "Comms" in line)
        assert "UNASSIGNED" in comms  # capitals: still a gap in monochrome
        fix_lead = next(line for line in screen_lines(app) if "Fix lead" in line)
        assert "unassigned" in fix_lead and "UNASSIGNED" not in fix_lead
        # Bold as well, which a monochrome terminal still draws.
        bold = [
            seg.text
            for strip in app.screen._compositor.render_strips()
            for seg in strip
            if seg.style is not None and seg.style.bold and "UNASSIGNED" in seg.text
        ]
        assert bold, "the comms gap is not bold"


# --- cut to fit, narrow sizes, wide characters ------------------------------------------------

LONG = "Checkout returns 500s for card payments in every region since the 14:02 deploy"


@pytest.mark.parametrize("size", [(80, 24), (60, 24), (60, 20)])
async def test_the_header_keeps_what_matters_and_cuts_the_title_with_an_ellipsis(
    room: Room, size
) -> None:
    incident_id = actions.declare(room, LONG, "SEV2")
    actions.assign(room, incident_id, "owner", "maya")
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        rows = 3 if size[0] < 80 and size[1] >= 22 else 2  # the footer's rows
        header, footer = lines[0], " ".join(lines[-rows:])
        due = "update in 10:00" if size[0] >= 90 else "due in 10:00"
        for kept in ("INC-1", "SEV2", "investigating", due, "Checkout"):
            assert kept in header, (kept, header)
        assert "…" in header and LONG not in header
        assert cell_len(header.rstrip()) <= size[0]
        assert "?Help" in footer.replace(" ", "")
        # Every key shown is whole: in two rows at 60 columns the last of each were cut
        # ("a Assig"). Below 22 rows the last four give way (? lists them).
        for key in ("a Assign", "x Export", "o Follow-up", "^q Quit", "t Triage"):
            assert key in footer, (key, footer)
        assert ("l Alerts" in footer) == (size[1] >= 22), footer


@pytest.mark.parametrize("size", [(80, 24), (80, 20), (60, 20)])
async def test_long_triage_facts_leave_every_label_showing_at_80_columns(
    room: Room, size: tuple[int, int]
) -> None:
    """At 80x24 a long workaround took the pane's last lines, and Services was cut off
    without a sign (drill). Each fact now gets a line, the lines left go round in turns,
    and a value cut short ends in an ellipsis."""
    incident_id = actions.declare(room, "Checkout down", "SEV1")
    actions.triage(
        room,
        incident_id,
        impact="Card payments fail at checkout with HTTP 500 for customers in the EU region",
        affected="about 30% of EU users, mostly on the mobile apps and the older web client",
        workaround="Customers can pay with PayPal or retry from the desktop site, which uses "
        "the older payment path that is not affected by the failing gateway",
        services=["checkout", "payments-api", "eu-gateway", "fraud-check", "ledger"],
    )
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pane = app.main.query_one("#brief")
        lines = screen_lines(app)[pane.region.y : pane.region.bottom]
        labels = [line[1:].split()[0] for line in lines[1:-1] if line[2:3].strip()]
        assert labels == ["Owner", "Fix", "Comms", "Impact", "Affected", "Workaround", "Services"]
        text = "\n".join(lines)
        assert "\u2026" in text  # cut, and saying so
        assert "Impact     Card payments" in text and "Services   checkout" in text
        if size == (80, 24):  # the spare lines went round: impact and workaround both go on
            assert sum(1 for line in lines if line[2:13].strip() == "") == 3, text


@pytest.mark.parametrize(
    "hostile",
    [
        "👩‍💻 on call",  # a ZWJ sequence: one glyph or two, depending on the terminal
        "❤️ love",  # VS16: 1 or 2 cells
        "👍🏽 ok",  # a skin-tone modifier
        "🇫🇷 flag",
        "e\u0301\u0301\u0301 stacked accents",
        "漢字のタイトル",
    ],
)
async def test_wide_and_combining_characters_never_shift_a_border(room: Room, hostile) -> None:
    incident_id = actions.declare(room, f"{hostile} title", "SEV2")
    actions.assign(room, incident_id, "owner", hostile)
    writer = Room(room.store, Actor(hostile, "x"), room.settings, room.clock)
    actions.note(writer, incident_id, hostile)
    actions.triage(room, incident_id, impact=hostile * 3)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for strip in app.screen._compositor.render_strips():
            # Every row is exactly the terminal's width, counted as rich (and now every
            # terminal) counts it: nothing that terminals draw at another width is left.
            assert strip.cell_length == 120
            text = strip.text
            for unsteady in ("\u200d", "\ufe0f", "\U0001f3fd", "\U0001f1eb"):
                assert unsteady not in text


async def test_the_triage_facts_are_on_screen_at_80x24(demo) -> None:
    room, incident_id, _clock = demo
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = " ".join(" ".join(line.split()) for line in screen_lines(app))
        with room.read() as conn:
            from warroom.views import load_incident

            incident = load_incident(conn, incident_id, room.settings)
        for fact in (incident.impact, incident.affected, incident.workaround):
            words = fact.split()
            # Whole, though wrapped: every word, in order, somewhere on the screen.
            assert all(word in shown for word in words), fact
        assert "Impact" in shown and "Workaround" in shown


async def test_the_footer_keys_are_enabled_again_after_a_picker(demo) -> None:
    from textual.widgets._footer import FooterKey

    from warroom.tui.screens.main import WarRoomScreen
    from warroom.tui.screens.pickers import ChoiceScreen

    from .tui_helpers import until

    room, _incident_id, _clock = demo
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer_keys = list(app.main.query(FooterKey))
        assert footer_keys and not any(k.has_class("-disabled") for k in footer_keys)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, ChoiceScreen), "the filter picker")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await pilot.press("n")  # typing: the letter keys are dimmed...
        await pilot.pause()
        assert any(k.has_class("-disabled") for k in app.main.query(FooterKey))
        await pilot.press("escape")  # ...and back
        await pilot.pause()
        assert not any(k.has_class("-disabled") for k in app.main.query(FooterKey))


HEADINGS = {label.split(". ", 1)[-1] for label in STEP_LABELS.values()}


async def test_checklist_lines_wrap_under_their_text_and_keep_who_and_when_whole(
    room: Room,
) -> None:
    # At 100 columns a long name made "by" lines wrap to the pane's edge, under the numbers.
    ticker = Room(room.store, Actor("maximiliana", "maximiliana"), room.settings, room.clock)
    incident_id = actions.declare(ticker, "Checkout returns 500s", "SEV2")
    for number in range(1, 7):
        actions.check(ticker, incident_id, number)
    app = make_app(room)
    # 100 columns wide; 40 rows tall so that all six items fit (at 30 the checklist scrolls).
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        pane = app.main.query_one("#checklist")
        region = pane.content_region
        lines = [line[region.x : region.right] for line in screen_lines(app)]
        lines = lines[region.y : region.bottom]
        items = [i for i, line in enumerate(lines) if re.match(r"^ +\d [✔☐] ", line)]
        assert len(items) == 6, lines
        for start, end in zip(items, [*items[1:], len(lines)], strict=True):
            item = lines[start:end]
            # Continuation lines (any but the next step's heading) start under the text.
            following = [line for line in item[1:] if line.strip() not in HEADINGS]
            assert all(line.startswith(" " * 5) for line in following), item
            assert "maximiliana 14:00" in " ".join(item), item


@pytest.mark.parametrize("size", [(60, 20), (60, 24), (80, 24), (150, 40)])
async def test_a_notification_never_covers_the_footer_or_the_note_field(room: Room, size) -> None:
    """ "Note 3 added" comes up just as the next note is typed: over the field, what was
    typed could not be read for the toast's seconds."""
    actions.declare(room, "Checkout returns 500s", "SEV2")
    app = make_app(room)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        # The footer's rows at this size.
        rows = 3 if size[0] < 80 and size[1] >= 22 else 2 if size[0] < 140 else 1
        await pilot.press("n", *"the next note, being typed")
        await settle(pilot)
        field = app.main.query_one("#note").region
        assert field.bottom == size[1] - rows  # the field sits just above the footer
        bottom = screen_lines(app)[field.y :]
        assert "the next note, being typed" in bottom[0]
        assert "?Help" in "".join(bottom[1:]).replace(" ", "")
        app.notify("Note 3 added to INC-1, a long notice that takes several lines " * 2)
        await until(pilot, lambda: bool(app.screen.query("Toast")), "the toast")
        await pilot.pause()
        lines = screen_lines(app)
        assert any("Note 3 added" in line for line in lines)  # the toast is drawn
        assert lines[field.y :] == bottom, "\n".join(lines)


@pytest.mark.parametrize("resolved", [False, True])
async def test_the_triage_facts_are_on_screen_at_100x30_under_a_long_checklist(
    room: Room, resolved: bool
) -> None:
    # A ticked item with a long name takes two rows: the checklist grew and the Triage pane
    # beneath it was squeezed to its two border lines.
    ticker = Room(room.store, Actor("maximiliana", "maximiliana"), room.settings, room.clock)
    incident_id = actions.declare(ticker, "Checkout returns 500s", "SEV2")
    facts = {
        "impact": "Card payments fail at checkout with an error page",
        "affected": "about 1 in 5 checkout attempts, all regions",
        "workaround": "PayPal checkout still works",
    }
    actions.triage(ticker, incident_id, **facts)
    for number in range(1, 6):
        actions.check(ticker, incident_id, number)
    if resolved:
        actions.set_status(ticker, incident_id, "resolved")
    app = make_app(room)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.main.query_one("#facts")
        region = pane.region
        lines = [line[region.x : region.right] for line in screen_lines(app)]
        shown = " ".join(
            " ".join(line.strip("│ ").split()) for line in lines[region.y : region.bottom]
        )
        for fact in facts.values():
            assert fact in shown, shown


async def test_a_notification_over_the_note_editor_leaves_the_footer_readable(
    room: Room,
) -> None:
    """ "Not saved … Press r" over the editor covered the war room's footer below it (drill)."""
    from textual import events

    from warroom.tui.screens.note_editor import NoteEditor

    actions.declare(room, "Checkout returns 500s", "SEV2")
    app = make_app(room)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.main.timeline.post_message(events.Paste("a\nb"))
        await until(pilot, lambda: isinstance(app.screen, NoteEditor), "the editor")
        await settle(pilot)
        footer = screen_lines(app)[-2:]
        assert "?Help" in "".join(footer).replace(" ", "")
        app.notify("Not saved: the file has been replaced, a long notice over lines " * 2)
        await until(pilot, lambda: bool(app.screen.query("Toast")), "the toast")
        await pilot.pause()
        lines = screen_lines(app)
        assert any("Not saved" in line for line in lines)
        assert lines[-2:] == footer, "\n".join(lines)
