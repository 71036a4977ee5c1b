"""The objective module is the one definition of the roster objective: what the solver minimises
equals what the objective module recomputes from the roster rows alone."""

from __future__ import annotations

import pytest

from scheduling.roster.checks import check_roster, coverage_table, roster_shifts
from scheduling.roster.objective import coverage_values, plan_objective_terms
from scheduling.roster.options import build_week_grid
from scheduling.roster.planted import planted_instance
from scheduling.roster.scenario import load_scenario
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
    need = {
        (q, grid.index_of(t)): int(n) for q, t, n in required.itertuples(index=False) if n > 0
    }
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
