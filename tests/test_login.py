"""The login recorded beside every entry comes from the process's uid, which nobody can fake
from the environment. $LOGNAME and $USER (what getpass.getuser() reads first) are claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warroom import room as room_module
from warroom.room import Actor, unix_login

FAKE = "mallory"


def system_login() -> str:
    """The uid's name as the system tells it, independent of warroom."""
    return subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def lying_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, FAKE)


def test_login_is_the_uid_name_whatever_the_environment_says(lying_env: None) -> None:
    assert system_login() != FAKE
    assert unix_login() == system_login()
    assert Actor.current("claimed name") == Actor("claimed name", system_login())


def test_uid_without_a_passwd_entry_is_its_number_not_the_environment(
    lying_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pwd

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert unix_login() == str(os.getuid())
    # With no --as and no WARROOM_USER, the display name falls back to the same.
    assert room_module.display_name(None) == str(os.getuid())


@pytest.mark.slow
def test_cli_records_the_uid_login_with_a_lying_environment(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    env = {**os.environ, "WARROOM_DB": str(db), "LOGNAME": FAKE, "USER": FAKE}
    env.pop("WARROOM_USER", None)

    def warroom(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "warroom", *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    warroom("declare", "Checkout down", "--severity", "SEV2")
    warroom("note", "--as", "maya", "claimed")
    warroom("note", "unclaimed")
    entries = [json.loads(line) for line in warroom("tail", "--json").splitlines()]
    assert {e["login"] for e in entries} == {system_login()}
    by_text = {e["text"]: e for e in entries}
    assert by_text["claimed"]["author"] == "maya"
    assert by_text["unclaimed"]["author"] == system_login()
