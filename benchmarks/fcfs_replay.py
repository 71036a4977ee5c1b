"""An independent first-come-first-served replay of real calls on a roster (for benchmarks only).

It shares no code with Seatwise's simulator (scheduling/simulation), so a plan is judged by a
referee it was not built against. Rules:

* every call keeps its real arrival instant, queue and handle time (seconds);
* patience: an abandoned call's patience is its real time to abandon; a served call's patience
  is unknown (censored at its real wait) and taken as unbounded — the replay cannot invent
  abandonment the records do not show, so abandonment is, if anything, understated;
* calls are taken in arrival order; each goes to the agent who can start it first among those
  whose roster row at that moment is ``work`` on the call's queue (an agent finishes a call past
  the end of the row; no pre-emption); a call whose earliest start is later than its patience
  abandons;
* service level per DESIGN.md: answered within the threshold over offered, calls abandoned
  within 5 s excluded from offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SHORT_ABANDON_S = 5.0


@dataclass(frozen=True)
class ReplayResult:
    """Per-call outcomes and the per (queue, interval) and per-queue tables of a replay."""

    calls: pd.DataFrame
    intervals: pd.DataFrame
    queues: pd.DataFrame


def replay(
    calls: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    interval_minutes: int,
    threshold_s: float = 20.0,
    target: float = 0.8,
    timezone: str,
) -> ReplayResult:
    """Replay `calls` on `roster`.

    Parameters
    ----------
    calls:
        ``queue``, tz-aware ``arrived_at``, ``handle_s`` (seconds, served calls) and
        ``patience_s`` (seconds; NaN = unbounded).
    roster:
        Roster rows ``agent_id``, ``activity``, ``queue``, tz-aware ``start``, ``end``.
    interval_minutes:
        Length of the reporting intervals (calls count in the interval they arrive in).
    threshold_s, target:
        Service-level threshold (seconds) and target share.
    timezone:
        The site's zone (intervals are local).
    """
    work = roster[roster["activity"] == "work"]
    windows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in work.itertuples(index=False):
        key = (str(row.agent_id), str(row.queue))
        windows.setdefault(key, []).append((_s(row.start), _s(row.end)))
    by_queue: dict[str, list[tuple[str, list[tuple[float, float]]]]] = {}
    for (agent, queue), spans in windows.items():
        by_queue.setdefault(queue, []).append((agent, sorted(spans)))
    free: dict[str, float] = {agent: -np.inf for agent in work["agent_id"].astype(str).unique()}
    ordered = calls.sort_values("arrived_at", kind="stable").reset_index(drop=True)
    arrive = np.array([_s(t) for t in ordered["arrived_at"]])
    handle = ordered["handle_s"].fillna(0.0).to_numpy(dtype=float)
    patience = ordered["patience_s"].fillna(np.inf).to_numpy(dtype=float)
    queue_of = ordered["queue"].astype(str).to_numpy()
    wait = np.full(len(ordered), np.nan)
    answered = np.zeros(len(ordered), dtype=bool)
    for i in range(len(ordered)):
        best_start, best_agent = np.inf, None
        for agent, spans in by_queue.get(queue_of[i], []):
            ready = max(arrive[i], free[agent])
            for begin, end in spans:
                if end <= ready:
                    continue
                start = max(ready, begin)
                if start < best_start:
                    best_start, best_agent = start, agent
                break
        if best_agent is not None and best_start - arrive[i] <= patience[i]:
            answered[i] = True
            wait[i] = best_start - arrive[i]
            free[best_agent] = best_start + handle[i]
        else:
            wait[i] = patience[i]
    ordered = ordered.assign(answered=answered, wait_s=wait)
    ordered["abandoned"] = ~ordered["answered"]
    ordered["short_abandon"] = ordered["abandoned"] & (ordered["wait_s"] <= SHORT_ABANDON_S)
    ordered["in_threshold"] = ordered["answered"] & (ordered["wait_s"] <= threshold_s)
    local = ordered["arrived_at"].dt.tz_convert(timezone)
    ordered["interval_start"] = local.dt.floor(f"{interval_minutes}min", ambiguous="infer")
    intervals = _table(ordered, ["queue", "interval_start"], target)
    queues = _table(ordered, ["queue"], target)
    met = intervals.groupby("queue")["meets_target"].mean().rename("intervals_meeting_target")
    queues = queues.join(met, on="queue")
    return ReplayResult(calls=ordered, intervals=intervals, queues=queues)


def _table(calls: pd.DataFrame, keys: list[str], target: float) -> pd.DataFrame:
    grouped = calls.groupby(keys, sort=True)
    table = grouped.agg(
        offered=("answered", "size"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        short_abandons=("short_abandon", "sum"),
        in_threshold=("in_threshold", "sum"),
    ).reset_index()
    asa = calls[calls["answered"]].groupby(keys)["wait_s"].mean().rename("asa_s")
    table = table.join(asa, on=keys)
    counted = (table["offered"] - table["short_abandons"]).clip(lower=0)
    table["service_level"] = np.where(
        counted > 0, table["in_threshold"] / counted.clip(lower=1), 1.0
    )
    table["abandon_rate"] = table["abandoned"] / table["offered"]
    table["meets_target"] = table["service_level"] >= target
    return table


def agent_hours(roster: pd.DataFrame) -> float:
    """Paid hours of a roster: each agent's shift from its first to its last row, per day."""
    if roster.empty:
        return 0.0
    spans = roster.groupby(["agent_id", "date"]).agg(start=("start", "min"), end=("end", "max"))
    return float((spans["end"] - spans["start"]).dt.total_seconds().sum() / 3600.0)


def _s(instant: pd.Timestamp) -> float:
    return pd.Timestamp(instant).timestamp()
