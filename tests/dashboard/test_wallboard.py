"""The wall screen in real headless Chromium: no figure box overlaps another at the control
room's three screen sizes (English and Chinese), and the numbers and the alert panel follow
contacts posted through the API while the page stays open (updated in place, no redraw)."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest
from playwright.sync_api import Browser, Page

from tests.dashboard.dashboard_browser import DemoStore, api, finish, load, open_page

SIZES = {
    "720p": {"width": 1280, "height": 720},
    "1080p": {"width": 1920, "height": 1080},
    "4k": {"width": 3840, "height": 2160},
}
BOXES_JS = """() => {
  const box = (n) => { const r = n.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const figures = [...document.querySelectorAll('.figure')].map((n) => ({
    id: (n.closest('.tile')?.dataset.queue || '') + '/' + n.dataset.figure,
    box: box(n), value: box(n.querySelector('.value')), label: box(n.querySelector('.label')),
    clipped: [...n.children].some((c) => c.scrollWidth > c.clientWidth + 1),
    tile: n.closest('.tile') ? box(n.closest('.tile')) : null,
  }));
  const panels = [...document.querySelectorAll('.tile, #alerts, .wall-charts > .card')]
    .map((n) => ({id: n.id || n.dataset.queue || n.firstElementChild.id, box: box(n)}));
  return {figures, panels};
}"""


def overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """Area (px²) shared by two boxes."""
    width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return max(width, 0.0) * max(height, 0.0)


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + 0.5
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + 0.5
    )


def layout_faults(page: Page) -> list[str]:
    """Every overlap of two figures or two panels, every clipped value or label, and every
    value or label outside its figure or figure outside its tile."""
    found: dict[str, Any] = page.evaluate(BOXES_JS)
    faults = []
    figures = found["figures"]
    for i, a in enumerate(figures):
        if a["clipped"]:
            faults.append(f"{a['id']} is clipped")
        for part in ("value", "label"):
            if not inside(a[part], a["box"]):
                faults.append(f"{a['id']} {part} leaves its figure")
        if a["tile"] is not None and not inside(a["box"], a["tile"]):
            faults.append(f"{a['id']} leaves its tile")
        for b in figures[i + 1 :]:
            if overlap(a["box"], b["box"]) > 0:
                faults.append(f"{a['id']} overlaps {b['id']}")
    panels = found["panels"]
    for i, a in enumerate(panels):
        for b in panels[i + 1 :]:
            if overlap(a["box"], b["box"]) > 0:
                faults.append(f"panel {a['id']} overlaps {b['id']}")
    return faults


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("size", list(SIZES))
def test_no_two_figures_overlap(
    browser: Browser, server: str, demo_store: DemoStore, size: str, language: str
) -> None:
    at = demo_store.at.isoformat()[:19]
    opened = open_page(browser, "about:blank", None, SIZES[size])
    opened.page.context.add_init_script(
        f"window.localStorage.setItem('seatwise.key', {demo_store.keys['admin']!r});"
        f"window.localStorage.setItem('seatwise.lang', {language!r});"
    )
    opened.page.goto(f"{server}/?at={at}")
    opened.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page = opened.page
    assert page.locator(".tile").count() == 2
    assert page.locator(".figure").count() == 2 * 10
    assert layout_faults(page) == []
    if language == "zh":
        assert page.get_attribute("html", "lang") == "zh-Hans"
        assert page.locator(".tile [data-figure='waiting'] .label").first.inner_text() == "排队中"
        assert page.inner_text("#page-question").startswith("此刻各队列")
        assert "目标" in page.locator("[data-testid='standard']").first.inner_text()
    else:
        assert page.locator("[data-testid='standard']").first.inner_text() == (
            "Voice · target 80% within 20 s"
        )
    finish(opened, f"wallboard_{language}_{size}")


def post_contacts(server: str, key: str, rows: list[dict[str, Any]]) -> None:
    response = httpx.post(
        f"{server}/v1/contacts",
        json=rows,
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert response.status_code < 300, response.text


def test_numbers_and_alerts_follow_posted_contacts(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    # A weekday after the demo's history: no other test reads it, nothing was stored for it.
    day = pd.Timestamp(demo_store.week_start).tz_localize("Europe/Berlin") + pd.Timedelta(days=8)
    at = day + pd.Timedelta(hours=10, minutes=30)
    key = demo_store.keys["admin"]
    agent = demo_store.agents[0]
    before = api(server, key, "/v1/realtime", at=at.isoformat())
    billing = next(q for q in before["queues"] if q["queue"] == "billing")
    assert (billing["waiting"], billing["offered_today"]) == (0, 0)
    opened = load(
        browser, f"{server}/?at={at.isoformat()[:19]}&refresh_ms=700", key, SIZES["1080p"]
    )
    page = opened.page
    tile = page.locator(".tile[data-queue='billing']")
    assert tile.locator("[data-testid='waiting']").inner_text() == "0"
    assert tile.locator("[data-testid='offered']").inner_text() == "0"
    page.evaluate("document.querySelector(\".tile[data-queue='billing']\").dataset.mark = 'kept'")

    def instant(minutes: float) -> str:
        return (day + pd.Timedelta(hours=10, minutes=minutes)).isoformat()

    post_contacts(
        server,
        key,
        [
            {"contact_id": f"wb-wait-{i}", "queue": "billing", "arrived_at": instant(m)}
            for i, m in enumerate((20, 25, 28))
        ]
        + [
            {
                "contact_id": "wb-angry",
                "queue": "billing",
                "arrived_at": instant(5),
                "answered_at": instant(5.1),
                "ended_at": instant(9),
                "talk_s": 200,
                "agent_id": str(agent["agent_id"]),
                "csat": 1,
            }
        ],
    )
    page.wait_for_function(
        "() => document.querySelector(\".tile[data-queue='billing'] [data-testid='waiting']\")"
        ".textContent === '3'",
        timeout=15_000,
    )
    assert tile.locator("[data-testid='offered']").inner_text() == "1"
    assert tile.locator("[data-testid='longest-wait']").inner_text() == "10 min"
    assert tile.locator("[data-testid='sl-today']").inner_text() == "100.0%"
    page.wait_for_function(
        "() => document.querySelectorAll(\"#alerts li[data-kind='alert']\").length === 2",
        timeout=15_000,
    )
    shown = page.locator("#alerts li[data-kind='alert']").all_inner_texts()
    # newest first: the 10:15 interval's service level, then the 10:09 low CSAT contact
    assert shown[0].startswith("10:15 · billing") and "service level 0%" in shown[0]
    assert shown[1].startswith("10:09 · billing") and "wb-angry" in shown[1]
    assert "CSAT 1" in shown[1]
    assert page.get_attribute(".tile[data-queue='billing']", "data-mark") == "kept"
    waiting = page.evaluate(
        "() => document.getElementById('waiting-chart').data"
        ".find((t) => t.meta === 'waiting:billing').y"
    )
    assert waiting[-1] == 3
    assert layout_faults(page) == []
    finish(opened, "wallboard_after_posting")


SPEECH_SPY = """
window.__spoken = [];
window.speechSynthesis.speak = (u) => window.__spoken.push({text: u.text, lang: u.lang});
"""


@pytest.mark.parametrize("language", ["en", "zh"])
def test_spoken_alerts_toggle(
    browser: Browser, server: str, demo_store: DemoStore, language: str
) -> None:
    # Another untouched weekday after the history, one per language.
    offset = {"en": 9, "zh": 10}[language]
    day = pd.Timestamp(demo_store.week_start).tz_localize("Europe/Berlin") + pd.Timedelta(
        days=offset
    )
    at = day + pd.Timedelta(hours=11)
    key = demo_store.keys["admin"]
    opened = open_page(browser, "about:blank", None, SIZES["1080p"])
    opened.page.context.add_init_script(
        f"localStorage.setItem('seatwise.key', {key!r});"
        f"localStorage.setItem('seatwise.lang', {language!r});" + SPEECH_SPY
    )
    opened.page.goto(f"{server}/?at={at.isoformat()[:19]}&refresh_ms=700")
    page = opened.page
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    toggle = page.locator("#speak-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    assert toggle.inner_text() == {"en": "Spoken alerts off", "zh": "语音播报：关"}[language]

    def post_angry(contact_id: str, minute: int) -> None:
        arrived = day + pd.Timedelta(hours=10, minutes=minute)
        post_contacts(
            server,
            key,
            [
                {
                    "contact_id": contact_id,
                    "queue": "billing",
                    "arrived_at": arrived.isoformat(),
                    "answered_at": (arrived + pd.Timedelta(seconds=3)).isoformat(),
                    "ended_at": (arrived + pd.Timedelta(minutes=3)).isoformat(),
                    "agent_id": str(demo_store.agents[0]["agent_id"]),
                    "csat": 1,
                }
            ],
        )

    # off by default: a new alert shows but is not spoken
    post_angry(f"wb-quiet-{language}", 10)
    page.wait_for_selector(f"#alerts li:has-text('wb-quiet-{language}')", timeout=15_000)
    assert page.evaluate("window.__spoken") == []
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    post_angry(f"wb-loud-{language}", 20)
    page.wait_for_function("() => window.__spoken.length > 0", timeout=15_000)
    spoken = page.evaluate("window.__spoken")
    assert len(spoken) == 1 and f"wb-loud-{language}" in spoken[0]["text"]
    if language == "zh":
        assert spoken[0]["lang"] == "zh-CN" and spoken[0]["text"].startswith("告警：")
    else:
        assert spoken[0]["lang"] == "en-GB" and spoken[0]["text"].startswith("Alert: ")
    # the choice survives a reload (a wall screen restarts without anyone touching it)
    page.reload()
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert page.locator("#speak-toggle").get_attribute("aria-pressed") == "true"
    finish(opened, f"wallboard_spoken_{language}")


def test_supervisor_phone_notifications_and_one_tap_actions(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    day = pd.Timestamp(demo_store.week_start).tz_localize("Europe/Berlin") + pd.Timedelta(days=11)
    at = day + pd.Timedelta(hours=11)
    admin = demo_store.keys["admin"]
    supervisor = demo_store.keys["supervisor"]
    agent = demo_store.agents[0]
    team = [a for a in demo_store.agents if a["team"] == agent["team"]]
    helper = team[1]
    response = httpx.post(
        f"{server}/v1/agent-states",
        json=[
            {
                "agent_id": str(helper["agent_id"]),
                "state": "available",
                "started_at": (day + pd.Timedelta(hours=10, minutes=40)).isoformat(),
                "ended_at": (day + pd.Timedelta(hours=12)).isoformat(),
            }
        ],
        headers={"Authorization": f"Bearer {admin}"},
        timeout=60,
    )
    assert response.status_code < 300, response.text
    opened = load(
        browser,
        f"{server}/?at={at.isoformat()[:19]}&refresh_ms=700",
        supervisor,
        {"width": 390, "height": 844},
    )
    page = opened.page
    assert page.locator(".toast").count() == 0
    arrived = day + pd.Timedelta(hours=10, minutes=30)
    post_contacts(
        server,
        admin,
        [
            {
                "contact_id": "wb-phone",
                "queue": str(next(iter(agent["skills"]))),
                "arrived_at": arrived.isoformat(),
                "answered_at": (arrived + pd.Timedelta(seconds=4)).isoformat(),
                "ended_at": (arrived + pd.Timedelta(minutes=4)).isoformat(),
                "agent_id": str(agent["agent_id"]),
                "csat": 1,
            }
        ],
    )
    toast = page.locator(".toast:has-text('wb-phone')")
    toast.wait_for(timeout=15_000)
    assert layout_faults(page) == []
    for action in ("ack", "drill", "who"):
        button = toast.locator(f"[data-action='{action}']")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 390
    drill = toast.locator("[data-action='drill']").get_attribute("href") or ""
    assert drill.startswith("/dashboard/drill?queue=")
    toast.locator("[data-action='who']").click()
    page.wait_for_selector("[data-testid='available-agents']", timeout=15_000)
    listed = page.inner_text("[data-testid='available-agents']")
    assert str(helper["agent_id"]) in listed or str(helper["name"]) in listed
    toast.locator("[data-action='ack']").click()
    toast.wait_for(state="detached", timeout=15_000)
    alerts = api(server, admin, "/v1/alerts", since=day.isoformat())["alerts"]
    mine = next(a for a in alerts if a["contact_id"] == "wb-phone")
    assert mine["acknowledged_at"] is not None
    # acknowledged: not notified again after a reload
    page.reload()
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page.wait_for_function("() => Number(document.body.dataset.refreshes) >= 2", timeout=15_000)
    assert page.locator(".toast:has-text('wb-phone')").count() == 0
    finish(opened, "wallboard_phone_supervisor")


def test_wall_screen_without_speech_synthesis_plays_the_server_wav(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    day = pd.Timestamp(demo_store.week_start).tz_localize("Europe/Berlin") + pd.Timedelta(days=12)
    at = day + pd.Timedelta(hours=11)
    key = demo_store.keys["admin"]
    opened = open_page(browser, "about:blank", None, SIZES["1080p"])
    opened.page.context.add_init_script(
        f"localStorage.setItem('seatwise.key', {key!r});"
        "localStorage.setItem('seatwise.speak', '1');"
        "delete window.speechSynthesis; delete window.SpeechSynthesisUtterance;"
    )
    opened.page.goto(f"{server}/?at={at.isoformat()[:19]}&refresh_ms=700")
    page = opened.page
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert page.evaluate("'speechSynthesis' in window") is False
    arrived = day + pd.Timedelta(hours=10, minutes=15)
    with page.expect_response(lambda r: "/audio" in r.url, timeout=20_000) as caught:
        post_contacts(
            server,
            key,
            [
                {
                    "contact_id": "wb-wav",
                    "queue": "billing",
                    "arrived_at": arrived.isoformat(),
                    "answered_at": (arrived + pd.Timedelta(seconds=2)).isoformat(),
                    "ended_at": (arrived + pd.Timedelta(minutes=2)).isoformat(),
                    "agent_id": str(demo_store.agents[0]["agent_id"]),
                    "csat": 1,
                }
            ],
        )
    response = caught.value
    assert response.status == 200 and response.headers["content-type"] == "audio/wav"
    assert int(response.headers["content-length"]) > 10_000 and "lang=en" in response.url
    page.context.close()
