"""`seatwise plan`: one step from history (a file or the store) to a checked week's plan."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services.planning import PLAN_FILES
from features.records.frame_io import read_frame
from features.schema import FORECAST_COLUMNS, ROSTER_COLUMNS
from scheduling.roster.checks import check_roster
from scheduling.roster.scenario import load_scenario

runner = CliRunner()
TZ = "Europe/Berlin"
WEEK = "2026-03-23"  # the week before the spring DST change; history ends the day before


def _history(weeks: int = 4, spike_after: bool = False) -> pd.DataFrame:
    """Two queues, weekdays 08:00-18:00, Poisson around a two-peak shape, 30-min intervals."""
    rng = np.random.default_rng(3)
    first = pd.Timestamp(WEEK, tz=TZ) - pd.Timedelta(weeks=weeks)
    frames = []
    for day in pd.date_range(first, periods=7 * (weeks + 1), freq="D"):
        if day.weekday() >= 5:
            continue
        starts = pd.date_range(day + pd.Timedelta(hours=8), periods=20, freq="30min")
        shape = 1 + 0.5 * np.sin(np.linspace(0, 2 * np.pi, 20))
        for queue, level in (("billing", 12.0), ("sales", 4.0)):
            offered = rng.poisson(level * shape).astype(float)
            if spike_after and day >= pd.Timestamp(WEEK, tz=TZ):
                offered *= 50
            frames.append(
                pd.DataFrame(
                    {
                        "queue": queue,
                        "interval_start": starts,
                        "offered": offered,
                        "handled": offered,
                        "aht_s": 240.0,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _base() -> dict:
    agents = [
        {
            "agent_id": f"p{i}",
            "skills": {"billing": 3, "sales": 3} if i % 2 else {"billing": 4},
            "contract": {
                "min_minutes": 0,
                "max_minutes": 5 * 480,
                "max_days": 5,
                "templates": ["day8"],
            },
        }
        for i in range(6)
    ]
    return {
        "timezone": TZ,
        "interval_minutes": 30,
        "queues": [{"name": "billing"}, {"name": "sales"}],
        "shift_templates": [
            {
                "name": "day8",
                "length_minutes": 480,
                "earliest_start": "08:00",
                "latest_start": "10:00",
                "start_step_minutes": 60,
                "breaks": [],
            }
        ],
        "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
        "agents": agents,
    }


def _files(tmp_path: Path, spike_after: bool = False) -> tuple[Path, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    history = tmp_path / "history.csv"
    frame = _history(spike_after=spike_after)
    frame["interval_start"] = frame["interval_start"].map(lambda t: t.isoformat())
    frame.to_csv(history, index=False)
    base = tmp_path / "base.json"
    base.write_text(json.dumps(_base()))
    return history, base


def _plan(history: Path, base: Path, out: Path, *extra: str):
    return runner.invoke(
        app,
        [
            "plan",
            "--scenario",
            str(base),
            "--week-start",
            WEEK,
            "--out",
            str(out),
            "--history",
            str(history),
            "--time-limit",
            "5",
            *extra,
        ],
    )


def test_plan_writes_every_file_and_a_checked_roster(tmp_path: Path) -> None:
    history, base = _files(tmp_path)
    out = tmp_path / "plan"
    result = _plan(history, base, out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(PLAN_FILES)
    forecast = read_frame(out / "forecast.csv", timezone=TZ)
    assert set(FORECAST_COLUMNS) <= set(forecast.columns)
    starts = pd.to_datetime(forecast["interval_start"], utc=True).dt.tz_convert(TZ)
    assert starts.min() == pd.Timestamp(WEEK, tz=TZ)
    assert starts.max() < pd.Timestamp(WEEK, tz=TZ) + pd.Timedelta(days=7)
    scenario = json.loads((out / "scenario.json").read_text())
    roster = read_frame(out / "roster.csv", timezone=TZ)
    assert list(roster.columns) == ROSTER_COLUMNS
    roster["date"] = pd.to_datetime(roster["date"]).dt.date
    assert check_roster(load_scenario(scenario), roster) == []
    report = json.loads((out / "report.json").read_text())
    assert report["week_start"] == WEEK
    assert {q["queue"] for q in report["queues"]} == {"billing", "sales"}
    assert 0.0 <= report["expected"]["intervals_meeting_target"] <= 1.0
    assert report["agent_hours"] == pytest.approx(
        sum(8.0 for _ in roster.groupby(["agent_id", "date"])), rel=1e-6
    )
    assert "centre" in result.output and "agent-hours" in result.output


def test_plan_never_sees_the_planned_week(tmp_path: Path) -> None:
    history, base = _files(tmp_path)
    _plan(history, base, tmp_path / "clean")
    spiked_history, _ = _files(tmp_path / "spiked", spike_after=True)
    _plan(spiked_history, base, tmp_path / "spiked_plan")
    clean = pd.read_csv(tmp_path / "clean" / "forecast.csv")
    spiked = pd.read_csv(tmp_path / "spiked_plan" / "forecast.csv")
    assert np.allclose(clean["volume"], spiked["volume"])


def test_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    history, base = _files(tmp_path)
    result = runner.invoke(
        app,
        ["plan", "--scenario", str(base), "--week-start", "next week", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2 and "week_start" in result.output
    broken = _base()
    broken["agents"][0]["contract"]["max_minutes"] = -5
    base.write_text(json.dumps(broken))
    result = _plan(history, base, tmp_path / "bad")
    assert result.exit_code == 2 and "agents[0].contract.max_minutes" in result.output
    result = runner.invoke(
        app,
        [
            "plan",
            "--scenario",
            str(tmp_path / "absent.json"),
            "--week-start",
            WEEK,
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2
