"""The first screen does not pay for the others: the forms, pickers and the update panel are
imported by the action that opens them (benchmarks/run.py first_paint measures the effect)."""

from __future__ import annotations

import subprocess
import sys

SECONDARY = [
    "warroom.tui.screens.forms",
    "warroom.tui.screens.assign",
    "warroom.tui.screens.declare",
    "warroom.tui.screens.triage",
    "warroom.tui.screens.mitigate",
    "warroom.tui.screens.pickers",
    "warroom.tui.screens.filter",
    "warroom.tui.screens.followups",
    "warroom.tui.screens.update_panel",
    "warroom.tui.screens.alerts",
    "warroom.clipboard",
]


def test_the_app_module_imports_no_secondary_screen() -> None:
    # A fresh interpreter: this test process has imported everything already.
    code = (
        "import sys, warroom.tui.app\n"
        f"print(' '.join(m for m in {SECONDARY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []


async def test_the_first_read_skips_the_preview_and_the_next_brings_it(room, monkeypatch) -> None:
    from warroom import actions
    from warroom.tui import data
    from warroom.tui.screens import main
    from warroom.tui.widgets.update_pane import UpdatePane

    from .tui_helpers import make_app, settle, until

    actions.declare(room, "Checkout returns 500s", "SEV2")
    previews: list[bool] = []

    def recording(*args, **kwargs):
        previews.append(kwargs.get("preview", True))
        return data.load_snapshot(*args, **kwargs)

    monkeypatch.setattr(main, "load_snapshot", recording)
    app = make_app(room)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pane = app.main.query_one(UpdatePane)
        await until(pilot, lambda: pane.rendered is not None, "the rendered preview")
        assert "Checkout returns 500s" in pane.rendered
    assert previews[:2] == [False, True]
