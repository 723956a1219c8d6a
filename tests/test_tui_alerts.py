"""Alerts in the war room: the header count, the alerts screen (l), declaring from an alert,
attaching and dismissing, live arrival from another process, hostile alert text."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from textual.widgets import Input, OptionList, RadioSet

from tests.conftest import T0, FakeClock
from warroom import actions, alert_actions, alert_views, views
from warroom.alerts import AlertIn
from warroom.room import Actor, Room
from warroom.storage import open_store
from warroom.tui.screens.alerts import AlertsScreen, DeclareFromAlertScreen, DismissScreen
from warroom.tui.screens.main import WarRoomScreen

from .tui_helpers import make_app, settle, until


def alert(name: str, fp: str, **kw: object) -> AlertIn:
    fields: dict[str, object] = {
        "source": "alertmanager",
        "fingerprint": fp,
        "name": name,
        "status": "firing",
        "service": "checkout",
        "summary": "5xx above 5%",
        "starts_at": T0 - timedelta(minutes=12),
        "url": "https://grafana.example/d/checkout",
    }
    fields.update(kw)
    return AlertIn(**fields)  # type: ignore[arg-type]


def ingest(room: Room, *alerts: AlertIn) -> None:
    sender = Room(room.store, Actor("alertmanager", "svc"), room.settings, room.clock)
    alert_actions.ingest(sender, list(alerts))


def header_alerts(app: object) -> str:
    label = app.main.query_one("#hdr-alerts")  # type: ignore[attr-defined]
    return str(label.render()) if label.display else ""


def listed_text(app: object) -> str:
    options = app.screen.query_one(OptionList)  # type: ignore[attr-defined]
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


async def test_header_counts_alerts_that_need_triage(room: Room) -> None:
    incident = actions.declare(room, "Checkout fails", "SEV2")
    ingest(room, alert("HighErrorRate", "a"), alert("DiskFull", "b", service="db"))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert header_alerts(app).strip() == "2 alerts firing"
        alert_actions.attach(room, 1, incident)
        app.main.refresh_now()
        await settle(pilot)
        assert header_alerts(app).strip() == "1 alert firing"
        alert_actions.dismiss(room, 2, "expected")
        app.main.refresh_now()
        await settle(pilot)
        assert header_alerts(app) == ""


async def test_alerts_screen_lists_name_service_duration_summary_link(room: Room) -> None:
    actions.declare(room, "Checkout fails", "SEV2")
    ingest(room, alert("HighErrorRate", "a"))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        text = listed_text(app)
        assert "HighErrorRate  checkout  firing 12m" in text
        assert "5xx above 5%" in text and "https://grafana.example/d/checkout" in text
        await pilot.press("escape")
        assert isinstance(app.screen, WarRoomScreen)


async def test_attach_from_the_list(room: Room) -> None:
    incident = actions.declare(room, "Checkout fails", "SEV2")
    ingest(room, alert("HighErrorRate", "a"))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l", "a")
        await settle(pilot)
        assert "No alert needs triage" in listed_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert any(t.startswith("Alert attached: HighErrorRate") for t in app.main.timeline.texts())
        assert header_alerts(app) == ""
    with room.read() as conn:
        assert alert_views.get_alert(conn, 1).incident_id == incident


async def test_dismiss_needs_a_reason(room: Room) -> None:
    actions.declare(room, "Checkout fails", "SEV2")
    ingest(room, alert("Flappy", "a"))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l", "x")
        assert isinstance(app.screen, DismissScreen)
        await pilot.press("enter")  # no reason yet: refused, still open
        assert isinstance(app.screen, DismissScreen)
        await pilot.press(*"probe restarts nightly", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AlertsScreen)
        assert "No alert needs triage" in listed_text(app)
    with room.read() as conn:
        got = alert_views.get_alert(conn, 1)
    assert (got.dismiss_reason, got.dismissed_by) == ("probe restarts nightly", "alice")


async def test_declare_from_an_alert_prefills_the_form(room: Room) -> None:
    ingest(room, alert("HighErrorRate", "a"))
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # With no incident yet and an alert firing, the war room opens on the alerts.
        assert isinstance(app.screen, AlertsScreen)
        assert header_alerts(app).strip() == "1 alert firing"
        await pilot.press("d")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DeclareFromAlertScreen)
        assert form.query_one("#title", Input).value == "HighErrorRate: 5xx above 5%"
        assert form.query_one("#services", Input).value == "checkout"
        assert "Impact started: 2026-11-26 13:48" in str(form.query_one("#impact-start").render())
        assert form.focused is form.query_one(RadioSet)
        await pilot.press("up", "enter")  # SEV2 -> SEV1, with the definitions beside it
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, WarRoomScreen)
        incident = app.main.latest.incident
        assert incident is not None
        assert (incident.title, incident.severity, incident.services) == (
            "HighErrorRate: 5xx above 5%",
            "SEV1",
            ("checkout",),
        )
        assert incident.detection_source == "monitoring"
        assert incident.impact_started_at == T0 - timedelta(minutes=12)
        assert header_alerts(app) == ""
    with room.read() as conn:
        kinds = [e.kind for e in views.tail(conn, incident.id, 10)]
    assert kinds[-1] == "alert"


async def test_alert_from_another_process_shows_without_a_keypress(
    room: Room, db_path: Path
) -> None:
    actions.declare(room, "Checkout fails", "SEV2")
    app = make_app(room, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert header_alerts(app) == ""
        # Our own note first: the live refresh then skips commits that add no newer timeline
        # entry than ours, and an alert arriving adds none.
        await pilot.press("n", *"watching", "enter")
        await until(pilot, lambda: app.main.timeline.texts()[-1:] == ["watching"], "our note")
        await settle(pilot)
        await pilot.press("l")
        other = open_store(db_path)
        try:
            alert_actions.ingest(Room(other, Actor("alertmanager", "svc")), [alert("NewOne", "n")])
        finally:
            other.close()
        await until(pilot, lambda: "1 alert firing" in header_alerts(app), "the header count")
        await until(pilot, lambda: "NewOne" in listed_text(app), "the open list")


async def test_hostile_alert_text_is_shown_literally(room: Room) -> None:
    actions.declare(room, "Checkout fails", "SEV2")
    ingest(
        room,
        alert(
            "[@click=app.quit]x",
            "h",
            service="[/]",
            summary="wipe \x1b[2J screen [bold]b[/bold]",
            url="https://x.example/\x1b]8;;evil\x07",
        ),
    )
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        text = listed_text(app)
        assert "[@click=app.quit]x" in text and "[/]" in text and "[bold]b[/bold]" in text
        assert "\x1b" not in text and "␛" in text
        assert app.is_running


async def test_review_pane_lists_attached_alerts(room: Room, clock: FakeClock) -> None:
    from tests.test_tui_review import review_lines

    ingest(room, alert("HighErrorRate", "a"))
    incident = alert_actions.declare_from_alert(room, 1, "SEV2")
    clock.advance(minutes=30)
    ingest(room, alert("HighErrorRate", "a", status="resolved", ends_at=T0 + timedelta(minutes=30)))
    actions.set_status(room, incident, "resolved")
    app = make_app(room, incident)
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        # One string with single spaces: a long value wraps in its column.
        review = " ".join(" ".join(review_lines(app)).split())
    assert "Alert: HighErrorRate, checkout 13:48 → 14:30 resolved (42m)" in review
    assert "Time from first alert to declaration" in review and "12m" in review


async def test_watch_lists_alerts_but_offers_no_triage(room: Room, db_path: Path) -> None:
    actions.declare(room, "Checkout fails", "SEV2")
    ingest(room, alert("HighErrorRate", "a"))
    watcher = Room(open_store(db_path, readonly=True), Actor("sam", "sam"), clock=room.clock)
    try:
        app = make_app(watcher, readonly=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert header_alerts(app).strip() == "1 alert firing"
            await pilot.press("l")
            await settle(pilot)
            assert isinstance(app.screen, AlertsScreen)
            assert "HighErrorRate" in listed_text(app)
            await pilot.press("d", "a", "x")
            await settle(pilot)
            assert isinstance(app.screen, AlertsScreen)  # no form opened, nothing written
    finally:
        watcher.store.close()
    with room.read() as conn:
        got = alert_views.get_alert(conn, 1)
    assert (got.incident_id, got.dismissed_at) == (None, None)
