"""Agent-state KPIs: time per state per interval, and occupancy per agent and per queue.

Definitions (times in seconds, clipped to each local-time interval):

- *busy* time = ``on_contact`` + ``acw`` time; *productive* (staffed) time = ``available`` +
  ``on_contact`` + ``acw`` time. Breaks, lunch, training, meetings and offline time count in
  neither.
- *agent occupancy* in an interval = busy / productive (NaN when the agent had no productive time).
- *queue occupancy* in an interval = the same ratio over the agents who worked the queue, with
  each agent's busy and productive time split across queues in proportion to the contacts the
  agent answered per queue **in that interval** (by ``answered_at``). When the agent answered
  nothing in the interval (idle time, or a long contact started earlier) the split uses the
  agent's contacts of the same local day, then of the whole input. An agent who answered no
  contact at all in the input is attributed to no queue.

Example: agent A is available 09:00-09:05, on a contact 09:05-09:12 and in after-contact work
09:12-09:15, answering one billing and one sales contact in that interval; agent B is available
all 15 minutes and answered only sales contacts that day. Billing occupancy 09:00 =
(600 / 2) / (900 / 2) = 0.667; sales = (300 + 0) / (450 + 900) = 0.222.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.calendar import (
    NS_PER_MINUTE,
    check_freq_minutes,
    floor_local,
    floor_local_ns,
    ns_to_instants,
)
from features.errors import FieldError, InvalidInput
from features.schema import INTERVAL_START

BUSY_STATES = ("on_contact", "acw")
PRODUCTIVE_STATES = ("available", "on_contact", "acw")
AGENT_OCCUPANCY_COLUMNS = [
    "agent_id",
    INTERVAL_START,
    "available_s",
    "on_contact_s",
    "acw_s",
    "busy_s",
    "productive_s",
    "occupancy",
]
QUEUE_OCCUPANCY_COLUMNS = ["queue", INTERVAL_START, "busy_s", "productive_s", "occupancy"]


def _check_states(agent_states: pd.DataFrame) -> None:
    required = ["agent_id", "state", "started_at", "ended_at"]
    missing = [c for c in required if c not in agent_states.columns]
    if missing:
        raise InvalidInput(
            f"agent states lack column(s) {', '.join(missing)}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    errors: list[FieldError] = []
    for column in ("started_at", "ended_at"):
        if not isinstance(agent_states[column].dtype, pd.DatetimeTZDtype):
            rule = "must hold timezone-aware timestamps (parse with features.records.frame_io)"
            errors.append(FieldError(None, column, rule, str(agent_states[column].dtype)))
    if errors:
        raise InvalidInput("agent states have naive or unparsed timestamps", errors)
    backwards = (agent_states["ended_at"] < agent_states["started_at"]).to_numpy()
    for row in np.flatnonzero(backwards)[:1000]:
        errors.append(
            FieldError(
                int(row),
                "ended_at",
                "must not be before started_at",
                agent_states["ended_at"].iloc[row],
            )
        )
    if errors:
        raise InvalidInput(f"{int(backwards.sum())} agent state(s) end before they start", errors)


def state_seconds_per_interval(
    agent_states: pd.DataFrame,
    *,
    freq_minutes: int = 15,
    timezone: str = "UTC",
    states: tuple[str, ...] = PRODUCTIVE_STATES,
) -> pd.DataFrame:
    """Seconds each agent spent in each state, per local-time interval.

    Parameters
    ----------
    agent_states:
        Records ``agent_id, state, started_at, ended_at`` (timezone-aware instants).
    freq_minutes:
        Interval length in minutes.
    timezone:
        The site's zone; intervals are aligned on its wall clock.
    states:
        States to keep (others are dropped before splitting, which keeps long offline
        spans cheap).

    Returns
    -------
    pandas.DataFrame
        ``agent_id, interval_start, state, seconds``; one row per piece of a state record
        inside an interval, summed per (agent, interval, state).
    """
    names, agent, piece_start, state, seconds = _pieces(
        agent_states, freq_minutes, timezone, states
    )
    frame = pd.DataFrame(
        {
            "agent_id": names[agent],
            INTERVAL_START: piece_start,
            "state": np.asarray(states, dtype=object)[state],
            "seconds": seconds,
        }
    )
    summed = frame.groupby(["agent_id", INTERVAL_START, "state"])["seconds"].sum().reset_index()
    summed["agent_id"] = summed["agent_id"].astype("str")
    summed["state"] = summed["state"].astype("str")
    summed[INTERVAL_START] = ns_to_instants(summed[INTERVAL_START].to_numpy(), timezone)
    return summed


def _pieces(
    agent_states: pd.DataFrame, freq_minutes: int, timezone: str, states: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """State records cut at interval boundaries: (sorted agent names, agent code, interval
    start in ns, state code (index into `states`), seconds) per non-empty piece."""
    check_freq_minutes(freq_minutes)
    _check_states(agent_states)
    kept = agent_states[agent_states["state"].isin(states)]
    kept = kept[kept["ended_at"] > kept["started_at"]]
    codes, names = pd.factorize(kept["agent_id"].astype("str"), sort=True)
    state_codes = pd.Categorical(kept["state"].astype("str"), categories=list(states)).codes
    step = freq_minutes * NS_PER_MINUTE
    started = _ns(kept["started_at"])
    ended = _ns(kept["ended_at"])
    first = floor_local_ns(kept["started_at"], freq_minutes, timezone)
    pieces = np.maximum(1, -((first - ended) // step))  # ceil((ended - first) / step)
    row = np.repeat(np.arange(len(kept)), pieces)
    offset = np.arange(len(row)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    piece_start = first[row] + offset * step
    overlap = np.minimum(ended[row], piece_start + step) - np.maximum(started[row], piece_start)
    keep = overlap > 0
    return (
        np.asarray(names, dtype=object),
        np.asarray(codes)[row][keep],
        piece_start[keep],
        np.asarray(state_codes, dtype=np.int64)[row][keep],
        overlap[keep] / 1e9,
    )


def agent_occupancy(
    agent_states: pd.DataFrame, *, freq_minutes: int = 15, timezone: str = "UTC"
) -> pd.DataFrame:
    """Occupancy of each agent in each local-time interval.

    Returns
    -------
    pandas.DataFrame
        :data:`AGENT_OCCUPANCY_COLUMNS`: seconds available, on contact and in after-contact work,
        busy and productive seconds, and occupancy = busy / productive (0..1; NaN when the agent
        had no productive time in the interval).
    """
    names, agent, piece_start, state, seconds = _pieces(
        agent_states, freq_minutes, timezone, PRODUCTIVE_STATES
    )
    starts, start_index = np.unique(piece_start, return_inverse=True)
    key = agent.astype(np.int64) * max(len(starts), 1) + start_index
    keys, cell = np.unique(key, return_inverse=True)
    table = {
        f"{name}_s": np.bincount(
            cell, weights=np.where(state == k, seconds, 0.0), minlength=len(keys)
        ).astype("float64")
        for k, name in enumerate(PRODUCTIVE_STATES)
    }
    wide = pd.DataFrame(
        {
            "agent_id": pd.Series(names[keys // max(len(starts), 1)], dtype="str"),
            INTERVAL_START: ns_to_instants(starts[keys % max(len(starts), 1)], timezone),
            **table,
        }
    )
    wide["busy_s"] = wide["on_contact_s"] + wide["acw_s"]
    wide["productive_s"] = wide["busy_s"] + wide["available_s"]
    wide["occupancy"] = (wide["busy_s"] / wide["productive_s"]).where(wide["productive_s"] > 0)
    return wide[AGENT_OCCUPANCY_COLUMNS]


def queue_occupancy(
    agent_states: pd.DataFrame,
    contacts: pd.DataFrame,
    *,
    freq_minutes: int = 15,
    timezone: str = "UTC",
) -> pd.DataFrame:
    """Occupancy per queue and local-time interval, from agent states and answered contacts.

    Each agent's busy and productive seconds in an interval are shared among queues in
    proportion to the contacts the agent answered per queue in that interval (falling back to
    the same local day, then to the whole input; see the module docstring).

    Parameters
    ----------
    agent_states:
        ``agent_id, state, started_at, ended_at`` records.
    contacts:
        Contacts with ``queue``, ``agent_id`` and ``answered_at`` (only answered contacts with
        an agent count).
    freq_minutes, timezone:
        Interval length (minutes) and the site's zone.

    Returns
    -------
    pandas.DataFrame
        :data:`QUEUE_OCCUPANCY_COLUMNS`; occupancy in 0..1.
    """
    per_agent = agent_occupancy(agent_states, freq_minutes=freq_minutes, timezone=timezone)
    per_agent = per_agent[per_agent["productive_s"] > 0]
    empty = pd.DataFrame(
        {
            "queue": pd.Series(dtype="str"),
            INTERVAL_START: pd.Series(dtype=f"datetime64[ns, {timezone}]"),
            "busy_s": pd.Series(dtype="float64"),
            "productive_s": pd.Series(dtype="float64"),
            "occupancy": pd.Series(dtype="float64"),
        }
    )
    needed = {"queue", "agent_id", "answered_at"}
    if per_agent.empty or not needed <= set(contacts.columns):
        return empty
    answered = contacts.loc[
        contacts["answered_at"].notna() & contacts["agent_id"].notna(),
        ["queue", "agent_id", "answered_at"],
    ]
    if answered.empty:
        return empty
    work = pd.DataFrame(
        {
            "agent_id": answered["agent_id"].astype("str"),
            "queue": answered["queue"].astype("str"),
            INTERVAL_START: floor_local(answered["answered_at"], freq_minutes, timezone),
        }
    ).reset_index(drop=True)
    work["day"] = work[INTERVAL_START].dt.date
    agents = per_agent.copy()
    agents["agent_id"] = agents["agent_id"].astype("str")
    agents["day"] = agents[INTERVAL_START].dt.date
    levels = (["agent_id", INTERVAL_START], ["agent_id", "day"], ["agent_id"])
    attributed = []
    remaining = agents
    for keys in levels:
        counts = work.groupby([*keys, "queue"], as_index=False).size()
        counts["share"] = counts["size"] / counts.groupby(keys)["size"].transform("sum")
        joined = remaining.merge(counts[[*keys, "queue", "share"]], on=keys, how="left")
        matched = joined["share"].notna()
        attributed.append(joined[matched])
        unmatched_keys = joined.loc[~matched, ["agent_id", INTERVAL_START]]
        remaining = remaining.merge(unmatched_keys, on=["agent_id", INTERVAL_START])
        if remaining.empty:
            break
    shares = pd.concat(attributed, ignore_index=True)
    shares["busy_s"] = shares["busy_s"] * shares["share"]
    shares["productive_s"] = shares["productive_s"] * shares["share"]
    result = shares.groupby(["queue", INTERVAL_START], as_index=False)[
        ["busy_s", "productive_s"]
    ].sum()
    result["occupancy"] = result["busy_s"] / result["productive_s"]
    return result[QUEUE_OCCUPANCY_COLUMNS].sort_values(["queue", INTERVAL_START], ignore_index=True)


def _ns(values: pd.Series) -> np.ndarray:
    return (
        values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").astype(np.int64)
    )
