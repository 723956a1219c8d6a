#!/usr/bin/env python3
"""warroom publish hook: publish a customer update to an Atlassian Statuspage page.

The first update of a warroom incident creates a Statuspage incident; later ones update it
(status and body), so the page shows the same history as warroom. Reads warroom's JSON
document on stdin; standard library only.

    [[publish]]
    name = "statuspage.io"
    command = ["/usr/local/bin/statuspage_io.py"]
    timeout_seconds = 15

Environment:
  STATUSPAGE_API_KEY     an API key (required)
  STATUSPAGE_PAGE_ID     the page's id (required)
  STATUSPAGE_COMPONENTS  optional JSON mapping public component names to Statuspage
                         component ids, e.g. {"Checkout": "8kbf7d35c070"}
  STATUSPAGE_STATE       where the warroom ref -> Statuspage incident id map is kept
                         (default ~/.local/state/warroom/statuspage-incidents.json)
  STATUSPAGE_API         API base (default https://api.statuspage.io/v1)
Exits non-zero with one line on stderr when the API refuses, so warroom records and retries.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path


def state_path() -> Path:
    default = Path.home() / ".local" / "state" / "warroom" / "statuspage-incidents.json"
    return Path(os.environ.get("STATUSPAGE_STATE") or default)


def load_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(tmp, path)


def call(method: str, url: str, key: str, payload: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        method=method,
        headers={"Authorization": f"OAuth {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=12) as response:
        return json.loads(response.read() or b"{}")


def main() -> int:
    key, page = os.environ.get("STATUSPAGE_API_KEY"), os.environ.get("STATUSPAGE_PAGE_ID")
    if not key or not page:
        print("STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID must be set", file=sys.stderr)
        return 2
    base = os.environ.get("STATUSPAGE_API", "https://api.statuspage.io/v1").rstrip("/")
    ids = json.loads(os.environ.get("STATUSPAGE_COMPONENTS") or "{}")
    doc = json.load(sys.stdin)
    incident, update = doc["incident"], doc["update"]
    fields = {"status": update["status"], "body": update["body"]}
    components = {
        ids[c["name"]]: c["status"] for c in incident.get("components") or [] if c["name"] in ids
    }
    if components:
        fields["components"] = components
        fields["component_ids"] = list(components)
    path = state_path()
    state = load_state(path)
    known = state.get(incident["ref"])
    try:
        if known is None:
            fields.update(name=incident["name"], impact_override=incident["impact"])
            created = call("POST", f"{base}/pages/{page}/incidents", key, {"incident": fields})
            state[incident["ref"]] = created["id"]
            save_state(path, state)
        else:
            call("PATCH", f"{base}/pages/{page}/incidents/{known}", key, {"incident": fields})
    except urllib.error.HTTPError as exc:
        print(f"HTTP {exc.code} from Statuspage: {exc.reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError, KeyError, ValueError) as exc:
        print(f"Statuspage call failed: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
