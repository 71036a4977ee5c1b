"""Queue blocks: a multi-skilled agent serves one queue for at least
``rules.min_queue_block_minutes`` (default 60) before changing; the extracted rows and the
independent check both keep the rule."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.roster.checks import check_roster, queue_block_problem
from scheduling.roster.options import BreakSlots, queue_blocks, separate_breaks
from scheduling.roster.scenario import load_scenario
from scheduling.roster.solver import solve_roster
from tests.scheduling.test_roster_objective import PROOF

TZ = "Europe/Berlin"


def _alternating(block_minutes: int | None) -> dict[str, Any]:
    """One agent skilled on A and B, one fixed 09:00-11:00 shift; A and B each need one agent
    in alternate half-hours (A 09:00, B 09:30, A 10:00, B 10:30)."""
    start = pd.Timestamp("2026-11-30 09:00", tz=TZ)
    requirements = [
        {
            "queue": "A" if (k // 2) % 2 == 0 else "B",
            "interval_start": (start + pd.Timedelta(minutes=15 * k)).isoformat(),
            "agents": 1,
        }
        for k in range(8)
    ]
    data: dict[str, Any] = {
        "timezone": TZ,
        "week_start": "2026-11-30",
        "interval_minutes": 15,
        "queues": [{"name": "A"}, {"name": "B"}],
        "requirements": requirements,
        "shift_templates": [
            {
                "name": "two",
                "length_minutes": 120,
                "earliest_start": "09:00",
                "latest_start": "09:00",
                "breaks": [],
            }
        ],
        "agents": [
            {
                "agent_id": "duo",
                "skills": {"A": 4, "B": 4},
                "contract": {
                    "min_minutes": 120,
                    "max_minutes": 120,
                    "max_days": 1,
                    "templates": ["two"],
                },
            }
        ],
    }
    if block_minutes is not None:
        data["rules"] = {"min_queue_block_minutes": block_minutes}
    return data


def test_a_two_queue_agent_does_not_change_queue_before_an_hour():
    result = solve_roster(_alternating(None), **PROOF)
    assert result.status == "OPTIMAL"
    work = result.roster[result.roster["activity"] == "work"]
    assert ((work["end"] - work["start"]) >= pd.Timedelta(minutes=60)).all()
    # Each hour on one queue meets that queue's half-hour and misses the other's: 4 quarters
    # short (2,000 each: a need of one) and 4 over (10 each).
    assert result.objective_terms["under_coverage"] == 4
    assert result.objective_terms["over_coverage"] == 4
    assert result.objective == 4 * 2000 + 4 * 10
    assert check_roster(load_scenario(_alternating(None)), result.roster) == []


@pytest.mark.parametrize("minutes", [15, 30])
def test_with_shorter_blocks_allowed_it_follows_the_demand(minutes):
    result = solve_roster(_alternating(minutes), **PROOF)
    assert result.status == "OPTIMAL"
    assert result.objective == 0
    work = result.roster[result.roster["activity"] == "work"].sort_values("start")
    assert work["queue"].tolist() == ["A", "B", "A", "B"]
    assert ((work["end"] - work["start"]) == pd.Timedelta(minutes=30)).all()
    # The same rows break the default one-hour rule.
    problems = check_roster(load_scenario(_alternating(None)), result.roster)
    assert len(problems) == 1 and problems[0].startswith("duo: queue block - A from")


def _rows(*spans: tuple[str, str | None, str, str]) -> list[dict]:
    day = "2026-11-30 "
    return [
        {
            "activity": activity,
            "queue": queue,
            "start": pd.Timestamp(day + start, tz=TZ),
            "end": pd.Timestamp(day + end, tz=TZ),
        }
        for activity, queue, start, end in spans
    ]


def test_block_check_lets_a_change_fall_anywhere_in_a_break():
    hour = pd.Timedelta(minutes=60)
    # A from 09:00 with a break 09:45-10:00, then B: the change can be at 10:00.
    ok = _rows(
        ("work", "A", "09:00", "09:45"),
        ("break", None, "09:45", "10:00"),
        ("work", "B", "10:00", "11:00"),
    )
    assert queue_block_problem(ok, hour) is None
    # Breaks count towards their block: B 10:00-11:00 holds a 10:15-10:30 break.
    with_break = _rows(
        ("work", "A", "09:00", "10:00"),
        ("work", "B", "10:00", "10:15"),
        ("break", None, "10:15", "10:30"),
        ("work", "B", "10:30", "11:00"),
    )
    assert queue_block_problem(with_break, hour) is None
    short = _rows(("work", "A", "09:00", "09:30"), ("work", "B", "09:30", "11:00"))
    assert "A from" in (queue_block_problem(short, hour) or "")
    late = _rows(("work", "A", "09:00", "10:30"), ("work", "B", "10:30", "11:00"))
    assert "B from" in (queue_block_problem(late, hour) or "")


def test_queue_blocks_and_separated_breaks():
    # 8 hours in hour blocks; 7.5 hours: the last block takes the half hour.
    assert queue_blocks(32, 4) == tuple((4 * j, 4 * j + 4) for j in range(8))
    assert queue_blocks(30, 4)[-1] == (24, 30)
    assert queue_blocks(3, 4) == ((0, 3),)
    # A 15-minute break in 60..165 min and lunch in 165..330 min (builder's 8-hour shift): a
    # lunch at 165 would share the 2nd hour with the break, so it starts at 180 at the earliest.
    first = BreakSlots("break", 1, tuple(range(4, 11)))
    lunch = BreakSlots("lunch", 2, tuple(range(11, 21)))
    later_lunch = BreakSlots("lunch", 2, tuple(range(12, 21)))
    assert separate_breaks([first, lunch], 4) == [first, later_lunch]
    # Both forced into one hour: no separation.
    assert separate_breaks([BreakSlots("break", 1, (4,)), BreakSlots("lunch", 2, (5,))], 4) is None


def test_solved_multi_skill_rows_keep_hour_blocks():
    from tests.scheduling.test_roster_solve import small_scenario

    data = small_scenario()
    result = solve_roster(data, time_limit_s=10)
    scenario = load_scenario(data)
    assert check_roster(scenario, result.roster) == []
    for (_, _), rows in result.roster.groupby(["agent_id", "date"]):
        work = rows[rows["activity"] == "work"].sort_values("start")
        changes = (work["queue"] != work["queue"].shift()).sum() - 1
        # An 8-hour shift has 8 hour blocks: at most 7 changes, and at most 9 work rows (the
        # lunch may split one block) where 15-minute routing made up to 18.
        assert changes <= 7
        assert len(work) <= 8 + 1


def test_block_rule_must_be_a_multiple_of_the_interval():
    data = copy.deepcopy(_alternating(20))
    with pytest.raises(InvalidInput) as info:
        load_scenario(data)
    assert [e.field for e in info.value.errors] == ["rules.min_queue_block_minutes"]
    assert dt.date(2026, 11, 30) == load_scenario(_alternating(45)).week_start


def _odd_shapes() -> dict[str, Any]:
    """Two agents skilled on A and B with shapes the phase grid cannot take: a 150-minute shift
    (blocks of 60 and 90 minutes) and a 120-minute shift whose break and lunch always share its
    second hour; A is needed 09:00-10:00, B 10:00-11:30, on Monday."""
    data = _alternating(None)
    start = pd.Timestamp("2026-11-30 09:00", tz=TZ)
    data["requirements"] = [
        {
            "queue": "A" if k < 4 else "B",
            "interval_start": (start + pd.Timedelta(minutes=15 * k)).isoformat(),
            "agents": 1,
        }
        for k in range(10)
    ]
    data["shift_templates"] = [
        {
            "name": "odd",
            "length_minutes": 150,
            "earliest_start": "09:00",
            "latest_start": "09:00",
            "breaks": [],
        },
        {
            "name": "tight",
            "length_minutes": 120,
            "earliest_start": "09:00",
            "latest_start": "09:00",
            "breaks": [
                {
                    "activity": "break",
                    "minutes": 15,
                    "earliest_after_start_minutes": 60,
                    "latest_after_start_minutes": 75,
                },
                {
                    "activity": "lunch",
                    "minutes": 30,
                    "earliest_after_start_minutes": 75,
                    "latest_after_start_minutes": 105,
                },
            ],
        },
    ]
    data["agents"][0]["contract"].update(min_minutes=150, max_minutes=150, templates=["odd"])
    tight = copy.deepcopy(data["agents"][0])
    tight["agent_id"] = "tri"
    tight["contract"].update(min_minutes=120, max_minutes=120, templates=["tight"])
    data["agents"].append(tight)
    return data


def test_shifts_off_the_phase_grid_keep_their_own_blocks():
    data = _odd_shapes()
    result = solve_roster(data, **PROOF)
    assert result.status == "OPTIMAL"
    assert check_roster(load_scenario(data), result.roster) == []
    work = result.roster[result.roster["activity"] == "work"].sort_values("start")
    duo = work[work["agent_id"] == "duo"]
    # duo's blocks are 09:00-10:00 and 10:00-11:30: A then B covers everything it is there for.
    assert duo["queue"].tolist() == ["A", "B"]
    assert result.objective_terms["under_coverage"] == 0
