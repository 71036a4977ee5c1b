"""The audit trail: who (key, role, agent) did what (action, subject, detail) and when.

Every request, decision and edit of the working week calls :func:`audit_event` and stores the
events with :meth:`features.store.people_store.PeopleStore.add_audit`; nothing deletes them.
Actions are named ``<resource>.<verb>`` (``time_off.request``, ``time_off.decide``,
``time_off.waitlist_grant``, ``roster.edit``, ``swap.offer`` ...).
"""

from __future__ import annotations

from typing import Any

from api.auth import Principal
from api.schemas.common import json_ready


def audit_event(
    principal: Principal,
    action: str,
    subject: str,
    agent_id: str | None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit event by `principal` (``AuditRow`` columns, ``at`` set when stored).

    Parameters
    ----------
    action:
        ``<resource>.<verb>``.
    subject:
        What was acted on, ``<kind>:<id>`` (``time-off-request:3``, ``roster:ab12``).
    agent_id:
        The agent whose week it concerns (None when it is no one's in particular).
    detail:
        What changed (JSON-ready values; dates become ISO text).
    """
    return {
        "key_id": principal.key_id,
        "role": principal.role,
        "actor_agent_id": principal.agent_id,
        "action": action,
        "subject": subject,
        "agent_id": agent_id,
        "detail": json_ready(detail or {}),
    }
