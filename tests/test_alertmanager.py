"""A real sender: Debian's prometheus-alertmanager, configured with a webhook receiver that
points at `warroom alerts listen`. Alerts are posted to Alertmanager's own API v2; warroom
must see them arrive, deduplicate and resolve, and the resolving must reach the timeline of
the incident the alert is attached to."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.test_receiver import start_listen

ALERTMANAGER = shutil.which("prometheus-alertmanager") or (
    "/usr/bin/prometheus-alertmanager"
    if os.access("/usr/bin/prometheus-alertmanager", os.X_OK)
    else None
)
TOKEN = "am-test-token-0123456789"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        ALERTMANAGER is None,
        reason="prometheus-alertmanager is not installed (Debian: apt install"
        " prometheus-alertmanager; .ci/run installs it)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `check` until it returns something truthy: Alertmanager notifies on its own
    schedule (group_wait, group_interval), so there is no event to await."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


class Alertmanager:
    def __init__(self, tmp: Path, webhook_port: int) -> None:
        self.port = free_port()
        config = tmp / "alertmanager.yml"
        config.write_text(
            f"""
global:
  resolve_timeout: 1m
route:
  receiver: warroom
  group_by: ['alertname', 'service']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: http://127.0.0.1:{webhook_port}/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: "{TOKEN}"
"""
        )
        self.log = (tmp / "alertmanager.log").open("w")
        assert ALERTMANAGER is not None
        self.proc = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={tmp / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.ready, 20, "Alertmanager to answer /-/ready")

    def _request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"Alertmanager exited with {self.proc.returncode}")
        try:
            return self._request("GET", "/-/ready")[0] == 200
        except OSError:
            return False

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        status, body = self._request("POST", "/api/v2/alerts", alerts)
        assert status == 200, body

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def listen(db_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc, port = start_listen(db_path, env={"WARROOM_ALERTS_TOKEN": TOKEN})
    yield proc, port
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


def rows(db_path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM alerts ORDER BY id")]
    finally:
        conn.close()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_alertmanager_webhook_arrives_deduplicates_and_resolves(
    tmp_path: Path, db_path: Path, listen: tuple[subprocess.Popen[str], int]
) -> None:
    proc, port = listen
    am = Alertmanager(tmp_path, port)
    try:
        started = datetime.now(UTC).replace(microsecond=0)
        error_rate = {
            "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "page"},
            "annotations": {"summary": "More than 5% of checkout requests fail"},
            "startsAt": iso(started),
            "generatorURL": "http://prometheus.example:9090/graph?g0.expr=errors",
        }
        disk = {
            "labels": {"alertname": "DiskFull", "job": "db-primary"},
            "annotations": {"summary": "/var/lib/postgresql at 97%"},
            "startsAt": iso(started),
        }
        am.post_alerts([error_rate, disk])
        arrived = wait_for(lambda: len(rows(db_path)) == 2 and rows(db_path), 20, "two alerts")
        by_name = {r["name"]: r for r in arrived}
        assert by_name["HighErrorRate"]["service"] == "checkout"
        assert by_name["DiskFull"]["service"] == "db-primary"  # `job` when no `service`
        assert (
            by_name["HighErrorRate"]["url"] == "http://prometheus.example:9090/graph?g0.expr=errors"
        )
        assert by_name["HighErrorRate"]["starts_at"].startswith(started.isoformat()[:19])
        assert {r["status"] for r in arrived} == {"firing"}

        # Declare from the alert, as a responder would from the shell.
        declared = subprocess.run(
            [sys.executable, "-m", "warroom", "--db", str(db_path), "declare", "--from-alert",
             str(by_name["HighErrorRate"]["id"]), "--severity", "SEV2"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert declared.returncode == 0, declared.stderr

        # The same alert posted again (Prometheus re-sends every evaluation): one row still.
        am.post_alerts([error_rate])
        # Resolve it through Alertmanager's API: an end time in the past.
        ended = datetime.now(UTC).replace(microsecond=0)
        am.post_alerts([{**error_rate, "endsAt": iso(ended)}])
        resolved = wait_for(
            lambda: [r for r in rows(db_path) if r["status"] == "resolved"], 20, "the resolve"
        )
        assert [r["name"] for r in resolved] == ["HighErrorRate"]
        assert len(rows(db_path)) == 2
        assert resolved[0]["ends_at"].startswith(ended.isoformat()[:19])
        assert resolved[0]["incident_id"] == 1

        conn = sqlite3.connect(db_path)
        entries = conn.execute(
            "SELECT author, text FROM timeline WHERE kind = 'alert' ORDER BY id"
        ).fetchall()
        conn.close()
        assert entries[0][1].startswith("Alert attached: HighErrorRate (checkout), firing since")
        assert entries[-1][0] == "alertmanager"
        assert entries[-1][1].startswith("Alert resolved: HighErrorRate (checkout) after ")
    finally:
        am.stop()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    # Every notification Alertmanager sent was accepted with the token it was given.
    posts = [line for line in err.splitlines() if " POST /alerts/alertmanager " in line]
    assert posts and all(" 200 " in line for line in posts), err


def test_alertmanager_retries_until_the_receiver_can_store(
    tmp_path: Path, db_path: Path, listen: tuple[subprocess.Popen[str], int]
) -> None:
    """Nothing acknowledged is lost, and nothing refused is lost either: while the database
    file is gone the receiver answers 503 and stores nothing; Alertmanager retries, and once
    a file is back the alert arrives."""
    from warroom.storage import open_store

    proc, port = listen
    log: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")))
    reader.start()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    am = Alertmanager(tmp_path, port)
    try:
        am.post_alerts([{"labels": {"alertname": "DiskFull", "job": "db"}}])

        def refused() -> int:
            return sum(" POST /alerts/alertmanager 503 " in line for line in log)

        # Refused ("is gone"), and retried: the receiver never creates a file of its own.
        wait_for(lambda: refused() >= 2, 30, "Alertmanager to be refused twice")
        assert not db_path.exists()
        open_store(db_path).close()  # the file comes back (a restore)
        arrived = wait_for(lambda: rows(db_path), 30, "the retried notification")
        assert [r["name"] for r in arrived] == ["DiskFull"]
    finally:
        am.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        reader.join(timeout=20)
    posts = [line for line in log if " POST /alerts/alertmanager " in line]
    assert " 200 " in posts[-1] and all(" 503 " in line for line in posts[:-1]), log
