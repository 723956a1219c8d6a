"""What the app runs for an `AlertTriage` message: the alert action, in its writer thread."""

from __future__ import annotations

from collections.abc import Callable

from warroom import alert_actions
from warroom.domain import format_ref
from warroom.room import Room
from warroom.tui.messages import ActionDone
from warroom.tui.screens.alerts import AlertTriage


def alert_work(message: AlertTriage) -> Callable[[Room], ActionDone]:
    """The work for `WarroomApp.write`; its notice says what happened."""

    def work(room: Room) -> ActionDone:
        alert_id = message.alert_id
        if message.action == "attach":
            assert message.incident_id is not None
            ref = format_ref(message.incident_id)
            if alert_actions.attach(room, alert_id, message.incident_id):
                return ActionDone(f"Alert #{alert_id} attached to {ref}")
            return ActionDone(f"Alert #{alert_id} was already on {ref}")
        if message.action == "dismiss":
            assert message.reason is not None
            if alert_actions.dismiss(room, alert_id, message.reason):
                return ActionDone(f"Alert #{alert_id} dismissed")
            return ActionDone(f"Alert #{alert_id} was already dismissed")
        if message.action == "declare":
            assert message.severity is not None
            new_id = alert_actions.declare_from_alert(
                room,
                alert_id,
                message.severity,
                message.title,
                message.services,
                message.source,
            )
            return ActionDone(
                f"Declared {format_ref(new_id)} from alert #{alert_id}", switch_to=new_id
            )
        raise ValueError(f"unknown alert action {message.action!r}")

    return work
