"""The war room: the Textual app. Textual is imported only under this package."""

from __future__ import annotations

import os
import sys

# Textual draws at most TEXTUAL_FPS frames a second (default 60): its update timer ticks on a
# fixed grid of that period, and a change waits for the next tick, so at 60 a change arriving
# just after a frame reaches the screen up to 33 ms late. A key's answer often needs two
# frames (the focus moving, then the data), so at 120 the grid still cost about 10 ms of the
# keys' 50 ms budget; at 240 it is about 4 ms. Frames cost 5-15 ms to draw here, so the rate
# is what the work allows, not 240 frames; an idle screen draws nothing either way. Textual
# reads the variable once, when first imported, so it is set only around that import
# (children do not inherit it), and a value the user set wins.
FRAMES_PER_SECOND = "240"
if "textual.constants" not in sys.modules and "TEXTUAL_FPS" not in os.environ:
    os.environ["TEXTUAL_FPS"] = FRAMES_PER_SECOND
    try:
        import textual.constants  # noqa: F401
    finally:
        del os.environ["TEXTUAL_FPS"]
