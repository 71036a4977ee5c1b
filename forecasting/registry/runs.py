"""Run logging: training runs (parameters, history summary, the pyfunc model) and backtests
(one run per model, with means, per-fold steps, pooled metrics and the fold tables)."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import mlflow
import pandas as pd
from mlflow.entities import Metric, Param, RunTag

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.records.frame_io import write_frame
from features.schema import DEFAULT_INTERVAL_MINUTES, INTERVAL_START, QUEUE
from forecasting.backtest import METRIC_COLUMNS
from forecasting.registry.pyfunc import Forecaster, ForecasterModel, log_pyfunc
from forecasting.registry.store import (
    BACKTEST_EXPERIMENT,
    TRAINING_EXPERIMENT,
    ensure_experiment,
    invalid,
    mlflow_store,
    tracking_uri,
)

SCORE_COLUMNS = tuple(c for c in METRIC_COLUMNS if c not in ("model", "queue", "fold", "cutoff"))
"""Backtest metrics logged per model (mean over queues and folds, and per fold as steps)."""
_MAX_PARAM_CHARS = 500


class BacktestLike(Protocol):
    """A backtest result: per (model, queue, fold) metrics and the fold forecasts."""

    @property
    def metrics(self) -> pd.DataFrame: ...

    @property
    def forecasts(self) -> pd.DataFrame: ...


def _param_text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= _MAX_PARAM_CHARS else text[: _MAX_PARAM_CHARS - 3] + "..."


def _finite_metrics(metrics: Mapping[Any, Any] | None) -> dict[str, float]:
    """Metrics MLflow can store: numbers only, NaN (a metric undefined on this data) left out."""
    clean: dict[str, float] = {}
    for key, value in (metrics or {}).items():
        number = float(value)
        if not math.isnan(number):
            clean[str(key)] = number
    return clean


def forecaster_name(forecaster: Any) -> str:
    """The registry name of a forecaster's kind (its ``name`` attribute, else its class name)."""
    name = getattr(forecaster, "name", None)
    return str(name) if name else type(forecaster).__name__


def history_interval(history: pd.DataFrame) -> pd.Timedelta:
    """Interval length of an interval history (the smallest step between a queue's starts)."""
    return pd.Timedelta(minutes=infer_interval_minutes(history, default=DEFAULT_INTERVAL_MINUTES))


def _history_params(history: pd.DataFrame) -> dict[str, str]:
    starts = history[INTERVAL_START]
    queues = sorted(str(q) for q in history[QUEUE].dropna().unique())
    interval = history_interval(history)
    return {
        "history_rows": str(len(history)),
        "history_queues": _param_text(",".join(queues)),
        "history_start": starts.min().isoformat(),
        "history_end": starts.max().isoformat(),
        "interval_minutes": str(int(interval / pd.Timedelta(minutes=1))),
        "timezone": str(starts.dt.tz),
    }


def log_training_run(
    forecaster: Forecaster,
    history: pd.DataFrame,
    *,
    experiment: str = TRAINING_EXPERIMENT,
    metrics: Mapping[str, float] | None = None,
    tags: Mapping[str, str] | None = None,
    uri: str | None = None,
) -> str:
    """Log one training run: the forecaster's parameters, a summary of its history, optional
    metrics, and the fitted forecaster as an ``mlflow.pyfunc`` model named ``model``.

    Parameters
    ----------
    forecaster:
        A forecaster already fitted on `history`.
    history:
        The interval history it was fitted on (``queue``, tz-aware ``interval_start``, ...).
    experiment:
        MLflow experiment name (created when missing).
    metrics:
        Extra metrics to log, e.g. backtest means (WAPE as a fraction, MASE unitless).
    tags:
        Extra run tags.
    uri:
        MLflow URI; :func:`tracking_uri` when None.

    Returns
    -------
    str
        The MLflow run id.
    """
    missing = [c for c in (QUEUE, INTERVAL_START) if c not in history.columns]
    if missing:
        raise InvalidInput(
            "history lacks required columns",
            [FieldError(None, c, "column is required", None) for c in missing],
        )
    if not isinstance(history[INTERVAL_START].dtype, pd.DatetimeTZDtype):
        raise invalid(INTERVAL_START, "must be timezone-aware", str(history[INTERVAL_START].dtype))
    name = forecaster_name(forecaster)
    params = {f"param_{k}": _param_text(v) for k, v in forecaster.get_params().items()}
    params |= _history_params(history) | {"model": name}
    wrapped = ForecasterModel(
        forecaster,
        timezone=str(history[INTERVAL_START].dt.tz),
        interval=history_interval(history),
    )
    resolved = uri or tracking_uri()
    with mlflow_store(resolved) as client:
        experiment_id = ensure_experiment(client, experiment, resolved)
        run_tags = {"seatwise.kind": "training", "seatwise.model": name} | dict(tags or {})
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=f"train-{name}", tags=run_tags
        ) as run:
            mlflow.log_params(params)
            mlflow.log_metrics(_finite_metrics(metrics))
            log_pyfunc(wrapped, params, _input_example(history))
        return str(run.info.run_id)


def _input_example(history: pd.DataFrame) -> pd.DataFrame:
    """A one-interval request just after the history, saved with the model as its example."""
    after = history[INTERVAL_START].max() + history_interval(history)
    return pd.DataFrame({"start": [after.isoformat()], "periods": [1]})


def summarise_backtest(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean of each backtest metric per model over queues and folds, best (lowest WAPE) first.

    Parameters
    ----------
    metrics:
        Backtest metrics, one row per (model, queue, fold).

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``folds`` and the metric columns present in `metrics`.
    """
    if "model" not in metrics.columns:
        raise invalid("model", "backtest metrics need a model column", list(metrics.columns))
    present = [c for c in SCORE_COLUMNS if c in metrics.columns]
    grouped = metrics.groupby("model", sort=True)
    summary = grouped[present].mean()
    summary.insert(0, "folds", grouped["fold"].nunique() if "fold" in metrics else 1)
    summary = summary.reset_index()
    if "wape" in summary.columns:
        summary = summary.sort_values(["wape", "model"], na_position="last", kind="stable")
    return summary.reset_index(drop=True)


def best_model(metrics: pd.DataFrame, metric: str = "wape") -> str:
    """The model with the lowest mean `metric` in a backtest (ties broken by name)."""
    summary = summarise_backtest(metrics)
    if metric not in summary.columns:
        raise invalid("metric", "not a backtest metric", metric)
    ranked = summary.dropna(subset=[metric]).sort_values([metric, "model"], kind="stable")
    if ranked.empty:
        raise invalid(metric, "no model has a finite value to compare", metric)
    return str(ranked["model"].iloc[0])


def log_backtest(
    result: BacktestLike,
    *,
    experiment: str = BACKTEST_EXPERIMENT,
    params: Mapping[str, Any] | None = None,
    uri: str | None = None,
) -> dict[str, str]:
    """Log a backtest: one MLflow run per model.

    Each run holds the model name and `params` (e.g. horizon_days, folds) as parameters; as
    metrics, the mean of every metric over queues and folds (``wape``, ...), each fold's mean as
    step ``fold`` of ``fold_<metric>``, and, when the result has a ``summary()``, the metrics
    pooled over every scored interval (``pooled_<metric>``); the model's metric rows and fold
    forecasts go in CSV artifacts under ``backtest/``.

    Parameters
    ----------
    result:
        A backtest result with ``metrics`` (model, queue, fold, cutoff, wape, ...) and
        ``forecasts`` frames.
    experiment:
        MLflow experiment name (created when missing).
    params:
        Parameters of the backtest itself, logged on every run.
    uri:
        MLflow URI; :func:`tracking_uri` when None.

    Returns
    -------
    dict[str, str]
        Run id per model name.
    """
    metrics = result.metrics
    summary = summarise_backtest(metrics)
    pooled = _pooled_summary(result)
    forecasts = result.forecasts
    present = [c for c in SCORE_COLUMNS if c in metrics.columns]
    resolved = uri or tracking_uri()
    run_ids: dict[str, str] = {}
    with mlflow_store(resolved) as client, tempfile.TemporaryDirectory() as scratch:
        experiment_id = ensure_experiment(client, experiment, resolved)
        for record in summary.to_dict("records"):
            name = str(record["model"])
            rows = metrics[metrics["model"] == name]
            run = client.create_run(
                experiment_id,
                run_name=f"backtest-{name}",
                tags={"seatwise.kind": "backtest", "seatwise.model": name},
            )
            run_id = str(run.info.run_id)
            logged_params = {"model": name} | {k: _param_text(v) for k, v in (params or {}).items()}
            timestamp = int(pd.Timestamp.now(tz="UTC").timestamp() * 1000)
            entries = [
                Metric(key, value, timestamp, 0)
                for key, value in _finite_metrics({c: record[c] for c in present}).items()
            ]
            for key, value in _finite_metrics(pooled.get(name, {})).items():
                entries.append(Metric(f"pooled_{key}", value, timestamp, 0))
            if "fold" in rows.columns:
                per_fold = rows.groupby("fold")[present].mean()
                for fold, values in per_fold.iterrows():
                    for key, value in _finite_metrics(values.to_dict()).items():
                        entries.append(Metric(f"fold_{key}", value, timestamp, int(str(fold))))
            client.log_batch(
                run_id,
                metrics=entries,
                params=[Param(k, str(v)) for k, v in logged_params.items()],
                tags=[RunTag("seatwise.folds", str(record["folds"]))],
            )
            model_dir = Path(scratch) / name
            write_frame(rows, model_dir / "metrics.csv")
            if "model" in forecasts.columns:
                write_frame(forecasts[forecasts["model"] == name], model_dir / "forecasts.csv")
            client.log_artifacts(run_id, str(model_dir), artifact_path="backtest")
            client.set_terminated(run_id)
            run_ids[name] = run_id
    return run_ids


def _pooled_summary(result: BacktestLike) -> dict[str, dict[str, Any]]:
    """Metrics pooled over every scored interval, per model, when the result offers them."""
    summarise = getattr(result, "summary", None)
    if not callable(summarise):
        return {}
    table = summarise()
    return {
        str(record.pop("model")): record
        for record in table.to_dict("records")
        if isinstance(record, dict)
    }
