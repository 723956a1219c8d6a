"""Python's cyclic garbage collector, paused while the war room starts.

Starting the war room allocates some 100k objects that all stay alive (modules, classes,
styles, widgets): the collector ran about 140 times on the way to the first frame, a full
collection among them, 40-70 ms of CPU on a busy 2-core machine (measured with gc.callbacks),
to find about 3k objects of garbage. So `warroom` pauses it before importing anything heavy
(launch.py); a command resumes it as soon as it is chosen (cli/__init__.py), and the war room
once its first state is on the screen, where it also moves the objects alive then out of the
collector's sight with gc.freeze (tui/screens/main.py), or after a limit if no read succeeds.
The garbage of the start, kept for good, is well under 1 MB.

No imports of warroom here: every layer may ask for it.
"""

from __future__ import annotations

import gc


def pause_gc() -> None:
    gc.disable()


def resume_gc() -> None:
    gc.enable()
