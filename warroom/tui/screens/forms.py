"""The modal forms' one grammar (FormScreen), and the severity choice with its definitions."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from warroom.domain import SEVERITIES, SeverityRule
from warroom.safe_text import clean, screen_line

ResultT = TypeVar("ResultT")


def definitions_text(rules: dict[str, SeverityRule], chosen: str | None) -> Text:
    lines = []
    for name in SEVERITIES:
        rule = rules[name]
        cadence = (
            f"update every {rule.cadence_minutes} min, first within {rule.first_update_minutes}"
            if rule.cadence_minutes
            else "no customer updates"
        )
        style = "bold reverse" if name == chosen else ""
        lines.append(
            Text.assemble((f" {name} ", style), f" {screen_line(rule.definition)} ({cadence})")
        )
    return Text("\n").join(lines)


# A paste longer than this is a log, not a field's value: refused, not joined into an impact
# (and from there into the customer update). A few lines (a copied sentence) are joined.
PASTE_MAX_LINES = 10
PASTE_MAX_CHARS = 1000


class FieldInput(Input):
    """A one-line form field. Textual's Input keeps only the first line of a paste, silently;
    here a short paste with line breaks is kept whole, its lines joined by spaces, and the
    field says so. A paste over PASTE_MAX_LINES lines or PASTE_MAX_CHARS characters (once
    joined) is refused, with nothing written into the field."""

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        joined = " ".join(lines)
        too_long = len(lines) > PASTE_MAX_LINES or len(joined) > PASTE_MAX_CHARS
        if len(lines) <= 1 and not too_long:
            return  # Textual calls Input's own handler next (handlers run along the MRO)
        event.prevent_default()  # ... but not for this one
        event.stop()
        if too_long:
            self._refuse()
            return
        start = min(self.selection)
        if start > 0 and not self.value[start - 1].isspace():
            joined = " " + joined  # "log in" + a paste: not "log in2026-12-01T..."
        if self.selection.is_empty:
            self.insert_text_at_cursor(joined)
        else:
            self.replace(joined, *self.selection)
        self.notify(
            f"{len(lines)} pasted lines joined into one line (this field holds one line)",
            severity="warning",
        )

    def _refuse(self) -> None:
        # Short enough for one row of the narrowest dialog (60 columns).
        message = "Too long for this field: paste logs as a note, n"
        screen = self.screen
        if isinstance(screen, FormScreen):
            screen.error(message)
        else:
            self.notify(message, severity="error")


class Choice(RadioButton):
    """A radio button whose mark says whether it is chosen, not only its colour: Textual
    draws the same dot for on and off, so in monochrome (or to a colour-blind eye) every
    choice looked alike. Chosen: ●, not chosen: ○."""

    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "\u25cf" if self.value else "\u25cb"
        return super()._button


def highlight_pressed(radio_set: RadioSet) -> None:
    """Start the keyboard highlight on the pressed button, so arrow keys move from the
    current value instead of from the top; with none pressed, on none (RadioSet highlights
    its first button, which Enter would then choose for the user). RadioSet has no public
    API for this."""
    buttons = list(radio_set.query(RadioButton))
    pressed = radio_set.pressed_button
    if hasattr(radio_set, "_selected"):
        radio_set._selected = buttons.index(pressed) if pressed is not None else None


def chosen(radio_set: RadioSet) -> str | None:
    """The name of the pressed button, read from the buttons themselves: RadioSet's own
    `pressed_button` is updated only once the buttons' messages have been handled."""
    return next((b.name for b in radio_set.query(RadioButton) if b.value), None)


def press_highlighted(radio_set: RadioSet) -> None:
    """Press the highlighted button now (and release the others), so that a form saved in
    the same key press sees the choice. Done here, with the buttons' own messages held
    back, rather than by pressing the button and letting RadioSet release the old one: its
    handler turns a released button back on, so a move upwards left two buttons pressed."""
    index = getattr(radio_set, "_selected", None)
    if index is None:
        return
    buttons = list(radio_set.query(RadioButton))
    target = buttons[index]
    if target.value:
        return
    with radio_set.prevent(RadioButton.Changed):
        for button in buttons:
            button.value = button is target
    radio_set._pressed_button = target
    radio_set.post_message(RadioSet.Changed(radio_set, target))


class ChoiceSet(RadioSet):
    """A form's list of choices, where the arrows choose: the highlighted button is the
    pressed one as the highlight moves, so what is seen highlighted is what is saved (a
    RadioSet's arrows only move the highlight, and a save kept the old choice). New action
    names, not RadioSet's: its mount moves the highlight with `next_button`, which must not
    choose for the user."""

    BINDINGS = [
        Binding("down,right", "next_choice", "Next option", show=False),
        Binding("up,left", "previous_choice", "Previous option", show=False),
    ]

    def action_next_choice(self) -> None:
        self.action_next_button()
        press_highlighted(self)

    def action_previous_choice(self) -> None:
        self.action_previous_button()
        press_highlighted(self)


class SeverityChoice(Horizontal):
    """A radio set of SEV1..SEV4 with every definition shown beside it."""

    def __init__(self, rules: dict[str, SeverityRule], value: str, *, id: str) -> None:
        super().__init__(id=id, classes="severity-choice")
        self.rules = rules
        self.initial = value

    @property
    def value(self) -> str:
        return chosen(self.query_one(RadioSet)) or self.initial

    def compose(self) -> ComposeResult:
        with ChoiceSet():
            for name in SEVERITIES:
                yield Choice(name, value=name == self.initial, name=name)
        yield Static(definitions_text(self.rules, self.initial), classes="definitions")

    def on_mount(self) -> None:
        highlight_pressed(self.query_one(RadioSet))

    @on(RadioSet.Changed)
    def changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.query_one(".definitions", Static).update(definitions_text(self.rules, self.value))


class ConfirmDiscard(ModalScreen[bool]):
    """Asked when Esc would throw away what was typed in a form."""

    BINDINGS = [
        Binding("y,d", "discard", "Discard", show=False),
        Binding("n,escape,enter", "keep", "Keep editing", show=False),
    ]

    def __init__(self, what: str) -> None:
        # Not "form": the forms' rules dock the title and the hint, which in this height-auto
        # dialog left an empty two-row box, the question and its keys not drawn.
        super().__init__(classes="confirm")
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog narrow"):
            yield Label(Text(f"Discard {self.what}?"), classes="dialog-title")
            yield Label(Text("y discards · n, Enter or Esc keeps editing"), classes="dialog-hint")

    def action_discard(self) -> None:
        self.dismiss(True)

    def action_keep(self) -> None:
        self.dismiss(False)


def _value(widget: Widget) -> object:
    """What a field holds now, to tell whether anything was typed or chosen."""
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, RadioSet):
        return widget.pressed_index
    if isinstance(widget, Select):
        return widget.value
    return None


FIELD_TYPES = (Input, TextArea, RadioSet, Select)


class FormScreen(ModalScreen[ResultT | None], Generic[ResultT]):
    """The one form grammar, for every form of the war room.

    - The first text field has the focus when the form opens.
    - Tab and Shift-Tab move between fields; so does Enter (on a radio set it also picks the
      highlighted choice), and Enter on the last field saves. A multi-line editor keeps Enter
      for new lines; on a drop-down list Enter opens it, and in the open list it chooses.
    - ctrl+s saves from anywhere in the form.
    - Esc cancels, asking first if anything was typed or chosen.
    - The hint line naming the save key is docked at the bottom of the dialog, so it stays
      visible however small the terminal (the fields scroll above it).

    A form yields its fields from `fields()` and builds its result in `save()`, returning
    None to stay open (after `error()` has said why).
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
        # Priority: an Input, a RadioSet and a Select each have their own Enter.
        Binding("enter", "enter", "Next field", show=False, priority=True),
        # Priority too, so a Tab moves the focus as it arrives: as an ordinary binding it ran
        # only once it had come back up from the field, after the keys typed behind it had
        # been handed to that same field ("AAA Tab BBB" typed at once gave "AAABBB").
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]

    TITLE = "Form"
    SAVE = "saves"  # the verb in the hint: "ctrl+s declares"
    WIDE = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(classes="form", id=id)
        self._initial: dict[int, object] = {}
        self._error_field: str | None = None  # the field the refusal shown is about

    # --- for the forms ----------------------------------------------------------------------

    def title_text(self) -> Text:
        return Text(self.TITLE)

    def fields(self) -> ComposeResult:
        raise NotImplementedError
        yield  # pragma: no cover

    def save(self) -> ResultT | None:
        raise NotImplementedError

    def hint(self) -> str:
        return f"Tab/Enter: next field · ctrl+s {self.SAVE} · Esc cancels"

    def error(self, message: str, field: str | None = None) -> None:
        """Say why the form cannot be saved, in the form, and focus the field at fault."""
        label = self.query_one(".dialog-error", Label)
        label.update(Text(clean(message)))
        label.display = True
        self._error_field = field
        if field is not None:
            self.set_focus(self.query_one(f"#{field}"))

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(RadioSet.Changed)
    @on(Select.Changed)
    def _mended(
        self, event: Input.Changed | TextArea.Changed | RadioSet.Changed | Select.Changed
    ) -> None:
        # The field a refusal named has been changed: the refusal no longer holds ("Choose
        # the role" stayed up under a chosen role). A save says again what is still wrong.
        field = self._error_field
        if field is not None and getattr(event.control, "id", None) == field:
            self._error_field = None
            self.query_one(".dialog-error", Label).display = False

    # --- the grammar ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide" if self.WIDE else "dialog"):
            yield Label(self.title_text(), classes="dialog-title")
            yield Label(Text(self.hint()), classes="dialog-hint")
            yield Label(Text(""), classes="dialog-error")
            # Not focusable: Tab out of the last field (or out of an open drop-down list)
            # landed on this scroll body, which shows no focus and swallowed the letters
            # typed next. A focused field is scrolled into view; the wheel still scrolls.
            with VerticalScroll(classes="dialog-body", can_focus=False):
                yield from self.fields()

    def on_mount(self) -> None:
        fields = self.form_fields()
        self._initial = {id(f): _value(f) for f in fields}
        first: Widget | None = next((f for f in fields if isinstance(f, Input | TextArea)), None)
        if first is None and fields:
            first = fields[0]
        if first is not None:
            # Without scrolling it into view: the form shows from its top, label included.
            self.set_focus(first, scroll_visible=False)

    def form_fields(self) -> list[Widget]:
        """The fields, in focus order."""
        # None while the form is torn down before it mounted (closed as it opened).
        return [w for body in self.query(".dialog-body") for w in body.query("*") if _is_field(w)]

    def changed(self) -> bool:
        """Has anything been typed or chosen since the form opened?"""
        return any(_value(f) != self._initial.get(id(f)) for f in self.form_fields())

    def action_enter(self) -> None:
        focused = self.focused
        if isinstance(focused, TextArea | OptionList) or (
            isinstance(focused, Select) and focused.expanded
        ):
            raise SkipAction()  # a new line; a choice in an open list
        if isinstance(focused, Select):
            focused.action_show_overlay()  # closed: Enter opens it, even as the last field
            return
        if isinstance(focused, RadioSet):
            press_highlighted(focused)
        fields = self.form_fields()
        owner = _field_of(focused, fields)
        if owner is None or owner is fields[-1]:
            self.action_save()
        else:
            self.set_focus(fields[fields.index(owner) + 1])

    def action_save(self) -> None:
        result = self.save()
        if result is not None:
            self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.changed():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard("what you typed"), answered)


def _is_field(widget: Widget) -> bool:
    return isinstance(widget, FIELD_TYPES) and widget.can_focus and widget.display


def _field_of(widget: Widget | None, fields: list[Widget]) -> Widget | None:
    """The field `widget` is, or is part of (a radio button of a set)."""
    while widget is not None:
        if widget in fields:
            return widget
        parent = widget.parent
        widget = parent if isinstance(parent, Widget) else None
    return None
