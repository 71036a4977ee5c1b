"""`seatwise roster`: writes roster and coverage files; exit 2 on malformed, 3 on infeasible."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from api.cli import app
from features.records.frame_io import read_frame
from features.schema import COVERAGE_COLUMNS, ROSTER_COLUMNS
from scheduling.roster.checks import check_roster
from scheduling.roster.planted import planted_instance
from scheduling.roster.scenario import load_scenario

runner = CliRunner()


def test_roster_command_writes_roster_and_coverage(tmp_path):
    data = planted_instance(6, 2, seed=2).scenario
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "roster.csv"
    args = ["roster", str(path), "--out", str(out), "--time-limit", "20", "--seed", "4"]
    result = runner.invoke(app, [*args, "--work-limit", "0.5"])
    assert result.exit_code == 0, result.output
    assert "status" in result.output and "bound" in result.output and "gap" in result.output
    # The planner's summary: coverage of the requirement and how the search ended.
    text_out = " ".join(result.output.split())
    assert "seed 4" in text_out, text_out
    roster = read_frame(out, timezone=data["timezone"])
    assert list(roster.columns) == ROSTER_COLUMNS
    text = out.read_text().splitlines()[1]
    assert "+01:00" in text
    roster["date"] = pd.to_datetime(roster["date"]).dt.date
    assert check_roster(load_scenario(data), roster) == []
    coverage = pd.read_csv(tmp_path / "roster_coverage.csv")
    assert list(coverage.columns) == COVERAGE_COLUMNS
    assert coverage["required"].sum() == sum(r["agents"] for r in data["requirements"])


def test_malformed_scenario_exits_2_naming_the_field(tmp_path):
    data = planted_instance(3, 1, seed=1).scenario
    data["agents"][1]["contract"]["min_minutes"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["roster", str(path), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert "agents[1].contract.min_minutes" in result.output
    path.write_text("{not json")
    result = runner.invoke(app, ["roster", str(path), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2


def test_infeasible_scenario_exits_3_naming_the_agent(tmp_path):
    data = planted_instance(3, 1, seed=1).scenario
    data["agents"][0]["contract"]["min_minutes"] = 7 * 480
    data["agents"][0]["contract"]["max_minutes"] = 7 * 480
    path = tmp_path / "infeasible.json"
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["roster", str(path), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 3
    assert "a0000" in result.output and "contract.min_minutes" in result.output
