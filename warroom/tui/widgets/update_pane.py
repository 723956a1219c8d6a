"""The customer update for the current status, rendered with the live facts, and the
updates published so far."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from warroom.safe_text import clean, person, screen_line, steady
from warroom.views import Update


def published_text(published: tuple[Update, ...] | list[Update]) -> Text:
    if not published:
        return Text("No update published yet.", style="italic")
    lines = [
        Text(
            f"{u.published_at.astimezone():%H:%M}  {steady(person(u.author, u.author_login, 12))}  "
            f"{u.template or '-'}  {screen_line(u.text.splitlines()[0] if u.text else '', 60)}"
        )
        for u in published
    ]
    return Text("\n").join(lines)


class UpdatePane(Static):
    COMPONENT_CLASSES = {"update--error", "update--published"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Customer update (u: edit, copy, publish)"
        self.template: str | None = None
        self.rendered: str | None = None
        self.error: str | None = None
        self.published: tuple[Update, ...] = ()
        self._shown = False

    def show(
        self,
        template: str | None,
        rendered: str | None,
        error: str | None,
        published: tuple[Update, ...],
    ) -> None:
        shown = (self.template, self.rendered, self.error, self.published)
        if self._shown and shown == (template, rendered, error, published):
            return  # a plain note: the same preview; skip the repaint and the layout
        self._shown = True
        self.template, self.rendered, self.error = template, rendered, error
        self.published = published
        self.border_subtitle = f"template: {template}" if template else ""
        self.refresh(layout=True)

    def render(self) -> Text:
        if self.error:
            body = Text(clean(self.error), self.get_component_rich_style("update--error"))
        elif self.rendered is None:  # the first read does not render it (first paint)
            body = Text("Rendering the update…", self.get_component_rich_style("update--published"))
        else:
            body = Text(clean(steady(self.rendered or ""), multiline=True).strip())
        count = len(self.published)
        if count:
            last = self.published[-1]
            body.append(
                f"\n\n{count} published; last at {last.published_at.astimezone():%H:%M}"
                f" by {steady(person(last.author, last.author_login, 16))}",
                self.get_component_rich_style("update--published"),
            )
        return body
