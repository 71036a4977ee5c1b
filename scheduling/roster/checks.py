"""Independent checks of a roster against a scenario's hard rules, and coverage counting.

These read only the roster rows (not the solver's variables), so tests and benchmarks can
trust a roster whatever produced it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from features.calendar import WEEKDAYS
from features.schema import COVERAGE_COLUMNS, ROSTER_ACTIVITIES
from scheduling.coverage import count_coverage
from scheduling.roster.options import ShiftOption, build_week_grid
from scheduling.roster.scenario import Agent, Scenario, ShiftTemplate, clock_minutes


@dataclass
class _Shift:
    date: dt.date
    start: pd.Timestamp
    end: pd.Timestamp
    rows: list[dict] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) / pd.Timedelta(minutes=1))


def coverage_table(
    roster: pd.DataFrame, scenario: Scenario, required: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Agents at work per queue and interval of the week, counted from the roster's work rows.

    Parameters
    ----------
    roster:
        Roster rows (ROSTER_COLUMNS, tz-aware `start`/`end`).
    scenario:
        Gives the week, its timezone, interval length and queues.
    required:
        Optional frame (queue, interval_start, required) in agents; missing rows mean 0.

    Returns
    -------
    pandas.DataFrame
        COVERAGE_COLUMNS for every (queue, interval) of the week; `gap` = scheduled - required
        (negative = under-coverage, in agents).
    """
    grid = build_week_grid(scenario)
    starts = pd.DatetimeIndex(grid.starts[: grid.week_intervals])
    queues = scenario.queue_names()
    cells = pd.MultiIndex.from_product([queues, starts], names=["queue", "interval_start"])
    frame = cells.to_frame(index=False)
    frame["scheduled"] = count_coverage(roster, frame, scenario.interval_minutes)
    frame["required"] = 0
    if required is not None and not required.empty:
        need = required.set_index(["queue", "interval_start"])["required"]
        keys = pd.MultiIndex.from_frame(frame[["queue", "interval_start"]])
        frame["required"] = need.reindex(keys).fillna(0).astype("int64").to_numpy()
    frame["gap"] = frame["scheduled"] - frame["required"]
    frame["interval_start"] = frame["interval_start"].dt.tz_convert(scenario.timezone)
    return frame[COVERAGE_COLUMNS].sort_values(["queue", "interval_start"], ignore_index=True)


def _wall_minutes(instant: pd.Timestamp, day: dt.date, tz: ZoneInfo) -> int:
    local = instant.tz_convert(tz)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute


def _split_shifts(rows: pd.DataFrame, tz: ZoneInfo) -> list[_Shift]:
    shifts: list[_Shift] = []
    for row in rows.sort_values("start").to_dict("records"):
        if shifts and shifts[-1].end == row["start"]:
            shifts[-1].end = row["end"]
            shifts[-1].rows.append(row)
        else:
            date = row["start"].tz_convert(tz).date()
            shifts.append(_Shift(date, row["start"], row["end"], [row]))
    return shifts


def _template_fits(
    shift: _Shift, template: ShiftTemplate, tz: ZoneInfo, interval_minutes: int
) -> str | None:
    """None when the shift matches the template (length, start window and step, breaks)."""
    if shift.minutes != template.length_minutes:
        return f"length {shift.minutes} min is not {template.length_minutes}"
    clock = _wall_minutes(shift.start, shift.date, tz)
    first, last = clock_minutes(template.earliest_start), clock_minutes(template.latest_start)
    if not first <= clock <= last or (clock - first) % template.start_step_minutes:
        return f"start {clock // 60:02d}:{clock % 60:02d} outside window/step"
    pauses = [r for r in shift.rows if r["activity"] != "work"]
    if len(pauses) != len(template.breaks):
        return f"{len(pauses)} breaks instead of {len(template.breaks)}"
    rules = sorted(template.breaks, key=lambda b: b.earliest_after_start_minutes)
    for pause, rule in zip(sorted(pauses, key=lambda r: r["start"]), rules, strict=True):
        offset = int((pause["start"] - shift.start) / pd.Timedelta(minutes=1))
        length = int((pause["end"] - pause["start"]) / pd.Timedelta(minutes=1))
        if pause["activity"] != rule.activity or length != rule.minutes:
            return f"break {pause['activity']} {length} min is not {rule.activity} {rule.minutes}"
        if offset < rule.earliest_after_start_minutes or (
            offset + length > rule.latest_after_start_minutes
        ):
            return f"{rule.activity} at +{offset} min is outside its window"
    return None


def queue_block_problem(shift_rows: list[dict], minimum: pd.Timedelta) -> str | None:
    """Whether one shift's queue changes keep every queue block at least `minimum` long.

    A queue block runs from one queue change (or the shift's start) to the next (or the shift's
    end); breaks count towards the block they fall in, and a change between two work rows with a
    break between them may fall anywhere in that break. Changes are placed as early as the rule
    allows; None when they all fit, else a description of the first that does not.
    """
    work = sorted((r for r in shift_rows if r["activity"] == "work"), key=lambda r: r["start"])
    if not work:
        return None
    begin = min(r["start"] for r in shift_rows)
    finish = max(r["end"] for r in shift_rows)
    placed = begin
    changes = 0
    for before, after in zip(work, work[1:], strict=False):
        if before["queue"] == after["queue"]:
            continue
        earliest = max(before["end"], placed + minimum)
        if earliest > after["start"]:
            return (
                f"{before['queue']} from {placed} to {after['start']} is shorter than "
                f"{minimum} before the change to {after['queue']}"
            )
        placed, changes = earliest, changes + 1
    if changes and finish - placed < minimum:
        return f"{work[-1]['queue']} from {placed} to {finish} is shorter than {minimum}"
    return None


def _check_agent(agent: Agent, rows: pd.DataFrame, scenario: Scenario, tz: ZoneInfo) -> list[str]:
    aid = agent.agent_id
    out = []
    for row in rows.itertuples(index=False):
        if row.activity not in ROSTER_ACTIVITIES:
            out.append(f"{aid}: unknown activity {row.activity!r}")
        if row.end <= row.start:
            out.append(f"{aid}: row {row.start} ends before it starts")
        if row.activity == "work" and row.queue not in agent.skills:
            out.append(f"{aid}: skills - works queue {row.queue!r} without the skill")
    ordered = rows.sort_values("start")
    if (ordered["start"].iloc[1:].to_numpy() < ordered["end"].iloc[:-1].to_numpy()).any():
        out.append(f"{aid}: overlapping rows")
    shifts = _split_shifts(rows, tz)
    templates = [scenario.template(name) for name in agent.contract.templates]
    dates = [s.date for s in shifts]
    if len(set(dates)) != len(dates):
        out.append(f"{aid}: one shift per day - several shifts start on one local date")
    minimum = pd.Timedelta(minutes=scenario.rules.min_queue_block_minutes)
    blocks_apply = scenario.rules.min_queue_block_minutes > scenario.interval_minutes
    for s in shifts:
        problem = queue_block_problem(s.rows, minimum) if blocks_apply else None
        if problem is not None:
            out.append(f"{aid}: queue block - {problem}")
        if s.rows[0]["date"] != s.date:
            out.append(f"{aid}: date column {s.rows[0]['date']} is not the local start date")
        reasons = [_template_fits(s, t, tz, scenario.interval_minutes) for t in templates]
        if all(reasons):
            out.append(f"{aid}: template - shift {s.start} fits no contract template ({reasons})")
        windows = agent.availability.get(WEEKDAYS[s.date.weekday()])  # type: ignore[call-overload]
        begin, finish = _wall_minutes(s.start, s.date, tz), _wall_minutes(s.end, s.date, tz)
        if windows is not None and not any(
            clock_minutes(a) <= begin and finish <= clock_minutes(b) for a, b in windows
        ):
            out.append(f"{aid}: availability - shift {s.start}..{s.end} outside {windows}")
        end_date = (s.end - pd.Timedelta(seconds=1)).tz_convert(tz).date()
        off = {d for d in agent.time_off if s.date <= d <= end_date}
        if off:
            out.append(f"{aid}: time off - shift {s.start} on {sorted(off)}")
    minutes = sum(s.minutes for s in shifts)
    c = agent.contract
    if not c.min_minutes <= minutes <= c.max_minutes:
        out.append(f"{aid}: contract minutes {minutes} outside [{c.min_minutes}, {c.max_minutes}]")
    if len(shifts) > c.max_days:
        out.append(f"{aid}: contract max_days - {len(shifts)} days > {c.max_days}")
    rest = pd.Timedelta(minutes=scenario.rules.min_rest_minutes)
    for a, b in zip(shifts, shifts[1:], strict=False):
        if b.start - a.end < rest:
            out.append(f"{aid}: rest - {b.start - a.end} between {a.end} and {b.start}")
    worked = {(d - scenario.week_start).days for d in dates}
    run = best = 0
    for day in range(7):
        run = run + 1 if day in worked else 0
        best = max(best, run)
    if best > scenario.rules.max_consecutive_days:
        out.append(f"{aid}: max_consecutive_days - {best} days in a row")
    return out


def roster_shifts(scenario: Scenario, roster: pd.DataFrame) -> dict[str, list[ShiftOption]]:
    """The shifts each agent works, read from the roster rows alone (contiguous rows make one
    shift), as :class:`~scheduling.roster.options.ShiftOption` values on the week's grid.

    The template is the first of the agent's contract templates with the shift's length (the
    objective's preference and fairness tests read only the day, start and end).
    """
    tz = ZoneInfo(scenario.timezone)
    grid = build_week_grid(scenario)
    agents = {a.agent_id: a for a in scenario.agents}
    out: dict[str, list[ShiftOption]] = {}
    for agent_id, rows in roster.groupby("agent_id", sort=True):
        agent = agents.get(str(agent_id))
        for s in _split_shifts(rows, tz):
            names = agent.contract.templates if agent is not None else []
            template = next(
                (n for n in names if scenario.template(n).length_minutes == s.minutes), ""
            )
            out.setdefault(str(agent_id), []).append(
                ShiftOption(
                    day=(s.date - scenario.week_start).days,
                    template=template,
                    start=grid.index_of(s.start),
                    end=grid.index_of(s.end),
                    minutes=s.minutes,
                    start_clock=_wall_minutes(s.start, s.date, tz),
                    end_clock=_wall_minutes(s.end, s.date, tz),
                )
            )
    return out


def check_roster(scenario: Scenario, roster: pd.DataFrame) -> list[str]:
    """Every hard rule of DESIGN.md the roster breaks, one message per violation (and the
    scenario's minimum queue block, ``rules.min_queue_block_minutes``).

    Parameters
    ----------
    scenario:
        The planning problem.
    roster:
        Roster rows (ROSTER_COLUMNS) with tz-aware `start`/`end`.

    Returns
    -------
    list of str
        ``"<agent_id>: <rule> - <detail>"`` messages; empty when the roster keeps every rule.
    """
    tz = ZoneInfo(scenario.timezone)
    agents = {a.agent_id: a for a in scenario.agents}
    violations = []
    for agent_id in sorted(set(roster["agent_id"]) - set(agents)):
        violations.append(f"{agent_id}: unknown agent")
    for agent in scenario.agents:
        rows = roster[roster["agent_id"] == agent.agent_id]
        if rows.empty:
            if agent.contract.min_minutes > 0:
                rule = f"contract minutes 0 outside [{agent.contract.min_minutes}, ...]"
                violations.append(f"{agent.agent_id}: {rule}")
            continue
        violations.extend(_check_agent(agent, rows, scenario, tz))
    return violations
