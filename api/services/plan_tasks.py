"""Week plans as jobs: the job kind ``plan`` behind ``POST /v1/plans``, and the stored inputs
``seatwise plan`` reads without ``--history``.

:func:`run_week_plan` reads what a plan needs from the store (the stored agents and their
contracts, the contact records of the weeks before the planned week), runs
:func:`api.services.planning.plan_week` with the job's progress, and stores the roster it solved
(with its scenario and report, the plan's service check under ``report["plan"]``) so that
``GET /v1/rosters/{id}`` shows it and ``POST /v1/rosters/{id}/publish`` publishes it.

The planning packages are imported inside the functions: OR-Tools and statsmodels are heavy, and
every API process imports the job table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from api.schemas.common import json_ready
from features.calendar import check_timezone, local_midnight
from features.errors import FieldError, InvalidInput
from features.schema import ProgressCallback
from features.store.people_store import PeopleStore
from features.store.records_store import Store
from scheduling.risk import DEFAULT_CONFIDENCE

if TYPE_CHECKING:
    from api.services.job_tasks import TaskContext, TaskOutcome

DEFAULT_HISTORY_WEEKS = 52
"""Weeks of stored contacts before the planned week a plan learns from."""


def stored_plan_inputs(
    database_url: str,
    queues: list[str] | None,
    week_start: dt.date,
    weeks: int,
    timezone: str,
    interval_minutes: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Interval history and contact records of `queues` (all when None) from the store, for the
    `weeks` weeks before the local week starting `week_start`.

    Raises
    ------
    InvalidInput
        When no contact of those queues is stored in those weeks.
    """
    from features.measures.intervals import build_intervals

    zone = check_timezone(timezone)
    end = local_midnight(week_start, zone)
    start = end - pd.Timedelta(weeks=weeks)
    store = Store(database_url)
    try:
        store.migrate()
        contacts = store.read_contacts(start, end, queues or None)
    finally:
        store.dispose()
    if contacts.empty:
        raise InvalidInput(
            f"no stored contacts of {', '.join(queues or []) or 'any queue'} in the {weeks} "
            f"weeks before {week_start}; ingest them first",
            [FieldError(None, "history", "no stored contacts before the week", str(week_start))],
        )
    history = build_intervals(contacts, freq_minutes=interval_minutes, timezone=zone)
    return history, contacts


def stored_agents(database_url: str, queues: list[str] | None) -> list[dict[str, Any]]:
    """The stored agents (DESIGN.md "agents" records) holding a skill in `queues` (any queue
    when None), their approved time off (:mod:`api.services.time_off`) among their
    ``time_off`` days.

    Raises
    ------
    InvalidInput
        When no stored agent holds one of the queues' skills.
    """
    from api.services.time_off import with_approved_time_off

    store = Store(database_url)
    frame = store.read_agents()
    agents = with_approved_time_off(
        [dict(json_ready(record)) for record in frame.to_dict("records")],
        PeopleStore(store.engine),
    )
    wanted = set(queues or [])
    chosen = [
        {k: v for k, v in agent.items() if v is not None}
        for agent in agents
        if not wanted or wanted & set((agent.get("skills") or {}).keys())
    ]
    if not chosen:
        raise InvalidInput(
            "no stored agent holds a skill of the queues to plan; put the agents first",
            [FieldError(None, "agents", "no stored agent with these skills", sorted(wanted))],
        )
    return chosen


def run_week_plan(
    job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
) -> TaskOutcome:
    """Plan the week of ``params['week_start']`` from the stored agents and contacts, store the
    roster (its id is the job's) and return the plan's report."""
    from api.services.job_tasks import TaskOutcome, service_store, store_solved_roster
    from api.services.planning import PlanOptions, plan_report, plan_week

    zone = check_timezone(params.get("timezone") or context.timezone)
    minutes = int(params.get("interval_minutes", 15))
    week = dt.date.fromisoformat(params["week_start"])
    queues = params.get("queues") or None
    progress(0.02, "reading the stored agents and contacts")
    agents = stored_agents(context.database_url, queues)
    history, contacts = stored_plan_inputs(
        context.database_url,
        queues,
        week,
        int(params.get("history_weeks", DEFAULT_HISTORY_WEEKS)),
        zone,
        minutes,
    )
    options = PlanOptions(
        week_start=week,
        model=params.get("model", "auto"),
        country=params.get("country"),
        service_level=params.get("service_level"),
        threshold_s=params.get("threshold_s"),
        # 0 staffs the point forecast; a job without the key gets the planning default.
        confidence=params.get("confidence", DEFAULT_CONFIDENCE) or None,
        shrinkage=float(params.get("shrinkage", 0.0)),
        time_limit_s=float(params.get("time_limit_s", 60.0)),
        seed=int(params.get("seed", 0)),
    )
    plan = plan_week(
        history,
        options,
        agents=agents,
        timezone=zone,
        interval_minutes=minutes,
        contacts=contacts,
        progress=lambda fraction, message: progress(0.05 + 0.9 * fraction, message),
    )
    report = plan_report(plan, options, minutes)
    progress(0.97, "storing the roster")
    store = service_store(context)
    store.create_roster(job_id, plan.scenario, job_id)
    store_solved_roster(store, job_id, plan.result, {"plan": report})
    return TaskOutcome(
        result={"roster_id": job_id, **json_ready(report)},
        result_url=f"/v1/rosters/{job_id}",
    )
