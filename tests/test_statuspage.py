"""Issue 10 point 8: `warroom statuspage build DIR` and the statuspage destination."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import Cli, FakeClock
from warroom import actions, statuspage
from warroom.actions import Room
from warroom.delivery import deliver_due
from warroom.domain import Destination
from warroom.errors import WarroomError

ATOM = "{http://www.w3.org/2005/Atom}"


def incident_with_updates(room: Room, clock: FakeClock) -> int:
    room = room.with_settings(replace(room.settings, components={"checkout-api": "Checkout"}))
    incident_id = actions.declare(
        room, "checkout-api OOM after v1.42", "SEV2", ["checkout-api", "pg"]
    )
    actions.note(room, incident_id, "SECRET-NOTE: pg primary at 100% cpu")
    actions.assign(room, incident_id, "owner", "maya-the-responder")
    actions.publish_update(room, incident_id, "Investigating: checkout errors\n\nWe are on it.")
    clock.advance(minutes=10)
    actions.set_status(room, incident_id, "identified")
    actions.publish_update(room, incident_id, "Identified: checkout errors\n\nFix rolling out.")
    return incident_id


def build(room: Room, out: Path) -> None:
    settings = replace(room.settings, components={"checkout-api": "Checkout"}, company="Acme")
    with room.read() as conn:
        statuspage.build(conn, settings, out, room.now(), url="https://status.example.com/")


def test_files_hold_only_published_text_and_public_names(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    incident_with_updates(room, clock)
    out = tmp_path / "page"
    build(room, out)
    for name in ("index.html", "status.json", "feed.atom"):
        text = (out / name).read_text()
        assert "Fix rolling out." in text
        for internal in ("SECRET-NOTE", "checkout-api", "maya-the-responder", "alice", "OOM"):
            assert internal not in text, (name, internal)
        assert oct((out / name).stat().st_mode & 0o777) == "0o644"


def test_status_json_is_shaped_like_statuspage_summary(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    incident_with_updates(room, clock)
    build(room, tmp_path)
    summary = json.loads((tmp_path / "status.json").read_text())
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert summary["page"]["name"] == "Acme status"
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert [(c["name"], c["status"]) for c in summary["components"]] == [
        ("Checkout", "partial_outage")
    ]
    [incident] = summary["incidents"]
    assert incident["name"] == "checkout errors" and incident["status"] == "identified"
    assert incident["impact"] == "major"
    assert [u["status"] for u in incident["incident_updates"]] == ["identified", "investigating"]
    assert (
        incident["incident_updates"][0]["body"] == "Identified: checkout errors\n\nFix rolling out."
    )


def test_resolved_update_clears_the_indicator(room: Room, clock: FakeClock, tmp_path: Path) -> None:
    incident_id = incident_with_updates(room, clock)
    clock.advance(minutes=10)
    actions.set_status(room, incident_id, "resolved")
    build(room, tmp_path)
    # Resolved, but customers were not told yet: the page still shows what was published.
    assert json.loads((tmp_path / "status.json").read_text())["status"]["indicator"] == "major"
    actions.publish_update(room, incident_id, "Resolved: checkout errors", force=True)
    build(room, tmp_path)
    summary = json.loads((tmp_path / "status.json").read_text())
    assert summary["status"]["indicator"] == "none" and summary["incidents"] == []
    assert summary["components"][0]["status"] == "operational"
    assert "Past incidents" in (tmp_path / "index.html").read_text()


def test_feed_is_atom_newest_first_with_stable_ids(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    incident_with_updates(room, clock)
    build(room, tmp_path)
    first = ET.parse(tmp_path / "feed.atom").getroot()
    assert first.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert first.find(f"{ATOM}{required}") is not None
    entries = first.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == ["Identified: checkout errors", "Investigating: checkout errors"]
    for entry in entries:
        for required in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{required}") is not None
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 2 and all(i.startswith("urn:uuid:") for i in ids)
    clock.advance(minutes=30)
    actions.publish_update(room, 1, "Monitoring: checkout errors")
    build(room, tmp_path)
    again = [
        e.findtext(f"{ATOM}id")
        for e in ET.parse(tmp_path / "feed.atom").getroot().findall(f"{ATOM}entry")
    ]
    assert again[1:] == ids  # same ids for the same updates; the new one first


def test_page_is_accessible_without_script(room: Room, clock: FakeClock, tmp_path: Path) -> None:
    incident_with_updates(room, clock)
    build(room, tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert '<html lang="en">' in page and "<h1>Acme status</h1>" in page
    assert "<script" not in page
    assert re.search(r"<h2[^>]*>Current incidents</h2>", page)

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    # Every colour in the style is text on white or a background under white text.
    colours = re.findall(r"(?:color|background): (#[0-9a-f]{6})", statuspage.STYLE)
    assert len(colours) > 8
    for colour in colours:
        if colour != "#ffffff":
            assert contrast(colour, "#ffffff") >= 4.5, colour


def test_user_text_is_escaped(room: Room, tmp_path: Path) -> None:
    incident_id = actions.declare(room, "x", "SEV3")
    actions.publish_update(room, incident_id, "<script>alert(1)</script> & \x1b[31m </feed>")
    build(room, tmp_path)
    for name in ("index.html", "status.json", "feed.atom"):
        assert "\x1b" not in (tmp_path / name).read_text()  # escapes shown, never passed on
    assert "<script>" not in (tmp_path / "index.html").read_text()
    ET.parse(tmp_path / "feed.atom")  # still well-formed XML


def test_refuses_symlinks(room: Room, clock: FakeClock, tmp_path: Path) -> None:
    incident_with_updates(room, clock)
    target = tmp_path / "elsewhere"
    target.write_text("keep me")
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").symlink_to(target)
    with pytest.raises(WarroomError, match="is a symbolic link; refusing to write there"):
        build(room, page)
    assert target.read_text() == "keep me"
    assert (page / "index.html").is_symlink()


def test_cli_build_and_the_statuspage_destination(
    run: Cli, room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    run.ok("declare", "x", "-s", "SEV2", "--service", "web")
    run.ok("update", "--publish")
    out = run.ok("statuspage", "build", str(tmp_path / "cli")).stdout.splitlines()
    assert out == [str(tmp_path / "cli" / n) for n in ("status.json", "feed.atom", "index.html")]
    page = tmp_path / "dest"
    room = room.with_settings(
        replace(room.settings, destinations=(Destination("own", "statuspage", directory=page),))
    )
    clock.advance(minutes=5)
    actions.set_status(room, 1, "monitoring")
    actions.publish_update(room, 1, "Monitoring: the fix holds")
    [done] = deliver_due(room)
    assert done.state == "delivered"
    assert "Monitoring: the fix holds" in (page / "index.html").read_text()
    bad = run("statuspage", "build", str(tmp_path / "cli" / "index.html"))  # a file
    assert bad.exit_code == 2 and "is a file" in bad.stderr


@pytest.mark.slow
def test_latest_update_is_on_the_page_chromium_renders(
    room: Room, clock: FakeClock, tmp_path: Path
) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    incident_with_updates(room, clock)
    build(room, tmp_path / "page")
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--dump-dom",
            (tmp_path / "page" / "index.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<h1>Acme status</h1>" in dom
    assert "Fix rolling out." in dom
    assert dom.index("Identified") < dom.index("Investigating")  # newest first
