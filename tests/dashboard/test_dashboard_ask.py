"""The question box and the tickets-and-quality page in real headless Chromium: questions typed
in English and Chinese reach GET /v1/ask and the page shows its answer, query and chart; an
unclear question is said to be unclear; the tickets page drills from a category to its
tickets."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote

import pandas as pd
from playwright.sync_api import Browser

from tests.dashboard.dashboard_browser import (
    PHONE,
    WALL,
    DemoStore,
    api,
    finish,
    load,
    trace_lengths,
)

READY = "body[data-ready='1'], body[data-state='error']"


def _replay(demo_store: DemoStore) -> str:
    return demo_store.at.isoformat()[:19]


def test_question_box_in_the_header_answers_in_english(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["admin"]
    at = _replay(demo_store)
    opened = load(browser, f"{server}/dashboard/drill?at={at}", key, WALL)
    page = opened.page
    question = "what was billing's service level yesterday?"
    page.fill("#ask-input", question)
    page.press("#ask-input", "Enter")
    page.wait_for_url("**/dashboard/ask?**")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    expected = api(server, key, "/v1/ask", q=question, at=at)
    assert expected["understood"] and expected["value"] is not None
    assert page.inner_text("[data-testid='answer-text']") == expected["text"]
    assert page.inner_text("[data-testid='answer-value']") == f"{100 * expected['value']:.1f}%"
    assert page.get_attribute("#answer", "data-understood") == "true"
    period = expected["query"]["period"]
    assert (
        page.inner_text("dd[data-field='ask_period']") == f"{period['dates']} ({period['label']})"
    )
    assert page.inner_text("dd[data-field='ask_measure']") == "service_level"
    drill = page.get_attribute("#drill-link", "href")
    assert drill == expected["drill_url"]
    assert "q=" in page.url and "at=" in page.url  # the replay instant is kept
    finish(opened, "ask_english_wall")


def test_chinese_question_on_a_phone(browser: Browser, server: str, demo_store: DemoStore) -> None:
    key = demo_store.keys["planner"]
    at = _replay(demo_store)
    question = "上周各队列的服务水平"
    opened = load(browser, f"{server}/dashboard/ask?at={at}", key, PHONE)
    page = opened.page
    page.click("#lang-toggle")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    assert page.locator("main h1").inner_text() == "提问"
    assert page.locator("[data-testid='example']").count() == 5
    page.fill("#question", question)
    page.click("#ask-submit")
    page.wait_for_url("**/dashboard/ask?**q=**")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    expected = api(server, key, "/v1/ask", q=question, at=at)
    assert expected["understood"] and expected["language"] == "zh"
    assert page.inner_text("[data-testid='answer-text']") == expected["text"]
    measured = [r for r in expected["rows"] if r["value"] is not None]
    assert trace_lengths(opened, "answer-chart")["answer"] == len(measured) == 2
    finish(opened, "ask_chinese_phone")


def test_unclear_questions_are_said_to_be_unclear(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["admin"]
    at = _replay(demo_store)
    question = "what was foo's service level yesterday?"
    opened = load(browser, f"{server}/dashboard/ask?q={quote(question)}&at={at}", key, WALL)
    page = opened.page
    assert page.get_attribute("#answer", "data-understood") == "false"
    assert "I did not understand 'foo'" in page.inner_text("[role='alert']")
    assert page.locator("[data-testid='answer-value']").count() == 0
    examples = page.locator("[data-testid='example']")
    assert examples.count() >= 4
    examples.first.click()
    page.wait_for_selector("#answer[data-understood='true']", timeout=30_000)
    finish(opened, "ask_unclear")


def test_shift_question_lists_the_agents(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["supervisor"]
    at = _replay(demo_store)
    question = "who is on shift tomorrow at 10?"
    opened = load(browser, f"{server}/dashboard/ask?q={quote(question)}&at={at}", key, WALL)
    expected = api(server, key, "/v1/ask", q=question, at=at)
    assert expected["unit"] == "agents" and expected["value"] > 0
    team = demo_store.agents[0]["team"]
    assert {r["team"] for r in expected["rows"]} == {team}
    assert opened.page.locator("[data-testid='shift-row']").count() == expected["value"]
    finish(opened, "ask_shift")


def test_tickets_page_drills_from_a_category_to_its_tickets(
    browser: Browser, server: str, demo_store: DemoStore
) -> None:
    key = demo_store.keys["admin"]
    at = _replay(demo_store)
    last = (demo_store.at.normalize() - pd.Timedelta(days=1)).date()
    first = last - pd.Timedelta(days=6)
    opened = load(browser, f"{server}/dashboard/tickets?at={at}", key, WALL)
    page = opened.page
    start = pd.Timestamp(first).tz_localize(demo_store.at.tz).isoformat()
    end = pd.Timestamp(last + pd.Timedelta(days=1)).tz_localize(demo_store.at.tz).isoformat()
    kpis = api(server, key, "/v1/tickets/kpis", start=start, end=end)
    assert kpis["kpis"]["tickets"] > 0
    shown = page.inner_text("[data-kpi='tickets'] .value")
    assert shown == f"{kpis['kpis']['tickets']}"
    assert page.locator("[data-testid='child-row']").count() == len(kpis["children"]) == 2
    category = kpis["categories"][0]
    page.locator(f"[data-testid='category-row'][data-id='{category['id']}']").click()
    page.wait_for_selector("#ticket-list:not([hidden]) [data-testid='ticket-row']")
    path, _, query = category["url"].partition("?")
    rows = api(server, key, path, **dict(parse_qsl(query)))["rows"]
    assert (
        page.locator("[data-testid='ticket-row']").count()
        == len(rows)
        == category["kpis"]["tickets"]
    )
    page.locator("[data-testid='child-row']").first.click()
    page.wait_for_url("**queue=**")
    page.wait_for_selector(READY, state="attached", timeout=30_000)
    assert "queue" in page.inner_text("#node-title").lower()
    finish(opened, "tickets_wall")
