"""Team templates that never end or ask for gigabytes: an error naming the file within the time
limit, the rendering thread stopped, and the war room and other commands still working."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.conftest import Cli
from warroom import actions, templating
from warroom.actions import Room
from warroom.templating import TemplateProblem, render_update

from .tui_helpers import make_app, settle, until

LIMIT = 0.5  # seconds: the real limit is a few seconds; the tests need not wait that long


@pytest.fixture(autouse=True)
def short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(templating, "TIME_LIMIT", LIMIT, raising=False)


def _team(tmp_path: Path, name: str, source: str) -> Path:
    folder = tmp_path / "team"
    (folder / "updates").mkdir(parents=True, exist_ok=True)
    (folder / "updates" / f"{name}.j2").write_text(source)
    return folder


def _template_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "warroom-template" and t.is_alive()]


def _wait_for_no_template_threads() -> None:
    deadline = time.monotonic() + 10
    while _template_threads():
        assert time.monotonic() < deadline, "the rendering thread kept running"
        time.sleep(0.01)


SLOW = {
    "nested ranges": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
    "{% endfor %}",
    # No range() to count: only the deadline and the asynchronous stop end this one.
    "nested strings": "{% set s = 'a' * 90000 %}{% for a in s %}{% for b in s %}{% endfor %}"
    "{% endfor %}",
}


@pytest.mark.parametrize("source", SLOW.values(), ids=SLOW.keys())
def test_a_template_that_never_ends_is_stopped(tmp_path: Path, source: str) -> None:
    folder = _team(tmp_path, "forever", source)
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        render_update("forever", {}, [folder])
    assert time.monotonic() - started < LIMIT + 2
    assert "forever.j2" in caught.value.message and "longer than" in caught.value.message
    _wait_for_no_template_threads()


HUGE = {
    "string repetition": "{{ 'x' * 4000000000 }}",
    "list repetition": "{{ [1] * 4000000000 }}",
    "power": "{{ 10 ** 100000000 }}",
    "percent width": "{{ '%999999999d' % 1 }}",
    "format width": "{{ '{:999999999}'.format(1) }}",
    "ljust": "{{ 'x'.ljust(4000000000) }}",
    "center filter": "{{ 'x'|center(4000000000) }}",
    "indent filter": "{{ 'a\nb'|indent(4000000000) }}",
    "big range": "{{ range(4000000000)|list|length }}",
}


@pytest.mark.parametrize("source", HUGE.values(), ids=HUGE.keys())
def test_a_huge_single_operation_is_refused_before_it_runs(tmp_path: Path, source: str) -> None:
    folder = _team(tmp_path, "huge", source)
    started = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        render_update("huge", {}, [folder])
    assert time.monotonic() - started < LIMIT  # refused, not timed out
    assert "huge.j2" in caught.value.message


def test_output_is_limited(tmp_path: Path) -> None:
    folder = _team(tmp_path, "long", "{% for i in range(100000) %}{{ 'x' * 99999 }}{% endfor %}")
    with pytest.raises(TemplateProblem, match="wrote more than"):
        render_update("long", {}, [folder])


def test_ordinary_templates_still_render(tmp_path: Path) -> None:
    folder = _team(tmp_path, "fine", "{% for i in range(3) %}{{ i }}{{ '-' * 3 }}{% endfor %}")
    assert render_update("fine", {}, [folder]) == "0---1---2---"


def test_update_command_fails_clearly_and_writes_still_work(
    run: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run.ok("declare", "Checkout down", "-s", "SEV2")
    monkeypatch.setenv(
        "WARROOM_TEMPLATES", str(_team(tmp_path, "investigating", SLOW["nested ranges"]))
    )
    result = run("update", "--publish")
    assert result.exit_code == 1
    assert "investigating.j2" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    run.ok("note", "still writable")
    assert "still writable" in run.ok("tail").stdout
    _wait_for_no_template_threads()


async def test_the_war_room_keeps_working_with_a_template_that_never_ends(
    room: Room, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = actions.declare(room, "Checkout down", "SEV2")
    monkeypatch.setenv(
        "WARROOM_TEMPLATES", str(_team(tmp_path, "investigating", SLOW["nested ranges"]))
    )
    app = make_app(room, incident)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        pane = app.main.query_one("UpdatePane")
        await until(pilot, lambda: "investigating.j2" in str(pane.render()), "the error shown")
        await pilot.press("n", *"the room still answers", "enter")
        await settle(pilot)
        assert "the room still answers" in app.main.timeline.texts()
    _wait_for_no_template_threads()


def test_a_template_that_timed_out_answers_at_once_until_it_is_edited(tmp_path: Path) -> None:
    folder = _team(tmp_path, "slow", SLOW["nested ranges"])
    with pytest.raises(TemplateProblem):
        render_update("slow", {}, [folder])
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match="longer than"):
        render_update("slow", {}, [folder])  # the war room's next refresh
    assert time.monotonic() - started < LIMIT / 2
    _wait_for_no_template_threads()
    (folder / "updates" / "slow.j2").write_text("fixed {{ 1 + 1 }}")
    assert render_update("slow", {}, [folder]) == "fixed 2"
