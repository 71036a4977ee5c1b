"""What each key may see: an agent reaches only their own page and data, in the browser and
through the API the pages read; the live and drill-down endpoints agree with the records;
sign-in, language toggle and the static files."""

from __future__ import annotations

import re

import httpx
import pandas as pd
from playwright.sync_api import Browser

from features.store.records_store import Store
from tests.dashboard.dashboard_browser import (
    KEY_STORAGE,
    PHONE,
    WALL,
    DemoStore,
    api,
    finish,
    load,
    open_page,
    screenshot,
)


def status(server: str, key: str, path: str, **params: object) -> int:
    """HTTP status of a GET with `key`."""
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"{server}{path}", params=params, headers=headers, timeout=60).status_code


def test_agent_key_cannot_reach_another_agents_page_or_data(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["agent"]
    me, other = demo_store.agents[0]["agent_id"], demo_store.agents[1]["agent_id"]
    at = demo_store.at.isoformat()
    day = demo_store.at.normalize().isoformat()
    opened = load(browser, f"{server}/dashboard/agent?agent={other}&at={at[:19]}", key, WALL)
    page = opened.page
    assert me in page.inner_text("#agent-id")
    assert other not in page.inner_text("#main")
    assert opened.errors == []
    screenshot(opened, "agent_other_refused")
    # The page's own fetch with the stored key is refused for the other agent's data.
    refused = page.evaluate(
        """async ([other, day, at]) => {
            const headers = {Authorization: `Bearer ${localStorage.getItem('seatwise.key')}`};
            const paths = [
              `/v1/agents/${other}/schedule?start=${encodeURIComponent(day)}&end=${encodeURIComponent(at)}`,
              `/v1/agents/${other}/performance?start=${encodeURIComponent(day)}&end=${encodeURIComponent(at)}`,
              `/v1/kpis?level=agent&id=${other}&start=${encodeURIComponent(day)}&end=${encodeURIComponent(at)}`,
              `/v1/contacts?agent_id=${other}&start=${encodeURIComponent(day)}&end=${encodeURIComponent(at)}`,
            ];
            return Promise.all(paths.map((p) => fetch(p, {headers}).then((r) => r.status)));
        }""",
        [other, day, at],
    )
    assert refused == [403, 403, 403, 403]
    opened.page.context.close()
    for path in ("/v1/realtime", "/v1/schedules", "/v1/forecasts", "/v1/intervals"):
        assert status(server, key, path, start=day, end=at) == 403, path
    own = api(server, key, "/v1/contacts", start=day, end=at)["rows"]
    assert own and {row["agent_id"] for row in own} == {me}


def test_agent_on_the_wallboard_lands_on_their_workbench(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    opened = open_page(
        browser, f"{server}/?at={demo_store.at.isoformat()[:19]}", demo_store.keys["agent"]
    )
    opened.page.wait_for_url("**/dashboard/agent**", timeout=30_000)
    opened.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    finish(opened, "agent_redirected")


def test_supervisor_sees_only_their_team(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["supervisor"]
    team = demo_store.agents[0]["team"]
    mine = {a["agent_id"] for a in demo_store.agents if a["team"] == team}
    week = pd.Timestamp(demo_store.week_start).tz_localize(demo_store.at.tz)
    data = api(
        server,
        key,
        "/v1/schedules",
        start=week.isoformat(),
        end=(week + pd.Timedelta(days=7)).isoformat(),
    )
    assert {a["agent_id"] for a in data["agents"]} == mine
    assert {r["agent_id"] for r in data["rows"]} <= mine and {r["team"] for r in data["rows"]} == {
        team
    }
    opened = load(
        browser, f"{server}/dashboard/roster?at={demo_store.at.isoformat()[:19]}", key, PHONE
    )
    labels = opened.page.evaluate(
        "() => [...new Set(document.getElementById('gantt-chart').data.flatMap((t) => t.y))]"
    )
    shown = {re.search(r"a\d{3}", label).group(0) for label in labels}  # type: ignore[union-attr]
    assert shown and shown <= mine
    finish(opened, "roster_supervisor_phone")


def test_realtime_counts_waiting_contacts_and_agent_states(
    server: str, demo_store: DemoStore
) -> None:
    store = Store(demo_store.url)
    try:
        contacts = store.read_contacts(
            demo_store.at.normalize(), demo_store.at.normalize() + pd.Timedelta(days=1)
        )
        waits = contacts[(contacts["answered_at"] - contacts["arrived_at"]).dt.total_seconds() > 20]
        # Replay the instant just before the longest wait of the day ends: that contact waits.
        longest = waits.loc[(waits["answered_at"] - waits["arrived_at"]).idxmax()]
        at = longest["answered_at"] - pd.Timedelta(seconds=1)
        arrived = contacts["arrived_at"] <= at
        open_ = ~(contacts["answered_at"] <= at) & ~(contacts["ended_at"] <= at)
        expected = contacts[arrived & open_].groupby("queue").size().to_dict()
        states = store.read_agent_states(at, at + pd.Timedelta(milliseconds=1))
    finally:
        store.dispose()
    live = api(server, demo_store.keys["admin"], "/v1/realtime", at=at.isoformat())
    got = {q["queue"]: q["waiting"] for q in live["queues"] if q["waiting"]}
    assert got == expected and got[longest["queue"]] >= 1
    queue = next(q for q in live["queues"] if q["queue"] == longest["queue"])
    assert queue["longest_wait_s"] >= (at - longest["arrived_at"]).total_seconds() - 1e-6
    by_state = states["state"].value_counts().to_dict()
    assert {s: n for s, n in live["agents"].items() if s != "offline"} == {
        s: n for s, n in by_state.items() if s != "offline"
    }


def test_contacts_of_an_hour_match_the_agent_kpis(server: str, demo_store: DemoStore) -> None:
    key = demo_store.keys["admin"]
    agent_id = demo_store.agents[0]["agent_id"]
    start = demo_store.at.normalize()
    end = start + pd.Timedelta(days=1)
    rows = api(
        server, key, "/v1/contacts", agent_id=agent_id, start=start.isoformat(), end=end.isoformat()
    )
    kpis = api(
        server,
        key,
        "/v1/kpis",
        level="agent",
        id=agent_id,
        start=start.isoformat(),
        end=end.isoformat(),
    )
    handled = [r for r in rows["rows"] if not r["abandoned"] and r["answered_at"]]
    assert len(handled) == kpis["kpis"]["handled"] > 0
    assert abs(sum(r["handle_s"] for r in handled) / len(handled) - kpis["kpis"]["aht_s"]) < 1e-6
    assert rows["truncated"] is False
    capped = api(server, key, "/v1/contacts", start=start.isoformat(), end=end.isoformat(), limit=3)
    assert len(capped["rows"]) == 3 and capped["truncated"] is True
    assert status(server, key, "/v1/contacts", start=end.isoformat(), end=start.isoformat()) == 422


def test_sign_in_and_chinese_labels(browser: Browser, server: str, demo_store: DemoStore) -> None:
    opened = open_page(
        browser, f"{server}/dashboard/heatmaps?at={demo_store.at.isoformat()[:19]}", None
    )
    page = opened.page
    page.wait_for_selector("#login:not([hidden])")
    page.fill("#login-key", demo_store.keys["planner"])
    page.click("#login button[type='submit']")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert page.evaluate(f"localStorage.getItem({KEY_STORAGE!r})") == demo_store.keys["planner"]
    page.click("#lang-toggle")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert page.locator("nav.nav a").first.inner_text() == "大屏"
    assert page.locator("main h1").inner_text() == "星期 × 时段"
    screenshot(opened, "heatmaps_chinese")
    page.click("#sign-out")
    page.wait_for_selector("#login:not([hidden])")
    errors = list(opened.errors)
    opened.page.context.close()
    assert errors == []


def test_static_files_and_plotly_are_served_locally(server: str) -> None:
    plotly = httpx.get(f"{server}/static/plotly.min.js", timeout=30)
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert "javascript" in plotly.headers["content-type"]
    assert httpx.get(f"{server}/static/app.js", timeout=30).status_code == 200
    assert httpx.get(f"{server}/static/..%2Fsecurity.py", timeout=30).status_code == 404
    assert httpx.get(f"{server}/static/nope.js", timeout=30).status_code == 404
    page = httpx.get(f"{server}/dashboard/roster", timeout=30)
    assert page.status_code == 200 and "/static/plotly.min.js" in page.text
    assert "cdn" not in page.text.lower()


def test_realtime_before_any_record_is_quiet(server: str, demo_store: DemoStore) -> None:
    live = api(server, demo_store.keys["admin"], "/v1/realtime", at="2020-01-06T10:00:00+01:00")
    assert live["interval_start"] == "2020-01-06T10:00:00+01:00"
    assert live["agents"] == {"offline": len(demo_store.agents)}
    assert [q["waiting"] for q in live["queues"]] == [0, 0]
    assert all(q["service_level_today"] is None and q["offered_today"] == 0 for q in live["queues"])
    assert status(server, demo_store.keys["admin"], "/v1/realtime", at="9999-01-01T00:00:00") == 422
