"""`seatwise forecast` and `seatwise backtest`: files out, MLflow runs logged, champion registered,
exit code 2 on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from features.records.frame_io import read_frame, write_frame
from forecasting import registry

TZ = "Europe/Berlin"
runner = CliRunner()


def empty_store(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory holding a new, empty MLflow store.

    Creating MLflow's schema runs dozens of migrations (seconds), so the session builds one
    empty store and every module gets a copy of its database file.
    """
    template = tmp_path_factory.getbasetemp() / "mlflow-empty-store"
    if not (template / "mlflow.db").exists():
        building = tmp_path_factory.mktemp("mlflow-building")
        registry.list_models(uri=f"sqlite:///{building / 'mlflow.db'}")
        building.rename(template)
    target = tmp_path_factory.mktemp(name)
    shutil.copyfile(template / "mlflow.db", target / "mlflow.db")
    return target


def synthetic_history(weeks: int = 4, seed: int = 3) -> pd.DataFrame:
    """Two queues open 08:00-18:00 local on weekdays, 15-minute intervals, up to 2026-03-28."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end="2026-03-27", periods=7 * weeks, freq="D", tz=TZ)
    frames = []
    for queue, level in (("billing", 12.0), ("sales", 5.0)):
        for day in days[days.weekday < 5]:
            starts = pd.date_range(day + pd.Timedelta(hours=8), periods=40, freq="15min")
            shape = 1.0 + np.sin(np.linspace(0, np.pi, 40))
            frames.append(
                pd.DataFrame(
                    {
                        "queue": queue,
                        "interval_start": starts,
                        "offered": rng.poisson(level * shape),
                        "aht_s": 200.0 + rng.normal(0, 5, 40),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Directory of a throw-away MLflow store shared by this module's commands."""
    return str(empty_store(tmp_path_factory, "mlflow-cli"))


@pytest.fixture(scope="module")
def history_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_frame(synthetic_history(), tmp_path_factory.mktemp("data") / "history.csv")


def run(store: str, *args: str):
    return runner.invoke(app, list(args), env={registry.URI_ENV_VAR: store})


def test_forecast_writes_every_local_interval_and_registers(
    store: str, history_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "forecast.csv"
    result = run(
        store,
        "forecast",
        str(history_file),
        "--start",
        "2026-03-29",
        "--days",
        "2",
        "--out",
        str(out),
        "--model",
        "seasonal_naive",
        "--timezone",
        TZ,
        "--register",
        "bank",
    )
    assert result.exit_code == 0, result.output
    forecast = read_frame(out, timezone=TZ)
    assert list(forecast.columns)[:3] == ["queue", "interval_start", "volume"]
    # 2026-03-29 is the spring-forward day: 92 intervals, then 96 on the Monday.
    assert forecast.groupby("queue").size().to_dict() == {"billing": 188, "sales": 188}
    assert forecast["interval_start"].min() == pd.Timestamp("2026-03-29 00:00", tz=TZ)
    assert forecast["interval_start"].max() == pd.Timestamp("2026-03-30 23:45", tz=TZ)
    sunday = forecast[forecast["interval_start"].dt.day == 29]
    assert (sunday["volume"] == 0).all()
    monday = forecast[forecast["interval_start"].dt.day == 30]
    assert monday["volume"].sum() > 0
    assert set(forecast["model"]) == {"seasonal_naive"}
    assert "registered bank version 1 as @champion" in " ".join(result.output.split())

    listed = {m["name"]: m for m in registry.list_models(uri=registry.tracking_uri(store))}
    assert listed["bank"]["aliases"] == {"champion": 1}
    loaded = registry.load_model("bank", uri=registry.tracking_uri(store))
    again = loaded.predict(pd.Timestamp("2026-03-29", tz=TZ), 188)
    pd.testing.assert_frame_equal(
        again.drop(columns=["model_version"]).reset_index(drop=True),
        forecast.drop(columns=["model_version"]).reset_index(drop=True),
        check_dtype=False,
        rtol=1e-12,
    )


def test_forecast_in_utc_when_no_timezone_and_one_queue(
    store: str, history_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "utc.csv"
    result = run(
        store,
        "forecast",
        str(history_file),
        "--start",
        "2026-03-30",
        "--days",
        "1",
        "--out",
        str(out),
        "--model",
        "seasonal_naive",
        "--queue",
        "sales",
    )
    assert result.exit_code == 0, result.output
    text = out.read_text().splitlines()
    assert text[1].split(",")[:2] == ["sales", "2026-03-30T00:00:00+00:00"]
    forecast = read_frame(out)
    assert len(forecast) == 96
    assert set(forecast["queue"]) == {"sales"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--days", "0"], "days"),
        (["--days", "1", "--model", "crystal_ball"], "crystal_ball"),
        (["--days", "1", "--queue", "nope"], "nope"),
        (["--days", "1", "--timezone", "Mars/Olympus"], "Mars/Olympus"),
        (["--days", "1", "--start", "30/03/2026"], "YYYY-MM-DD"),
    ],
)
def test_forecast_bad_options_exit_2(
    store: str, history_file: Path, tmp_path: Path, extra: list[str], message: str
) -> None:
    args = ["forecast", str(history_file), "--start", "2026-03-30", "--out", str(tmp_path / "f")]
    result = run(store, *args, *extra)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "f").exists()


def test_forecast_bad_files_exit_2(store: str, tmp_path: Path) -> None:
    out = str(tmp_path / "out.csv")
    common = ["--start", "2026-03-30", "--days", "1", "--out", out]
    missing = run(store, "forecast", str(tmp_path / "absent.csv"), *common)
    assert missing.exit_code == 2
    assert "file not found" in missing.output

    naive = tmp_path / "naive.csv"
    naive.write_text("queue,interval_start,offered\nq,2026-03-02 08:00:00,3\n")
    result = run(store, "forecast", str(naive), *common)
    assert result.exit_code == 2
    assert "timezone" in result.output

    columns = tmp_path / "columns.csv"
    columns.write_text("queue,interval_start,calls\nq,2026-03-02T08:00:00+01:00,3\n")
    result = run(store, "forecast", str(columns), *common)
    assert result.exit_code == 2
    assert "offered" in result.output

    negative = tmp_path / "negative.csv"
    negative.write_text(
        "queue,interval_start,offered\nq,2026-03-02T08:00:00+01:00,3\nq,2026-03-02T08:15:00+01:00,-1\n"
    )
    result = run(store, "forecast", str(negative), *common)
    assert result.exit_code == 2
    assert "row 1" in result.output
    assert not Path(out).exists()


def test_backtest_logs_runs_and_registers_best_as_champion(
    store: str, history_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "metrics.csv"
    result = run(
        store,
        "backtest",
        str(history_file),
        "--horizon-days",
        "3",
        "--folds",
        "2",
        "--models",
        "seasonal_naive,seasonal_average",
        "--out",
        str(out),
        "--timezone",
        TZ,
        "--register",
        "bank-bt",
    )
    assert result.exit_code == 0, result.output
    metrics = read_frame(out, timezone=TZ)
    assert len(metrics) == 2 * 2 * 2
    assert set(metrics["model"]) == {"seasonal_naive", "seasonal_average"}
    assert sorted(metrics["fold"].unique()) == [0, 1]
    assert metrics["wape"].between(0, 2).all()
    pooled = {}
    for model, part in metrics.groupby("model"):
        pooled[model] = part["wape"].mean()
    uri = registry.tracking_uri(store)
    [model] = [m for m in registry.list_models(uri=uri) if m["name"] == "bank-bt"]
    assert model["aliases"] == {"champion": 1}
    champion = model["versions"][0]
    assert champion["model"] in pooled
    assert f"best model: {champion['model']}" in " ".join(result.output.split())
    assert 0 < model["metrics"]["backtest_wape"] < 2
    run_info = registry.describe_run(champion["run_id"], uri=uri)
    backtest_run = registry.describe_run(run_info["tags"]["seatwise.backtest_run"], uri=uri)
    assert backtest_run["experiment"] == "seatwise-backtest"
    assert backtest_run["params"]["horizon_days"] == "3"
    assert backtest_run["metrics"]["wape"] == pytest.approx(pooled[champion["model"]])
    assert backtest_run["metrics"]["pooled_wape"] == pytest.approx(
        model["metrics"]["backtest_wape"]
    )


@pytest.mark.parametrize(
    "extra",
    [
        ["--horizon-days", "0", "--folds", "2"],
        ["--horizon-days", "2", "--folds", "0"],
        ["--horizon-days", "2", "--folds", "2", "--models", "nope"],
        ["--horizon-days", "7", "--folds", "9"],
    ],
)
def test_backtest_bad_settings_exit_2(
    store: str, history_file: Path, tmp_path: Path, extra: list[str]
) -> None:
    result = run(store, "backtest", str(history_file), "--out", str(tmp_path / "m.csv"), *extra)
    assert result.exit_code == 2, result.output
    assert "error" in result.output


def test_backtest_takes_every_origin_and_prints_picks_and_horizon_coverage(
    store: str, history_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "metrics.csv"
    result = run(
        store,
        "backtest",
        str(history_file),
        "--horizon-days",
        "2",
        "--min-train-days",
        "21",
        "--models",
        "seasonal_average",
        "--out",
        str(out),
        "--timezone",
        TZ,
        "--register",
        "every-origin",
    )
    assert result.exit_code == 0, result.output
    metrics = read_frame(out, timezone=TZ)
    # 26 days of history (Monday 2026-03-02 to Friday 03-27), 21 before the first origin and
    # a 2-day horizon leave 3 days of room: origins 2 days apart, 2 of them.
    assert metrics["fold"].nunique() == 2
    text = " ".join(result.output.split())
    assert "what each model used at each origin" in text
    assert "bands and error by horizon day" in text
    [model] = [
        m
        for m in registry.list_models(uri=registry.tracking_uri(store))
        if m["name"] == "every-origin"
    ]
    assert model["metrics"]["backtest_folds"] == 2
    low, mid, high = (model["metrics"][f"backtest_wape_{k}"] for k in ("best", "median", "worst"))
    assert 0 <= low <= mid <= high < 2


def test_forecast_lists_the_days_it_treated_as_missing(store: str, tmp_path: Path) -> None:
    history = synthetic_history()
    gap = history["interval_start"].dt.date == pd.Timestamp("2026-03-18").date()
    path = write_frame(history[~gap], tmp_path / "gappy.csv")
    result = run(
        store,
        "forecast",
        str(path),
        "--start",
        "2026-03-30",
        "--days",
        "1",
        "--model",
        "seasonal_average",
        "--out",
        str(tmp_path / "f.csv"),
        "--timezone",
        TZ,
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "missing days" in text
    assert "billing: 2026-03-18" in text and "sales: 2026-03-18" in text
