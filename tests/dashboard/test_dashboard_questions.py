"""Every page names the question it answers under its title, and over a store with nothing in
it shows an empty state that says what is missing and how to get it (real Chromium, wall and
phone sizes, English and Chinese)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.dashboard.dashboard_browser import PHONE, WALL, DemoStore, finish, load, open_page

PAGES = {
    "wallboard": ("/", "admin", "empty_wallboard"),
    "forecast": ("/dashboard/forecast", "planner", "empty_forecast"),
    "heatmaps": ("/dashboard/heatmaps", "admin", "empty_heatmaps"),
    "roster": ("/dashboard/roster", "planner", "empty_roster"),
    "agent": ("/dashboard/agent", "agent", "empty_agent"),
    "drill": ("/dashboard/drill", "admin", "empty_drill"),
    "capacity": ("/dashboard/capacity", "planner", "empty_capacity"),
    "tickets": ("/dashboard/tickets", "admin", "empty_tickets"),
    "ask": ("/dashboard/ask", "admin", "empty_ask"),
}
"""Page -> (path, role that opens it, i18n key of its empty state)."""
EMPTY_TEXT = {
    "empty_roster": "No published roster for this week — plan one with `seatwise plan` or "
    "POST /v1/plans, then publish it (POST /v1/rosters/{id}/publish).",
    "empty_forecast": "No forecast for this day — make one with `seatwise forecast` or "
    "POST /v1/forecasts.",
}


def strings(browser: Browser, server: str, language: str) -> dict[str, str]:
    """The dashboard's labels in `language`, read from the page's own i18n table."""
    opened = open_page(browser, f"{server}/static/i18n.js", None)
    # Loaded as a script (the pages' policy allows scripts of the site, never eval).
    opened.page.add_script_tag(url=f"{server}/static/i18n.js")
    table: dict[str, str] = opened.page.evaluate(
        "(lang) => window.SEATWISE_STRINGS[lang]", language
    )
    opened.page.context.close()
    return table


@pytest.mark.parametrize("size", ["wall", "phone"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_states_its_question(
    browser: Browser, server: str, demo_store: DemoStore, page: str, size: str
) -> None:
    path, role, _ = PAGES[page]
    english = strings(browser, server, "en")
    url = f"{server}{path}?at={demo_store.at.isoformat()[:19]}"
    opened = load(browser, url, demo_store.keys[role], WALL if size == "wall" else PHONE)
    question = opened.page.inner_text("#page-question")
    assert question == english[f"question_{page}"]
    assert question.endswith(("?", ".")) and len(question.split()) >= 8
    title = opened.page.locator("main h1").bounding_box()
    below = opened.page.locator("#page-question").bounding_box()
    assert title is not None and below is not None and below["y"] >= title["y"] + title["height"]
    finish(opened, f"page_{page}_{size}")


@pytest.mark.parametrize("size", ["wall", "phone"])
@pytest.mark.parametrize("page", list(PAGES))
def test_empty_store_explains_itself(
    browser: Browser, empty_server: tuple[str, dict[str, str]], page: str, size: str
) -> None:
    base, keys = empty_server
    path, role, key = PAGES[page]
    english = strings(browser, base, "en")
    opened = load(browser, f"{base}{path}", keys[role], WALL if size == "wall" else PHONE)
    shown = opened.page.locator(f"[data-empty='{key}']")
    assert shown.count() == 1 and shown.is_visible()
    assert shown.inner_text() == english[key]
    assert EMPTY_TEXT.get(key, english[key]) == english[key]
    assert "POST /v1/" in english[key] or "seatwise" in english[key] or page == "ask"
    finish(opened, f"empty_{page}_{size}")


def test_empty_state_in_chinese(browser: Browser, empty_server: tuple[str, dict[str, str]]) -> None:
    base, keys = empty_server
    chinese = strings(browser, base, "zh")
    opened = open_page(browser, "about:blank", None, WALL)
    opened.page.context.add_init_script(
        f"localStorage.setItem('seatwise.key', {keys['planner']!r});"
        "localStorage.setItem('seatwise.lang', 'zh');"
    )
    opened.page.goto(f"{base}/dashboard/roster")
    opened.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert opened.page.inner_text("[data-empty='empty_roster']") == chinese["empty_roster"]
    assert opened.page.inner_text("#page-question") == chinese["question_roster"]
    finish(opened, "empty_roster_zh")
