"""A roster solved from a forecast scenario is scored by the simulator; requirements-only
scenarios need a forecast to be simulated."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.roster.scenario import load_scenario
from scheduling.roster.simulate import roster_to_sim_agents, simulate_roster
from scheduling.roster.solver import solve_roster


def forecast_scenario() -> dict:
    rows = []
    for day in range(7):
        for quarter in range(8 * 4):
            at = pd.Timestamp("2026-11-30 09:00", tz="Europe/Berlin") + pd.Timedelta(
                days=day, minutes=15 * quarter
            )
            rows.append(
                {
                    "queue": "billing",
                    "interval_start": at.isoformat(),
                    "volume": 20.0,
                    "aht_s": 180.0,
                }
            )
    template = {
        "name": "day8",
        "length_minutes": 480,
        "earliest_start": "08:00",
        "latest_start": "10:00",
        "start_step_minutes": 60,
        "breaks": [],
    }
    agents = [
        {
            "agent_id": f"a{i}",
            "skills": {"billing": 4},
            "contract": {
                "min_minutes": 0,
                "max_minutes": 2400,
                "max_days": 5,
                "templates": ["day8"],
            },
        }
        for i in range(10)
    ]
    return {
        "timezone": "Europe/Berlin",
        "week_start": "2026-11-30",
        "interval_minutes": 15,
        "queues": [{"name": "billing"}],
        "forecast": rows,
        "service": {"billing": {"service_level": 0.8, "threshold_s": 20, "shrinkage": 0.0}},
        "shift_templates": [template],
        "agents": agents,
    }


def test_forecast_scenario_is_staffed_then_simulated():
    data = forecast_scenario()
    result = solve_roster(data, time_limit_s=4)
    # 20 contacts x 180 s per 15 min = 4 Erlangs: Erlang C at 80/20 needs 7 agents (6 give 77%).
    needed = result.requirements["agents_scheduled"]
    assert set(needed) == {7}
    scheduled = result.coverage.set_index("interval_start")["scheduled"]
    nine_to_five = [t for t in scheduled.index if 9 <= t.hour < 17]
    assert scheduled.loc[nine_to_five].mean() >= 6.0
    scenario = load_scenario(data)
    agents = roster_to_sim_agents(result.roster, scenario)
    assert {a.agent_id for a in agents} == set(result.roster["agent_id"])
    assert all(q == "billing" for a in agents for _, _, q in a.shifts)
    simulated = simulate_roster(result, data)
    assert {"service_level", "asa_s", "occupancy"} <= set(simulated.columns)
    served = simulated[simulated["offered"] > 0]
    assert served["service_level"].mean() > 0.6


def test_requirements_only_scenario_needs_a_forecast():
    from tests.scheduling.test_roster_solve import small_scenario

    data = small_scenario()
    result = solve_roster(data, time_limit_s=2)
    with pytest.raises(InvalidInput) as info:
        simulate_roster(result, data)
    assert info.value.errors[0].field == "forecast"
