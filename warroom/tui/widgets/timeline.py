"""The timeline pane: a virtualised log, one rendered line at a time (the Line API).

Only a window of entries is kept (the last pages, plus older pages fetched when the user
scrolls to the top; at most `limit` rows, the far end dropped and read again on demand), and
only the lines on screen are rendered, so 100,000 entries cost no more than a few pages, however
many arrive while the war room is open. Long texts fold onto continuation lines under the text
column; a text's folded lines are computed once per width and cached by (entry id, width).

Following: the view stays on the newest entry until the user scrolls up, and only a scroll
upwards stops it. Layout changes (a resize, the review pane replacing the countdown, a re-wrap)
keep following: they scroll to the new end instead of leaving the view where it was.

Times are local `HH:MM:SS`; an entry from another day than today (by the injected clock) gets
its date in front (`11-25 23:58:01`), so an incident that crosses midnight reads unambiguously.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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

from warroom.domain import KINDS, short_kind
from warroom.safe_text import screen_line
from warroom.tui.entry_text import corrected_text, lead_text, timeline_text
from warroom.views import UNREADABLE, Entry, entry_corrects


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
    # What the text starts with whatever it shows (`lead_text`): kept for when a correction
    # arrives and the row shows that instead.
    lead: str = ""


TIME_W = 8  # HH:MM:SS
DATED_TIME_W = 14  # MM-DD HH:MM:SS
# The text column's least width before the author, then the kind column, are left out.
MIN_TEXT_W = 20


def _row(entry: Entry, correction: Entry | None = None) -> _Row:
    local = entry.ts.astimezone()
    lead = lead_text(entry)
    return _Row(
        entry.id,
        local.date(),
        local.strftime("%H:%M:%S"),
        screen_line(entry.author),
        screen_line(entry.kind),
        # Folded: a 5,000-line paste shows as its first lines. Corrected since: the
        # correction's text, marked, as tail and the exports show it.
        timeline_text(entry) if correction is None else corrected_text(lead, correction),
        screen_line(entry.login) if entry.login and entry.login != entry.author else "",
        lead,
    )


def _fold(text: str, width: int) -> list[str]:
    """Word-wrap to `width` cells; a word longer than a line is cut. Linear in the length of
    the text: a 1 MB note folds in milliseconds (cutting a long word by re-slicing the rest
    each time was quadratic)."""
    if len(text) <= width and (text.isascii() or cell_len(text) <= width):
        return [text]
    if text.isascii():  # cells == characters: find each break with str.rfind
        lines: list[str] = []
        start, end = 0, len(text)
        while end - start > width:
            cut = text.rfind(" ", start, start + width + 1)
            if cut <= start:  # no space in reach: cut the word
                lines.append(text[start : start + width])
                start += width
            else:
                lines.append(text[start:cut])
                start = cut + 1
        lines.append(text[start:])
        return lines
    lines = []
    line = ""
    line_w = 0
    for word in text.split(" "):
        word_w = cell_len(word)
        if line and line_w + 1 + word_w <= width:
            line, line_w = f"{line} {word}", line_w + 1 + word_w
            continue
        if not line and word_w <= width:
            line, line_w = word, word_w
            continue
        if line:
            lines.append(line)
        if word_w > width:
            pieces = chop_cells(word, width)  # every piece at once
            lines.extend(pieces[:-1])
            word = pieces[-1] if pieces else ""
            word_w = cell_len(word)
        line, line_w = word, word_w
    lines.append(line)
    return lines


# Rows kept in memory at most: four pages. Beyond that the far end is dropped (older rows while
# following, newer ones while the user reads further up) and read again when scrolled to.
KEEP_ROWS = 2000
# Folded texts kept: only texts that fold onto several lines are cached (one line costs nothing).
FOLD_CACHE = 256


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

    class NeedNewest(Message):
        """End pressed while newer entries than the loaded ones were dropped: read the
        newest page again."""

    def __init__(self, *, id: str | None = None, limit: int | None = None) -> None:
        super().__init__(id=id)
        self.limit = max(limit or KEEP_ROWS, 2)
        self._rows: list[_Row] = []
        self._counts: list[int] = []
        self._offsets: list[int] = []
        self._layout_width = 0
        self.more_before = False
        self.loading_older = False
        # Newer entries were received but not kept (the user was reading further up and the
        # window was full): End reads the newest page again.
        self.more_after = False
        self.waiting = 0  # how many of those
        self._asked_newest = False
        self._newest_id = 0  # the newest id received, kept or not
        self.following = True
        self.empty_text = "No entries yet."
        self.today: date | None = None  # None: every entry is taken as today's
        self._time_w = TIME_W
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(512)
        self._components = sorted(self.COMPONENT_CLASSES)
        self._drawn_look: tuple[Style, ...] | None = None  # the styles cached lines used
        self._look_checked = False
        self._folds: LRUCache[tuple[int, int], list[str]] = LRUCache(FOLD_CACHE)
        self._corrections: dict[int, Entry] = {}  # entry id -> its latest correction loaded
        self._shows: Callable[[Entry], bool] | None = None  # which entries are rows
        self._end_owed = False  # drawn at its end, not yet scrolled there (render_line)

    # --- content ----------------------------------------------------------------------------

    @property
    def entry_count(self) -> int:
        return len(self._rows)

    @property
    def last_id(self) -> int:
        """The newest entry id received (the cursor for reading newer ones), even if it was
        not kept because the user is reading further up."""
        return max(self._newest_id, self._rows[-1].id if self._rows else 0)

    @property
    def newest_row_id(self) -> int:
        """The newest entry shown (0: none)."""
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

    def _learn_corrections(self, entries: list[Entry] | tuple[Entry, ...]) -> list[int]:
        """Remember the corrections among `entries`; the ids they correct."""
        corrected = []
        for entry in entries:
            target = entry_corrects(entry)
            if target is None:
                continue
            known = self._corrections.get(target)
            if known is None or entry.id > known.id:
                self._corrections[target] = entry
                corrected.append(target)
        return corrected

    def _make_row(self, entry: Entry) -> _Row:
        return _row(entry, self._corrections.get(entry.id))

    def _show_corrected(self, ids: list[int]) -> bool:
        """Rows loaded already whose entries were corrected now: shown corrected. True if
        any was (their lines are laid out again)."""
        changed = False
        loaded = [r.id for r in self._rows] if ids else []
        for target in ids:
            index = bisect_right(loaded, target) - 1
            if index >= 0 and loaded[index] == target:
                row = self._rows[index]
                correction = self._corrections[target]
                self._rows[index] = replace(row, text=corrected_text(row.lead, correction))
                changed = True
        if changed:
            self._folds.clear()
        return changed

    def _rows_of(self, entries: Iterable[Entry]) -> list[_Row]:
        return [self._make_row(e) for e in entries if self._shows is None or self._shows(e)]

    def reset(
        self,
        entries: list[Entry] | tuple[Entry, ...],
        *,
        more_before: bool,
        shows: Callable[[Entry], bool] | None = None,
        read_to: int = 0,
    ) -> None:
        """Show `entries` from now on. With `shows` (a filter), only those it accepts are
        rows, of these entries and of those added later: the others are read along for the
        corrections among them. `read_to`: the newest id the read saw (see append)."""
        self._shows = shows
        self._corrections.clear()
        self._learn_corrections(entries)
        rows = self._rows_of(entries)
        self._rows = rows[-self.limit :]
        self._newest_id = max(max((e.id for e in entries), default=0), read_to)
        self.more_before = more_before or len(rows) > self.limit
        self.more_after = False
        self._asked_newest = False
        self.waiting = 0
        self.loading_older = False
        self.following = True
        self._folds.clear()
        self._relayout(force=True)
        self._follow()
        self._update_subtitle()

    def _follow(self) -> None:
        # Again after the next layout: the first time, the size is not known yet.
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.call_after_refresh(self._follow_if_following)

    def _follow_if_following(self) -> None:
        if self.following:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def append(self, entries: list[Entry] | tuple[Entry, ...], *, read_to: int = 0) -> int:
        """Add entries newer than those shown; returns how many were new. `read_to`: the
        newest id in the file when they were read, so the next read starts after it: a
        filtered timeline read the entries its filter leaves out again and again, and once
        a page of them had piled up every refresh read the timeline anew and jumped to its
        end (review)."""
        newest = self.last_id
        new_entries = [e for e in entries if e.id > newest]
        self._newest_id = max(self._newest_id, read_to)
        if not new_entries:
            return 0
        corrected = self._learn_corrections(new_entries)
        fresh = self._rows_of(new_entries)
        # A row shown corrected may take more lines or fewer: all are laid out again.
        force = self._show_corrected(corrected)
        self._newest_id = max(self._newest_id, new_entries[-1].id)
        if not fresh:  # only corrections the filter hides
            if force:
                self._keep_following(self._relayout(force=True))
            return 0
        following = self.following
        # Once newer entries were left out, none may be added after them (a gap): they wait
        # for the newest page, whatever the scroll position.
        if self.more_after or (not following and len(self._rows) + len(fresh) > self.limit):
            # The user reads further up and the window is full: keep their view still and
            # count what waits; End reads the newest page.
            room = max(self.limit - len(self._rows), 0) if not self.more_after else 0
            kept, fresh = fresh[:room], fresh[room:]
            if kept or force:
                self._rows.extend(kept)
                self._relayout(force=force)
            self.more_after = True
            self.waiting += len(fresh)
            self._update_subtitle()
            return len(kept) + len(fresh)
        self._rows.extend(fresh)
        # While following, drop the oldest rows in batches (each drop renumbers the lines).
        if following and len(self._rows) > self.limit + self.limit // 4:
            self._drop_oldest(len(self._rows) - self.limit)
            settled = self._relayout(force=True)
        else:
            settled = self._relayout(force=force)
        self._keep_following(settled)
        self._update_subtitle()
        return len(fresh)

    def _keep_following(self, settled: bool) -> None:
        if self.following:
            if settled:
                # Laid out already: the size is known, so scroll now and only now.
                self.scroll_end(animate=False, immediate=True, x_axis=False)
            else:
                self._follow()

    def _drop_oldest(self, count: int) -> None:
        del self._rows[:count]
        self.more_before = True

    def prepend(self, entries: list[Entry], *, more_before: bool) -> None:
        first = self.first_id
        # A correction is newer than what it corrects, so a page's own ones correct entries
        # of this page or older; those a filter hides come with the page they correct and
        # may be newer than the rows loaded.
        self._learn_corrections(entries)
        older = self._rows_of(e for e in entries if first is None or e.id < first)
        self.loading_older = False
        self.more_before = more_before
        if not older:
            return
        self._rows[:0] = older
        if len(self._rows) > self.limit:
            # The user is at the top: the newest rows go, and End reads them again.
            dropped = len(self._rows) - self.limit
            del self._rows[self.limit :]
            self.more_after = True
            self.waiting += dropped
            self.following = False
        self._relayout(force=True)
        # Keep the line the user was reading where it was.
        added = sum(self._counts[: len(older)])
        self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)
        self._update_subtitle()

    # --- layout -----------------------------------------------------------------------------

    def _columns(self, width: int) -> tuple[int, int]:
        """(author width, kind width), 0 for a column left out: narrower columns on a narrow
        pane, and on a very narrow one (a tmux split) the author, then the kind, give their
        room to the text, which is what the entry is."""
        if width >= 90:
            return (12, 9)
        if width - (self._time_w + 1 + 9 + 9) >= MIN_TEXT_W:
            return (8, 8)
        if width - (self._time_w + 1 + 9) >= MIN_TEXT_W:
            return (0, 8)
        return (0, 0)

    def _prefix_width(self, width: int) -> int:
        author_w, kind_w = self._columns(width)
        return self._time_w + 1 + (author_w and author_w + 1) + (kind_w and kind_w + 1)

    def _text_width(self, width: int) -> int:
        return max(1, width - self._prefix_width(width))

    def _folded(self, row: _Row, text_w: int) -> list[str]:
        """The row's text folded to `text_w` cells: computed once per (entry, width)."""
        text = row.text
        if len(text) <= text_w and (text.isascii() or cell_len(text) <= text_w):
            return [text]
        key = (row.id, text_w)
        lines = self._folds.get(key)
        if lines is None:
            lines = self._folds[key] = _fold(text, text_w)
        return lines

    def _line_count(self, row: _Row, text_w: int, *, author: bool = True) -> int:
        # Two lines at least when the login is shown under the author.
        return max(len(self._folded(row, text_w)), 2 if row.login and author else 1)

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
        author = self._columns(width)[0] > 0
        old_total = self._offsets[-1] if self._offsets and appending else 0
        if not appending:
            self._counts = [self._line_count(r, text_w, author=author) for r in self._rows]
            self._offsets = [0, *accumulate(self._counts)]
            self._cache.clear()
        else:
            # Appended: the lines laid out already keep their numbers, so their cached
            # renders stay valid (only lines with content are cached, see render_line).
            total = self._offsets[-1]
            for row in self._rows[len(self._counts) :]:
                count = self._line_count(row, text_w, author=author)
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
        # Any new size, not only a new width: a taller or shorter pane (the review pane in
        # place of the countdown, a resized terminal) moves the end, and a following view
        # must move with it.
        width = self.scrollable_content_region.width
        if width and width != self._layout_width:
            self._relayout(force=True)
        if self.following:
            self._follow()
        self._update_subtitle()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Drawn lines depend on the widget's own style and its component styles, not on its
        # border: focus coming and going (n, then Enter) only recolours the border, and
        # drawing every visible line again for that cost most of a frame on each of those
        # keys. The component styles are brought up to date after this call, so they are
        # compared when the next line is drawn.
        self._look_checked = False

    def _check_look(self) -> None:
        self._look_checked = True
        look = (
            self.rich_style,
            *(self.get_component_rich_style(name, partial=True) for name in self._components),
        )
        if look != self._drawn_look:
            self._drawn_look = look
            self._cache.clear()

    # --- scrolling --------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Only a move upwards stops following; reaching the end (End, the wheel, dragging
        # the scrollbar down) starts it again. A layout never moves scroll_y up except to
        # clamp it to a new end, which counts as the end.
        if new_value >= self.max_scroll_y:
            self.following = True
            if self.more_after and not self._asked_newest:
                self._asked_newest = True  # the bottom of what is kept: read the newest
                self.post_message(self.NeedNewest())
        elif new_value < old_value:
            self.following = False
        self._update_subtitle()
        if new_value <= 0 and self.more_before and not self.loading_older and self._rows:
            self.loading_older = True
            self.post_message(self.NeedOlder(self._rows[0].id))

    def action_scroll_end(self) -> None:
        self.following = True
        if self.more_after:
            self._asked_newest = True
            self.post_message(self.NeedNewest())
        self.scroll_end(animate=False, immediate=True, x_axis=False)
        self._update_subtitle()

    def _scroll_owed_end(self) -> None:
        self._end_owed = False
        if self.following and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def _update_subtitle(self) -> None:
        if self.following and not self.more_after:
            subtitle = ""
        elif self.more_after:
            subtitle = f"scrolled up · {self.waiting:,} newer not shown (End: newest)"
        else:
            subtitle = "scrolled up (End to follow)"
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle  # setting it repaints, even to the same value

    # --- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        if self.following and scroll_y < self.max_scroll_y:
            # The scroll to the end lands after the next refresh (the first time, once the
            # size is known): draw the end already, instead of a frame of the oldest entries.
            scroll_y = self.max_scroll_y
            if not self._end_owed:
                # And make it land: a timeline reset under the filter picker drew its end
                # with scroll_y left at 0, so Up and PageUp found nothing above (drill).
                self._end_owed = True
                self.call_after_refresh(self._scroll_owed_end)
        width = self.scrollable_content_region.width
        line = scroll_y + y
        if not self._look_checked:
            self._check_look()
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
        chunks = self._folded(row, self._text_width(width))
        chunk = chunks[sub] if sub < len(chunks) else ""
        # A kind this version does not know (written by a newer one) is styled as a note.
        styled = row.kind if row.kind in KINDS or row.kind == UNREADABLE else "note"
        kind_style = base + self.get_component_rich_style(f"timeline--{styled}", partial=True)
        if sub == 0:
            segments = [
                Segment(
                    self.when(index) + " ", base + self.get_component_rich_style("timeline--time")
                )
            ]
            if author_w:
                author = screen_line(row.author, author_w)
                segments.append(
                    Segment(
                        author + " " * (author_w - cell_len(author) + 1),
                        base + self.get_component_rich_style("timeline--author"),
                    )
                )
            if kind_w:
                kind = short_kind(row.kind)[:kind_w]
                segments.append(Segment(kind.ljust(kind_w) + " ", kind_style + Style(bold=True)))
        elif sub == 1 and row.login and author_w:
            login = f"login {row.login}"
            if cell_len(login) > author_w:
                login = f"({row.login})"
            login = screen_line(login, author_w)
            segments = [
                Segment(" " * (self._time_w + 1), base),
                Segment(
                    login + " " * (author_w - cell_len(login) + 1),
                    base + self.get_component_rich_style("timeline--author"),
                ),
                Segment(" " * (kind_w and kind_w + 1), base),
            ]
        else:
            segments = [Segment(" " * self._prefix_width(width), base)]
        text_style = kind_style if styled != "note" else base
        segments.append(Segment(chunk, text_style))
        return Strip(segments).adjust_cell_length(width, base)
