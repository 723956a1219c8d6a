"""The floor for first paint: the smallest Textual app that puts a line on the screen."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Hello(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("Hello from Textual")


if __name__ == "__main__":
    Hello().run()
