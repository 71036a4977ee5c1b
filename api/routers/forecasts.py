"""Forecasts: training jobs, and the newest stored forecast with actuals beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api.auth import Principal, caller
from api.deps import JobsDep, SettingsDep, SiteDep, StoreDep, roles_route
from api.params import MAX_RANGE_DAYS, QueuesQuery, checked_range, queues_in_scope, valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID, frame_records
from api.schemas.forecasts import ForecastCreate, ForecastPublic, ForecastRowPublic, IntervalMinutes
from api.schemas.jobs import JobAccepted
from api.services.actuals import forecast_with_actuals
from api.services.job_checks import check_stored_queues

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.FORECASTS_TRAIN, responses=INVALID),
)
def create_forecast(
    body: ForecastCreate,
    jobs: JobsDep,
    settings: SettingsDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.FORECASTS_TRAIN))],
) -> JobAccepted:
    """Check the request (422 for an unknown model, queue or name) and start a training job:
    fit on the stored history, store the forecast (poll the job)."""
    params = body.model_dump(mode="json")
    params["timezone"] = valid_timezone(body.timezone or settings.timezone)
    check_stored_queues(store, body.queues)
    job = jobs.submit("forecast", params, key_id=principal.key_id)
    return JobAccepted(job_id=job.job_id, url=f"/v1/jobs/{job.job_id}")


@router.get("", **roles_route(Resource.FORECASTS_READ, responses=INVALID))
def read_forecasts(
    start: datetime,
    end: datetime,
    site: SiteDep,
    principal: Annotated[Principal, Depends(caller(Resource.FORECASTS_READ))],
    queue: QueuesQuery = None,
    freq_minutes: Annotated[
        IntervalMinutes, Query(description="Interval length of the actuals, minutes")
    ] = 15,
) -> ForecastPublic:
    """The newest forecast of every interval in ``[start, end)``, with actual volume and
    handle time where contacts are stored (a supervisor sees only their teams' queues)."""
    low, high = checked_range(start, end, site.timezone, max_days=MAX_RANGE_DAYS)
    queues = queues_in_scope(principal, site.records, queue)
    rows = forecast_with_actuals(site, queues, low, high, freq_minutes)
    return ForecastPublic(rows=[ForecastRowPublic(**r) for r in frame_records(rows)])
