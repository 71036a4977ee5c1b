"""The capacity page in real headless Chromium over the live demo server: required vs available
FTE with its band, the gap, hiring classes on a timeline, the volume forecast and the scenarios
side by side, each chart holding as many points as the API's plan has rows; a supervisor sees
their skills only, an agent nothing; Chinese labels."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser

from api.services.capacity_tasks import capacity_report
from features.store.engine import shared_engine
from features.store.service_store import ServiceStore
from scheduling.capacity import load_capacity_scenario, plan_capacity
from tests.dashboard.dashboard_browser import (
    PHONE,
    WALL,
    DemoStore,
    api,
    finish,
    load,
    open_page,
    trace_lengths,
)
from tests.forecasting.longrange_synthetic import make_weekly_history

WEEKS = 16


@pytest.fixture(scope="module")
def capacity_plan(demo_store: DemoStore) -> str:
    """A finished capacity plan (billing and sales, two scenarios, a budget that leaves weeks
    short) stored as a done ``capacity`` job in the demo store; returns its id."""
    history = make_weekly_history(
        weeks=20, levels={"billing": 6000.0, "sales": 3000.0}, aht_s=300.0
    )
    scenario = load_capacity_scenario(
        {
            "name": "dashboard plan",
            "timezone": "Europe/Berlin",
            "horizon_weeks": WEEKS,
            "queues": {"billing": {}, "sales": {}},
            "agents": [
                *({"agent_id": f"b{i}", "team": "t1", "skills": ["billing"]} for i in range(9)),
                *({"agent_id": f"s{i}", "skills": ["sales", "billing"]} for i in range(4)),
            ],
            "hiring": {
                "profiles": [
                    {
                        "name": "billing class",
                        "skills": ["billing"],
                        "lead_time_weeks": 2,
                        "training_weeks": 2,
                        "ramp": [0.5, 0.8],
                        "max_class_size": 6,
                    },
                    {
                        "name": "sales class",
                        "skills": ["sales"],
                        "lead_time_weeks": 1,
                        "training_weeks": 1,
                        "ramp": [],
                    },
                ]
            },
            "budget": {"max_cost": 60000},
            "scenarios": [{"name": "volume +10%", "volume_factor": 1.1}],
        }
    )
    plan = plan_capacity(scenario, history)
    service = ServiceStore(shared_engine(demo_store.url))
    plan_id = uuid.uuid4().hex
    service.create_job(
        plan_id,
        "capacity",
        {"name": scenario.name, "horizon_weeks": WEEKS, "scenarios": ["volume +10%"]},
        "tests",
        None,
    )
    service.update_job(
        plan_id,
        state="done",
        percent=100.0,
        message="done",
        result=capacity_report(plan),
        result_url=f"/v1/capacity-plans/{plan_id}",
    )
    return plan_id


def _report(server: str, key: str, plan_id: str) -> dict[str, Any]:
    report: dict[str, Any] = api(server, key, f"/v1/capacity-plans/{plan_id}")["report"]
    return report


@pytest.mark.parametrize("size", ["wall", "phone"])
def test_capacity_page_draws_fte_gap_classes_volume_and_scenarios(
    browser: Browser, server: str, demo_store: DemoStore, capacity_plan: str, size: str
) -> None:
    key = demo_store.keys["planner"]
    report = _report(server, key, capacity_plan)
    base = report["scenarios"][0]
    viewport = WALL if size == "wall" else PHONE
    opened = load(
        browser, f"{server}/dashboard/capacity?plan={capacity_plan}&skill=sales", key, viewport
    )
    page = opened.page
    fte = trace_lengths(opened, "fte-chart")
    assert fte["required"] == fte["band"] == fte["available"] == fte["planned"] == WEEKS
    gap = trace_lengths(opened, "gap-chart")
    assert gap["gap_before"] == gap["gap_after"] == WEEKS
    required = page.evaluate(
        "() => document.getElementById('fte-chart').data.find((t) => t.meta === 'required').y"
    )
    sales = [r["required_fte"] for r in base["weekly"] if r["skill"] == "sales"]
    assert required == pytest.approx(sales)
    classes = [c for c in base["classes"] if "sales" in c["skills"].split("+")]
    assert classes, "the budget buys sales hires (the quicker class)"
    spans = trace_lengths(opened, "classes-chart")
    assert spans == {
        "recruiting": len(classes),
        "training_phase": len(classes),
        "ramp_phase": len(classes),
    }
    volume = trace_lengths(opened, "volume-chart")
    assert volume["forecast"] == volume["band"] == WEEKS
    assert volume["history"] == len({r["week_start"] for r in report["forecast"]["history"]})
    rows = page.locator("#comparison tbody tr")
    assert rows.count() == len(report["scenarios"]) == 2
    assert rows.nth(0).locator("td").nth(1).inner_text() == str(base["summary"]["hires"])
    assert base["explanation"] is not None
    assert page.inner_text("#explanation") == base["explanation"]["message"]
    assert page.locator("#skill option").all_inner_texts()[1:] == ["billing", "sales"]
    finish(opened, f"capacity_{size}")


def test_capacity_page_switches_scenario_and_speaks_chinese(
    browser: Browser, server: str, demo_store: DemoStore, capacity_plan: str
) -> None:
    key = demo_store.keys["admin"]
    report = _report(server, key, capacity_plan)
    more = report["scenarios"][1]
    opened = load(browser, f"{server}/dashboard/capacity?plan={capacity_plan}", key, WALL)
    page = opened.page
    page.locator("#comparison tbody tr").nth(1).click()
    page.wait_for_url("**scenario=volume*", timeout=30_000)
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    total = page.evaluate(
        "() => document.getElementById('fte-chart').data.find((t) => t.meta === 'required').y"
    )
    weeks: dict[str, float] = {}
    for row in more["weekly"]:
        weeks[row["week_start"]] = weeks.get(row["week_start"], 0.0) + row["required_fte"]
    assert total == pytest.approx([weeks[w] for w in sorted(weeks)])
    assert page.locator("#scenario").input_value() == "volume +10%"
    page.click("#lang-toggle")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    assert page.locator("main h1").inner_text() == "容量规划"
    assert "容量规划" in page.locator("nav.nav").inner_text()
    assert page.locator("#comparison th").first.inner_text() == "情景"
    finish(opened, "capacity_chinese")


def test_capacity_page_by_role(
    browser: Browser, server: str, demo_store: DemoStore, capacity_plan: str
) -> None:
    supervisor = demo_store.keys["supervisor"]
    team = demo_store.agents[0]["team"]
    skills = {q for a in demo_store.agents if a["team"] == team for q in a["skills"]}
    opened = load(browser, f"{server}/dashboard/capacity?plan={capacity_plan}", supervisor, PHONE)
    shown = opened.page.locator("#skill option").all_inner_texts()[1:]
    assert set(shown) == skills & {"billing", "sales"}
    finish(opened, "capacity_supervisor_phone")
    agent = open_page(browser, f"{server}/dashboard/capacity", demo_store.keys["agent"])
    agent.page.wait_for_selector("body[data-state='error']", state="attached", timeout=30_000)
    assert "cannot open" in agent.page.inner_text("#error")
    assert "Capacity" not in agent.page.locator("nav.nav").inner_text()
    agent.page.context.close()
