from __future__ import annotations

import sys
import time
import types
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from warroom.domain import Settings
from warroom.room import Actor, Room
from warroom.storage import Store, open_store

T0 = datetime(2026, 11, 26, 14, 0, 0, tzinfo=UTC)


class FakeClock:
    """An injectable clock that moves only when a test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, minutes: float = 0, seconds: float = 0) -> None:
        self.at += timedelta(minutes=minutes, seconds=seconds)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's own database, config or clipboard."""
    monkeypatch.setenv("WARROOM_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("WARROOM_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("WARROOM_CLIPBOARD_FILE", str(tmp_path / "clipboard.txt"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("WARROOM_USER", raising=False)
    monkeypatch.delenv("WARROOM_TEMPLATES", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    # Should anything reach pyperclip, it fails as pyperclip does with no copy helper,
    # instead of touching a real clipboard.
    fake = types.ModuleType("pyperclip")

    class PyperclipException(RuntimeError):
        pass

    def copy(text: str) -> None:
        raise PyperclipException("tests never use a real clipboard")

    fake.PyperclipException = PyperclipException  # type: ignore[attr-defined]
    fake.copy = copy  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyperclip", fake)
    yield
    monkeypatch.undo()  # TZ back first, so tzset() below reads the restored value
    time.tzset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "incidents.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def room(store: Store, clock: FakeClock) -> Room:
    return Room(store=store, actor=Actor("alice", "alice-login"), settings=Settings(), clock=clock)


def as_person(room: Room, name: str) -> Room:
    return Room(room.store, Actor(name, f"{name}-login"), room.settings, room.clock)


class Cli:
    """Runs `warroom` in-process against the test database with the fake clock."""

    def __init__(self, db_path: Path, clock: FakeClock) -> None:
        self.db_path = db_path
        self.clock = clock
        self.runner = CliRunner()

    def __call__(self, *args: str, author: str = "alice", input: str | None = None) -> Result:
        from warroom.cli import cli

        return self.runner.invoke(
            cli,
            ["--db", str(self.db_path), "--as", author, *args],
            obj={"clock": self.clock},
            input=input,
            catch_exceptions=False,
        )

    def ok(self, *args: str, author: str = "alice") -> Result:
        result = self(*args, author=author)
        assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run(db_path: Path, clock: FakeClock) -> Cli:
    return Cli(db_path, clock)
