"""WCAG contrast of what a Textual screen draws, computed from the rendered segments' styles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.color import Color
from rich.color_triplet import ColorTriplet
from textual.app import App

# Drawn lines, not text: borders, scrollbars, block elements, and the radio/check glyphs.
NOT_TEXT = {chr(c) for c in range(0x2500, 0x25A0)} | set(" ▔▁▂▃▄▅▆▇█▊▌▍▎▏▐▕")


def _luminance(rgb: ColorTriplet) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: ColorTriplet, bg: ColorTriplet) -> float:
    """The WCAG 2 contrast ratio, 1 to 21."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _triplet(color: Color | None, default: ColorTriplet) -> ColorTriplet:
    if color is None or color.is_default:
        return default
    return color.get_truecolor()


@dataclass(frozen=True)
class Cell:
    row: int
    text: str
    fg: ColorTriplet
    bg: ColorTriplet

    @property
    def ratio(self) -> float:
        return contrast(self.fg, self.bg)


def drawn_text(app: App, default_fg: ColorTriplet, default_bg: ColorTriplet) -> Iterator[Cell]:
    """Every run of text on the screen with the colours it is drawn in."""
    for row, strip in enumerate(app.screen._compositor.render_strips()):
        for segment in strip:
            text, style, control = segment
            if control or style is None:
                continue
            shown = "".join(ch for ch in text if ch not in NOT_TEXT)
            if not shown.strip():
                continue
            fg = _triplet(style.color, default_fg)
            bg = _triplet(style.bgcolor, default_bg)
            if style.reverse:
                fg, bg = bg, fg
            if style.dim:  # a terminal draws dim text at about half intensity
                fg = ColorTriplet(*((f + b) // 2 for f, b in zip(fg, bg, strict=True)))
            yield Cell(row, shown, fg, bg)
