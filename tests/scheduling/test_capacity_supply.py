"""Supply arithmetic: attrition survival, training and ramp-up, presence, FTE per skill group."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduling.capacity.scenario import AgentSpec, LeavePeriod, load_capacity_scenario
from scheduling.capacity.supply import (
    WEEKS_PER_MONTH,
    Ramp,
    add_planned_classes,
    agent_supply,
    agents_from_records,
    hire_curve,
    presence,
    survival,
)

MONDAY = dt.date(2027, 1, 4)
WEEKS = [MONDAY + dt.timedelta(days=7 * k) for k in range(12)]


def _scenario(**changes):
    data = {
        "queues": {"billing": {"aht_s": 300}, "sales": {"aht_s": 200}},
        "start_week": MONDAY.isoformat(),
        "horizon_weeks": 12,
        "agents": [],
        "attrition_monthly": 0.03,
        "teams": {"t1": {"attrition_monthly": 0.05}},
        "hiring": {
            "profiles": [
                {
                    "name": "billing class",
                    "skills": ["billing"],
                    "training_weeks": 2,
                    "ramp": [0.5, 0.8],
                    "hours_per_week": 30,
                    "attrition_monthly": 0.1,
                }
            ]
        },
    }
    data.update(changes)
    return load_capacity_scenario(data)


def test_survival_compounds_the_monthly_rate():
    assert survival(WEEKS_PER_MONTH, 0.05) == pytest.approx(0.95)
    assert survival(2 * WEEKS_PER_MONTH, 0.05) == pytest.approx(0.95**2)
    assert survival(13, 0.02) == pytest.approx(0.98 ** (13 / (365.25 / 12 / 7)))
    assert survival(-3, 0.5) == 1.0 and survival(0, 0.5) == 1.0


def test_ramp_and_hire_curve():
    ramp = Ramp(training_weeks=3, ramp=(0.5, 0.75))
    assert ramp.weeks_to_full == 5
    assert ramp.productivity(np.arange(-1, 7)).tolist() == [0, 0, 0, 0, 0.5, 0.75, 1, 1]
    productive, heads, trainees = hire_curve(np.arange(-1, 6), ramp, 0.1)
    months = np.arange(0, 6) / WEEKS_PER_MONTH
    np.testing.assert_allclose(heads, [0, *(0.9**months)])
    np.testing.assert_allclose(productive, heads * [0, 0, 0, 0, 0.5, 0.75, 1])
    np.testing.assert_allclose(trainees, heads * [0, 1, 1, 1, 0, 0, 0])


def test_presence_counts_days_of_the_week():
    here = presence(
        WEEKS[:3],
        leave=[LeavePeriod(start=dt.date(2027, 1, 5), end=dt.date(2027, 1, 5))],
        leaves_on=dt.date(2027, 1, 21),  # a Thursday: gone from it on
    )
    assert here.tolist() == pytest.approx([6 / 7, 1.0, 3 / 7])
    assert presence(WEEKS[:2], start_date=dt.date(2027, 1, 13)).tolist() == pytest.approx(
        [0.0, 5 / 7]
    )


def test_agent_supply_by_skill_group_with_attrition_ramp_and_hours():
    scenario = _scenario()
    agents = [
        AgentSpec(agent_id="a1", team="t1", skills=["billing"], hours_per_week=40),
        AgentSpec(agent_id="a2", team="t2", skills={"billing": 3, "sales": 2}, hours_per_week=20),
        AgentSpec(
            agent_id="a3",
            skills=["billing"],
            start_date=dt.date(2027, 1, 4),
            profile="billing class",
        ),
        AgentSpec(agent_id="a4", skills=["claims"]),
    ]
    supply = agent_supply(scenario, agents, WEEKS)
    assert supply.groups == [("billing",), ("billing", "sales")]
    assert supply.ignored == ["a4"]
    k = np.arange(12)
    # a1 (team t1, 5 %/month) full time; a3 (default 3 %/month) a new hire: 2 training weeks,
    # then 50 % and 80 %; a2 half time (20 of 40 hours) in the two-skill group.
    a1 = 0.95 ** (k / WEEKS_PER_MONTH)
    a3 = 0.97 ** (k / WEEKS_PER_MONTH) * np.array([0, 0, 0.5, 0.8, *[1] * 8])
    np.testing.assert_allclose(supply.fte[0], a1 + a3)
    np.testing.assert_allclose(supply.fte[1], 0.5 * 0.97 ** (k / WEEKS_PER_MONTH))
    np.testing.assert_allclose(supply.trainees[0][:3], [1, 0.97 ** (1 / WEEKS_PER_MONTH), 0])
    np.testing.assert_allclose(supply.headcount[0], a1 + 0.97 ** (k / WEEKS_PER_MONTH))


def test_planned_classes_join_their_group_with_the_profile_curve():
    scenario = _scenario(
        hiring={
            "profiles": [
                {
                    "name": "billing class",
                    "skills": ["billing"],
                    "training_weeks": 2,
                    "ramp": [0.5],
                    "hours_per_week": 30,
                    "attrition_monthly": 0.1,
                }
            ],
            "planned": [{"profile": "billing class", "start_week": "2026-12-28", "size": 8}],
        }
    )
    supply = agent_supply(scenario, [], WEEKS)
    records = add_planned_classes(supply, scenario, WEEKS)
    assert records == [{"profile": "billing class", "group": ("billing",), "start": -1, "size": 8}]
    k = np.arange(12) + 1  # the class started a week before the plan
    expected = 8 * 0.75 * 0.9 ** (k / WEEKS_PER_MONTH) * np.array([0, 0.5, *[1] * 10])
    np.testing.assert_allclose(supply.fte[0], expected)
    assert supply.trainees[0][0] == pytest.approx(8 * 0.9 ** (1 / WEEKS_PER_MONTH))


def test_stored_agents_become_capacity_agents():
    records = pd.DataFrame(
        [
            {
                "agent_id": "a1",
                "team": "t1",
                "skills": {"billing": 5},
                "contract": {"max_hours": 30},
                "time_off": ["2027-01-05", "2027-01-06"],
            },
            {
                "agent_id": "a2",
                "team": None,
                "skills": {"sales": 2},
                "contract": None,
                "time_off": [],
            },
        ]
    )
    agents = agents_from_records(records)
    assert [a.hours_per_week for a in agents] == [30.0, 40.0]
    assert agents[1].team is None
    assert [(p.start, p.end) for p in agents[0].leave] == [
        (dt.date(2027, 1, 5), dt.date(2027, 1, 5)),
        (dt.date(2027, 1, 6), dt.date(2027, 1, 6)),
    ]
    supply = agent_supply(_scenario(attrition_monthly=0.0, teams={}), agents, WEEKS[:2])
    np.testing.assert_allclose(supply.fte[0], [0.75 * 5 / 7, 0.75])
