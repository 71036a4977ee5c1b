"""Every dashboard page in real headless Chromium over the live demo server: it loads with data
and no console error, its charts hold as many points as the API has rows, and screenshots at
wall and phone width land in tests/artifacts/."""

from __future__ import annotations

import pandas as pd
import pytest
from playwright.sync_api import Browser

from tests.dashboard.dashboard_browser import (
    PHONE,
    WALL,
    DemoStore,
    api,
    finish,
    load,
    screenshot,
    trace_lengths,
)


def day_range(demo_store: DemoStore) -> dict[str, str]:
    day = demo_store.at.normalize()
    return {"start": day.isoformat(), "end": (day + pd.Timedelta(days=1)).isoformat()}


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_wallboard_shows_every_queue_live(
    browser: Browser, server: str, demo_store: DemoStore, size: str
) -> None:
    key = demo_store.keys["admin"]
    live = api(server, key, "/v1/realtime", at=demo_store.at.isoformat())
    viewport = WALL if size == "wall" else PHONE
    opened = load(browser, f"{server}/?at={demo_store.at.isoformat()[:19]}", key, viewport)
    page = opened.page
    tiles = page.locator(".tile")
    assert tiles.count() == len(live["queues"]) == 2
    for queue in live["queues"]:
        tile = page.locator(f".tile[data-queue='{queue['queue']}']")
        assert tile.locator("[data-testid='waiting']").inner_text() == str(queue["waiting"])
        expected_sl = f"{100 * queue['service_level_today']:.1f}%"
        assert tile.locator("[data-testid='sl-today']").inner_text() == expected_sl
        on_contact = str(queue["agents"].get("on_contact", 0))
        assert tile.locator("[data-testid='on-contact']").inner_text() == on_contact
    day = demo_store.at.normalize().isoformat()
    flagged = api(server, key, "/v1/anomalies", start=day, end=demo_store.at.isoformat())["rows"]
    shown = page.locator("#alerts li[data-kind='anomaly']")
    assert shown.count() == min(10, len(flagged)) > 0
    assert flagged[-1]["reason"] in shown.first.inner_text()
    finish(opened, f"wallboard_{size}")


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_forecast_page_draws_forecast_actuals_and_staffing(
    browser: Browser, server: str, demo_store: DemoStore, size: str
) -> None:
    key = demo_store.keys["planner"]
    rows = api(server, key, "/v1/forecasts", queue="billing", **day_range(demo_store))["rows"]
    at = demo_store.at.isoformat()[:19]
    actual = [r for r in rows if r["actual_offered"] is not None and r["interval_start"][:19] <= at]
    coverage = api(server, key, "/v1/schedules", **day_range(demo_store))["coverage"]
    mine = [c for c in coverage if c["queue"] == "billing"]
    viewport = WALL if size == "wall" else PHONE
    opened = load(browser, f"{server}/dashboard/forecast?queue=billing&at={at}", key, viewport)
    volume = trace_lengths(opened, "forecast-chart")
    assert volume["forecast"] == volume["band"] == len(rows) == 96
    assert volume["actual"] == len(actual) > 0
    assert volume["reforecast"] > 0
    staffing = trace_lengths(opened, "staffing-chart")
    assert staffing["required"] == staffing["scheduled"] == len(mine) > 0
    finish(opened, f"forecast_{size}")


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_heatmaps_cover_weekday_by_interval(
    browser: Browser, server: str, demo_store: DemoStore, size: str
) -> None:
    key = demo_store.keys["admin"]
    end = demo_store.at.normalize()
    rows = api(
        server,
        key,
        "/v1/intervals",
        start=(end - pd.Timedelta(days=28)).isoformat(),
        end=end.isoformat(),
    )["rows"]
    times = {r["interval_start"][11:16] for r in rows}
    viewport = WALL if size == "wall" else PHONE
    opened = load(
        browser, f"{server}/dashboard/heatmaps?at={demo_store.at.isoformat()[:19]}", key, viewport
    )
    for chart in ("volume-chart", "sl-chart", "occupancy-chart"):
        shape = opened.page.evaluate(
            "(id) => { const t = document.getElementById(id).data[0];"
            " return [t.x.length, t.y.length, t.z.length, t.z[0].length]; }",
            chart,
        )
        assert shape == [len(times), 7, 7, len(times)]
    assert opened.page.get_attribute("#content", "data-rows") == str(len(rows))
    finish(opened, f"heatmaps_{size}")


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_roster_gantt_has_every_published_activity(
    browser: Browser, server: str, demo_store: DemoStore, size: str
) -> None:
    key = demo_store.keys["planner"]
    week = pd.Timestamp(demo_store.week_start).tz_localize(demo_store.at.tz)
    data = api(
        server,
        key,
        "/v1/schedules",
        start=week.isoformat(),
        end=(week + pd.Timedelta(days=7)).isoformat(),
    )
    intervals = {c["interval_start"] for c in data["coverage"]}
    viewport = WALL if size == "wall" else PHONE
    opened = load(
        browser, f"{server}/dashboard/roster?at={demo_store.at.isoformat()[:19]}", key, viewport
    )
    assert trace_lengths(opened, "gantt-chart")["gantt"] == len(data["rows"]) > 50
    coverage = trace_lengths(opened, "coverage-chart")
    assert coverage["required"] == coverage["scheduled"] == len(intervals) > 0
    finish(opened, f"roster_{size}")


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_agent_workbench_shows_own_schedule_and_report(
    browser: Browser, server: str, demo_store: DemoStore, size: str
) -> None:
    key = demo_store.keys["agent"]
    agent_id = demo_store.agents[0]["agent_id"]
    week = pd.Timestamp(demo_store.week_start).tz_localize(demo_store.at.tz)
    schedule = api(
        server,
        key,
        f"/v1/agents/{agent_id}/schedule",
        start=week.isoformat(),
        end=(week + pd.Timedelta(days=7)).isoformat(),
    )
    viewport = WALL if size == "wall" else PHONE
    opened = load(
        browser, f"{server}/dashboard/agent?at={demo_store.at.isoformat()[:19]}", key, viewport
    )
    page = opened.page
    assert trace_lengths(opened, "schedule-chart")["schedule"] == len(schedule["rows"]) > 0
    assert agent_id in page.inner_text("#agent-id")
    assert page.locator("#goals li").count() >= 2
    assert page.locator("#suggestions li").count() >= 1
    assert page.locator("table tbody tr").count() == 9
    nav = page.locator("nav.nav a").all_inner_texts()
    assert nav == ["My workbench", "Drill-down", "Tickets & quality", "Ask"]
    finish(opened, f"agent_{size}")


def test_drill_down_reaches_an_agent_and_its_contacts(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["admin"]
    opened = load(
        browser, f"{server}/dashboard/drill?at={demo_store.at.isoformat()[:19]}", key, WALL
    )
    page = opened.page
    for level in ("queue", "team", "agent"):
        row = page.locator(f"#children tr[data-level='{level}']").first
        row.click()
    page.wait_for_selector("#intervals")
    agent_id = page.locator("#breadcrumbs button").last.inner_text()
    assert page.locator("#breadcrumbs button").count() == 4
    hours = page.locator("[data-testid='interval-row']")
    assert hours.count() == trace_lengths(opened, "interval-chart")["intervals"] > 0
    first_hour = hours.first.get_attribute("data-id")
    hours.first.click()
    page.wait_for_selector("#contacts")
    start = pd.Timestamp(first_hour).tz_localize(demo_store.at.tz)
    contacts = api(
        server,
        key,
        "/v1/contacts",
        agent_id=agent_id,
        start=start.isoformat(),
        end=(start + pd.Timedelta(hours=1)).isoformat(),
    )["rows"]
    assert page.locator("[data-testid='contact-row']").count() == len(contacts) > 0
    screenshot(opened, "drill_contacts_wall")
    errors = list(opened.errors)
    opened.page.context.close()
    assert errors == []


def test_drill_down_on_a_phone(browser: Browser, server: str, demo_store: DemoStore) -> None:
    key = demo_store.keys["supervisor"]
    opened = load(
        browser, f"{server}/dashboard/drill?at={demo_store.at.isoformat()[:19]}", key, PHONE
    )
    team = demo_store.agents[0]["team"]
    assert (
        opened.page.locator("#children tr[data-level='team']").all_inner_texts()[0].startswith(team)
    )
    opened.page.locator("#children tr[data-level='team']").first.click()
    opened.page.wait_for_selector("#children tr[data-level='agent']")
    finish(opened, "drill_phone")
