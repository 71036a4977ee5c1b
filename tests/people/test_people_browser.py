"""The whole loop in real Chromium: an agent asks for a day off on their workbench, their
supervisor approves it in the inbox, a planner re-plans and publishes the week, and the agent's
workbench shows the new week (on a phone, in English and in Chinese)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page

from api.app import create_app
from api.security import make_key
from api.settings import Settings
from tests.people.conftest import CENTRE
from tests.people.published import publish_week

pytestmark = pytest.mark.browser

WED = "2026-12-02"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A live server over a fresh store holding the small centre and its published week; the
    keys of agent a1, the supervisor of team t1 and a planner."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'seatwise.db'}",
        mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        timezone="Europe/Berlin",
        job_workers=1,
    )
    app = create_app(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    app.state.store.upsert_agents(CENTRE)
    publish_week(app)
    keys = {}
    for name, role, agent_id, teams in (
        ("agent", "agent", "a1", []),
        ("supervisor", "supervisor", None, ["t1"]),
        ("planner", "planner", None, []),
    ):
        new = make_key()
        app.state.service_store.add_key(new.key_id, new.key_hash, role, agent_id, teams)
        keys[name] = new.key
    yield f"http://127.0.0.1:{port}", keys
    running.should_exit = True
    thread.join(timeout=10)


def _page(browser: Browser, key: str, lang: str = "en", phone: bool = False) -> Page:
    context = browser.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    )
    context.add_init_script(
        f"localStorage.setItem('seatwise.key', '{key}');"
        f"localStorage.setItem('seatwise.lang', '{lang}');"
    )
    return context.new_page()


def _ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def test_day_off_approve_replan_new_week(
    server: tuple[str, dict[str, str]], browser: Browser
) -> None:
    base, keys = server
    agent = _page(browser, keys["agent"], phone=True)
    _ready(agent, f"{base}/dashboard/workbench?week=2026-11-30")
    assert agent.locator(f"#my-week tr[data-date='{WED}']").count() == 1
    assert agent.evaluate("document.documentElement.scrollWidth") <= 390
    agent.fill("#first-day", WED)
    agent.click("#send-request")
    agent.wait_for_selector("#my-requests tr[data-state='pending']")

    supervisor = _page(browser, keys["supervisor"])
    _ready(supervisor, f"{base}/dashboard/inbox")
    row = supervisor.locator("#requests tr[data-request]")
    assert row.count() == 1
    assert "8.0 h" in row.inner_text()
    assert supervisor.locator("#replan-part").count() == 0
    supervisor.locator("#requests input[type='text']").fill("covered")
    supervisor.locator("#requests button[id^='approve-']").click()
    supervisor.wait_for_selector("p#requests")

    planner = _page(browser, keys["planner"])
    _ready(planner, f"{base}/dashboard/inbox?roster=week1")
    planner.click("#start-replan")
    planner.wait_for_selector("#replan-changes tr[data-agent='a1']", timeout=90_000)
    assert WED in planner.locator("#replan-changes tr[data-agent='a1']").inner_text()
    planner.click("#publish-replan")
    planner.wait_for_selector("#replan-status[data-published]")
    new_roster = planner.get_attribute("#replan-status", "data-published")

    _ready(planner, f"{base}/dashboard/roster-edit?roster={new_roster}")
    fairness = planner.locator("#fairness tr[data-agent]")
    assert fairness.count() == 5
    assert planner.locator("#fairness tr[data-agent='a3']").count() == 1
    shift = planner.locator("#fairness tr[data-agent='a3'] td").nth(2).inner_text()
    assert shift.startswith("1 (") or shift.startswith("0 (")

    _ready(agent, f"{base}/dashboard/workbench?week=2026-11-30")
    assert agent.locator("p#my-week").inner_text() == "No published shifts this week."
    assert agent.locator("#my-requests tr[data-state='approved']").count() == 1
    assert "Time-off decision · Approved" in agent.locator("#notifications").inner_text()

    _ready(planner, f"{base}/dashboard/roster-edit?roster={new_roster}")
    planner.select_option("#edit-op", "add")
    planner.fill("#edit-agent", "a1")
    planner.fill("#edit-start", "2026-12-04T09:00")
    planner.fill("#edit-new-end", "2026-12-04T17:00")
    planner.fill("#edit-activity", "work")
    planner.fill("#edit-queue", "billing")
    planner.click("#apply-edit")
    planner.wait_for_selector("#edit-status[data-saved]")
    _ready(agent, f"{base}/dashboard/workbench?week=2026-11-30")
    assert agent.locator("#my-week tr[data-date='2026-12-04']").count() == 1
    assert "Schedule edited" in agent.locator("#notifications").inner_text()

    chinese = _page(browser, keys["agent"], lang="zh", phone=True)
    _ready(chinese, f"{base}/dashboard/workbench?week=2026-11-30")
    assert chinese.locator("main h1").inner_text() == "我的一周与休假"
    assert "已批准" in chinese.locator("#my-requests").inner_text()
