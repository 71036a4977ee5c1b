"""`seatwise staff` end to end: forecast file in, requirements file out; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from api.cli import app
from features.records.frame_io import read_frame, write_frame
from features.schema import REQUIREMENTS_COLUMNS

runner = CliRunner()


def write_forecast(path: Path, volumes: list[float], aht: list[float] | float) -> Path:
    starts = pd.date_range(
        "2026-11-30T08:00:00", periods=len(volumes), freq="30min", tz="Europe/Berlin"
    )
    frame = pd.DataFrame(
        {"queue": "billing", "interval_start": starts, "volume": volumes, "aht_s": aht}
    )
    return write_frame(frame, path)


def test_staff_writes_requirements(tmp_path: Path) -> None:
    source = write_forecast(tmp_path / "forecast.csv", [100.0, 0.0, 100.0], 180.0)
    out = tmp_path / "req.csv"
    result = runner.invoke(
        app, ["staff", str(source), "--out", str(out), "--timezone", "Europe/Berlin"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-30T08:00:00+01:00" in out.read_text()
    in_utc = runner.invoke(app, ["staff", str(source), "--out", str(tmp_path / "utc.csv")])
    assert in_utc.exit_code == 0, in_utc.output
    assert "2026-11-30T07:00:00+00:00" in (tmp_path / "utc.csv").read_text()
    req = read_frame(out, timezone="Europe/Berlin")
    assert list(req.columns) == REQUIREMENTS_COLUMNS
    assert req["agents"].tolist() == [14, 0, 14]
    assert req["agents_scheduled"].tolist() == [20, 0, 20]


def test_staff_options_change_the_answer(tmp_path: Path) -> None:
    source = write_forecast(tmp_path / "forecast.csv", [100.0, 100.0], 180.0)
    out = tmp_path / "req.parquet"
    args = [
        "staff",
        str(source),
        "--out",
        str(out),
        "--service-level",
        "0.9",
        "--threshold-s",
        "10",
        "--shrinkage",
        "0",
        "--interval-minutes",
        "15",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    req = pd.read_parquet(out)
    # 100 contacts per 15 minutes is 20 Erlangs: 90/10 needs more than 20 agents.
    assert (req["agents"] == req["agents_scheduled"]).all()
    assert req["agents"].iloc[0] > 22


def test_staff_bad_input_exits_2(tmp_path: Path) -> None:
    source = write_forecast(tmp_path / "forecast.csv", [100.0, -1.0, 50.0], [180.0, 180.0, None])
    result = runner.invoke(app, ["staff", str(source), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert "row 1" in result.output and "row 2" in result.output
    bad_target = runner.invoke(
        app, ["staff", str(source), "--out", str(tmp_path / "r.csv"), "--shrinkage", "1"]
    )
    assert bad_target.exit_code == 2
    assert "shrinkage must be in [0, 1), got 1" in bad_target.output
    missing = runner.invoke(app, ["staff", str(tmp_path / "nope.csv"), "--out", "x.csv"])
    assert missing.exit_code == 2
