"""What the timeline shows of an entry: one line, sanitised, and short. A long note or a
command's output is folded to its first lines and "… N more lines" (the whole text opens with
`e`), so a 5,000-line paste costs the timeline no more than a short note."""

from __future__ import annotations

from warroom.domain import (
    corrected_prefix,
    corrects_prefix,
    fold_lines,
    line_count,
    more_lines,
)
from warroom.safe_text import NEWLINE_MARKER, screen_line
from warroom.views import Entry, entry_corrects, entry_happened_at

MAX_CHARS = 600  # of one line, before "… N more characters"


def _shown(text: str) -> str:
    """A text on one timeline row: a long or multi-line one folded."""
    return _short(text) if "\n" in text or len(text) > MAX_CHARS else screen_line(text)


def _short(text: str) -> str:
    lines, more = fold_lines(text)
    head = f" {NEWLINE_MARKER} ".join(screen_line(line[:MAX_CHARS]) for line in lines)
    cut = sum(max(0, len(line) - MAX_CHARS) for line in lines)
    if cut:
        head += f" \u2026 ({cut:,} more characters)"
    if more:
        head += f"  {more_lines(more)} (e: open whole)"
    return head


def lead_text(entry: Entry) -> str:
    """What a row starts with, whatever text it shows: when it happened, if given apart from
    when it was logged, and what it corrects, if it is a correction."""
    prefix = ""
    if entry.data is not None:
        at = entry_happened_at(entry)
        if at is not None:
            prefix = f"(happened {at.astimezone():%H:%M:%S}) "
        target = entry_corrects(entry)
        if target is not None:
            prefix += corrects_prefix(target)
    return prefix


def timeline_text(entry: Entry) -> str:
    text = _shown(entry.text)
    if entry.kind == "command" and isinstance(entry.data, dict):
        output = entry.data.get("output")
        if isinstance(output, str) and output.strip():
            count = line_count(output)
            text += f"  (output: {count:,} line{'s' if count != 1 else ''}; e: open)"
    return lead_text(entry) + text


def corrected_text(lead: str, correction: Entry) -> str:
    """An entry corrected since, as the timeline shows it: its own lead (`lead_text`), then
    its latest correction's text, marked (the original opens whole with e), as `tail`
    shows it. A correction that says when it happened (`correct --at`) corrects that too."""
    at = entry_happened_at(correction)
    if at is not None:
        lead = f"(happened {at.astimezone():%H:%M:%S}) "
    return lead + corrected_prefix(correction.id) + _shown(correction.text)


def full_text(entry: Entry) -> str:
    """Everything an entry holds, for the viewer: text, then command output or brief."""
    text = entry.text
    if isinstance(entry.data, dict):
        for key in ("output", "brief"):
            extra = entry.data.get(key)
            if isinstance(extra, str) and extra:
                text += f"\n\n--- {key} ---\n{extra}"
    return text
