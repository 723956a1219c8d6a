"""Every war room action, in one table: the key bindings, the footer, the command palette and
the help screen are all built from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from warroom.tui.app import WarroomApp


@dataclass(frozen=True)
class Command:
    action: str
    key: str
    shown_key: str
    title: str
    help: str
    writes: bool  # hidden in read-only mode
    on_main: bool = True  # only while the war room screen is showing


ALL_COMMANDS: tuple[Command, ...] = (
    Command("note", "n", "n", "Note", "add a note to the timeline (Enter saves)", True),
    Command("severity", "v", "v", "Severity", "change the severity", True),
    Command("status", "s", "s", "Status", "change the status", True),
    Command("assign", "a", "a", "Assign", "assign or hand over a role", True),
    Command("check", "c", "c", "Check", "tick or untick a checklist item", True),
    Command("triage", "t", "t", "Triage", "impact, affected, workaround, services", True),
    Command("mitigate", "m", "m", "Mitigate", "log a mitigation action", True),
    Command("update_panel", "u", "u", "Update", "customer update: edit, copy, publish", False),
    Command("followups", "o", "o", "Follow-ups", "follow-up actions: list, add, mark done", False),
    Command("export", "x", "x", "Export", "write a postmortem draft (markdown) here", False),
    Command("filter", "f", "f", "Filter", "show one kind or one author on the timeline", False),
    Command("switch", "i", "i", "Switch", "switch to another incident", False),
    Command("declare", "d", "d", "Declare", "declare a new incident", True),
    Command(
        "alerts", "l", "l", "Alerts", "alerts firing: declare from one, attach, dismiss", False
    ),
    Command("help", "question_mark", "?", "Help", "every key", False, on_main=False),
    Command("quit", "ctrl+q", "ctrl+q", "Quit", "leave warroom", False, on_main=False),
)
WRITE_ACTIONS = frozenset(c.action for c in ALL_COMMANDS if c.writes)
MAIN_ACTIONS = frozenset(c.action for c in ALL_COMMANDS if c.on_main)


class WarroomCommands(Provider):
    """The command palette lists every action the current mode allows."""

    @property
    def _app(self) -> WarroomApp:
        return self.app  # type: ignore[return-value]

    def _allowed(self) -> list[Command]:
        # The palette is a screen of its own, so judge the screen underneath it.
        return [c for c in ALL_COMMANDS if self._app.allows(c.action, self.screen)]

    async def discover(self) -> Hits:
        for command in self._allowed():
            yield DiscoveryHit(
                f"{command.title} ({command.shown_key})",
                partial(self._app.run_command, command.action),
                help=command.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._allowed():
            name = f"{command.title} ({command.shown_key})"
            score = max(matcher.match(name), matcher.match(command.help))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(self._app.run_command, command.action),
                    help=command.help,
                )
