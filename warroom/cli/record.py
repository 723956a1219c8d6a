"""The record outlives its host and can be checked: `warroom verify`, `warroom replicate config`,
`warroom replicate run`, `warroom restore`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from warroom.cli.common import common_options, open_room
from warroom.config import load_settings
from warroom.errors import BadInput, WarroomError
from warroom.safe_text import json_dumps, one_line
from warroom.storage import resolve_db_path


def _count(n: int) -> str:
    return f"{n} timeline {'entry' if n == 1 else 'entries'}"


@click.command()
@click.option(
    "--against",
    "against",
    metavar="FILE",
    help="An export (Markdown or JSON), a backup or a restored replica whose recorded chain"
    " head must be in this file's history.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object: {ok, entries, head, ...}.")
@common_options
@click.pass_context
def verify(ctx: click.Context, against: str | None, as_json: bool) -> None:
    """Recompute the timeline's hash chain: exit 0 with the entry count and the chain head, or
    exit 1 naming the first entry that does not match.

    \b
    warroom verify
    warroom verify --against INC-3-postmortem.md
    warroom verify --against ~/incidents-copy.db
    """
    from warroom import verify as v

    if against is not None and not against.strip():
        raise BadInput("--against needs a file path")
    room = open_room(ctx, readonly=True)
    recorded = None
    if against is not None:
        # Read before the chain: bad input fails before the long part.
        recorded = v.recorded_head(Path(against).expanduser(), room.store.path)
    with room.read() as conn:
        report = v.verify_chain(conn)
        problem = None
        if report.ok and recorded is not None:
            name = one_line(against or "")
            if recorded.report is not None and not recorded.report.ok:
                problem = f"{name} itself fails verification: {recorded.report.problem}"
            else:
                problem = v.check_against(conn, recorded.head, report.head, name)
    if as_json:
        # For cron jobs and monitors: the same verdict, the same exit status.
        click.echo(
            json_dumps(
                {
                    "ok": report.ok and problem is None,
                    "entries": report.entries,
                    "head": report.head.to_json(),
                    "problem": report.problem or problem,
                    "entry": report.entry_id,
                    "against": None
                    if recorded is None
                    else {"file": against, "kind": recorded.kind, "head": recorded.head.to_json()},
                }
            )
        )
        if not report.ok or problem is not None:
            ctx.exit(1)
        return
    if not report.ok:
        raise WarroomError(f"verify failed: {report.problem}")
    click.echo(f"Verified {_count(report.entries)}; chain head {report.head}.")
    if recorded is not None:
        if problem is not None:
            raise WarroomError(f"verify failed: {problem}")
        click.echo(
            f"{one_line(against or '')} ({recorded.kind}) records {recorded.head}:"
            " in this file's history."
        )


@click.group()
def replicate() -> None:
    """A continuous replica with Litestream (pip install 'warroom[replica]').

    \b
    warroom replicate config --to s3://bucket/warroom > litestream.yml
    warroom replicate run --to /mnt/other-disk/warroom-replica
    """


_to_option = click.option(
    "--to",
    "to",
    metavar="URL",
    help="A folder, sftp://USER@HOST/PATH or s3://BUCKET/PATH (default: the config's"
    " [replicate] to).",
)


def _database(ctx: click.Context) -> Path:
    return Path(resolve_db_path(ctx.ensure_object(dict).get("db_path"))).absolute()


@replicate.command("config")
@_to_option
@common_options
@click.pass_context
def replicate_config(ctx: click.Context, to: str | None) -> None:
    """Print a litestream.yml for the database."""
    from warroom import replica

    settings = load_settings().replicate
    database = _database(ctx)
    target = replica.parse_target(to or settings.to, database=database)
    click.echo(replica.config_yaml(database, target, settings), nl=False)


@replicate.command("run")
@_to_option
@common_options
@click.pass_context
def replicate_run(ctx: click.Context, to: str | None) -> None:
    """Run Litestream on the database in the foreground until stopped (Ctrl-C, SIGTERM)."""
    from warroom import replica

    settings = load_settings().replicate
    database = _database(ctx)
    target = replica.parse_target(to or settings.to, database=database)
    click.echo(
        f"Replicating {one_line(str(database))} to {one_line(str(target))} every"
        f" {settings.sync_seconds:g} s; Ctrl-C stops.",
        err=True,
    )
    sys.exit(replica.run(database, target, settings))


@click.command()
@click.argument("replica_arg", metavar="REPLICA")
@click.argument("dest", metavar="DEST")
@click.option(
    "--at",
    "at_text",
    metavar="TIME",
    help="The file as it was then: 13:05, '2h ago', 2026-11-26T13:05+01:00.",
)
@common_options
@click.pass_context
def restore(ctx: click.Context, replica_arg: str, dest: str, at_text: str | None) -> None:
    """Restore the replica REPLICA (a folder or URL) into the new file DEST.

    \b
    warroom restore s3://bucket/warroom /srv/warroom/restored.db
    warroom restore /mnt/backup-disk/warroom before.db --at "2h ago"
    """
    from warroom import replica
    from warroom.domain import parse_started, system_clock

    if not dest.strip():
        raise BadInput("DEST needs a file path")
    at = None
    if at_text is not None:
        if not at_text.strip():
            raise BadInput("--at needs a time, e.g. 13:05 or '2h ago'")
        clock = ctx.ensure_object(dict).get("clock", system_clock)
        at = parse_started(at_text, clock())
    settings = load_settings().replicate
    target = replica.parse_target(replica_arg)
    result = replica.restore(target, Path(dest), settings, at)
    where = one_line(str(result.path))
    incidents = f"{result.incidents} incident{'' if result.incidents == 1 else 's'}"
    click.echo(f"Restored {incidents} and {_count(result.entries)} to {where}.")
    click.echo(f"Chain head {result.head}.")
    if not result.report.ok:
        raise WarroomError(f"the restored file fails verification: {result.report.problem}")
    click.echo("The chain verifies.")
    click.echo(f"Use it with: export WARROOM_DB={where}")
