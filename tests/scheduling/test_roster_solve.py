"""Solved rosters keep every hard rule (checked independently), including DST weeks, time off,
availability and multi-skill routing plans; infeasible scenarios name agents and rules."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pandas as pd
import pytest

from features.errors import Infeasible
from features.schema import COVERAGE_COLUMNS, ROSTER_COLUMNS
from scheduling.roster.checks import check_roster
from scheduling.roster.options import build_week_grid
from scheduling.roster.scenario import load_scenario
from scheduling.roster.solver import solve_roster
from scheduling.routing.plan import routing_plan_at


def _requirements(tz: str, week: str, queues: dict[str, int], hours: range) -> list[dict]:
    start = pd.Timestamp(week).tz_localize(tz)
    rows = []
    for day in range(7):
        date = pd.Timestamp(week) + pd.Timedelta(days=day)
        for hour in hours:
            for quarter in range(4):
                at = (date + pd.Timedelta(hours=hour, minutes=15 * quarter)).tz_localize(tz)
                for queue, agents in queues.items():
                    rows.append(
                        {"queue": queue, "interval_start": at.isoformat(), "agents": agents}
                    )
    assert start is not None
    return rows


def small_scenario(tz: str = "Europe/Berlin", week: str = "2026-11-30") -> dict[str, Any]:
    """Two queues, 9:00-17:00 every day, four agents (one multi-skilled)."""
    template = {
        "name": "day8",
        "length_minutes": 480,
        "earliest_start": "07:00",
        "latest_start": "10:00",
        "start_step_minutes": 60,
        "breaks": [
            {
                "activity": "lunch",
                "minutes": 30,
                "earliest_after_start_minutes": 180,
                "latest_after_start_minutes": 300,
            }
        ],
    }
    contract = {"min_minutes": 1440, "max_minutes": 2400, "max_days": 5, "templates": ["day8"]}
    agents = [
        {"agent_id": "ann", "skills": {"billing": 5}, "contract": dict(contract)},
        {
            "agent_id": "bob",
            "skills": {"billing": 3, "sales": 4},
            "contract": dict(contract),
            "time_off": [week],
        },
        {
            "agent_id": "cat",
            "skills": {"sales": 5},
            "contract": dict(contract),
            "availability": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "preferences": {"days_off": ["sat", "sun"]},
        },
        {"agent_id": "dan", "skills": {"billing": 2, "sales": 2}, "contract": dict(contract)},
    ]
    return {
        "timezone": tz,
        "week_start": week,
        "interval_minutes": 15,
        "queues": [{"name": "billing", "priority": 2.0}, {"name": "sales"}],
        "requirements": _requirements(tz, week, {"billing": 1, "sales": 1}, range(10, 16)),
        "shift_templates": [template],
        "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
        "agents": agents,
    }


@pytest.fixture(scope="module")
def solved() -> tuple[dict[str, Any], Any]:
    data = small_scenario()
    return data, solve_roster(data, time_limit_s=8, workers=2)


def test_solved_roster_keeps_every_hard_rule(solved):
    data, result = solved
    scenario = load_scenario(data)
    assert list(result.roster.columns) == ROSTER_COLUMNS
    assert check_roster(scenario, result.roster) == []
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert set(result.objective_terms) >= {"under_coverage", "over_coverage", "preferences"}
    assert result.lower_bound <= result.objective + 1e-6
    assert 0.0 <= result.gap <= 1.0 + 1e-9


def test_coverage_table_counts_work_rows(solved):
    data, result = solved
    coverage = result.coverage
    assert list(coverage.columns) == COVERAGE_COLUMNS
    assert len(coverage) == 2 * 7 * 96
    assert (coverage["gap"] == coverage["scheduled"] - coverage["required"]).all()
    assert coverage["required"].sum() == 2 * 7 * 6 * 4
    # Four agents of at least three 8h days cover the 10:00-16:00 need almost entirely.
    under = (-coverage["gap"].clip(upper=0)).sum()
    assert under <= 0.1 * coverage["required"].sum()


def test_time_off_and_availability_hold(solved):
    _, result = solved
    roster = result.roster
    bob = roster[roster["agent_id"] == "bob"]
    assert dt.date(2026, 11, 30) not in set(bob["date"])
    cat = roster[roster["agent_id"] == "cat"]
    assert not cat.empty
    # Windows are given Monday to Friday only; the weekend (no entry) is open all day.
    cat = cat[cat["start"].dt.dayofweek < 5]
    assert (cat["start"].dt.hour >= 8).all()
    assert (cat["end"].dt.hour * 60 + cat["end"].dt.minute <= 18 * 60).all()


def test_multi_skill_agents_only_serve_their_skills(solved):
    _, result = solved
    work = result.roster[result.roster["activity"] == "work"]
    assert set(work.loc[work["agent_id"] == "ann", "queue"]) == {"billing"}
    assert set(work.loc[work["agent_id"] == "cat", "queue"]) == {"sales"}
    assert set(work.loc[work["agent_id"].isin(["bob", "dan"]), "queue"]) <= {"billing", "sales"}
    lunches = result.roster[result.roster["activity"] == "lunch"]
    assert lunches["queue"].isna().all()
    assert ((lunches["end"] - lunches["start"]) == pd.Timedelta(minutes=30)).all()


def test_routing_plan_at_an_instant(solved):
    _, result = solved
    at = pd.Timestamp("2026-12-02T11:00:00+01:00")
    plan = routing_plan_at(result.roster, at)
    assert list(plan.columns) == ["agent_id", "queue", "activity"]
    expected = result.roster[(result.roster["start"] <= at) & (at < result.roster["end"])]
    assert sorted(plan["agent_id"]) == sorted(expected["agent_id"])
    working = plan[plan["activity"] == "work"]
    assert working["queue"].notna().all()


@pytest.mark.parametrize(
    ("week", "intervals"), [("2026-03-23", 668), ("2026-10-19", 676)], ids=["spring", "autumn"]
)
def test_dst_weeks(week, intervals):
    data = small_scenario(week=week)
    for agent in data["agents"]:
        agent.pop("time_off", None)
    scenario = load_scenario(data)
    assert build_week_grid(scenario).week_intervals == intervals
    result = solve_roster(data, time_limit_s=4, workers=2)
    assert check_roster(scenario, result.roster) == []
    assert len(result.coverage) == 2 * intervals
    offsets = {t.utcoffset() for t in result.roster["start"]}
    assert offsets == {pd.Timedelta(hours=1), pd.Timedelta(hours=2)}


def test_infeasible_contract_names_the_agent_before_solving():
    data = small_scenario()
    data["agents"][2]["contract"] = {
        "min_minutes": 2400,
        "max_minutes": 2400,
        "max_days": 5,
        "templates": ["day8"],
    }
    data["agents"][2]["time_off"] = ["2026-12-01", "2026-12-02"]
    data["agents"][2]["availability"].update({"sat": [], "sun": []})
    with pytest.raises(Infeasible) as info:
        solve_roster(data, time_limit_s=2)
    conflicts = info.value.conflicts
    assert [c.agents for c in conflicts] == [["cat"]]
    assert "contract.min_minutes" in str(info.value)
    assert "availability" in str(info.value)


def test_infeasible_rest_rule_is_named_by_the_solver_core():
    data = copy.deepcopy(small_scenario())
    data["shift_templates"][0]["latest_start"] = "07:00"
    data["rules"]["min_rest_minutes"] = 1000
    data["agents"][0]["contract"]["min_minutes"] = 2400
    data["agents"][2].pop("availability")
    with pytest.raises(Infeasible) as info:
        solve_roster(data, time_limit_s=5)
    conflicts = info.value.conflicts
    assert [c.agents for c in conflicts] == [["ann"]]
    assert "rules.min_rest_minutes" in conflicts[0].rule
    assert "contract.min_minutes" in conflicts[0].rule


def test_progress_reports_improving_solutions():
    seen = []
    fractions = []
    solve_roster(
        small_scenario(),
        time_limit_s=2,
        on_solution=seen.append,
        progress=lambda f, m: fractions.append(f),
    )
    assert seen
    objectives = [s.objective for s in seen]
    assert objectives == sorted(objectives, reverse=True)
    assert fractions[-1] == 1.0


def test_large_centre_path_decomposes_and_keeps_the_rules(monkeypatch):
    import scheduling.roster.solver as roster_module

    monkeypatch.setattr(roster_module, "DECOMPOSE_ABOVE_AGENTS", 2)
    data = small_scenario()
    result = solve_roster(data, time_limit_s=6)
    names = [s["stage"] for s in result.stages]
    assert "greedy shifts" in names and "breaks and routing" in names
    assert check_roster(load_scenario(data), result.roster) == []
    under = (-result.coverage["gap"].clip(upper=0)).sum()
    assert under <= 0.15 * result.coverage["required"].sum()


def test_time_limit_returns_best_roster_with_status():
    result = solve_roster(small_scenario(), time_limit_s=1)
    assert result.status in ("OPTIMAL", "FEASIBLE", "GREEDY")
    assert not result.roster.empty
    assert result.wall_time_s < 10
