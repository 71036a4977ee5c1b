"""The MLflow store behind the registry: where it lives and how one call points MLflow at it.

The store is MLflow's business, not Seatwise's database: by default a SQLite tracking and
registry database at ``<repo>/models/mlflow.db`` with artifacts under ``<repo>/models/artifacts``.
``SEATWISE_MLFLOW_URI`` overrides it, either with an MLflow URI (``sqlite:///...``,
``http://...``) or with a plain directory, which then holds ``mlflow.db`` and ``artifacts/``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from features.errors import FieldError, InvalidInput

URI_ENV_VAR = "SEATWISE_MLFLOW_URI"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
TRAINING_EXPERIMENT = "seatwise-forecast"
BACKTEST_EXPERIMENT = "seatwise-backtest"
CHAMPION = "champion"
MODEL_NAME = "model"
"""Name of the logged model inside each training run."""

# MLflow's fluent API (start_run, log_model, load_model) reads a process-wide tracking URI;
# this lock keeps concurrent callers (API jobs run in threads) from swapping it mid-call.
_STORE_LOCK = threading.RLock()


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


def artifact_root(uri: str) -> str | None:
    """Artifacts beside a local SQLite store (``<dir>/artifacts``); the server decides otherwise."""
    database = _sqlite_path(uri)
    return None if database is None else (database.parent / "artifacts").resolve().as_uri()


@contextmanager
def mlflow_store(uri: str | None) -> Iterator[MlflowClient]:
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


def ensure_experiment(client: MlflowClient, name: str, uri: str) -> str:
    """The id of experiment `name`, created (artifacts beside a local store) when missing."""
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(client.create_experiment(name, artifact_location=artifact_root(uri)))


def not_found(exc: MlflowException) -> bool:
    """Whether an MLflow error means the object asked for does not exist."""
    return exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")


def invalid(field: str, rule: str, value: Any) -> InvalidInput:
    """Bad input to a registry call, naming `field`, its `rule` and the `value` given."""
    return InvalidInput(f"{field}: {rule}", [FieldError(None, field, rule, value)])
