"""A terminal driver that turns pastes into one `events.Paste`, bracketed or not.

Textual's driver feeds every byte through its escape-sequence parser (about 10 µs a
character) and posts one event per key: a 5,000-line log pasted into a terminal without
bracketed paste became 680,000 key events with an Enter per line (five notes and a frozen
app), and even a bracketed paste spent seconds in the parser before arriving.

Here the input thread looks at what it reads before the parser does:

* Bracketed paste (`ESC [200~ ... ESC [201~`): the text between the markers is collected as
  it arrives and posted as one Paste, without passing through the parser.
* A burst of plain text (no escape sequence but colour codes, which no key sends: a log
  copied with its colours) with a line break in it, or long, arriving
  faster than anyone types (more than BURST_CHARS characters in one go, the reads less than
  BURST_GAP apart) is a paste too: posted as a Paste instead of key presses. Pieces of one
  burst are joined up to BATCH_CHARS, so a long paste arrives as a few large Paste events.
  One short line ending in its Enter stays keys (see `typed_line`).

Everything else (typing, arrow keys, mouse) goes through the parser as before.
"""

from __future__ import annotations

import os
import re
import selectors
from codecs import getincrementaldecoder

from textual import events
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from warroom.safe_text import clean

PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
BURST_CHARS = 8  # in one read: nobody types this many characters between two reads
BURST_GAP = 0.02  # seconds: the reads of one burst follow each other closer than this
BATCH_CHARS = 1 << 20  # one Paste carries at most this much; the next carries on
TYPED_LINE = 256  # a line and its Enter up to this long, arriving together, stay keys


def normalise(text: str) -> str:
    """Terminals send line breaks in a paste as CR (tmux, xterm) or CRLF. Escape sequences and
    other controls in the paste are made inert (``␛``, control pictures) before any widget
    holds the text: a text field draws what it holds, and a pasted log's `ESC [2J` or OSC 0
    title would otherwise run on the owner's terminal. Line breaks and tabs are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(
        "\t".join(clean(part) for part in line.split("\t")) for line in text.split("\n")
    )


def typed_line(text: str) -> bool:
    """One short line and its Enter, arriving together: a person typing over a laggy link or a
    script, as likely as a paste. As keys it is what a terminal without bracketed paste would
    make of it anyway: one note. (Only several lines, or a long one, must not become keys.)"""
    body = text[:-1] if text.endswith(("\r", "\n")) else None
    if body is None or body.endswith("\r"):
        body = text[:-2] if text.endswith("\r\n") else body
    return body is not None and len(body) <= TYPED_LINE and "\r" not in body and "\n" not in body


# A colour code (SGR). A terminal sends escape sequences for keys and the mouse, never this
# one (a mouse report ends in m too, but starts ESC [ <): in a burst it is the paste's text.
SGR = re.compile(r"\x1b\[[0-9;:]*m")
# The start of one, cut off at the end of a read: the rest comes with the next.
PARTIAL_SGR = re.compile(r"\x1b(\[[0-9;:]*)?\Z")


def key_escape(text: str) -> int:
    """Where the first escape sequence that is not a colour code starts (a key, the mouse,
    a paste marker), or -1."""
    at = text.find("\x1b")
    while at >= 0:
        colour = SGR.match(text, at)
        if colour is None:
            return at
        at = text.find("\x1b", colour.end())
    return -1


def is_burst(text: str) -> bool:
    """Plain text read in one go that no person could have typed: a paste."""
    body = PARTIAL_SGR.sub("", text)
    if key_escape(body) >= 0 or len(body) < BURST_CHARS:
        return False
    return "\r" in body or "\n" in body or len(body) >= 4 * BURST_CHARS


class PasteAwareDriver(LinuxDriver):
    def _get_terminal_size(self) -> tuple[int, int]:
        # Textual asks shutil, which prefers COLUMNS and LINES from the environment: a shell
        # (or pytest-xdist) that exported them made the war room draw at that size in any
        # pane, and never follow a resize. The terminal itself knows.
        out = self._file
        for fd in (out.fileno if out is not None else None, lambda: self.fileno):
            if fd is None:
                continue
            try:
                columns, lines = os.get_terminal_size(fd())
            except (OSError, ValueError):  # closed, replaced, or not a terminal
                continue
            if columns and lines:
                return columns, lines
        return super()._get_terminal_size()

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode
        pasting: list[str] | None = None  # inside a bracketed paste: what came so far
        carry = ""  # the end of the last read, in case a marker is split across reads

        def read(timeout: float) -> str | None:
            if not selector.select(timeout):
                return None
            return decode(os.read(fileno, 1 << 16))

        def post(text: str) -> None:
            if text:
                self.process_message(events.Paste(normalise(text)))

        def feed(text: str) -> None:
            if not text:
                return  # feeding "" tells the parser the input has ended
            for event in parser.feed(text):
                self.process_message(event)

        def parser_idle() -> bool:
            # Not in the middle of an escape sequence (the parser waits with a timeout then).
            return parser._timeout_time is None

        try:
            while not self.exit_event.is_set():
                data = read(0.1)
                if data is None:
                    if carry and pasting is None:
                        feed(carry)  # an escape held back from a burst's end: a key after all
                        carry = ""
                    for event in parser.tick():
                        self.process_message(event)
                    continue
                if not data:
                    break  # stdin closed
                data = carry + data
                carry = ""
                while data:
                    if pasting is not None:
                        end = data.find(PASTE_END)
                        if end < 0:
                            # Keep a possible partial end marker for the next read.
                            keep = len(PASTE_END) - 1
                            pasting.append(data[:-keep] if len(data) > keep else "")
                            carry = data[-keep:] if len(data) > keep else data
                            if sum(map(len, pasting)) >= BATCH_CHARS:
                                post("".join(pasting))
                                pasting = []
                            data = ""
                            break
                        pasting.append(data[:end])
                        post("".join(pasting))
                        pasting = None
                        data = data[end + len(PASTE_END) :]
                        continue
                    start = data.find(PASTE_START) if parser_idle() else -1
                    if start >= 0:
                        feed(data[:start])
                        pasting = []
                        data = data[start + len(PASTE_START) :]
                        continue
                    if parser_idle() and is_burst(data):
                        data = self._gather_burst(data, read)
                        cut = PARTIAL_SGR.search(data)
                        if cut is not None and key_escape(data[: cut.start()]) < 0:
                            # A colour code cut by the end of the read: with the next one.
                            data, carry = data[: cut.start()], data[cut.start() :]
                        if typed_line(data):
                            feed(data)
                            data = ""
                            break
                        plain = key_escape(data)
                        if plain >= 0:
                            # A paste may end and keys follow in the same read.
                            post(data[:plain])
                            data = data[plain:]
                            continue
                        post(data)
                        data = ""
                        break
                    feed(data)
                    data = ""
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    @staticmethod
    def _gather_burst(first: str, read: object) -> str:
        """The rest of a burst: keep reading while more arrives within BURST_GAP."""
        parts = [first]
        size = len(first)
        while size < BATCH_CHARS:
            more = read(BURST_GAP)  # type: ignore[operator]
            if not more:
                break
            parts.append(more)
            size += len(more)
            if key_escape(PARTIAL_SGR.sub("", more)) >= 0:
                break
        return "".join(parts)
