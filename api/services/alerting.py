"""Alerts raised by ingestion: evaluate the rules, store alerts once, push them to webhooks.

The records router calls :func:`on_contacts_ingested` after a batch of contacts is stored. It
evaluates :func:`features.measures.alert_rules.contact_alerts` on the batch and
:func:`features.measures.alert_rules.queue_alerts` on the intervals the batch touched
(recomputed from every stored contact of those intervals), stores the alerts idempotently, and
hands new ones to the :class:`api.services.webhooks.WebhookDispatcher`, which sends them from
background threads. It never raises: a failure is logged and ingestion goes on.

Thresholds, the webhook URLs and the retry policy are service settings
(:class:`api.settings.Settings`: ``SEATWISE_ALERT_*``, ``SEATWISE_WEBHOOK_*``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import FastAPI

from api.auth import Principal
from api.roles import ADMIN, SUPERVISOR
from api.scope import scoped_queues
from api.services.webhooks import RetryPolicy, WebhookDispatcher
from api.settings import Settings
from features.errors import InvalidInput, NotFound
from features.measures.alert_rules import (
    QUEUE_ALERT_KINDS,
    AlertThresholds,
    contact_alerts,
    empty_alerts,
    queue_alerts,
)
from features.schema import DEFAULT_CHANNEL, INTERVAL_START, QUEUE
from features.store.alert_store import AlertScope, AlertStore
from features.store.records_store import Store

logger = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass
class Alerting:
    """The alerting state of one app: settings, store, webhook URLs and dispatcher."""

    settings: Settings
    store: AlertStore
    urls: list[str]
    dispatcher: WebhookDispatcher | None

    @property
    def thresholds(self) -> AlertThresholds:
        """Thresholds of the contact rules."""
        return AlertThresholds(self.settings.alert_csat_max, self.settings.alert_sentiment_max)


def alerting(app: FastAPI) -> Alerting:
    """The app's alerting state, made on first use.

    Thresholds, webhook URLs and retry policy come from the app's settings. Deliveries a
    previous run left unfinished are queued again when the dispatcher starts.
    """
    state = getattr(app.state, "seatwise_alerting", None)
    if state is not None:
        return state  # type: ignore[no-any-return]
    with _LOCK:
        state = getattr(app.state, "seatwise_alerting", None)
        if state is not None:
            return state  # type: ignore[no-any-return]
        settings: Settings = app.state.settings
        urls = list(settings.webhook_urls)
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
        state = Alerting(settings, store, urls, dispatcher)
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
    starts = pd.to_datetime(history[INTERVAL_START], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return history[QUEUE].astype(str) + "|" + starts


def _touched_queue_alerts(app: FastAPI, state: Alerting, contacts: pd.DataFrame) -> pd.DataFrame:
    """Service-level alerts of the (queue, interval) pairs the batch has arrivals in."""
    from features.measures.intervals import build_intervals

    records: Store | None = getattr(app.state, "store", None)
    if records is None or contacts.empty:
        return empty_alerts()
    options: dict[str, Any] = {
        "freq_minutes": state.settings.alert_interval_minutes,
        "timezone": state.settings.timezone,
        "sl_threshold_s": state.settings.alert_sl_threshold_s,
    }
    arrived = pd.to_datetime(contacts["arrived_at"], utc=True)
    touched = build_intervals(contacts.assign(arrived_at=arrived), **options)
    if touched.empty:
        return empty_alerts()
    pad = pd.Timedelta(minutes=60)
    queues = sorted(touched[QUEUE].astype(str).unique())
    stored = records.read_contacts(arrived.min() - pad, arrived.max() + pad, queues)
    history = build_intervals(stored, **options)
    wanted = set(_interval_keys(touched))
    history = history[_interval_keys(history).isin(wanted).to_numpy()]
    return queue_alerts(
        history,
        _service_level_targets(state, stored),
        min_offered=state.settings.alert_min_offered,
    )


def _service_level_targets(state: Alerting, contacts: pd.DataFrame) -> float | dict[str, float]:
    """The configured service-level target, else each queue's channel standard (share)."""
    from scheduling.channels import queue_channels, standard_of

    if state.settings.alert_service_level_target is not None:
        return state.settings.alert_service_level_target
    try:
        channels = queue_channels(contacts)
    except InvalidInput:
        return standard_of(DEFAULT_CHANNEL).service_level
    return {q: standard_of(c).service_level for q, c in channels.items()}


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


def visible_alert(app: FastAPI, principal: Principal, alert_id: int) -> dict[str, Any]:
    """The alert `alert_id` when `principal` may read it (:func:`alert_scope`).

    Raises
    ------
    NotFound
        No such alert, or one outside the caller's scope (not told apart, so a scoped reader
        learns nothing of other teams' alerts).
    """
    found = alerting(app).store.get_alerts([alert_id])
    scope = alert_scope(app, principal)
    if found and (scope is None or in_scope(found[0], scope)):
        return found[0]
    raise NotFound(f"alert {alert_id} does not exist")


def acknowledge_alert(app: FastAPI, principal: Principal, alert_id: int) -> dict[str, Any]:
    """Mark alert `alert_id` acknowledged by the caller's key, now; the alert afterwards.

    An alert already acknowledged keeps its first acknowledgement (acknowledging twice is
    harmless). Raises NotFound like :func:`visible_alert`.
    """
    visible_alert(app, principal, alert_id)
    done = alerting(app).store.acknowledge(alert_id, principal.key_id, pd.Timestamp.now("UTC"))
    if done is None:
        raise NotFound(f"alert {alert_id} does not exist")
    return done


def in_scope(alert: dict[str, Any], scope: AlertScope) -> bool:
    """Whether `scope` sees `alert`: the same rule as the alert store's listing."""
    rules = []
    if scope.teams is not None:
        rules.append(alert.get("team") in scope.teams)
    if scope.queues is not None and scope.queue_kinds:
        rules.append(alert.get("kind") in scope.queue_kinds and alert.get("queue") in scope.queues)
    return any(rules) if rules else True


def alert_scope(app: FastAPI, principal: Principal) -> AlertScope | None:
    """What `principal` may read: admins everything; supervisors the alerts of their teams and
    the queue alerts (service level, clusters of negative emotion or compliance misses) of the
    queues their teams serve."""
    if principal.role == ADMIN:
        return None
    queues = scoped_queues(principal, app.state.store) if principal.role == SUPERVISOR else None
    return AlertScope(
        teams=frozenset(principal.teams),
        queues=frozenset(queues or ()),
        queue_kinds=frozenset(QUEUE_ALERT_KINDS),
    )
