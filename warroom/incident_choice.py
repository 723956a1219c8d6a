"""Which incident a shell command acts on (`-i REF`, `$WARROOM_INCIDENT`, the one open
incident; refused when several are open), kept apart from warroom.views so that `warroom run`
settles it without importing the read models (dataclasses, ~7 ms; issue 11). warroom.views
re-exports every name here.

Only light modules may be imported here; a test in tests/test_run.py checks it.
"""

from __future__ import annotations

from warroom.basics import format_ref, parse_ref
from warroom.errors import BadInput, WarroomError
from warroom.storage import queries as q

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from typing import Any

    from warroom.storage import Connection


def read_text(value: object) -> str:
    """A stored text column as text, whatever type SQLite handed back."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def opt_text(value: object) -> str | None:
    return None if value is None else read_text(value)


def resolve_incident(conn: Connection, ref: str | None, *, after_recovery: bool) -> int:
    """The incident a command acts on.

    With no REF: the active incident (most recently declared and not resolved). Commands that
    make sense after recovery fall back to the most recent incident of all.
    """
    if ref is not None:
        incident_id = parse_ref(ref)
        if q.get_incident(conn, incident_id) is None:
            raise BadInput(f"no incident {format_ref(incident_id)}; `warroom list --all` shows all")
        return incident_id
    found = q.latest_open_incident_id(conn)
    if found is None and after_recovery:
        found = q.latest_incident_id(conn)
    if found is None:
        if after_recovery:
            raise WarroomError(
                'no incidents yet; declare one with: warroom declare "TITLE" --severity SEV2'
            )
        raise WarroomError(
            'no open incident; declare one with: warroom declare "TITLE" --severity SEV2'
            " (or name one with --incident REF)"
        )
    return found


class AmbiguousIncident(BadInput):
    """More than one incident is open and the command was not told which: guessing would put a
    note or a status change on the wrong incident, silently."""

    def __init__(self, message: str, open_incidents: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.open_incidents = open_incidents


def choose_incident(
    conn: Connection,
    ref: str | None,
    *,
    after_recovery: bool,
    env_ref: str | None = None,
) -> int:
    """The incident a shell command acts on: `-i REF`, else `$WARROOM_INCIDENT`, else the one
    open incident. With several open and neither given it refuses (AmbiguousIncident) rather
    than pick the newest."""
    if ref is not None:
        return resolve_incident(conn, ref, after_recovery=after_recovery)
    if env_ref is not None and env_ref.strip():
        try:
            return resolve_incident(conn, env_ref, after_recovery=after_recovery)
        except BadInput as exc:
            raise BadInput(f"WARROOM_INCIDENT={env_ref!r}: {exc.message}") from None
    open_rows = list_incidents(conn, include_resolved=False)
    if len(open_rows) > 1:
        raise AmbiguousIncident(
            f"{len(open_rows)} incidents are open; say which one with -i REF, or for this"
            " shell: export WARROOM_INCIDENT=REF",
            open_rows,
        )
    return resolve_incident(conn, None, after_recovery=after_recovery)


def list_incidents(conn: Connection, *, include_resolved: bool) -> list[dict[str, Any]]:
    return [
        {
            "ref": format_ref(row["id"]),
            "id": row["id"],
            "title": read_text(row["title"]),
            "severity": row["severity"],
            "status": row["status"],
            "declared_at": read_text(row["declared_at"]),
            "owner": opt_text(row["owner"]),
        }
        for row in q.list_incidents(conn, include_resolved=include_resolved)
    ]
