"""The screens' common ground: each screen runs its own workers, and one handler turns every
worker outcome into a delivery on the event loop or a notification.

A worker started here belongs to the screen (Textual cancels it when the screen goes), is
named, and never exits the app on an error. Its result reaches the `then` given to
`run_in_thread` through `Worker.StateChanged`, which Textual posts to the screen that ran the
worker: once the screen has gone, the result is dropped instead of reaching a widget that is
no longer there. Writes (`now=True`) run on the one writer thread instead; their worker
only waits for them, and a write asked for is made even if its screen goes (`writer()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from typing import Any, Generic, TypeVar

from textual import on
from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from warroom.errors import WarroomError

ResultT = TypeVar("ResultT")
T = TypeVar("T")


def failure_text(error: BaseException | None) -> str:
    """The one-line notice for a worker that failed."""
    if isinstance(error, WarroomError):
        return error.message
    # A bug, not a state of the file: say so plainly instead of closing the war room.
    return f"internal error: {type(error).__name__}: {error}"


_writer: ThreadPoolExecutor | None = None
_writer_made = threading.Lock()


def writer() -> ThreadPoolExecutor:
    """The one thread every write runs on, in the order the writes were asked for. It is
    there already when Enter is pressed: a Textual thread worker starts only once the event
    loop gets to its task, after the frame for the key (12 ms of a note's 33 ms to screen)."""
    global _writer
    with _writer_made:
        if _writer is None:
            _writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warroom-writer")
        return _writer


def drain_writes(timeout: float | None) -> bool:
    """Wait (off the event loop) until every write asked for so far has been made or failed,
    at most `timeout` seconds (None: for as long as it takes). True if they all have."""
    with contextlib.suppress(FuturesTimeout):
        writer().submit(lambda: None).result(timeout)
        return True
    return False


class WorkScreen(Screen[ResultT], Generic[ResultT]):
    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._then: dict[Worker[Any], Callable[[Any], object]] = {}

    def run_in_thread(
        self,
        name: str,
        work: Callable[[], T],
        then: Callable[[T], object] | None = None,
        *,
        group: str = "reads",
        now: bool = False,
    ) -> Worker[T]:
        """Run blocking work (SQLite, the clipboard) off the event loop; `then` gets its
        result on the event loop, only while this screen is still there. With `now` (the
        writes) the work starts at once on the writer thread, and the worker only waits
        for it: the worker's name, group, result and failure are as for the others."""
        worker: Worker[T]
        if now:
            future = writer().submit(work)

            async def waited() -> T:
                # Shielded: a screen or app going away cancels its workers, and a write
                # still queued must be made all the same (it was asked for, and its field
                # cleared), not dropped with the worker.
                return await asyncio.shield(asyncio.wrap_future(future))

            worker = self.run_worker(waited, name=name, group=group, exit_on_error=False)
        else:
            worker = self.run_worker(work, name=name, group=group, thread=True, exit_on_error=False)
        if then is not None:
            self._then[worker] = then
        return worker

    @on(Worker.StateChanged)
    def _worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.SUCCESS:
            then = self._then.pop(worker, None)
            if then is not None:
                then(worker.result)
        elif event.state is WorkerState.ERROR:
            self._then.pop(worker, None)
            self.worker_failed(worker, failure_text(worker.error))
        elif event.state is WorkerState.CANCELLED:
            self._then.pop(worker, None)

    def worker_failed(self, worker: Worker[Any], text: str) -> None:
        """A worker raised; by default a notification says what went wrong."""
        self.notify(text, severity="error")


class WorkModal(ModalScreen[ResultT], WorkScreen[ResultT], Generic[ResultT]):
    """A modal screen that runs workers of its own."""


def pointer_busy(app: App[Any]) -> bool:
    """A mouse button is down or a text selection is being dragged. Building a screen ahead
    (pushed and popped at once) suspends and resumes the screen below, which resets the
    pointer's state mid-drag: such work waits until the pointer is free. (Textual 8 keeps
    this state in private attributes; recheck on an upgrade.)"""
    screen = app.screen_stack[-1] if app.screen_stack else None
    return (
        getattr(app, "_mouse_down_widget", None) is not None
        or app.mouse_captured is not None
        or bool(getattr(screen, "_selecting", False))
    )
