"""Writes to paths a user named (export -o, backup, the copy file) on a shared host: nothing
followed, nothing but our own regular file replaced, the database's access, atomic."""

from __future__ import annotations

import base64
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom.clipboard import copy_text, osc52_sequence
from warroom.errors import WarroomError

DEADLINE = 60.0


def _declared(run: Cli) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")


# --- symlinks and device nodes ----------------------------------------------------------------


@pytest.mark.parametrize("command", [["export"], ["backup"]])
def test_a_symlink_is_refused_and_its_target_untouched(
    run: Cli, tmp_path: Path, command: list[str]
) -> None:
    _declared(run)
    victim = tmp_path / "someone-elses.conf"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    link = tmp_path / "out"
    link.symlink_to(victim)
    args = [*command, "-o", str(link)] if command == ["export"] else [*command, str(link)]
    result = run(*args, "--force")
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.stderr and "Traceback" not in result.stderr
    assert link.is_symlink() and os.readlink(link) == str(victim)
    assert victim.read_text() == "precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.parametrize("command", [["export"], ["backup"]])
def test_a_device_node_is_never_replaced(run: Cli, tmp_path: Path, command: list[str]) -> None:
    _declared(run)
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # like /dev/null
    args = [*command, "-o", str(node)] if command == ["export"] else [*command, str(node)]
    result = run(*args, "--force")
    assert result.exit_code == 1, result.output
    assert "is a device" in result.stderr
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_copy_file_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    link = tmp_path / "copy.txt"
    link.symlink_to(victim)
    with pytest.raises(WarroomError, match="symbolic link"):
        copy_text("update", file_path=link, use_system=False)
    assert victim.read_text() == "keep\n" and link.is_symlink()


def test_a_file_of_another_user_is_not_replaced(run: Cli, tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    _declared(run)
    theirs = tmp_path / "theirs.md"
    theirs.write_text("theirs\n")
    os.chown(theirs, 65534, 65534)
    result = run("export", "-o", str(theirs), "--force")
    assert result.exit_code == 1 and "belongs to" in result.stderr
    assert theirs.read_text() == "theirs\n" and theirs.stat().st_uid == 65534


# --- the database's own files ---------------------------------------------------------------


@pytest.mark.parametrize("side", ["-wal", "-shm", "-journal", ""])
def test_backup_and_export_refuse_the_database_files(run: Cli, db_path: Path, side: str) -> None:
    _declared(run)
    for n in range(20):
        run.ok("note", f"acknowledged {n}")
    # Keep a connection open so the -wal holds the notes, as a running war room would.
    keeper = sqlite3.connect(db_path)
    keeper.execute("PRAGMA journal_mode").fetchone()
    keeper.execute("SELECT count(*) FROM timeline").fetchone()
    try:
        target = f"{db_path}{side}"
        for args in (["backup", target, "--force"], ["export", "-o", target, "--force"]):
            result = run(*args)
            assert result.exit_code == 2, (args, result.output)
            assert "choose another file" in result.stderr
    finally:
        keeper.close()
    texts = [r[0] for r in sqlite3.connect(db_path).execute("SELECT text FROM timeline")]
    assert sum(t.startswith("acknowledged") for t in texts) == 20


# --- access -----------------------------------------------------------------------------------


def test_exports_of_a_private_database_are_private(run: Cli, tmp_path: Path) -> None:
    _declared(run)
    old = os.umask(0o022)  # the usual umask: a plain open() would give 0644
    try:
        out = tmp_path / "pm.md"
        run.ok("export", "-o", str(out))
        backup = tmp_path / "b.db"
        run.ok("backup", str(backup))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_exports_of_a_shared_database_are_the_groups(
    run: Cli, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _declared(run)
    gid = os.getgroups()[-1] if os.getgroups() else os.getegid()
    os.chown(db_path, -1, gid)
    db_path.chmod(0o660)
    out = tmp_path / "pm.csv"
    run.ok("export", "--format", "csv", "-o", str(out))
    st = out.stat()
    assert stat.S_IMODE(st.st_mode) == 0o660 and st.st_gid == gid
    copied = tmp_path / "copy.txt"
    monkeypatch.setenv("WARROOM_CLIPBOARD_FILE", str(copied))
    run.ok("update", "--copy")
    assert stat.S_IMODE(copied.stat().st_mode) == 0o660 and copied.stat().st_gid == gid


# --- control characters never leave in customer text ----------------------------------------


def test_copy_file_and_osc52_carry_no_control_characters(run: Cli, tmp_path: Path) -> None:
    hostile = "Checkout \x1b]0;pwned\x07down\x1b[2J \x07bell"
    run.ok("declare", hostile, "-s", "SEV2")
    copied = tmp_path / "clipboard.txt"  # conftest points WARROOM_CLIPBOARD_FILE here
    run.ok("update", "--copy")
    data = copied.read_text(encoding="utf-8")
    assert "Checkout" in data
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in data), repr(data)

    sent: list[str] = []
    copy_text(hostile, osc52=sent.append, use_system=False, file_path=tmp_path / "x.txt")
    # What the terminal would receive as the clipboard: no ESC or BEL inside the payload.
    payload = base64.b64decode(osc52_sequence(sent[0])[len("\x1b]52;c;") : -1]).decode()
    assert "\x1b" not in payload and "\x07" not in payload


# --- SIGTERM ----------------------------------------------------------------------------------

SLOW_EXPORT = """
import sys, time
import warroom.export as ex
real = ex.write_csv
def slow(conn, incident_id, out, **options):
    real(conn, incident_id, out, **options)
    out.flush()
    print("writing", flush=True)
    time.sleep(60)
ex.write_csv = slow
from warroom.cli import main
sys.argv = ["warroom", *sys.argv[1:]]
main()
"""


@pytest.mark.slow
def test_sigterm_during_an_export_leaves_nothing_and_the_retry_works(
    run: Cli, db_path: Path, tmp_path: Path
) -> None:
    _declared(run)
    out = tmp_path / "timeline.csv"
    env = {**os.environ, "WARROOM_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SLOW_EXPORT,
            "--db",
            str(db_path),
            "export",
            "-f",
            "csv",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "writing"  # mid-export, temp file written
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code != 0
    assert not out.exists()
    left = [p.name for p in tmp_path.iterdir() if "timeline.csv" in p.name]
    assert left == []  # neither the file nor its temporary file
    run.ok("export", "-f", "csv", "-o", str(out))
    assert out.read_text().startswith("id,ts,local_time")


# --- folders: make_folder (statuspage build, restore, a replica folder) ----------------------


@pytest.mark.parametrize(
    ("mode", "expected"), [(0o600, 0o700), (0o644, 0o755), (0o660, 0o770), (0o640, 0o750)]
)
def test_a_folder_is_made_with_the_access_of_its_files(
    tmp_path: Path, mode: int, expected: int
) -> None:
    from warroom.safe_files import Access, make_folder

    old = os.umask(0o077)  # the mode is set, not left to the umask
    try:
        made = make_folder(
            tmp_path / "a" / "b", Access(mode, os.getgid() if mode & 0o060 else None)
        )
    finally:
        os.umask(old)
    assert made == tmp_path / "a" / "b"
    st = os.lstat(made)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == expected
    # One already there is used as it is.
    os.chmod(made, 0o711)
    assert make_folder(made) == made and stat.S_IMODE(os.lstat(made).st_mode) == 0o711


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_where_a_folder_is_made_is_refused(tmp_path: Path, dangling: bool) -> None:
    from warroom.safe_files import make_folder

    target = tmp_path / "elsewhere"
    if not dangling:
        target.mkdir()
    link = tmp_path / "status"
    link.symlink_to(target)
    with pytest.raises(WarroomError, match="is a symbolic link; refusing to use it as a folder"):
        make_folder(link)
    assert os.path.islink(link) and (target.exists() != dangling)
    if not dangling:
        assert list(target.iterdir()) == []


def test_a_file_where_a_folder_is_made_is_refused(tmp_path: Path) -> None:
    from warroom.safe_files import make_folder

    (tmp_path / "status").write_text("a file")
    with pytest.raises(WarroomError, match="status is a file, not a folder"):
        make_folder(tmp_path / "status")


def test_statuspage_build_refuses_a_symlinked_folder(run: Cli, tmp_path: Path) -> None:
    _declared(run)
    target = tmp_path / "www"
    target.mkdir()
    (tmp_path / "status").symlink_to(target)
    result = run("statuspage", "build", str(tmp_path / "status"))
    assert result.exit_code == 1
    assert "is a symbolic link; refusing to use it as a folder" in result.stderr
    assert list(target.iterdir()) == []
    made = tmp_path / "new" / "status"
    run.ok("statuspage", "build", str(made))
    assert stat.S_IMODE(os.lstat(made).st_mode) == 0o755  # a web server (another user) reads it
    assert sorted(p.name for p in made.iterdir()) == ["feed.atom", "index.html", "status.json"]


def test_restore_refuses_a_symlinked_folder(run: Cli, tmp_path: Path) -> None:
    from tests.test_replica import litestream_or_skip

    litestream_or_skip()
    (tmp_path / "replica").mkdir()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "restored").symlink_to(target)
    result = run("restore", str(tmp_path / "replica"), str(tmp_path / "restored" / "x.db"))
    assert result.exit_code == 1
    assert "is a symbolic link; refusing to use it as a folder" in result.stderr
    assert list(target.iterdir()) == []
