"""Non-disruptive re-planning in the solver: after one day of time off, a re-plan keeping the
published shifts changes far fewer agent-intervals than a full re-solve, keeps every hard rule
and its locked shifts."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from scheduling.roster.checks import check_roster
from scheduling.roster.planted import planted_instance
from scheduling.roster.replan import (
    changed_agent_intervals,
    keep_entries,
    shift_changes,
    shift_spans,
)
from scheduling.roster.scenario import load_scenario
from scheduling.roster.solver import solve_roster


@pytest.fixture(scope="module")
def week() -> tuple[Any, dict[str, Any], str, str]:
    """A planted 16-agent week, the scenario with one agent's working day off, that agent and
    the day."""
    inst = planted_instance(16, 2, seed=3)
    published = inst.roster
    agent = sorted(published["agent_id"].unique())[0]
    day = sorted(published.loc[published["agent_id"] == agent, "date"].astype(str).unique())[1]
    scenario = copy.deepcopy(inst.scenario)
    for entry in scenario["agents"]:
        if entry["agent_id"] == agent:
            entry["time_off"] = [day]
    return published, scenario, agent, day


def _solve(scenario: dict[str, Any]) -> Any:
    return solve_roster(scenario, time_limit_s=30, work_limit=8, seed=0)


def test_replan_changes_far_fewer_agent_intervals_than_a_full_resolve(week: Any) -> None:
    published, scenario, agent, day = week
    spans = shift_spans(published)
    lock = spans[spans["agent_id"] != agent].iloc[0]
    locked = [{"agent_id": lock["agent_id"], "start": lock["start"]}]
    replanned = _solve({**scenario, "keep": keep_entries(published, locked)})
    full = _solve(scenario)
    kept = changed_agent_intervals(published, replanned.roster, 15)
    resolved = changed_agent_intervals(published, full.roster, 15)
    lost = int(
        published.loc[
            (published["agent_id"] == agent) & (published["date"].astype(str) == day)
        ].pipe(lambda r: (r["end"].max() - r["start"].min()) / pd.Timedelta(minutes=15))
    )
    assert agent in kept
    assert sum(kept.values()) <= 3 * lost
    assert sum(resolved.values()) >= 5 * sum(kept.values())
    assert len(kept) < len(resolved)
    assert replanned.objective_terms["changes"] == sum(kept.values())
    assert "changes" not in full.objective_terms
    assert check_roster(load_scenario(scenario), replanned.roster) == []
    changes = shift_changes(published, replanned.roster)
    assert set(changes) == set(kept)
    assert any(c["start"].startswith(day) for c in changes[agent]["removed"])
    still = shift_spans(replanned.roster)
    assert ((still["agent_id"] == lock["agent_id"]) & (still["start"] == lock["start"])).any()
