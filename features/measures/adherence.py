"""Schedule adherence, conformance and exceptions: agent states against the published roster.

Definitions (minutes):

- *adherence* = minutes of scheduled activities during which the agent's state matched the
  activity, divided by the scheduled minutes. Work matches ``available``, ``on_contact`` and
  ``acw``; a break or lunch matches ``break`` or ``lunch``; training matches ``training`` and a
  meeting ``meeting``.
- *conformance* = worked minutes (``available`` + ``on_contact`` + ``acw`` at any time of the
  agent's rostered local days) divided by the scheduled work minutes of those days.
- *exceptions* per shift (an agent's rostered rows of one local date): ``late_login`` (the first
  state other than offline starts more than `grace_minutes` after the shift start),
  ``early_logoff`` (the last one ends more than `grace_minutes` before the shift end),
  ``absent`` (no state other than offline during the shift), and ``long_break`` (a break or
  lunch spell overlapping a scheduled break or lunch lasts more than `grace_minutes` longer
  than it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput

MATCHING_STATES: dict[str, tuple[str, ...]] = {
    "work": ("available", "on_contact", "acw"),
    "break": ("break", "lunch"),
    "lunch": ("break", "lunch"),
    "training": ("training",),
    "meeting": ("meeting",),
}
"""Agent states that count as doing each scheduled activity."""
WORK_STATES = MATCHING_STATES["work"]
BREAK_STATES = ("break", "lunch")
LOGIN_WINDOW = pd.Timedelta(hours=2)
"""How far before a shift's start (and after its end) a log-in (log-off) still belongs to it."""

PER_AGENT_COLUMNS = [
    "agent_id",
    "team",
    "scheduled_minutes",
    "adherent_minutes",
    "adherence",
    "scheduled_work_minutes",
    "worked_minutes",
    "conformance",
    "exceptions",
]
PER_TEAM_COLUMNS = ["team", "agents", *PER_AGENT_COLUMNS[2:]]
EXCEPTION_COLUMNS = [
    "agent_id",
    "team",
    "date",
    "kind",
    "scheduled",
    "actual",
    "minutes",
    "message",
]


@dataclass
class AdherenceReport:
    """Adherence per agent and per team, and the exceptions behind them.

    Attributes
    ----------
    per_agent:
        :data:`PER_AGENT_COLUMNS`: minutes scheduled, minutes in adherence, adherence (0..1),
        scheduled work minutes, worked minutes, conformance (worked / scheduled work) and the
        number of exceptions.
    per_team:
        :data:`PER_TEAM_COLUMNS`: the same sums and ratios over each team's agents.
    exceptions:
        :data:`EXCEPTION_COLUMNS`: one row per late log-in, early log-off, absence or long break
        with its minutes and a message.
    """

    per_agent: pd.DataFrame
    per_team: pd.DataFrame
    exceptions: pd.DataFrame


def _check(roster: pd.DataFrame, agent_states: pd.DataFrame, grace_minutes: float) -> None:
    errors: list[FieldError] = []
    for name, frame, needed, instants in (
        ("roster", roster, ("agent_id", "date", "activity", "start", "end"), ("start", "end")),
        (
            "agent_states",
            agent_states,
            ("agent_id", "state", "started_at", "ended_at"),
            ("started_at", "ended_at"),
        ),
    ):
        missing = [c for c in needed if c not in frame.columns]
        errors += [FieldError(None, f"{name}.{c}", "required column is missing") for c in missing]
        for column in instants:
            if column in frame.columns and not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                rule = "must hold timezone-aware timestamps"
                errors.append(FieldError(None, f"{name}.{column}", rule, str(frame[column].dtype)))
    if errors:
        raise InvalidInput("cannot compute adherence", errors)
    unknown = ~roster["activity"].isin(list(MATCHING_STATES))
    errors += [
        FieldError(int(i), "activity", f"must be one of {', '.join(MATCHING_STATES)}", a)
        for i, a in zip(np.flatnonzero(unknown), roster.loc[unknown, "activity"], strict=True)
    ]
    backwards = np.flatnonzero((roster["end"] < roster["start"]).to_numpy())
    errors += [
        FieldError(int(i), "end", "must not be before start", str(roster["end"].iloc[i]))
        for i in backwards
    ]
    if not grace_minutes >= 0:
        errors.append(FieldError(None, "grace_minutes", "must be >= 0 minutes", grace_minutes))
    if errors:
        raise InvalidInput("cannot compute adherence", errors)


def _ns(values: pd.Series) -> np.ndarray:
    return values.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8  # type: ignore[attr-defined, no-any-return]


def covered_ns(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Time (ns) covered by sorted, non-overlapping spans ``[starts, ends)`` up to each `at`.

    ``covered_ns(s, e, b) - covered_ns(s, e, a)`` is the overlap of the spans with ``[a, b)``.
    """
    if starts.size == 0:
        return np.zeros(at.shape, dtype=np.int64)
    length = ends - starts
    before = np.concatenate([[0], np.cumsum(length)])
    index = np.searchsorted(starts, at, side="right") - 1
    inside = np.where(index >= 0, np.minimum(at - starts[np.maximum(index, 0)], length[index]), 0)
    return np.where(index >= 0, before[np.maximum(index, 0)] + inside, 0)  # type: ignore[no-any-return]


def _spans(states: pd.DataFrame, wanted: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    chosen = states[states["state"].isin(list(wanted))]
    return _ns(chosen["started_at"]), _ns(chosen["ended_at"])


def _merged(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Touching or overlapping spans joined into spells."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    first = np.flatnonzero(np.concatenate([[True], starts[1:] > reach[:-1]]))
    return starts[first], np.maximum.reduceat(ends, first)


def _minutes(ns: np.ndarray | int) -> Any:
    return np.asarray(ns) / 60e9


def _team_of(agents: pd.DataFrame | None) -> dict[str, str]:
    if agents is None or len(agents) == 0 or "team" not in agents.columns:
        return {}
    frame = pd.DataFrame(agents)
    return {
        str(a): ("" if pd.isna(t) else str(t))
        for a, t in zip(frame["agent_id"], frame["team"], strict=True)
    }


def _clock(ns: int, zone: Any) -> str:
    return f"{pd.Timestamp(ns, tz='UTC').tz_convert(zone):%H:%M}"


def _exception(
    agent_id: str,
    day: str,
    kind: str,
    scheduled: int,
    actual: int | None,
    minutes: float,
    text: str,
) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "date": day,
        "kind": kind,
        "scheduled": scheduled,
        "actual": actual,
        "minutes": round(float(minutes), 1),
        "message": text,
    }


def _agent_exceptions(
    agent_id: str,
    rows: pd.DataFrame,
    states: pd.DataFrame,
    grace_ns: int,
    zone: Any,
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    online = states[states["state"] != "offline"]
    on_start, on_end = _ns(online["started_at"]), _ns(online["ended_at"])
    break_start, break_end = _merged(*_spans(states, BREAK_STATES))
    for date, shift in rows.groupby("date", sort=True):
        begin, finish = int(_ns(shift["start"]).min()), int(_ns(shift["end"]).max())
        near = (on_end > begin - LOGIN_WINDOW.value) & (on_start < finish + LOGIN_WINDOW.value)
        during = (on_end > begin) & (on_start < finish)

        day = str(date)[:10]
        if not during.any():
            length = _minutes(finish - begin)
            text = f"not logged in during the {length:.0f}-minute shift"
            found.append(_exception(agent_id, day, "absent", begin, None, length, text))
            continue
        login, logoff = int(on_start[near].min()), int(on_end[near].max())
        if login > begin + grace_ns:
            late = _minutes(login - begin)
            text = (
                f"logged in at {_clock(login, zone)}, {late:.0f} min after the "
                f"{_clock(begin, zone)} start"
            )
            found.append(_exception(agent_id, day, "late_login", begin, login, late, text))
        if logoff < finish - grace_ns:
            early = _minutes(finish - logoff)
            text = (
                f"logged off at {_clock(logoff, zone)}, {early:.0f} min before the "
                f"{_clock(finish, zone)} end"
            )
            found.append(_exception(agent_id, day, "early_logoff", finish, logoff, early, text))
        planned = shift[shift["activity"].isin(list(BREAK_STATES))]
        for p_start, p_end, activity in zip(
            _ns(planned["start"]), _ns(planned["end"]), planned["activity"], strict=True
        ):
            overlaps = (break_end > p_start) & (break_start < p_end)
            if not overlaps.any():
                continue
            taken = int((break_end[overlaps] - break_start[overlaps]).sum())
            excess = taken - int(p_end - p_start)
            if excess > grace_ns:
                over = _minutes(excess)
                text = (
                    f"{activity} of {_minutes(taken):.0f} min, scheduled "
                    f"{_minutes(int(p_end - p_start)):.0f} min ({over:.0f} min over)"
                )
                first = int(break_start[overlaps].min())
                found.append(
                    _exception(agent_id, day, "long_break", int(p_start), first, over, text)
                )
    return found


def adherence(
    roster: pd.DataFrame,
    agent_states: pd.DataFrame,
    agents: pd.DataFrame | None = None,
    *,
    grace_minutes: float = 5.0,
) -> AdherenceReport:
    """Adherence, conformance and exceptions of the rostered agents.

    Parameters
    ----------
    roster:
        Published roster rows (ROSTER_COLUMNS; ``start``/``end`` tz-aware, ``date`` the local
        date).
    agent_states:
        ``agent_id, state, started_at, ended_at`` (tz-aware) covering the roster's days; spans of
        one agent must not overlap.
    agents:
        ``agent_id`` and ``team`` of the agents (teams are empty when None).
    grace_minutes:
        Minutes of slack before a late log-in, early log-off or long break counts.

    Returns
    -------
    AdherenceReport
        Per agent, per team and the exceptions (see the module docstring). Ratios are NaN when
        nothing was scheduled.

    Raises
    ------
    InvalidInput
        Missing columns, naive timestamps, unknown activities, rows ending before they start.
    """
    _check(roster, agent_states, grace_minutes)
    teams = _team_of(agents)
    zone = roster["start"].dt.tz if len(roster) else "UTC"
    grace_ns = int(grace_minutes * 60e9)
    per_agent: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    states_by_agent = dict(tuple(agent_states.groupby(agent_states["agent_id"].astype(str))))
    empty_states = agent_states.iloc[0:0]
    for agent_id, rows in roster.groupby(roster["agent_id"].astype(str), sort=True):
        states = states_by_agent.get(agent_id, empty_states).sort_values("started_at")
        start_ns, end_ns = _ns(rows["start"]), _ns(rows["end"])
        matched = np.zeros(len(rows), dtype=np.int64)
        for activity, wanted in MATCHING_STATES.items():
            mine = (rows["activity"] == activity).to_numpy()
            if mine.any():
                s, e = _merged(*_spans(states, wanted))
                matched[mine] = covered_ns(s, e, end_ns[mine]) - covered_ns(s, e, start_ns[mine])
        scheduled = int((end_ns - start_ns).sum())
        work = (rows["activity"] == "work").to_numpy()
        scheduled_work = int((end_ns[work] - start_ns[work]).sum())
        local_dates = pd.to_datetime(rows["date"].astype(str).str[:10]).dt.date.unique()
        productive = states[states["state"].isin(list(WORK_STATES))]
        on_days = productive["started_at"].dt.tz_convert(zone).dt.date.isin(local_dates)
        worked = int(
            (_ns(productive["ended_at"]) - _ns(productive["started_at"]))[on_days.to_numpy()].sum()
        )
        found = _agent_exceptions(agent_id, rows, states, grace_ns, zone)
        exceptions += found
        per_agent.append(
            {
                "agent_id": agent_id,
                "team": teams.get(agent_id, ""),
                "scheduled_minutes": _minutes(scheduled),
                "adherent_minutes": _minutes(min(int(matched.sum()), scheduled)),
                "scheduled_work_minutes": _minutes(scheduled_work),
                "worked_minutes": _minutes(worked),
                "exceptions": len(found),
            }
        )
    agent_frame = pd.DataFrame(
        per_agent, columns=[c for c in PER_AGENT_COLUMNS if c not in ("adherence", "conformance")]
    )
    agent_frame = _with_ratios(agent_frame)[PER_AGENT_COLUMNS]
    sums = [
        "scheduled_minutes",
        "adherent_minutes",
        "scheduled_work_minutes",
        "worked_minutes",
        "exceptions",
    ]
    team_frame = agent_frame.groupby("team", as_index=False).agg(
        agents=("agent_id", "nunique"), **{c: (c, "sum") for c in sums}
    )
    team_frame = _with_ratios(team_frame)[PER_TEAM_COLUMNS]
    exception_frame = pd.DataFrame(
        exceptions, columns=[c for c in EXCEPTION_COLUMNS if c != "team"]
    )
    exception_frame.insert(1, "team", exception_frame["agent_id"].map(teams).fillna(""))
    for column in ("scheduled", "actual"):
        values = pd.to_numeric(exception_frame[column], errors="coerce")
        exception_frame[column] = pd.to_datetime(values, utc=True).dt.tz_convert(zone)
    return AdherenceReport(agent_frame, team_frame, exception_frame[EXCEPTION_COLUMNS])


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    scheduled = out["scheduled_minutes"].astype(float)
    work = out["scheduled_work_minutes"].astype(float)
    out["adherence"] = (out["adherent_minutes"] / scheduled).where(scheduled > 0)
    out["conformance"] = (out["worked_minutes"] / work).where(work > 0)
    return out
