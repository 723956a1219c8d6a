"""`warroom init --shared PATH --group GROUP`: one file for a team of Unix users.

The team test creates a group and three users (two members, one outsider) and runs warroom as
each of them; it needs root and the shadow tools, and skips with the reason otherwise.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Cli

WARROOM = [sys.executable, "-m", "warroom"]
DEADLINE = 30.0


def test_shared_needs_both_options(run: Cli, tmp_path: Path) -> None:
    result = run("init", "--shared", str(tmp_path / "t" / "x.db"))
    assert result.exit_code == 2 and "go together" in result.stderr
    assert not (tmp_path / "t").exists()


def test_unknown_group_is_a_clear_error(run: Cli, tmp_path: Path) -> None:
    result = run("init", "--shared", str(tmp_path / "t" / "x.db"), "--group", "no-such-group-wr")
    assert result.exit_code == 2
    assert "unknown group 'no-such-group-wr'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "t").exists()


def test_existing_folder_not_set_up_is_refused_untouched(run: Cli, tmp_path: Path) -> None:
    group = grp.getgrgid(os.getegid()).gr_name
    folder = tmp_path / "plain"
    folder.mkdir()
    folder.chmod(0o750)
    before = stat.S_IMODE(folder.stat().st_mode)
    result = run("init", "--shared", str(folder / "x.db"), "--group", group)
    if before & 0o2070 == 0o2070 and folder.stat().st_gid == os.getegid():
        pytest.skip("the umask left the folder group-writable and setgid")
    assert result.exit_code == 1
    assert "not set up for group" in result.stderr and "chmod 2770" in result.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == before
    assert not (folder / "x.db").exists()


def test_shared_set_up_by_one_user(run: Cli, tmp_path: Path) -> None:
    """What a single user can check: the modes and group of everything created."""
    group = grp.getgrgid(os.getegid())
    path = tmp_path / "team" / "incidents.db"
    result = run.ok("init", "--shared", str(path), "--group", group.gr_name)
    assert f"export WARROOM_DB={path}" in result.stdout
    folder = path.parent.stat()
    assert stat.S_IMODE(folder.st_mode) == 0o2770 and folder.st_gid == group.gr_gid
    assert stat.S_IMODE(path.stat().st_mode) == 0o660 and path.stat().st_gid == group.gr_gid
    # -wal and -shm were checked while open; the report lists them.
    assert "-rw-rw----" in result.stdout and f"{path}-wal" in result.stdout
    again = run.ok("init", "--shared", str(path), "--group", group.gr_name)  # idempotent
    assert "already set up" in again.stdout
    run.ok("--db", str(path), "declare", "Works", "-s", "SEV3")


def test_plain_init_creates_a_private_database(run: Cli, db_path: Path) -> None:
    result = run.ok("init")
    assert str(db_path) in result.stdout
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


# --- a real team of Unix users ------------------------------------------------------------------


@dataclass
class Team:
    group: str
    gid: int
    owner: str
    mate: str
    outsider: str
    base: Path

    def argv(self, user: str, *args: str) -> list[str]:
        """Run warroom as `user`, with that user's groups, the environment kept."""
        pw = pwd.getpwnam(user)
        return [
            "setpriv",
            f"--reuid={pw.pw_uid}",
            f"--regid={pw.pw_gid}",
            "--init-groups",
            "--",
            *WARROOM,
            *args,
        ]

    def run(self, user: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(user, *args),
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.base,
            timeout=60,
        )

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WARROOM_CONFIG": str(self.base / "none.toml"),
            "WARROOM_DB": str(self.base / "team" / "incidents.db"),
            "HOME": str(self.base),
        }


def _tool_missing() -> str | None:
    for tool in ("groupadd", "useradd", "userdel", "groupdel", "setpriv"):
        if shutil.which(tool) is None:
            return f"needs {tool} (Debian passwd / util-linux)"
    return None


@pytest.fixture(scope="module")
def team() -> Iterator[Team]:
    if os.geteuid() != 0:
        pytest.skip("creating Unix users and a group needs root")
    missing = _tool_missing()
    if missing:
        pytest.skip(missing)
    tag = f"wr{os.getpid() % 100000}"
    group, owner, mate, outsider = f"{tag}team", f"{tag}own", f"{tag}mate", f"{tag}out"
    made_users: list[str] = []
    made_group = False
    base = Path(tempfile.mkdtemp(prefix="warroom-shared-", dir="/tmp"))
    try:
        base.chmod(0o1777)  # like /tmp: anyone may make a folder; the team folder is the guard
        subprocess.run(["groupadd", group], check=True, capture_output=True)
        made_group = True
        for user, groups in ((owner, [group]), (mate, [group]), (outsider, [])):
            extra = ["-G", ",".join(groups)] if groups else []
            subprocess.run(
                ["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", *extra, user],
                check=True,
                capture_output=True,
            )
            made_users.append(user)
        t = Team(group, grp.getgrnam(group).gr_gid, owner, mate, outsider, base)
        probe = subprocess.run(
            t.argv(outsider, "--version"), capture_output=True, text=True, env=t.env(), cwd=base
        )
        if probe.returncode != 0:
            pytest.skip(f"other users cannot run this checkout's warroom: {probe.stderr[-200:]}")
        yield t
    finally:
        for user in made_users:
            subprocess.run(["userdel", user], capture_output=True)
        if made_group:
            subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _mode_and_group(path: Path) -> tuple[int, int]:
    st = path.stat()
    return stat.S_IMODE(st.st_mode), st.st_gid


def test_team_members_share_the_file_and_outsiders_are_told(team: Team) -> None:
    path = team.base / "team" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    assert _mode_and_group(path.parent) == (0o2770, team.gid)
    assert _mode_and_group(path) == (0o660, team.gid)
    assert path.stat().st_uid == pwd.getpwnam(team.owner).pw_uid

    declared = team.run(team.owner, "declare", "Checkout down", "-s", "SEV2")
    assert declared.returncode == 0, declared.stderr
    noted = team.run(team.mate, "note", "mate was here")
    assert noted.returncode == 0, noted.stderr

    # The mate follows live; while its connection is open -wal and -shm exist, created by
    # whoever came first, and must be the group's with the file's mode.
    follower = subprocess.Popen(
        team.argv(team.mate, "tail", "-f", "--json", "-n", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=team.env(),
        cwd=team.base,
    )
    try:
        assert follower.stdout is not None
        header = json.loads(follower.stdout.readline())
        assert header["type"] == "header" and header["incident"] == "INC-1"
        for side in ("-wal", "-shm"):
            side_file = Path(f"{path}{side}")
            assert side_file.exists(), side
            assert _mode_and_group(side_file) == (0o660, team.gid), side
        by_owner = team.run(team.owner, "note", "owner writes into the mate's wal")
        assert by_owner.returncode == 0, by_owner.stderr
        entry = json.loads(follower.stdout.readline())
        assert entry["text"] == "owner writes into the mate's wal"
        assert entry["login"] == team.owner
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(timeout=DEADLINE)
    assert code == 0

    logins = [
        json.loads(line)["login"]
        for line in team.run(team.owner, "tail", "--json").stdout.splitlines()
    ]
    assert team.owner in logins and team.mate in logins

    for args in (("note", "let me in"), ("tail",), ("show",), ("watch",)):
        denied = team.run(team.outsider, *args)
        assert denied.returncode == 1, args
        assert "Traceback" not in denied.stderr
        assert len(denied.stderr.strip().splitlines()) == 1, denied.stderr
        assert f"permission denied: {path} is shared with group {team.group}" in denied.stderr
        assert "ask to be added" in denied.stderr
    count = team.run(team.owner, "tail", "--json", "-n", "1000").stdout.count("let me in")
    assert count == 0

    not_member = team.run(
        team.outsider, "init", "--shared", str(team.base / "own" / "x.db"), "--group", team.group
    )
    assert not_member.returncode == 1
    assert f"you are not a member of group {team.group}" in not_member.stderr
    assert not (team.base / "own").exists()


def test_new_side_files_inherit_the_group_whoever_creates_them(team: Team) -> None:
    """No connection open: the first opener (the mate, whose own group is not the team's)
    creates -wal and -shm; the setgid folder gives them the team's group."""
    path = team.base / "second" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    for side in ("-wal", "-shm"):
        assert not Path(f"{path}{side}").exists()  # closed cleanly: SQLite removed them
    assert pwd.getpwnam(team.mate).pw_gid != team.gid
    follower = subprocess.Popen(
        team.argv(team.mate, "--db", str(path), "tail", "-f", "--all", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=team.env(),
        cwd=team.base,
    )
    try:
        deadline = time.monotonic() + DEADLINE
        while not Path(f"{path}-shm").exists() and follower.poll() is None:
            assert time.monotonic() < deadline, "the follower never opened the file"
            time.sleep(0.02)
        assert follower.poll() is None, follower.stderr.read() if follower.stderr else ""
        for side in ("-wal", "-shm"):
            side_file = Path(f"{path}{side}")
            # Both exist while the mate's follower holds the WAL database open.
            assert side_file.exists(), side
            assert _mode_and_group(side_file) == (0o660, team.gid), side
            assert side_file.stat().st_uid == pwd.getpwnam(team.mate).pw_uid
        declared = team.run(team.owner, "--db", str(path), "declare", "Later", "-s", "SEV3")
        assert declared.returncode == 0, declared.stderr
    finally:
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=DEADLINE) == 0


# --- a member or an outsider attacking the shared set-up --------------------------------------


def _as(team: Team, user: str, script: str) -> subprocess.CompletedProcess[str]:
    pw = pwd.getpwnam(user)
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={pw.pw_uid}",
            f"--regid={pw.pw_gid}",
            "--init-groups",
            "--",
            "sh",
            "-c",
            script,
        ],
        capture_output=True,
        text=True,
        cwd=team.base,
        timeout=60,
    )


def test_root_rerunning_init_never_shares_a_symlinks_target(team: Team) -> None:
    """A member swaps the shared file for a symlink to another team's private database; root
    re-runs `init --shared` (the README calls that safe): refused, the target untouched."""
    path = team.base / "swap" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    private = team.base / "other-team.db"
    private.write_text("another team's secrets\n")
    private.chmod(0o600)
    swapped = _as(team, team.mate, f"mv {path} {path.parent}/.real.db && ln -s {private} {path}")
    assert swapped.returncode == 0, swapped.stderr
    again = subprocess.run(
        [*WARROOM, "init", "--shared", str(path), "--group", team.group],
        capture_output=True,
        text=True,
        env=team.env(),
        timeout=60,
    )
    assert again.returncode == 1, again.stdout
    assert "symbolic link" in again.stderr and "Traceback" not in again.stderr
    st = private.stat()
    assert (stat.S_IMODE(st.st_mode), st.st_gid, st.st_uid) == (0o600, 0, 0)


def test_root_rerunning_init_never_shares_a_planted_wal_link(team: Team) -> None:
    path = team.base / "walswap" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    private = team.base / "private.conf"
    private.write_text("root only\n")
    private.chmod(0o600)
    planted = _as(team, team.mate, f"ln -s {private} {path}-wal")
    assert planted.returncode == 0, planted.stderr
    again = subprocess.run(
        [*WARROOM, "init", "--shared", str(path), "--group", team.group],
        capture_output=True,
        text=True,
        env=team.env(),
        timeout=60,
    )
    assert again.returncode == 1 and "symbolic link" in again.stderr, again.stderr
    assert (stat.S_IMODE(private.stat().st_mode), private.stat().st_gid) == (0o600, 0)
    assert private.read_text() == "root only\n"


@pytest.mark.parametrize("mode", [0o2777, 0o2775, 0o2771])
def test_a_folder_others_can_write_or_list_is_refused_with_its_real_mode(
    team: Team, mode: int
) -> None:
    folder = team.base / f"open{mode:o}"
    folder.mkdir()
    os.chown(folder, -1, team.gid)
    folder.chmod(mode)
    result = team.run(team.owner, "init", "--shared", str(folder / "x.db"), "--group", team.group)
    assert result.returncode == 1, result.stdout
    assert f"mode {mode:04o}" in result.stderr and "open to others" in result.stderr
    assert not (folder / "x.db").exists()
    assert stat.S_IMODE(folder.stat().st_mode) == mode


def test_init_prints_the_folders_real_mode(team: Team) -> None:
    folder = team.base / "sticky"
    folder.mkdir()
    os.chown(folder, -1, team.gid)
    folder.chmod(0o3770)  # acceptable (sticky as well), and not the 2770 once printed as fixed text
    path = folder / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    assert f"mode 3770, group {team.group}" in made.stdout


def test_a_member_posing_as_another_is_shown_with_their_login(team: Team) -> None:
    path = team.base / "spoof" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    db = ("--db", str(path))
    assert team.run(team.owner, *db, "declare", "Checkout down", "-s", "SEV2").returncode == 0
    posed = team.run(team.mate, *db, "--as", team.owner, "assign", "owner", team.mate)
    assert posed.returncode == 0, posed.stderr
    team.run(team.mate, *db, "--as", team.owner, "check", "1")
    shown = team.run(team.owner, *db, "show").stdout
    assert f"(assigned by {team.owner} (login {team.mate}))" in shown
    assert f"({team.owner} (login {team.mate}) " in shown  # the tick
    draft = team.run(team.owner, *db, "export").stdout
    assert f"{team.owner} (login {team.mate})" in draft


def test_root_rerunning_init_never_shares_a_hard_linked_side_file(team: Team) -> None:
    path = team.base / "hardlink" / "incidents.db"
    made = team.run(team.owner, "init", "--shared", str(path), "--group", team.group)
    assert made.returncode == 0, made.stderr
    private = path.parent / "mates-private"
    linked = _as(
        team, team.mate, f"umask 077 && echo secret > {private} && ln {private} {path}-shm"
    )
    assert linked.returncode == 0, linked.stderr
    before = private.stat()
    again = subprocess.run(
        [*WARROOM, "init", "--shared", str(path), "--group", team.group],
        capture_output=True,
        text=True,
        env=team.env(),
        timeout=60,
    )
    assert again.returncode == 1 and "hard links" in again.stderr, again.stderr
    after = private.stat()
    assert (after.st_mode, after.st_gid) == (before.st_mode, before.st_gid)
