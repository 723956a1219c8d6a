"""The write the war room runs for an `AlertTriageRequested`: the alert action, in its writer
thread, with the notice to show."""

from __future__ import annotations

from collections.abc import Callable

from warroom import alert_actions
from warroom.domain import format_ref
from warroom.room import Room
from warroom.tui.messages import ActionDone, AlertTriageRequested


def alert_work(request: AlertTriageRequested) -> Callable[[Room], ActionDone]:
    """The work for `WarRoomScreen.write`; `request.screen_id` is closed once committed."""
    close = request.screen_id

    def work(room: Room) -> ActionDone:
        alert_id = request.alert_id
        if request.action == "attach":
            if request.incident_id is None:
                raise ValueError("attach needs an incident")
            ref = format_ref(request.incident_id)
            if alert_actions.attach(room, alert_id, request.incident_id):
                return ActionDone(f"Alert #{alert_id} attached to {ref}", close=close)
            return ActionDone(f"Alert #{alert_id} was already on {ref}", close=close)
        if request.action == "dismiss":
            if alert_actions.dismiss(room, alert_id, request.reason or ""):
                return ActionDone(f"Alert #{alert_id} dismissed", close=close)
            return ActionDone(f"Alert #{alert_id} was already dismissed", close=close)
        if request.action == "declare":
            new_id = alert_actions.declare_from_alert(
                room,
                alert_id,
                request.severity or "",
                request.title,
                request.services,
                request.source,
            )
            notice = f"Declared {format_ref(new_id)} from alert #{alert_id}"
            return ActionDone(notice, switch_to=new_id, close=close)
        raise ValueError(f"unknown alert action {request.action!r}")

    return work
