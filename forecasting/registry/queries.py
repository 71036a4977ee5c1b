"""Registry queries and changes: register a run's model, move aliases, list models, describe
runs — each answer a typed dict (the shape the API serves)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from features.errors import NotFound
from forecasting.registry.store import CHAMPION, invalid, mlflow_store, not_found


class ModelVersionInfo(TypedDict):
    """One registered version: its run, model kind, aliases, creation time and run metrics."""

    version: int
    run_id: str | None
    model: str | None
    aliases: list[str]
    created_at: str
    metrics: dict[str, float]


class RegisteredModelInfo(TypedDict):
    """A registered forecaster: aliases ({alias: version}), versions, headline metrics (of the
    champion, else of the latest version)."""

    name: str
    aliases: dict[str, int]
    versions: list[ModelVersionInfo]
    metrics: dict[str, float]


class RunInfo(TypedDict):
    """One MLflow run as the registry describes it."""

    run_id: str
    experiment: str
    name: str
    status: str
    params: dict[str, str]
    metrics: dict[str, float]
    fold_metrics: dict[str, dict[int, float]]
    tags: dict[str, str]
    artifacts: list[str]


def _logged_model_uri(client: MlflowClient, run_id: str) -> tuple[str, str | None]:
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        if not_found(exc):
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
        raise invalid("name", "model name must not be empty", name)
    with mlflow_store(uri) as client:
        source, model_id = _logged_model_uri(client, run_id)
        try:
            client.get_registered_model(name)
        except MlflowException as exc:
            if not not_found(exc):
                raise invalid("name", f"not a valid model name ({exc.message})", name) from exc
            client.create_registered_model(name, tags={"seatwise.kind": "forecaster"})
        try:
            version = client.create_model_version(name, source, run_id=run_id, model_id=model_id)
        except MlflowException as exc:
            raise invalid("name", f"cannot register ({exc.message})", name) from exc
        return int(version.version)


def promote(
    name: str, version: int | str, alias: str = CHAMPION, *, uri: str | None = None
) -> None:
    """Point `alias` (``champion`` by default) of registered model `name` at `version`."""
    with mlflow_store(uri) as client:
        try:
            client.get_model_version(name, str(version))
        except MlflowException as exc:
            if not_found(exc):
                raise NotFound(f"model {name!r} has no version {version}") from exc
            raise invalid("version", f"invalid ({exc.message})", version) from exc
        try:
            client.set_registered_model_alias(name, alias, str(version))
        except MlflowException as exc:
            raise invalid("alias", f"not a valid alias ({exc.message})", alias) from exc


def list_models(*, uri: str | None = None) -> list[RegisteredModelInfo]:
    """Every registered forecaster with its versions, aliases and metrics.

    Returns
    -------
    list of dict
        One dict per registered model: ``name``, ``aliases`` ({alias: version}), ``versions``
        (each: ``version``, ``run_id``, ``model``, ``aliases``, ``created_at`` ISO 8601 UTC,
        ``metrics``) and ``metrics`` (of the champion, else of the latest version).
    """
    models: list[RegisteredModelInfo] = []
    with mlflow_store(uri) as client:
        page_token = None
        while True:
            page = client.search_registered_models(order_by=["name"], page_token=page_token)
            for registered in page:
                models.append(_describe(client, registered.name, dict(registered.aliases)))
            page_token = page.token
            if not page_token:
                break
    return models


def _describe(client: MlflowClient, name: str, aliases: Mapping[str, str]) -> RegisteredModelInfo:
    by_version: dict[int, list[str]] = {}
    for alias, version in aliases.items():
        by_version.setdefault(int(version), []).append(alias)
    versions: list[ModelVersionInfo] = []
    for found in client.search_model_versions(f"name='{name}'"):
        metrics: dict[str, float] = {}
        model = None
        if found.run_id:
            try:
                data = client.get_run(found.run_id).data
                metrics = dict(data.metrics)
                model = data.params.get("model")
            except MlflowException as exc:
                if not not_found(exc):
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


def describe_run(run_id: str, *, uri: str | None = None) -> RunInfo:
    """One MLflow run as a plain dict: ``run_id``, ``experiment``, ``name``, ``status``,
    ``params``, ``metrics`` (latest value of each), ``fold_metrics`` ({metric: {fold: value}} of
    the per-fold steps), ``tags`` (Seatwise's own) and ``artifacts`` (top-level paths)."""
    with mlflow_store(uri) as client:
        try:
            run = client.get_run(run_id)
        except MlflowException as exc:
            if not_found(exc):
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
