"""Declare an incident: title, severity (definitions beside it), services, detection source."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select

from warroom.domain import SOURCES, SeverityRule
from warroom.tui.screens.forms import FormScreen, SeverityChoice


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str
    services: list[str]
    source: str | None


def split_services(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


class DeclareScreen(FormScreen[DeclareForm]):
    def __init__(self, rules: dict[str, SeverityRule], *, first: bool = False) -> None:
        super().__init__(classes="form")
        self.rules = rules
        self.first = first

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            heading = "No incident in this file yet: declare one" if self.first else "Declare"
            yield Label(Text(heading), classes="dialog-title")
            yield Label("Title: what is broken, as users see it")
            yield Input(placeholder="e.g. Checkout returns 500s", id="title")
            yield Label("Severity (a guess is fine; change it later)")
            yield SeverityChoice(self.rules, "SEV2", id="severity")
            yield Label("Services (comma-separated, optional)")
            yield Input(placeholder="e.g. checkout-api, payments", id="services")
            yield Label("Detected by")
            yield Select(
                [(label, key) for key, label in SOURCES.items()],
                prompt="(not recorded)",
                id="source",
            )
            yield Label(
                Text("Enter in a text field or ctrl+s declares · Esc cancels"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.notify("The title is empty.", severity="warning", markup=False)
            self.query_one("#title", Input).focus()
            return
        source = self.query_one("#source", Select).value
        self.dismiss(
            DeclareForm(
                title=title,
                severity=self.query_one(SeverityChoice).value,
                services=split_services(self.query_one("#services", Input).value),
                source=source if isinstance(source, str) else None,
            )
        )
