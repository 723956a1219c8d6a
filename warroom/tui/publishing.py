"""Publishing from the war room: the write the war room screen runs for the update panel's
request. It asks first (through `ActionDone.ask`) where the CLI needs `--force`; once
published, delivery starts in a detached worker so no destination holds up the screen."""

from __future__ import annotations

import threading

from warroom import actions
from warroom.room import Room
from warroom.tui.messages import ActionDone, PublishQuestion, PublishRequested


def publish_work(request: PublishRequested, room: Room) -> ActionDone:
    """In a worker thread, on the session's connection."""
    from warroom.updates import try_publish

    close = request.screen_id
    if request.draft is None:
        # Text from outside the panel: no draft to check it against.
        done = actions.publish_update(
            room, request.incident_id, request.text, request.template, force=request.force
        )
        return ActionDone(_notice(room, done), close=close)
    outcome = try_publish(
        room,
        request.incident_id,
        request.text,
        request.draft,
        force=request.force,
        promise_checked=request.promise_checked,
    )
    if outcome.published is None:
        return ActionDone("", ask=PublishQuestion(outcome, request))
    return ActionDone(_notice(room, outcome.published), close=close)


def _notice(room: Room, published: actions.Published) -> str:
    due = published.next_update_due
    notice = "Customer update published; " + (
        f"customers were promised the next one by {due.astimezone():%H:%M %Z}"
        if due
        else "no next update promised"
    )
    if published.deliveries:
        from warroom.delivery import start_worker

        try:
            proc = start_worker(room.store.path, room.actor.name)
        except OSError as exc:
            return notice + f"; delivery could not start ({exc.strerror}), retrying later"
        if proc is not None:  # else the worker already running takes it
            threading.Thread(target=proc.wait, daemon=True, name="delivery-reaper").start()
        notice += "; delivering to " + ", ".join(d.name for d in room.settings.destinations)
    return notice
