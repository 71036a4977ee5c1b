"""Schedule-change notifications: every change to an agent's published schedule made here (an
approved swap, a planner's edit) is raised as a ``schedule_change`` alert, so the alert
webhooks (:func:`api.services.alerting.raise_alerts`) deliver it, and it shows on the agent's
workbench from the audit trail (:func:`agent_notifications`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd
from fastapi import FastAPI

from api.services.alerting import raise_alerts
from features.measures.alert_rules import ALERT_COLUMNS, KIND_SCHEDULE_CHANGE
from features.store.people_store import PeopleStore
from features.store.records_store import Store
from features.store.service_store import as_utc, utc_now

logger = logging.getLogger(__name__)

NOTIFIED_ACTIONS = (
    "time_off.decide",
    "time_off.waitlist_grant",
    "swap.accept",
    "swap.decide",
    "roster.edit",
)
"""Audited actions an agent is told about on their workbench."""


def notify_schedule_change(
    app: FastAPI, records: Store, agent_ids: Sequence[str], message: str
) -> list[int]:
    """Raise one ``schedule_change`` alert per agent (its team named, for the supervisors'
    scope) and queue its webhook deliveries; never raises (a failure is logged)."""
    try:
        agents = records.read_agents()
        teams = dict(zip(agents["agent_id"].astype(str), agents["team"], strict=True))
        now = pd.Timestamp(utc_now())
        rows = [
            {
                "kind": KIND_SCHEDULE_CHANGE,
                "key": f"{agent}|{uuid.uuid4().hex}",
                "queue": None,
                "team": teams.get(agent),
                "agent_id": agent,
                "contact_id": None,
                "interval_start": None,
                "at": now,
                "value": 0.0,
                "threshold": 0.0,
                "message": message,
            }
            for agent in agent_ids
        ]
        return raise_alerts(app, pd.DataFrame(rows, columns=ALERT_COLUMNS))
    except Exception:  # noqa: BLE001 - a notification never fails the change it reports
        logger.exception("schedule-change notification failed")
        return []


def agent_notifications(people: PeopleStore, agent_id: str, limit: int) -> list[dict[str, Any]]:
    """The newest audited changes to `agent_id`'s requests and schedule (:data:`NOTIFIED_ACTIONS`),
    newest first: ``at``, ``action``, ``subject``, ``detail``."""
    rows, _ = people.list_audit(
        action=None, subject=None, agent_id=agent_id, since=None, offset=0, limit=500
    )
    chosen = [r for r in rows if r.action in NOTIFIED_ACTIONS][:limit]
    return [
        {"at": as_utc(r.at), "action": r.action, "subject": r.subject, "detail": r.detail}
        for r in chosen
    ]
