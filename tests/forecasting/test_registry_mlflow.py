"""MLflow tracking and registry: runs log params, metrics and the model; the champion alias
reloads a forecaster whose forecast equals the in-memory one exactly."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput, NotFound
from forecasting import registry
from forecasting.selection import make_forecaster as factory

TZ = "Europe/Berlin"


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


def make_history(weeks: int = 3, seed: int = 7) -> pd.DataFrame:
    """Two queues, 15-minute intervals 08:00-18:00 local, ending just before the 2026 DST switch."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-03-29", periods=7 * weeks, freq="D", tz=TZ) - pd.Timedelta(
        days=7 * weeks
    )
    frames = []
    for queue, level in (("billing", 20.0), ("sales", 8.0)):
        for day in days:
            starts = pd.date_range(day + pd.Timedelta(hours=8), periods=40, freq="15min")
            shape = 1.0 + np.sin(np.linspace(0, np.pi, 40))
            frames.append(
                pd.DataFrame(
                    {
                        "queue": queue,
                        "interval_start": starts,
                        "offered": rng.poisson(level * shape),
                        "aht_s": 240.0 + rng.normal(0, 10, 40),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def make_forecaster(history: pd.DataFrame):
    """The real seasonal-naive forecaster, fitted."""
    return factory("seasonal_naive").fit(history)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A throw-away MLflow store for this module (sqlite + artifacts in a tmp dir)."""
    directory = empty_store(tmp_path_factory, "mlflow")
    return f"sqlite:///{directory / 'mlflow.db'}"


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return make_history()


@pytest.fixture(scope="module")
def trained(store: str, history: pd.DataFrame):
    forecaster = make_forecaster(history)
    run_id = registry.log_training_run(forecaster, history, metrics={"wape": 0.25}, uri=store)
    return forecaster, run_id


def test_tracking_uri_default_env_dir_and_env_uri(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(registry.URI_ENV_VAR, raising=False)
    assert registry.tracking_uri(tmp_path) == f"sqlite:///{tmp_path.resolve()}/mlflow.db"
    repo_models = Path(registry.__file__).resolve().parents[2] / "models"
    assert registry.tracking_uri() == f"sqlite:///{repo_models}/mlflow.db"
    monkeypatch.setenv(registry.URI_ENV_VAR, str(tmp_path / "store"))
    assert registry.tracking_uri("ignored") == f"sqlite:///{tmp_path.resolve()}/store/mlflow.db"
    monkeypatch.setenv(registry.URI_ENV_VAR, "http://mlflow.internal:5000")
    assert registry.tracking_uri() == "http://mlflow.internal:5000"


def test_training_run_logs_params_metrics_and_model(store: str, trained, history) -> None:
    forecaster, run_id = trained
    run = registry.describe_run(run_id, uri=store)
    assert run["experiment"] == "seatwise-forecast"
    assert run["status"] == "FINISHED"
    assert run["metrics"] == {"wape": 0.25}
    assert run["params"]["model"] == registry.forecaster_name(forecaster)
    assert run["params"]["history_rows"] == str(len(history))
    assert run["params"]["history_queues"] == "billing,sales"
    assert run["params"]["interval_minutes"] == "15"
    assert run["params"]["timezone"] == TZ
    assert run["tags"]["seatwise.kind"] == "training"
    store_dir = Path(store.removeprefix("sqlite:///")).parent
    pickles = list((store_dir / "artifacts").rglob("python_model.pkl"))
    assert len(pickles) == 1


def test_champion_reproduces_in_memory_forecast_exactly(store: str, trained) -> None:
    forecaster, run_id = trained
    version = registry.register_model(run_id, "billing-volume", uri=store)
    registry.promote("billing-volume", version, uri=store)
    start = pd.Timestamp("2026-03-30 00:00", tz=TZ)
    expected = forecaster.predict(start, 96)
    loaded = registry.load_model("billing-volume", uri=store)
    assert (loaded.name, loaded.version) == ("billing-volume", version)
    raw = loaded.pyfunc.predict(pd.DataFrame({"start": [start.isoformat()], "periods": [96]}))
    pd.testing.assert_frame_equal(raw, expected, check_exact=True)
    stamped = loaded.predict(start, 96)
    assert (stamped["model_version"] == str(version)).all()
    pd.testing.assert_frame_equal(
        stamped.drop(columns="model_version"),
        expected.drop(columns="model_version"),
        check_exact=True,
    )
    assert str(stamped["interval_start"].dt.tz) == TZ


def test_pyfunc_days_request_follows_local_calendar_over_dst(store: str, trained) -> None:
    _, run_id = trained
    loaded = registry.load_model(f"runs:/{run_id}/model", uri=store)
    assert loaded.version is None
    request = pd.DataFrame({"start": ["2026-03-29T00:00:00+01:00"], "days": [1]})
    forecast = loaded.pyfunc.predict(request)
    per_queue = forecast.groupby("queue").size()
    assert per_queue.to_dict() == {"billing": 92, "sales": 92}
    assert forecast["interval_start"].max() == pd.Timestamp("2026-03-29 23:45", tz=TZ)


def test_promote_moves_alias_and_list_models_reports_it(store: str, history) -> None:
    first = registry.log_training_run(make_forecaster(history), history, uri=store)
    second = registry.log_training_run(
        make_forecaster(history), history, metrics={"wape": 0.2, "mase": 0.9}, uri=store
    )
    v1 = registry.register_model(first, "sales-volume", uri=store)
    v2 = registry.register_model(second, "sales-volume", uri=store)
    assert (v1, v2) == (1, 2)
    registry.promote("sales-volume", v1, uri=store)
    registry.promote("sales-volume", v2, alias="challenger", uri=store)
    listed = {m["name"]: m for m in registry.list_models(uri=store)}
    assert listed["sales-volume"]["aliases"] == {"champion": 1, "challenger": 2}
    assert listed["sales-volume"]["metrics"] == {}
    registry.promote("sales-volume", v2, uri=store)
    listed = {m["name"]: m for m in registry.list_models(uri=store)}
    model = listed["sales-volume"]
    assert model["aliases"] == {"champion": 2, "challenger": 2}
    assert model["metrics"] == {"wape": 0.2, "mase": 0.9}
    assert [v["version"] for v in model["versions"]] == [1, 2]
    assert model["versions"][1]["run_id"] == second
    assert registry.load_model("models:/sales-volume/1", uri=store).version == 1
    assert registry.load_model("sales-volume", uri=store).version == 2


def test_registry_errors_are_domain_errors(store: str, trained) -> None:
    _, run_id = trained
    with pytest.raises(NotFound, match="no-such-model"):
        registry.load_model("no-such-model", uri=store)
    with pytest.raises(NotFound, match="run not found"):
        registry.register_model("0" * 32, "x", uri=store)
    version = registry.register_model(run_id, "errors-model", uri=store)
    with pytest.raises(NotFound, match="no version 99"):
        registry.promote("errors-model", 99, uri=store)
    with pytest.raises(InvalidInput, match="alias"):
        registry.promote("errors-model", version, alias="v1", uri=store)
    with pytest.raises(InvalidInput, match="name"):
        registry.register_model(run_id, " ", uri=store)


@dataclass
class FakeBacktest:
    metrics: pd.DataFrame
    forecasts: pd.DataFrame


def test_log_backtest_logs_means_and_fold_steps(store: str) -> None:
    metrics = pd.DataFrame(
        {
            "model": ["naive", "naive", "naive", "naive", "ets", "ets"],
            "queue": ["a", "b", "a", "b", "a", "a"],
            "fold": [0, 0, 1, 1, 0, 1],
            "cutoff": pd.Timestamp("2026-03-01", tz=TZ),
            "wape": [0.2, 0.4, 0.3, 0.5, 0.1, 0.2],
            "mase": [1.0, 1.0, 1.2, 1.2, 0.8, np.nan],
        }
    )
    forecasts = pd.DataFrame(
        {
            "model": ["naive", "ets"],
            "queue": ["a", "a"],
            "interval_start": pd.Timestamp("2026-03-02 08:00", tz=TZ),
            "volume": [3.0, 4.0],
        }
    )
    run_ids = registry.log_backtest(
        FakeBacktest(metrics, forecasts), params={"horizon_days": 7, "folds": 2}, uri=store
    )
    assert set(run_ids) == {"naive", "ets"}
    naive = registry.describe_run(run_ids["naive"], uri=store)
    assert naive["experiment"] == "seatwise-backtest"
    assert naive["params"] == {"model": "naive", "horizon_days": "7", "folds": "2"}
    assert naive["metrics"]["wape"] == pytest.approx(0.35)
    assert naive["metrics"]["mase"] == pytest.approx(1.1)
    assert naive["fold_metrics"]["wape"] == pytest.approx({0: 0.3, 1: 0.4})
    assert naive["artifacts"] == ["backtest"]
    ets = registry.describe_run(run_ids["ets"], uri=store)
    assert ets["metrics"]["mase"] == pytest.approx(0.8)
    assert ets["fold_metrics"]["mase"] == {0: pytest.approx(0.8)}
    assert registry.best_model(metrics) == "ets"
    summary = registry.summarise_backtest(metrics)
    assert list(summary["model"]) == ["ets", "naive"]
    assert list(summary["folds"]) == [2, 2]


def test_pyfunc_rejects_requests_without_horizon_or_offset(store: str, trained) -> None:
    _, run_id = trained
    loaded = registry.load_model(f"runs:/{run_id}/model", uri=store)
    with pytest.raises(InvalidInput, match="give periods"):
        loaded.pyfunc.predict(pd.DataFrame({"start": ["2026-03-30T00:00:00+02:00"]}))
    with pytest.raises(InvalidInput, match="offset"):
        loaded.pyfunc.predict(pd.DataFrame({"start": ["2026-03-30T00:00:00"], "periods": [4]}))
    with pytest.raises(InvalidInput, match="periods must be at least 1"):
        loaded.pyfunc.predict(
            pd.DataFrame({"start": ["2026-03-30T00:00:00+02:00"], "periods": [0]})
        )
    with pytest.raises(InvalidInput, match="timezone-aware"):
        loaded.predict(pd.Timestamp("2026-03-30"), 4)
