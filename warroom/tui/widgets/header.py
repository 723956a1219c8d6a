"""The one-line header: reference, severity, status, the customer-update countdown, the title
(cut to fit with "…"), time open and the owner (or a loud NO OWNER).

Below 90 columns the time open goes and the owner loses its "owner" label, so that down to
60 columns the reference, severity, status, countdown and some of the title stay."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from warroom.domain import format_duration
from warroom.safe_text import screen_line, screen_text
from warroom.tui.widgets.countdown import clock_text, countdown_state
from warroom.views import Incident

CRAMPED = 90  # columns below which the header drops the time open


def due_text(incident: Incident, now: datetime, *, short: bool = False) -> tuple[str, str]:
    """(state, text) of the countdown for the header; state as countdown_state."""
    state, _ = countdown_state(incident, now)
    due = incident.next_update_due
    if due is None:
        return state, ""
    left = (due - now).total_seconds()
    if state == "overdue":
        return state, f"{'' if short else 'update '}OVERDUE {clock_text(left)}"
    # "due 09:47" read as a time of day, nine hours off (drill): a countdown says "in".
    return state, f"{'due in' if short else 'update in'} {clock_text(left)}"


def elapsed_text(incident: Incident, now: datetime) -> str:
    if incident.resolved_at is not None:
        took = (incident.resolved_at - incident.declared_at).total_seconds()
        return f"resolved after {format_duration(took)}"
    return f"open {format_duration(max((now - incident.declared_at).total_seconds(), 0))}"


class HeaderBar(Horizontal):
    def __init__(self, *, id: str | None = None, readonly: bool = False) -> None:
        super().__init__(id=id)
        self.readonly = readonly
        self._shown: dict[str, Text] = {}  # label id -> the text it shows
        self._last: tuple[Incident | None, datetime] | None = None

    def compose(self) -> ComposeResult:
        if self.readonly:
            # First, so that no narrow width can cut it off: `watch` must say it only watches.
            yield Label(" READ-ONLY ", id="hdr-readonly")
        yield Label("warroom", id="hdr-ref")
        yield Label("", id="hdr-sev")
        yield Label("", id="hdr-status")
        yield Label("", id="hdr-due")
        yield Label("", id="hdr-title")
        yield Label("", id="hdr-elapsed")
        yield Label("", id="hdr-owner")
        yield Label("", id="hdr-alerts")

    def _set(self, name: str, text: Text) -> Label:
        """Update one label only if its text changed: an update repaints, and a new width
        lays the whole screen out again, which is most of the cost of a refresh."""
        label = self.query_one(f"#hdr-{name}", Label)
        old = self._shown.get(name)
        if old is None or old != text:
            self._shown[name] = text
            # The labels are as wide as their text: only a new width needs a layout.
            label.update(text, layout=old is None or old.cell_len != text.cell_len)
        return label

    def show(self, incident: Incident | None, now: datetime) -> None:
        self._last = (incident, now)
        if incident is None:
            self._set("title", Text("no incident open"))
            for name in ("sev", "status", "due", "elapsed", "owner"):
                self.query_one(f"#hdr-{name}", Label).display = False
            return
        self._set("ref", Text(incident.ref))
        self._set("sev", Text(f" {incident.severity} ")).set_classes(
            f"-{incident.severity.lower()}"
        )
        self._set("status", Text(incident.status)).set_classes(f"-{incident.status}")
        # Cut to fit by the label itself (text-overflow: ellipsis), at whatever width is left.
        self._set("title", screen_text(incident.title))
        holder = incident.roles.get("owner")
        if holder:
            shown = screen_text(screen_line(holder, 16), "bold")
            label = Text("owner ") if not self.has_class("-cramped") else Text("")
            owner = self._set("owner", Text.assemble(label, shown))
            owner.set_class(False, "-none")
        else:
            owner = self._set("owner", Text(" NO OWNER "))
            owner.set_class(True, "-none")
        for child in self.children:
            child.display = child.id != "hdr-alerts" or bool(self._shown.get("alerts"))
        self.query_one("#hdr-elapsed").display = not self.has_class("-cramped")
        self.tick(incident, now)

    def show_alerts(self, count: int) -> None:
        """`3 alerts firing` while any alert needs triage (l lists them); hidden otherwise."""
        word = "alert" if count == 1 else "alerts"
        label = self._set("alerts", Text(f" {count} {word} firing " if count else ""))
        label.display = count > 0

    def tick(self, incident: Incident, now: datetime) -> None:
        self._set("elapsed", Text(elapsed_text(incident, now)))
        state, text = due_text(incident, now, short=self.has_class("-cramped"))
        due = self._set("due", Text(text))
        due.display = bool(text)
        for name in ("normal", "warning", "overdue"):
            due.set_class(state == name, f"-{name}")

    def on_resize(self) -> None:
        cramped = self.size.width < CRAMPED
        if cramped != self.has_class("-cramped"):
            self.set_class(cramped, "-cramped")
            if self._last is not None:
                self.show(*self._last)
