"""Supply: the productive FTE today's agents and decided hires give, week by week.

Every figure is an expected value over the plan's weeks (week 0 is the plan's first Monday):

* **Attrition.** An agent of a team with monthly rate ``m`` is still employed ``k`` weeks later
  with probability ``(1 - m) ** (k / WEEKS_PER_MONTH)`` (a month is 365.25 / 12 days).
* **Ramp-up.** A hire is unproductive for the profile's training weeks, then works at the ramp's
  shares of full productivity, one value per week, then at 1.
* **Presence.** Named leave, a known leaving date and a future start date remove the days they
  cover; a week's presence is the share of its seven days the agent is there (an agent working
  five days of seven loses one of them to a random day off with probability 5/7, so a day off
  costs 1/7 of a week in expectation).
* **FTE.** An agent's weekly hours over the scenario's ``fte_hours``; productive FTE is FTE x
  productivity x survival x presence, in the same paid-time units as the required FTE (ongoing
  shrinkage is on the demand side).

Agents are grouped by the set of planned queues they can work (their *skill group*); the hiring
optimiser decides how each group's FTE is shared among its skills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scheduling.capacity.scenario import AgentSpec, CapacityScenario, HiringProfile, LeavePeriod

WEEKS_PER_MONTH = 365.25 / 12 / 7
"""Weeks in an average month (4.348)."""


def survival(weeks: Any, monthly_rate: float) -> np.ndarray:
    """Expected share of people still employed `weeks` after a start (1 at or before it).

    Parameters
    ----------
    weeks:
        Weeks elapsed (array-like; negative counts as 0).
    monthly_rate:
        Share leaving per month, in [0, 1).

    Examples
    --------
    >>> float(survival(WEEKS_PER_MONTH, 0.05))
    0.95
    """
    elapsed = np.maximum(np.asarray(weeks, dtype=float), 0.0)
    return np.power(1.0 - monthly_rate, elapsed / WEEKS_PER_MONTH)


@dataclass(frozen=True)
class Ramp:
    """Training and ramp-up of a hire: unproductive `training_weeks`, then `ramp` shares of full
    productivity, one per week, then full productivity."""

    training_weeks: int = 0
    ramp: tuple[float, ...] = ()

    @property
    def weeks_to_full(self) -> int:
        """Weeks from the start until full productivity."""
        return self.training_weeks + len(self.ramp)

    def productivity(self, weeks_since_start: Any) -> np.ndarray:
        """Share of full productivity `weeks_since_start` whole weeks after the start (0 before
        the start and in training)."""
        k = np.asarray(weeks_since_start, dtype=np.int64)
        out = np.ones(k.shape)
        out[k < self.training_weeks] = 0.0
        for i, share in enumerate(self.ramp):
            out[k == self.training_weeks + i] = share
        out[k < 0] = 0.0
        return out


def hire_curve(
    weeks_since_start: Any, ramp: Ramp, monthly_rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected figures per hire at each number of whole weeks since the class started.

    Returns
    -------
    tuple of numpy.ndarray
        (productive share = productivity x survival, heads = survival, trainees = survival while
        in training); all 0 before the start.
    """
    k = np.asarray(weeks_since_start, dtype=np.int64)
    started = k >= 0
    heads = np.where(started, survival(k, monthly_rate), 0.0)
    productive = ramp.productivity(k) * heads
    trainees = np.where(started & (k < ramp.training_weeks), heads, 0.0)
    return productive, heads, trainees


def profile_ramp(profile: HiringProfile) -> Ramp:
    """The training and ramp of a hiring profile."""
    return Ramp(profile.training_weeks, tuple(profile.ramp))


def profile_attrition(scenario: CapacityScenario, profile: HiringProfile) -> float:
    """Monthly attrition of a profile's hires: its own rate, else its team's, else the default."""
    if profile.attrition_monthly is not None:
        return profile.attrition_monthly
    return scenario.attrition_of(profile.team)


def skill_group(skills: Iterable[str], planned: Sequence[str]) -> tuple[str, ...]:
    """The planned queues among `skills`, in plan order (empty when none)."""
    mine = set(skills)
    return tuple(q for q in planned if q in mine)


@dataclass
class Supply:
    """Productive FTE per skill group and week.

    Attributes
    ----------
    skills:
        Planned queues.
    groups:
        Skill groups (tuples of planned queues), the first axis.
    fte:
        (group, week) expected productive FTE.
    headcount:
        (group, week) expected people employed (trainees included).
    trainees:
        (group, week) expected people in training.
    ignored:
        Agents outside every planned queue (left out).
    """

    skills: list[str]
    groups: list[tuple[str, ...]] = field(default_factory=list)
    fte: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    headcount: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    trainees: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    ignored: list[str] = field(default_factory=list)

    def group_index(self, group: tuple[str, ...], weeks: int) -> int:
        """Position of `group` (added, with zero supply, when new)."""
        if group not in self.groups:
            self.groups.append(group)
            zeros = np.zeros((1, weeks))
            self.fte = np.vstack([self.fte.reshape(-1, weeks), zeros])
            self.headcount = np.vstack([self.headcount.reshape(-1, weeks), zeros])
            self.trainees = np.vstack([self.trainees.reshape(-1, weeks), zeros])
        return self.groups.index(group)


def presence(
    mondays: Sequence[dt.date],
    leave: Sequence[LeavePeriod] = (),
    start_date: dt.date | None = None,
    leaves_on: dt.date | None = None,
) -> np.ndarray:
    """Share of each week's seven days an agent is there (see the module docstring).

    Parameters
    ----------
    mondays:
        The plan's weeks.
    leave:
        Named absences (inclusive dates).
    start_date:
        First day of employment (days before are absent).
    leaves_on:
        First day no longer employed.
    """
    first = np.datetime64(mondays[0], "D")
    days = first + np.arange(7 * len(mondays))
    here = np.ones(days.size, dtype=bool)
    for period in leave:
        here &= ~(
            (days >= np.datetime64(period.start, "D")) & (days <= np.datetime64(period.end, "D"))
        )
    if start_date is not None:
        here &= days >= np.datetime64(start_date, "D")
    if leaves_on is not None:
        here &= days < np.datetime64(leaves_on, "D")
    return here.reshape(-1, 7).mean(axis=1)


def weeks_between(later: dt.date, earlier: dt.date) -> int:
    """Whole weeks from the week of `earlier` to the week of `later` (Monday-based)."""
    a = later - dt.timedelta(days=later.weekday())
    b = earlier - dt.timedelta(days=earlier.weekday())
    return (a - b).days // 7


def agent_supply(
    scenario: CapacityScenario,
    agents: Sequence[AgentSpec],
    mondays: Sequence[dt.date],
    skills: Sequence[str] | None = None,
) -> Supply:
    """Productive FTE of today's agents per skill group and week.

    Parameters
    ----------
    scenario:
        Queues, FTE hours, attrition per team and the profiles whose ramp recent hires follow.
    agents:
        The agents (a scenario's list, or stored agents converted by
        :func:`agents_from_records`).
    mondays:
        The plan's weeks.
    skills:
        The planned queues (default: the scenario's; a what-if adds its new queues).

    Returns
    -------
    Supply
    """
    planned = list(skills) if skills is not None else list(scenario.queues)
    weeks = len(mondays)
    supply = Supply(skills=planned)
    offset = np.arange(weeks)
    for agent in agents:
        group = skill_group(agent.skill_names(), planned)
        if not group:
            supply.ignored.append(agent.agent_id)
            continue
        g = supply.group_index(group, weeks)
        fte = (agent.hours_per_week or scenario.fte_hours) / scenario.fte_hours
        rate = scenario.attrition_of(agent.team)
        here = presence(mondays, agent.leave, agent.start_date, agent.leaves_on)
        employed = presence(mondays, (), agent.start_date, agent.leaves_on)
        heads = survival(offset, rate)
        productive = heads.copy()
        trainees = np.zeros(weeks)
        if agent.start_date is not None:
            since = offset + weeks_between(mondays[0], agent.start_date)
            ramp = profile_ramp(scenario.profile(agent.profile)) if agent.profile else Ramp()
            productive = heads * ramp.productivity(since)
            trainees = np.where((since >= 0) & (since < ramp.training_weeks), heads, 0.0)
            heads = np.where(since >= 0, heads, 0.0)
        supply.fte[g] += fte * productive * here
        supply.headcount[g] += heads * employed
        supply.trainees[g] += trainees * employed
    return supply


def add_planned_classes(
    supply: Supply, scenario: CapacityScenario, mondays: Sequence[dt.date]
) -> list[dict[str, Any]]:
    """Add the classes of ``hiring.planned`` to `supply`; return them as class records
    (profile, group, start offset in weeks, size)."""
    weeks = len(mondays)
    records = []
    for planned in scenario.hiring.planned:
        profile = scenario.profile(planned.profile)
        group = skill_group(profile.skills, supply.skills)
        g = supply.group_index(group, weeks)
        start = weeks_between(planned.start_week, mondays[0])
        productive, heads, trainees = hire_curve(
            np.arange(weeks) - start, profile_ramp(profile), profile_attrition(scenario, profile)
        )
        fte = (profile.hours_per_week or scenario.fte_hours) / scenario.fte_hours
        supply.fte[g] += planned.size * fte * productive
        supply.headcount[g] += planned.size * heads
        supply.trainees[g] += planned.size * trainees
        records.append(
            {"profile": profile.name, "group": group, "start": start, "size": planned.size}
        )
    return records


def agents_from_records(records: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[AgentSpec]:
    """Stored agents (the agents record: ``agent_id, team, skills, contract, time_off``) as
    capacity agents: weekly hours are the contract's ``max_hours`` (40 when absent), every
    ``time_off`` date is a day of named leave.

    Parameters
    ----------
    records:
        Rows of the agents store (``Store.read_agents()``) or a list of agent dicts.
    """
    rows = records.to_dict(orient="records") if isinstance(records, pd.DataFrame) else records
    agents = []
    for row in rows:
        given = row.get("contract")
        contract: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        off = row.get("time_off")
        off_days = [pd.Timestamp(d).date() for d in off] if isinstance(off, list) else []
        team = row.get("team")
        agents.append(
            AgentSpec(
                agent_id=str(row["agent_id"]),
                team=None if team is None or pd.isna(team) else str(team),
                skills=dict(row.get("skills") or {}),
                hours_per_week=float(contract.get("max_hours", 40.0)) or None,
                leave=[LeavePeriod(start=d, end=d) for d in off_days],
            )
        )
    return agents
