#!/usr/bin/env python3
"""warroom publish hook: post a published customer update to a Slack-compatible webhook.

Works with Slack incoming webhooks and the compatible ones of Mattermost, Rocket.Chat and
Discord's /slack endpoint. Reads warroom's JSON document on stdin; standard library only.

    [[publish]]
    name = "chat"
    command = ["/usr/local/bin/slack_webhook.py"]
    timeout_seconds = 10

Environment: SLACK_WEBHOOK_URL (required).
Exits non-zero with one line on stderr when the post fails, so warroom records and retries it.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request


def message(doc: dict) -> dict:
    incident, update = doc["incident"], doc["update"]
    head = f"[{incident['severity']}] {incident['ref']} {update['status'].capitalize()}"
    components = ", ".join(c["name"] for c in incident.get("components") or [])
    lines = [f"*{head}*" + (f" ({components})" if components else ""), update["body"]]
    return {"text": "\n".join(lines)}


def main() -> int:
    url = os.environ.get("SLACK_WEBHOOK_URL")
    if not url:
        print("SLACK_WEBHOOK_URL is not set", file=sys.stderr)
        return 2
    doc = json.load(sys.stdin)
    body = json.dumps(message(doc)).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        print(f"HTTP {exc.code} from the webhook: {exc.reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"cannot reach the webhook: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
