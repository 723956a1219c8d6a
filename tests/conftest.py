from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
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
    # pytest-xdist exports COLUMNS=80 LINES=24 to its workers: a command in a test's own tmux
    # pane sizes itself from that pane, as it would for a person.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
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


# --- a private sshd (the replica's sftp test, the follower over SSH) ------------------------

SSHD_DEADLINE = 60.0  # a guard against hanging, never a speed requirement


@dataclass(frozen=True)
class Sshd:
    port: int
    keys: Path  # client, stranger (a key the server does not know), host: ed25519 key pairs
    host_key: str  # "ssh-ed25519 AAAA...", as known_hosts and sftp_host_key take it

    @property
    def client_key(self) -> Path:
        return self.keys / "client"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_sshd(sshd: str, keys: Path) -> tuple[subprocess.Popen[bytes], int]:
    """sshd listening on a free port. The port is free when chosen, but another test run on
    the machine may take it before sshd binds it: then sshd exits, and another port is tried."""
    for _ in range(5):
        port = _free_port()
        config = keys / "sshd_config"
        config.write_text(
            f"ListenAddress 127.0.0.1:{port}\n"
            f"HostKey {keys / 'host'}\n"
            f"AuthorizedKeysFile {keys / 'authorized_keys'}\n"
            f"PidFile {keys / 'sshd.pid'}\n"
            "UsePAM no\nStrictModes no\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            f"PermitRootLogin {'yes' if os.geteuid() == 0 else 'no'}\n"
            "Subsystem sftp internal-sftp\nLogLevel ERROR\n"
        )
        server = subprocess.Popen(
            [sshd, "-D", "-e", "-f", str(config), "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + SSHD_DEADLINE
        while True:
            if server.poll() is not None:
                err = server.stderr.read().decode() if server.stderr else ""
                if "Address already in use" in err or "Cannot bind" in err:
                    break  # the port was taken meanwhile: another one
                pytest.skip(f"sshd would not start here: {err.strip()[:200]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return server, port
            except OSError:
                if time.monotonic() > deadline:
                    server.kill()
                    server.wait()
                    pytest.fail("sshd never listened")
                time.sleep(0.05)
    pytest.fail("sshd found no free port in 5 tries")


@pytest.fixture
def private_sshd(tmp_path: Path) -> Iterator[Sshd]:
    """An sshd of the test's own on 127.0.0.1 (sftp too) that knows one client key; skipped
    where sshd or ssh-keygen is missing (Debian openssh-server, openssh-client)."""
    sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
    keygen = shutil.which("ssh-keygen")
    if not (sshd and keygen):
        pytest.skip("needs sshd and ssh-keygen (Debian openssh-server, openssh-client)")
    keys = tmp_path / "ssh"
    keys.mkdir(mode=0o700)
    for name in ("host", "client", "stranger"):
        subprocess.run(
            [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(keys / name)],
            check=True,
            capture_output=True,
        )
    (keys / "authorized_keys").write_text((keys / "client.pub").read_text())
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation folder
    server, port = _start_sshd(sshd, keys)
    try:
        host_key = " ".join((keys / "host.pub").read_text().split()[:2])
        yield Sshd(port, keys, host_key)
    finally:
        server.terminate()
        server.wait(timeout=SSHD_DEADLINE)
