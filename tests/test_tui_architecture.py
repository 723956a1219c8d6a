"""The shape of the TUI package, checked from its source: screens and widgets never import
the app module (not even for types), and messages carry data, never a callable."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import typing
from collections.abc import Callable
from pathlib import Path

import warroom.tui
from warroom.tui import messages

TUI = Path(warroom.tui.__file__).parent


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_screens_and_widgets_never_import_the_app() -> None:
    files = sorted((TUI / "screens").glob("*.py")) + sorted((TUI / "widgets").glob("*.py"))
    assert len(files) > 10  # the folders were found
    offenders = {
        str(f.relative_to(TUI)): sorted(i for i in _imports(f) if i.startswith("warroom.tui.app"))
        for f in files
    }
    assert {f: i for f, i in offenders.items() if i} == {}


def test_no_mixin_poses_as_the_app() -> None:
    assert not (TUI / "handlers.py").exists()
    for path in TUI.rglob("*.py"):
        assert "TYPE_CHECKING" not in path.read_text() or "WarroomApp" not in path.read_text(), path


def _mentions_callable(annotation: object) -> bool:
    if annotation is Callable or typing.get_origin(annotation) is Callable:
        return True
    return any(_mentions_callable(arg) for arg in typing.get_args(annotation))


def test_messages_carry_no_callables() -> None:
    classes = [
        c
        for _, c in inspect.getmembers(messages, inspect.isclass)
        if c.__module__ == messages.__name__ and dataclasses.is_dataclass(c)
    ]
    assert len(classes) >= 8
    for cls in classes:
        for field in dataclasses.fields(cls):
            # The module's own names resolve its string annotations (from __future__).
            hint = eval(field.type, vars(messages)) if isinstance(field.type, str) else field.type
            assert not _mentions_callable(hint), f"{cls.__name__}.{field.name}"


def test_every_screen_worker_is_named_and_keeps_the_app_running() -> None:
    """Workers are started in one place, with a name and exit_on_error=False; no screen or
    widget calls run_worker or @work itself."""
    base = TUI / "screens" / "base.py"
    starts = {}
    for path in list((TUI / "screens").glob("*.py")) + list((TUI / "widgets").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "attr", getattr(func, "id", ""))
                if name in ("run_worker", "work"):
                    keywords = {k.arg: k.value for k in node.keywords}
                    starts.setdefault(path.name, []).append(keywords)
    assert set(starts) <= {base.name, "main.py"}
    for calls in starts.values():
        for keywords in calls:
            assert "name" in keywords
            flag = keywords.get("exit_on_error")
            assert isinstance(flag, ast.Constant) and flag.value is False
