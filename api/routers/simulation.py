"""Simulations: replay real contacts on a roster — how would last week's calls have gone?"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends

from api.auth import Principal, caller
from api.deps import ServiceStoreDep, SettingsDep, StoreDep, roles_route
from api.params import valid_timezone
from api.roles import Resource
from api.schemas.common import INVALID, NOT_FOUND, frame_records
from api.schemas.simulation import (
    MAX_CONTACTS,
    MAX_REPLAYED,
    MAX_WINDOW_DAYS,
    PatiencePublic,
    SimulationCreate,
    SimulationIntervalPublic,
    SimulationPublic,
    SimulationTargets,
    SimulationTotalPublic,
)
from api.scope import scoped_queues
from features.errors import FieldError, InvalidInput
from features.records.frame_io import parse_instants
from features.records.validation import validate_contacts
from features.schema import ROSTER_COLUMNS
from scheduling.requirements import ServiceTargets
from scheduling.simulation.replay import replay_roster

router = APIRouter(prefix="/v1/simulations", tags=["simulations"])


def _instant(text: str | None, field: str, timezone: str) -> pd.Timestamp | None:
    if text is None:
        return None
    return pd.Timestamp(parse_instants(pd.Series([text]), field, timezone).iloc[0])


def _roster_frame(rows: list[dict[str, Any]], timezone: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    if frame.empty:
        raise InvalidInput(
            "the roster has no rows", [FieldError(None, "roster", "needs at least one row")]
        )
    for column in ("start", "end"):
        frame[column] = parse_instants(frame[column].astype(str), column, timezone)
    return frame


def _targets(body: dict[str, SimulationTargets]) -> dict[str, ServiceTargets]:
    chosen = {}
    for queue, given in body.items():
        fields = given.model_dump(exclude_none=True)
        chosen[queue] = ServiceTargets.for_channel(fields.pop("channel"), **fields)
    return chosen


def _contacts(
    body: SimulationCreate,
    store: StoreDep,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
) -> pd.DataFrame:
    if body.contacts is not None:
        rows = pd.DataFrame([c.model_dump() for c in body.contacts])
        return validate_contacts(rows, timezone=body.timezone)
    if (
        start is None
        or end is None
        or not end > start
        or end - start > pd.Timedelta(days=MAX_WINDOW_DAYS)
    ):
        raise InvalidInput(
            f"the window must be after its start and at most {MAX_WINDOW_DAYS} days long",
            [FieldError(None, "end", f"within {MAX_WINDOW_DAYS} days after start", body.end)],
        )
    frame = store.read_contacts(start, end)
    if len(frame) > MAX_CONTACTS or len(frame) * body.replications > MAX_REPLAYED:
        raise InvalidInput(
            f"{len(frame):,} stored contacts in the window; replay at most {MAX_CONTACTS:,} "
            f"(and {MAX_REPLAYED:,} contact replays) per request: shorten the window",
            [FieldError(None, "end", "window holds too many contacts", len(frame))],
        )
    return frame


def _check_window(
    contacts: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> None:
    """A synchronous replay covers at most MAX_WINDOW_DAYS (its intervals are the result rows)."""
    arrivals = contacts["arrived_at"]
    low = start if start is not None else arrivals.min()
    high = end if end is not None else arrivals.max()
    if len(arrivals) and high - low > pd.Timedelta(days=MAX_WINDOW_DAYS):
        raise InvalidInput(
            f"the contacts span more than {MAX_WINDOW_DAYS} days; replay at most that per request",
            [FieldError(None, "contacts", f"must span at most {MAX_WINDOW_DAYS} days", str(low))],
        )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    finite = frame.replace([np.inf, -np.inf], np.nan)
    return frame_records(finite)


@router.post("", **roles_route(Resource.SIMULATIONS_RUN, responses={**INVALID, **NOT_FOUND}))
def create_simulation(
    body: SimulationCreate,
    settings: SettingsDep,
    store: StoreDep,
    service: ServiceStoreDep,
    principal: Annotated[Principal, Depends(caller(Resource.SIMULATIONS_RUN))],
) -> SimulationPublic:
    """Replay contacts (inline, or the stored ones of [start, end)) on a roster (stored or
    inline): offered, answered, abandoned, service level, ASA and occupancy per queue and
    interval, totals per queue and for the centre, the records' own totals beside them and the
    patience per queue the replay drew from. A supervisor sees only the queues of their teams."""
    timezone = valid_timezone(body.timezone or settings.timezone)
    start = _instant(body.start, "start", timezone)
    end = _instant(body.end, "end", timezone)
    if body.roster_id is not None:
        stored = service.get_roster(body.roster_id)
        roster = _roster_frame(list(stored.rows or []), timezone)
    else:
        roster = _roster_frame([r.model_dump() for r in body.roster or []], timezone)
    contacts = _contacts(body, store, start, end)
    _check_window(contacts, start, end)
    result = replay_roster(
        contacts,
        roster,
        start=start,
        end=end,
        timezone=timezone,
        interval_minutes=body.interval_minutes,
        targets=_targets(body.queue_targets),
        censored=body.patience,
        replications=body.replications,
        seed=body.seed,
    )
    visible = scoped_queues(principal, store)
    if visible is not None:
        result = result.for_queues(visible)
    return SimulationPublic(
        intervals=[SimulationIntervalPublic(**r) for r in _rows(result.intervals)],
        totals=[SimulationTotalPublic(**r) for r in _rows(result.totals)],
        observed=[SimulationTotalPublic(**r) for r in _rows(result.observed)],
        patience=[PatiencePublic(**r) for r in _rows(result.patience)],
    )
