"""Build a roster scenario (DESIGN.md "Scenario") from agent master data and requirements.

Planners keep agents (skills, contracts, availability, time off, preferences) in the store and
get requirements from the staffing maths; this module turns both into the solver's JSON
scenario, deriving shift templates from the contracts' allowed shift lengths and the hours in
which work is required. Pure: records and frames in, a JSON-ready dict out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from features.errors import FieldError, InvalidInput
from scheduling.requirements import ServiceTargets

START_STEP_MINUTES = 30


def _clock(minutes: int) -> str:
    minutes = max(0, min(minutes, 23 * 60 + 59))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _round_down(minutes: float, step: int) -> int:
    return int(minutes // step * step)


def break_rules(length_minutes: int) -> list[dict[str, Any]]:
    """Breaks a shift of `length_minutes` gets, following common contact-centre practice.

    Shifts of 6 h or more get a 30-minute lunch in their middle third; shifts of 7 h or more
    also get a 15-minute break before it and one after it. Windows are minutes after the
    shift's start, do not overlap, and a break lies whole inside its window.
    """
    lunch_from = _round_down(length_minutes * 0.35, 15)
    lunch_to = _round_down(length_minutes * 0.7, 15)
    rules: list[dict[str, Any]] = []
    if length_minutes >= 420:
        rules.append(_break("break", 15, 60, lunch_from))
    if length_minutes >= 360:
        rules.append(_break("lunch", 30, lunch_from, lunch_to))
    if length_minutes >= 420:
        rules.append(_break("break", 15, lunch_to, length_minutes - 30))
    return rules


def _break(activity: str, minutes: int, earliest: int, latest: int) -> dict[str, Any]:
    return {
        "activity": activity,
        "minutes": minutes,
        "earliest_after_start_minutes": earliest,
        "latest_after_start_minutes": latest,
    }


def shift_templates(
    lengths_minutes: Sequence[int], open_minute: int, close_minute: int
) -> list[dict[str, Any]]:
    """One template per shift length, starting so that shifts fit the open hours.

    Parameters
    ----------
    lengths_minutes:
        Allowed shift lengths (minutes, breaks included).
    open_minute, close_minute:
        First and last minute of the day (local time) in which any queue requires agents.
    """
    templates = []
    for length in sorted(set(int(v) for v in lengths_minutes)):
        earliest = _round_down(open_minute, START_STEP_MINUTES)
        latest = max(earliest, _round_down(close_minute - length, START_STEP_MINUTES))
        latest = min(latest, 24 * 60 - length, 23 * 60 + 30)
        latest = max(latest, earliest)
        templates.append(
            {
                "name": f"shift{length}",
                "length_minutes": length,
                "earliest_start": _clock(earliest),
                "latest_start": _clock(latest),
                "start_step_minutes": START_STEP_MINUTES,
                "breaks": break_rules(length),
            }
        )
    return templates


def _open_hours(requirements: pd.DataFrame, interval_minutes: int) -> tuple[int, int]:
    busy = requirements[requirements["agents"] > 0]
    if busy.empty:
        return 8 * 60, 20 * 60
    local = busy["interval_start"]
    minute = local.dt.hour * 60 + local.dt.minute
    return int(minute.min()), int(minute.max()) + interval_minutes


def _minute(clock: str) -> int:
    hours, minutes = str(clock).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _availability_span(agents: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
    """Earliest start and latest end (local minutes) of any agent's availability window."""
    windows = [
        (_minute(window[0]), _minute(window[1]) or 24 * 60)
        for agent in agents
        for day_windows in (agent.get("availability") or {}).values()
        for window in day_windows
    ]
    if not windows or any(not agent.get("availability") for agent in agents):
        return None
    return min(w[0] for w in windows), max(w[1] for w in windows)


def contract_after_leave(min_minutes: int, max_days: int, days_off: int) -> tuple[int, int]:
    """A week's contract minimum (minutes) and most working days with `days_off` leave days in
    it: leave days count as worked against the minimum, pro rata per working day.

    Examples
    --------
    >>> contract_after_leave(2400, 5, 1)
    (1920, 5)
    """
    if not days_off:
        return min_minutes, max_days
    minimum = max(0, round(min_minutes * (1 - days_off / max(max_days, 1))))
    return minimum, max(0, min(max_days, 7 - days_off))


def _agent_entry(
    agent: Mapping[str, Any], week: set[dt.date], row: int, errors: list[FieldError]
) -> dict[str, Any] | None:
    contract = agent.get("contract") or {}
    lengths = contract.get("shift_lengths_minutes") or []
    if not lengths:
        errors.append(
            FieldError(row, "contract.shift_lengths_minutes", "needs at least one length", None)
        )
        return None
    time_off = sorted(
        str(day) for day in (agent.get("time_off") or []) if dt.date.fromisoformat(str(day)) in week
    )
    preferences = {
        key: value
        for key, value in (agent.get("preferences") or {}).items()
        if key in ("days_off", "start_after", "start_before") and value
    }
    min_minutes, max_days = contract_after_leave(
        round(float(contract.get("min_hours", 0)) * 60),
        int(contract.get("max_days", 5)),
        len(time_off),
    )
    return {
        "agent_id": str(agent["agent_id"]),
        "name": agent.get("name"),
        "team": agent.get("team"),
        "skills": {str(q): int(p) for q, p in (agent.get("skills") or {}).items()},
        "contract": {
            "min_minutes": min_minutes,
            "max_minutes": round(float(contract.get("max_hours", 40)) * 60),
            "max_days": max_days,
            "templates": [f"shift{int(v)}" for v in sorted(set(lengths))],
        },
        "availability": {
            day: [list(window) for window in windows]
            for day, windows in (agent.get("availability") or {}).items()
        },
        "time_off": time_off,
        "preferences": preferences,
    }


def scenario_from_agents(
    agents: Sequence[Mapping[str, Any]],
    requirements: pd.DataFrame,
    *,
    week_start: dt.date,
    timezone: str,
    interval_minutes: int = 15,
    requirement_column: str = "agents_scheduled",
    queue_priority: Mapping[str, float] | None = None,
    rules: Mapping[str, Any] | None = None,
    service: ServiceTargets | Mapping[str, ServiceTargets] | None = None,
) -> dict[str, Any]:
    """A JSON-ready roster scenario for one local week.

    Parameters
    ----------
    agents:
        Agent records (DESIGN.md "agents": contract in hours and allowed shift lengths).
    requirements:
        Requirements frame (REQUIREMENTS_COLUMNS, tz-aware ``interval_start``); rows outside
        the week are ignored. `requirement_column` (agents per interval) becomes the requirement.
    week_start:
        Local Monday (or any day) the week starts on.
    timezone:
        The site's zone; the week is its seven local days.
    queue_priority:
        Weight of each queue's under-coverage (default 1).
    rules:
        Labour rules (``min_rest_minutes``, ``max_consecutive_days``,
        ``min_queue_block_minutes``); the solver's defaults when None.
    service:
        The service targets the requirements were computed with (one for all queues or per
        queue). With them, and `volume` and `aht_s` columns in `requirements`, the scenario also
        carries the forecast rows and targets, so the roster values each agent by the expected
        service it buys (see :mod:`scheduling.roster.objective`); the requirements still say how
        many agents each interval needs.
    """
    errors: list[FieldError] = []
    if not agents:
        errors.append(FieldError(None, "agents", "at least one agent is needed", None))
    if requirement_column not in requirements.columns:
        errors.append(FieldError(None, requirement_column, "missing requirement column", None))
    if errors:
        raise InvalidInput("cannot build a roster scenario", errors)
    start = pd.Timestamp(week_start).tz_localize(timezone)
    end = (pd.Timestamp(week_start) + pd.Timedelta(days=7)).tz_localize(timezone)
    week_days = {week_start + dt.timedelta(days=i) for i in range(7)}
    frame = requirements.copy()
    frame["interval_start"] = frame["interval_start"].dt.tz_convert(timezone)
    frame = frame[(frame["interval_start"] >= start) & (frame["interval_start"] < end)]
    frame = frame.assign(agents=frame[requirement_column].astype(float))
    entries = [_agent_entry(agent, week_days, row, errors) for row, agent in enumerate(agents)]
    if errors:
        raise InvalidInput("cannot build a roster scenario", errors)
    lengths = [
        int(v)
        for agent in agents
        for v in (agent.get("contract") or {}).get("shift_lengths_minutes", [])
    ]
    open_minute, close_minute = _open_hours(frame, interval_minutes)
    available = _availability_span(agents)
    if available is not None:
        open_minute = max(open_minute, available[0])
        close_minute = max(open_minute + min(lengths, default=60), min(close_minute, available[1]))
    queues = sorted(
        set(frame["queue"].astype(str)) | {q for a in agents for q in (a.get("skills") or {})}
    )
    priority = dict(queue_priority or {})
    scenario: dict[str, Any] = {
        "timezone": timezone,
        "week_start": week_start.isoformat(),
        "interval_minutes": interval_minutes,
        "queues": [{"name": q, "priority": float(priority.get(q, 1.0))} for q in queues],
        "requirements": [
            {
                "queue": str(row.queue),
                "interval_start": row.interval_start.isoformat(),
                "agents": float(row.agents),
            }
            for row in frame.itertuples(index=False)
            if row.agents > 0
        ],
        "shift_templates": shift_templates(lengths, open_minute, close_minute),
        "agents": [entry for entry in entries if entry is not None],
    }
    if rules:
        scenario["rules"] = dict(rules)
    if service is not None and {"volume", "aht_s"} <= set(frame.columns):
        scenario["forecast"] = [
            {
                "queue": str(row.queue),
                "interval_start": row.interval_start.isoformat(),
                "volume": float(row.volume),
                "aht_s": float(row.aht_s),
            }
            for row in frame.itertuples(index=False)
            if row.volume > 0 and pd.notna(row.aht_s)
        ]
        scenario["service"] = (
            {str(q): _service_fields(t) for q, t in service.items()}
            if isinstance(service, Mapping)
            else _service_fields(service)
        )
    return scenario


def _service_fields(target: ServiceTargets) -> dict[str, Any]:
    """A scenario's ``service`` entry from staffing targets (unset optional targets left out)."""
    return {k: v for k, v in dataclasses.asdict(target).items() if v is not None}
