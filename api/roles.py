"""Who may call what: one table from each resource of the API to the roles it admits.

Every route names its :class:`Resource` (``**roles_route(Resource.ROSTERS_PLAN)``); the roles
it admits, and the ``x-roles`` it declares in OpenAPI, are read from :data:`ADMITTED` and
nowhere else. The roles themselves are the ones a key can carry (:data:`api.security.ROLES`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from api.security import ROLES

ADMIN: Final = "admin"
PLANNER: Final = "planner"
SUPERVISOR: Final = "supervisor"
AGENT: Final = "agent"
ROUTING: Final = "routing"
DATA_SCIENTIST: Final = "data_scientist"


class Resource(StrEnum):
    """An endpoint family and what it does; each admits one set of roles."""

    RECORDS_WRITE = "records:write"
    """``POST /v1/contacts``, ``POST /v1/agent-states``, ``PUT /v1/agents``, and the other
    sources: ``POST /v1/tickets``, ``POST /v1/kb-events``, ``POST /v1/quality``,
    ``PUT /v1/aliases``."""
    CONTACTS_READ = "contacts:read"
    """``GET /v1/contacts`` (scoped: an agent their own, a supervisor their teams')."""
    INTERVALS_READ = "intervals:read"
    """``GET /v1/intervals``."""
    KPIS_READ = "kpis:read"
    """``GET /v1/kpis`` (scoped like contacts)."""
    FORECASTS_TRAIN = "forecasts:train"
    """``POST /v1/forecasts`` (a training job)."""
    FORECASTS_READ = "forecasts:read"
    """``GET /v1/forecasts``, ``GET /v1/forecasts/reforecast``, ``GET /v1/anomalies``."""
    MODELS_MANAGE = "models:manage"
    """``POST /v1/backtests`` (a job), ``POST /v1/models/{name}/aliases``."""
    MODELS_READ = "models:read"
    """``GET /v1/models``."""
    STAFFING_COMPUTE = "staffing:compute"
    """``POST /v1/staffing``."""
    ROSTERS_PLAN = "rosters:plan"
    """``POST /v1/rosters`` (a job), ``POST /v1/rosters/{id}/publish``."""
    ROSTERS_READ = "rosters:read"
    """``GET /v1/rosters/{id}``, ``GET /v1/schedules`` (the published week by team)."""
    AGENT_SCHEDULE_READ = "agent-schedule:read"
    """``GET /v1/agents/{agent_id}/schedule``."""
    JOBS_READ = "jobs:read"
    """``GET /v1/jobs``, ``GET /v1/jobs/{id}`` (a key's own jobs; admins every job)."""
    JOBS_CANCEL = "jobs:cancel"
    """``POST /v1/jobs/{id}/cancel`` (a key's own jobs; admins every job)."""
    ROUTING = "routing"
    """``GET /v1/routing/plan``, ``POST /v1/routing/assign``."""
    ALERTS_READ = "alerts:read"
    """``GET /v1/alerts``."""
    ALERTS_ACKNOWLEDGE = "alerts:acknowledge"
    """``POST /v1/alerts/{id}/acknowledge``."""
    ALERT_DELIVERIES_READ = "alert-deliveries:read"
    """``GET /v1/alerts/{id}/deliveries``."""
    RECOMMENDATIONS_READ = "recommendations:read"
    """``GET /v1/recommendations``."""
    PEOPLE_READ = "people:read"
    """``GET /v1/adherence``, ``GET /v1/agents/{agent_id}/performance``."""
    REALTIME_READ = "realtime:read"
    """``GET /v1/realtime``."""
    ME_READ = "me:read"
    """``GET /v1/me``: every key may ask who it is."""
    SIMULATIONS_RUN = "simulations:run"
    """``POST /v1/simulations`` (a replay of real contacts on a roster; supervisors scoped)."""
    CAPACITY_PLAN = "capacity:plan"
    """``POST /v1/capacity-plans`` (a job)."""
    CAPACITY_READ = "capacity:read"
    """``GET /v1/capacity-plans``, ``GET /v1/capacity-plans/{id}`` (a supervisor: their skills)."""
    SOURCES_READ = "sources:read"
    """``GET /v1/tickets``, ``/v1/tickets/kpis``, ``/v1/tickets/{id}``, ``/v1/quality/kpis``,
    ``/v1/knowledge``, ``/v1/aliases`` (scoped like KPIs)."""
    EXPORTS_READ = "exports:read"
    """``GET /v1/exports/{kind}`` (scoped: a supervisor their teams, an agent their own rows)."""
    ASK = "ask"
    """``GET /v1/ask`` (answers within the caller's scope)."""
    AGENTS_READ = "agents:read"
    """``GET /v1/agents``, ``GET /v1/agents/{id}`` (an agent: themself; a supervisor: their
    teams)."""
    TIME_OFF_REQUEST = "time-off:request"
    """``POST/GET /v1/time-off-requests``, ``POST /v1/time-off-requests/{id}/cancel``,
    ``GET /v1/agents/{id}/time-off-balance`` (an agent: their own; a supervisor: their
    teams)."""
    TIME_OFF_DECIDE = "time-off:decide"
    """``POST /v1/time-off-requests/{id}/decision`` (a supervisor: their teams' agents)."""
    ALLOTMENTS_MANAGE = "allotments:manage"
    """``PUT /v1/time-off-allotments``."""
    ALLOTMENTS_READ = "allotments:read"
    """``GET /v1/time-off-allotments``."""
    AUDIT_READ = "audit:read"
    """``GET /v1/audit``: every request, decision and edit."""
    SWAPS_TRADE = "swaps:trade"
    """``POST/GET /v1/swaps``, ``POST /v1/swaps/{id}/accept`` (an agent: their own shifts and
    the offers open to them; a supervisor: their teams)."""
    CALENDAR_MANAGE = "calendar:manage"
    """``POST/DELETE /v1/agents/{id}/calendar-token`` (an agent: their own feed). The feed
    itself, ``GET /v1/agents/{id}/calendar.ics?token=``, is opened by its token alone."""
    ROSTERS_REPLAN = "rosters:replan"
    """``POST /v1/rosters/{id}/replan`` (a job: the published week re-solved, keeping what is
    published)."""
    NOTIFICATIONS_READ = "notifications:read"
    """``GET /v1/agents/{id}/notifications`` (an agent: their own; a supervisor: their teams)."""
    ROSTERS_EDIT = "rosters:edit"
    """``PATCH /v1/rosters/{id}/rows`` (move, shorten, add, delete rows)."""
    ROSTER_CHANGES_READ = "roster-changes:read"
    """``GET /v1/rosters/{id}/changes`` (a supervisor: their teams' agents)."""
    SWAPS_DECIDE = "swaps:decide"
    """``POST /v1/swaps/{id}/decision`` (a supervisor: their teams' agents)."""


ADMITTED: Final[Mapping[Resource, tuple[str, ...]]] = MappingProxyType(
    {
        Resource.RECORDS_WRITE: (ADMIN, PLANNER),
        Resource.CONTACTS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT, DATA_SCIENTIST),
        Resource.INTERVALS_READ: (ADMIN, PLANNER, SUPERVISOR, DATA_SCIENTIST),
        Resource.KPIS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT, DATA_SCIENTIST),
        Resource.FORECASTS_TRAIN: (ADMIN, PLANNER, DATA_SCIENTIST),
        Resource.FORECASTS_READ: (ADMIN, PLANNER, SUPERVISOR, DATA_SCIENTIST),
        Resource.MODELS_MANAGE: (ADMIN, DATA_SCIENTIST),
        Resource.MODELS_READ: (ADMIN, PLANNER, DATA_SCIENTIST),
        Resource.STAFFING_COMPUTE: (ADMIN, PLANNER, SUPERVISOR),
        Resource.ROSTERS_PLAN: (ADMIN, PLANNER),
        Resource.ROSTERS_READ: (ADMIN, PLANNER, SUPERVISOR),
        Resource.AGENT_SCHEDULE_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.JOBS_READ: (ADMIN, PLANNER, DATA_SCIENTIST),
        Resource.JOBS_CANCEL: (ADMIN, PLANNER, DATA_SCIENTIST),
        Resource.ROUTING: (ADMIN, ROUTING),
        Resource.ALERTS_READ: (ADMIN, SUPERVISOR),
        Resource.ALERTS_ACKNOWLEDGE: (ADMIN, SUPERVISOR),
        Resource.ALERT_DELIVERIES_READ: (ADMIN,),
        Resource.RECOMMENDATIONS_READ: (ADMIN, PLANNER, SUPERVISOR),
        Resource.PEOPLE_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.REALTIME_READ: (ADMIN, PLANNER, SUPERVISOR),
        Resource.ME_READ: ROLES,
        Resource.SIMULATIONS_RUN: (ADMIN, PLANNER, SUPERVISOR),
        Resource.CAPACITY_PLAN: (ADMIN, PLANNER),
        Resource.CAPACITY_READ: (ADMIN, PLANNER, SUPERVISOR),
        Resource.SOURCES_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT, DATA_SCIENTIST),
        Resource.EXPORTS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT, DATA_SCIENTIST),
        Resource.ASK: (ADMIN, PLANNER, SUPERVISOR, AGENT, DATA_SCIENTIST),
        Resource.AGENTS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.TIME_OFF_REQUEST: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.TIME_OFF_DECIDE: (ADMIN, PLANNER, SUPERVISOR),
        Resource.ALLOTMENTS_MANAGE: (ADMIN, PLANNER),
        Resource.ALLOTMENTS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.AUDIT_READ: (ADMIN, PLANNER),
        Resource.SWAPS_TRADE: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.SWAPS_DECIDE: (ADMIN, PLANNER, SUPERVISOR),
        Resource.ROSTERS_REPLAN: (ADMIN, PLANNER),
        Resource.ROSTER_CHANGES_READ: (ADMIN, PLANNER, SUPERVISOR),
        Resource.ROSTERS_EDIT: (ADMIN, PLANNER),
        Resource.NOTIFICATIONS_READ: (ADMIN, PLANNER, SUPERVISOR, AGENT),
        Resource.CALENDAR_MANAGE: (ADMIN, PLANNER, SUPERVISOR, AGENT),
    }
)
"""Resource -> the roles it admits (every other role gets 403)."""


def admitted(resource: Resource) -> tuple[str, ...]:
    """The roles `resource` admits.

    Examples
    --------
    >>> admitted(Resource.ROUTING)
    ('admin', 'routing')
    """
    return ADMITTED[resource]
