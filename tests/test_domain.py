from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from warroom.config import ConfigError, load_settings
from warroom.domain import (
    DEFAULT_SEVERITIES,
    format_duration,
    format_ref,
    next_update_due,
    parse_ref,
    parse_role,
    parse_severity,
    require_text,
    to_iso,
)
from warroom.errors import BadInput

T = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("severity", "first", "cadence"),
    [("SEV1", 10, 20), ("SEV2", 10, 30), ("SEV3", 30, 60)],
)
def test_default_cadences(severity: str, first: int, cadence: int) -> None:
    rule = DEFAULT_SEVERITIES[severity]
    before_first = next_update_due(
        rule=rule, status="investigating", declared_at=T, last_update_at=None
    )
    assert before_first == T + timedelta(minutes=first)
    published = T + timedelta(minutes=7)
    after = next_update_due(rule=rule, status="identified", declared_at=T, last_update_at=published)
    assert after == published + timedelta(minutes=cadence)


def test_sev4_and_resolved_owe_no_update() -> None:
    assert (
        next_update_due(
            rule=DEFAULT_SEVERITIES["SEV4"],
            status="investigating",
            declared_at=T,
            last_update_at=None,
        )
        is None
    )
    assert (
        next_update_due(
            rule=DEFAULT_SEVERITIES["SEV1"], status="resolved", declared_at=T, last_update_at=None
        )
        is None
    )


def test_refs_accept_printed_and_bare_forms() -> None:
    assert parse_ref("INC-12") == 12
    assert parse_ref("inc-12") == 12
    assert parse_ref("12") == 12
    assert format_ref(12) == "INC-12"
    for bad in ("", "INC-", "abc", "INC-0", "12a", "-3"):
        with pytest.raises(BadInput):
            parse_ref(bad)


def test_parsers() -> None:
    assert parse_severity("sev2") == "SEV2"
    assert parse_severity("3") == "SEV3"
    with pytest.raises(BadInput, match="SEV1, SEV2"):
        parse_severity("SEV5")
    assert parse_role("fix-lead") == "fix_lead"
    assert parse_role("Comms") == "comms"
    with pytest.raises(BadInput, match="owner, fix-lead, comms"):
        parse_role("janitor")
    with pytest.raises(BadInput):
        require_text("  \t\n", "the note")
    assert require_text("  hi ", "x") == "hi"


def test_iso_stamps_are_utc_and_sortable() -> None:
    # A moment written with another offset is stored as the same instant in UTC.
    elsewhere = datetime(2026, 1, 2, 4, 34, 5, tzinfo=timezone(timedelta(hours=1, minutes=30)))
    assert to_iso(elsewhere) == "2026-01-02T03:04:05.000000+00:00"
    with pytest.raises(ValueError):
        to_iso(datetime(2026, 1, 1))


def test_durations() -> None:
    assert format_duration(45) == "45s"
    assert format_duration(-125) == "2m"
    assert format_duration(3900) == "1h05m"
    assert format_duration(3 * 86400 + 7200) == "3d02h"


def test_config_absent_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml")
    assert settings.rule("SEV1").cadence_minutes == 20
    assert [i.text for i in settings.checklist][:3] == [
        "Confirm user impact",
        "Assign severity",
        "Assign an owner",
    ]


def test_config_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        'company = "Acme"\n'
        '[severities.SEV1]\ncadence_minutes = 15\ndefinition = "Everything is on fire"\n'
        "[severities.SEV4]\ncadence_minutes = 120\nfirst_update_minutes = 60\n"
        '[[checklist]]\nstep = "triage"\ntext = "Page the on-call DBA"\n'
        '[[checklist]]\nstep = "assign"\ntext = "Owner named"\nauto = "owner"\n'
    )
    settings = load_settings(path)
    assert settings.company == "Acme"
    assert settings.rule("SEV1").cadence_minutes == 15
    assert settings.rule("SEV1").first_update_minutes == 10
    assert settings.rule("SEV1").definition == "Everything is on fire"
    assert settings.rule("SEV4").cadence_minutes == 120
    assert [(i.text, i.auto) for i in settings.checklist] == [
        ("Page the on-call DBA", None),
        ("Owner named", "owner"),
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[severities.SEV1\n", "not valid TOML"),
        ("[severities.SEV7]\ncadence_minutes = 5\n", "unknown severity"),
        ("[severities.SEV1]\ncadence_minutes = -5\n", "whole number"),
        ("[severities.SEV1]\ncadense_minutes = 5\n", "unknown key severities.SEV1.cadense"),
        ('[[checklist]]\nstep = "party"\ntext = "x"\n', "step must be one of"),
        ('[[checklist]]\nstep = "triage"\ntext = "x"\nauto = "magic"\n', "auto must be one of"),
        ("colour = 3\n", "unknown key 'colour'"),
    ],
)
def test_malformed_config_names_file_and_problem(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)
