"""Malformed scenarios are refused with every broken field named by its JSON path."""

from __future__ import annotations

import copy

import pytest

from features.errors import InvalidInput
from scheduling.roster.options import build_catalogue
from scheduling.roster.scenario import EXAMPLE_SCENARIO, Scenario, load_scenario


def _fields(data) -> set[str]:
    with pytest.raises(InvalidInput) as info:
        load_scenario(data)
    return {e.field for e in info.value.errors}


def test_example_scenario_loads_and_is_in_the_json_schema():
    scenario = load_scenario(copy.deepcopy(EXAMPLE_SCENARIO))
    assert scenario.agents[0].contract.min_minutes == 1920
    assert Scenario.model_json_schema()["examples"][0]["timezone"] == "Europe/Berlin"


def test_empty_scenario_is_refused():
    assert _fields({}) == {"scenario"}


def test_pydantic_errors_carry_json_paths():
    data = copy.deepcopy(EXAMPLE_SCENARIO)
    data["agents"][0]["contract"]["min_minutes"] = -5
    del data["shift_templates"][0]["length_minutes"]
    data["interval_minutes"] = "often"
    assert _fields(data) == {
        "agents[0].contract.min_minutes",
        "shift_templates[0].length_minutes",
        "interval_minutes",
    }


def test_cross_field_rules_are_all_listed():
    data = copy.deepcopy(EXAMPLE_SCENARIO)
    data["agents"].append(copy.deepcopy(data["agents"][0]))
    data["agents"][1]["contract"]["min_minutes"] = 3000
    data["agents"][1]["contract"]["templates"] = ["night"]
    data["agents"][1]["skills"] = {"sales": 3}
    data["requirements"][0]["interval_start"] = "2026-11-30T08:07:00+01:00"
    data["shift_templates"][0]["breaks"][0]["minutes"] = 20
    fields = _fields(data)
    assert fields == {
        "agents[1].agent_id",
        "agents[1].contract.min_minutes",
        "agents[1].contract.templates[0]",
        "agents[1].skills.sales",
        "requirements[0].interval_start",
        "shift_templates[0].breaks[0].minutes",
    }


def test_requirements_or_forecast_needed_and_timezone_checked():
    data = copy.deepcopy(EXAMPLE_SCENARIO)
    del data["requirements"]
    assert _fields(data) == {"requirements"}
    data = copy.deepcopy(EXAMPLE_SCENARIO)
    data["timezone"] = "Mars/Olympus"
    assert _fields(data) == {"timezone"}


def test_catalogue_respects_time_off_availability_and_template_window():
    scenario = load_scenario(copy.deepcopy(EXAMPLE_SCENARIO))
    options = build_catalogue(scenario).by_agent["a001"]
    # Monday: only starts keeping the 8h shift inside 07:00-19:00, i.e. 07:00..11:00 every 30'.
    monday = [o.start_clock for o in options if o.day == 0]
    assert monday == list(range(7 * 60, 11 * 60 + 1, 30))
    assert all(o.day != 2 for o in options)  # 2026-12-02 is time off
    assert {o.day for o in options} == {0, 1, 3, 4, 5, 6}
