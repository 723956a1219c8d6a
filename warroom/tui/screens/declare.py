"""Declare an incident: title, severity (definitions beside it), services, detection source."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from warroom.domain import SOURCES, SeverityRule
from warroom.tui.screens.forms import FieldInput, FormScreen, SeverityChoice


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str
    services: list[str]
    source: str | None


def split_services(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


class DeclareScreen(FormScreen[DeclareForm]):
    SAVE = "declares"
    WIDE = True

    def __init__(self, rules: dict[str, SeverityRule], *, first: bool = False) -> None:
        super().__init__()
        self.rules = rules
        self.first = first

    def title_text(self) -> Text:
        return Text("No incident in this file yet: declare one" if self.first else "Declare")

    def fields(self) -> ComposeResult:
        # Text fields first, so that typing starts at once and Enter walks down the form.
        yield Label("Title: what is broken, as users see it")
        yield FieldInput(placeholder="e.g. Checkout returns 500s", id="title")
        yield Label("Services (comma-separated, optional)")
        yield FieldInput(placeholder="e.g. checkout-api, payments", id="services")
        yield Label("Severity (a guess is fine; change it later)")
        yield SeverityChoice(self.rules, "SEV2", id="severity")
        yield Label("Detected by (space opens the list)")
        yield Select(
            [(label, key) for key, label in SOURCES.items()],
            prompt="(not recorded)",
            id="source",
        )

    def save(self) -> DeclareForm | None:
        title = self.query_one("#title", Input).value.strip()
        if not title:
            self.error("The title is empty: say what is broken.", "title")
            return None
        source = self.query_one("#source", Select).value
        return DeclareForm(
            title=title,
            severity=self.query_one(SeverityChoice).value,
            services=split_services(self.query_one("#services", Input).value),
            source=source if isinstance(source, str) else None,
        )
