"""The whole capacity pipeline on a planted history: required FTE from the staffing maths,
supply, hires closing the gap, what-ifs side by side and explained shortfalls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from features.schema import CAPACITY_PLAN_COLUMNS, HIRING_CLASS_COLUMNS
from scheduling import ServiceTargets, compute_requirements
from scheduling.capacity import load_capacity_scenario, plan_capacity
from tests.forecasting.longrange_synthetic import WEEKDAY_SHARES, make_weekly_history

START = "2026-05-25"  # the Monday after 20 weeks from 2026-01-05


def _scenario(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "base",
        "timezone": "Europe/Berlin",
        "horizon_weeks": 12,
        "queues": {"billing": {"service_level": 0.8, "threshold_s": 20, "max_occupancy": 0.85}},
        "shrinkage": {
            "default": {
                "holidays": 0.1,
                "sickness": 0.05,
                "training": 0.05,
                "meetings": 0.05,
                "breaks": 0.05,
                "other": 0.0,
            }
        },
        "fte_hours": 40,
        "agents": [{"agent_id": f"a{i}", "team": "t1", "skills": ["billing"]} for i in range(10)],
        "attrition_monthly": 0.0,
        "hiring": {
            "profiles": [
                {
                    "name": "billing class",
                    "skills": ["billing"],
                    "lead_time_weeks": 2,
                    "training_weeks": 2,
                    "ramp": [],
                    "cost_per_hire": 1000,
                    "weekly_cost": 100,
                    "min_class_size": 1,
                    "max_class_size": 30,
                }
            ]
        },
        "understaffing_cost_per_fte_week": 10000,
    }
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return make_weekly_history(weeks=20, levels={"billing": 6000.0}, aht_s=300.0)


def _expected_fte(weekly_volume: float) -> float:
    """FTE of a normal week by the staffing maths on hourly intervals (08:00-16:00, Mon-Fri),
    30 % shrinkage, 40 hours."""
    rows = []
    for d, share in enumerate(WEEKDAY_SHARES[:5]):
        starts = pd.date_range(
            pd.Timestamp(f"2026-06-0{1 + d} 08:00", tz="Europe/Berlin"), periods=8, freq="60min"
        )
        rows.append(
            pd.DataFrame(
                {
                    "queue": "billing",
                    "interval_start": starts,
                    "volume": weekly_volume * share / 8,
                    "aht_s": 300.0,
                }
            )
        )
    requirements = compute_requirements(pd.concat(rows), ServiceTargets(shrinkage=0.0), 60)
    return float(requirements["agents"].sum()) / 0.7 / 40


def test_plan_required_fte_supply_and_hires(history):
    plan = plan_capacity(load_capacity_scenario(_scenario()), history)
    assert plan.start_week == dt.date(2026, 5, 25)
    base = plan.scenarios[0]
    weekly = base.weekly
    assert list(weekly.columns) == CAPACITY_PLAN_COLUMNS
    assert list(base.classes.columns) == HIRING_CLASS_COLUMNS
    need = _expected_fte(6000.0)
    assert need > 10  # the ten agents are short
    np.testing.assert_allclose(weekly["required_fte"], need, rtol=1e-9)
    np.testing.assert_allclose(weekly["volume"], 6000.0)
    np.testing.assert_allclose(weekly["available_fte"], 10.0)
    np.testing.assert_allclose(weekly["shrinkage"], 0.3)
    np.testing.assert_allclose(
        weekly["gap_after_fte"],
        weekly["available_fte"]
        + weekly["new_hire_fte"]
        + weekly["overtime_fte"]
        - weekly["required_fte"],
    )
    np.testing.assert_allclose(
        weekly["short_fte"], (-weekly["gap_after_fte"]).clip(lower=0), atol=1e-6
    )
    # A class starting in week 2 (the lead time) works from week 4: weeks 0-3 stay short.
    hires = int(np.ceil(need - 10 - 1e-9))
    assert base.summary["hires"] == hires
    assert base.classes["start_week"].tolist() == [dt.date(2026, 6, 8)]
    assert base.classes["productive_from"].tolist() == [dt.date(2026, 6, 22)]
    assert base.classes["requisition_by"].tolist() == [dt.date(2026, 5, 25)]
    assert (weekly["short_fte"].iloc[4:] == 0).all()
    np.testing.assert_allclose(weekly["short_fte"].iloc[:4], need - 10)
    assert base.explanation is not None
    assert base.explanation["reasons"] == ["lead_time"]
    assert "billing class" in base.explanation["message"]
    assert plan.forecast["volume"].round(6).eq(6000.0).all()
    assert set(plan.monthly["month"]) == {"2026-05", "2026-06", "2026-07", "2026-08"}
    assert len(plan.backtest) > 0


def test_what_ifs_side_by_side(history):
    data = _scenario(
        scenarios=[
            {"name": "volume +10%", "volume_factor": 1.1},
            {"name": "attrition +2 pts", "attrition_pts": 2},
            {
                "name": "claims queue",
                "new_queues": [
                    {
                        "name": "claims",
                        "like": "billing",
                        "weekly_volume": 3000,
                        "aht_s": 300,
                        "start_week": "2026-06-22",
                    }
                ],
                "overrides": {
                    "hiring": {
                        "profiles": [
                            {
                                "name": "claims class",
                                "skills": ["claims"],
                                "lead_time_weeks": 0,
                                "training_weeks": 1,
                                "ramp": [],
                                "max_class_size": 30,
                            }
                        ]
                    }
                },
            },
            {"name": "tight budget", "overrides": {"budget": {"max_cost": 1500}}},
        ]
    )
    plan = plan_capacity(load_capacity_scenario(data), history)
    by_name = {s.name: s for s in plan.scenarios}
    assert list(by_name) == [
        "base",
        "volume +10%",
        "attrition +2 pts",
        "claims queue",
        "tight budget",
    ]
    base = by_name["base"].weekly
    more = by_name["volume +10%"].weekly
    assert (more["required_fte"].to_numpy() > base["required_fte"].to_numpy()).all()
    assert by_name["volume +10%"].summary["hires"] > by_name["base"].summary["hires"]
    attrition = by_name["attrition +2 pts"].weekly
    k = np.arange(12)
    np.testing.assert_allclose(attrition["available_fte"], 10 * 0.98 ** (k / (365.25 / 84)))
    claims = by_name["claims queue"].weekly
    new = claims[claims["skill"] == "claims"]
    assert (new["required_fte"].iloc[:4] == 0).all() and (new["required_fte"].iloc[4:] > 0).all()
    np.testing.assert_allclose(new["required_fte"].iloc[4:], _expected_fte(3000.0))
    classes = by_name["claims queue"].classes
    assert classes["profile"].tolist() == ["claims class"]
    assert classes["start_week"].tolist() == [dt.date(2026, 6, 15)]
    tight = by_name["tight budget"]
    assert tight.summary["total_cost"] <= 1500 + 1e-6
    assert "max_cost" in tight.explanation["reasons"]
    assert tight.explanation["budget_to_close"] == pytest.approx(
        by_name["base"].summary["total_cost"]
    )
    comparison = plan.comparison()
    assert comparison["scenario"].tolist() == list(by_name)
    assert plan.weekly_plan()["scenario"].nunique() == 5


def test_inputs_the_plan_cannot_work_with(history):
    stored = load_capacity_scenario(_scenario(agents="stored"))
    with pytest.raises(InvalidInput) as no_agents:
        plan_capacity(stored, history)
    assert no_agents.value.errors[0].field == "agents"
    two = _scenario(queues={"billing": {}, "sales": {"aht_s": 200}})
    with pytest.raises(InvalidInput) as no_history:
        plan_capacity(load_capacity_scenario(two), history)
    assert no_history.value.errors[0].field == "queues.sales"
    early = _scenario(start_week="2026-05-18")
    with pytest.raises(InvalidInput) as inside:
        plan_capacity(load_capacity_scenario(early), history)
    assert inside.value.errors[0].field == "start_week"


def test_a_what_if_with_its_own_horizon_and_staff(history):
    data = _scenario(
        scenarios=[
            {"name": "longer", "overrides": {"horizon_weeks": 14}},
            {
                "name": "fewer agents",
                "overrides": {
                    "agents": [{"agent_id": "a0", "skills": ["billing"], "hours_per_week": 20}]
                },
            },
        ]
    )
    plan = plan_capacity(load_capacity_scenario(data), history)
    base, longer, fewer = plan.scenarios
    assert len(longer.weekly) == 14 and len(base.weekly) == 12
    np.testing.assert_allclose(longer.weekly["required_fte"], base.weekly["required_fte"].iloc[0])
    assert longer.weekly["week_start"].iloc[-1] == dt.date(2026, 8, 24)
    np.testing.assert_allclose(fewer.weekly["available_fte"], 0.5)
    assert fewer.summary["hires"] > base.summary["hires"]
