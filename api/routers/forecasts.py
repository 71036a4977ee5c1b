"""Forecasts: training jobs, and the newest stored forecast with actuals beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query, status

from api.deps import (
    JobsDep,
    Principal,
    ServiceStoreDep,
    SettingsDep,
    StoreDep,
    require_roles,
    roles_route,
    scoped_queues,
    valid_timezone,
)
from api.routers.history import checked_range
from api.schemas.common import INVALID, frame_records
from api.schemas.forecasts import ForecastCreate, ForecastPublic, ForecastRowPublic, IntervalMinutes
from api.schemas.jobs import JobAccepted
from features.measures.intervals import build_intervals

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"])

TRAINERS = ("admin", "planner", "data_scientist")
READERS = ("admin", "planner", "supervisor", "data_scientist")


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(*TRAINERS, responses=INVALID),
)
def create_forecast(
    body: ForecastCreate,
    jobs: JobsDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*TRAINERS))],
) -> JobAccepted:
    """Start a training job: fit on the stored history, store the forecast (poll the job)."""
    params = body.model_dump(mode="json")
    params["timezone"] = valid_timezone(body.timezone or settings.timezone)
    job = jobs.submit("forecast", params, key_id=principal.key_id)
    return JobAccepted(job_id=job.job_id, url=f"/v1/jobs/{job.job_id}")


@router.get("", **roles_route(*READERS, responses=INVALID))
def read_forecasts(
    start: datetime,
    end: datetime,
    service: ServiceStoreDep,
    store: StoreDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
    queue: Annotated[list[str] | None, Query(description="Queues; all when omitted")] = None,
    freq_minutes: Annotated[
        IntervalMinutes, Query(description="Interval length of the actuals, minutes")
    ] = 15,
) -> ForecastPublic:
    """The newest forecast of every interval in ``[start, end)``, with actual volume and
    handle time where contacts are stored (a supervisor sees only their teams' queues)."""
    tz = settings.timezone
    low, high = checked_range(start, end, tz)
    allowed = scoped_queues(principal, store)
    queues = queue
    if allowed is not None:
        queues = sorted(allowed if queue is None else allowed.intersection(queue))
    forecast = service.read_latest_forecast(queues, low.to_pydatetime(), high.to_pydatetime())
    if forecast.empty:
        return ForecastPublic(rows=[])
    forecast["interval_start"] = forecast["interval_start"].dt.tz_convert(tz)
    contacts = store.read_contacts(low, high, sorted(forecast["queue"].unique()))
    if contacts.empty:
        forecast["actual_offered"] = float("nan")
        forecast["actual_aht_s"] = float("nan")
    else:
        history = build_intervals(contacts, freq_minutes=freq_minutes, timezone=tz)
        actuals = history[["queue", "interval_start", "offered", "aht_s"]].rename(
            columns={"offered": "actual_offered", "aht_s": "actual_aht_s"}
        )
        forecast = forecast.merge(actuals, on=["queue", "interval_start"], how="left")
    # An interval already over with no stored contact had none: its actual volume is 0.
    past = forecast["interval_start"] < pd.Timestamp.now(tz="UTC")
    forecast.loc[past, "actual_offered"] = forecast.loc[past, "actual_offered"].fillna(0.0)
    return ForecastPublic(rows=[ForecastRowPublic(**r) for r in frame_records(forecast)])
