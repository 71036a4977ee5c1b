"""Capacity plans as jobs, and the report both the job and ``seatwise capacity`` write.

:func:`run_capacity_plan` is the job kind ``capacity``: it reads what the scenario names from the
store (the interval history built from the stored contacts, and the stored agents when the
scenario says ``"agents": "stored"``), runs :func:`scheduling.capacity.plan_capacity` with the
job's progress, and keeps :func:`capacity_report` as the job's result, which
``GET /v1/capacity-plans/{id}`` serves.

``api.services.job_tasks`` is imported inside the functions (it lists this module's task in its
table of job kinds), and so are the planning packages (OR-Tools and statsmodels are heavy, and
every API process imports the job table).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from api.schemas.common import frame_records
from features.calendar import local_midnight
from features.errors import FieldError, InvalidInput
from features.schema import ProgressCallback

if TYPE_CHECKING:
    from api.services.job_tasks import TaskContext, TaskOutcome
    from scheduling.capacity import CapacityPlan, CapacityScenario
    from scheduling.capacity.scenario import AgentSpec

DEFAULT_HISTORY_MINUTES = 15
"""Interval length of a history built from stored contacts when the scenario names none."""
HISTORY_WEEKS_SHOWN = 104
"""Latest weeks of history the report carries (for the charts)."""


def stored_history(scenario: CapacityScenario, database_url: str) -> pd.DataFrame:
    """The interval history of the scenario's queues, built from the stored contacts.

    Raises
    ------
    InvalidInput
        When no contacts are stored for those queues and dates.
    """
    from api.services.job_tasks import TaskContext, load_history

    source = scenario.history
    tz = scenario.timezone
    start = local_midnight(source.start, tz) if source.start else None
    end = local_midnight(source.end + dt.timedelta(days=1), tz) if source.end else None
    queues = source.queues or list(scenario.queues)
    return load_history(
        TaskContext(database_url=database_url, timezone=tz),
        queues,
        start,
        end,
        source.interval_minutes or DEFAULT_HISTORY_MINUTES,
        tz,
    )


def stored_agents(scenario: CapacityScenario, database_url: str) -> list[AgentSpec] | None:
    """The stored agents as capacity agents when the scenario asks for them (else None)."""
    if scenario.agents != "stored":
        return None
    from features.store.records_store import Store
    from scheduling.capacity.supply import agents_from_records

    return agents_from_records(Store(database_url).read_agents())


def capacity_report(plan: CapacityPlan) -> dict[str, Any]:
    """The plan as one JSON-ready document (``report.json``, the job's result).

    Returns
    -------
    dict
        ``name, timezone, start_week, horizon_weeks, plan_to, queues, warnings``; ``forecast``
        (``weekly``, ``monthly``, ``history`` (latest weeks), ``backtest`` by horizon);
        ``scenarios`` (each: ``name, summary, explanation, solver, weekly, classes``) and
        ``comparison`` (one summary row per scenario).
    """
    history = plan.history
    if len(history):
        last = history["week_start"].max() - pd.Timedelta(days=7 * HISTORY_WEEKS_SHOWN)
        history = history[history["week_start"] > last]
    return {
        "name": plan.name,
        "timezone": plan.timezone,
        "start_week": plan.start_week.isoformat(),
        "horizon_weeks": plan.horizon_weeks,
        "plan_to": plan.plan_to,
        "queues": sorted(plan.forecast["queue"].astype(str).unique().tolist()),
        "warnings": list(plan.warnings),
        "forecast": {
            "weekly": frame_records(plan.forecast),
            "monthly": frame_records(plan.monthly),
            "history": frame_records(history),
            "backtest": frame_records(plan.backtest),
        },
        "scenarios": [
            {
                "name": s.name,
                "summary": s.summary,
                "explanation": s.explanation,
                "solver": s.solver,
                "weekly": frame_records(s.weekly.drop(columns=["scenario"])),
                "classes": frame_records(s.classes.drop(columns=["scenario"])),
            }
            for s in plan.scenarios
        ],
        "comparison": frame_records(plan.comparison()),
    }


def run_capacity_plan(
    job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
) -> TaskOutcome:
    """Plan the scenario ``params['scenario']`` on the stored history and agents."""
    from api.services.job_tasks import TaskOutcome
    from scheduling.capacity import load_capacity_scenario, plan_capacity

    scenario = load_capacity_scenario(params["scenario"])
    if scenario.history.source != "contacts":
        raise InvalidInput(
            "the service plans from the stored contacts",
            [FieldError(None, "history.source", "must be 'contacts'", scenario.history.source)],
        )
    progress(0.02, "reading history and agents")
    history = stored_history(scenario, context.database_url)
    agents = stored_agents(scenario, context.database_url)
    plan = plan_capacity(
        scenario,
        history,
        agents,
        progress=lambda fraction, message: progress(0.05 + 0.93 * fraction, message),
    )
    return TaskOutcome(result=capacity_report(plan), result_url=f"/v1/capacity-plans/{job_id}")
