"""Request parameters every router shares, declared and parsed once.

* instants: tz-aware; a naive instant is local time in the site's zone; outside 1970–2200 (the
  window of :mod:`features.records.plausibility`) it is rejected (422 naming the parameter);
* local days (``?date=``): whole days of that window in any zone, else 422 naming the parameter;
* ranges: ``[start, end)`` with end after start, optionally at most some days long;
* queue filters: the queues asked for ∩ the caller's scope;
* service targets: service level, threshold, occupancy cap and shrinkage as query parameters;
* the site's zone as a parameter (an IANA name).
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Annotated

import pandas as pd
from fastapi import Depends, Query
from pydantic import AfterValidator

from api.auth import Principal
from api.scope import scoped_queues
from features.calendar import is_timezone
from features.errors import FieldError, InvalidInput
from features.records.plausibility import EARLIEST_INSTANT, LATEST_INSTANT
from features.schema import DEFAULT_SL_THRESHOLD_S
from features.store.records_store import Store
from scheduling.requirements import ServiceTargets

FIRST_DAY = EARLIEST_INSTANT.date() + dt.timedelta(days=1)
"""First local day a request may name: it lies inside the window in every zone (UTC+14 too)."""
LAST_DAY = LATEST_INSTANT.date() - dt.timedelta(days=2)
"""Last local day a request may name: it ends inside the window in every zone (UTC-12 too)."""
INSTANT_RULE = (
    f"must lie between {EARLIEST_INSTANT.date().isoformat()} and "
    f"{LATEST_INSTANT.date().isoformat()}"
)
"""The rule an instant outside the plausibility window breaks."""
DAY_RULE = f"must be a day between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
"""The rule a local day outside the window breaks."""
MAX_RANGE_DAYS = 366
"""Longest range a history, KPI or forecast read may span, days."""

QueuesQuery = Annotated[list[str] | None, Query(description="Queues; all when omitted")]
"""``?queue=a&queue=b``: the queues asked for (None: every queue in scope)."""
ServiceLevel = Annotated[float, Query(ge=0, lt=1, description="Service-level target share")]
ThresholdS = Annotated[float, Query(ge=0, description="Service-level threshold, seconds")]
MaxOccupancy = Annotated[float, Query(gt=0, le=1, description="Occupancy cap (share)")]
Shrinkage = Annotated[float, Query(ge=0, lt=1, description="Shrinkage share")]


def local_instant(value: datetime | str | None, timezone: str, field: str) -> pd.Timestamp:
    """`value` (a datetime or ISO 8601 text) as a timestamp in `timezone` (naive values are
    local there; None is now).

    Raises
    ------
    InvalidInput
        (422) naming `field` when the instant lies outside 1970–2200.
    """
    try:
        stamp = pd.Timestamp.now(tz=timezone) if value is None else pd.Timestamp(value)
        stamp = stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)
        inside = EARLIEST_INSTANT <= stamp < LATEST_INSTANT
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(
            "instant out of range", [FieldError(None, field, str(exc), str(value))]
        ) from exc
    if not inside:
        raise InvalidInput(
            "instant out of range",
            [FieldError(None, field, INSTANT_RULE, str(value))],
        )
    return stamp


def _day_inside_window(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(DAY_RULE)
    return day


LocalDay = Annotated[
    dt.date,
    AfterValidator(_day_inside_window),
    Query(description=f"A local day (ISO date), {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"),
]
"""``?date=``: a local day of the site inside the plausibility window (422 naming it otherwise)."""


def utc_instant(value: datetime | None, field: str = "at") -> pd.Timestamp:
    """`value` (tz-aware; now when None) as a UTC nanosecond timestamp, checked like
    :func:`local_instant`."""
    return local_instant(value, "UTC", field).as_unit("ns")


def checked_range(
    start: datetime, end: datetime, timezone: str, *, max_days: int | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` in `timezone`.

    Parameters
    ----------
    start, end:
        Instants of the request (naive ones local to `timezone`).
    timezone:
        The zone the answer is in (the site's).
    max_days:
        Longest range accepted, days; no limit when None.

    Raises
    ------
    InvalidInput
        (422) when an instant is out of range, `end` is not after `start`, or the range is
        longer than `max_days`.
    """
    low, high = local_instant(start, timezone, "start"), local_instant(end, timezone, "end")
    if high <= low:
        raise InvalidInput(
            "empty range", [FieldError(None, "end", "must be after start", high.isoformat())]
        )
    if max_days is not None and high - low > pd.Timedelta(days=max_days):
        raise InvalidInput(
            "range too long",
            [FieldError(None, "end", f"at most {max_days} days after start", high.isoformat())],
        )
    return low, high


def queues_in_scope(
    principal: Principal, store: Store, wanted: list[str] | None
) -> list[str] | None:
    """The queues a request reads: the caller's scope ∩ the `wanted` ones (None: no filter,
    for an unrestricted caller who asked for no queue in particular)."""
    allowed = scoped_queues(principal, store)
    if allowed is None:
        return wanted
    return sorted(allowed if wanted is None else allowed.intersection(wanted))


def valid_timezone(name: str) -> str:
    """`name` when it is an IANA zone; InvalidInput (422) otherwise."""
    if not is_timezone(name):
        raise InvalidInput(
            "unknown timezone",
            [FieldError(None, "timezone", "must be an IANA zone like Europe/Berlin", name)],
        )
    return name


def service_targets(
    service_level: ServiceLevel = 0.8,
    threshold_s: ThresholdS = DEFAULT_SL_THRESHOLD_S,
    max_occupancy: MaxOccupancy = 0.85,
    shrinkage: Shrinkage = 0.3,
) -> ServiceTargets:
    """The service targets named by the query (``service_level``, ``threshold_s`` seconds,
    ``max_occupancy``, ``shrinkage``), defaults 80 % in 20 s, 85 % occupancy, 30 % shrinkage."""
    return ServiceTargets(
        service_level=service_level,
        threshold_s=threshold_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )


TargetsQuery = Annotated[ServiceTargets, Depends(service_targets)]
"""Service targets from the query string (see :func:`service_targets`)."""
