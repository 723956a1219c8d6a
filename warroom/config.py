"""The TOML config file: severity definitions and cadences, the checklist, team templates.

Path: `WARROOM_CONFIG`, else `config.toml` in the user config directory. A missing file means
the defaults; a malformed one is an error naming the file and the problem.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from warroom.domain import (
    AUTO_EVENTS,
    DEFAULT_SEVERITIES,
    DEFAULT_SYNC_SECONDS,
    SEVERITIES,
    STEPS,
    AlertSettings,
    ChecklistTemplateItem,
    Destination,
    ReplicaSettings,
    Settings,
)
from warroom.errors import WarroomError

EXAMPLE = """\
# warroom config. Every key is optional; leave one out for the default.
company = "Example Ltd"            # used by customer-update templates
templates = ["~/team-templates"]   # folders searched before the shipped templates

[severities.SEV1]
definition = "Critical: the product is down or data is at risk for most customers."
cadence_minutes = 20               # customer update every N minutes; 0 = none required
first_update_minutes = 10          # first update due N minutes after declaring; 0 = none

# Giving [[checklist]] replaces the whole default checklist.
[[checklist]]
step = "triage"                    # detect, triage, assign, communicate, mitigate, review
text = "Confirm user impact"
auto = "impact"                    # optional: impact, severity, owner, first_update,
                                   # mitigation, followup tick the item by themselves

[replicate]                        # `warroom replicate run` (needs warroom[replica])
to = "s3://example-bucket/warroom" # a folder, sftp://USER@HOST/PATH or s3://BUCKET/PATH
sync_seconds = 1                   # how often changes are shipped: the most a lost host loses
# sftp_key_path = "~/.ssh/id_ed25519"   # for sftp://: the key to log in with, and the
# sftp_host_key = "ssh-ed25519 AAAA..." # server's key (ssh-keyscan HOST), else not checked
[alerts]                           # `warroom alerts listen`
token = "a-long-random-secret"     # bearer token senders must give; or $WARROOM_ALERTS_TOKEN
service_labels = ["service", "job"]  # alert labels naming the service, first found wins

# The names customers know; customer templates and the status page use these. Once this
# table exists, a service not in it is left out of customer text.
[components]
"checkout-api" = "Checkout"
"payments" = "Card payments"

# Where a published update goes. A command gets one JSON document on stdin.
[[publish]]
name = "status page"
command = ["/usr/local/bin/post-statuspage"]
timeout_seconds = 10

# warroom's own static status page, rebuilt on every publish.
[[publish]]
name = "own page"
type = "statuspage"
dir = "/srv/www/status"
title = "Example Ltd status"
"""


MAX_MINUTES = 7 * 24 * 60  # a week; longer is a typo, and would overflow time arithmetic


def config_path() -> Path:
    env = os.environ.get("WARROOM_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("warroom")) / "config.toml"


class ConfigError(WarroomError):
    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"config {path}: {problem}")


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(path, exc.strerror or str(exc)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    return parse_settings(data, path)


def _positive_or_none(value: Any, where: str, path: Path) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        raise ConfigError(
            path, f"{where} must be a whole number of minutes from 0 (none) to {MAX_MINUTES}"
        )
    return value or None


def parse_settings(data: dict[str, Any], path: Path) -> Settings:
    known = {
        "company",
        "templates",
        "severities",
        "checklist",
        "replicate",
        "alerts",
        "components",
        "publish",
    }
    for key in data:
        if key not in known:
            raise ConfigError(path, f"unknown key {key!r} (known: {', '.join(sorted(known))})")
    settings = Settings()
    severities = dict(DEFAULT_SEVERITIES)
    tables = data.get("severities") or {}
    if not isinstance(tables, dict):
        raise ConfigError(path, "severities must be tables like [severities.SEV1]")
    for name, table in tables.items():
        if name not in SEVERITIES:
            raise ConfigError(path, f"unknown severity [severities.{name}]")
        if not isinstance(table, dict):
            raise ConfigError(path, f"severities.{name} must be a table")
        rule = severities[name]
        for key, value in table.items():
            where = f"severities.{name}.{key}"
            if key == "definition":
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(path, f"{where} must be non-empty text")
                rule = replace(rule, definition=value.strip())
            elif key == "cadence_minutes":
                rule = replace(rule, cadence_minutes=_positive_or_none(value, where, path))
            elif key == "first_update_minutes":
                rule = replace(rule, first_update_minutes=_positive_or_none(value, where, path))
            else:
                raise ConfigError(path, f"unknown key {where}")
        severities[name] = rule
    checklist = settings.checklist
    if "checklist" in data:
        items = data["checklist"]
        if not isinstance(items, list) or not items:
            raise ConfigError(path, "checklist must be a non-empty array of [[checklist]] tables")
        parsed = []
        for index, item in enumerate(items, start=1):
            where = f"checklist item {index}"
            if not isinstance(item, dict):
                raise ConfigError(path, f"{where} must be a table")
            extra = set(item) - {"step", "text", "auto"}
            if extra:
                raise ConfigError(path, f"{where}: unknown key {sorted(extra)[0]!r}")
            step, text, auto = item.get("step"), item.get("text"), item.get("auto")
            if step not in STEPS:
                raise ConfigError(path, f"{where}: step must be one of {', '.join(STEPS)}")
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(path, f"{where}: text must be non-empty")
            if auto is not None and auto not in AUTO_EVENTS:
                raise ConfigError(path, f"{where}: auto must be one of {', '.join(AUTO_EVENTS)}")
            parsed.append(ChecklistTemplateItem(step, text.strip(), auto))
        checklist = tuple(parsed)
    company = data.get("company")
    if company is not None and (not isinstance(company, str) or not company.strip()):
        raise ConfigError(path, "company must be non-empty text")
    templates = data.get("templates", [])
    if not isinstance(templates, list) or not all(isinstance(t, str) for t in templates):
        raise ConfigError(path, "templates must be an array of folder paths")
    components = _components(data.get("components", {}), path)
    destinations, page_title = _destinations(data.get("publish", []), path)
    return Settings(
        severities=severities,
        checklist=checklist,
        company=company,
        template_dirs=tuple(Path(t).expanduser() for t in templates),
        components=components,
        destinations=destinations,
        status_page_title=page_title,
        replicate=_replicate(data.get("replicate", {}), path),
        alerts=_parse_alerts(data.get("alerts", {}), path),
    )


MAX_SYNC_SECONDS = 3600.0


def _replicate(table: Any, path: Path) -> ReplicaSettings:
    if not isinstance(table, dict):
        raise ConfigError(path, "replicate must be a table: [replicate]")
    extra = set(table) - {"to", "sync_seconds", "sftp_key_path", "sftp_host_key"}
    if extra:
        raise ConfigError(path, f"unknown key replicate.{sorted(extra)[0]}")
    to = table.get("to")
    if to is not None and (not isinstance(to, str) or not to.strip()):
        raise ConfigError(path, "replicate.to must be a folder path, sftp://HOST/PATH or s3://...")
    seconds = table.get("sync_seconds", DEFAULT_SYNC_SECONDS)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0.05 <= seconds <= MAX_SYNC_SECONDS
    ):
        raise ConfigError(
            path,
            f"replicate.sync_seconds must be a number of seconds, 0.05 to {MAX_SYNC_SECONDS:g}",
        )
    key = table.get("sftp_key_path")
    if key is not None and (not isinstance(key, str) or not key.strip()):
        raise ConfigError(path, "replicate.sftp_key_path must be a file path")
    host_key = table.get("sftp_host_key")
    if host_key is not None and (
        not isinstance(host_key, str) or len(host_key.split()) < 2 or "\n" in host_key.strip()
    ):
        raise ConfigError(path, "replicate.sftp_host_key must be one public key line: TYPE BASE64")
    return ReplicaSettings(
        to=to.strip() if to else None,
        sync_seconds=float(seconds),
        sftp_key_path=key,
        sftp_host_key=host_key.strip() if host_key else None,
    )


def _parse_alerts(table: Any, path: Path) -> AlertSettings:
    if not isinstance(table, dict):
        raise ConfigError(path, "alerts must be a table like [alerts]")
    extra = set(table) - {"token", "service_labels"}
    if extra:
        raise ConfigError(path, f"unknown key alerts.{sorted(extra)[0]}")
    token = table.get("token")
    if token is not None and (not isinstance(token, str) or len(token.strip()) < 16):
        # A short token is guessable by anyone who can reach the port.
        raise ConfigError(path, "alerts.token must be text of at least 16 characters")
    labels = table.get("service_labels", list(AlertSettings.service_labels))
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(x, str) and x.strip() for x in labels)
    ):
        raise ConfigError(path, "alerts.service_labels must be a non-empty array of label names")
    return AlertSettings(
        token=token.strip() if token is not None else None,
        service_labels=tuple(x.strip() for x in labels),
    )


MAX_TIMEOUT_SECONDS = 600


def _components(table: Any, path: Path) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(
            path,
            'components must be a table: [components] "checkout-api" = "Checkout"',
        )
    for service, public in table.items():
        if not isinstance(public, str) or not public.strip():
            raise ConfigError(path, f"components.{service} must be the public name, as text")
    return {service: public.strip() for service, public in table.items()}


def _destinations(items: Any, path: Path) -> tuple[tuple[Destination, ...], str | None]:
    if not isinstance(items, list):
        raise ConfigError(path, "publish must be an array of [[publish]] tables")
    found: list[Destination] = []
    page_title = None
    for index, item in enumerate(items, start=1):
        where = f"publish destination {index}"
        if not isinstance(item, dict):
            raise ConfigError(path, f"{where} must be a table")
        kind = item.get("type", "command")
        allowed = {"name", "type", "timeout_seconds"} | (
            {"command"} if kind == "command" else {"dir", "title"}
        )
        extra = set(item) - allowed
        if kind not in ("command", "statuspage"):
            raise ConfigError(path, f'{where}: type must be "command" or "statuspage"')
        if extra:
            raise ConfigError(path, f"{where}: unknown key {sorted(extra)[0]!r}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(path, f"{where}: name must be non-empty text")
        name = name.strip()
        if any(d.name == name for d in found):
            raise ConfigError(path, f"{where}: another destination is already named {name!r}")
        timeout = item.get("timeout_seconds", 10)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, int | float)
            or not 0 < timeout <= MAX_TIMEOUT_SECONDS
        ):
            raise ConfigError(
                path, f"{where}: timeout_seconds must be a number from 1 to {MAX_TIMEOUT_SECONDS}"
            )
        if kind == "command":
            command = item.get("command")
            if (
                not isinstance(command, list)
                or not command
                or not all(isinstance(c, str) and c for c in command)
            ):
                raise ConfigError(
                    path, f'{where}: command must be an array like ["/usr/local/bin/hook", "--x"]'
                )
            found.append(Destination(name, "command", tuple(command), None, float(timeout)))
        else:
            directory = item.get("dir")
            if not isinstance(directory, str) or not directory.strip():
                raise ConfigError(path, f"{where}: dir must be the folder to write the page to")
            title = item.get("title")
            if title is not None:
                if not isinstance(title, str) or not title.strip():
                    raise ConfigError(path, f"{where}: title must be non-empty text")
                page_title = title.strip()
            found.append(
                Destination(name, "statuspage", (), Path(directory).expanduser(), float(timeout))
            )
    return tuple(found), page_title
