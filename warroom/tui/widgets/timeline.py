"""The timeline pane: a virtualised log, one rendered line at a time (the Line API).

Only the entries loaded so far are kept (the last page, plus older pages fetched when the user
scrolls to the top), and only the lines on screen are rendered, so 100,000 entries cost no
more than 500. Long texts fold onto continuation lines under the text column.

Times are local `HH:MM:SS`; an entry from another day than today (by the injected clock) gets
its date in front (`11-25 23:58:01`), so an incident that crosses midnight reads unambiguously.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from warroom.domain import KINDS
from warroom.safe_text import one_line
from warroom.views import UNREADABLE, Entry

SHORT_KINDS = {
    "declared": "declare",
    "mitigation": "mitigate",
    "checklist": "check",
    "followup": "follow",
}


@dataclass(frozen=True)
class _Row:
    id: int
    day: date  # local
    time: str  # local HH:MM:SS
    author: str
    kind: str
    text: str  # sanitised, one line
    # The Unix login when it differs from the display name (sanitised), else "": shown on
    # the entry's second line under the author, so a spoofed name never stands alone and the
    # text keeps its width.
    login: str = ""

    def lines(self, text_w: int) -> int:
        return max(len(_fold(self.text, text_w)), 2 if self.login else 1)


TIME_W = 8  # HH:MM:SS
DATED_TIME_W = 14  # MM-DD HH:MM:SS


def _row(entry: Entry) -> _Row:
    local = entry.ts.astimezone()
    return _Row(
        entry.id,
        local.date(),
        local.strftime("%H:%M:%S"),
        one_line(entry.author),
        one_line(entry.kind),
        one_line(entry.text),
        one_line(entry.login) if entry.login and entry.login != entry.author else "",
    )


def _fold(text: str, width: int) -> list[str]:
    """Word-wrap to `width` cells; a word longer than a line is cut."""
    if len(text) <= width and (text.isascii() or cell_len(text) <= width):
        return [text]
    measure = len if text.isascii() else cell_len  # ASCII: cells == characters
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if measure(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while measure(word) > width:
            head = chop_cells(word, width)[0] if measure is cell_len else word[:width]
            lines.append(head)
            word = word[len(head) :]
        line = word
    lines.append(line)
    return lines


class TimelineView(ScrollView, can_focus=True):
    """Newest at the bottom; follows new entries unless the user has scrolled up."""

    COMPONENT_CLASSES = {
        "timeline--time",
        "timeline--author",
        "timeline--empty",
        *(f"timeline--{kind}" for kind in KINDS),
        f"timeline--{UNREADABLE}",  # a row the file holds but warroom cannot read
    }
    BINDINGS = [
        Binding("home", "scroll_home", "Oldest", show=False),
        Binding("end", "scroll_end", "Newest", show=False),
    ]

    @dataclass
    class NeedOlder(Message):
        """Scrolled to the top while older entries exist in the file."""

        before_id: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: list[_Row] = []
        self._ids: set[int] = set()
        self._counts: list[int] = []
        self._offsets: list[int] = []
        self._layout_width = 0
        self.more_before = False
        self.loading_older = False
        self.empty_text = "No entries yet."
        self.today: date | None = None  # None: every entry is taken as today's
        self._time_w = TIME_W
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(512)

    # --- content ----------------------------------------------------------------------------

    @property
    def entry_count(self) -> int:
        return len(self._rows)

    @property
    def last_id(self) -> int:
        return self._rows[-1].id if self._rows else 0

    @property
    def first_id(self) -> int | None:
        return self._rows[0].id if self._rows else None

    def set_today(self, today: date) -> None:
        """The local date of the injected clock; entries from other days show their date."""
        if today != self.today:
            self.today = today
            self._relayout(force=True)

    def when(self, index: int) -> str:
        """The time column of loaded entry `index`, as shown."""
        row = self._rows[index]
        if self.today is not None and row.day != self.today:
            return f"{row.day:%m-%d} {row.time}"
        return row.time.rjust(self._time_w)

    def texts(self) -> list[str]:
        """The shown text of every loaded entry (for tests and the help screen)."""
        return [r.text for r in self._rows]

    def reset(self, entries: list[Entry] | tuple[Entry, ...], *, more_before: bool) -> None:
        self._rows = [_row(e) for e in entries]
        self._ids = {r.id for r in self._rows}
        self.more_before = more_before
        self.loading_older = False
        self._relayout(force=True)
        self._follow()

    def _follow(self) -> None:
        # Again after the next layout: the first time, the size is not known yet.
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def append(self, entries: list[Entry] | tuple[Entry, ...]) -> int:
        """Add entries newer than those shown; returns how many were new."""
        fresh = [_row(e) for e in entries if e.id not in self._ids and e.id > self.last_id]
        if not fresh:
            return 0
        following = self.is_vertical_scroll_end or self.max_scroll_y == 0
        self._rows.extend(fresh)
        self._ids.update(r.id for r in fresh)
        if self._relayout() and following:
            # Laid out already: the size is known, so scroll now and only now.
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif following:
            self._follow()
        self._update_subtitle()
        return len(fresh)

    def prepend(self, entries: list[Entry], *, more_before: bool) -> None:
        first = self.first_id
        older = [_row(e) for e in entries if first is None or e.id < first]
        self.loading_older = False
        self.more_before = more_before
        if not older:
            return
        before = self.virtual_size.height
        self._rows[:0] = older
        self._ids.update(r.id for r in older)
        self._relayout(force=True)
        # Keep the line the user was reading where it was.
        added = self.virtual_size.height - before
        self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)

    # --- layout -----------------------------------------------------------------------------

    def _columns(self, width: int) -> tuple[int, int]:
        """(author width, kind width): narrower columns on a narrow pane."""
        return (12, 9) if width >= 90 else (8, 8)

    def _prefix_width(self, width: int) -> int:
        author_w, kind_w = self._columns(width)
        return self._time_w + 1 + author_w + 1 + kind_w + 1

    def _text_width(self, width: int) -> int:
        return max(10, width - self._prefix_width(width))

    def _relayout(self, force: bool = False) -> bool:
        """Lay the loaded entries out as lines; True if the screen need not be laid out
        again (entries appended to a pane whose size is settled)."""
        width = self.scrollable_content_region.width or self.size.width or 80
        appending = (
            not force and width == self._layout_width and len(self._counts) <= len(self._rows)
        )
        # The time column widens for dates only while an entry from another day is loaded;
        # appending looks at the new rows only (the old ones were looked at already).
        rows = self._rows[len(self._counts) :] if appending else self._rows
        dated = (appending and self._time_w == DATED_TIME_W) or (
            self.today is not None and any(r.day != self.today for r in rows)
        )
        time_w = DATED_TIME_W if dated else TIME_W
        if time_w != self._time_w:
            self._time_w = time_w
            appending = False
        text_w = self._text_width(width)
        old_total = self._offsets[-1] if self._offsets else 0
        if not appending:
            self._counts = [r.lines(text_w) for r in self._rows]
            self._offsets = [0, *accumulate(self._counts)]
            self._cache.clear()
        else:
            # Appended: the lines laid out already keep their numbers, so their cached
            # renders stay valid (only lines with content are cached, see render_line).
            total = self._offsets[-1]
            for row in self._rows[len(self._counts) :]:
                count = row.lines(text_w)
                self._counts.append(count)
                total += count
                self._offsets.append(total)
        self._layout_width = width
        settled = self._set_virtual_size(Size(width, max(self._offsets[-1], 1)))
        # Lines appended below the view need no repaint (following scrolls, which repaints).
        below = old_total >= self.scroll_offset.y + self.scrollable_content_region.height
        if not (appending and below and old_total > 0):
            self.refresh()
        return settled

    def _set_virtual_size(self, size: Size) -> bool:
        # Setting virtual_size lays out the whole screen (it is a layout reactive), which is
        # most of the cost of showing one new entry. The pane's own size does not depend on
        # its content (1fr), so while the scrollbar is shown already and only the height
        # grows, tell the scrollbar and skip the layout.
        old = self.virtual_size
        if (
            self.show_vertical_scrollbar
            and size.width == old.width
            and size.height >= old.height
            and self.vertical_scrollbar.window_virtual_size == old.height
        ):
            self.set_reactive(TimelineView.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            return True
        self.virtual_size = size
        return False

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width and width != self._layout_width:
            following = self.is_vertical_scroll_end
            self._relayout(force=True)
            if following:
                self._follow()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    # --- scrolling --------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._update_subtitle()
        if new_value <= 0 and self.more_before and not self.loading_older and self._rows:
            self.loading_older = True
            self.post_message(self.NeedOlder(self._rows[0].id))

    def _update_subtitle(self) -> None:
        if self.is_vertical_scroll_end or self.max_scroll_y == 0:
            subtitle = ""
        else:
            subtitle = "scrolled up (End to follow)"
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle  # setting it repaints, even to the same value

    # --- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        line = scroll_y + y
        key = (line, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_timeline_line(line, width)
            if self._rows and line < self._offsets[-1]:  # a blank line may get an entry
                self._cache[key] = strip
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(line)) is not None:
            strip = self._highlight(strip, *span)  # never cached: selections come and go
        return strip.apply_offsets(scroll_x, line)

    def _highlight(self, strip: Strip, start: int, end: int) -> Strip:
        """The cells a mouse selection covers, in the screen's selection style."""
        length = strip.cell_length
        end = length if end == -1 else min(end, length)
        if start >= end:
            return strip
        before, chosen, after = strip.divide([start, end, length])
        # Only the background, after the segments' own styles so it wins over theirs; the
        # theme's selection foreground can equal its background, hiding the text.
        style = Style(bgcolor=self.screen.get_component_rich_style("screen--selection").bgcolor)
        marked = Strip(Segment.apply_style(list(chosen), post_style=style), chosen.cell_length)
        return Strip.join([before, marked, after])

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, as shown (time, author, kind, text), for ctrl+c."""
        width = self.scrollable_content_region.width or self._layout_width or 80
        total = self._offsets[-1] if self._offsets else 0
        lines = [self._render_timeline_line(y, width).text.rstrip() for y in range(total)]
        return selection.extract("\n".join(lines)), "\n"

    # Not `_render`: Textual's own Widget._render() is called with no arguments (by text
    # selection, for one), and overriding it made ctrl+c on a selection crash the app.
    def _render_timeline_line(self, line: int, width: int) -> Strip:
        base = self.rich_style
        if not self._rows:
            if line == 0:
                style = base + self.get_component_rich_style("timeline--empty")
                return Strip([Segment(self.empty_text[:width], style)]).extend_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        index = bisect_right(self._offsets, line) - 1
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        sub = line - self._offsets[index]
        author_w, kind_w = self._columns(width)
        chunks = _fold(row.text, self._text_width(width))
        chunk = chunks[sub] if sub < len(chunks) else ""
        # A kind this version does not know (written by a newer one) is styled as a note.
        styled = row.kind if row.kind in KINDS or row.kind == UNREADABLE else "note"
        kind_style = base + self.get_component_rich_style(f"timeline--{styled}", partial=True)
        if sub == 0:
            author = one_line(row.author, author_w)
            kind = SHORT_KINDS.get(row.kind, row.kind)[:kind_w]
            segments = [
                Segment(
                    self.when(index) + " ", base + self.get_component_rich_style("timeline--time")
                ),
                Segment(
                    author + " " * (author_w - cell_len(author) + 1),
                    base + self.get_component_rich_style("timeline--author"),
                ),
                Segment(kind.ljust(kind_w) + " ", kind_style + Style(bold=True)),
            ]
        elif sub == 1 and row.login:
            login = f"login {row.login}"
            login = one_line(login if cell_len(login) <= author_w else f"({row.login})", author_w)
            segments = [
                Segment(" " * (self._time_w + 1), base),
                Segment(
                    login + " " * (author_w - cell_len(login) + 1),
                    base + self.get_component_rich_style("timeline--author"),
                ),
                Segment(" " * (kind_w + 1), base),
            ]
        else:
            segments = [Segment(" " * self._prefix_width(width), base)]
        text_style = kind_style if styled != "note" else base
        segments.append(Segment(chunk, text_style))
        return Strip(segments).adjust_cell_length(width, base)
