"""`warroom alerts listen` over real HTTP on an ephemeral port: formats, tokens, bad input,
an alert storm, a replaced file, and a clean stop on SIGTERM and Ctrl-C."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_alert_formats import payload
from warroom import actions, alert_actions
from warroom.domain import Settings
from warroom.errors import BadInput, WarroomError
from warroom.receiver import Listener, make_listener
from warroom.room import Actor, Room
from warroom.storage import open_store

TOKEN = "s3cret-token-0123456789"


class Server:
    def __init__(self, db_path: Path, token: str | None = None, bind: str = "127.0.0.1") -> None:
        self.lines: list[str] = []
        self.listener: Listener = make_listener(
            db_path,
            Settings(),
            bind=bind,
            port=0,
            token=token,
            login="svc",
            log=self.lines.append,
        )
        self.port = int(self.listener.server.server_address[1])
        self.listener.start()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    def post(self, path: str, body: bytes, token: str | None = None) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.request("POST", path, body, headers)


@pytest.fixture
def server(db_path: Path) -> Iterator[Server]:
    s = Server(db_path)
    yield s
    s.listener.stop()


def stored(db_path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM alerts ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("path", "name", "count"),
    [
        ("/alerts/alertmanager", "alertmanager_v4.json", 2),
        ("/alerts/grafana", "grafana.json", 2),
        ("/alerts/uptime-kuma", "uptime_kuma_down.json", 1),
    ],
)
def test_documented_payloads_are_stored(
    server: Server, db_path: Path, path: str, name: str, count: int
) -> None:
    status, body = server.post(path, payload(name))
    assert status == 200, body
    assert json.loads(body)["stored"] == count
    rows = stored(db_path)
    assert len(rows) == count and {r["status"] for r in rows} == {"firing"}
    assert rows[0]["source"] == path.rsplit("/", 1)[1]


def test_grafana_may_use_put(server: Server, db_path: Path) -> None:
    status, _ = server.request("PUT", "/alerts/grafana", payload("grafana.json"))
    assert status == 200 and len(stored(db_path)) == 2


def test_uptime_kuma_down_then_up(server: Server, db_path: Path) -> None:
    assert server.post("/alerts/uptime-kuma", payload("uptime_kuma_down.json"))[0] == 200
    assert server.post("/alerts/uptime-kuma", payload("uptime_kuma_up.json"))[0] == 200
    (row,) = stored(db_path)
    assert (row["status"], row["count"], row["ends_at"][:19]) == (
        "resolved",
        2,
        "2026-11-26T13:42:05",
    )


def test_generic_by_curl_form_content_type(server: Server, db_path: Path) -> None:
    # `curl -d '{...}'` labels JSON as form-urlencoded; it is still accepted.
    status, _ = server.request(
        "POST",
        "/alerts/generic",
        b'{"name": "QueueBacklog", "service": "mailer"}',
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200
    assert [(r["name"], r["service"]) for r in stored(db_path)] == [("QueueBacklog", "mailer")]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "reason"),
    [
        ("POST", "/alerts/generic", b"{oops", {}, 400, "not JSON"),
        ("POST", "/alerts/generic", b'{"summary": "x"}', {}, 400, "name is missing"),
        (
            "POST",
            "/alerts/generic",
            b'{"name": "X", "url": "javascript:alert(1)"}',
            {},
            400,
            "alert.url must be an http:// or https:// link, not 'javascript:alert(1)'",
        ),
        ("POST", "/alerts/alertmanager", b'{"version": "2"}', {}, 400, 'version must be "4"'),
        ("POST", "/alerts/nagios", b"{}", {}, 404, "POST alerts to one of"),
        ("POST", "/", b"{}", {}, 404, "POST alerts to one of"),
        ("DELETE", "/alerts/generic", None, {}, 405, "use POST"),
        (
            "POST",
            "/alerts/uptime-kuma",
            b"--x\r\n",
            {"Content-Type": "multipart/form-data; boundary=x"},
            415,
            "JSON",
        ),
    ],
)
def test_bad_requests_get_a_4xx_with_one_line_and_write_nothing(
    server: Server,
    db_path: Path,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    got, text = server.request(method, path, body, headers)
    assert got == status
    assert reason in text and text.count("\n") == 1
    assert stored(db_path) == []
    # ... and the receiver carries on.
    assert server.post("/alerts/generic", b'{"name": "After"}')[0] == 200


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def raw_request(port: int, data: bytes) -> bytes:
    """Send bytes as they are, end our side, and read the whole answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(data)
        with contextlib.suppress(OSError):  # the server may have answered and closed already
            sock.shutdown(socket.SHUT_WR)
        return read_all(sock)
    finally:
        sock.close()


def test_oversized_body_is_refused_unread(server: Server, db_path: Path) -> None:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(
            b"POST /alerts/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200000000\r\n\r\n"
        )
        reply = read_all(sock).decode()
    finally:
        sock.close()
    assert reply.startswith("HTTP/1.0 413") and "larger than 1048576 bytes" in reply
    big = json.dumps({"name": "X", "description": "x" * (1024 * 1024)}).encode()
    assert server.post("/alerts/generic", big)[0] == 413
    assert stored(db_path) == []
    assert server.post("/alerts/generic", b'{"name": "After"}')[0] == 200


def test_garbage_and_missing_length_do_not_stop_it(server: Server) -> None:
    # A one-word request line is HTTP/0.9 to the parser: a bare body, no status line.
    assert raw_request(server.port, b"HELLO\r\n\r\n") == b"400 Bad request syntax ('HELLO')\n"
    reply = raw_request(server.port, b"GET /x HTTP/1.1 extra\r\n\r\n")
    assert reply.endswith(b"\n") and b"<" not in reply and reply.count(b"\n") == 1
    raw_request(server.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64)
    reply = raw_request(server.port, b"POST /alerts/generic HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.0 411")
    assert server.request("GET", "/healthz") == (200, "ok\n")


def test_one_log_line_per_request(server: Server) -> None:
    server.post("/alerts/generic", b'{"name": "A"}')
    server.post("/alerts/generic", b"{")
    server.request("GET", "/healthz")
    assert len(server.lines) == 3
    assert re.fullmatch(r"127\.0\.0\.1 POST /alerts/generic 200 1 alert \(1 new, 1 fired\) .*ms",
                        server.lines[0])  # fmt: skip
    assert " 400 rejected: not JSON" in server.lines[1]
    assert all("\n" not in line for line in server.lines)


def test_log_lines_are_sanitised(server: Server) -> None:
    raw_request(server.port, b"POST /alerts/\x1b[2J HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
    assert len(server.lines) == 1
    assert all("\x1b" not in line for line in server.lines)


def test_token_checked_when_set(db_path: Path) -> None:
    s = Server(db_path, token=TOKEN)
    try:
        body = b'{"name": "A"}'
        assert s.post("/alerts/generic", body)[0] == 401
        assert s.post("/alerts/generic", body, token="wrong-token-0123456789")[0] == 401
        status, _ = s.request("POST", "/alerts/generic", body, {"Authorization": f"Basic {TOKEN}"})
        assert status == 401
        assert stored(db_path) == []
        assert s.post("/alerts/generic", body, token=TOKEN)[0] == 200
        assert len(stored(db_path)) == 1
    finally:
        s.listener.stop()


def test_beyond_loopback_needs_a_token(db_path: Path) -> None:
    with pytest.raises(BadInput, match="set a bearer token"):
        make_listener(db_path, Settings(), bind="0.0.0.0", port=0, token=None, login="x", log=print)
    s = Server(db_path, token=TOKEN, bind="0.0.0.0")
    s.listener.stop()


def test_storm_of_1000_alerts_from_8_senders(server: Server, db_path: Path) -> None:
    """8 senders x 25 requests x 5 alerts, at once, twice: every alert stored once, the second
    wave counted on the same rows, all while someone keeps writing notes."""
    errors: list[str] = []
    store = open_store(db_path)
    room = Room(store, Actor("maya", "maya"))
    incident = actions.declare(room, "Storm", "SEV2")
    notes_done = threading.Event()

    def sender(n: int) -> None:
        for r in range(25):
            body = {
                "alerts": [
                    {"name": "NodeDown", "fingerprint": f"s{n}-r{r}-a{a}", "service": "fleet"}
                    for a in range(5)
                ]
            }
            status, text = server.post("/alerts/generic", json.dumps(body).encode())
            if status != 200:
                errors.append(f"{status} {text}")

    def noter() -> None:
        own = open_store(db_path)
        try:
            writer = Room(own, Actor("omar", "omar"))
            for i in range(20):
                actions.note(writer, incident, f"note {i}")
        finally:
            own.close()
            notes_done.set()

    for _wave in range(2):
        threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
        threads.append(threading.Thread(target=noter))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    store.close()
    assert errors == []
    rows = stored(db_path)
    assert len(rows) == 1000
    assert {r["count"] for r in rows} == {2}
    conn = sqlite3.connect(db_path)
    notes = conn.execute("SELECT count(*) FROM timeline WHERE kind = 'note'").fetchone()[0]
    conn.close()
    assert notes == 40
    assert sum(" 200 5 alerts" in line for line in server.lines) == 400


def test_a_replaced_file_is_followed_and_a_deleted_one_reported(
    server: Server, db_path: Path, tmp_path: Path
) -> None:
    assert server.post("/alerts/generic", b'{"name": "Before"}')[0] == 200
    # A restore: a different warroom file moved into place (its -wal/-shm removed first).
    other = tmp_path / "restored.db"
    open_store(other).close()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(other, db_path)
    assert server.post("/alerts/generic", b'{"name": "After"}')[0] == 200
    assert [r["name"] for r in stored(db_path)] == ["After"]
    db_path.unlink()
    status, text = server.post("/alerts/generic", b'{"name": "Lost?"}')
    assert status == 503 and "is gone" in text
    assert not db_path.exists()  # never recreated behind the team's back


def test_attached_alert_resolving_over_http_reaches_the_timeline(
    server: Server, db_path: Path
) -> None:
    store = open_store(db_path)
    room = Room(store, Actor("maya", "maya"))
    incident = actions.declare(room, "Checkout fails", "SEV2")
    server.post("/alerts/alertmanager", payload("alertmanager_v4.json"))
    alert_actions.attach(room, 1, incident)
    body = json.loads(payload("alertmanager_v4.json"))
    body["status"] = "resolved"
    for alert in body["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-11-26T14:00:30Z"
    status, text = server.post("/alerts/alertmanager", json.dumps(body).encode())
    assert status == 200 and json.loads(text)["timeline_entries"] == 1
    last = store.conn.execute(
        "SELECT author, login, kind, text FROM timeline ORDER BY id DESC LIMIT 1"
    ).fetchone()
    store.close()
    assert last == (
        "alertmanager",
        "svc",
        "alert",
        "Alert resolved: HighErrorRate (checkout) after 42m",
    )


# --- the command, as a process ---------------------------------------------------------------


def start_listen(
    db_path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "alerts", "listen", "--port",
         "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if match is None:
        proc.kill()
        raise AssertionError(f"no listening line: {line!r} {proc.stderr.read()!r}")
    return proc, int(match.group(1))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(db_path: Path, sig: signal.Signals) -> None:
    proc, port = start_listen(db_path)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/alerts/generic", body=b'{"name": "A"}')
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert f"stopped ({sig.name})" in err and "Traceback" not in err
    assert len(stored(db_path)) == 1


@pytest.mark.slow
def test_listen_refuses_an_open_bind_without_token(db_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "alerts", "listen", "--bind",
         "0.0.0.0", "--port", "0"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
        env={k: v for k, v in os.environ.items() if k != "WARROOM_ALERTS_TOKEN"},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "set a bearer token" in result.stderr


@pytest.mark.slow
def test_listen_takes_the_token_from_the_environment(db_path: Path) -> None:
    proc, port = start_listen(db_path, env={"WARROOM_ALERTS_TOKEN": TOKEN})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/alerts/generic", body=b'{"name": "A"}')
        assert conn.getresponse().status == 401
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)


@pytest.mark.slow
def test_tail_f_shows_an_attached_alert_resolving(server: Server, db_path: Path) -> None:
    from tests.test_follow import Follower

    store = open_store(db_path)
    room = Room(store, Actor("maya", "maya"))
    incident = actions.declare(room, "Checkout fails", "SEV2")
    server.post("/alerts/generic", b'{"name": "HighErrorRate", "service": "checkout"}')
    alert_actions.attach(room, 1, incident)
    store.close()
    follower = Follower(db_path, "-n", "1")
    try:
        follower.wait_line("Alert attached: HighErrorRate (checkout)")
        body = b'{"name": "HighErrorRate", "service": "checkout", "status": "resolved"}'
        assert server.post("/alerts/generic", body)[0] == 200
        line = follower.wait_line("Alert resolved: HighErrorRate (checkout) after")
        assert "alerts" in line and "alert " in line
    finally:
        follower.kill()


def test_idle_connections_cannot_pile_up_threads(server: Server) -> None:
    from warroom.receiver import MAX_CLIENTS

    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10)]
    try:
        # Each holds a request thread, waiting for a request line that never comes.
        for _ in range(MAX_CLIENTS - 1):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
        for sock in idle:
            sock.sendall(b"POST /alerts/generic HTTP/1.0\r\n")  # headers never finished
        reply = raw_request(server.port, b"GET /healthz HTTP/1.0\r\n\r\n")
        assert reply.startswith(b"HTTP/1.0 503") and reply.endswith(b"too many connections\n")
    finally:
        for sock in idle:
            sock.close()
    # The slots come back as the idle clients go.
    deadline = time.monotonic() + 10
    while server.request("GET", "/healthz")[0] != 200:
        assert time.monotonic() < deadline, "slots never came back"
        time.sleep(0.05)
    assert any("refused: 64 connections open" in line for line in server.lines)


def test_a_failure_inside_one_request_is_a_500_and_one_line(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom import receiver

    def broken(self: object, *args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(receiver.Ingestor, "ingest", broken)
    monkeypatch.setattr(receiver.Ingestor, "healthy", broken)
    assert server.post("/alerts/generic", b'{"name": "A"}') == (
        500,
        "internal error; see the receiver's log\n",
    )
    assert server.request("GET", "/healthz")[0] == 500
    # The detail, then how long the request took (which varies with load).
    assert [
        re.sub(r" \d+\.\dms$", " <elapsed>", line.split(" 500 ")[1]) for line in server.lines
    ] == [
        "error: RuntimeError: disk on fire <elapsed>",
        "error: RuntimeError: disk on fire <elapsed>",
    ]
    monkeypatch.undo()
    assert server.post("/alerts/generic", b'{"name": "A"}')[0] == 200


def test_an_error_outside_the_handlers_is_one_log_line(server: Server) -> None:
    # What socketserver's handle_error gets: a client hanging up mid-reply, say.
    try:
        raise ConnectionResetError("peer went away")
    except ConnectionResetError:
        server.listener.server.handle_error(None, ("10.0.0.9", 1234))
    assert server.lines == ["10.0.0.9 connection failed: ConnectionResetError: peer went away"]


def test_a_restore_by_plain_mv_is_not_undone_by_our_old_wal(
    server: Server, db_path: Path, tmp_path: Path
) -> None:
    """`mv restored.db incidents.db` leaves our -wal beside the path: opening the restored
    file with it there would replay the old writes into it."""
    for i in range(3):
        assert server.post("/alerts/generic", f'{{"name": "Before{i}"}}'.encode())[0] == 200
    assert Path(f"{db_path}-wal").exists()
    restored = tmp_path / "restored.db"
    open_store(restored).close()
    os.replace(restored, db_path)
    assert server.post("/alerts/generic", b'{"name": "After"}')[0] == 200
    assert [r["name"] for r in stored(db_path)] == ["After"]


def test_alerts_acknowledged_into_a_file_moved_aside_stay_in_it(
    server: Server, db_path: Path, tmp_path: Path
) -> None:
    """`mv incidents.db aside.db`, then a restored file put at the path: the alerts the
    receiver acknowledged (200) while the old file was in place are still in aside.db,
    even though their commits sat in the -wal beside the path."""
    for i in range(3):
        assert server.post("/alerts/generic", f'{{"name": "Before{i}"}}'.encode())[0] == 200
    assert Path(f"{db_path}-wal").exists()
    aside = tmp_path / "aside.db"
    os.rename(db_path, aside)
    restored = tmp_path / "restored.db"
    open_store(restored).close()
    os.replace(restored, db_path)
    assert server.post("/alerts/generic", b'{"name": "After"}')[0] == 200
    assert [r["name"] for r in stored(db_path)] == ["After"]
    assert sorted(r["name"] for r in stored(aside)) == ["Before0", "Before1", "Before2"]


def test_listens_on_ipv6_loopback(db_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6 support")
    try:
        s = Server(db_path, bind="::1")
    except WarroomError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc.message}")
    try:
        assert s.listener.url == f"http://[::1]:{s.port}"
        conn = http.client.HTTPConnection("::1", s.port, timeout=10)
        conn.request("POST", "/alerts/generic", body=b'{"name": "V6"}')
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        s.listener.stop()


def test_a_token_in_a_readable_config_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.domain import AlertSettings
    from warroom.receiver import token_file_warning

    config = tmp_path / "config.toml"
    config.write_text('[alerts]\ntoken = "x"\n')
    settings = Settings(alerts=AlertSettings(token=TOKEN))
    monkeypatch.delenv("WARROOM_ALERTS_TOKEN", raising=False)
    config.chmod(0o644)
    warning = token_file_warning(settings, config)
    assert warning is not None and "readable by others (mode 644); chmod 600" in warning
    config.chmod(0o600)
    assert token_file_warning(settings, config) is None
    config.chmod(0o644)
    monkeypatch.setenv("WARROOM_ALERTS_TOKEN", TOKEN)  # the file's token is not the one used
    assert token_file_warning(settings, config) is None
