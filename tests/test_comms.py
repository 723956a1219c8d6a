"""Issue 10: one promise, the lifecycle asking for its update, no double publish, public names."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import T0, Cli, FakeClock, as_person
from warroom import actions
from warroom.actions import Room
from warroom.domain import DEFAULT_SEVERITIES, promised_next_update
from warroom.metrics import load_metrics


def declare(run: Cli, *services: str) -> None:
    args = [a for s in services or ("checkout",) for a in ("--service", s)]
    run.ok("declare", "Checkout returns 500s", "-s", "SEV2", *args)


def show_json(run: Cli) -> dict:
    return json.loads(run.ok("show", "--json").stdout)


# --- 1. one promise -----------------------------------------------------------------------


def test_promise_rule_floors_to_the_minute_shown() -> None:
    rule = DEFAULT_SEVERITIES["SEV2"]
    at = T0 + timedelta(minutes=8, seconds=37)
    assert promised_next_update(rule=rule, status="identified", published_at=at) == T0 + timedelta(
        minutes=38
    )
    assert promised_next_update(rule=rule, status="resolved", published_at=at) is None
    sev4 = DEFAULT_SEVERITIES["SEV4"]
    assert promised_next_update(rule=sev4, status="identified", published_at=at) is None


def test_published_promise_is_what_the_countdown_counts_to(run: Cli, clock: FakeClock) -> None:
    # The drill: published text said one time, the countdown another.
    declare(run)
    clock.advance(minutes=8, seconds=37)  # 14:08:37
    published = run.ok("update", "--publish")
    assert "We will post the next update by 14:38 UTC." in published.stdout
    assert "next customer update due 14:38" in published.stderr
    assert show_json(run)["next_update_due"] == "2026-11-26T14:38:00+00:00"
    clock.advance(minutes=1)
    assert "next customer update due 14:38 (in 28m)" in run.ok("show").stdout


def test_overdue_draft_promises_from_now_not_the_past(run: Cli, clock: FakeClock) -> None:
    declare(run)
    clock.advance(minutes=25)  # the first update was due 14:10
    assert "OVERDUE" in run.ok("show").stdout
    draft = run.ok("update").stdout
    assert "next update by 14:55 UTC" in draft  # 14:25 + 30 min
    assert "14:10" not in draft


def test_raised_severity_shortens_the_countdown_not_past_the_promise(
    room: Room, clock: FakeClock
) -> None:
    incident_id = actions.declare(room, "x", "SEV3")
    published = actions.publish_update(room, incident_id, "We are on it; next by 15:00 UTC.")
    assert published.next_update_due == T0 + timedelta(minutes=60)
    assert room.incident(incident_id).next_update_due == T0 + timedelta(minutes=60)
    actions.set_severity(room, incident_id, "SEV1")  # 20 min cadence: sooner than promised
    assert room.incident(incident_id).next_update_due == T0 + timedelta(minutes=20)


def test_promise_moved_between_render_and_publish_is_refused(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    stale = T0 + timedelta(minutes=29)  # what a draft rendered a minute ago promised
    with pytest.raises(actions.PromiseMovedError):
        actions.publish_update(room, incident_id, "by 14:29", expect_promise=stale)
    assert room.incident(incident_id).last_update_at is None


# --- 3. no double publish -------------------------------------------------------------------


def test_second_publish_within_two_minutes_needs_force(
    run: Cli, clock: FakeClock, db_path: Path
) -> None:
    declare(run)
    run.ok("update", "--publish", author="maya")
    clock.advance(seconds=40)
    second = run("update", "--publish", author="jonas")
    assert second.exit_code == 1
    assert "maya published an update moments ago (at 14:00:00 UTC)" in second.stderr
    assert '"Investigating: Checkout returns 500s"' in second.stderr
    assert "--force" in second.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT author FROM updates").fetchall() == [("maya",)]
    forced = run("update", "--publish", "--force", author="jonas")
    assert forced.exit_code == 0, forced.output
    assert conn.execute("SELECT author FROM updates ORDER BY id").fetchall() == [
        ("maya",),
        ("jonas",),
    ]
    conn.close()
    clock.advance(minutes=3)
    assert run("update", "--publish", author="jonas").exit_code == 0


def test_update_published_since_the_draft_was_rendered_clashes(
    room: Room, clock: FakeClock
) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    seen = room.incident(incident_id).last_update_id  # the draft opens: nothing published
    clock.advance(minutes=1)
    actions.publish_update(as_person(room, "maya"), incident_id, "Investigating: x by 14:31")
    clock.advance(minutes=5)  # long past the two minutes, but this draft never saw it
    with pytest.raises(actions.PublishClashError) as caught:
        actions.publish_update(room, incident_id, "Investigating by 14:36", seen_update_id=seen)
    assert caught.value.clash.author == "maya" and caught.value.clash.reason == "since"
    assert "since this draft was made" in caught.value.message
    with room.read() as conn:
        assert len(conn.execute("SELECT id FROM updates").fetchall()) == 1
    done = actions.publish_update(room, incident_id, "x", seen_update_id=seen, force=True)
    assert done.update_id == 2


def test_role_changed_since_the_form_opened_is_refused(room: Room) -> None:
    incident_id = actions.declare(room, "x", "SEV2")
    actions.assign(room, incident_id, "comms", "priya")
    opened_on = room.incident(incident_id).roles["comms"]
    actions.assign(as_person(room, "maya"), incident_id, "comms", "omar")
    with pytest.raises(actions.RoleChangedError) as caught:
        actions.assign(room, incident_id, "comms", "lee", expected_holder=opened_on)
    assert "changed from priya to omar" in caught.value.message
    assert room.incident(incident_id).roles["comms"] == "omar"
    assert actions.assign(room, incident_id, "comms", "lee", expected_holder="omar")


# --- 2. the lifecycle asks for its update ---------------------------------------------------


def test_status_change_prints_the_command_that_publishes(run: Cli) -> None:
    declare(run)
    assert "Tell customers" not in run.ok("status", "identified").stdout
    out = run.ok("status", "monitoring").stdout
    assert "Tell customers: warroom update -i INC-1 -t monitoring --publish" in out
    out = run.ok("status", "resolved").stdout
    assert "Tell customers: warroom update -i INC-1 -t resolved --publish" in out


def test_the_printed_command_publishes_right_after_the_last_update(
    run: Cli, clock: FakeClock, db_path: Path
) -> None:
    # Monitoring's update, then resolved a minute later: the resolved update is no double
    # post, so the command the status change printed must work as printed.
    declare(run)
    run.ok("status", "monitoring")
    run.ok("update", "--publish", author="maya")
    clock.advance(seconds=60)
    out = run.ok("status", "resolved").stdout
    printed = out.split("Tell customers: warroom ", 1)[1].split()
    published = run(*printed, author="maya")
    assert published.exit_code == 0, published.output
    with sqlite3.connect(db_path) as conn:
        statuses = [r[0] for r in conn.execute("SELECT status FROM updates ORDER BY id")]
    assert statuses == ["monitoring", "resolved"]
    # The same status again within two minutes is still a double post.
    clock.advance(seconds=30)
    assert run("update", "--publish", author="jonas").exit_code == 1


def test_resolved_without_resolved_update_is_said_loudly(
    run: Cli, room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    declare(run)
    run.ok("update", "--publish")
    clock.advance(minutes=5)
    run.ok("status", "resolved")
    gaps = ["customers were not told it was resolved", "no communications owner was ever assigned"]
    assert show_json(run)["comms_gaps"] == gaps
    shown = run.ok("show").stdout
    assert "WARNING: customers were not told it was resolved" in shown
    with room.read() as conn:
        rows = dict(load_metrics(conn, 1, room.settings, room.now()).rows())
    assert rows["Customers were not told it was resolved"] == "WARNING"
    postmortem = tmp_path / "pm.md"
    run.ok("export", "-o", str(postmortem))
    assert "**Warning: customers were not told it was resolved.**" in postmortem.read_text()

    run.ok("assign", "comms", "priya", "-i", "INC-1")
    run.ok("update", "-t", "resolved", "--publish")
    assert show_json(run)["comms_gaps"] == []
    assert "WARNING" not in run.ok("show").stdout
    run.ok("export", "-o", str(postmortem), "--force")
    assert "Warning:" not in postmortem.read_text()


# --- 6. public names ------------------------------------------------------------------------


def test_customer_text_uses_public_names_stakeholder_keeps_both(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[components]\n"checkout-api" = "Checkout"\n"payments" = "Card payments"\n')
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    declare(run, "checkout-api", "payments", "pg-primary")
    customer = run.ok("update").stdout
    assert "affecting Checkout and Card payments." in customer
    assert "checkout-api" not in customer and "pg-primary" not in customer
    stakeholder = run.ok("update", "-t", "stakeholder").stdout
    assert "Services: checkout-api (Checkout), payments (Card payments) and pg-primary" in (
        stakeholder
    )
    postmortem = tmp_path / "pm.md"
    run.ok("export", "-o", str(postmortem))
    assert "checkout-api (Checkout)" in postmortem.read_text()


def test_example_config_parses_with_components_and_destinations(tmp_path: Path) -> None:
    from warroom.config import EXAMPLE, load_settings

    path = tmp_path / "example.toml"
    path.write_text(EXAMPLE)
    settings = load_settings(path)
    assert settings.components["checkout-api"] == "Checkout"
    assert [(d.name, d.kind) for d in settings.destinations] == [
        ("status page", "command"),
        ("own page", "statuspage"),
    ]
    assert settings.status_page_title == "Example Ltd status"
