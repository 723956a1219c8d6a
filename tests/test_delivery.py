"""Issue 10 point 7: [[publish]] destinations, deliveries stored, failures on the timeline,
retries with backoff, hooks that hang, and the example hooks against a recording server."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock
from warroom import actions
from warroom.actions import Room
from warroom.config import ConfigError, load_settings
from warroom.delivery import deliver_due, run_command
from warroom.domain import Destination
from warroom.views import deliveries

HOOKS = Path(__file__).resolve().parent.parent / "examples" / "hooks"


def hook(tmp_path: Path, name: str, body: str) -> list[str]:
    """A shell hook; `$OUT` is where it may write what it received."""
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\nOUT={tmp_path}/{name}.got\n{body}\n")
    path.chmod(0o755)
    return [str(path)]


def with_destinations(room: Room, *destinations: Destination) -> Room:
    return room.with_settings(replace(room.settings, destinations=destinations))


def wait_for(condition, what: str, timeout: float = 20.0):
    """Poll a condition (another process's write) until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_config_reads_destinations_and_components(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[components]\n"checkout-api" = "Checkout"\n'
        '[[publish]]\nname = "chat"\ncommand = ["/bin/hook", "-x"]\ntimeout_seconds = 3\n'
        '[[publish]]\nname = "page"\ntype = "statuspage"\ndir = "/srv/status"\n'
    )
    settings = load_settings(path)
    assert settings.components == {"checkout-api": "Checkout"}
    assert settings.destinations == (
        Destination("chat", "command", ("/bin/hook", "-x"), None, 3.0),
        Destination("page", "statuspage", (), Path("/srv/status"), 10.0),
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[[publish]]\nname = "x"\n', "command must be an array"),
        ('[[publish]]\ncommand = ["a"]\n', "name must be non-empty"),
        ('[[publish]]\nname = "x"\ncommand = ["a"]\ntimeout_seconds = 0\n', "timeout_seconds"),
        ('[[publish]]\nname = "x"\ntype = "ftp"\n', "type must be"),
        ('[[publish]]\nname = "x"\ntype = "statuspage"\n', "dir must be"),
        ('[components]\n"a" = 3\n', "components.a must be the public name"),
    ],
)
def test_bad_destination_config_is_named(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=problem):
        load_settings(path)


def test_delivery_sends_the_documented_json(room: Room, tmp_path: Path) -> None:
    command = hook(tmp_path, "ok", 'cat > "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    room = room.with_settings(replace(room.settings, components={"checkout-api": "Checkout"}))
    incident_id = actions.declare(room, "Checkout 500s", "SEV2", ["checkout-api", "pg"])
    published = actions.publish_update(room, incident_id, "Investigating: x\n\nby 14:30 UTC")
    with room.read() as conn:
        assert [d.state for d in deliveries(conn)] == ["pending"]  # recorded with the update
    [done] = deliver_due(room)
    assert done.state == "delivered" and done.attempts == 1
    got = json.loads((tmp_path / "ok.got").read_text())
    assert got == {
        "incident": {
            "ref": "INC-1",
            "title": "Checkout 500s",
            "name": "Investigating: x",
            "severity": "SEV2",
            "impact": "major",
            "status": "investigating",
            "components": [{"name": "Checkout", "status": "partial_outage"}],
        },
        "update": {
            "id": published.update_id,
            "status": "investigating",
            "body": "Investigating: x\n\nby 14:30 UTC",
            "published_at": "2026-11-26T14:00:00+00:00",
            "next_update_due": "2026-11-26T14:30:00+00:00",
            "author": "alice",
        },
    }


def test_a_delivery_made_after_the_resolve_tells_the_status_of_its_update(
    room: Room, tmp_path: Path
) -> None:
    # Retried after the incident was resolved, an "investigating" update must not tell the
    # status page the incident is resolved and its components operational.
    command = hook(tmp_path, "late", 'cat > "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    room = room.with_settings(replace(room.settings, components={"checkout-api": "Checkout"}))
    incident_id = actions.declare(room, "Checkout 500s", "SEV2", ["checkout-api"])
    actions.publish_update(room, incident_id, "Investigating: x\n\nby 14:30 UTC")
    actions.set_status(room, incident_id, "resolved")
    deliver_due(room)
    got = json.loads((tmp_path / "late.got").read_text())
    assert got["incident"]["status"] == "investigating"
    assert got["incident"]["components"] == [{"name": "Checkout", "status": "partial_outage"}]
    assert got["update"]["status"] == "investigating"


def test_failure_is_stored_on_the_timeline_and_retried_with_backoff(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    flag = tmp_path / "works"
    command = hook(
        tmp_path,
        "flaky",
        f'[ -e {flag} ] && exit 0\necho "starting"\necho "HTTP 503 from chat" >&2\nexit 7',
    )
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "Investigating by 14:30")
    [failed] = deliver_due(room)
    assert failed.state == "failed" and failed.exit_status == 7
    assert failed.error == "HTTP 503 from chat"
    assert failed.next_attempt_at == clock.at + timedelta(seconds=15)
    with room.read() as conn:
        entries = conn.execute("SELECT kind, text FROM timeline WHERE kind = 'delivery'").fetchall()
    assert entries == [
        (
            "delivery",
            "Update delivery to chat FAILED (exit status 7: HTTP 503 from chat; attempt 1,"
            " retrying in 15 s)",
        )
    ]
    assert deliver_due(room) == []  # not due yet
    clock.advance(seconds=15)
    [again] = deliver_due(room)
    assert again.attempts == 2 and again.next_attempt_at == clock.at + timedelta(seconds=30)
    # The same failure again is kept on the delivery, not added to the timeline once more.
    with room.read() as conn:
        count = conn.execute("SELECT count(*) FROM timeline WHERE kind = 'delivery'").fetchone()
    assert count == (1,)
    flag.touch()
    clock.advance(seconds=30)
    [done] = deliver_due(room)
    assert done.state == "delivered" and done.attempts == 3
    with room.read() as conn:
        last = conn.execute("SELECT text FROM timeline ORDER BY id DESC LIMIT 1").fetchone()
    assert last == ("Update delivered to chat (attempt 3)",)


def test_retry_command_tries_given_up_deliveries(
    run: Cli, room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = tmp_path / "works"
    command = hook(tmp_path, "h", f'[ -e {flag} ] && exit 0\necho "down" >&2\nexit 1')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "by 14:30")
    for _ in range(7):  # every scheduled retry fails
        deliver_due(room, include_gave_up=True)
    with room.read() as conn:
        [gave_up] = deliveries(conn)
    assert gave_up.gave_up and gave_up.attempts == 7
    config = tmp_path / "c.toml"
    config.write_text(f'[[publish]]\nname = "chat"\ncommand = {json.dumps(command)}\n')
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    still = run("deliveries", "retry")
    assert still.exit_code == 1 and "FAILED (exit 1: down; attempt 8" in still.stdout
    flag.touch()
    fixed = run.ok("deliveries", "retry")
    assert "delivered after 9 attempts" in fixed.stdout
    listed = [json.loads(line) for line in run.ok("deliveries", "--json").stdout.splitlines()]
    assert [(d["destination"], d["state"], d["attempts"]) for d in listed] == [
        ("chat", "delivered", 9)
    ]
    assert "Deliveries" in run.ok("show").stdout
    shown = json.loads(run.ok("show", "--json").stdout)["deliveries"]
    assert [(d["destination"], d["state"]) for d in shown] == [("chat", "delivered")]


def test_a_hook_that_hangs_is_killed_at_its_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = hook(tmp_path, "hang", f"echo $$ > {pid_file}\nexec sleep 600")
    outcome = run_command(command, b"{}", timeout=0.5)
    assert not outcome.ok and outcome.error == "timed out after 0.5 s"
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_missing_command_fails_with_a_clear_line(tmp_path: Path) -> None:
    outcome = run_command([str(tmp_path / "nope")], b"{}", timeout=5)
    assert not outcome.ok and outcome.error.startswith("cannot run ")


def test_two_processes_never_deliver_one_attempt_twice(room: Room, tmp_path: Path) -> None:
    command = hook(tmp_path, "ok", 'cat >> "$OUT"; echo >> "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "by 14:30")
    with room.read() as conn:
        [delivery_id] = [d.id for d in deliveries(conn)]
    assert actions.claim_delivery(room, delivery_id, 60)
    assert not actions.claim_delivery(room, delivery_id, 60)  # held by the first claim
    assert deliver_due(room) == []


@pytest.mark.slow
def test_publish_returns_while_a_destination_hangs(
    run: Cli, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook waits for a file the test creates only after the publish has returned: if
    publishing waited for delivery, it would never return before the hook's timeout."""
    release = tmp_path / "release"
    command = hook(
        tmp_path,
        "slow",
        f'cat > "$OUT"\nwhile [ ! -e {release} ]; do sleep 0.05; done',
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[publish]]\nname = "slow"\ncommand = {json.dumps(command)}\ntimeout_seconds = 60\n'
    )
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    run.ok("declare", "x", "-s", "SEV2")
    published = run.ok("update", "--publish")
    assert "Delivering to slow in the background" in published.stderr

    def state() -> str:
        conn = sqlite3.connect(db_path)
        try:
            return conn.execute("SELECT state FROM deliveries").fetchone()[0]
        finally:
            conn.close()

    wait_for(lambda: (tmp_path / "slow.got").exists() and state() == "delivering", "the hook")
    release.touch()
    wait_for(lambda: state() == "delivered", "the delivery")


# --- the example hooks, against a local server that records what it receives ----------------


class Recorder(BaseHTTPRequestHandler):
    received: list[tuple[str, str, dict[str, str], object]] = []
    status = 200

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        type(self).received.append((self.command, self.path, dict(self.headers), body))
        reply = json.dumps({"id": "sp-42"}).encode()
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_PATCH = _handle

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"received": [], "status": 200})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


DOC = {
    "incident": {
        "ref": "INC-7",
        "title": "checkout-api OOM",
        "name": "Investigating: checkout errors",
        "severity": "SEV2",
        "impact": "major",
        "status": "investigating",
        "components": [{"name": "Checkout", "status": "partial_outage"}],
    },
    "update": {
        "id": 3,
        "status": "investigating",
        "body": "Investigating: checkout errors\n\nNext update by 14:30 UTC.",
        "published_at": "2026-11-26T14:00:00+00:00",
        "next_update_due": "2026-11-26T14:30:00+00:00",
        "author": "maya",
    },
}


def test_slack_hook_posts_the_update(
    server: tuple[str, type[Recorder]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, handler = server
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"{url}/hooks/T000/B000")
    outcome = run_command(
        [sys.executable, str(HOOKS / "slack_webhook.py")], json.dumps(DOC).encode(), 10
    )
    assert outcome.ok, outcome
    [(method, path, headers, body)] = handler.received
    assert (method, path) == ("POST", "/hooks/T000/B000")
    assert headers["Content-Type"] == "application/json"
    assert body == {
        "text": "*[SEV2] INC-7 Investigating* (Checkout)\n" + DOC["update"]["body"]  # type: ignore[operator]
    }
    handler.status = 500
    failed = run_command(
        [sys.executable, str(HOOKS / "slack_webhook.py")], json.dumps(DOC).encode(), 10
    )
    assert not failed.ok and failed.exit_status == 1
    assert failed.error == "HTTP 500 from the webhook: Internal Server Error"


def test_statuspage_hook_creates_then_updates(
    server: tuple[str, type[Recorder]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, handler = server
    monkeypatch.setenv("STATUSPAGE_API", url)
    monkeypatch.setenv("STATUSPAGE_API_KEY", "k-123")
    monkeypatch.setenv("STATUSPAGE_PAGE_ID", "pg1")
    monkeypatch.setenv("STATUSPAGE_COMPONENTS", '{"Checkout": "cmp9"}')
    monkeypatch.setenv("STATUSPAGE_STATE", str(tmp_path / "state.json"))
    script = [sys.executable, str(HOOKS / "statuspage_io.py")]
    assert run_command(script, json.dumps(DOC).encode(), 10).ok
    later = json.loads(json.dumps(DOC))
    later["update"].update(id=4, status="resolved", body="Resolved: checkout errors")
    later["incident"]["components"][0]["status"] = "operational"
    assert run_command(script, json.dumps(later).encode(), 10).ok
    (m1, p1, h1, b1), (m2, p2, _, b2) = handler.received
    assert (m1, p1, h1["Authorization"]) == ("POST", "/pages/pg1/incidents", "OAuth k-123")
    assert b1 == {
        "incident": {
            "status": "investigating",
            "body": DOC["update"]["body"],  # type: ignore[index]
            "components": {"cmp9": "partial_outage"},
            "component_ids": ["cmp9"],
            "name": "Investigating: checkout errors",
            "impact_override": "major",
        }
    }
    assert (m2, p2) == ("PATCH", "/pages/pg1/incidents/sp-42")
    assert b2 == {
        "incident": {
            "status": "resolved",
            "body": "Resolved: checkout errors",
            "components": {"cmp9": "operational"},
            "component_ids": ["cmp9"],
        }
    }


@pytest.mark.slow
def test_a_running_warroom_retries_what_is_due(
    room: Room, clock: FakeClock, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.delivery import anything_due, retry_in_background

    flag = tmp_path / "works"
    command = hook(tmp_path, "h", f'[ -e {flag} ] && exit 0\necho "down" >&2\nexit 1')
    config = tmp_path / "c.toml"
    config.write_text(f'[[publish]]\nname = "chat"\ncommand = {json.dumps(command)}\n')
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "by 14:30")
    [failed] = deliver_due(room)
    assert failed.state == "failed"
    assert not anything_due(room) and not retry_in_background(room)  # not yet
    flag.touch()
    clock.advance(seconds=15)
    assert retry_in_background(room)  # a worker process, on the real clock

    def delivered() -> bool:
        conn = sqlite3.connect(db_path)
        try:
            return conn.execute("SELECT state FROM deliveries").fetchone() == ("delivered",)
        finally:
            conn.close()

    wait_for(delivered, "the retried delivery")


def test_a_claim_whose_process_died_is_taken_over_after_its_lease(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    command = hook(tmp_path, "ok", 'cat > "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command), timeout_seconds=5))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "by 14:30")
    with room.read() as conn:
        [pending] = deliveries(conn)
    assert actions.claim_delivery(room, pending.id, 35)  # then the worker is SIGKILLed
    clock.advance(seconds=30)
    assert deliver_due(room) == []  # the lease (timeout + margin) still holds
    clock.advance(seconds=6)
    [done] = deliver_due(room)
    assert done.state == "delivered" and done.attempts == 2


@pytest.mark.slow
def test_a_stopped_worker_takes_its_hooks_along(
    room: Room, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal
    import subprocess

    pid_file = tmp_path / "hook.pid"
    command = hook(tmp_path, "hang", f"echo $$ > {pid_file}\nexec sleep 600")
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[publish]]\nname = "slow"\ncommand = {json.dumps(command)}\ntimeout_seconds = 120\n'
    )
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    room = with_destinations(room, Destination("slow", command=tuple(command), timeout_seconds=120))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "by 14:30")  # recorded; no worker started
    worker = subprocess.Popen(
        [sys.executable, "-m", "warroom", "--db", str(db_path), "deliveries", "run"],
        stdin=subprocess.DEVNULL,
    )
    hook_pid = None
    try:
        hook_pid = int(wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), "hook"))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 128 + signal.SIGTERM

        def gone() -> bool:
            try:
                os.kill(hook_pid, 0)
            except ProcessLookupError:
                return True
            return False

        wait_for(gone, "the hook to be killed")
        with room.read() as conn:
            [left] = deliveries(conn)
        assert left.state == "delivering"  # claimed; retried once its lease runs out
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        if hook_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(hook_pid, signal.SIGKILL)


# --- one worker a database ------------------------------------------------------------------


@pytest.mark.slow
def test_two_publishes_in_a_row_start_one_worker(
    run: Cli, tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each delivery's hook writes its parent's pid (the worker's) and waits for a file, so the
    first worker is still busy when the second publish comes: that one must leave the new
    delivery to it, not start a worker of its own."""
    import signal

    release, pids = tmp_path / "release", tmp_path / "pids"
    command = hook(
        tmp_path,
        "slow",
        f"cat > /dev/null\necho $PPID >> {pids}\nwhile [ ! -e {release} ]; do sleep 0.05; done",
    )
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[publish]]\nname = "slow"\ncommand = {json.dumps(command)}\ntimeout_seconds = 60\n'
    )
    monkeypatch.setenv("WARROOM_CONFIG", str(config))

    def workers() -> list[int]:
        return [int(p) for p in pids.read_text().split()] if pids.exists() else []

    run.ok("declare", "x", "-s", "SEV2")
    try:
        first = run.ok("update", "--publish")
        assert "Delivering to slow in the background" in first.stderr
        wait_for(lambda: len(workers()) == 1, "the first delivery's hook")
        run.ok("status", "identified")
        second = run.ok("update", "--publish")
        assert "by the delivery already running" in second.stderr
        wait_for(lambda: len(workers()) == 2, "the second delivery's hook")
        assert len(set(workers())) == 1, workers()  # both delivered by the first worker
        release.touch()

        def states() -> list[str]:
            with contextlib.closing(sqlite3.connect(db_path)) as conn:
                return [r[0] for r in conn.execute("SELECT state FROM deliveries")]

        wait_for(lambda: states() == ["delivered", "delivered"], "both deliveries")
    finally:
        release.touch()
        for pid in set(workers()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)


def test_a_worker_takes_what_was_published_as_it_let_go(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An update published after the worker's last look, while it still held the lock, found
    the lock held and started no worker: the worker must deliver it before it ends."""
    from warroom import delivery

    command = hook(tmp_path, "ok", 'cat >> "$OUT"; echo >> "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "Investigating by 14:30")
    real = delivery.run_until_idle
    rounds = []

    def then_a_publish(room: Room) -> None:
        real(room)
        rounds.append(1)
        if len(rounds) == 1:
            assert delivery.acquire_worker_lock(room.store.path) is None  # still held
            actions.set_status(room, incident_id, "identified")
            actions.publish_update(room, incident_id, "Identified by 14:45")

    monkeypatch.setattr(delivery, "run_until_idle", then_a_publish)
    assert delivery.run_worker(room)
    with room.read() as conn:
        assert [d.state for d in deliveries(conn)] == ["delivered", "delivered"]
    lock = delivery.acquire_worker_lock(room.store.path)
    assert lock is not None and lock.fd is not None  # let go at the end
    lock.release()


def test_a_second_worker_leaves_the_work_to_the_running_one(room: Room, tmp_path: Path) -> None:
    from warroom import delivery

    command = hook(tmp_path, "ok", 'cat >> "$OUT"; echo >> "$OUT"')
    room = with_destinations(room, Destination("chat", command=tuple(command)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "Investigating by 14:30")
    held = delivery.acquire_worker_lock(room.store.path)
    assert held is not None and held.fd is not None
    try:
        assert delivery.start_worker(room.store.path, "alice") is None
        assert not delivery.run_worker(room)
        with room.read() as conn:
            assert [d.state for d in deliveries(conn)] == ["pending"]
    finally:
        held.release()
    assert delivery.run_worker(room)
    with room.read() as conn:
        assert [d.state for d in deliveries(conn)] == ["delivered"]


def test_the_worker_lock_follows_no_symlink(room: Room, tmp_path: Path) -> None:
    from warroom import delivery

    target = tmp_path / "elsewhere"
    delivery.worker_lock_path(room.store.path).symlink_to(target)
    lock = delivery.acquire_worker_lock(room.store.path)
    assert lock is not None and lock.fd is None  # unguarded, as if no lock file could be had
    assert not target.exists()


def test_an_attempt_that_raises_ends_as_a_failed_delivery_not_a_worker_that_never_ends(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom import delivery

    room = with_destinations(room, Destination("chat", command=("/bin/true",)))
    incident_id = actions.declare(room, "x", "SEV2")
    actions.publish_update(room, incident_id, "Investigating by 14:30")

    def bug(*_args: object, **_kwargs: object) -> delivery.Outcome:
        raise ValueError("a bug in building the payload")

    monkeypatch.setattr(delivery, "deliver_one", bug)
    worker = threading.Thread(
        target=delivery.run_until_idle, args=(room,), kwargs={"max_wait": timedelta(0)}, daemon=True
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the worker never ended"
    with room.read() as conn:
        [shown] = deliveries(conn)
    assert shown.state != "delivered" and "internal error" in (shown.error or "")
