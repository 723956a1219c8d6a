"""Put untrusted text into a Markdown (CommonMark + GFM tables) document without letting it
change the document's structure: a note can never start a heading, close a table cell, open a
link or raw HTML, or end a list early.

The exact words are kept: only ASCII punctuation gets a backslash where Markdown would read it
as syntax (CommonMark renders an escaped punctuation character as itself), control characters
become visible symbols (via safe_text.clean) and line structure is mapped onto Markdown's.
Escaping is kept to what matters so the raw draft stays pleasant to edit.
"""

from __future__ import annotations

import re

from warroom.safe_text import clean

# Punctuation that is syntax anywhere in a line: escapes, code spans, emphasis, links, raw
# HTML and autolinks, table cells, GFM strikethrough, heading closers. The backslash goes first
# so the escapes added after it are not escaped again.
_ALWAYS = "\\`*[]<|~#"
_SPECIAL = re.compile(r"[\\`*\[\]<|~#_&]")
# _ is emphasis only at a word boundary (snake_case stays readable); & only when it would
# start an entity such as &amp; or &#35;.
_SOMETIMES = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?[A-Za-z0-9]+;)")
# What is syntax only at the start of a line: block quotes, bullet lists, setext underlines,
# thematic breaks, ordered lists ("1." / "1)").
_LINE_START = re.compile(r"^(?:[>+=-]|\d{1,9}(?=[.)]))")


def _backslash(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _line_start(match: re.Match[str]) -> str:
    found = match.group()
    # For an ordered-list marker escape the delimiter after the digits: "1986\. A year".
    return found + "\\" if found[0].isdigit() else "\\" + found


def escape_line(line: str) -> str:
    """One line of already-cleaned text, made inert. Leading and trailing whitespace goes:
    leading spaces would make an indented code block, trailing ones a hard line break."""
    line = line.strip()
    # Most lines hold no syntax at all; str.replace beats a regex substitution when they do.
    if _SPECIAL.search(line):
        for char in _ALWAYS:
            if char in line:
                line = line.replace(char, "\\" + char)
        if "_" in line or "&" in line:
            line = _SOMETIMES.sub(_backslash, line)
    if line and (line[0] in ">+=-" or line[0].isdigit()):
        return _LINE_START.sub(_line_start, line, count=1)
    return line


def _lines(text: str) -> list[str]:
    return [
        escaped
        for line in clean(text, multiline=True).split("\n")
        if (escaped := escape_line(line))
    ]


def inline(text: str | None, *, indent: str = "  ") -> str:
    """Text for a paragraph or list item. Its lines are joined with hard line breaks, each
    continuation line indented by `indent` so it stays inside the list item; blank lines are
    dropped because they would end the paragraph."""
    if text is None:
        return ""
    return ("\\\n" + indent).join(_lines(text))


def single_line(text: str | None) -> str:
    """Text for a heading: one line, its lines joined with spaces."""
    if text is None:
        return ""
    return " ".join(_lines(text))


def cell(text: str | None, empty: str = "—") -> str:
    """Text for a table cell: `|` escaped, line breaks as <br>."""
    if text is None:
        return empty
    return "<br>".join(_lines(text)) or empty


def quote(text: str) -> str:
    """Text as a block quote, paragraphs kept: every line starts with `>`, so nothing in it
    can end the quote or the section around it."""
    out: list[str] = []
    for line in clean(text, multiline=True).split("\n"):
        escaped = escape_line(line)
        out.append(f"> {escaped}" if escaped else ">")
    while out and out[-1] == ">":
        out.pop()
    while out and out[0] == ">":
        out.pop(0)
    return "\n".join(out) or ">"
