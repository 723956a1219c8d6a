"""Every war room action, in one table: the key bindings, the footer, the command palette and
the help screen are all built from it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen


@dataclass(frozen=True)
class Command:
    action: str
    key: str
    shown_key: str
    title: str
    help: str
    writes: bool  # hidden in read-only mode
    on_main: bool = True  # an action of the war room screen; else of the app
    in_footer: bool = True  # False: help and palette only (the footer is full at 80 columns)


ALL_COMMANDS: tuple[Command, ...] = (
    Command("note", "n", "n", "Note", "add a note to the timeline (Enter saves)", True),
    Command("severity", "v", "v", "Severity", "change the severity", True),
    Command("status", "s", "s", "Status", "change the status", True),
    Command("assign", "a", "a", "Assign", "assign or hand over a role", True),
    Command("check", "c", "c", "Check", "tick or untick a checklist item", True),
    Command("triage", "t", "t", "Triage", "impact, affected, workaround, services", True),
    Command("mitigate", "m", "m", "Mitigate", "log a mitigation action", True),
    Command("update_panel", "u", "u", "Update", "customer update: edit, copy, publish", False),
    Command("followups", "o", "o", "Follow-up", "follow-up actions: list, add, mark done", False),
    Command("export", "x", "x", "Export", "write a postmortem draft (markdown) here", False),
    Command("filter", "f", "f", "Filter", "show one kind or one author on the timeline", False),
    # Not in the footer (full at 80 columns): a folded entry says "e: open whole" itself.
    Command(
        "entries",
        "e",
        "e",
        "Entry",
        "open an entry whole; c in it corrects it",
        False,
        in_footer=False,
    ),
    Command(
        "brief",
        "b",
        "b",
        "Brief",
        "catch up: the handover brief of this incident",
        False,
        in_footer=False,
    ),
    # The bar under the header says "press K" when a handover waits for you.
    Command(
        "ack",
        "K",
        "K",
        "Take over",
        "acknowledge a handover to you: the role is yours",
        True,
        in_footer=False,
    ),
    Command("switch", "i", "i", "Switch", "switch to another incident", False),
    Command("declare", "d", "d", "Declare", "declare a new incident", True),
    Command(
        "alerts", "l", "l", "Alerts", "alerts firing: declare from one, attach, dismiss", False
    ),
    Command(
        "reopen",
        "r",
        "r",
        "Reopen",
        "open the database file now at the path (only once it was deleted or replaced)",
        False,
    ),
    Command("help", "question_mark", "?", "Help", "every key", False, on_main=False),
    Command("quit", "ctrl+q", "ctrl+q", "Quit", "leave warroom", False, on_main=False),
)
WRITE_ACTIONS = frozenset(c.action for c in ALL_COMMANDS if c.writes)
WRITE_KEYS = frozenset(c.key for c in ALL_COMMANDS if c.writes)
MAIN_COMMANDS = tuple(c for c in ALL_COMMANDS if c.on_main)
APP_COMMANDS = tuple(c for c in ALL_COMMANDS if not c.on_main)
# Checked when a key arrives, before it is passed on. An ordinary binding is looked at only
# once the key has bubbled up from the focused widget, and by then the keys typed after it are
# queued for that widget too: "n" then a quickly typed note went to the timeline's bindings,
# and `d` then a quickly typed title lost the title (the keys were the war room's, and the
# form opened only after them). The keys that open a form are checked first for that reason.
PRIORITY = frozenset({"quit", "note", "declare", "triage", "assign", "mitigate"})


def offered(app: App[Any], screen: Screen[Any], command: Command) -> bool:
    """Whether `command` is available on `screen` now (the screen's own check_action says;
    a war room action exists only on the war room screen)."""
    if not command.on_main:
        return app.check_action(command.action, ()) is not False
    if not hasattr(screen, f"action_{command.action}"):
        return False
    return screen.check_action(command.action, ()) is True


def run_command(app: App[Any], screen: Screen[Any], command: Command) -> None:
    """From the command palette, once it has closed."""
    if offered(app, screen, command):
        target = screen if command.on_main else app
        app.call_later(app.run_action, command.action, target)


class WarroomCommands(Provider):
    """The command palette lists every action the current mode allows."""

    def _allowed(self) -> list[Command]:
        # The palette is a screen of its own; self.screen is the one underneath it.
        return [c for c in ALL_COMMANDS if offered(self.app, self.screen, c)]

    async def discover(self) -> Hits:
        for command in self._allowed():
            yield DiscoveryHit(
                f"{command.title} ({command.shown_key})",
                partial(run_command, self.app, self.screen, command),
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
                    partial(run_command, self.app, self.screen, command),
                    help=command.help,
                )
