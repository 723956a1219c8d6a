"""Where the published updates went, for the update panel."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from warroom.safe_text import one_line
from warroom.views import Delivery, describe_delivery


def deliveries_text(found: Sequence[Delivery]) -> Text:
    """One line a delivery, newest first; failures in the error style."""
    if not found:
        return Text("No [[publish]] deliveries.", style="italic")
    lines = []
    for d in sorted(found, key=lambda d: d.id, reverse=True):
        when = (d.last_attempt_at or d.created_at).astimezone()
        style = "bold red" if d.state == "failed" else ("green" if d.state == "delivered" else "")
        lines.append(
            Text(
                f"{when:%H:%M}  #{d.update_id} → {one_line(d.destination, 20)}: "
                f"{one_line(describe_delivery(d), 80)}",
                style=style,
            )
        )
    return Text("\n").join(lines)
