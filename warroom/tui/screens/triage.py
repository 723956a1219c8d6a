"""The triage form: impact, who is affected, workaround, services, and the severity with the
definitions beside the choice. Only fields that were changed are recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label

from warroom.domain import SeverityRule
from warroom.safe_text import clean
from warroom.tui.screens.declare import split_services
from warroom.tui.screens.forms import FieldInput, FormScreen, SeverityChoice
from warroom.views import Incident

FIELDS = {
    "impact": ("Impact: what users cannot do", "e.g. Card payments fail at checkout"),
    "affected": ("Who is affected, how many", "e.g. 1 in 5 checkout attempts, all regions"),
    "workaround": ("Workaround, if any", "e.g. PayPal still works"),
}


@dataclass(frozen=True)
class TriageForm:
    changed: dict[str, str] = field(default_factory=dict)  # impact/affected/workaround
    services: list[str] = field(default_factory=list)
    severity: str | None = None  # only when changed

    def __bool__(self) -> bool:
        return bool(self.changed or self.services or self.severity)


class TriageScreen(FormScreen[TriageForm]):
    SAVE = "saves"
    WIDE = True

    def __init__(self, incident: Incident, rules: dict[str, SeverityRule]) -> None:
        super().__init__()
        self.incident = incident
        self.rules = rules
        # Shown sanitised: a stored value with control characters is not echoed raw.
        self.initial = {name: clean(getattr(incident, name) or "") for name in FIELDS}

    def title_text(self) -> Text:
        return Text(f"Triage {self.incident.ref}")

    def fields(self) -> ComposeResult:
        for name, (label, placeholder) in FIELDS.items():
            yield Label(label)
            yield FieldInput(
                self.initial[name], placeholder=placeholder, id=name, select_on_focus=False
            )
        services = ", ".join(self.incident.services) or "none"
        yield Label(Text(f"Add services (now: {clean(services)})"))
        yield FieldInput(placeholder="comma-separated", id="services")
        yield Label("Severity")
        yield SeverityChoice(self.rules, self.incident.severity, id="severity")

    def save(self) -> TriageForm | None:
        changed = {}
        for name in FIELDS:
            value = self.query_one(f"#{name}", Input).value.strip()
            if value and value != self.initial[name]:
                changed[name] = value
        severity = self.query_one(SeverityChoice).value
        return TriageForm(
            changed=changed,
            services=split_services(self.query_one("#services", Input).value),
            severity=severity if severity != self.incident.severity else None,
        )
