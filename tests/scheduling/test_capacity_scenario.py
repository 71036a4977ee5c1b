"""The capacity scenario at the boundary: every broken field named by its JSON path, what-ifs
validated as whole scenarios, JSON merge patches."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from features.errors import InvalidInput
from scheduling.capacity.scenario import (
    EXAMPLE_SCENARIO,
    load_capacity_scenario,
    merge_patch,
    what_if_scenario,
)


def _fields(data: Any) -> set[str]:
    with pytest.raises(InvalidInput) as caught:
        load_capacity_scenario(data)
    return {e.field for e in caught.value.errors}


def _base() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE_SCENARIO)


def test_the_example_is_valid_and_defaults_are_filled():
    scenario = load_capacity_scenario(_base())
    assert scenario.agents == "stored"
    assert scenario.plan_to == "p50"
    assert scenario.shrinkage.default.total() == pytest.approx(0.28)
    assert scenario.profile("billing class").max_class_size == 15
    assert scenario.attrition_of("unknown team") == 0.02


def test_type_and_range_errors_name_the_json_path():
    data = _base()
    data["hiring"]["profiles"][0]["min_class_size"] = 0
    data["queues"]["billing"]["service_level"] = 1.5
    data["horizon_weeks"] = 500
    data["fte_hours"] = "forty"
    assert _fields(data) == {
        "hiring.profiles[0].min_class_size",
        "queues.billing.service_level",
        "horizon_weeks",
        "fte_hours",
    }


def test_unknown_fields_are_rejected_not_ignored():
    data = _base()
    data["overtime"]["max_shares"] = 0.2
    assert _fields(data) == {"overtime.max_shares"}


def test_cross_field_rules():
    data = _base()
    data["start_week"] = "2026-12-08"  # a Tuesday
    data["hiring"]["profiles"][0]["skills"] = ["billing", "claims"]
    data["hiring"]["profiles"][0]["max_class_size"] = 2  # below min 4
    data["hiring"]["planned"] = [{"profile": "nobody", "start_week": "2027-01-04", "size": 3}]
    data["events"] = [{"name": "x", "start": "2027-02-01", "end": "2027-01-01", "queue": "sales"}]
    data["shrinkage"] = {"default": {"holidays": 0.5, "breaks": 0.5}}
    data["timezone"] = "Mars/Olympus"
    data["history"] = {"source": "file"}
    fields = _fields(data)
    assert fields == {"hiring.profiles[0]"}  # pydantic rejects the class sizes first
    data["hiring"]["profiles"][0]["max_class_size"] = 20
    assert _fields(data) == {
        "start_week",
        "hiring.profiles[0].skills[1]",
        "hiring.planned[0].profile",
        "events[0].end",
        "events[0].queue",
        "shrinkage.default",
        "timezone",
        "history.path",
    }


def test_what_ifs_are_checked_as_whole_scenarios():
    data = _base()
    data["scenarios"] = [
        {"name": "cheaper overtime", "overrides": {"overtime": {"cost_per_hour": -1}}},
        {"name": "2027 hiring plan"},
        {"name": "more", "volume_factor": {"sales": 1.2}},
        {
            "name": "claims",
            "new_queues": [{"name": "billing", "like": "claims", "weekly_volume": 10, "aht_s": 60}],
        },
    ]
    assert _fields(data) == {
        "scenarios[0].overrides.overtime.cost_per_hour",
        "scenarios[1].name",
        "scenarios[2].volume_factor.sales",
        "scenarios[3].new_queues[0].name",
        "scenarios[3].new_queues[0].like",
    }


def test_a_what_if_merges_its_overrides_into_the_base():
    data = _base()
    data["scenarios"] = [
        {"name": "no budget", "overrides": {"budget": {"max_cost": None}, "fte_hours": 37.5}}
    ]
    scenario = load_capacity_scenario(data)
    variant = what_if_scenario(scenario, 0)
    assert variant.name == "no budget"
    assert variant.budget.max_cost is None and variant.fte_hours == 37.5
    assert variant.scenarios == [] and scenario.budget.max_cost == 400000


def test_merge_patch_follows_rfc_7396():
    target = {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    assert merge_patch(target, {"a": {"b": None, "e": 3}, "d": [3]}) == {
        "a": {"c": 2, "e": 3},
        "d": [3],
    }
    assert target == {"a": {"b": 1, "c": 2}, "d": [1, 2]}
    assert merge_patch(target, [1]) == [1]


def test_not_an_object():
    assert _fields([]) == {"scenario"}
    assert _fields({}) == {"scenario"}


def test_the_documented_scenario_is_valid():
    text = (Path(__file__).resolve().parents[2] / "docs" / "capacity.md").read_text()
    block = re.findall(r"```json\n(.*?)```", text, re.S)[0]
    scenario = load_capacity_scenario(json.loads(block))
    assert [w.name for w in scenario.scenarios] == [
        "attrition +2 pts",
        "volume +10%",
        "claims queue",
    ]
    assert scenario.shrinkage.weeks[0].holidays == 0.16
