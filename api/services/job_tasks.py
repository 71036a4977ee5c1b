"""The work behind each job kind, run in a pool thread or on a Dask worker.

:func:`run_job` is a plain picklable function: it opens the database by URL (through the
process's one engine for it, :func:`features.store.engine.shared_engine`), marks the job
running, calls the pure packages (forecasting, scheduling) with a progress callback that writes
the percent to the jobs table, and stores the result, so nothing here depends on where it runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pandas as pd

from api.params import local_instant
from api.schemas.common import frame_records, json_ready
from api.services.actuals import read_actuals
from api.services.capacity_tasks import run_capacity_plan
from api.services.plan_tasks import run_week_plan
from features.calendar import intervals_in_days
from features.errors import FieldError, Infeasible, InvalidInput, SeatwiseError
from features.schema import (
    FORECAST_COLUMNS,
    MIN_TRAIN_DAYS,
    QUEUE,
    ROSTER_COLUMNS,
    ProgressCallback,
)
from features.store.engine import shared_engine
from features.store.records_store import Store
from features.store.service_store import ServiceStore, utc_now

if TYPE_CHECKING:
    from scheduling.roster.solver import RosterResult

logger = logging.getLogger(__name__)


DEFAULT_BACKTEST_MODELS = ("seasonal_naive", "seasonal_average", "ets")
"""Models backtested when the request names none."""


class JobStopped(SeatwiseError):
    """Raised by a job's progress callback to end its task early (see :func:`run_job`)."""


class JobCancelled(JobStopped):
    """The job was cancelled (or ended by another process) while it ran."""


class JobTimedOut(JobStopped):
    """The job ran past its kind's maximum run time (:data:`MAX_RUN_S`)."""


@dataclass(frozen=True)
class TaskContext:
    """Where a task finds its data: the database URL, MLflow URI and the site's zone."""

    database_url: str
    mlflow_uri: str | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class TaskOutcome:
    """What a finished task leaves: a JSON-ready summary and the URL of its result."""

    result: Any
    result_url: str | None


Task = Callable[[str, dict[str, Any], TaskContext, ProgressCallback], TaskOutcome]


def service_store(context: TaskContext) -> ServiceStore:
    return ServiceStore(shared_engine(context.database_url))


def _bound(params: dict[str, Any], name: str, timezone: str) -> pd.Timestamp | None:
    """An optional instant parameter of a task (naive: local to `timezone`)."""
    text = params.get(name)
    return local_instant(text, timezone, name) if text else None


def load_history(
    context: TaskContext,
    queues: list[str] | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    freq_minutes: int,
    timezone: str,
) -> pd.DataFrame:
    """Interval history (HISTORY_COLUMNS) computed from the stored contacts.

    Raises
    ------
    InvalidInput
        When no contact is stored for these queues and dates.
    """
    history = read_actuals(Store(context.database_url), start, end, queues, timezone, freq_minutes)
    if history.empty:
        rule = "no contacts stored for these queues and dates"
        raise InvalidInput(
            "no stored contacts to learn from", [FieldError(None, "queues", rule, queues)]
        )
    return history


def train_forecast(
    job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
) -> TaskOutcome:
    """Fit a forecaster on the stored history and store its forecast under run id `job_id`."""
    import forecasting

    timezone = params.get("timezone") or context.timezone
    freq = int(params.get("freq_minutes", 15))
    progress(0.05, "reading history")
    history = load_history(
        context,
        params.get("queues"),
        _bound(params, "history_start", timezone),
        _bound(params, "history_end", timezone),
        freq,
        timezone,
    )
    start = local_instant(params["start"], timezone, "start")
    periods = intervals_in_days(start, int(params["days"]), freq)
    progress(0.3, f"fitting {params.get('model', 'auto')}")
    forecaster = forecasting.make_forecaster(
        params.get("model", "auto"), country=params.get("country")
    )
    forecast = forecaster.fit(history).predict(start, periods)
    progress(0.8, "storing forecast")
    frame = forecast.reindex(columns=FORECAST_COLUMNS)
    written = service_store(context).add_forecast(job_id, frame)
    summary: dict[str, Any] = {
        "rows": written,
        "queues": sorted(frame[QUEUE].astype(str).unique().tolist()),
        "model": str(frame["model"].iloc[0]),
    }
    if params.get("register_as"):
        from forecasting import registry

        progress(0.9, "registering in MLflow")
        run_id = registry.log_training_run(forecaster, history, uri=context.mlflow_uri)
        summary["mlflow_run_id"] = run_id
        summary["registered_version"] = registry.register_model(
            run_id, params["register_as"], uri=context.mlflow_uri
        )
    end = start + pd.Timedelta(minutes=freq * periods)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    return TaskOutcome(result=summary, result_url=f"/v1/forecasts?{urlencode(query)}")


def run_backtest(
    job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
) -> TaskOutcome:
    """Rolling-origin backtest of the requested models on the stored history, logged to
    MLflow (one run per model)."""
    import forecasting
    from forecasting import registry
    from forecasting.backtest import winner_metrics

    timezone = params.get("timezone") or context.timezone
    progress(0.05, "reading history")
    history = load_history(
        context, params.get("queues"), None, None, int(params.get("freq_minutes", 15)), timezone
    )
    progress(0.2, "backtesting")
    names = params.get("models") or list(DEFAULT_BACKTEST_MODELS)
    country = params.get("country")
    folds = params.get("folds")
    result = forecasting.backtest(
        history,
        [forecasting.make_forecaster(name, country=country) for name in names],
        horizon_days=int(params["horizon_days"]),
        folds=None if folds is None else int(folds),
        min_train_days=int(params.get("min_train_days", MIN_TRAIN_DAYS)),
        progress=lambda f, m: progress(0.2 + 0.7 * f, m),
    )
    progress(0.92, "logging to MLflow")
    runs = registry.log_backtest(
        result,
        params={
            "horizon_days": params["horizon_days"],
            "folds": folds if folds is not None else "every origin",
            "country": params.get("country") or "none",
        },
        uri=context.mlflow_uri,
    )
    outcome: dict[str, Any] = {
        "summary": frame_records(result.summary()),
        "picks": frame_records(result.picks),
        "coverage_by_horizon": frame_records(result.coverage_by_horizon()),
        "metrics": frame_records(result.metrics),
        "mlflow_runs": runs,
    }
    if params.get("register_as"):
        best, metrics = winner_metrics(result)
        progress(0.95, f"refitting {best} on the whole history and registering it")
        chosen = forecasting.make_forecaster(best, country=country).fit(history)
        run_id = registry.log_training_run(
            chosen,
            history,
            metrics=metrics,
            tags={"seatwise.backtest_run": runs[best]},
            uri=context.mlflow_uri,
        )
        outcome["registered_model"] = best
        outcome["registered_version"] = registry.register_model(
            run_id, params["register_as"], uri=context.mlflow_uri
        )
    return TaskOutcome(result=outcome, result_url=f"/v1/jobs/{job_id}")


def solve_roster_job(
    job_id: str, params: dict[str, Any], context: TaskContext, progress: ProgressCallback
) -> TaskOutcome:
    """Solve the stored scenario of roster ``params['roster_id']`` and store the result."""
    from scheduling.roster.scenario import load_scenario
    from scheduling.roster.solver import solve_roster

    roster_id = params["roster_id"]
    store = service_store(context)
    roster = store.get_roster(roster_id)
    store.update_roster(roster_id, status="solving")
    time_limit = float(params.get("time_limit_s", 30.0))
    progress(0.1, "solving")
    try:
        result = solve_roster(
            load_scenario(roster.scenario),
            time_limit_s=time_limit,
            seed=int(params.get("seed", 0)),
            work_limit=params.get("work_limit"),
            progress=lambda fraction, message: progress(0.1 + 0.85 * fraction, message),
        )
    except JobCancelled:
        store.update_roster(roster_id, status="cancelled")
        raise
    except Infeasible as exc:
        conflicts = [
            {"rule": c.rule, "detail": c.detail, "agents": list(c.agents)} for c in exc.conflicts
        ]
        store.update_roster(roster_id, status="infeasible", conflicts=conflicts)
        raise
    except Exception:
        store.update_roster(roster_id, status="failed")
        raise
    store_solved_roster(store, roster_id, result)
    return TaskOutcome(
        result={
            "status": str(result.status),
            "objective": _number(result.objective),
            "reproducible": result.reproducible,
            "summary": result.summary,
        },
        result_url=f"/v1/rosters/{roster_id}",
    )


def store_solved_roster(
    store: ServiceStore,
    roster_id: str,
    result: RosterResult,
    extra_report: dict[str, Any] | None = None,
) -> None:
    """Record a solved roster: status, objective and its terms, bound, rows, coverage and the
    report (:func:`roster_report_json`, with `extra_report` merged in)."""
    store.update_roster(
        roster_id,
        status="solved",
        solver_status=str(result.status),
        objective=_number(result.objective),
        objective_terms={k: _number(v) for k, v in dict(result.objective_terms).items()},
        lower_bound=_number(result.lower_bound),
        gap=_number(result.gap),
        rows=frame_records(result.roster.reindex(columns=ROSTER_COLUMNS)),
        coverage=frame_records(result.coverage),
        report={**roster_report_json(result), **json_ready(extra_report or {})},
    )


def roster_report_json(result: RosterResult) -> dict[str, Any]:
    """What a stored roster says about itself: the planner report (coverage per queue, gaps,
    preferences, fairness, summary) and the search's seed, work and reproducibility."""
    report = result.report.to_dict() if result.report is not None else {}
    report.update(
        reproducible=result.reproducible,
        seed=result.seed,
        work_limit=result.work_limit,
        work_used=result.work_used,
        summary=result.summary,
    )
    return dict(json_ready(report))


def _number(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


JOB_KINDS: dict[str, Task] = {
    "forecast": train_forecast,
    "backtest": run_backtest,
    "roster": solve_roster_job,
    "capacity": run_capacity_plan,
    "plan": run_week_plan,
}
"""Every job kind and the task that does it."""


MAX_RUN_S: dict[str, float] = {
    "forecast": 900.0,
    "backtest": 1800.0,
    "roster": 900.0,
    "capacity": 900.0,
    "plan": 1800.0,
}
"""Longest a job of each kind may run, seconds (above the longest solver budget a request may
ask for, 600 s); past it the job fails with :func:`time_limit_message`."""

PROGRESS_EVERY_S = 0.2
"""Progress is written (and cancellation checked) at most this often, seconds."""


def time_limit_message(kind: str) -> str:
    """The error of a `kind` job that ran past :data:`MAX_RUN_S`."""
    return f"exceeded the maximum run time of {MAX_RUN_S[kind]:.0f} s for a {kind} job"


def run_job(kind: str, job_id: str, params: dict[str, Any], context: TaskContext) -> None:
    """Run one job to the end, recording running → done, failed or cancelled in the jobs table.

    A job cancelled while queued never starts. While it runs, every progress report (at most
    every :data:`PROGRESS_EVERY_S`) checks that the job is still running and within its kind's
    :data:`MAX_RUN_S`; otherwise the task is stopped by :class:`JobStopped` raised from its
    progress callback, and the job keeps the end it was given (cancelled) or fails with
    :func:`time_limit_message`.

    Parameters
    ----------
    kind:
        A key of :data:`JOB_KINDS`.
    job_id:
        The job's row in the jobs table.
    params:
        The task's parameters (JSON-ready).
    context:
        Database URL, MLflow URI and site zone.
    """
    store = service_store(context)
    limit_s = MAX_RUN_S[kind]
    if not store.start_job(job_id, utc_now() + timedelta(seconds=limit_s)):
        logger.info("job %s (%s) was not queued any more; not started", job_id, kind)
        return
    deadline = time.monotonic() + limit_s
    last = {"at": 0.0}

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now > deadline:
            raise JobTimedOut(time_limit_message(kind))
        if now - last["at"] < PROGRESS_EVERY_S and fraction < 1.0:
            return
        last["at"] = now
        percent = round(100.0 * max(0.0, min(1.0, fraction)), 1)
        if not store.report_progress(job_id, percent, message):
            raise JobCancelled(f"job '{job_id}' is no longer running")

    try:
        outcome = JOB_KINDS[kind](job_id, params, context, progress)
    except JobCancelled:
        logger.info("job %s (%s) stopped: it was cancelled", job_id, kind)
        return
    except JobTimedOut as exc:
        store.finish_job(job_id, "failed", error=str(exc), message="time limit exceeded")
        return
    except (InvalidInput, Infeasible) as exc:
        store.finish_job(job_id, "failed", error=str(exc), message="rejected")
        return
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, kind)
        store.finish_job(job_id, "failed", error=f"{type(exc).__name__}: {exc}", message="failed")
        return
    store.finish_job(
        job_id,
        "done",
        percent=100.0,
        message="done",
        result=outcome.result,
        result_url=outcome.result_url,
    )
