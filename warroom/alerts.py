"""Alerts from monitoring: the webhook payloads warroom accepts, turned into plain `AlertIn`s.

Pure: no SQL, no clock, no network. Every payload is untrusted input from whoever can reach
the receiver, so each field is checked for type and size, and anything that is not the
documented shape is a `PayloadError` with a one-line reason (the receiver answers 400 and
writes nothing).

Formats (the receiver's paths):
- `alertmanager`: Prometheus Alertmanager's webhook, version "4".
- `grafana`: Grafana alerting's webhook contact point (Alertmanager-like, with dashboard and
  panel links).
- `uptime-kuma`: Uptime Kuma's webhook notification `{heartbeat, monitor, msg}`; a monitor
  going down fires, coming up resolves.
- `generic`: warroom's own small shape for scripts (see GENERIC_FIELDS and the README).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warroom.domain import format_duration

SOURCES: tuple[str, ...] = ("alertmanager", "grafana", "uptime-kuma", "generic")
STATUSES: tuple[str, ...] = ("firing", "resolved")

MAX_BODY_BYTES = 1024 * 1024
MAX_ALERTS = 5000  # per request; Alertmanager's default max_alerts is unlimited, 1 MB is not
MAX_TEXT = 4096  # summary, description
MAX_NAME = 256  # alert names, label names, fingerprints, services
MAX_LABEL_VALUE = 1024
MAX_URL = 2048
MAX_LABELS = 64

# Earlier than this is Go's zero time ("0001-01-01T00:00:00Z"), which Alertmanager and Grafana
# send as endsAt of a firing alert: no end yet.
_NO_TIME_BEFORE = datetime(1971, 1, 1, tzinfo=UTC)


class PayloadError(ValueError):
    """The body is not the shape its path promises. The message is one line for the sender."""


class IgnoredNotification(Exception):
    """Not an alert: a sender's test message (Uptime Kuma's Test button) or a pending
    heartbeat. Answered 200, nothing stored."""


@dataclass(frozen=True)
class AlertIn:
    """One alert as a sender reported it, checked and normalised."""

    source: str
    fingerprint: str
    name: str
    status: str  # firing or resolved
    labels: dict[str, str] = field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    service: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    url: str | None = None


# --- small checked readers ----------------------------------------------------------------


def _text(value: Any, where: str, limit: int, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise PayloadError(f"{where} is missing")
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be a string")
    if len(value) > limit:
        raise PayloadError(f"{where} is longer than {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # "\ud800" in JSON decodes to a lone surrogate, which SQLite cannot store.
        raise PayloadError(f"{where} is not valid Unicode text") from None
    return value.strip()


def _required(value: Any, where: str, limit: int) -> str:
    text = _text(value, where, limit, required=True)
    assert text is not None
    return text


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be a JSON object")
    return value


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    table = _object(value, where)
    if len(table) > MAX_LABELS:
        raise PayloadError(f"{where} has more than {MAX_LABELS} entries")
    labels: dict[str, str] = {}
    for key, item in table.items():
        name = _required(key, f"a name in {where}", MAX_NAME)
        if isinstance(item, bool | int | float):
            item = json.dumps(item)  # Grafana values can be numbers; keep them readable
        text = _text(item, f"{where}.{name}", MAX_LABEL_VALUE)
        if text is not None:
            labels[name] = text
    return labels


def parse_time(value: Any, where: str) -> datetime | None:
    """RFC 3339 (nanoseconds allowed), or None for missing / Go's zero time. A time without an
    offset is UTC (Uptime Kuma sends `2024-09-24 23:51:35.527`, in UTC)."""
    text = _text(value, where, 64)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PayloadError(f"{where} is not a time: {text[:40]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return None if moment < _NO_TIME_BEFORE else moment


def _status(value: Any, where: str) -> str:
    text = _required(value, where, 32).lower()
    if text not in STATUSES:
        raise PayloadError(f"{where} must be firing or resolved, not {text[:32]!r}")
    return text


def _url(value: Any, where: str, *, strict: bool = False) -> str | None:
    """Only links a person can open are kept; `javascript:` and friends are not links.
    `strict` (a field the sender wrote for warroom): refused like any other bad field. The
    monitors' own link fields are dropped instead: they fill them themselves (Uptime Kuma
    sends its monitor's target, a host or `https://` alone for some kinds)."""
    text = _text(value, where, MAX_URL)
    if text is None:
        return None
    if not text.lower().startswith(("http://", "https://")):
        if strict:
            raise PayloadError(f"{where} must be an http:// or https:// link, not {text[:40]!r}")
        return None
    return text


def labels_fingerprint(name: str, labels: Mapping[str, str]) -> str:
    """A stable identity for an alert that came without one: its name and labels."""
    body = json.dumps([name, sorted(labels.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


def service_of(labels: Mapping[str, str], service_labels: Sequence[str]) -> str | None:
    """The affected service: the first of the configured labels that the alert carries."""
    for label in service_labels:
        value = labels.get(label)
        if value:
            return value[:MAX_NAME]
    return None


def _alert_list(body: dict[str, Any]) -> list[Any]:
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts must be a JSON array")
    if not alerts:
        raise PayloadError("alerts is empty")
    if len(alerts) > MAX_ALERTS:
        raise PayloadError(f"more than {MAX_ALERTS} alerts in one request")
    return alerts


# --- Alertmanager and Grafana ---------------------------------------------------------------


def _prometheus_style(
    body: dict[str, Any], source: str, service_labels: Sequence[str], *, grafana: bool
) -> list[AlertIn]:
    parsed = []
    for index, raw in enumerate(_alert_list(body)):
        where = f"alerts[{index}]"
        alert = _object(raw, where)
        labels = _labels(alert.get("labels"), f"{where}.labels")
        annotations = _labels(alert.get("annotations"), f"{where}.annotations")
        name = labels.get("alertname")
        if not name:
            raise PayloadError(f"{where}.labels.alertname is missing")
        fingerprint = _text(alert.get("fingerprint"), f"{where}.fingerprint", MAX_NAME)
        url = _url(alert.get("generatorURL"), f"{where}.generatorURL")
        if grafana:
            # A dashboard or panel is where a responder wants to land; the rule editor is not.
            url = (
                _url(alert.get("panelURL"), f"{where}.panelURL")
                or _url(alert.get("dashboardURL"), f"{where}.dashboardURL")
                or url
            )
        parsed.append(
            AlertIn(
                source=source,
                fingerprint=fingerprint or labels_fingerprint(name, labels),
                name=name[:MAX_NAME],
                status=_status(alert.get("status"), f"{where}.status"),
                labels=labels,
                summary=annotations.get("summary") or annotations.get("message"),
                description=annotations.get("description"),
                service=service_of(labels, service_labels),
                starts_at=parse_time(alert.get("startsAt"), f"{where}.startsAt"),
                ends_at=parse_time(alert.get("endsAt"), f"{where}.endsAt"),
                url=url,
            )
        )
    return parsed


def parse_alertmanager(body: Any, service_labels: Sequence[str]) -> list[AlertIn]:
    body = _object(body, "the body")
    version = body.get("version")
    if version != "4":
        shown = json.dumps(version)[:20]
        raise PayloadError(f'not an Alertmanager webhook: version must be "4", not {shown}')
    return _prometheus_style(body, "alertmanager", service_labels, grafana=False)


def parse_grafana(body: Any, service_labels: Sequence[str]) -> list[AlertIn]:
    body = _object(body, "the body")
    if "alerts" not in body:
        if "evalMatches" in body or "ruleName" in body:
            raise PayloadError(
                "legacy Grafana alerting is not supported; use a Grafana alerting contact point"
            )
        raise PayloadError("not a Grafana alerting webhook: no alerts array")
    return _prometheus_style(body, "grafana", service_labels, grafana=True)


# --- Uptime Kuma ----------------------------------------------------------------------------

# Uptime Kuma's heartbeat status codes.
_KUMA_DOWN, _KUMA_UP, _KUMA_PENDING, _KUMA_MAINTENANCE = 0, 1, 2, 3


def parse_uptime_kuma(body: Any, service_labels: Sequence[str]) -> list[AlertIn]:
    body = _object(body, "the body")
    if not {"heartbeat", "monitor", "msg"} & set(body):
        raise PayloadError("not an Uptime Kuma webhook: expected heartbeat, monitor and msg")
    heartbeat, monitor = body.get("heartbeat"), body.get("monitor")
    msg = _text(body.get("msg"), "msg", MAX_TEXT)
    if heartbeat is None and monitor is None:
        # The Test button sends only msg ("<notification name> Testing").
        raise IgnoredNotification(msg or "test")
    heartbeat = _object(heartbeat, "heartbeat")
    monitor = _object(monitor, "monitor")
    status = heartbeat.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        raise PayloadError("heartbeat.status must be a number (0 down, 1 up)")
    if status not in (_KUMA_DOWN, _KUMA_UP):
        raise IgnoredNotification(
            f"heartbeat status {status} (pending or maintenance) is not an alert"
        )
    monitor_id = monitor.get("id", heartbeat.get("monitorID"))
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, int | str):
        raise PayloadError("monitor.id is missing")
    name = _required(monitor.get("name"), "monitor.name", MAX_NAME)
    labels: dict[str, str] = {"alertname": name, "monitor": name}
    kind = _text(monitor.get("type"), "monitor.type", MAX_NAME)
    if kind:
        labels["monitor_type"] = kind
    tags = monitor.get("tags") or []
    if not isinstance(tags, list):
        raise PayloadError("monitor.tags must be an array")
    for index, tag in enumerate(tags[:MAX_LABELS]):
        tag = _object(tag, f"monitor.tags[{index}]")
        tag_name = _text(tag.get("name"), f"monitor.tags[{index}].name", MAX_NAME)
        if tag_name:
            labels[tag_name] = _text(tag.get("value"), "tag value", MAX_LABEL_VALUE) or ""
    at = parse_time(heartbeat.get("time"), "heartbeat.time")
    down = status == _KUMA_DOWN
    detail = _text(heartbeat.get("msg"), "heartbeat.msg", MAX_TEXT)
    return [
        AlertIn(
            source="uptime-kuma",
            fingerprint=str(monitor_id)[:MAX_NAME],
            name=name,
            status="firing" if down else "resolved",
            labels=labels,
            summary=msg,
            description=detail,
            service=service_of(labels, service_labels),
            starts_at=at if down else None,
            ends_at=None if down else at,
            url=_url(monitor.get("url"), "monitor.url"),
        )
    ]


# --- generic --------------------------------------------------------------------------------

GENERIC_FIELDS: dict[str, str] = {
    "name": "required: what fires, e.g. HighErrorRate",
    "status": "firing (default) or resolved",
    "fingerprint": "identity of the alert; default: a hash of name, service and labels",
    "service": "the affected service; default: from labels",
    "summary": "one line for people",
    "description": "more detail",
    "labels": "object of string values",
    "starts_at": "RFC 3339 time it began; default: when received",
    "ends_at": "RFC 3339 time it ended",
    "url": "a link to a graph or runbook (http/https)",
}


def _generic_one(raw: Any, where: str, service_labels: Sequence[str]) -> AlertIn:
    alert = _object(raw, where)
    unknown = set(alert) - set(GENERIC_FIELDS)
    if unknown:
        raise PayloadError(
            f"{where}: unknown field {sorted(unknown)[0][:40]!r}"
            f" (known: {', '.join(GENERIC_FIELDS)})"
        )
    name = _required(alert.get("name"), f"{where}.name", MAX_NAME)
    labels = _labels(alert.get("labels"), f"{where}.labels")
    status = _status(alert.get("status", "firing"), f"{where}.status")
    fingerprint = _text(alert.get("fingerprint"), f"{where}.fingerprint", MAX_NAME)
    service = _text(alert.get("service"), f"{where}.service", MAX_NAME)
    # The same name on two services is two alerts: the service given is part of the identity.
    identity = {**labels, "service": service} if service else labels
    return AlertIn(
        source="generic",
        fingerprint=fingerprint or labels_fingerprint(name, identity),
        name=name,
        status=status,
        labels=labels,
        summary=_text(alert.get("summary"), f"{where}.summary", MAX_TEXT),
        description=_text(alert.get("description"), f"{where}.description", MAX_TEXT),
        service=service or service_of(labels, service_labels),
        starts_at=parse_time(alert.get("starts_at"), f"{where}.starts_at"),
        ends_at=parse_time(alert.get("ends_at"), f"{where}.ends_at"),
        url=_url(alert.get("url"), f"{where}.url", strict=True),
    )


def parse_generic(body: Any, service_labels: Sequence[str]) -> list[AlertIn]:
    """One alert object, or `{"alerts": [...]}` of them."""
    body = _object(body, "the body")
    if set(body) == {"alerts"}:
        return [
            _generic_one(raw, f"alerts[{i}]", service_labels)
            for i, raw in enumerate(_alert_list(body))
        ]
    return [_generic_one(body, "alert", service_labels)]


PARSERS: dict[str, Callable[[Any, Sequence[str]], list[AlertIn]]] = {
    "alertmanager": parse_alertmanager,
    "grafana": parse_grafana,
    "uptime-kuma": parse_uptime_kuma,
    "generic": parse_generic,
}


def parse_body(source: str, raw: bytes, service_labels: Sequence[str]) -> list[AlertIn]:
    """Decode and check a request body for `source` (one of SOURCES)."""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadError(f"body larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise PayloadError("empty body; expected JSON")
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise PayloadError("body is not UTF-8") from None
    except RecursionError:
        raise PayloadError("JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise PayloadError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    alerts = PARSERS[source](body, service_labels)
    # Within one request the same alert may appear twice (a sender's retry batch): the last
    # report of it wins, as it would across requests.
    latest: dict[str, AlertIn] = {}
    for alert in alerts:
        latest.pop(alert.fingerprint, None)
        latest[alert.fingerprint] = alert
    return list(latest.values())


# --- rules for the timeline -----------------------------------------------------------------


def alert_label(name: str, service: str | None) -> str:
    """How an alert is named on the timeline: `HighErrorRate (checkout)`."""
    return f"{name} ({service})" if service else name


def resolved_text(name: str, service: str | None, fired_for: float | None) -> str:
    text = f"Alert resolved: {alert_label(name, service)}"
    if fired_for is not None and fired_for >= 0:
        text += f" after {format_duration(fired_for)}"
    return text


MAX_TITLE = 200


def default_title(name: str, summary: str | None) -> str:
    """The incident title proposed for an alert: its name and summary, on one line."""
    title = f"{name}: {summary}" if summary else name
    title = " ".join(title.split())
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
