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
