"""The war room: the Textual app. Textual is imported only under this package."""

from __future__ import annotations

import os
import sys

# Textual draws at most TEXTUAL_FPS frames a second (default 60), and after a frame the next
# one waits one to two frame periods: at 60 a change arriving just after a frame reaches the
# screen up to 33 ms late. At 120 the wait is under 17 ms, and is only paid while changes come
# faster than that; an idle screen draws nothing either way. Textual reads the variable once,
# when first imported, so it is set only around that import (children do not inherit it), and
# a value the user set wins.
FRAMES_PER_SECOND = "120"
if "textual.constants" not in sys.modules and "TEXTUAL_FPS" not in os.environ:
    os.environ["TEXTUAL_FPS"] = FRAMES_PER_SECOND
    try:
        import textual.constants  # noqa: F401
    finally:
        del os.environ["TEXTUAL_FPS"]
