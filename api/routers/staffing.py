"""Staffing: Erlang C/A requirements for forecast rows and service targets."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter

from api.deps import SettingsDep, roles_route
from api.params import valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID, frame_records
from api.schemas.staffing import RequirementPublic, StaffingCreate, StaffingPublic, TargetsCreate
from features.records.frame_io import parse_instants
from features.schema import INTERVAL_START, QUEUE
from scheduling.requirements import ServiceTargets, compute_requirements

router = APIRouter(prefix="/v1/staffing", tags=["staffing"])


def _targets(body: TargetsCreate) -> ServiceTargets:
    return ServiceTargets(**body.model_dump())


@router.post("", **roles_route(Resource.STAFFING_COMPUTE, responses=INVALID))
def create_staffing(body: StaffingCreate, settings: SettingsDep) -> StaffingPublic:
    """Agents needed on each queue in each interval (productive, and scheduled after
    shrinkage), with the expected service level, speed of answer (s) and occupancy."""
    timezone = valid_timezone(body.timezone or settings.timezone)
    forecast = pd.DataFrame([row.model_dump() for row in body.forecast])
    forecast[INTERVAL_START] = parse_instants(forecast[INTERVAL_START], INTERVAL_START, timezone)
    forecast["aht_s"] = pd.to_numeric(forecast["aht_s"], errors="coerce")
    default = _targets(body.targets)
    targets: ServiceTargets | dict[str, ServiceTargets] = default
    if body.queue_targets:
        per_queue = {str(q): default for q in forecast[QUEUE].unique()}
        per_queue.update({q: _targets(t) for q, t in body.queue_targets.items()})
        targets = per_queue
    requirements = compute_requirements(
        forecast,
        targets,
        interval_minutes=body.interval_minutes,
        default_aht_s=body.default_aht_s,
    )
    return StaffingPublic(rows=[RequirementPublic(**r) for r in frame_records(requirements)])
