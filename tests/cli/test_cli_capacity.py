"""`seatwise capacity`: writes the weekly plan, hiring classes, forecast and report; exit 2 on a
malformed scenario, naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from api.cli import app
from features.records.frame_io import write_frame
from features.schema import CAPACITY_PLAN_COLUMNS, HIRING_CLASS_COLUMNS, WEEKLY_FORECAST_COLUMNS
from tests.forecasting.longrange_synthetic import make_weekly_history

runner = CliRunner()


def _scenario(history: str = "history.csv") -> dict[str, Any]:
    return {
        "name": "cli plan",
        "timezone": "Europe/Berlin",
        "horizon_weeks": 8,
        "history": {"source": "file", "path": history},
        "queues": {"billing": {"aht_s": 300}},
        "agents": [{"agent_id": f"a{i}", "skills": ["billing"]} for i in range(8)],
        "hiring": {
            "profiles": [
                {
                    "name": "billing class",
                    "skills": ["billing"],
                    "lead_time_weeks": 1,
                    "training_weeks": 1,
                    "ramp": [0.5],
                }
            ]
        },
        "budget": {"max_cost": 5000},
        "scenarios": [{"name": "volume +10%", "volume_factor": 1.1}],
    }


def _flat(text: str) -> str:
    """The text without whitespace: Rich wraps long lines anywhere, even inside words."""
    return "".join(text.split())


def _write(tmp_path: Path, data: Any) -> Path:
    write_frame(make_weekly_history(weeks=10, levels={"billing": 5000.0}), tmp_path / "history.csv")
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_capacity_writes_plan_classes_forecast_and_report(tmp_path):
    path = _write(tmp_path, _scenario())
    out = tmp_path / "plan"
    result = runner.invoke(app, ["capacity", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    weekly = pd.read_csv(out / "weekly_plan.csv")
    assert list(weekly.columns) == CAPACITY_PLAN_COLUMNS
    assert weekly["scenario"].unique().tolist() == ["cli plan", "volume +10%"]
    assert len(weekly) == 2 * 8
    classes = pd.read_csv(out / "hiring_classes.csv")
    assert list(classes.columns) == HIRING_CLASS_COLUMNS
    forecast = pd.read_csv(out / "forecast_weekly.csv")
    assert list(forecast.columns) == WEEKLY_FORECAST_COLUMNS
    assert forecast["week_start"].iloc[0] == "2026-03-16T00:00:00+01:00"
    report = json.loads((out / "report.json").read_text())
    assert [s["name"] for s in report["scenarios"]] == ["cli plan", "volume +10%"]
    assert report["start_week"] == "2026-03-16"
    hires = {s["name"]: s["summary"]["hires"] for s in report["scenarios"]}
    assert classes.groupby("scenario")["size"].sum().to_dict() == {
        k: v for k, v in hires.items() if v
    }
    text = _flat(result.output)
    assert "cliplan" in text and "volume+10%" in text and "wrote" in text
    budget_note = [s for s in report["scenarios"] if s["explanation"]]
    for scenario in budget_note:
        assert _flat(scenario["explanation"]["message"])[:40] in text


def test_history_option_overrides_the_scenario_file(tmp_path):
    path = _write(tmp_path, _scenario(history="missing.csv"))
    out = tmp_path / "plan"
    missing = runner.invoke(app, ["capacity", str(path), "--out", str(out)])
    assert missing.exit_code == 2
    assert "missing.csv" in _flat(missing.output)
    given = runner.invoke(
        app, ["capacity", str(path), "--out", str(out), "--history", str(tmp_path / "history.csv")]
    )
    assert given.exit_code == 0, given.output


def test_malformed_scenario_exits_2_naming_the_field(tmp_path):
    data = _scenario()
    data["hiring"]["profiles"][0]["lead_time_weeks"] = -3
    data["overtime"] = {"max_share": 0.1, "cost_per_our": 40}
    path = _write(tmp_path, data)
    result = runner.invoke(app, ["capacity", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    text = _flat(result.output)
    assert "hiring.profiles[0].lead_time_weeks" in text
    assert "overtime.cost_per_our" in text
    assert not (tmp_path / "o").exists()
    path.write_text("{not json")
    assert runner.invoke(app, ["capacity", str(path), "--out", str(tmp_path / "o")]).exit_code == 2
