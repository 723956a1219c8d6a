"""The one sanitiser for anything shown on a terminal.

Everything people type (notes, names, titles) is untrusted. The store keeps the exact text;
every path that puts text on a screen - Textual widgets, ``warroom tail``, ``--json`` output -
goes through this module first.

Decisions (what the user sees):

* A complete escape sequence (CSI, OSC incl. OSC 52 clipboard and OSC 0/2 title, DCS, SOS, PM,
  APC, two-character ``ESC x`` sequences, and their 8-bit C1 forms) is dropped whole and
  replaced by ONE marker ``␛`` (U+241B). None of its parameters or payload is shown: an OSC 52
  payload is a clipboard write, not something a reader needs, and pasted coloured log lines
  read as ``␛ERROR␛`` rather than as a wall of ``[31m``.
* An escape that is cut off (e.g. ``ESC ]`` with no terminator, or ``ESC [ 12`` at the end)
  loses only its introducer, shown as ``␛``; the rest stays visible as ordinary text, because
  we cannot tell a broken sequence from text and hiding the remainder of a note would be worse.
* Any other C0 control becomes its Unicode control picture (``\\x00`` -> ``␀``, lone ``\\r``
  -> ``␍``, backspace -> ``␈``), DEL becomes ``␡``.  ``\\t`` becomes four spaces.
  ``\\r\\n`` counts as a newline.  A newline is kept only with ``multiline=True``; otherwise it
  is shown as ``⏎``.
* C1 controls (U+0080-U+009F), bidi controls (Trojan-source), U+2028/U+2029 and lone
  surrogates are shown as ``<U+XXXX>``.  Lone surrogates matter: with the surrogateescape error
  handler (C/POSIX locale) U+DC9B is written to the terminal as the raw byte 0x9B, an 8-bit CSI.

The guarantee: the output of :func:`clean` contains no character in U+0000-U+001F (except
``\\n`` when ``multiline=True``), U+007F-U+009F or U+D800-U+DFFF, so no byte sequence the
terminal could read as the start of an escape can get through, whatever the input.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False  # not typing's: importing typing costs ~3 ms on `warroom run`'s path
if TYPE_CHECKING:
    from rich.text import Text

ESC_MARKER = "\u241b"  # ␛ SYMBOL FOR ESCAPE
NEWLINE_MARKER = "\u23ce"  # ⏎ RETURN SYMBOL
ELLIPSIS = "\u2026"
TAB = "    "

# Characters that reorder how a line is displayed (Trojan source, CVE-2021-42574).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Everything that must never reach a terminal as itself.
_UNSAFE_CHAR = f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]"
# A string-sequence body: printable text only, so a stray introducer cannot swallow the lines
# after it; a body interrupted by a control counts as unterminated.
_BODY = r"[^\x00-\x1f\x7f-\x9f]*"

_TOKEN = re.compile(
    "|".join(
        [
            # CSI: parameter bytes, intermediate bytes, one final byte.
            r"(?P<seq>(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]",
            # OSC: ended by BEL or ST (ESC \ or 8-bit 0x9c).
            rf"(?:\x1b\]|\x9d){_BODY}(?:\x07|\x1b\\|\x9c)",
            # DCS, SOS, PM, APC: ended by ST only.
            rf"(?:\x1b[PX^_]|[\x90\x98\x9e\x9f]){_BODY}(?:\x1b\\|\x9c)",
            # Other ESC sequences: intermediates then a final byte (ESC c, ESC ( B, ESC 7, ...).
            # This also catches the introducer of an unterminated CSI/OSC/DCS.
            r"\x1b[\x20-\x2f]*[\x30-\x7e])",
            r"(?P<crlf>\r\n)",
            rf"(?P<char>{_UNSAFE_CHAR})",
        ]
    )
)

# Every token above starts with one of these, so text without them is already clean.
_ANY_UNSAFE = re.compile(_UNSAFE_CHAR)

# What json.dumps(ensure_ascii=False) leaves raw but a terminal must not receive.
_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029\ud800-\udfff]")


def _char_marker(char: str, multiline: bool) -> str:
    code = ord(char)
    if char == "\n":
        return "\n" if multiline else NEWLINE_MARKER
    if char == "\t":
        return TAB
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␀ ␁ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def clean(text: str, *, multiline: bool = False) -> str:
    """Return ``text`` made safe to write to a terminal (see the module docstring for rules)."""
    if _ANY_UNSAFE.search(text) is None:  # the common case, cheaply (exports of 100k entries)
        return text

    def replace(match: re.Match[str]) -> str:
        if match.group("seq") is not None:
            return ESC_MARKER
        if match.group("crlf") is not None:
            return "\n" if multiline else NEWLINE_MARKER
        return _char_marker(match.group("char"), multiline)

    return _TOKEN.sub(replace, text)


def one_line(text: str, limit: int | None = None) -> str:
    """clean() with newlines shown as ``⏎``, cut to ``limit`` terminal cells with ``…``.

    ``limit`` counts cells, not characters, so CJK and emoji (two cells each) fit a column.
    """
    line = clean(text, multiline=False)
    if limit is None:
        return line
    if limit < 1:
        raise ValueError("limit must be at least 1")
    from rich.cells import cell_len  # rich ships with textual; keep import cost off the CLI

    if cell_len(line) <= limit:
        return line
    room = limit - 1  # one cell for the ellipsis
    kept: list[str] = []
    for char in line:
        room -= cell_len(char)
        if room < 0:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def as_text(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A rich Text of the cleaned text (``multiline`` as for :func:`clean`).

    Text objects are never parsed for markup, so ``[bold]`` or ``[@click=app.quit]`` typed by
    someone is shown literally instead of styling or running an action.
    """
    from rich.text import Text

    return Text(clean(text, multiline=multiline), style=style)


def _escape_json_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_dumps(obj: object) -> str:
    """One line of JSON, readable Unicode, but no raw control character for a terminal.

    json.dumps already escapes C0 controls; DEL, C1, U+2028/9, bidi controls and lone
    surrogates are escaped here as ``\\uXXXX``. Those characters can only occur inside JSON
    strings, where ``\\uXXXX`` means the same thing, so json.loads gives back exactly ``obj``.
    (One exception, shared with stdlib json: a lone high surrogate directly followed by a lone
    low one reads back as the astral character they pair into. UTF-8 or surrogateescape input
    never produces that.)
    """
    raw = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    return _JSON_UNSAFE.sub(_escape_json_char, raw)


# Characters whose width terminals disagree on, which would shift every border after them:
# a zero-width joiner glues emoji into one 2-cell glyph in some terminals and not in others
# (2 or 4 cells), VS16 makes a 1-cell symbol 2 cells wide only in some (tmux 3.3: 1; rich: 2),
# and a skin-tone modifier is merged by some (rich: 2) and drawn apart by others (tmux: 4).
# Flags are pairs of regional indicators, drawn as one glyph or as two letters.
_UNSTEADY = re.compile("[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]")


def steady(text: str) -> str:
    """``text`` with what terminals draw at different widths taken apart, so that the width
    rich measures (``cell_len``) is the width every terminal draws: joiners, variation
    selectors and skin-tone modifiers are dropped (each emoji of a sequence shows on its own)
    and a flag's regional indicators become its two letters (🇫🇷 -> FR). For screens with
    borders and columns (the war room); the database and the CLI keep the exact text."""
    if text.isascii():
        return text
    text = _UNSTEADY.sub("", text)
    return _REGIONAL.sub(lambda m: chr(ord(m.group()) - 0x1F1E6 + ord("A")), text)


def screen_line(text: str, limit: int | None = None) -> str:
    """one_line() for a bordered screen: cleaned, steady widths, cut to ``limit`` cells."""
    return one_line(steady(text), limit)


def screen_text(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """as_text() for a bordered screen: cleaned, steady widths, never parsed as markup."""
    return as_text(steady(text), style, multiline=multiline)


def customer_text(text: str) -> str:
    """Text that leaves warroom for customers (copy file, clipboards, OSC 52, status pages):
    line breaks (LF or CRLF) and tabs kept, every other control character and escape
    sequence shown as a symbol, as on a terminal."""
    if _ANY_UNSAFE.search(text) is None:
        return text
    return "\r\n".join(
        "\t".join(clean(piece, multiline=True) for piece in line.split("\t"))
        for line in text.split("\r\n")
    )


def person(name: str, login: str | None, limit: int | None = None, *, terminal: bool = True) -> str:
    """Who did something, as every face shows it: the display name, plus ``(login x)`` where
    the Unix login differs (``--as`` is a claim; the login is who ran the command). For a
    terminal each part is sanitised and cut to ``limit`` cells; ``terminal=False`` gives the
    exact text for documents that escape it themselves (the Markdown postmortem)."""
    shown = one_line(name, limit) if terminal else name
    if login and login != name:
        return f"{shown} (login {one_line(login, limit) if terminal else login})"
    return shown
