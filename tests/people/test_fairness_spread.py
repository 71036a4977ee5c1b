"""The fairness terms of the roster objective share weekends out: on a generated centre with
more weekend supply than demand, the spread of weekend days across agents narrows when the
terms count (FAIRNESS_WEIGHT) against the same solve without them."""

from __future__ import annotations

import copy
import statistics

import pandas as pd
import pytest

from scheduling.roster import objective
from scheduling.roster.planted import planted_instance
from scheduling.roster.solver import solve_roster


def _weekend_days(monkeypatch: pytest.MonkeyPatch, weight: int) -> list[int]:
    inst = planted_instance(20, 1, seed=2)
    scenario = copy.deepcopy(inst.scenario)
    for row in scenario["requirements"]:
        if pd.Timestamp(row["interval_start"]).weekday() >= 5:
            row["agents"] = int(row["agents"]) // 3
    monkeypatch.setattr(objective, "FAIRNESS_WEIGHT", weight)
    result = solve_roster(scenario, time_limit_s=30, work_limit=6, seed=0)
    assert result.objective_terms["under_coverage"] == 0
    return [a.weekend for a in result.report.fairness]


def test_fairness_terms_even_out_weekends(monkeypatch: pytest.MonkeyPatch) -> None:
    weight = objective.FAIRNESS_WEIGHT
    before = _weekend_days(monkeypatch, 0)
    after = _weekend_days(monkeypatch, weight)
    assert len(before) == len(after) == 20
    assert max(after) < max(before)
    assert statistics.pstdev(after) < 0.5 * statistics.pstdev(before)
    assert sum(after) <= sum(before)
