"""Alerts raised by quality ingestion: negative emotion or script-compliance misses clustering
on a queue.

The sources router calls :func:`on_quality_ingested` after a batch of evaluations is stored. The
windows (queue, local window) the batch's contacts arrived in are recomputed from every stored
evaluation of those windows (:func:`features.measures.alert_rules.quality_alerts`), and new
alerts are stored once and pushed to the webhooks like every other alert
(:func:`api.services.alerting.raise_alerts`). It never raises: a failure is logged and ingestion
goes on.
"""

from __future__ import annotations

import logging

import pandas as pd
from fastapi import FastAPI

from api.services.alerting import alerting, raise_alerts
from features.calendar import floor_local
from features.measures.alert_rules import ClusterThresholds, empty_alerts, quality_alerts
from features.store.sources_store import SourcesStore

logger = logging.getLogger(__name__)


def evaluate_quality(app: FastAPI, evaluations: pd.DataFrame) -> pd.DataFrame:
    """Every cluster alert of the windows a batch of stored evaluations touches."""
    records = getattr(app.state, "store", None)
    if records is None or evaluations.empty:
        return empty_alerts()
    state = alerting(app)
    limits = ClusterThresholds()
    sources = SourcesStore(records)
    batch = sources.read_quality(
        by="evaluated", contact_ids=sorted(evaluations["contact_id"].astype(str).unique())
    )
    batch = batch[batch["arrived_at"].notna()]
    if batch.empty:
        return empty_alerts()
    windows = floor_local(batch["arrived_at"], limits.window_minutes, state.settings.timezone)
    width = pd.Timedelta(minutes=limits.window_minutes)
    stored = sources.read_quality(
        windows.min(), windows.max() + width, by="contact",
        queues=sorted(batch["queue"].astype(str).unique()),
    )  # fmt: skip
    found = quality_alerts(stored, timezone=state.settings.timezone, thresholds=limits)
    touched = set(zip(batch["queue"].astype(str), windows.dt.tz_convert("UTC"), strict=True))
    keep = [
        (q, pd.Timestamp(s).tz_convert("UTC")) in touched
        for q, s in zip(found["queue"], found["interval_start"], strict=True)
    ]
    return found[keep].reset_index(drop=True)


def on_quality_ingested(app: FastAPI, evaluations: pd.DataFrame) -> list[int]:
    """Raise the cluster alerts of a freshly stored batch of evaluations; never raises.

    Returns
    -------
    list[int]
        Ids of the new alerts (empty when none, or when evaluation failed and was logged).
    """
    try:
        return raise_alerts(app, evaluate_quality(app, evaluations))
    except Exception:
        logger.exception("quality alert evaluation failed for %d evaluations", len(evaluations))
        return []
