"""Models: backtest jobs, the registry's forecasters, and alias promotion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from api.auth import Principal, caller
from api.deps import JobsDep, SettingsDep, StoreDep, roles_route
from api.params import valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID, NOT_FOUND
from api.schemas.jobs import JobAccepted
from api.schemas.models import AliasCreate, AliasPublic, BacktestCreate, ModelPublic
from api.services.job_checks import check_backtest_work, check_stored_queues, stored_history_days
from api.services.job_tasks import DEFAULT_BACKTEST_MODELS
from forecasting import registry

router = APIRouter(prefix="/v1", tags=["models"])


@router.post(
    "/backtests",
    status_code=status.HTTP_202_ACCEPTED,
    **roles_route(Resource.MODELS_MANAGE, responses=INVALID),
)
def create_backtest(
    body: BacktestCreate,
    jobs: JobsDep,
    settings: SettingsDep,
    store: StoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.MODELS_MANAGE))],
) -> JobAccepted:
    """Check the request (422 for unknown models or queues, or folds × horizon × models past
    the bounds) and start a rolling-origin backtest job; its metrics per model and fold land
    in the job."""
    params = body.model_dump(mode="json")
    params["timezone"] = valid_timezone(body.timezone or settings.timezone)
    check_stored_queues(store, body.queues)
    check_backtest_work(
        body.folds,
        body.horizon_days,
        len(body.models or DEFAULT_BACKTEST_MODELS),
        body.min_train_days,
        stored_history_days(store) if body.folds is None else 0,
    )
    job = jobs.submit("backtest", params, key_id=principal.key_id)
    return JobAccepted(job_id=job.job_id, url=f"/v1/jobs/{job.job_id}")


@router.get("/models", **roles_route(Resource.MODELS_READ))
def read_models(settings: SettingsDep) -> list[ModelPublic]:
    """Every registered forecaster with its versions, aliases and metrics."""
    return [ModelPublic.model_validate(m) for m in registry.list_models(uri=settings.mlflow_uri)]


@router.post(
    "/models/{name}/aliases",
    **roles_route(Resource.MODELS_MANAGE, responses={**NOT_FOUND, **INVALID}),
)
def create_alias(name: str, body: AliasCreate, settings: SettingsDep) -> AliasPublic:
    """Point an alias (``champion``, ``challenger``) of a registered model at a version."""
    registry.promote(name, body.version, body.alias, uri=settings.mlflow_uri)
    return AliasPublic(name=name, alias=body.alias, version=body.version)
