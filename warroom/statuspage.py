"""warroom's own status page: static files any web server or bucket sync can serve while the
status-page SaaS is down.

`index.html` (no JavaScript), `status.json` in the shape of Statuspage's public
`summary.json`, and `feed.atom` (one entry per published update, newest first). Only published
update text and public component names appear: never notes, internal service names, titles
or responders' names.
"""

from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from warroom.domain import COMPONENT_STATUS, IMPACT, Settings, format_ref
from warroom.safe_files import Access, make_folder, write_text
from warroom.safe_text import customer_text
from warroom.storage import Connection
from warroom.storage import queries as q
from warroom.views import Update, update_from_row

PUBLIC = Access(mode=0o644)
# Resolved incidents stay on the page this long, as Statuspage shows recent history.
HISTORY = timedelta(days=14)
INDICATOR_RANK = {"none": 0, "minor": 1, "major": 2, "critical": 3}
STATUS_RANK = {
    "operational": 0,
    "degraded_performance": 1,
    "partial_outage": 2,
    "major_outage": 3,
}
STATUS_LABEL = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
}
INDICATOR_TEXT = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}


@dataclass(frozen=True)
class PageIncident:
    id: int
    name: str
    status: str  # of its latest published update: what customers were told
    impact: str
    components: tuple[str, ...]
    updates: tuple[Update, ...]  # newest first

    @property
    def created_at(self) -> datetime:
        return self.updates[-1].published_at

    @property
    def updated_at(self) -> datetime:
        return self.updates[0].published_at

    def moment(self, status: str) -> datetime | None:
        """When the first update with `status` went out (Statuspage's monitoring_at...)."""
        times = [u.published_at for u in self.updates if u.status == status]
        return min(times) if times else None


def page_title(settings: Settings, title: str | None = None) -> str:
    if title:
        return title
    if settings.status_page_title:
        return settings.status_page_title
    return f"{settings.company} status" if settings.company else "Service status"


def collect(conn: Connection, settings: Settings) -> list[PageIncident]:
    """Incidents with at least one published update, newest activity first."""
    by_incident: dict[int, list[Update]] = {}
    for row in q.published_updates(conn):
        update = update_from_row(row)
        # Text that leaves warroom: control characters and escapes shown, never passed on.
        update = replace(update, text=customer_text(update.text))
        by_incident.setdefault(row["incident_id"], []).append(update)
    found = []
    for incident_id, published in by_incident.items():
        incident = q.get_incident(conn, incident_id)
        if incident is None:
            continue
        latest = published[0]
        found.append(
            PageIncident(
                id=incident_id,
                name=_headline(latest),
                status=latest.status,
                impact=IMPACT.get(incident["severity"], "none"),
                components=tuple(settings.public_names(q.get_services(conn, incident_id))),
                updates=tuple(published),
            )
        )
    found.sort(key=lambda i: i.updated_at, reverse=True)
    return found


def _headline(update: Update) -> str:
    # Shipped templates start "Identified: <title>"; the page shows the status separately.
    line = update.headline.strip()
    prefix = f"{update.status.capitalize()}:"
    return line[len(prefix) :].strip() or line if line.startswith(prefix) else line


def _component_states(
    settings: Settings, incidents: list[PageIncident]
) -> dict[str, tuple[str, datetime | None]]:
    names: list[str] = []
    for name in settings.components.values():
        if name not in names:
            names.append(name)
    for incident in incidents:
        for name in incident.components:
            if name not in names:
                names.append(name)
    states: dict[str, tuple[str, datetime | None]] = {n: ("operational", None) for n in names}
    for incident in incidents:
        if incident.status == "resolved":
            continue
        status = COMPONENT_STATUS.get(_severity_of(incident), "operational")
        for name in incident.components:
            current, _ = states[name]
            if STATUS_RANK[status] > STATUS_RANK[current]:
                states[name] = (status, incident.updated_at)
    return states


def _severity_of(incident: PageIncident) -> str:
    return next((s for s, i in IMPACT.items() if i == incident.impact), "SEV4")


def _page_id(title: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"warroom-status-page:{title}").hex[:12]


def _entry_id(page_id: str, update: Update) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'warroom:{page_id}:update:{update.id}')}"


def summary(
    settings: Settings, incidents: list[PageIncident], now: datetime, title: str, url: str | None
) -> dict[str, Any]:
    """status.json: Statuspage's public summary.json (page, components, incidents with
    incident_updates, scheduled_maintenances, status)."""
    page_id = _page_id(title)
    open_incidents = [i for i in incidents if i.status != "resolved"]
    indicator = max(
        (i.impact for i in open_incidents), key=lambda x: INDICATOR_RANK[x], default="none"
    )
    states = _component_states(settings, incidents)

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(UTC).isoformat() if moment else None

    def component_id(name: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"warroom:{page_id}:component:{name}").hex[:12]

    return {
        "page": {
            "id": page_id,
            "name": title,
            "url": url,
            "time_zone": "Etc/UTC",
            "updated_at": iso(now),
        },
        "components": [
            {
                "id": component_id(name),
                "name": name,
                "status": status,
                "created_at": None,
                "updated_at": iso(since),
                "position": position,
                "description": None,
                "showcase": True,
                "group_id": None,
                "page_id": page_id,
                "group": False,
                "only_show_if_degraded": False,
            }
            for position, (name, (status, since)) in enumerate(states.items(), start=1)
        ],
        "incidents": [
            {
                "id": format_ref(i.id),
                "name": i.name,
                "status": i.status,
                "created_at": iso(i.created_at),
                "updated_at": iso(i.updated_at),
                "monitoring_at": iso(i.moment("monitoring")),
                "resolved_at": iso(i.moment("resolved")),
                "impact": i.impact,
                "shortlink": None,
                "started_at": iso(i.created_at),
                "page_id": page_id,
                "incident_updates": [
                    {
                        "id": str(u.id),
                        "status": u.status,
                        "body": u.text,
                        "incident_id": format_ref(i.id),
                        "created_at": iso(u.published_at),
                        "updated_at": iso(u.published_at),
                        "display_at": iso(u.published_at),
                        "affected_components": [
                            {"code": component_id(n), "name": n} for n in i.components
                        ],
                    }
                    for u in i.updates
                ],
                "components": [
                    {"id": component_id(n), "name": n, "status": states[n][0]} for n in i.components
                ],
            }
            for i in open_incidents
        ],
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": INDICATOR_TEXT[indicator]},
    }


def feed(incidents: list[PageIncident], now: datetime, title: str, url: str | None) -> str:
    """feed.atom: one entry per published update, newest first, ids stable across rebuilds."""
    page_id = _page_id(title)
    entries = sorted(
        ((i, u) for i in incidents for u in i.updates),
        key=lambda pair: (pair[1].published_at, pair[1].id),
        reverse=True,
    )
    updated = entries[0][1].published_at if entries else now
    base = url.rstrip("/") + "/" if url else None
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"  <id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'warroom-feed:{page_id}')}</id>",
        f"  <title>{_x(title)}</title>",
        f"  <updated>{_atom_time(updated)}</updated>",
        f"  <author><name>{_x(title)}</name></author>",
    ]
    if base:
        lines.append(f'  <link rel="alternate" type="text/html" href="{_x(base)}"/>')
        lines.append(f'  <link rel="self" href="{_x(base + "feed.atom")}"/>')
    for incident, update in entries:
        lines += [
            "  <entry>",
            f"    <id>{_entry_id(page_id, update)}</id>",
            f"    <title>{_x(update.status.capitalize())}: {_x(incident.name)}</title>",
            f"    <updated>{_atom_time(update.published_at)}</updated>",
            f"    <published>{_atom_time(update.published_at)}</published>",
        ]
        if base:
            anchor = f"{base}#update-{update.id}"
            lines.append(f'    <link rel="alternate" type="text/html" href="{_x(anchor)}"/>')
        lines += [f'    <content type="text">{_x(update.text)}</content>', "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _x(text: str) -> str:
    # XML 1.0 cannot carry most control characters, even escaped: drop them.
    cleaned = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
    return xml_escape(cleaned, {'"': "&quot;"})


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


STYLE = """
body { font-family: system-ui, sans-serif; color: #1b1f24; background: #ffffff;
       max-width: 46rem; margin: 0 auto; padding: 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; }
.banner { padding: 0.8rem 1rem; border-radius: 0.3rem; font-weight: bold; color: #ffffff; }
.banner.none { background: #1a7f37; } .banner.minor { background: #7d4e00; }
.banner.major { background: #b35900; } .banner.critical { background: #b42318; }
.components { list-style: none; padding: 0; }
.components li { display: flex; justify-content: space-between; padding: 0.4rem 0;
                 border-bottom: 1px solid #d0d7de; }
.operational { color: #1a7f37; } .degraded_performance { color: #7d4e00; }
.partial_outage { color: #953800; } .major_outage { color: #b42318; }
.update { margin: 0 0 1rem 0; }
.update p { white-space: pre-wrap; margin: 0.2rem 0; }
time, .meta { color: #57606a; }
"""


def index_html(settings: Settings, incidents: list[PageIncident], now: datetime, title: str) -> str:
    states = _component_states(settings, incidents)
    open_incidents = [i for i in incidents if i.status != "resolved"]
    past = [i for i in incidents if i.status == "resolved" and now - i.updated_at <= HISTORY]
    indicator = max(
        (i.impact for i in open_incidents), key=lambda x: INDICATOR_RANK[x], default="none"
    )
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)}</title>",
        '<link rel="alternate" type="application/atom+xml" title="Updates" href="feed.atom">',
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{e(title)}</h1>",
        f'<p class="banner {indicator}" role="status">{e(INDICATOR_TEXT[indicator])}</p>',
        "</header>",
        "<main>",
    ]
    if states:
        out += ['<section aria-labelledby="components">', '<h2 id="components">Components</h2>']
        out.append('<ul class="components">')
        for name, (status, _) in states.items():
            out.append(
                f'<li><span>{e(name)}</span> <span class="{status}">'
                f"{e(STATUS_LABEL[status])}</span></li>"
            )
        out += ["</ul>", "</section>"]
    out += _incident_section("current", "Current incidents", open_incidents, "None right now.")
    out += _incident_section("past", "Past incidents", past, "No incidents in the last 14 days.")
    out += [
        "</main>",
        "<footer>",
        f'<p class="meta">Page built {_human(now)}. <a href="feed.atom">Atom feed</a>, '
        '<a href="status.json">status.json</a>.</p>',
        "</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _incident_section(key: str, heading: str, items: list[PageIncident], empty: str) -> list[str]:
    e = html.escape
    out = [f'<section aria-labelledby="{key}">', f'<h2 id="{key}">{e(heading)}</h2>']
    if not items:
        out.append(f"<p>{e(empty)}</p>")
    for incident in items:
        out.append("<article>")
        out.append(f"<h3>{e(incident.name)}</h3>")
        if incident.components:
            out.append(f'<p class="meta">Affects: {e(", ".join(incident.components))}</p>')
        for update in incident.updates:
            out += [
                f'<div class="update" id="update-{update.id}">',
                f"<h4>{e(update.status.capitalize())} "
                f'<time datetime="{update.published_at.astimezone(UTC).isoformat()}">'
                f"{e(_human(update.published_at))}</time></h4>",
                f"<p>{e(update.text)}</p>",
                "</div>",
            ]
        out.append("</article>")
    out.append("</section>")
    return out


def _human(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def build(
    conn: Connection,
    settings: Settings,
    directory: Path,
    now: datetime,
    *,
    title: str | None = None,
    url: str | None = None,
) -> list[Path]:
    """Write index.html, status.json and feed.atom into `directory` (created if missing),
    each replaced atomically, so a web server never serves half a page. Returns the paths."""
    shown_title = page_title(settings, title)
    incidents = collect(conn, settings)
    files = {
        "status.json": json.dumps(
            summary(settings, incidents, now, shown_title, url), ensure_ascii=False, indent=2
        )
        + "\n",
        "feed.atom": feed(incidents, now, shown_title, url),
        # Last: a reader following the page's links finds the files it names already there.
        "index.html": index_html(settings, incidents, now, shown_title),
    }
    # A symlink planted at the folder's name is refused, never followed (0755 when made).
    directory = make_folder(Path(directory), PUBLIC)
    # safe_files: a planted symlink or device at a file's name is refused, never followed;
    # each file is replaced atomically; 0644 because a web server (another user) serves it.
    return [
        write_text(directory / name, text, access=PUBLIC, overwrite=True)
        for name, text in files.items()
    ]
