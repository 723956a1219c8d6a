"""The war room's colour language, derived from whichever theme is in use.

Two colours carry meaning and nothing else uses them:

- red (`$wr-now`, `$wr-now-bg` with `$wr-on-now` text): act now: an overdue customer update,
  NO OWNER, SEV1, a broken database file;
- amber (`$wr-soon`, `$wr-soon-bg` with `$wr-on-soon`): soon: the update due within 5 minutes.

Everything else is calm: `$wr-text` for text, `$wr-muted` for labels and times, `$wr-ok` for
what is done, `$wr-info` / `$wr-info2` for headings, kinds and names, `$wr-badge-bg` with
`$wr-on-badge` for a neutral badge (SEV2-4).

Every text colour is the theme's own colour moved towards white (dark themes) or black (light
ones) just far enough to reach a WCAG contrast of 4.5:1 on every background the war room
draws on (background, surface, panel), so each of Textual's themes stays readable. A calm
colour that would come out too close to red or amber is replaced by the plain text colour.
"""

from __future__ import annotations

from textual.color import Color, ColorParseError

TARGET = 4.6  # a little over WCAG AA's 4.5, for the rounding of blended colours
WHITE = Color(255, 255, 255)
BLACK = Color(0, 0, 0)


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """The WCAG 2 contrast ratio of two opaque colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: Color, backgrounds: list[Color], target: float = TARGET) -> Color:
    """`color`, moved towards white or black only as far as needed to read on every one of
    `backgrounds` at `target` contrast."""
    darkest = min(luminance(b) for b in backgrounds)
    end = WHITE if darkest < 0.18 else BLACK
    for step in range(21):
        mixed = color.blend(end, step / 20)
        if min(contrast(mixed, b) for b in backgrounds) >= target:
            return mixed
    return end


def badge(color: Color, target: float = TARGET) -> tuple[Color, Color]:
    """(background, text) for a badge of `color`: black or white text, whichever reads
    better, with the background darkened or lightened until it reads at `target`."""
    text = WHITE if contrast(WHITE, color) >= contrast(BLACK, color) else BLACK
    away = BLACK if text is WHITE else WHITE
    for step in range(21):
        background = color.blend(away, step / 20)
        if contrast(text, background) >= target:
            return background, text
    return away, text


def _distance(a: Color, b: Color) -> float:
    return float(((a.r - b.r) ** 2 + (a.g - b.g) ** 2 + (a.b - b.b) ** 2) ** 0.5)


def palette(variables: dict[str, str], *, ansi: bool = False) -> dict[str, str]:
    """The `$wr-*` variables for a theme's generated variables."""
    if ansi:  # the terminal's own palette decides; keep to its named colours
        return {
            "wr-text": "ansi_default",
            "wr-muted": "ansi_default",
            "wr-ok": "ansi_green",
            "wr-info": "ansi_cyan",
            "wr-info2": "ansi_blue",
            "wr-now": "ansi_red",
            "wr-now-bg": "ansi_red",
            "wr-on-now": "ansi_bright_white",
            "wr-soon": "ansi_yellow",
            "wr-soon-bg": "ansi_yellow",
            "wr-on-soon": "ansi_black",
            "wr-badge-bg": "ansi_default",
            "wr-on-badge": "ansi_default",
        }

    def get(name: str, default: str) -> Color:
        try:
            return Color.parse(variables.get(name, default))
        except ColorParseError:  # a theme value that is not one colour: use the default
            return Color.parse(default)

    background = get("background", "#121212")
    surface = get("surface", variables.get("background", "#121212"))
    panel = get("panel", variables.get("background", "#121212"))
    grounds = [background.blend(c, c.a) for c in (background, surface, panel)]
    foreground = get("foreground", "#e0e0e0")
    now = readable(get("error", "#ba3c5b"), grounds)
    soon = readable(get("warning", "#ffa62b"), grounds)
    now_bg, on_now = badge(get("error", "#ba3c5b"))
    soon_bg, on_soon = badge(get("warning", "#ffa62b"))
    text = readable(foreground, grounds, target=7.0)
    muted = readable(foreground.blend(background, 0.45), grounds)

    def calm(color: Color) -> Color:
        shown = readable(color, grounds)
        alarming = (now, soon, now_bg, soon_bg)
        return text if min(_distance(shown, c) for c in alarming) < 80 else shown

    badge_bg, on_badge = text, background
    if contrast(badge_bg, on_badge) < TARGET:
        on_badge = BLACK if luminance(badge_bg) > 0.18 else WHITE
    return {
        "wr-text": text.hex,
        "wr-muted": muted.hex,
        "wr-ok": calm(get("success", "#4EBF71")).hex,
        "wr-info": calm(get("primary", "#0178D4")).hex,
        "wr-info2": calm(get("secondary", "#004578")).hex,
        "wr-now": now.hex,
        "wr-now-bg": now_bg.hex,
        "wr-on-now": on_now.hex,
        "wr-soon": soon.hex,
        "wr-soon-bg": soon_bg.hex,
        "wr-on-soon": on_soon.hex,
        "wr-badge-bg": badge_bg.hex,
        "wr-on-badge": on_badge.hex,
    }
