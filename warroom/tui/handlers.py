"""What each key does: open a form or picker, then hand the answer to a writing action.

A mixin of WarroomApp, kept apart so the app module stays about threads and messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from warroom import actions
from warroom.domain import ASKS_FOR_UPDATE, format_ref
from warroom.errors import WarroomError
from warroom.room import Room
from warroom.tui.commands import ALL_COMMANDS, WRITE_ACTIONS
from warroom.tui.data import TimelineFilter, load_authors, load_incidents
from warroom.tui.messages import ActionDone
from warroom.tui.screens.assign import Assignment, AssignScreen
from warroom.tui.screens.declare import DeclareForm, DeclareScreen
from warroom.tui.screens.filter import filter_picker, parse_choice
from warroom.tui.screens.followups import FollowupForm, FollowupsScreen
from warroom.tui.screens.help import HelpScreen
from warroom.tui.screens.mitigate import MitigateScreen, Mitigation
from warroom.tui.screens.pickers import (
    checklist_picker,
    incident_picker,
    severity_picker,
    status_picker,
)
from warroom.tui.screens.triage import TriageForm, TriageScreen
from warroom.tui.screens.update_panel import UpdatePanelScreen
from warroom.views import Followup, Incident

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp

    _Base = WarroomApp
else:
    _Base = object


class ActionsMixin(_Base):
    def _incident(self) -> Incident | None:
        incident = self.latest.incident if self.latest else None
        if incident is None:
            self.say("No incident yet: press d to declare one.", "warning")
        return incident

    # --- actions (keys, footer, palette) -----------------------------------------------------

    def action_note(self) -> None:
        if self._incident():
            self.main.focus_note()

    def add_note(self, text: str) -> None:
        incident_id = self.incident_id
        if incident_id is None:
            return
        self.write(
            lambda room: ActionDone(
                f"Note {actions.note(room, incident_id, text)} added to {format_ref(incident_id)}"
            )
        )

    def action_severity(self) -> None:
        if incident := self._incident():
            self.push_screen(
                severity_picker(self.room.settings.severities, incident.severity),
                lambda value: value and self._set_severity(incident.id, value),
            )

    def _set_severity(self, incident_id: int, value: str) -> None:
        self.write(
            lambda room: ActionDone(
                f"Severity is now {value}"
                if actions.set_severity(room, incident_id, value)
                else f"Severity was already {value}"
            )
        )

    def action_status(self) -> None:
        if incident := self._incident():
            self.push_screen(
                status_picker(incident.status),
                lambda value: value and self._set_status(incident.id, value),
            )

    def _set_status(self, incident_id: int, value: str) -> None:
        def work(room: Room) -> ActionDone:
            if not actions.set_status(room, incident_id, value):
                return ActionDone(f"Status was already {value}")
            if value in ASKS_FOR_UPDATE:
                # The lifecycle asks for its update: the panel opens on the matching template.
                self.call_from_thread(self._offer_update, incident_id, value)
                return ActionDone(f"Status is now {value}; tell customers (ctrl+s publishes)")
            return ActionDone(f"Status is now {value}")

        self.write(work)

    def _offer_update(self, incident_id: int, template: str) -> None:
        from warroom.updates import available_templates

        def show(names: list[str]) -> None:
            incident = self.latest.incident if self.latest else None
            if incident is not None and incident.id == incident_id:
                incident = replace(incident, status=template)
                self.push_screen(UpdatePanelScreen(incident, names, template))

        self.db_then(available_templates, show)

    def action_assign(self) -> None:
        if incident := self._incident():
            people = self.latest.people if self.latest else ()
            self.push_screen(AssignScreen(incident, people), self._assign)

    def _assign(self, result: Assignment | None) -> None:
        incident_id = self.incident_id
        if result is None or incident_id is None:
            return
        role = result.role.replace("_", " ")

        def work(room: Room) -> ActionDone:
            try:
                changed = actions.assign(
                    room, incident_id, result.role, result.name, expected_holder=result.holder
                )
            except actions.RoleChangedError as exc:
                self.call_from_thread(self._role_changed, result, exc)
                return ActionDone(f"Not assigned yet: {exc.message}")
            if changed:
                return ActionDone(f"{result.name} holds {role}")
            return ActionDone(f"{result.name} already holds {role}")

        self.write(work)

    def _role_changed(self, result: Assignment, exc: actions.RoleChangedError) -> None:
        from warroom.tui.screens.confirm import YES, confirm

        self.push_screen(
            confirm(f"{exc.message}. Give it to {result.name} anyway?", "Yes, assign", "No"),
            lambda choice: choice == YES and self._assign(replace(result, holder=exc.current)),
        )

    def action_check(self) -> None:
        if incident := self._incident():
            self.push_screen(
                checklist_picker(incident),
                lambda number: number and self._check(incident, int(number)),
            )

    def _check(self, incident: Incident, number: int) -> None:
        item = next(i for i in incident.checklist if i.number == number)
        self.write(
            lambda room: ActionDone(
                f"{'Unticked' if item.done else 'Ticked'} item {number}"
                if actions.check(room, incident.id, number, undo=item.done)
                else f"Item {number} had already changed"
            )
        )

    def action_triage(self) -> None:
        if incident := self._incident():
            self.push_screen(
                TriageScreen(incident, self.room.settings.severities),
                lambda form: self._triage(incident.id, form),
            )

    def _triage(self, incident_id: int, form: TriageForm | None) -> None:
        if not form:
            return

        def work(room: Room) -> ActionDone:
            changed = False
            if form.changed or form.services:
                changed = actions.triage(room, incident_id, services=form.services, **form.changed)
            if form.severity:
                changed = actions.set_severity(room, incident_id, form.severity) or changed
            return ActionDone("Triage recorded" if changed else "Nothing changed")

        self.write(work)

    def action_mitigate(self) -> None:
        if incident := self._incident():
            self.push_screen(MitigateScreen(), lambda m: self._mitigate(incident.id, m))

    def _mitigate(self, incident_id: int, result: Mitigation | None) -> None:
        if result is not None:
            self.write(
                lambda room: ActionDone(
                    "Mitigation logged as entry "
                    f"{actions.mitigate(room, incident_id, result.detail, result.action)}"
                )
            )

    def action_update_panel(self) -> None:
        if incident := self._incident():
            from warroom.updates import available_templates

            self.db_then(
                available_templates,
                lambda names: self.push_screen(UpdatePanelScreen(incident, names, incident.status)),
            )

    def today(self) -> date:
        """The local date of the injected clock (overdue follow-ups, dated timeline lines)."""
        return self.room.clock().astimezone().date()

    def action_followups(self) -> None:
        if incident := self._incident():
            items = self.latest.followups if self.latest else ()
            self.push_screen(FollowupsScreen(incident, items, self.today(), readonly=self.readonly))

    def add_followup(self, incident_id: int, form: FollowupForm) -> None:
        def work(room: Room) -> ActionDone:
            number = actions.add_followup(
                room, incident_id, form.text, owner=form.owner, due=form.due
            )
            return ActionDone(f"Follow-up #{number} added to {format_ref(incident_id)}")

        self.write(work)

    def toggle_followup(self, item: Followup) -> None:
        undo = item.done
        self.write(
            lambda room: ActionDone(
                f"Follow-up #{item.id} is {'open again' if undo else 'done'}"
                if actions.complete_followup(room, item.id, undo=undo)
                else f"Follow-up #{item.id} had already changed"
            )
        )

    def action_export(self) -> None:
        if incident := self._incident():
            from warroom.tui.postmortem import write_postmortem

            def work(room: Room) -> Path:
                try:
                    folder = Path.cwd()
                except OSError as exc:  # the current folder was deleted
                    raise WarroomError(f"no current folder to write to: {exc}") from None
                return write_postmortem(room, incident.id, folder)

            self.db_then(work, lambda path: self.say(f"Postmortem draft written to {path}"))

    def action_filter(self) -> None:
        if self.incident_id is not None:
            incident_id = self.incident_id
            self.db_then(
                lambda room: load_authors(room, incident_id),
                lambda authors: self.push_screen(
                    filter_picker(authors, self.timeline_filter), self._set_filter
                ),
            )

    def _set_filter(self, choice: str | None) -> None:
        if choice is not None:
            self.timeline_filter = parse_choice(choice)
            self._update_cursor()
            self.refresh_now()

    def action_switch(self) -> None:
        self.db_then(
            load_incidents,
            lambda rows: self.push_screen(
                incident_picker(rows, self.incident_id),
                lambda choice: choice and self._switch(int(choice)),
            ),
        )

    def _switch(self, incident_id: int) -> None:
        self.incident_id = incident_id
        self.timeline_filter = TimelineFilter()
        self._update_cursor()
        self.refresh_now()

    def action_declare(self, first: bool = False) -> None:
        self.push_screen(DeclareScreen(self.room.settings.severities, first=first), self._declare)

    def _declare(self, form: DeclareForm | None) -> None:
        if form is None:
            return

        def work(room: Room) -> ActionDone:
            new_id = actions.declare(room, form.title, form.severity, form.services, form.source)
            return ActionDone(f"Declared {format_ref(new_id)}", switch_to=new_id)

        self.write(work)

    def action_help(self) -> None:
        keys = [
            (c.shown_key, c.title, c.help)
            for c in ALL_COMMANDS
            if not (self.readonly and c.action in WRITE_ACTIONS)
        ]
        self.push_screen(HelpScreen(keys, self.readonly))
