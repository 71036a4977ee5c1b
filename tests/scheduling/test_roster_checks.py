"""The independent roster checker accepts a valid planted roster and flags broken rules."""

from __future__ import annotations

import pandas as pd
import pytest

from scheduling.roster.checks import check_roster, coverage_table
from scheduling.roster.planted import planted_instance
from scheduling.roster.scenario import load_scenario


@pytest.fixture(scope="module")
def planted():
    inst = planted_instance(12, 3, seed=5)
    return load_scenario(inst.scenario), inst.roster


def test_planted_roster_is_valid_and_its_coverage_is_the_requirement(planted):
    scenario, roster = planted
    assert check_roster(scenario, roster) == []
    required = pd.DataFrame([r.model_dump() for r in scenario.requirements or []]).rename(
        columns={"agents": "required"}
    )
    required["interval_start"] = pd.to_datetime(required["interval_start"], utc=True).dt.tz_convert(
        scenario.timezone
    )
    coverage = coverage_table(roster, scenario, required)
    assert (coverage["gap"] == 0).all()
    assert coverage["required"].sum() > 0


def test_checker_flags_missing_break_skill_and_time_off(planted):
    scenario, roster = planted
    agent = roster["agent_id"].iloc[0]
    rows = roster[roster["agent_id"] == agent]
    pause = rows[rows["activity"] != "work"].index[0]
    broken = roster.copy()
    broken.loc[pause, "activity"] = "work"
    broken.loc[pause, "queue"] = sorted(scenario.agents[0].skills)[0]
    problems = check_roster(scenario, broken)
    assert any(p.startswith(f"{agent}: template") for p in problems)

    foreign = roster.copy()
    work = foreign.index[(foreign["agent_id"] == agent) & (foreign["activity"] == "work")][0]
    skills = next(a.skills for a in scenario.agents if a.agent_id == agent)
    other = next(q for q in scenario.queue_names() if q not in skills)
    foreign.loc[work, "queue"] = other
    assert any("skills" in p for p in check_roster(scenario, foreign))

    scenario_off = scenario.model_copy(deep=True)
    target = next(a for a in scenario_off.agents if a.agent_id == agent)
    target.time_off = [rows["date"].iloc[0]]
    assert any("time off" in p for p in check_roster(scenario_off, roster))


def test_checker_flags_contract_rest_and_consecutive_days(planted):
    scenario, roster = planted
    strict = scenario.model_copy(deep=True)
    strict.rules.min_rest_minutes = 20 * 60
    strict.rules.max_consecutive_days = 1
    agent = strict.agents[0]
    agent.contract.max_days = 1
    problems = check_roster(strict, roster)
    who = agent.agent_id
    assert any(p.startswith(f"{who}: contract max_days") for p in problems)
    assert any(p.startswith(f"{who}: rest") for p in problems)
    assert any(p.startswith(f"{who}: max_consecutive_days") for p in problems)
