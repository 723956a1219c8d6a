"""Alerts that need triage: firing, not dismissed, on no open incident. One key declares an
incident from the highlighted alert (the declare form prefilled from it), one attaches it to
the incident on screen, one dismisses it with a reason.

The screen holds no database connection: it posts `AlertTriageRequested`, a message of plain
data, which the app hands to the war room screen to run. The list follows the war room's
snapshots, so alerts arriving or triaged elsewhere show up while it is open.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, RadioSet, Select
from textual.widgets.option_list import Option

from warroom.alert_views import Alert
from warroom.alerts import default_title
from warroom.domain import SeverityRule, format_duration
from warroom.safe_text import as_text, clean, one_line
from warroom.tui.messages import AlertTriageRequested
from warroom.tui.screens.declare import DeclareForm, DeclareScreen, split_services
from warroom.tui.screens.forms import FieldInput, FormScreen, SeverityChoice
from warroom.views import Incident

WRITES = frozenset({"declare", "attach", "dismiss_alert"})
# A link is made clickable only when it is a plain http(s) URL: anything else is shown as text.
_PLAIN_URL = re.compile(r"https?://[!-~]+")


def firing_for(alert: Alert, now: datetime) -> str:
    span = alert.firing_for(now)
    return format_duration(span) if span is not None else "?"


def alert_prompt(alert: Alert, now: datetime, width: int = 100) -> Text:
    """Two or three lines: name and service, how long firing, where it came from; the
    summary; the link."""
    text = Text()
    text.append(f"#{alert.id:<4}", "dim")
    text.append_text(as_text(one_line(alert.name, 48), "bold"))
    if alert.service:
        text.append("  ")
        text.append_text(as_text(one_line(alert.service, 30)))
    text.append(f"  firing {firing_for(alert, now)}", "bold red")
    text.append(f"  {alert.source}", "dim")
    if alert.count > 1:
        text.append(f" x{alert.count}", "dim")
    if alert.incident_ref:
        text.append(f"  (was on {alert.incident_ref}, resolved)", "italic")
    if alert.summary:
        text.append("\n      ")
        text.append_text(as_text(one_line(alert.summary, width - 6)))
    if alert.url:
        shown = one_line(alert.url, width - 6)
        link = Style(link=alert.url) if _PLAIN_URL.fullmatch(alert.url) else Style()
        text.append("\n      ")
        text.append(shown, Style(underline=True, dim=True) + link)
    return text


_LISTS = itertools.count(1)


class AlertsScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("d", "declare", "Declare"),
        Binding("a", "attach", "Attach"),
        # Not "dismiss": Screen.action_dismiss closes the screen.
        Binding("x", "dismiss_alert", "Dismiss"),
    ]

    def __init__(
        self,
        alerts: Sequence[Alert],
        incident: Incident | None,
        rules: dict[str, SeverityRule],
        clock: Callable[[], datetime],
        *,
        readonly: bool,
    ) -> None:
        # Unique: the write it asks for closes it by id, and a second list may be opening.
        super().__init__(classes="picker", id=f"alerts-{next(_LISTS)}")
        self.alerts: list[Alert] = []
        self.incident = incident
        self.rules = rules
        self.clock = clock
        self.readonly = readonly
        self._initial = list(alerts)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Alerts firing"), id="alerts-title", classes="dialog-title")
            yield OptionList(id="alert-list")
            yield Label(Text(self._hint()), id="alerts-hint", classes="dialog-hint")

    def _hint(self) -> str:
        if self.readonly:
            return "Read-only: watching, not writing · Esc closes"
        if self.incident is None:
            return "d or Enter declare from it · x dismiss · Esc, then d: declare another way"
        return f"d or Enter declare from it · a attach to {self.incident.ref} · x dismiss · Esc"

    def on_mount(self) -> None:
        self.show(self._initial, self.incident)
        self.query_one(OptionList).focus()
        # "Firing 12m" grows while the list is open.
        self.set_interval(15, lambda: self.show(self.alerts, self.incident))

    def show(self, alerts: Sequence[Alert], incident: Incident | None) -> None:
        """Replace the list, keeping the highlight on the same alert."""
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        current = self.alerts[highlighted].id if highlighted is not None and self.alerts else None
        self.alerts = list(alerts)
        if incident is not None or self.incident is None:
            self.incident = incident
        self.query_one("#alerts-hint", Label).update(Text(self._hint()))
        count = len(self.alerts)
        title = (
            f"{count} alert{'s' if count != 1 else ''} firing, not on an open incident"
            if count
            else "No alert needs triage"
        )
        self.query_one("#alerts-title", Label).update(Text(title))
        options.clear_options()
        if not self.alerts:
            options.add_option(
                Option(Text("No alert needs triage. Esc goes back.", style="italic"), disabled=True)
            )
            return
        now = self.clock()
        width = max(self.size.width - 8, 40) if self.size.width else 100
        options.add_options(Option(alert_prompt(a, now, width), id=str(a.id)) for a in self.alerts)
        ids = [a.id for a in self.alerts]
        options.highlighted = ids.index(current) if current in ids else 0

    def _highlighted(self) -> Alert | None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or not self.alerts or highlighted >= len(self.alerts):
            return None
        return self.alerts[highlighted]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITES and self.readonly:
            return False
        return not (action == "attach" and self.incident is None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_declare(self) -> None:
        alert = self._highlighted()
        if alert is None or self.readonly:
            return
        self.app.push_screen(DeclareFromAlertScreen(alert, self.rules), self._declared)  # type: ignore[arg-type]

    def _declared(self, form: AlertTriageRequested | None) -> None:
        if form is not None:
            # This list closes once the incident is declared; the war room switches to it.
            self.post_message(replace(form, screen_id=self.id))

    def action_attach(self) -> None:
        alert = self._highlighted()
        if alert is None or self.incident is None or self.readonly:
            return
        self.post_message(
            AlertTriageRequested(None, "attach", alert.id, incident_id=self.incident.id)
        )

    def action_dismiss_alert(self) -> None:
        alert = self._highlighted()
        if alert is None or self.readonly:
            return

        def dismissed(reason: str | None) -> None:
            if reason:
                self.post_message(AlertTriageRequested(None, "dismiss", alert.id, reason=reason))

        self.app.push_screen(DismissScreen(alert), dismissed)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_declare()


class DismissScreen(FormScreen[str]):
    """Why this alert needs no incident; the reason is kept with who and when."""

    SAVE = "dismisses"

    def __init__(self, alert: Alert) -> None:
        super().__init__()
        self.alert = alert

    def title_text(self) -> Text:
        title = Text("Dismiss ")
        title.append_text(as_text(one_line(self.alert.label, 60)))
        return title

    def fields(self) -> ComposeResult:
        yield Label("Why does it need no incident? (kept with your name)")
        yield FieldInput(placeholder="e.g. known flapping probe, ticket OPS-12", id="reason")

    def save(self) -> str | None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.error("Give a reason: the next responder will want to know why.", "reason")
            return None
        return reason


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    local = moment.astimezone()
    shown = f"{local:%Y-%m-%d %H:%M %Z}"
    if local.utcoffset():
        shown += f" ({moment.astimezone(UTC):%H:%M} UTC)"
    return shown


class DeclareFromAlertScreen(DeclareScreen):
    """The declare form, filled in from the alert: title, service, source "monitoring", and
    the impact start shown (it is when the alert began firing). Severity is the user's call,
    with every definition beside it."""

    def __init__(self, alert: Alert, rules: dict[str, SeverityRule]) -> None:
        super().__init__(rules)
        self.alert = alert

    def title_text(self) -> Text:
        text = Text("Declare from alert ")
        text.append_text(as_text(one_line(self.alert.label, 60)))
        return text

    def hint(self) -> str:
        return "Choose the severity · Tab/Enter: next field · ctrl+s declares · Esc cancels"

    def on_mount(self) -> None:
        # Filled in before the form's own on_mount, so that the alert's values count as the
        # starting point (Esc asks only about what the user changed).
        title = self.query_one("#title", Input)
        title.value = default_title(self.alert.name, self.alert.summary)
        title.cursor_position = 0
        if self.alert.service:
            self.query_one("#services", Input).value = clean(self.alert.service)
        self.query_one("#source", Select).value = "monitoring"
        super().on_mount()
        started = Label(
            Text(f"Impact started: {_utc(self.alert.fired_at)}, when the alert began firing"),
            id="impact-start",
        )
        started.styles.margin = (0, 0, 1, 0)
        body = self.query_one(".dialog-body")
        body.mount(started, before=0)
        # The severity is the one thing the alert cannot tell: start there.
        radios = self.query_one(SeverityChoice).query_one(RadioSet)
        self.call_after_refresh(self.set_focus, radios)

    def save(self) -> DeclareForm | None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.error("The title is empty: say what is broken.", "title")
            return None
        services = split_services(self.query_one("#services", Input).value)
        source = self.query_one("#source", Select).value
        return AlertTriageRequested(  # type: ignore[return-value]
            None,
            "declare",
            self.alert.id,
            title=title,
            severity=self.query_one(SeverityChoice).value,
            services=tuple(s for s in services if s != self.alert.service),
            source=source if isinstance(source, str) else "monitoring",
        )
