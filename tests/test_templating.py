"""Templates: shipped update texts, team overrides, sandboxing and error reporting."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warroom.errors import BadInput, WarroomError
from warroom.templating import (
    TemplateProblem,
    join_or,
    list_update_templates,
    localdatetime,
    localtime,
    render_file,
    render_update,
    shipped_template_dir,
    template_dirs_from_env,
)

SHIPPED = ["identified", "investigating", "monitoring", "resolved", "stakeholder"]
STATUSES = ["investigating", "identified", "monitoring", "resolved"]
NOW = datetime(2024, 5, 3, 15, 5, tzinfo=UTC)
NEXT = NOW + timedelta(minutes=30)  # 17:35 CEST in Berlin


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def incident(status: str = "identified", *, full: bool = True, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": "INC-12",
        "title": "Elevated checkout errors",
        "severity": "SEV2",
        "severity_definition": "Major feature degraded for many customers",
        "status": status,
        "services": ["Checkout", "Payments"] if full else [],
        "impact": "Some checkout attempts fail with an error" if full else None,
        "affected": "about 30% of EU customers" if full else None,
        "workaround": "Retry after a minute" if full else None,
        "detection_source": "uptime monitor" if full else None,
        "declared_at": NOW - timedelta(minutes=20),
        "resolved_at": NOW if (full and status == "resolved") else None,
        "roles": (
            {"owner": "alice", "fix_lead": "bob", "comms": "carol"}
            if full
            else {"owner": None, "fix_lead": None, "comms": None}
        ),
        "mitigations": ["Rolled back deploy 4512", "Disabled new-payments flag"] if full else [],
    }
    data.update(over)
    # What updates.update_context derives from the services (no [components] table here).
    data.setdefault("components", list(data["services"]))
    data.setdefault("service_labels", list(data["services"]))
    return data


def context(inc: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    return {
        "incident": inc,
        "next_update_due": NEXT if full else None,
        "now": NOW,
        "company": "Acme" if full else None,
    }


def write(folder: Path, relative: str, text: str) -> Path:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_clean(text: str) -> None:
    assert "None" not in text
    for marker in ("{{", "}}", "{%", "%}", "{#"):
        assert marker not in text
    assert text == text.strip()
    assert "\n\n\n" not in text, "no runs of blank lines"
    assert all(line == line.rstrip() for line in text.splitlines())


# --- locating -------------------------------------------------------------------------------


def test_shipped_dir_is_a_real_folder_with_the_update_templates() -> None:
    folder = shipped_template_dir()
    assert folder.is_dir()
    for name in SHIPPED:
        assert (folder / "updates" / f"{name}.j2").is_file()


def test_list_shipped_templates() -> None:
    assert list_update_templates() == SHIPPED


def test_template_dirs_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    monkeypatch.setenv("WARROOM_TEMPLATES", os.pathsep.join([str(tmp_path / "a"), "", "b"]))
    assert template_dirs_from_env() == [tmp_path / "a", Path("b")]
    monkeypatch.delenv("WARROOM_TEMPLATES")
    assert template_dirs_from_env() == []


# --- shipped templates ----------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("full", [True, False], ids=["all-facts", "no-facts"])
def test_customer_templates(berlin: None, status: str, full: bool) -> None:
    text = render_update(status, context(incident(status, full=full), full=full))
    assert_clean(text)
    headline = text.splitlines()[0]
    assert headline == f"{status.capitalize()}: Elevated checkout errors"

    if full:
        assert "Checkout and Payments" in text
        assert "Some checkout attempts fail with an error." in text
        assert "about 30% of EU customers" in text
        assert text.endswith("The Acme team")
        if status != "resolved":
            assert "Retry after a minute." in text
    else:
        assert "What you may" not in text
        assert "affected:" not in text
        assert "team" not in text

    if status == "resolved":
        assert "ended" in text
        assert "next update" not in text
        if full:
            assert "17:05 CEST on 2024-05-03" in text
    elif full:
        assert "next update by 17:35 CEST." in text
    else:
        assert "CEST" not in text
        assert "update" in text  # still says an update will follow


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("full", [True, False], ids=["all-facts", "no-facts"])
def test_stakeholder_template(berlin: None, status: str, full: bool) -> None:
    text = render_update("stakeholder", context(incident(status, full=full), full=full))
    assert_clean(text)
    assert text.splitlines()[0] == f"[SEV2] INC-12 {status.capitalize()}: Elevated checkout errors"
    assert "SEV2 (Major feature degraded for many customers)" in text
    assert "Declared: 2024-05-03 16:45 CEST" in text
    if full:
        for fact in ("alice", "bob", "carol", "Rolled back deploy 4512", "uptime monitor"):
            assert fact in text
        assert "Retry after a minute." in text
    else:
        assert "Incident owner: unassigned" in text
        assert "not yet confirmed" in text
        assert "No mitigation actions logged yet." in text
    if status == "resolved":
        assert "none scheduled" in text
    elif full:
        assert "Next update: by 17:35 CEST" in text
    else:
        assert "Next update: not yet scheduled" in text


def test_resolved_without_resolved_at_still_says_ended() -> None:
    text = render_update("resolved", context(incident("resolved", resolved_at=None)))
    assert "The impact has ended." in text
    assert_clean(text)


def test_single_service_grammar() -> None:
    text = render_update("resolved", context(incident("resolved", services=["Search"])))
    assert "Search is working normally again." in text


def test_multiline_title_stays_one_headline() -> None:
    text = render_update("investigating", context(incident(title="Checkout\n  errors ")))
    assert text.splitlines()[0] == "Investigating: Checkout errors"


@pytest.mark.parametrize("name", SHIPPED)
def test_user_text_with_jinja_syntax_renders_literally(name: str) -> None:
    inc = incident(
        "investigating" if name == "stakeholder" else name,
        title="{{ 7*7 }} {% for x in y %}",
        impact="{{ incident.ref }} fails",
        services=["{% raw %}"],
    )
    text = render_update(name, context(inc))
    assert "{{ 7*7 }} {% for x in y %}" in text.splitlines()[0]
    assert "49" not in text
    assert "{{ incident.ref }} fails." in text
    assert "{% raw %}" in text


# --- filters --------------------------------------------------------------------------------


def test_local_time_filters_follow_tz(berlin: None) -> None:
    winter = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
    assert localtime(winter) == "10:00 CET"
    assert localdatetime(winter) == "2024-01-10 10:00 CET"
    assert localtime(winter.replace(tzinfo=None)) == "10:00 CET"  # naive means UTC
    assert localtime(None) == ""


def test_local_time_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert localtime(datetime(2024, 1, 10, 9, 0, tzinfo=UTC)) == "09:00 UTC"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_join_or() -> None:
    assert join_or([]) == ""
    assert join_or(None, empty="none") == "none"
    assert join_or(["a"]) == "a"
    assert join_or(["a", "b", "c"]) == "a, b and c"
    assert join_or(["a", "", None, "b"], last=" or ") == "a or b"


# --- team templates -------------------------------------------------------------------------


def test_team_template_is_listed_and_rendered(tmp_path: Path) -> None:
    write(tmp_path, "updates/twitter.j2", "{{ incident.title }} ({{ incident.ref }})  \n\n\n")
    write(tmp_path, "updates/Not Valid.j2", "x")
    missing = tmp_path / "does-not-exist"
    assert list_update_templates([tmp_path, missing]) == sorted([*SHIPPED, "twitter"])
    text = render_update("twitter", context(incident()), [tmp_path])
    assert text == "Elevated checkout errors (INC-12)"


def test_team_override_shadows_shipped(tmp_path: Path) -> None:
    write(tmp_path, "updates/investigating.j2", "Team: {{ incident.title }}\n")
    assert render_update("investigating", context(incident()), [tmp_path]) == (
        "Team: Elevated checkout errors"
    )
    assert list_update_templates([tmp_path]).count("investigating") == 1
    # the first folder listed wins
    other = tmp_path / "other"
    write(other, "updates/investigating.j2", "Other\n")
    assert render_update("investigating", context(incident()), [other, tmp_path]) == "Other"
    # without the team folder the shipped text is used
    shipped = render_update("investigating", context(incident()))
    assert shipped.startswith("Investigating: ")


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "updates/broken.j2", "Line one\n\nHello {{ incident.title }\n")
    with pytest.raises(TemplateProblem) as info:
        render_update("broken", context(incident()), [tmp_path])
    message = str(info.value)
    assert f"template '{path}' line 3:" in message
    assert "\n" not in message
    assert info.value.exit_code == 1
    assert isinstance(info.value, WarroomError)


def test_undefined_variable_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "updates/typo.j2",
        "Title\n{% if incident %}\n\n{{ incident.titel }}\n{% endif %}\n",
    )
    with pytest.raises(TemplateProblem) as info:
        render_update("typo", context(incident()), [tmp_path])
    assert f"template '{path}' line 4:" in str(info.value)
    assert "titel" in str(info.value)


def test_undefined_top_level_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "updates/typo.j2", "{{ compnay }}\n")
    with pytest.raises(
        TemplateProblem, match=rf"template '{re.escape(str(path))}' line 1: 'compnay' is undefined"
    ):
        render_update("typo", context(incident()), [tmp_path])


def test_error_in_included_template_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "updates/outer.j2", "Outer\n{% include 'parts/footer.j2' %}\n")
    inner = write(tmp_path, "parts/footer.j2", "ok\nok\n{{ missing_thing }}\n")
    with pytest.raises(TemplateProblem, match=rf"template '{re.escape(str(inner))}' line 3:"):
        render_update("outer", context(incident()), [tmp_path])


@pytest.mark.parametrize(
    "body",
    [
        "{{ incident.title.__class__.__mro__ }}",
        "{{ ''.__class__.__subclasses__() }}",
        "{{ incident.mitigations.append('pwned') }}",
    ],
)
def test_sandbox_blocks_unsafe_access(tmp_path: Path, body: str) -> None:
    path = write(tmp_path, "updates/evil.j2", f"Hello\n{body}\n")
    inc = incident()
    with pytest.raises(
        TemplateProblem, match=rf"template '{re.escape(str(path))}' line 2: .*unsafe"
    ):
        render_update("evil", context(inc), [tmp_path])
    assert inc["mitigations"] == ["Rolled back deploy 4512", "Disabled new-payments flag"]


def test_shipped_template_errors_use_relative_name(tmp_path: Path) -> None:
    # Context missing a key the shipped template needs: reported against the shipped file.
    ctx = context(incident())
    del ctx["company"]
    with pytest.raises(TemplateProblem, match=r"template 'updates/investigating.j2' line \d+:"):
        render_update("investigating", ctx)


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "updates/../x",
        "..",
        "Investigating",
        "investigating\n",
        "investigating.j2",
        "",
        "-x",
    ],
)
def test_bad_names_are_refused_with_list(name: str) -> None:
    with pytest.raises(BadInput) as info:
        render_update(name, context(incident()))
    assert "available: identified, investigating, monitoring, resolved, stakeholder" in str(
        info.value
    )
    assert info.value.exit_code == 2


def test_unknown_name(tmp_path: Path) -> None:
    write(tmp_path, "updates/team-one.j2", "x")
    with pytest.raises(BadInput) as info:
        render_update("foo", context(incident()), [tmp_path])
    assert str(info.value) == (
        "unknown template 'foo'; available: identified, investigating, monitoring, resolved, "
        "stakeholder, team-one"
    )


def test_render_file(tmp_path: Path) -> None:
    write(tmp_path, "postmortem.md.j2", "# {{ incident.ref }}: {{ incident.title }}\n")
    assert render_file("postmortem.md.j2", context(incident()), [tmp_path]) == (
        "# INC-12: Elevated checkout errors"
    )
    assert render_file("updates/resolved.j2", context(incident("resolved"))).startswith(
        "Resolved: "
    )


@pytest.mark.parametrize(
    "relative", ["../x.j2", "/etc/passwd", "updates/../../x.j2", "a\\b.j2", ".hidden.j2", ""]
)
def test_render_file_refuses_escapes(relative: str) -> None:
    with pytest.raises(BadInput, match="invalid template path"):
        render_file(relative, context(incident()))


def test_render_file_unknown() -> None:
    with pytest.raises(BadInput, match=r"unknown template file 'nope\.md\.j2'"):
        render_file("nope.md.j2", context(incident()))


def test_edited_team_template_is_picked_up(tmp_path: Path) -> None:
    import os

    path = write(tmp_path, "updates/note.j2", "first\n")
    assert render_update("note", context(incident()), [tmp_path]) == "first"
    path.write_text("second\n", encoding="utf-8")
    stamp = path.stat().st_mtime + 5  # make the change visible even on coarse clocks
    os.utime(path, (stamp, stamp))
    assert render_update("note", context(incident()), [tmp_path]) == "second"
