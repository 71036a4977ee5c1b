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
    concave_majorant,
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


@pytest.fixture(scope="module")
def planted_solved():
    instance = planted_instance(6, 2, seed=3)
    return load_scenario(instance.scenario), solve_roster(instance.scenario, time_limit_s=20)


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


def test_service_weights_follow_the_concave_majorant():
    # Points (0,0) (1,0) (2,.5) (3,.8) (4,.9): the hull runs straight to (3,.8), then to (4,.9).
    hull = concave_majorant([0.0, 0.0, 0.5, 0.8, 0.9])
    assert hull == pytest.approx([0.0, 0.8 / 3, 1.6 / 3, 0.8, 0.9])
    assert service_weights([0.0, 0.0, 0.5, 0.8, 0.9], 1.0) == (5333, 5333, 5333, 2000)
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
    """One agent skilled on a tiny queue A and a busy queue B, one 09:00-10:00 shift; A has a
    contact in each of the first two quarters, B twenty in each of the four."""
    monday = pd.Timestamp("2026-11-30 09:00", tz="Europe/Berlin")
    quarters = [monday + pd.Timedelta(minutes=15 * k) for k in range(4)]
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
        "agents": [
            {
                "agent_id": "solo",
                "skills": {"A": 3, "B": 3},
                "contract": {
                    "min_minutes": 60,
                    "max_minutes": 60,
                    "max_days": 1,
                    "templates": ["hour"],
                },
            }
        ],
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
    result = solve_roster(_scarce_agent_scenario(forecast=True), time_limit_s=20)
    # Erlang C at 80/20 (a = 0.2 and 4 Erlangs): A needs 1 agent, B 7.
    needed = result.requirements.set_index(["queue", "interval_start"])["agents_scheduled"]
    assert sorted(needed.to_numpy().tolist()) == [0, 0, 1, 1, 7, 7, 7, 7]
    # A's first agent lifts its service level from 0 to 0.817 (weight 16,340 per quarter);
    # B's curve is 0 up to 4 agents and 0.903 at 7, its majorant a straight line: 2,581 each.
    grid = build_week_grid(load_scenario(_scarce_agent_scenario(forecast=True)))
    values = coverage_values(
        load_scenario(_scarce_agent_scenario(forecast=True)),
        {("A", 36): 1, ("B", 36): 7},
        grid,
    )
    sl_a = _erlang_c_service_level(1, 0.2, 20, 180)
    assert values[("A", 36)].weights == (round(20_000 * sl_a),) == (16340,)
    assert values[("B", 36)].weights == (2581,) * 7
    work = result.roster[result.roster["activity"] == "work"]
    assert work["queue"].tolist() == ["A"]
    # B is 7 short in all four quarters; A is met, then over-covered in its two quiet quarters.
    assert result.objective == 4 * 7 * 2581 + 2 * OVER_WEIGHT
    assert result.status == "OPTIMAL"


def test_counted_in_agents_alone_the_same_agent_covers_the_longer_need():
    result = solve_roster(_scarce_agent_scenario(forecast=False), time_limit_s=20)
    work = result.roster[result.roster["activity"] == "work"]
    # Requirements only: B's first agent weighs 1000 x (1 + 7/7) = 2000 in four quarters,
    # A's 2000 in two, so the agent goes to B; B's penalty with one agent is 9,000 a quarter.
    assert work["queue"].tolist() == ["B"]
    assert result.objective == 4 * 9000 + 2 * 2000
