"""The `warroom` command. Subcommand modules load only when their command runs, and heavy
imports (Textual, Jinja2, exporters) happen inside the commands that need them, so
`warroom note` starts fast."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NoReturn

import click

from warroom import __version__
from warroom.cli.common import common_options, incident_option, open_room, target_incident
from warroom.errors import WarroomError
from warroom.safe_text import clean, one_line
from warroom.views import AmbiguousIncident

# name -> "module:function". Adding a command is one line here.
COMMANDS: dict[str, str] = {
    "declare": "warroom.cli.incident:declare",
    "triage": "warroom.cli.incident:triage",
    "note": "warroom.cli.incident:note",
    "mitigate": "warroom.cli.incident:mitigate",
    "correct": "warroom.cli.incident:correct",
    "run": "warroom.cli.run:run",
    "handover": "warroom.cli.handover:handover",
    "ack": "warroom.cli.handover:ack",
    "brief": "warroom.cli.handover:brief",
    "assign": "warroom.cli.incident:assign",
    "severity": "warroom.cli.incident:severity",
    "status": "warroom.cli.incident:status",
    "check": "warroom.cli.incident:check",
    "list": "warroom.cli.incident:list_",
    "show": "warroom.cli.incident:show",
    "tail": "warroom.cli.follow:tail",
    "watch": "warroom.cli.follow:watch",
    "init": "warroom.cli.admin:init",
    "backup": "warroom.cli.admin:backup",
    "demo": "warroom.cli.demo:demo",
    "config": "warroom.cli.incident:config",
    "update": "warroom.cli.update:update",
    "followup": "warroom.cli.followup:followup",
    "export": "warroom.cli.export:export",
    "deliveries": "warroom.cli.comms:deliveries",
    "statuspage": "warroom.cli.comms:statuspage",
    "verify": "warroom.cli.record:verify",
    "replicate": "warroom.cli.record:replicate",
    "restore": "warroom.cli.record:restore",
    "alerts": "warroom.cli.alerts:alerts",
}


class CliError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        # click declares exit_code a ClassVar but reads it from the instance.
        self.exit_code = exit_code  # type: ignore[misc]


def _usage_error(exc: click.UsageError, where: str) -> click.ClickException:
    """click's own usage errors print three lines (usage, a help hint, the error) and quote
    what was typed raw. The project's rule is one line: the error, sanitised, with where to get
    help at its end; exit 2 (bad input). `where` is the command path to name when click gave
    the error no context (an option missing its value). The help a bare group prints stays."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        return exc
    # Some of click's messages span lines ("Choose from:" and a list): one line of words.
    message = " ".join(clean(exc.format_message(), multiline=True).split())
    if message.endswith(".") and not message.endswith(".."):
        message = message[:-1]
    ctx = exc.ctx
    if ctx is None:
        message += f" (see: {one_line(where)} --help)"
    elif ctx.command.get_help_option(ctx) is not None:
        option = max(ctx.command.get_help_option_names(ctx), key=len)
        message += f" (see: {one_line(ctx.command_path)} {option})"
    return CliError(message, exc.exit_code)


class WarroomGroup(click.Group):
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # Parsing warroom's own options (`warroom --bogus`); a command's are parsed in invoke.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _usage_error(exc, info_name or "warroom") from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke(ctx)
        except BaseException as exc:
            if not _succeeded(exc):
                # A command that failed leaves no new database behind (nor a schema in an
                # empty file someone prepared).
                _discard_new_database(ctx)
            raise

    def _invoke(self, ctx: click.Context) -> Any:
        # Failures users can act on become one line on stderr and an exit status, never a
        # traceback: 2 for bad input, 1 for failures at run time.
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # Every command's (and sub-group's) arguments are parsed in here.
            where = " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))
            raise _usage_error(exc, where) from None
        except AmbiguousIncident as exc:
            # The one multi-line error: the choices are the point of it.
            from datetime import UTC, datetime

            from warroom.cli.output import format_incident_row

            now = datetime.now(UTC)
            lines = [one_line(exc.message)]
            lines += ["  " + format_incident_row(row, now) for row in exc.open_incidents]
            raise CliError("\n".join(lines), exc.exit_code) from None
        except WarroomError as exc:
            # Messages quote what people typed (paths, names): sanitised like all output.
            raise CliError(one_line(exc.message), exc.exit_code) from None
        except (UnicodeDecodeError, UnicodeEncodeError) as exc:
            # A --text-file or argument that is not UTF-8: bad input, not a crash.
            raise CliError(one_line(f"not valid UTF-8 text: {exc.reason}"), 2) from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                # click would turn it into exit 1; the reader leaving is not a failure.
                _reader_left()
            message = f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
            raise CliError(one_line(message), 1) from None


def _succeeded(exc: BaseException) -> bool:
    if isinstance(exc, SystemExit):
        return exc.code in (0, None)
    if isinstance(exc, click.exceptions.Exit):
        return exc.exit_code == 0
    return False


def _discard_new_database(ctx: click.Context) -> None:
    from warroom.storage.connection import discard_if_unused

    room = ctx.ensure_object(dict).get("room")
    store = getattr(room, "store", None)
    if store is not None and (store.created or store.was_empty):
        discard_if_unused(store)


@click.group(cls=WarroomGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="warroom")
@common_options
@incident_option
@click.pass_context
def cli(ctx: click.Context, ref: str | None) -> None:
    """A terminal war room for small-team incident response.

    With no command, opens the war room: on `-i REF`, else `$WARROOM_INCIDENT`, else the one
    open incident (or a form to declare one). Every action is also a command;
    `warroom COMMAND --help` tells more.
    """
    ctx.ensure_object(dict)
    if ctx.invoked_subcommand is not None:
        if ref is not None:
            # `warroom -i INC-1 note ...` would leave the note to choose its own incident.
            raise click.UsageError(
                f"-i before a command only opens the war room; put it after the command: "
                f"warroom {ctx.invoked_subcommand} -i {one_line(ref)} ..."
            )
        return
    from warroom.tui.run import run_tui
    from warroom.views import list_incidents

    room = open_room(ctx)
    with room.read() as conn:
        any_incident = bool(list_incidents(conn, include_resolved=True))
    # The same choice as every command's: never the newest of several by guess. A file with
    # no incident yet opens on the declare form.
    incident_id = target_incident(room, ref, after_recovery=True) if any_incident else None
    sys.exit(run_tui(room, incident_id))


def _reader_left() -> NoReturn:
    """`warroom tail | head -1`: the reader has what it wanted. Not an error (exit 0, so
    `set -o pipefail` scripts pass); stdout goes to /dev/null so the final flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    sys.exit(0)


def main() -> None:
    try:
        try:
            cli(prog_name="warroom")
        finally:
            sys.stdout.flush()  # inside the try, so an EPIPE from buffered output is caught
    except BrokenPipeError:
        _reader_left()
