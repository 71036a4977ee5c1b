"""The pyfunc wrapper: a fitted forecaster as an ``mlflow.pyfunc`` model, and loading it back.

A registered model is a :class:`ForecasterModel` wrapping the fitted forecaster, so
``models:/<name>@champion`` reproduces the forecast exactly; :func:`load_model` returns a
:class:`LoadedForecaster` whose ``predict`` goes through that pyfunc model.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models import ModelSignature
from mlflow.pyfunc import PyFuncModel, PythonModel
from mlflow.types import ColSpec, Schema

from features.calendar import intervals_in_days
from features.errors import FieldError, InvalidInput, NotFound
from features.schema import FORECAST_COLUMNS
from forecasting.registry.store import CHAMPION, MODEL_NAME, invalid, mlflow_store, not_found

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


class Forecaster(Protocol):
    """What the registry needs from a fitted forecaster (the forecasting estimator contract)."""

    def predict(self, start: pd.Timestamp, periods: int) -> pd.DataFrame: ...

    def get_params(self) -> dict[str, Any]: ...


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
            raise invalid("start", "column is required", list(requests.columns))
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


def log_pyfunc(wrapped: ForecasterModel, params: Mapping[str, str], example: pd.DataFrame) -> None:
    """Log `wrapped` as the active run's model ``model`` with its signature, example request and
    pinned requirements."""
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
            raise invalid("start", "must be timezone-aware", str(start))
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
    with mlflow_store(uri) as client:
        name, version = _registry_version(client, model_uri)
        try:
            pyfunc = mlflow.pyfunc.load_model(model_uri)
        except MlflowException as exc:
            if not_found(exc):
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
        if not_found(exc):
            raise NotFound(f"no registered model version at {model_uri}") from exc
        raise
    return None, None
