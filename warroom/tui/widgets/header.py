"""The one-line header: reference, title, coloured severity, status, elapsed, owner."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from warroom.domain import format_duration
from warroom.safe_text import as_text
from warroom.views import Incident


def elapsed_text(incident: Incident, now: datetime) -> str:
    if incident.resolved_at is not None:
        took = (incident.resolved_at - incident.declared_at).total_seconds()
        return f"resolved after {format_duration(took)}"
    return f"open {format_duration(max((now - incident.declared_at).total_seconds(), 0))}"


class HeaderBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Label("warroom", id="hdr-ref")
        yield Label("", id="hdr-sev")
        yield Label("", id="hdr-status")
        yield Label("", id="hdr-title")
        yield Label("", id="hdr-elapsed")
        yield Label("", id="hdr-owner")

    def show(self, incident: Incident | None, now: datetime) -> None:
        title = self.query_one("#hdr-title", Label)
        if incident is None:
            title.update(Text("no incident open"))
            for name in ("sev", "status", "elapsed", "owner"):
                self.query_one(f"#hdr-{name}", Label).display = False
            return
        self.query_one("#hdr-ref", Label).update(Text(incident.ref))
        sev = self.query_one("#hdr-sev", Label)
        sev.update(Text(f" {incident.severity} "))
        sev.set_classes(f"-{incident.severity.lower()}")
        status = self.query_one("#hdr-status", Label)
        status.update(Text(incident.status))
        status.set_classes(f"-{incident.status}")
        title.update(as_text(incident.title))
        self.tick(incident, now)
        owner = self.query_one("#hdr-owner", Label)
        name = incident.roles.get("owner")
        if name:
            owner.update(Text.assemble("owner ", as_text(name, "bold")))
            owner.set_class(False, "-none")
        else:
            owner.update(Text(" NO OWNER "))
            owner.set_class(True, "-none")
        for child in self.children:
            child.display = True

    def tick(self, incident: Incident, now: datetime) -> None:
        self.query_one("#hdr-elapsed", Label).update(Text(elapsed_text(incident, now)))
