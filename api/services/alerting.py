"""Alerts raised by ingestion: evaluate the rules, store alerts once, push them to webhooks.

The records router calls :func:`on_contacts_ingested` after a batch of contacts is stored. It
evaluates :func:`features.measures.alert_rules.contact_alerts` on the batch and
:func:`features.measures.alert_rules.queue_alerts` on the intervals the batch touched
(recomputed from every stored contact of those intervals), stores the alerts idempotently, and
hands new ones
to the :class:`api.services.webhooks.WebhookDispatcher`, which sends them from background
threads. It never raises: a failure is logged and ingestion goes on.

Thresholds are settings (``SEATWISE_*`` environment variables, :class:`AlertSettings`); the
webhook URLs come from the service's ``SEATWISE_WEBHOOK_URLS``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.deps import Principal
from api.services.webhooks import RetryPolicy, WebhookDispatcher
from features.measures.alert_rules import (
    AlertThresholds,
    contact_alerts,
    empty_alerts,
    queue_alerts,
)
from features.schema import ALLOWED_INTERVAL_MINUTES
from features.store.alert_store import AlertScope, AlertStore

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()


class AlertSettings(BaseSettings):
    """Alert thresholds and webhook retry policy (``SEATWISE_*`` environment variables).

    Attributes
    ----------
    alert_csat_max:
        CSAT (1-5) at or below which a contact raises an alert.
    alert_sentiment_max:
        Sentiment (-1..1) below which a contact raises an alert.
    alert_service_level_target:
        Service-level target (share of contacts answered within the threshold) per interval.
    alert_sl_threshold_s:
        Seconds within which an answer counts as in service; unset, each channel's threshold
        (:data:`features.schema.CHANNEL_THRESHOLDS_S`).
    alert_interval_minutes:
        Interval length of the service-level rule, minutes.
    alert_min_offered:
        Intervals with fewer offered contacts are not judged.
    webhook_tries, webhook_backoff_s, webhook_timeout_s:
        Attempts per delivery, seconds before the first retry (doubling), seconds per attempt.
    """

    model_config = SettingsConfigDict(env_prefix="SEATWISE_", extra="ignore")

    alert_csat_max: float = Field(default=2.0, ge=1, le=5)
    alert_sentiment_max: float = Field(default=-0.3, ge=-1, le=1)
    alert_service_level_target: float = Field(default=0.8, ge=0, le=1)
    alert_sl_threshold_s: float | None = Field(default=None, gt=0)
    alert_interval_minutes: int = 15
    alert_min_offered: int = Field(default=1, ge=1)
    webhook_tries: int = Field(default=3, ge=1, le=10)
    webhook_backoff_s: float = Field(default=0.5, ge=0)
    webhook_timeout_s: float = Field(default=2.0, gt=0)


@dataclass
class Alerting:
    """The alerting state of one app: settings, store, webhook URLs and dispatcher."""

    settings: AlertSettings
    store: AlertStore
    urls: list[str]
    dispatcher: WebhookDispatcher | None
    timezone: str = "UTC"

    @property
    def thresholds(self) -> AlertThresholds:
        """Thresholds of the contact rules."""
        return AlertThresholds(self.settings.alert_csat_max, self.settings.alert_sentiment_max)


def alerting(app: FastAPI) -> Alerting:
    """The app's alerting state, made on first use.

    Settings come from ``app.state.alert_settings`` when set (tests), else the environment;
    URLs from the service settings' ``webhook_urls``. Deliveries a previous run left unfinished
    are queued again when the dispatcher starts.
    """
    state = getattr(app.state, "seatwise_alerting", None)
    if state is not None:
        return state  # type: ignore[no-any-return]
    with _LOCK:
        state = getattr(app.state, "seatwise_alerting", None)
        if state is not None:
            return state  # type: ignore[no-any-return]
        settings = getattr(app.state, "alert_settings", None) or AlertSettings()
        service = app.state.settings
        urls = list(getattr(service, "webhook_urls", []) or [])
        store = AlertStore(app.state.engine)
        dispatcher = None
        if urls:
            policy = RetryPolicy(
                settings.webhook_tries, settings.webhook_backoff_s, settings.webhook_timeout_s
            )
            dispatcher = WebhookDispatcher(store, policy)
            try:
                dispatcher.resume()
            except Exception:
                logger.warning("could not resume unfinished webhook deliveries", exc_info=True)
        state = Alerting(settings, store, urls, dispatcher, getattr(service, "timezone", "UTC"))
        app.state.seatwise_alerting = state
        return state


def shutdown_alerting(app: FastAPI, timeout_s: float = 5.0) -> None:
    """Stop the webhook senders of `app` (call from the app's lifespan on shutdown)."""
    state = getattr(app.state, "seatwise_alerting", None)
    if state is not None and state.dispatcher is not None:
        state.dispatcher.close(timeout_s)
    app.state.seatwise_alerting = None


def _interval_keys(history: pd.DataFrame) -> pd.Series:
    """``queue|interval start in UTC`` per history row (robust to time units and zones)."""
    starts = pd.to_datetime(history["interval_start"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return history["queue"].astype(str) + "|" + starts


def _touched_queue_alerts(app: FastAPI, state: Alerting, contacts: pd.DataFrame) -> pd.DataFrame:
    """Service-level alerts of the (queue, interval) pairs the batch has arrivals in."""
    from features.measures.intervals import build_intervals

    records = getattr(app.state, "store", None)
    if records is None or contacts.empty:
        return empty_alerts()
    minutes = state.settings.alert_interval_minutes
    if minutes not in ALLOWED_INTERVAL_MINUTES:
        minutes = 15
    options: dict[str, Any] = {
        "freq_minutes": minutes,
        "timezone": state.timezone,
        "sl_threshold_s": state.settings.alert_sl_threshold_s,
    }
    arrived = pd.to_datetime(contacts["arrived_at"], utc=True)
    touched = build_intervals(contacts.assign(arrived_at=arrived), **options)
    if touched.empty:
        return empty_alerts()
    pad = pd.Timedelta(minutes=60)
    queues = sorted(touched["queue"].astype(str).unique())
    stored = records.read_contacts(arrived.min() - pad, arrived.max() + pad, queues)
    history = build_intervals(stored, **options)
    wanted = set(_interval_keys(touched))
    history = history[_interval_keys(history).isin(wanted).to_numpy()]
    return queue_alerts(
        history,
        state.settings.alert_service_level_target,
        min_offered=state.settings.alert_min_offered,
    )


def evaluate_contacts(
    app: FastAPI, contacts: pd.DataFrame, timezone: str | None = None
) -> pd.DataFrame:
    """Every alert a batch of stored contacts raises (contact rules and service level).

    A batch whose ``arrived_at`` is not parsed yet is validated first (naive times in
    `timezone`); passing the frame
    :func:`features.records.validation.validate_contacts` returned saves that work.
    """
    from features.records.validation import validate_contacts

    state = alerting(app)
    if not isinstance(contacts["arrived_at"].dtype, pd.DatetimeTZDtype):
        contacts = validate_contacts(contacts, timezone=timezone)
    records = getattr(app.state, "store", None)
    agents = records.read_agents() if records is not None else None
    found = [contact_alerts(contacts, agents, state.thresholds)]
    found.append(_touched_queue_alerts(app, state, contacts))
    kept = [frame for frame in found if not frame.empty]
    return pd.concat(kept, ignore_index=True) if kept else empty_alerts()


def raise_alerts(app: FastAPI, alerts: pd.DataFrame) -> list[int]:
    """Store alerts (existing ones are skipped) and queue webhook deliveries of the new ones.

    Returns
    -------
    list[int]
        Ids of the new alerts.
    """
    state = alerting(app)
    new_ids = state.store.add_alerts(alerts)
    if new_ids and state.dispatcher is not None:
        deliveries = state.store.add_deliveries(new_ids, state.urls)
        state.dispatcher.submit(deliveries)
    return new_ids


def on_contacts_ingested(
    app: FastAPI, contacts: pd.DataFrame, timezone: str | None = None
) -> list[int]:
    """Raise the alerts of a freshly ingested batch of contacts; never raises.

    Parameters
    ----------
    app:
        The running app (``request.app``).
    contacts:
        The stored batch, best as validated (CONTACT_COLUMNS, tz-aware instants); a raw
        batch is validated again.
    timezone:
        Zone of naive timestamps of a raw batch.

    Returns
    -------
    list[int]
        Ids of the new alerts (empty when none, or when evaluation failed and was logged).
    """
    try:
        return raise_alerts(app, evaluate_contacts(app, contacts, timezone))
    except Exception:
        logger.exception("alert evaluation failed for a batch of %d contacts", len(contacts))
        return []


def alert_scope(app: FastAPI, principal: Principal) -> AlertScope | None:
    """What `principal` may read: admins everything, supervisors their teams and queues."""
    if principal.role == "admin":
        return None
    teams = frozenset(principal.teams)
    queues = frozenset(alerting(app).store.queues_of_teams(sorted(teams)))
    return AlertScope(teams=teams, queues=queues)
