"""The objective module is the one definition of the roster objective: what the solver minimises
equals what the objective module recomputes from the roster rows alone; shortfalls are valued
by the service an agent buys (convex), so a scarce agent goes where it matters most."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scheduling.roster.checks import check_roster, coverage_table, roster_shifts
from scheduling.roster.objective import (
    OVER_WEIGHT,
    UNDER_FLOOR,
    CellValue,
    carried_gains,
    coverage_values,
    expected_service_levels,
    plan_objective_terms,
    requirement_weights,
    service_weights,
)
from scheduling.roster.options import build_week_grid
from scheduling.roster.planted import planted_instance
from scheduling.roster.scenario import ServiceTarget, load_scenario
from scheduling.roster.solver import scheduled_cells, solve_roster

PROOF = {"time_limit_s": 600, "work_limit": 20.0}
"""Enough deterministic work to prove these small rosters optimal, whatever the machine's load
(the search stops at the proof, long before either limit)."""


@pytest.fixture(scope="module")
def planted_solved():
    instance = planted_instance(6, 2, seed=3)
    return load_scenario(instance.scenario), solve_roster(instance.scenario, **PROOF)


def test_small_planted_instance_is_solved_to_optimality_with_zero_under_coverage(planted_solved):
    scenario, result = planted_solved
    assert result.status == "OPTIMAL"
    assert check_roster(scenario, result.roster) == []
    assert result.objective_terms["under_coverage"] == 0.0
    assert result.objective_terms["over_coverage"] == 0.0
    assert (result.coverage["gap"] == 0).all()


def test_solver_objective_equals_the_recomputation_from_roster_rows(planted_solved):
    scenario, result = planted_solved
    grid = build_week_grid(scenario)
    required = result.coverage[["queue", "interval_start", "required"]]
    coverage = coverage_table(result.roster, scenario, required)
    need = {(q, grid.index_of(t)): int(n) for q, t, n in required.itertuples(index=False) if n > 0}
    terms = plan_objective_terms(
        scenario,
        roster_shifts(scenario, result.roster),
        scheduled_cells(coverage, grid),
        coverage_values(scenario, need, grid),
        scenario.week_start.weekday(),
    )
    solved = next(s for s in result.stages if s["stage"] == "roster")
    assert solved["status"] == "OPTIMAL"
    assert terms["objective"] == solved["objective"]
    assert terms["objective"] == result.objective
    assert result.lower_bound == result.objective


def test_requirement_weights_rise_with_the_share_missing():
    # The j-th missing agent of 4 costs 1000 x (1 + j/4): the 4th agent (1st missing) 1250.
    value = CellValue(requirement_weights(4, 1.0))
    assert value.weights == (2000, 1750, 1500, 1250)
    assert value.penalty(0) == 6500
    assert value.penalty(2) == 2750
    assert value.penalty(4) == 0
    assert value.gain(3) == 1250
    assert value.gain(4) == -OVER_WEIGHT
    assert requirement_weights(1, 2.0) == (4000,)


def test_service_weights_carry_the_steepest_gain_down():
    # Service with 0..4 agents: 0, 0, .5, .8, .9 -> gains 0, .5, .3, .1; below the steepest
    # gain an agent is worth no less than the one above it: .5, .5, .3, .1 (non-increasing).
    assert carried_gains([0.0, 0.0, 0.5, 0.8, 0.9]) == pytest.approx([0.5, 0.5, 0.3, 0.1])
    assert service_weights([0.0, 0.0, 0.5, 0.8, 0.9], 1.0) == (10000, 10000, 6000, 2000)
    assert service_weights([0.0, 0.0, 0.5, 0.8, 0.9], 2.0)[0] == 20000
    # Tiny gains stay above the floor, so a shortfall always outweighs over-coverage.
    assert service_weights([0.0, 0.999, 0.9999], 1.0) == (19980, UNDER_FLOOR)


def _erlang_c_service_level(agents: int, load: float, threshold_s: float, aht_s: float) -> float:
    """The textbook Erlang C service level (independent of scheduling.erlang)."""
    if agents <= load:
        return 0.0
    below = sum(load**k / math.factorial(k) for k in range(agents))
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    waits = top / (below + top)
    return 1.0 - waits * math.exp(-(agents - load) * threshold_s / aht_s)


def test_expected_service_levels_are_erlang_c_after_shrinkage():
    target = ServiceTarget(threshold_s=20, shrinkage=0.0)
    levels = expected_service_levels(np.arange(8), 20.0, 180.0, target, 15)
    expected = [_erlang_c_service_level(n, 4.0, 20, 180) for n in range(8)]
    assert levels == pytest.approx(expected, abs=1e-9)
    assert levels[6] == pytest.approx(0.772, abs=5e-4)
    # With 50% shrinkage 8 scheduled agents are 4 productive: no better than none.
    halved = ServiceTarget(threshold_s=20, shrinkage=0.5)
    assert expected_service_levels([8, 14], 20.0, 180.0, halved, 15) == pytest.approx(
        [0.0, expected[7]], abs=1e-9
    )


def _scarce_agent_scenario(forecast: bool) -> dict[str, Any]:
    """Six agents on a busy queue B and one agent skilled on B and a tiny queue A, all on one
    09:00-10:00 shift on Monday; A has a contact in each of the first two quarters, B twenty in
    each of the four."""
    monday = pd.Timestamp("2026-11-30 09:00", tz="Europe/Berlin")
    quarters = [monday + pd.Timedelta(minutes=15 * k) for k in range(4)]
    contract = {"min_minutes": 60, "max_minutes": 60, "max_days": 1, "templates": ["hour"]}
    data: dict[str, Any] = {
        "timezone": "Europe/Berlin",
        "week_start": "2026-11-30",
        "interval_minutes": 15,
        "queues": [{"name": "A"}, {"name": "B"}],
        "shift_templates": [
            {
                "name": "hour",
                "length_minutes": 60,
                "earliest_start": "09:00",
                "latest_start": "09:00",
                "breaks": [],
            }
        ],
        "agents": [{"agent_id": "solo", "skills": {"A": 3, "B": 3}, "contract": contract}]
        + [{"agent_id": f"b{i}", "skills": {"B": 3}, "contract": contract} for i in range(6)],
    }
    if forecast:
        data["forecast"] = [
            {"queue": "A", "interval_start": t.isoformat(), "volume": float(k < 2), "aht_s": 180}
            for k, t in enumerate(quarters)
        ] + [
            {"queue": "B", "interval_start": t.isoformat(), "volume": 20.0, "aht_s": 180}
            for t in quarters
        ]
        data["service"] = {"service_level": 0.8, "threshold_s": 20, "shrinkage": 0.0}
    else:
        data["requirements"] = [
            {"queue": "A", "interval_start": t.isoformat(), "agents": 1} for t in quarters[:2]
        ] + [{"queue": "B", "interval_start": t.isoformat(), "agents": 7} for t in quarters]
    return data


def test_the_scarce_agent_goes_where_it_buys_the_most_service():
    data = _scarce_agent_scenario(forecast=True)
    result = solve_roster(data, **PROOF)
    # Erlang C at 80/20 (a = 0.2 and 4 Erlangs): A needs 1 agent, B 7.
    needed = result.requirements.set_index(["queue", "interval_start"])["agents_scheduled"]
    assert sorted(needed.to_numpy().tolist()) == [0, 0, 1, 1, 7, 7, 7, 7]
    scenario = load_scenario(data)
    grid = build_week_grid(scenario)
    values = coverage_values(scenario, {("A", 36): 1, ("B", 36): 7}, grid)
    # A's one agent lifts its service level from 0 to 0.817; B's 7th from 0.772 to 0.903.
    sl_a = _erlang_c_service_level(1, 0.2, 20, 180)
    seventh = _erlang_c_service_level(7, 4.0, 20, 180) - _erlang_c_service_level(6, 4.0, 20, 180)
    assert values[("A", 36)].weights == (round(20_000 * sl_a),) == (16340,)
    assert values[("B", 36)].weights[-1] == round(20_000 * seventh) == 2624
    work = result.roster[result.roster["activity"] == "work"]
    assert work.loc[work["agent_id"] == "solo", "queue"].tolist() == ["A"]
    # B one short in four quarters; A met, then over-covered in its two quiet quarters.
    assert result.objective == 4 * 2624 + 2 * OVER_WEIGHT
    assert result.status == "OPTIMAL"


def test_counted_in_agents_alone_the_same_agent_covers_the_longer_need():
    result = solve_roster(_scarce_agent_scenario(forecast=False), **PROOF)
    work = result.roster[result.roster["activity"] == "work"]
    # Requirements only: B's 7th agent weighs 1000 x (1 + 1/7) = 1143 in four quarters (4,572),
    # A's only one 2000 in two (4,000), so the agent goes to B and A stays short.
    assert work.loc[work["agent_id"] == "solo", "queue"].tolist() == ["B"]
    assert result.objective == 2 * 2000
