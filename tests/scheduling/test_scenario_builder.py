"""Scenario built from agent master data and requirements: templates, contracts, week window."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.requirements import ServiceTargets
from scheduling.roster.builder import break_rules, scenario_from_agents
from scheduling.roster.scenario import load_scenario

TZ = "Europe/Berlin"
WEEK = dt.date(2026, 10, 19)  # the week with the 25-hour Sunday


def agent(agent_id: str, time_off: list[str] | None = None) -> dict[str, object]:
    return {
        "agent_id": agent_id,
        "name": agent_id.upper(),
        "team": "t1",
        "site": "Berlin",
        "timezone": TZ,
        "skills": {"billing": 5, "sales": 2},
        "contract": {
            "min_hours": 32,
            "max_hours": 40,
            "max_days": 5,
            "shift_lengths_minutes": [480, 240],
        },
        "availability": {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        "time_off": time_off or [],
        "preferences": {"days_off": ["sat", "sun"], "ignored": True},
    }


def requirements() -> pd.DataFrame:
    starts = pd.date_range(
        pd.Timestamp(WEEK).tz_localize(TZ) - pd.Timedelta(days=1), periods=9 * 96, freq="15min"
    )
    hours = starts.hour
    agents = ((hours >= 6) & (hours < 22)).astype(int) * 3
    return pd.DataFrame({"queue": "billing", "interval_start": starts, "agents_scheduled": agents})


def test_scenario_is_valid_and_keeps_only_the_local_week() -> None:
    scenario = scenario_from_agents(
        [agent("a1"), agent("a2")], requirements(), week_start=WEEK, timezone=TZ
    )
    parsed = load_scenario(scenario)
    assert parsed.week_start == WEEK
    starts = pd.to_datetime([r["interval_start"] for r in scenario["requirements"]], utc=True)
    assert starts.min() == pd.Timestamp("2026-10-19 06:00", tz=TZ)
    assert starts.max() == pd.Timestamp("2026-10-25 21:45", tz=TZ)
    # 7 local days of 16 open hours; the DST night adds no open interval.
    assert len(scenario["requirements"]) == 7 * 16 * 4
    assert {q["name"] for q in scenario["queues"]} == {"billing", "sales"}


def test_templates_fit_open_hours_and_availability() -> None:
    scenario = scenario_from_agents([agent("a1")], requirements(), week_start=WEEK, timezone=TZ)
    templates = {t["name"]: t for t in scenario["shift_templates"]}
    assert set(templates) == {"shift240", "shift480"}
    # Requirements run 06:00-22:00, agents are available 08:00-20:00.
    assert templates["shift480"]["earliest_start"] == "08:00"
    assert templates["shift480"]["latest_start"] == "12:00"
    assert templates["shift240"]["latest_start"] == "16:00"
    assert scenario["agents"][0]["contract"] == {
        "min_minutes": 1920,
        "max_minutes": 2400,
        "max_days": 5,
        "templates": ["shift240", "shift480"],
    }
    assert scenario["agents"][0]["preferences"] == {"days_off": ["sat", "sun"]}


def test_time_off_in_the_week_prorates_the_contract_minimum() -> None:
    away = agent("a1", time_off=["2026-10-20", "2026-10-21", "2026-11-30"])
    scenario = scenario_from_agents([away], requirements(), week_start=WEEK, timezone=TZ)
    entry = scenario["agents"][0]
    assert entry["time_off"] == ["2026-10-20", "2026-10-21"]
    assert entry["contract"]["min_minutes"] == round(1920 * (1 - 2 / 5))
    assert entry["contract"]["max_days"] == 5


def test_break_windows_do_not_overlap_and_fit_the_shift() -> None:
    rules = break_rules(480)
    assert [r["activity"] for r in rules] == ["break", "lunch", "break"]
    for first, second in zip(rules, rules[1:], strict=False):
        assert first["latest_after_start_minutes"] <= second["earliest_after_start_minutes"]
    assert rules[-1]["latest_after_start_minutes"] <= 480
    assert break_rules(240) == []
    assert [r["activity"] for r in break_rules(360)] == ["lunch"]


def test_agents_without_shift_lengths_are_named() -> None:
    broken = agent("a1")
    broken["contract"] = {"min_hours": 10}
    with pytest.raises(InvalidInput) as caught:
        scenario_from_agents([broken], requirements(), week_start=WEEK, timezone=TZ)
    assert caught.value.errors[0].field == "contract.shift_lengths_minutes"
    assert caught.value.errors[0].row == 0


def test_service_targets_carry_the_forecast_for_service_valued_rosters() -> None:
    frame = requirements()
    frame["volume"] = frame["agents_scheduled"] * 4.0
    frame["aht_s"] = 240.0
    targets = ServiceTargets(service_level=0.8, threshold_s=20, shrinkage=0.15)
    scenario = scenario_from_agents(
        [agent("a1")], frame, week_start=WEEK, timezone=TZ, service=targets
    )
    parsed = load_scenario(scenario)
    assert len(scenario["forecast"]) == len(scenario["requirements"]) == 7 * 16 * 4
    assert scenario["forecast"][0]["volume"] == 12.0
    assert parsed.service_for("billing").shrinkage == 0.15
    assert scenario["service"] == {
        "service_level": 0.8,
        "threshold_s": 20,
        "max_occupancy": 0.85,
        "shrinkage": 0.15,
        "channel": "voice",
        "concurrency": 1,
        "confidence": 0.8,
    }
    assert parsed.service_for("billing").confidence == 0.8
    plain = scenario_from_agents([agent("a1")], frame, week_start=WEEK, timezone=TZ)
    assert "forecast" not in plain
