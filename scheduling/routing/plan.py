"""Routing plans read from a roster: which queue each agent serves at a given instant."""

from __future__ import annotations

import pandas as pd

from features.errors import FieldError, InvalidInput

ROUTING_PLAN_COLUMNS = ["agent_id", "queue", "activity"]


def routing_plan_at(roster: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """Each rostered agent's activity at instant `at`.

    Parameters
    ----------
    roster:
        Roster rows (ROSTER_COLUMNS) with tz-aware `start`/`end`.
    at:
        A tz-aware instant.

    Returns
    -------
    pandas.DataFrame
        Columns agent_id, queue (the queue served; None unless working), activity, one row per
        agent whose roster holds `at` (start <= at < end), sorted by agent_id.

    Raises
    ------
    InvalidInput
        When `at` has no timezone.
    """
    at = pd.Timestamp(at)
    if at.tzinfo is None:
        raise InvalidInput(
            "routing plan instant needs a timezone offset",
            [FieldError(None, "at", "timestamp needs an offset", str(at))],
        )
    if roster.empty:
        return pd.DataFrame(columns=ROUTING_PLAN_COLUMNS)
    mask = (roster["start"] <= at) & (at < roster["end"])
    rows = roster.loc[mask, ROUTING_PLAN_COLUMNS].sort_values("agent_id", ignore_index=True)
    queue = rows["queue"].astype(object)
    rows["queue"] = queue.where(queue.notna(), None)
    return rows


def routing_plan(roster: pd.DataFrame) -> pd.DataFrame:
    """Work rows only: (agent_id, queue, start, end) — which queue each agent serves when."""
    work = roster[roster["activity"] == "work"]
    return work[["agent_id", "queue", "start", "end"]].sort_values(
        ["start", "agent_id"], ignore_index=True
    )
