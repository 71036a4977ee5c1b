"""The hiring optimiser on planted gaps with known least-cost answers, and the explanation of
weeks a budget, a hires cap, the lead time or a cheap penalty leave short."""

from __future__ import annotations

import numpy as np
import pytest

from scheduling.capacity.hiring import (
    ClassOption,
    HiringProblem,
    explain_shortfall,
    solve_hiring,
)

WEEKS = 12


def _option(**changes) -> ClassOption:
    # Two weeks of training, then fully productive; nobody leaves; 1,000 to hire, 100 a week.
    fields = {
        "name": "billing class",
        "group": 0,
        "curve": np.array([0.0, 0.0] + [1.0] * (WEEKS - 2)),
        "heads": np.ones(WEEKS),
        "earliest_start": 2,
        "cost_per_hire": 1000.0,
        "weekly_cost": 100.0,
    }
    fields.update(changes)
    return ClassOption(**fields)


def _problem(required_from: int = 6, need: float = 10.0, **changes) -> HiringProblem:
    required = np.full((1, WEEKS), 8.0)
    required[0, required_from:] = need
    fields = {
        "skills": ["billing"],
        "groups": [("billing",)],
        "required": required,
        "supply": np.full((1, WEEKS), 8.0),
        "options": [_option()],
        "short_cost": 10_000.0,
        "time_limit_s": 20.0,
    }
    fields.update(changes)
    return HiringProblem(**fields)


def test_closes_a_planted_gap_with_the_fewest_hires_just_in_time():
    # 2 FTE short from week 6: a class of 2 must start by week 4 (2 weeks of training); wages
    # make the latest start the cheapest: 2 x (1,000 + 100 x 8 weeks) = 3,600.
    solution = solve_hiring(_problem())
    assert solution.status == "optimal"
    assert solution.classes == [(0, 4, 2)]
    assert solution.hires == 2
    assert solution.short.sum() == 0.0
    assert solution.costs["hiring"] == pytest.approx(2000.0)
    assert solution.costs["wages"] == pytest.approx(1600.0)
    assert solution.costs["total"] == pytest.approx(3600.0)
    np.testing.assert_allclose(solution.hire_fte[0], [0] * 6 + [2] * 6)
    np.testing.assert_allclose(solution.hire_trainees[0], [0] * 4 + [2, 2] + [0] * 6)
    assert explain_shortfall(_problem(), solution) is None


def test_class_size_limits_shape_the_classes():
    at_least_three = solve_hiring(_problem(options=[_option(min_size=3)]))
    assert at_least_three.classes == [(0, 4, 3)]
    # 17 short with at most 10 per class and one class a week: 10 start in week 4 and the
    # other 7 a week earlier (they cost one more week of wages each).
    big = solve_hiring(_problem(need=25.0, options=[_option(max_size=10)]))
    assert big.classes == [(0, 3, 7), (0, 4, 10)]
    assert big.costs["total"] == pytest.approx(7 * 1900 + 10 * 1800)
    one_class = solve_hiring(_problem(need=25.0, options=[_option(max_size=10, max_classes=1)]))
    assert one_class.hires == 10
    assert one_class.short.sum() == pytest.approx(7 * 6)


def test_overtime_is_used_when_cheaper_than_a_hire():
    # Half an FTE short for six weeks: 3 FTE-weeks of overtime at 500 (1,500) beat a hire
    # (1,800); overtime may add 10 % of the 8 staffed FTE.
    problem = _problem(need=8.5, overtime_share=0.1, overtime_cost=np.full((1, WEEKS), 500.0))
    solution = solve_hiring(problem)
    assert solution.hires == 0
    assert solution.overtime.sum() == pytest.approx(3.0)
    assert solution.costs["overtime"] == pytest.approx(1500.0)


def test_a_budget_too_small_is_explained_with_the_budget_that_closes_the_gap():
    problem = _problem(max_cost=2000.0)
    solution = solve_hiring(problem)
    assert solution.hires == 1  # 1,800 fits, 3,600 does not
    np.testing.assert_allclose(solution.short[0], [0] * 6 + [1] * 6)
    why = explain_shortfall(problem, solution)
    assert why is not None
    assert why.reasons == ["max_cost"]
    assert why.budget_to_close == pytest.approx(3600.0)
    assert why.hires_to_close == 2
    assert why.unreachable.sum() == 0.0


def test_a_hires_cap_and_a_cheap_penalty_are_named():
    capped = _problem(max_hires=1)
    why = explain_shortfall(capped, solve_hiring(capped))
    assert why is not None and why.reasons == ["max_hires"] and why.hires_to_close == 2
    cheap = _problem(short_cost=100.0)  # an FTE-week short costs less than hiring for it
    solution = solve_hiring(cheap)
    assert solution.hires == 0
    why = explain_shortfall(cheap, solution)
    assert why is not None
    assert why.reasons == ["understaffing_cost"]
    assert why.budget_to_close == pytest.approx(3600.0)


def test_weeks_before_the_first_productive_class_cannot_be_closed():
    # Short from week 2, but a class starts in week 2 at the earliest and works from week 4.
    problem = _problem(required_from=2, max_cost=1e9)
    solution = solve_hiring(problem)
    np.testing.assert_allclose(solution.short[0], [0, 0, 2, 2] + [0] * 8)
    assert solution.classes == [(0, 2, 2)]
    why = explain_shortfall(problem, solution)
    assert why is not None
    assert why.reasons == ["lead_time"]
    np.testing.assert_allclose(why.unreachable[0], [0, 0, 2, 2] + [0] * 8)
    assert why.budget_to_close is None


def test_multi_skilled_staff_are_shared_between_skills():
    required = np.vstack([np.full(WEEKS, 3.0), np.full(WEEKS, 2.0)])
    problem = HiringProblem(
        skills=["billing", "sales"],
        groups=[("billing", "sales")],
        required=required,
        supply=np.full((1, WEEKS), 5.0),
        options=[],
    )
    solution = solve_hiring(problem)
    assert solution.short.sum() == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(solution.allocation[0].sum(axis=0), 5.0)
    assert (solution.allocation[0, 0] >= 3.0 - 1e-6).all()
    assert (solution.allocation[0, 1] >= 2.0 - 1e-6).all()
