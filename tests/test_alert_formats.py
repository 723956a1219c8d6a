"""The webhook payloads, shaped as each sender's documentation gives them (tests/payloads):
Alertmanager's webhook_config (version 4), Grafana's webhook contact point example, and Uptime
Kuma's webhook provider ({heartbeat, monitor, msg} from server/notification-providers/webhook.js).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom.alerts import (
    MAX_BODY_BYTES,
    IgnoredNotification,
    PayloadError,
    default_title,
    parse_body,
)

PAYLOADS = Path(__file__).parent / "payloads"
LABELS = ("service", "job")


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def test_alertmanager_v4_as_documented() -> None:
    first, second = parse_body("alertmanager", payload("alertmanager_v4.json"), LABELS)
    assert first.source == "alertmanager"
    assert first.fingerprint == "a3c5f1d2e4b60789"
    assert first.name == "HighErrorRate"
    assert first.status == "firing"
    assert first.summary == "More than 5% of checkout requests fail"
    assert first.description == "checkout-1:8080 returns 500 for 7.2% of requests"
    # `service` is tried before `job`; the second alert has only `job`.
    assert first.service == "checkout"
    assert second.service == "checkout-api"
    # Nanoseconds are cut to microseconds; Go's zero time means "no end yet".
    assert first.starts_at == datetime(2026, 11, 26, 13, 18, 0, 123456, tzinfo=UTC)
    assert first.ends_at is None
    assert first.url is not None and first.url.startswith("http://prometheus.example:9090/graph")
    assert first.labels["instance"] == "checkout-1:8080"


def test_grafana_contact_point_as_documented() -> None:
    memory, cpu = parse_body("grafana", payload("grafana.json"), LABELS)
    assert (memory.name, memory.fingerprint, memory.status) == (
        "High memory usage",
        "c6eadffa33fcdf37",
        "firing",
    )
    assert memory.summary == "This alert was triggered for zone us-1"
    # +02:00 in the payload, stored as UTC.
    assert memory.starts_at == datetime(2021, 10, 12, 7, 51, 3, 157076, tzinfo=UTC)
    assert memory.service is None  # neither service nor job among its labels
    # Empty dashboard and panel links fall back to the rule's link.
    assert memory.url == "https://play.grafana.org/alerting/1afz29v7z/edit"
    assert cpu.name == "High CPU usage"


def test_grafana_prefers_the_panel_link() -> None:
    body = json.loads(payload("grafana.json"))
    body["alerts"][0]["dashboardURL"] = "https://grafana.example/d/abc"
    body["alerts"][0]["panelURL"] = "https://grafana.example/d/abc?viewPanel=2"
    memory, _ = parse_body("grafana", json.dumps(body).encode(), LABELS)
    assert memory.url == "https://grafana.example/d/abc?viewPanel=2"


def test_uptime_kuma_down_fires_and_up_resolves() -> None:
    (down,) = parse_body("uptime-kuma", payload("uptime_kuma_down.json"), LABELS)
    assert (down.source, down.fingerprint, down.name, down.status) == (
        "uptime-kuma",
        "29",
        "Shop front page",
        "firing",
    )
    # Uptime Kuma's heartbeat time has no offset and is UTC.
    assert down.starts_at == datetime(2026, 11, 26, 13, 18, 5, 527000, tzinfo=UTC)
    assert down.service == "storefront"  # from the monitor's `service` tag
    assert down.url == "https://shop.example.com/"
    assert down.description == "getaddrinfo ENOTFOUND shop.example.com"
    (up,) = parse_body("uptime-kuma", payload("uptime_kuma_up.json"), LABELS)
    assert (up.fingerprint, up.status) == ("29", "resolved")
    assert up.ends_at == datetime(2026, 11, 26, 13, 42, 5, 511000, tzinfo=UTC)


def test_uptime_kuma_test_button_is_not_an_alert() -> None:
    body = json.dumps({"heartbeat": None, "monitor": None, "msg": "warroom Testing"})
    with pytest.raises(IgnoredNotification, match="Testing"):
        parse_body("uptime-kuma", body.encode(), LABELS)


def test_generic_single_and_batch() -> None:
    (one,) = parse_body(
        "generic",
        b'{"name": "DiskFull", "labels": {"job": "db"}, "summary": "/var at 97%",'
        b' "url": "https://grafana.example/d/disk"}',
        LABELS,
    )
    assert (one.name, one.status, one.service, one.url) == (
        "DiskFull",
        "firing",
        "db",
        "https://grafana.example/d/disk",
    )
    # No fingerprint given: the same name and labels give the same identity every time.
    (again,) = parse_body("generic", b'{"name": "DiskFull", "labels": {"job": "db"}}', LABELS)
    assert again.fingerprint == one.fingerprint
    (other,) = parse_body("generic", b'{"name": "DiskFull", "labels": {"job": "web"}}', LABELS)
    assert other.fingerprint != one.fingerprint
    # The same name on another service is another alert, labels or not.
    (mail,) = parse_body("generic", b'{"name": "QueueBacklog", "service": "mailer"}', LABELS)
    (bill,) = parse_body("generic", b'{"name": "QueueBacklog", "service": "billing"}', LABELS)
    assert mail.fingerprint != bill.fingerprint
    batch = parse_body(
        "generic",
        b'{"alerts": [{"name": "A", "fingerprint": "a"}, {"name": "B", "status": "resolved"}]}',
        LABELS,
    )
    assert [(a.name, a.status) for a in batch] == [("A", "firing"), ("B", "resolved")]


def test_configured_service_label() -> None:
    (alert,) = parse_body(
        "generic", b'{"name": "X", "labels": {"app": "billing", "job": "node"}}', ("app",)
    )
    assert alert.service == "billing"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", " JavaScript:x", "data:text/html,x", "/d/x"]
)
def test_a_generic_link_other_than_http_is_refused(url: str) -> None:
    body = json.dumps({"name": "X", "url": url}).encode()
    with pytest.raises(PayloadError, match=r"alert\.url must be an http:// or https:// link"):
        parse_body("generic", body, LABELS)
    batch = json.dumps({"alerts": [{"name": "A"}, {"name": "B", "url": url}]}).encode()
    with pytest.raises(PayloadError, match=r"alerts\[1\]\.url must be"):
        parse_body("generic", batch, LABELS)


def test_a_monitors_own_link_other_than_http_is_dropped() -> None:
    # Alertmanager, Grafana and Uptime Kuma fill these themselves: the alert still counts.
    body = json.loads(payload("alertmanager_v4.json"))
    body["alerts"][0]["generatorURL"] = "javascript:alert(1)"
    first, _ = parse_body("alertmanager", json.dumps(body).encode(), LABELS)
    assert first.url is None
    kuma = json.loads(payload("uptime_kuma_down.json"))
    kuma["monitor"]["url"] = "https://"
    (down,) = parse_body("uptime-kuma", json.dumps(kuma).encode(), LABELS)
    assert down.url == "https://"
    kuma["monitor"]["url"] = "db.internal:5432"
    (down,) = parse_body("uptime-kuma", json.dumps(kuma).encode(), LABELS)
    assert down.url is None


@pytest.mark.parametrize(
    ("source", "body", "reason"),
    [
        ("generic", b"", "empty body"),
        ("generic", b"{not json", "not JSON"),
        ("generic", b"\xff\xfe{}", "not UTF-8"),
        ("generic", b"[1, 2]", "must be a JSON object"),
        ("generic", b'{"summary": "no name"}', "name is missing"),
        ("generic", b'{"name": "X", "status": "maybe"}', "firing or resolved"),
        ("generic", b'{"name": "X", "colour": "red"}', "unknown field 'colour'"),
        ("generic", b'{"name": "X", "starts_at": "yesterday"}', "not a time"),
        ("generic", b'{"name": "\\ud800"}', "not valid Unicode"),
        ("generic", b'{"name": "X", "labels": {"a": {"b": 1}}}', "must be a string"),
        ("generic", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("alertmanager", b'{"version": "3", "alerts": []}', 'version must be "4"'),
        ("alertmanager", b'{"version": "4", "alerts": []}', "alerts is empty"),
        ("alertmanager", b'{"version": "4", "alerts": [{"labels": {}}]}', "alertname"),
        ("grafana", b'{"ruleName": "old", "evalMatches": []}', "legacy Grafana"),
        ("uptime-kuma", b'{"hello": 1}', "not an Uptime Kuma webhook"),
    ],
)
def test_bad_bodies_give_one_line_reasons(source: str, body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason) as caught:
        parse_body(source, body, LABELS)
    assert "\n" not in str(caught.value)


def test_oversized_body_is_refused() -> None:
    body = json.dumps({"name": "X", "description": "x" * MAX_BODY_BYTES}).encode()
    with pytest.raises(PayloadError, match="larger than"):
        parse_body("generic", body, LABELS)


def test_the_same_alert_twice_in_one_request_keeps_the_last() -> None:
    body = b'{"alerts": [{"name": "A", "fingerprint": "f"}, {"name": "A", "fingerprint": "f",'
    body += b' "status": "resolved"}]}'
    (alert,) = parse_body("generic", body, LABELS)
    assert alert.status == "resolved"


def test_default_title() -> None:
    assert default_title("HighErrorRate", "5xx above 5%") == "HighErrorRate: 5xx above 5%"
    assert default_title("HighErrorRate", None) == "HighErrorRate"
    long = default_title("X", "word\n" * 200)
    assert len(long) == 200 and long.endswith("…") and "\n" not in long
