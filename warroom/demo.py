"""A realistic incident mid-response, written through the real actions, for newcomers,
screenshots and tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom import actions
from warroom.room import Actor, Room

DEMO_UPDATE = """\
Identified: checkout errors for card payments

Some customers see an error when paying by card at checkout. We have found the cause,
a change we made earlier today, and are rolling it back. PayPal checkout still works.
We will post the next update within 30 minutes.
"""


class _Script:
    """A clock that the demo moves forward, so entries get believable times."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)


def seed_demo(room: Room, now: datetime | None = None) -> int:
    """Write a SEV2 checkout incident that started 38 minutes before `now`."""
    now = now or room.now()
    script = _Script(now - timedelta(minutes=38))
    people = {
        # Fictional responders with logins of their own, so the demo reads like a real team's
        # file instead of flagging every entry as written by the demo's own login.
        name: Room(room.store, Actor(name, name), room.settings, script)
        for name in ("maya", "jonas", "priya")
    }
    maya, jonas, priya = people["maya"], people["jonas"], people["priya"]
    ref = actions.declare(
        maya,
        "Checkout returns 500s for card payments",
        "SEV2",
        services=["checkout-api", "payments"],
        source="monitoring",
    )
    script.advance(1)
    actions.note(maya, ref, "Alert fired: checkout-api 5xx rate 18% (threshold 2%)")
    actions.assign(maya, ref, "owner", "maya")
    script.advance(2)
    actions.triage(
        maya,
        ref,
        impact="Card payments fail at checkout with an error page",
        affected="about 1 in 5 checkout attempts, all regions",
        workaround="PayPal checkout still works",
    )
    script.advance(1.5)
    actions.assign(maya, ref, "fix-lead", "jonas")
    actions.note(jonas, ref, "Errors started 2 min after deploy of checkout-api v1.42")
    script.advance(3)
    actions.note(priya, ref, "Support has 14 tickets mentioning 'payment failed'")
    script.advance(4)
    actions.set_status(jonas, ref, "identified")
    actions.note(jonas, ref, "v1.42 changed the card tokeniser timeout from 5s to 500ms")
    script.advance(3)
    actions.mitigate(jonas, ref, "checkout-api back to v1.41 on all nodes", "rollback")
    script.advance(3.5)
    actions.publish_update(maya, ref, DEMO_UPDATE, template="identified")
    script.advance(6)
    actions.note(jonas, ref, "5xx rate down to 3% and falling; some nodes still draining")
    script.advance(6)
    actions.note(priya, ref, "New tickets slowing down; 2 in the last 5 minutes")
    return ref
