"""MLflow tracking and model registry for forecasters.

Every training run and every backtest is logged to MLflow (parameters, metrics, and the fitted
model or the backtest tables); a model version is promoted with a registered-model *alias*
(``champion``, ``challenger``), never with the deprecated stages. A registered model is a
:class:`ForecasterModel`, an ``mlflow.pyfunc`` model wrapping the fitted forecaster, so
``models:/<name>@champion`` reproduces the forecast exactly.

The store is MLflow's business, not Seatwise's database: by default a SQLite tracking and
registry database at ``<repo>/models/mlflow.db`` with artifacts under ``<repo>/models/artifacts``.
``SEATWISE_MLFLOW_URI`` overrides it, either with an MLflow URI (``sqlite:///...``,
``http://...``) or with a plain directory, which then holds ``mlflow.db`` and ``artifacts/``.

MLflow is imported here only, and used only through its public API.
"""

from __future__ import annotations

import importlib.metadata
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.pyfunc import PyFuncModel, PythonModel
from mlflow.types import ColSpec, Schema

from features.calendar import infer_interval_minutes, intervals_in_days
from features.errors import FieldError, InvalidInput, NotFound
from features.records.frame_io import write_frame
from features.schema import DEFAULT_INTERVAL_MINUTES, FORECAST_COLUMNS, INTERVAL_START, QUEUE
from forecasting.backtest import METRIC_COLUMNS

URI_ENV_VAR = "SEATWISE_MLFLOW_URI"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
TRAINING_EXPERIMENT = "seatwise-forecast"
BACKTEST_EXPERIMENT = "seatwise-backtest"
CHAMPION = "champion"
MODEL_NAME = "model"
"""Name of the logged model inside each training run."""

SCORE_COLUMNS = tuple(c for c in METRIC_COLUMNS if c not in ("model", "queue", "fold", "cutoff"))
"""Backtest metrics logged per model (mean over queues and folds, and per fold as steps)."""

_REQUIREMENT_PACKAGES = (
    "mlflow",
    "cloudpickle",
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "lightgbm",
    "holidays",
)
_INPUT_SIGNATURE = ModelSignature(
    inputs=Schema(
        [
            ColSpec("string", "start"),
            ColSpec("long", "periods", required=False),
            ColSpec("long", "days", required=False),
        ]
    )
)
_MAX_PARAM_CHARS = 500
# MLflow's fluent API (start_run, log_model, load_model) reads a process-wide tracking URI;
# this lock keeps concurrent callers (API jobs run in threads) from swapping it mid-call.
_STORE_LOCK = threading.RLock()


class Forecaster(Protocol):
    """What the registry needs from a fitted forecaster (the forecasting estimator contract)."""

    def predict(self, start: pd.Timestamp, periods: int) -> pd.DataFrame: ...

    def get_params(self) -> dict[str, Any]: ...


class BacktestLike(Protocol):
    """A backtest result: per (model, queue, fold) metrics and the fold forecasts."""

    @property
    def metrics(self) -> pd.DataFrame: ...

    @property
    def forecasts(self) -> pd.DataFrame: ...


def tracking_uri(default_dir: str | Path | None = None) -> str:
    """The MLflow tracking and registry URI Seatwise uses.

    Parameters
    ----------
    default_dir:
        Directory of the local store when ``SEATWISE_MLFLOW_URI`` is not set; the repository's
        ``models/`` when None.

    Returns
    -------
    str
        ``SEATWISE_MLFLOW_URI`` when it is an MLflow URI; ``sqlite:///<dir>/mlflow.db`` when it is
        a plain directory, or when it is unset (then ``<dir>`` is `default_dir`).
    """
    configured = os.environ.get(URI_ENV_VAR, "").strip()
    if configured and "://" in configured:
        return configured
    directory = Path(configured) if configured else Path(default_dir or DEFAULT_MODELS_DIR)
    return f"sqlite:///{(directory.expanduser().resolve() / 'mlflow.db').as_posix()}"


def _sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for any other store)."""
    if not uri.startswith("sqlite:///"):
        return None
    return Path(unquote(uri.removeprefix("sqlite:///")))


def _artifact_root(uri: str) -> str | None:
    """Artifacts beside a local SQLite store (``<dir>/artifacts``); the server decides otherwise."""
    database = _sqlite_path(uri)
    return None if database is None else (database.parent / "artifacts").resolve().as_uri()


@contextmanager
def _store(uri: str | None) -> Iterator[MlflowClient]:
    """Point MLflow's fluent API at the store for the duration of one call; yield a client."""
    resolved = uri or tracking_uri()
    database = _sqlite_path(resolved)
    if database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    with _STORE_LOCK:
        previous_tracking = mlflow.get_tracking_uri()
        previous_registry = mlflow.get_registry_uri()
        mlflow.set_tracking_uri(resolved)
        mlflow.set_registry_uri(resolved)
        try:
            yield MlflowClient(tracking_uri=resolved, registry_uri=resolved)
        finally:
            mlflow.set_tracking_uri(previous_tracking)
            mlflow.set_registry_uri(previous_registry)


def _experiment_id(client: MlflowClient, name: str, uri: str) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(client.create_experiment(name, artifact_location=_artifact_root(uri)))


def _not_found(exc: MlflowException) -> bool:
    return exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")


def _invalid(field: str, rule: str, value: Any) -> InvalidInput:
    return InvalidInput(f"{field}: {rule}", [FieldError(None, field, rule, value)])


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


def _pip_requirements() -> list[str]:
    pins = []
    for package in _REQUIREMENT_PACKAGES:
        try:
            pins.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return pins


class ForecasterModel(PythonModel):
    """An ``mlflow.pyfunc`` model wrapping a fitted forecaster.

    Its ``predict`` takes a frame with one row per request: ``start`` (ISO 8601 with offset) and
    either ``periods`` (number of intervals) or ``days`` (local calendar days from ``start``); it
    returns the forecasts of every request, concatenated, in the forecast format.

    Parameters
    ----------
    forecaster:
        A fitted forecaster (``predict(start, periods) -> forecast frame``).
    timezone:
        The site's zone; requests are converted to it before forecasting.
    interval:
        The history's interval length, used to turn ``days`` into periods.
    """

    def __init__(self, forecaster: Forecaster, timezone: str, interval: pd.Timedelta) -> None:
        self.forecaster = forecaster
        self.timezone = timezone
        self.interval = interval

    def periods_for_days(self, start: pd.Timestamp, days: int) -> int:
        """Intervals in `days` local calendar days from `start` (DST days have more or fewer)."""
        return intervals_in_days(start, days, int(self.interval / pd.Timedelta(minutes=1)))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Forecast for each request row (``start`` and ``periods`` or ``days``)."""
        requests = pd.DataFrame(model_input)
        if "start" not in requests.columns:
            raise _invalid("start", "column is required", list(requests.columns))
        frames = []
        for row, request in enumerate(requests.to_dict("records")):
            start = pd.Timestamp(request["start"])
            if start.tzinfo is None:
                rule = "start needs an offset (ISO 8601 with offset)"
                raise InvalidInput(rule, [FieldError(row, "start", rule, request["start"])])
            start = start.tz_convert(self.timezone)
            periods = _request_periods(request, row)
            if periods is None:
                periods = self.periods_for_days(start, int(request["days"]))
            frames.append(self.forecaster.predict(start, periods))
        if not frames:
            return pd.DataFrame(columns=FORECAST_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def _request_periods(request: Mapping[Any, Any], row: int) -> int | None:
    periods: Any = request.get("periods")
    days: Any = request.get("days")
    has_periods = periods is not None and not pd.isna(periods)
    has_days = days is not None and not pd.isna(days)
    if not has_periods and not has_days:
        rule = "give periods (intervals) or days"
        raise InvalidInput(rule, [FieldError(row, "periods", rule, None)])
    if has_periods:
        if int(periods) < 1:
            rule = "periods must be at least 1"
            raise InvalidInput(rule, [FieldError(row, "periods", rule, periods)])
        return int(periods)
    if int(days) < 1:
        rule = "days must be at least 1"
        raise InvalidInput(rule, [FieldError(row, "days", rule, days)])
    return None


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
        raise _invalid(INTERVAL_START, "must be timezone-aware", str(history[INTERVAL_START].dtype))
    name = forecaster_name(forecaster)
    params = {f"param_{k}": _param_text(v) for k, v in forecaster.get_params().items()}
    params |= _history_params(history) | {"model": name}
    wrapped = ForecasterModel(
        forecaster,
        timezone=str(history[INTERVAL_START].dt.tz),
        interval=history_interval(history),
    )
    resolved = uri or tracking_uri()
    with _store(resolved) as client:
        experiment_id = _experiment_id(client, experiment, resolved)
        run_tags = {"seatwise.kind": "training", "seatwise.model": name} | dict(tags or {})
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=f"train-{name}", tags=run_tags
        ) as run:
            mlflow.log_params(params)
            mlflow.log_metrics(_finite_metrics(metrics))
            _log_pyfunc(wrapped, params, _input_example(history))
        return str(run.info.run_id)


def _input_example(history: pd.DataFrame) -> pd.DataFrame:
    """A one-interval request just after the history, saved with the model as its example."""
    after = history[INTERVAL_START].max() + history_interval(history)
    return pd.DataFrame({"start": [after.isoformat()], "periods": [1]})


def _log_pyfunc(wrapped: ForecasterModel, params: Mapping[str, str], example: pd.DataFrame) -> None:
    # Our own forecaster object is pickled on purpose (cloudpickle); MLflow's generic warning
    # about pickled python_model objects would only clutter every CLI run.
    pyfunc_logger = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_logger.level
    pyfunc_logger.setLevel(logging.ERROR)
    try:
        mlflow.pyfunc.log_model(
            name=MODEL_NAME,
            python_model=wrapped,
            pip_requirements=_pip_requirements(),
            signature=_INPUT_SIGNATURE,
            input_example=example,
            params=dict(params),
        )
    finally:
        pyfunc_logger.setLevel(level)


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
        raise _invalid("model", "backtest metrics need a model column", list(metrics.columns))
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
        raise _invalid("metric", "not a backtest metric", metric)
    ranked = summary.dropna(subset=[metric]).sort_values([metric, "model"], kind="stable")
    if ranked.empty:
        raise _invalid(metric, "no model has a finite value to compare", metric)
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
    with _store(resolved) as client, tempfile.TemporaryDirectory() as scratch:
        experiment_id = _experiment_id(client, experiment, resolved)
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


def _logged_model_uri(client: MlflowClient, run_id: str) -> tuple[str, str | None]:
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        if _not_found(exc):
            raise NotFound(f"MLflow run not found: {run_id}") from exc
        raise
    outputs = run.outputs.model_outputs if run.outputs is not None else []
    if outputs:
        model_id = outputs[0].model_id
        return f"models:/{model_id}", model_id
    raise NotFound(f"MLflow run {run_id} has no logged model (was it a backtest run?)")


def register_model(run_id: str, name: str, *, uri: str | None = None) -> int:
    """Register the model logged by training run `run_id` as a new version of `name`.

    Returns
    -------
    int
        The new version number.
    """
    if not name or not name.strip():
        raise _invalid("name", "model name must not be empty", name)
    with _store(uri) as client:
        source, model_id = _logged_model_uri(client, run_id)
        try:
            client.get_registered_model(name)
        except MlflowException as exc:
            if not _not_found(exc):
                raise _invalid("name", f"not a valid model name ({exc.message})", name) from exc
            client.create_registered_model(name, tags={"seatwise.kind": "forecaster"})
        try:
            version = client.create_model_version(name, source, run_id=run_id, model_id=model_id)
        except MlflowException as exc:
            raise _invalid("name", f"cannot register ({exc.message})", name) from exc
        return int(version.version)


def promote(
    name: str, version: int | str, alias: str = CHAMPION, *, uri: str | None = None
) -> None:
    """Point `alias` (``champion`` by default) of registered model `name` at `version`."""
    with _store(uri) as client:
        try:
            client.get_model_version(name, str(version))
        except MlflowException as exc:
            if _not_found(exc):
                raise NotFound(f"model {name!r} has no version {version}") from exc
            raise _invalid("version", f"invalid ({exc.message})", version) from exc
        try:
            client.set_registered_model_alias(name, alias, str(version))
        except MlflowException as exc:
            raise _invalid("alias", f"not a valid alias ({exc.message})", alias) from exc


@dataclass
class LoadedForecaster:
    """A forecaster loaded from the registry; ``predict`` goes through its pyfunc model.

    Attributes
    ----------
    model_uri:
        The MLflow URI it was loaded from.
    name, version:
        The registered model and version (None when loaded from a run or logged-model URI).
    """

    pyfunc: PyFuncModel
    model_uri: str
    name: str | None = None
    version: int | None = None

    @property
    def forecaster(self) -> Any:
        """The fitted forecaster inside the pyfunc model."""
        return self.pyfunc.unwrap_python_model().forecaster

    @property
    def timezone(self) -> str:
        """The site's zone the model was trained in."""
        return str(self.pyfunc.unwrap_python_model().timezone)

    def get_params(self) -> dict[str, Any]:
        """The wrapped forecaster's parameters."""
        return dict(self.forecaster.get_params())

    def predict(self, start: pd.Timestamp, periods: int) -> pd.DataFrame:
        """Forecast `periods` intervals from `start` (tz-aware) in the forecast format.

        When loaded by registered name, ``model_version`` is the registry version.
        """
        if start.tzinfo is None:
            raise _invalid("start", "must be timezone-aware", str(start))
        request = pd.DataFrame({"start": [start.isoformat()], "periods": [int(periods)]})
        forecast = self.pyfunc.predict(request)
        if not isinstance(forecast, pd.DataFrame):
            raise TypeError(f"pyfunc model returned {type(forecast).__name__}, not a frame")
        if self.version is not None and "model_version" in forecast.columns:
            forecast["model_version"] = str(self.version)
        return forecast


def load_model(
    uri_or_name: str, alias: str = CHAMPION, *, uri: str | None = None
) -> LoadedForecaster:
    """Load a forecaster: a registered model's `alias` version, or any MLflow model URI.

    Parameters
    ----------
    uri_or_name:
        A registered model name (loads ``models:/<name>@<alias>``) or an MLflow model URI
        (``models:/<name>@<alias>``, ``models:/<name>/<version>``, ``runs:/<id>/model``, ...).
    alias:
        Alias to load when a bare name is given.
    uri:
        MLflow URI; :func:`tracking_uri` when None.
    """
    is_uri = ":/" in uri_or_name
    model_uri = uri_or_name if is_uri else f"models:/{uri_or_name}@{alias}"
    with _store(uri) as client:
        name, version = _registry_version(client, model_uri)
        try:
            pyfunc = mlflow.pyfunc.load_model(model_uri)
        except MlflowException as exc:
            if _not_found(exc):
                raise NotFound(f"no model at {model_uri}") from exc
            raise
    return LoadedForecaster(pyfunc=pyfunc, model_uri=model_uri, name=name, version=version)


def _registry_version(client: MlflowClient, model_uri: str) -> tuple[str | None, int | None]:
    """(name, version) of a ``models:/name@alias`` or ``models:/name/version`` URI."""
    if not model_uri.startswith("models:/"):
        return None, None
    path = model_uri.removeprefix("models:/")
    try:
        if "@" in path:
            name, alias = path.split("@", 1)
            found = client.get_model_version_by_alias(name, alias)
            return name, int(found.version)
        if "/" in path:
            name, version = path.split("/", 1)
            return name, int(client.get_model_version(name, version).version)
    except MlflowException as exc:
        if _not_found(exc):
            raise NotFound(f"no registered model version at {model_uri}") from exc
        raise
    return None, None


def list_models(*, uri: str | None = None) -> list[dict[str, Any]]:
    """Every registered forecaster with its versions, aliases and metrics.

    Returns
    -------
    list of dict
        One dict per registered model: ``name``, ``aliases`` ({alias: version}), ``versions``
        (each: ``version``, ``run_id``, ``model``, ``aliases``, ``created_at`` ISO 8601 UTC,
        ``metrics``) and ``metrics`` (of the champion, else of the latest version).
    """
    models: list[dict[str, Any]] = []
    with _store(uri) as client:
        page_token = None
        while True:
            page = client.search_registered_models(order_by=["name"], page_token=page_token)
            for registered in page:
                models.append(_describe(client, registered.name, dict(registered.aliases)))
            page_token = page.token
            if not page_token:
                break
    return models


def _describe(client: MlflowClient, name: str, aliases: Mapping[str, str]) -> dict[str, Any]:
    by_version: dict[int, list[str]] = {}
    for alias, version in aliases.items():
        by_version.setdefault(int(version), []).append(alias)
    versions: list[dict[str, Any]] = []
    for found in client.search_model_versions(f"name='{name}'"):
        metrics: dict[str, float] = {}
        model = None
        if found.run_id:
            try:
                data = client.get_run(found.run_id).data
                metrics = dict(data.metrics)
                model = data.params.get("model")
            except MlflowException as exc:
                if not _not_found(exc):
                    raise
        created = pd.Timestamp(found.creation_timestamp, unit="ms", tz="UTC")
        versions.append(
            {
                "version": int(found.version),
                "run_id": found.run_id,
                "model": model,
                "aliases": sorted(by_version.get(int(found.version), [])),
                "created_at": created.isoformat(),
                "metrics": metrics,
            }
        )
    versions.sort(key=lambda v: v["version"])
    headline = next((v for v in versions if CHAMPION in v["aliases"]), None)
    if headline is None and versions:
        headline = versions[-1]
    return {
        "name": name,
        "aliases": {alias: int(version) for alias, version in sorted(aliases.items())},
        "versions": versions,
        "metrics": dict(headline["metrics"]) if headline else {},
    }


def describe_run(run_id: str, *, uri: str | None = None) -> dict[str, Any]:
    """One MLflow run as a plain dict: ``run_id``, ``experiment``, ``name``, ``status``,
    ``params``, ``metrics`` (latest value of each), ``fold_metrics`` ({metric: {fold: value}} of
    the per-fold steps), ``tags`` (Seatwise's own) and ``artifacts`` (top-level paths)."""
    with _store(uri) as client:
        try:
            run = client.get_run(run_id)
        except MlflowException as exc:
            if _not_found(exc):
                raise NotFound(f"MLflow run not found: {run_id}") from exc
            raise
        experiment = client.get_experiment(run.info.experiment_id)
        fold_metrics: dict[str, dict[int, float]] = {}
        for key in run.data.metrics:
            if key.startswith("fold_"):
                history = client.get_metric_history(run_id, key)
                fold_metrics[key.removeprefix("fold_")] = {m.step: m.value for m in history}
        artifacts = [a.path for a in client.list_artifacts(run_id)]
    return {
        "run_id": run_id,
        "experiment": experiment.name,
        "name": run.info.run_name,
        "status": run.info.status,
        "params": dict(run.data.params),
        "metrics": {k: v for k, v in run.data.metrics.items() if not k.startswith("fold_")},
        "fold_metrics": fold_metrics,
        "tags": {k: v for k, v in run.data.tags.items() if k.startswith("seatwise.")},
        "artifacts": artifacts,
    }
