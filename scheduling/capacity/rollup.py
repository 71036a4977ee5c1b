"""Required FTE per week and skill: interval staffing rolled up with shrinkage and contract hours.

For every interval of a week the staffing maths (:func:`scheduling.requirements.
compute_requirements`, Erlang C, or Erlang A with a patience) gives the productive agents that
meet the queue's service level, ASA and occupancy cap. Their sum times the interval length is
the week's productive agent-hours; paid hours are ``productive / (1 - shrinkage)`` with that
week's shrinkage, and ``FTE = paid hours / fte_hours`` (contract hours of one full-time
equivalent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import INTERVAL_START, QUEUE, WEEK_START, ProgressCallback
from forecasting.longrange import week_of
from scheduling.capacity.scenario import SHRINKAGE_PARTS, QueueTargets, ShrinkagePlan
from scheduling.requirements import ServiceTargets, compute_requirements

ROLLUP_COLUMNS = [QUEUE, WEEK_START, "volume", "aht_s", "agent_hours", "shrinkage", "fte"]
"""Roll-up: contacts and contact-weighted handle time (s) of the week, productive agent-hours,
shrinkage (share of paid time) and required FTE."""


def shrinkage_by_week(plan: ShrinkagePlan, mondays: Sequence[dt.date]) -> pd.DataFrame:
    """Shrinkage components and their total for each week.

    A period applies to the weeks whose Monday lies in ``[start, end]``; later periods override
    earlier ones where both give a component.

    Returns
    -------
    pandas.DataFrame
        ``week_start`` (date), one column per component of :data:`SHRINKAGE_PARTS` and ``total``.
    """
    rows = []
    for monday in mondays:
        parts = {part: getattr(plan.default, part) for part in SHRINKAGE_PARTS}
        for period in plan.weeks:
            if period.start <= monday <= period.end:
                for part in SHRINKAGE_PARTS:
                    if getattr(period, part) is not None:
                        parts[part] = getattr(period, part)
        rows.append({WEEK_START: monday, **parts, "total": sum(parts.values())})
    return pd.DataFrame(rows, columns=[WEEK_START, *SHRINKAGE_PARTS, "total"])


def service_targets(queues: Mapping[str, QueueTargets]) -> dict[str, ServiceTargets]:
    """Staffing-maths targets per queue, without shrinkage (it is applied per week here)."""
    return {
        name: ServiceTargets(
            service_level=t.service_level,
            threshold_s=t.threshold_s,
            asa_s=t.asa_s,
            max_occupancy=t.max_occupancy,
            shrinkage=0.0,
            patience_s=t.patience_s,
        )
        for name, t in queues.items()
    }


def required_fte(
    intervals: pd.DataFrame,
    targets: Mapping[str, QueueTargets],
    shrinkage: pd.DataFrame,
    fte_hours: float,
    interval_minutes: int,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Required FTE per queue and week.

    Parameters
    ----------
    intervals:
        ``queue``, tz-aware ``interval_start``, ``volume`` (contacts per interval) and ``aht_s``
        (seconds; NaN takes the queue's ``aht_s`` target).
    targets:
        Service targets (and fallback handle time) per queue.
    shrinkage:
        :func:`shrinkage_by_week` of the plan's weeks (``week_start`` dates, ``total``).
    fte_hours:
        Paid hours per week of one FTE.
    interval_minutes:
        Length of the intervals.
    progress:
        Optional callback (fraction, message) of the staffing maths.

    Returns
    -------
    pandas.DataFrame
        :data:`ROLLUP_COLUMNS`, one row per (queue, week of `shrinkage`); a week without
        contacts needs 0 FTE.

    Raises
    ------
    InvalidInput
        A queue without targets, or without handle times in the forecast and without an
        ``aht_s`` target.

    Examples
    --------
    Ten half-hours of 100 contacts at 180 s need 14 agents each (80/20): 70 productive hours;
    at 30 % shrinkage 100 paid hours, 2.5 FTE of 40 hours.
    """
    frame = intervals[[QUEUE, INTERVAL_START, "volume", "aht_s"]].copy()
    unknown = sorted(set(frame[QUEUE]) - set(targets))
    errors = [FieldError(None, f"queues.{q}", "queue needs service targets", q) for q in unknown]
    fallback = {q: t.aht_s for q, t in targets.items()}
    aht = frame["aht_s"].to_numpy(dtype=float)
    default = frame[QUEUE].map(fallback).to_numpy(dtype=float)
    missing = np.isnan(aht) & (frame["volume"].to_numpy() > 0)
    for queue in sorted(set(frame.loc[missing & np.isnan(default), QUEUE])):
        rule = "the history has no handle times for this queue: give its aht_s (seconds)"
        errors.append(FieldError(None, f"queues.{queue}.aht_s", rule))
    if errors:
        raise InvalidInput("cannot staff the forecast", errors)
    frame["aht_s"] = np.where(np.isnan(aht), default, aht)
    requirements = compute_requirements(
        frame, service_targets(targets), interval_minutes=interval_minutes, progress=progress
    )
    requirements[WEEK_START] = week_of(requirements[INTERVAL_START]).dt.date
    requirements["agent_hours"] = requirements["agents"] * interval_minutes / 60.0
    requirements["seconds"] = requirements["volume"] * requirements["aht_s"]
    weekly = requirements.groupby([QUEUE, WEEK_START], as_index=False)[
        ["volume", "seconds", "agent_hours"]
    ].sum()
    grid = pd.MultiIndex.from_product(
        [sorted(targets), list(shrinkage[WEEK_START])], names=[QUEUE, WEEK_START]
    ).to_frame(index=False)
    weekly = grid.merge(weekly, on=[QUEUE, WEEK_START], how="left").fillna(
        {"volume": 0.0, "seconds": 0.0, "agent_hours": 0.0}
    )
    weekly = weekly.merge(shrinkage[[WEEK_START, "total"]], on=WEEK_START, how="left")
    weekly["shrinkage"] = weekly["total"]
    with np.errstate(invalid="ignore", divide="ignore"):
        weekly["aht_s"] = np.where(
            weekly["volume"] > 0, weekly["seconds"] / weekly["volume"], np.nan
        )
    weekly["fte"] = weekly["agent_hours"] / (1.0 - weekly["shrinkage"]) / fte_hours
    weekly[QUEUE] = weekly[QUEUE].astype("str")
    return weekly[ROLLUP_COLUMNS]
