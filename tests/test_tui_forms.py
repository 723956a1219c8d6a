"""One form grammar in every form: the first text field has the focus, Enter walks the fields
in order and saves on the last, ctrl+s saves from anywhere, Esc asks before throwing away
what was typed, and the hint naming the save key is on screen at 80x24 and 60x20."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from textual.widgets import Input, Label, RadioSet, Select

from tests.conftest import as_person
from warroom import actions
from warroom.actions import Room
from warroom.tui.screens.assign import AssignScreen
from warroom.tui.screens.declare import DeclareScreen
from warroom.tui.screens.followups import AddFollowupScreen, FollowupsScreen
from warroom.tui.screens.forms import ConfirmDiscard, FormScreen
from warroom.tui.screens.main import WarRoomScreen
from warroom.tui.screens.mitigate import MitigateScreen
from warroom.tui.screens.triage import TriageScreen
from warroom.views import entries_of_kinds, load_incident

from .tui_helpers import drawn, make_app, screen_lines, settle, until


@dataclass(frozen=True)
class Form:
    keys: tuple[str, ...]  # opens the form from the war room
    screen: type[FormScreen]
    first: str  # the id of the field focused first
    typed: str  # typed into the first field before saving
    kind: str  # the timeline entry the save adds
    # Keys that make a choice the form will not make for the user, pressed on its radio set
    # (the assign form's role): without them the form refuses to save.
    choose: tuple[str, ...] = ()


FORMS = {
    "declare": Form(("d",), DeclareScreen, "title", "Search is slow", "declared"),
    "triage": Form(("t",), TriageScreen, "impact", "Card payments fail", "triage"),
    "assign": Form(("a",), AssignScreen, "name", "carol", "role", choose=("down", "space")),
    "mitigate": Form(("m",), MitigateScreen, "detail", "rolled back", "mitigation"),
    "follow-up": Form(("o", "a"), AddFollowupScreen, "text", "Add a canary", "followup"),
}


@pytest.fixture
def declared(room: Room) -> int:
    incident_id = actions.declare(room, "Checkout returns 500s", "SEV2")
    actions.note(as_person(room, "bob"), incident_id, "on it")
    return incident_id


def _kinds(room: Room) -> list[str]:
    with room.read() as conn:
        return [row[0] for row in conn.execute("SELECT kind FROM timeline ORDER BY id")]


async def _open(pilot, form: Form) -> FormScreen:
    await settle(pilot)
    await pilot.press(*form.keys)
    await until(pilot, lambda: isinstance(pilot.app.screen, form.screen), form.screen.__name__)
    return pilot.app.screen


def _back_home(app) -> bool:
    return isinstance(app.screen, WarRoomScreen | FollowupsScreen)


@pytest.mark.parametrize("name", FORMS)
async def test_enter_walks_every_field_in_order_and_saves_on_the_last(
    room: Room, declared: int, name: str
) -> None:
    form = FORMS[name]
    before = len(_kinds(room))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, form)
        fields = screen.form_fields()
        assert app.focused is fields[0] and fields[0].id == form.first
        # Text fields come before every other kind of field.
        kinds = [isinstance(f, Input) for f in fields]
        assert kinds == sorted(kinds, reverse=True)
        await pilot.press(*form.typed)
        for field in fields:
            assert app.focused is field, (name, field)
            if isinstance(field, RadioSet):
                await pilot.press(*form.choose)
            if isinstance(field, Select):
                # Enter opens a closed list (not a save), and chooses in the open one.
                await pilot.press("enter")
                await until(pilot, lambda f=field: f.expanded, "the list open")
                await pilot.press("enter", "ctrl+s")
            else:
                await pilot.press("enter")
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    assert form.kind in _kinds(room)[before:]


@pytest.mark.parametrize("name", FORMS)
async def test_ctrl_s_saves_from_the_first_field(room: Room, declared: int, name: str) -> None:
    form = FORMS[name]
    before = len(_kinds(room))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, form)
        await pilot.press(*form.typed, "ctrl+s")
        if form.choose:
            # Nothing chosen for the user: a one-line refusal, on the field to choose in.
            assert app.screen is screen and len(_kinds(room)) == before
            error = str(screen.query_one(".dialog-error", Label).render())
            assert error.startswith("Choose the role") and "\n" not in error, error
            assert app.focused is screen.query_one(RadioSet)
            await pilot.press(*form.choose)
            # Chosen: the refusal about it goes (it stayed up under the chosen role).
            assert not screen.query_one(".dialog-error", Label).display
            await pilot.press("ctrl+s")
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    assert len(_kinds(room)) > before and form.kind in _kinds(room)[before:]


@pytest.mark.parametrize("name", FORMS)
async def test_escape_asks_before_throwing_away_what_was_typed(
    room: Room, declared: int, name: str
) -> None:
    form = FORMS[name]
    before = _kinds(room)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, form)
        await pilot.press("escape")  # nothing typed: closes at once
        await until(pilot, lambda: _back_home(app), "the form closed")
        screen = await _open(pilot, form)
        await pilot.press(*form.typed, "escape")
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("n")  # keep editing: the text is still there
        assert app.screen is screen
        assert screen.query_one(f"#{form.first}", Input).value.endswith(form.typed)
        await pilot.press("escape", "escape")  # Esc in the question keeps editing too
        assert app.screen is screen
        await pilot.press("escape", "y")
        await until(pilot, lambda: _back_home(app), "the form discarded")
        await settle(pilot)
    assert _kinds(room) == before


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("name", FORMS)
async def test_the_hint_with_the_save_key_is_on_screen(
    room: Room, declared: int, name: str, size: tuple[int, int]
) -> None:
    form = FORMS[name]
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        screen = await _open(pilot, form)
        await pilot.pause()
        hint = screen.query_one(".dialog-hint", Label)
        assert "ctrl+s" in str(hint.render())
        # What the terminal shows, not what the widget holds: a hint below the fold of a
        # scrolling dialog is not drawn.
        assert any(f"ctrl+s {form.screen.SAVE}" in line for line in screen_lines(app))


async def test_an_empty_title_is_an_inline_error_and_keeps_the_form(room: Room) -> None:
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        await pilot.press("enter", "enter", "enter", "ctrl+s")  # to the last field, and save
        assert isinstance(app.screen, DeclareScreen)
        error = app.screen.query_one(".dialog-error", Label)
        assert error.display and "title is empty" in str(error.render())
        assert app.focused is app.screen.query_one("#title", Input)
        await pilot.press(*"Login fails")
        assert not error.display  # mended: the refusal goes as the title is typed
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
    with room.read() as conn:
        [entry] = entries_of_kinds(conn, 1, ("declared",))
    assert "Login fails" in entry.text


async def test_enter_on_the_severity_choice_takes_the_highlighted_one(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, FORMS["triage"])
        for _ in range(4):
            await pilot.press("enter")  # past the four text fields, nothing typed
        await pilot.press("up", "enter")  # SEV2 -> SEV1, and save in the same key press
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    with room.read() as conn:
        assert load_incident(conn, declared, room.settings).severity == "SEV1"


async def test_escape_on_the_update_panel_asks_before_dropping_an_edit(
    room: Room, declared: int
) -> None:
    from textual.widgets import TextArea

    from warroom.tui.screens.update_panel import UpdatePanelScreen

    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdatePanelScreen), "the panel")
        panel = app.screen
        area = panel.query_one(TextArea)
        await until(pilot, lambda: bool(area.text), "the rendered update")
        assert app.focused is area
        await pilot.press("escape")  # as rendered, nothing lost: back at once
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UpdatePanelScreen), "the panel")
        panel = app.screen
        area = panel.query_one(TextArea)
        await until(pilot, lambda: bool(area.text), "the rendered update")
        await pilot.press(*"EDITED ", "escape")
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("n")
        assert app.screen is panel and "EDITED " in area.text
        await pilot.press("escape", "y")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "the war room")
        await settle(pilot)
    assert "update" not in _kinds(room)


@pytest.mark.parametrize("name", FORMS)
async def test_a_multi_line_paste_into_a_field_keeps_every_line(
    room: Room, declared: int, name: str
) -> None:
    # Textual's Input keeps the first line of a paste and drops the rest without a word.
    from textual import events

    form = FORMS[name]
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, form)
        field = screen.form_fields()[0]
        assert isinstance(field, Input)
        field.post_message(events.Paste("first line\nsecond line\n\nthird line\n"))
        await until(pilot, lambda: "third line" in field.value, "the whole paste in the field")
        assert field.value.endswith("first line second line third line")
        assert any("3 pasted lines joined" in n for n in app.notices)


# --- the assign form's role -------------------------------------------------------------------


def _role_lines(app) -> dict[str, str]:
    """The role choices as drawn, by role: what a monochrome terminal shows of them."""
    lines = screen_lines(app)
    labels = {"owner": "Incident owner:", "fix_lead": "Fix lead:", "comms": "Communications"}
    return {role: next(line for line in lines if label in line) for role, label in labels.items()}


async def test_no_role_is_chosen_for_the_user_and_the_chosen_one_shows_without_colour(
    room: Room, declared: int
) -> None:
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, FORMS["assign"])
        assert not any(b.value for b in screen.query_one(RadioSet).query("Choice"))
        # Every choice says "not chosen" in its shape (○), not only in its colour.
        assert all("○" in line and "●" not in line for line in _role_lines(app).values())
        await pilot.press("tab", "down", "down", "space")  # fix lead
        await pilot.pause()
        shown = _role_lines(app)
        assert "●" in shown["fix_lead"] and "○" not in shown["fix_lead"], shown
        assert all("○" in shown[r] and "●" not in shown[r] for r in ("owner", "comms")), shown


@pytest.mark.parametrize(
    ("size", "pane"), [((120, 40), "#roles"), ((80, 24), "#brief")], ids=["roles", "80x24"]
)
async def test_a_click_on_a_role_in_the_roles_pane_opens_the_form_on_that_role(
    room: Room, declared: int, size: tuple[int, int], pane: str
) -> None:
    app = make_app(room)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        roles = app.main.query_one(pane)
        assert roles.display
        await pilot.click(roles, offset=(roles.content_region.x - roles.region.x + 2, 3))
        await until(pilot, lambda: isinstance(app.screen, AssignScreen), "the assign form")
        assert app.screen.role == "comms"
        assert "●" in _role_lines(app)["comms"]
        await pilot.press(*"priya", "ctrl+s")  # chosen by the click: saves from the name
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    assert room.incident(declared).roles["comms"] == "priya"


# --- keys typed as the form opens -------------------------------------------------------------


def _type_at_once(app, keys: list[str]) -> None:
    """Post every key to the app at once, as a fast typist's (or a paste's) keys reach it
    from the terminal: no pause for the app to handle one before the next arrives."""
    from textual import events

    chars = {"tab": "\t", "enter": "\r"}
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else chars.get(key)))


@pytest.mark.parametrize("run", range(3))  # the timing varies: each run must hold
async def test_keys_typed_as_a_form_opens_are_applied_in_order(room: Room, run: int) -> None:
    # `d`, AAA, Tab, BBB typed without a pause gave "AAABBB" in the title (the Tab was
    # applied before the form had its focus), or lost every key.
    actions.declare(room, "Checkout returns 500s", "SEV2")
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        _type_at_once(app, ["d", *"AAA", "tab", *"BBB"])
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare form")
        screen = app.screen
        await until(
            pilot,
            lambda: screen.query_one("#services", Input).value == "BBB",
            "BBB in the services field",
        )
        assert screen.query_one("#title", Input).value == "AAA"
        assert app.focused is screen.query_one("#services", Input)


async def test_a_form_closed_while_it_is_being_built_does_not_crash(room: Room) -> None:
    # A form popped before it mounted (closed as it opened, or the app quitting while the
    # first declare form is built) crashed its on_mount with NoMatches; seen in the full suite.
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare form")
        rules = app.screen.rules
        for _ in range(5):
            app.push_screen(DeclareScreen(rules))
            app.pop_screen()
        app.exit(0)
    assert app.return_code == 0


# --- arrows choose ----------------------------------------------------------------------------


def _pressed(screen: FormScreen, field: str) -> list[str]:
    """The names of the pressed choices in a field (a radio set, or the severity choice)."""
    return [b.name or "" for b in screen.query_one(f"#{field}").query("Choice") if b.value]


async def test_arrows_in_the_mitigate_actions_choose_what_is_saved(
    room: Room, declared: int
) -> None:
    # The drill: Up Up put the highlight on "Reduced load", and ctrl+s recorded "other".
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, FORMS["mitigate"])
        await pilot.press(*"arrow test", "tab", "up", "up")
        assert _pressed(screen, "action") == ["reduce-load"]  # one choice, the highlighted one
        await pilot.press("ctrl+s")
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    with room.read() as conn:
        [entry] = entries_of_kinds(conn, declared, ("mitigation",))
    assert entry.data == {"action": "reduce-load"}


async def test_arrows_in_the_severity_choose_what_is_declared(room: Room) -> None:
    # The drill: Up put the highlight on SEV1, ● stayed on SEV2, and SEV2 was declared.
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, DeclareScreen), "the declare form")
        screen = app.screen
        await pilot.press(*"Search is slow", "tab", "tab", "up")
        await pilot.pause()
        assert _pressed(screen, "severity") == ["SEV1"]
        definitions = "\n".join(screen_lines(app))
        assert "●▌ SEV1" in definitions and "○▌ SEV2" in definitions, definitions
        await pilot.press("down", "down", "up")  # back down past SEV2 and up again: one pressed
        assert _pressed(screen, "severity") == ["SEV2"]
        await pilot.press("up", "tab", "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "declared")
        await settle(pilot)
    with room.read() as conn:
        assert load_incident(conn, 1, room.settings).severity == "SEV1"


async def test_an_arrow_in_the_assign_roles_chooses_the_highlighted_role(
    room: Room, declared: int
) -> None:
    # The drill: Down highlighted the owner and ctrl+s still said "Choose the role".
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, FORMS["assign"])
        assert _pressed(screen, "role") == []  # opened: nothing chosen for the user
        await pilot.press(*"carol", "tab")
        assert _pressed(screen, "role") == []  # focused: still nothing
        await pilot.press("down", "ctrl+s")
        await until(pilot, lambda: _back_home(app), "the form saved")
        await settle(pilot)
    assert room.incident(declared).roles["owner"] == "carol"


# --- the discard question ---------------------------------------------------------------------


def _question_drawn(app) -> str:
    assert isinstance(app.screen, ConfirmDiscard)
    return drawn(app, app.screen.query_one(".dialog"))


async def test_the_discard_question_shows_its_question_and_its_keys(
    room: Room, declared: int
) -> None:
    # The drill: `m`, x, Esc drew an empty two-row box (the form's docked title and hint
    # rules applied inside the question), so nobody saw that y discards.
    from warroom.tui.screens.update_panel import UpdatePanelScreen

    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, FORMS["mitigate"])
        await pilot.press("x", "escape")
        await pilot.pause()
        shown = _question_drawn(app)
        assert "Discard what you typed?" in shown and "y discards" in shown, shown
        assert "n, Enter or Esc keeps editing" in shown, shown
        await pilot.press("y")
        await until(pilot, lambda: _back_home(app), "the form discarded")
        await pilot.press("u")  # the update panel asks with the same question
        await until(pilot, lambda: isinstance(app.screen, UpdatePanelScreen), "the panel")
        area = app.screen.query_one("TextArea")
        await until(pilot, lambda: bool(area.text), "the rendered update")
        await pilot.press(*"EDITED ", "escape")
        await pilot.pause()
        shown = _question_drawn(app)
        assert "Discard the edited update?" in shown and "y discards" in shown, shown
        await pilot.press("n")
        await settle(pilot)


# --- pastes into a one-line field -------------------------------------------------------------


async def test_a_short_paste_is_joined_after_a_space_and_a_log_is_refused(
    room: Room, declared: int
) -> None:
    # The drill: a 5,000-line log pasted into Impact was stored whole (398,915 characters),
    # and glued to what was typed ("log in2026-12-01T...").
    from textual import events

    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, FORMS["triage"])
        impact = screen.query_one("#impact", Input)
        error = screen.query_one(".dialog-error", Label)
        await pilot.press(*"log in")
        impact.post_message(events.Paste("fails\nfor EU cards\n"))
        await until(pilot, lambda: "cards" in impact.value, "the short paste joined")
        assert impact.value == "log in fails for EU cards"
        assert not error.display
        typed = impact.value
        log = "".join(
            f"2026-12-01T10:{i % 60:02d}:00Z ERROR card declined id={i}\n" for i in range(5000)
        )
        for refused in (
            log,
            "\n".join(["x"] * 11),  # more than 10 lines, however short
            "a" * 600 + "\n" + "b" * 400,  # two lines, 1,001 characters joined
            "c" * 1001,  # one line, too long too
        ):
            error.display = False
            impact.post_message(events.Paste(refused))
            await until(pilot, lambda: error.display, "the refusal")
            await pilot.pause()
            shown = drawn(app, error)
            # One row, drawn whole at 80x24.
            assert "\n" not in shown and "paste logs as a note, n" in shown, shown
            assert shown.startswith("Too long for this field: "), shown
            assert impact.value == typed  # nothing written into the field
        # Ten lines is still a short paste: joined.
        impact.post_message(events.Paste("\n".join(["y"] * 10)))
        await until(pilot, lambda: impact.value != typed, "ten lines joined")
        assert impact.value == typed + " " + " ".join(["y"] * 10)


# --- the declare form's Detected-by list ------------------------------------------------------


async def test_enter_on_the_closed_detected_by_list_opens_it_instead_of_declaring(
    room: Room,
) -> None:
    # The drill: Enter on the Select (the last field) declared at once, source not recorded.
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, DeclareScreen) and bool(app.screen.query("#source")),
            "the declare form built",
        )
        screen = app.screen
        source = screen.query_one("#source", Select)
        await pilot.press(*"Search is slow", "tab", "tab", "tab")
        assert app.focused is source
        await pilot.press("enter")
        await until(pilot, lambda: source.expanded, "the list open")
        assert app.screen is screen and _kinds(room) == []
        await pilot.press("down", "down", "enter")  # in the open list Enter chooses, as before
        await until(pilot, lambda: source.value == "customer", "the source chosen")
        assert app.screen is screen and _kinds(room) == []
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, WarRoomScreen), "declared")
        await settle(pilot)
    with room.read() as conn:
        assert load_incident(conn, 1, room.settings).detection_source == "customer"


async def test_tab_out_of_the_open_detected_by_list_moves_to_a_field_that_takes_keys(
    room: Room,
) -> None:
    # The drill: space opened the list, Tab closed it, and the focus went to no field
    # (the scrolling body of the form): letters typed then vanished.
    app = make_app(room)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(
            pilot,
            lambda: isinstance(app.screen, DeclareScreen) and bool(app.screen.query("#source")),
            "the declare form built",
        )
        screen = app.screen
        source = screen.query_one("#source", Select)
        await pilot.press(*"Search", "tab", "tab", "tab", "space")
        await until(pilot, lambda: source.expanded, "the list open")
        await pilot.press("tab")
        await until(pilot, lambda: not source.expanded, "the list closed")
        # The next field round the form: the title, where the typing lands.
        assert app.focused is screen.query_one("#title", Input), app.focused
        # (A field's text is selected as Tab enters it, as in every form: End keeps it.)
        await pilot.press("end", *" is slow")
        assert screen.query_one("#title", Input).value == "Search is slow"
