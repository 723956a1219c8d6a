"""The domain's rules that recording a command needs, kept apart from warroom.domain so that
`warroom run` can record one without importing the rest of it (dataclasses, typing, pathlib,
~6 ms; issue 11). warroom.domain re-exports every name here: import them from either.

Only light standard modules may be imported here; a test in tests/test_run.py checks it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from warroom.errors import BadInput

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from collections.abc import Sequence


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """UTC, ISO 8601 with offset and a fixed width, so stored stamps sort as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime; warroom stores aware UTC times only")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# Mitigation actions from the process guide, offered as quick picks.
MITIGATIONS: dict[str, str] = {
    "rollback": "Rolled back a deployment",
    "feature-flag": "Disabled a feature flag",
    "failover": "Failed over to another region",
    "reduce-load": "Reduced load or queued traffic",
    "isolate": "Isolated a failing dependency",
    "other": "Other mitigation",
}


# Events that tick checklist items by themselves; an item names one in its `auto` field.
AUTO_EVENTS: dict[str, str] = {
    "impact": "impact recorded",
    "severity": "severity set",
    "owner": "owner assigned",
    "first_update": "first update published",
    "mitigation": "mitigation logged",
    "followup": "follow-up added",
}


_REF = re.compile(r"^\s*(?:inc-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def format_ref(incident_id: int) -> str:
    return f"INC-{incident_id}"


def parse_ref(text: str) -> int:
    """Accepts what `declare` printed (INC-12) and the bare number (12)."""
    match = _REF.match(text)
    if not match or int(match.group(1)) == 0:
        raise BadInput(f"not an incident reference: {text!r} (expected e.g. INC-12 or 12)")
    return int(match.group(1))


def require_text(text: str | None, what: str) -> str:
    """User text must say something; surrounding whitespace is not kept."""
    if text is None or not text.strip():
        raise BadInput(f"{what} is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Bytes that are not UTF-8 (a C locale, a bad paste) reach Python as lone surrogates,
        # which SQLite cannot store.
        raise BadInput(f"{what} is not valid UTF-8 text") from None
    return text.strip()


# Notes, pastes and captured output are stored whole up to this size, and refused above it
# (never cut): a 5,000-line log is about 700 KB.
MAX_NOTE_BYTES = 2 * 1024 * 1024


def command_succeeded(exit_code: int | None, signal_name: str | None) -> bool:
    """Whether a captured command did what it was run for: it exited 0. A mitigation run
    through `warroom run --mitigation` that failed or was interrupted is recorded as the
    command it was, never as a mitigation (no metric, update or postmortem counts it)."""
    return signal_name is None and exit_code == 0


def command_summary(
    argv: Sequence[str],
    exit_code: int | None,
    signal_name: str | None,
    duration_s: float,
    attempted: str | None = None,
) -> str:
    """The timeline line of a captured command: `ran kubectl rollout undo deploy/checkout →
    exit 0 in 4.2 s`. `attempted` (a MITIGATIONS kind) marks a mitigation that did not
    succeed: `… → exit 1 in 4.2 s (rollback attempt failed: not a mitigation)`."""
    import shlex

    shown = shlex.join(argv)
    if signal_name is not None:
        line = f"ran {shown} \u2192 killed by {signal_name} after {duration_s:.1f} s"
    else:
        line = f"ran {shown} \u2192 exit {exit_code} in {duration_s:.1f} s"
    if attempted is not None and not command_succeeded(exit_code, signal_name):
        how = "interrupted" if signal_name is not None else "failed"
        line += f" ({attempted} attempt {how}: not a mitigation)"
    return line
