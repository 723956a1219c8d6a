"""`warroom alerts listen`: an HTTP receiver for monitoring webhooks.

The standard library's ThreadingHTTPServer is enough: senders post small JSON bodies, a few a
second even in a storm, and a dependency would be one more thing to install on the shared
host. One thread per request; the database work of a request is one short transaction, taken
under a process-wide lock so the request threads queue here instead of spinning in SQLite's
busy handler (other processes still wait their turn through the busy timeout).

Every request gets one log line on stderr. Bad input is a 4xx with a one-line reason and
writes nothing; an unexpected failure in one request is a 500 and a log line, never the end
of the receiver. SIGTERM and Ctrl-C stop it after the requests in flight have finished.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from warroom import alert_actions
from warroom.alerts import (
    MAX_BODY_BYTES,
    SOURCES,
    IgnoredNotification,
    PayloadError,
    parse_body,
)
from warroom.domain import Clock, Settings, system_clock
from warroom.errors import BadInput, WarroomError
from warroom.room import Actor, Room
from warroom.safe_text import one_line
from warroom.storage import DatabaseLocked, Store, open_store
from warroom.storage.alerts import count_alerts
from warroom.storage.connection import Sidecars, release_moved, sidecar_ids

TOKEN_ENV = "WARROOM_ALERTS_TOKEN"
MIN_TOKEN = 16
# A client that sends its headers and then stalls must not hold a thread for ever.
SOCKET_TIMEOUT = 10.0
DRAIN_LIMIT = 16 * MAX_BODY_BYTES
PATHS = ", ".join(f"/alerts/{s}" for s in SOURCES)


def resolve_token(settings: Settings) -> str | None:
    """$WARROOM_ALERTS_TOKEN, else `alerts.token` from the config, else none."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        if len(env) < MIN_TOKEN:
            raise BadInput(f"${TOKEN_ENV} must be at least {MIN_TOKEN} characters")
        return env
    return settings.alerts.token


def token_file_warning(settings: Settings, config: Path) -> str | None:
    """A warning when the token comes from a config file others may read."""
    if settings.alerts.token is None or os.environ.get(TOKEN_ENV, "").strip():
        return None
    try:
        mode = os.stat(config).st_mode
    except OSError:
        return None
    if mode & 0o077:
        return (
            f"warning: {config} holds alerts.token and is readable by others"
            f" (mode {mode & 0o777:o}); chmod 600 it, or use ${TOKEN_ENV}"
        )
    return None


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name we did not resolve: assume it reaches beyond this host


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    detail: str  # for the log line
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


class Ingestor:
    """Owns the one database connection of the receiver and follows the file by identity: a
    file replaced under us (a restore) is reopened, a deleted one is reported, never
    recreated behind the team's back."""

    def __init__(self, path: Path, settings: Settings, clock: Clock, login: str) -> None:
        self.path = path
        self.settings = settings
        self.clock = clock
        self.login = login
        self._lock = threading.Lock()
        self._store: Store = open_store(path)
        self._sidecars = self._sidecar_ids()

    def _sidecar_ids(self) -> Sidecars:
        return sidecar_ids(self.path)

    def _current_store(self) -> Store:
        how = self._store.moved()
        if how == "deleted":
            raise WarroomError(f"{self.path} is gone; restore it, then post again")
        if how == "replaced":
            # A restored backup moved into place. Our -wal and -shm beside the path belong to
            # the old file: opening the new one with them there would replay our old writes
            # into it and undo the restore. Remove them if they are still ours (same
            # identity as last seen), then open the file now at the path.
            # Only once nothing committed is lost with them (release_moved checkpoints into
            # the old file first: a file moved aside keeps every alert acknowledged).
            release_moved(self._store, self._sidecars)
            self._store = open_store(self.path)
            self._sidecars = self._sidecar_ids()
        return self._store

    def ingest(self, source: str, raw: bytes) -> alert_actions.IngestResult:
        alerts = parse_body(source, raw, self.settings.alerts.service_labels)
        with self._lock:
            store = self._current_store()
            room = Room(store, Actor(_author(source), self.login), self.settings, self.clock)
            result = alert_actions.ingest(room, alerts)
            # SQLite creates the -wal at the first write: note what ours are now.
            self._sidecars = self._sidecar_ids()
            return result

    def healthy(self) -> bool:
        with self._lock:
            store = self._current_store()
            count_alerts(store.conn)
        return True

    def close(self) -> None:
        with self._lock:
            self._store.close()


def _author(source: str) -> str:
    # The name on the timeline for entries the receiver writes.
    return "alerts" if source == "generic" else source


def _json_reply(status: int, payload: dict[str, Any], detail: str) -> Reply:
    return Reply(status, json.dumps(payload) + "\n", detail, "application/json")


class Receiver:
    """Turns one HTTP request into a Reply. No sockets here, so every rule is testable."""

    def __init__(self, ingestor: Ingestor, token: str | None) -> None:
        self.ingestor = ingestor
        self.token = token

    def authorised(self, header: str | None) -> bool:
        if self.token is None:
            return True
        if not header:
            return False
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credentials.strip().encode(), self.token.encode())

    def get(self, path: str) -> Reply:
        if path in ("/healthz", "/-/healthy"):
            try:
                self.ingestor.healthy()
            except WarroomError as exc:
                return Reply(503, f"unhealthy: {exc.message}\n", "unhealthy")
            return Reply(200, "ok\n", "health")
        return self._not_found(path)

    def _not_found(self, path: str) -> Reply:
        return Reply(404, f"no such path; POST alerts to one of {PATHS}\n", "unknown path")

    def route(self, path: str) -> str | None:
        prefix = "/alerts/"
        if not path.startswith(prefix):
            return None
        source = path[len(prefix) :].strip("/")
        return source if source in SOURCES else None

    def post(self, path: str, raw: bytes) -> Reply:
        source = self.route(path)
        if source is None:
            return self._not_found(path)
        try:
            result = self.ingestor.ingest(source, raw)
        except PayloadError as exc:
            reason = one_line(str(exc), 300)
            return Reply(400, f"{reason}\n", f"rejected: {reason}")
        except IgnoredNotification as exc:
            reason = one_line(str(exc), 200)
            return _json_reply(200, {"stored": 0, "ignored": reason}, f"ignored: {reason}")
        except DatabaseLocked as exc:
            # 5xx: Alertmanager and Grafana retry, so the alert is not lost.
            return Reply(
                503,
                f"{one_line(exc.message)}\n",
                "database locked",
                headers=(("Retry-After", "2"),),
            )
        except WarroomError as exc:
            message = one_line(exc.message, 300)
            return Reply(503, f"{message}\n", f"failed: {message}")
        return _json_reply(
            200,
            {
                "stored": result.received,
                "new": result.new,
                "updated": result.updated,
                "fired": result.fired,
                "resolved": result.resolved,
                "timeline_entries": result.entries,
            },
            result.describe(),
        )


def _internal_error(exc: BaseException) -> Reply:
    reason = one_line(f"{type(exc).__name__}: {exc}", 200)
    return Reply(500, "internal error; see the receiver's log\n", f"error: {reason}")


def _handler_class(receiver: Receiver, log: Callable[[str], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "warroom-alerts"
        sys_version = ""
        timeout = SOCKET_TIMEOUT
        # Buffered, so the status line, headers and body leave in one send: unbuffered, the
        # body waited behind Nagle for the client's delayed ACK (about 40 ms a request).
        wbufsize = 64 * 1024
        # What the base class answers itself (a malformed request line): one line, no HTML.
        error_message_format = "%(code)d %(message)s\n"
        error_content_type = "text/plain; charset=utf-8"

        def _path(self) -> str:
            return self.path.split("?", 1)[0]

        def _send(self, reply: Reply, started: float) -> None:
            body = reply.body.encode("utf-8")
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            elapsed = (time.perf_counter() - started) * 1000
            log(
                f"{self.client_address[0]} {self.command} {one_line(self._path(), 80)}"
                f" {reply.status} {reply.detail} {elapsed:.1f}ms"
            )

        def do_GET(self) -> None:
            started = time.perf_counter()
            try:
                reply = receiver.get(self._path())
            except Exception as exc:  # one bad request must not stop the receiver
                reply = _internal_error(exc)
            self._send(reply, started)

        do_HEAD = do_GET

        def do_POST(self) -> None:
            started = time.perf_counter()
            if not receiver.authorised(self.headers.get("Authorization")):
                self.close_connection = True
                self._send(
                    Reply(
                        401,
                        "missing or wrong bearer token (Authorization: Bearer TOKEN)\n",
                        "unauthorised",
                        headers=(("WWW-Authenticate", 'Bearer realm="warroom"'),),
                    ),
                    started,
                )
                return
            if self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                self._send(Reply(411, "send a Content-Length\n", "no length"), started)
                return
            length_header = self.headers.get("Content-Length")
            try:
                length = int(length_header) if length_header is not None else -1
            except ValueError:
                length = -1
            if length < 0:
                self.close_connection = True
                self._send(Reply(411, "send a Content-Length\n", "no length"), started)
                return
            if length > MAX_BODY_BYTES:
                # Read and dropped (never kept) up to a limit, so the sender can read the 413
                # rather than a reset connection; past that the connection just closes.
                self.close_connection = True
                if length <= DRAIN_LIMIT:
                    remaining = length
                    while remaining > 0:
                        chunk = self.rfile.read(min(remaining, 65536))
                        if not chunk:
                            break
                        remaining -= len(chunk)
                self._send(
                    Reply(413, f"body larger than {MAX_BODY_BYTES} bytes\n", "too large"), started
                )
                return
            kind = (self.headers.get("Content-Type") or "").lower()
            # `curl -d` says form-urlencoded while sending JSON, so only multipart is refused
            # (Uptime Kuma's "form-data" body type).
            if kind.startswith("multipart/"):
                self.close_connection = True
                self._send(
                    Reply(415, "send the body as JSON, not multipart form data\n", "not JSON"),
                    started,
                )
                return
            try:
                raw = self.rfile.read(length)
            except OSError:
                self.close_connection = True
                log(f"{self.client_address[0]} POST {one_line(self._path(), 80)} body not received")
                return
            if len(raw) < length:
                self.close_connection = True
                self._send(Reply(400, "body shorter than Content-Length\n", "short"), started)
                return
            try:
                reply = receiver.post(self._path(), raw)
            except Exception as exc:  # one bad request must not stop the receiver
                reply = _internal_error(exc)
            self._send(reply, started)

        def _refuse_method(self) -> None:
            started = time.perf_counter()
            self._send(
                Reply(
                    405, "use POST\n", "method not allowed", headers=(("Allow", "GET, POST, PUT"),)
                ),
                started,
            )

        # Grafana's webhook contact point may be set to PUT.
        do_PUT = do_POST
        do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass  # _send writes the one line per request

        def log_message(self, format: str, *args: Any) -> None:
            # What the base class reports itself: malformed request lines, timeouts.
            log(f"{self.client_address[0]} {one_line(format % args, 200)}")

    return Handler


MAX_CLIENTS = 64
BUSY_REPLY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nContent-Length: 21\r\n\r\ntoo many connections\n"
)


class AlertServer(ThreadingHTTPServer):
    # Request threads are joined on close, so a stop never cuts a transaction short.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops the SYNs of a burst, and each dropped one
    # costs the sender a 1 s retransmit.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        log: Callable[[str], None],
    ) -> None:
        super().__init__(address, handler)
        self.log = log
        # A thread a connection: idle or slow clients must not be able to pile up threads.
        self._slots = threading.BoundedSemaphore(MAX_CLIENTS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            with contextlib.suppress(OSError):  # a client already gone needs no reply
                request.sendall(BUSY_REPLY)
            self.shutdown_request(request)
            self.log(f"{client_address[0]} refused: {MAX_CLIENTS} connections open")
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback; a client that hung up mid-reply is worth one line.
        exc = sys.exc_info()[1]
        reason = one_line(f"{type(exc).__name__}: {exc}", 200) if exc else "unknown error"
        self.log(f"{client_address[0]} connection failed: {reason}")

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class AlertServer6(AlertServer):
    address_family = socket.AF_INET6


@dataclass
class Listener:
    server: AlertServer
    ingestor: Ingestor
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, name="alerts-http"
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        if self.thread is not None:
            self.thread.join()
        self.server.server_close()
        self.ingestor.close()


def line_logger(stream: TextIO, clock: Clock = system_clock) -> Callable[[str], None]:
    lock = threading.Lock()

    def log(line: str) -> None:
        stamp = clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with lock:
            stream.write(f"{stamp} {line}\n")
            stream.flush()

    return log


def make_listener(
    db_path: Path,
    settings: Settings,
    *,
    bind: str,
    port: int,
    token: str | None,
    login: str,
    log: Callable[[str], None],
    clock: Clock = system_clock,
) -> Listener:
    if token is None and not is_loopback(bind):
        raise BadInput(
            f"listening on {bind} reaches beyond this host: set a bearer token first"
            f" (alerts.token in the config, or ${TOKEN_ENV})"
        )
    ingestor = Ingestor(db_path, replace(settings), clock, login)
    try:
        server_class = AlertServer6 if ":" in bind else AlertServer
        host = bind.strip("[]")
        server = server_class((host, port), _handler_class(Receiver(ingestor, token), log), log)
    except OSError as exc:
        ingestor.close()
        raise WarroomError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}") from None
    return Listener(server, ingestor)


def serve_until_signalled(listener: Listener, log: Callable[[str], None]) -> None:
    """Serve until SIGTERM or SIGINT, then finish the requests in flight and return."""
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        listener.start()
        while not stop.wait(1.0):
            pass
    finally:
        listener.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log(f"stopped ({received[0] if received else 'done'})")


__all__ = [
    "Listener",
    "Receiver",
    "is_loopback",
    "line_logger",
    "make_listener",
    "resolve_token",
    "serve_until_signalled",
]
