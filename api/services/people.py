"""People compositions: a day's adherence of the rostered agents, agents' performance.

Both read the published roster, agent states, contacts (and quality evaluations) through the
stores and call the pure measures (:func:`features.measures.adherence.adherence`,
:func:`features.measures.performance.agent_performance`); the routers scope the agents first.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from api.services.site import Site
from features.calendar import day_bounds
from features.errors import NotFound
from features.measures.adherence import AdherenceReport, adherence
from features.measures.performance import PersonalReport, agent_performance, personal_report
from features.store.intraday_store import read_roster
from features.store.sources_store import SourcesStore

STATES_MARGIN = pd.Timedelta(hours=2)
"""Agent states read beyond the day on each side (a log-in before midnight, a late log-off)."""


def day_adherence(
    site: Site,
    people: pd.DataFrame,
    day: dt.date,
    *,
    grace_minutes: float,
) -> AdherenceReport | None:
    """Adherence, conformance and exceptions of `people` (agents rows) on a local day.

    Returns
    -------
    AdherenceReport or None
        None when none of them has a published roster row that day.
    """
    timezone = site.timezone
    low, high = day_bounds(day, timezone)
    ids = sorted(people["agent_id"])
    roster = read_roster(site.service, ids, low, high, timezone)
    roster = roster[roster["date"].astype(str).str[:10] == day.isoformat()]
    if roster.empty:
        return None
    states = site.records.read_agent_states(low - STATES_MARGIN, high + STATES_MARGIN, ids)
    states["started_at"] = states["started_at"].dt.tz_convert(timezone)
    states["ended_at"] = states["ended_at"].dt.tz_convert(timezone)
    return adherence(roster, states, people, grace_minutes=grace_minutes)


def agent_report(
    site: Site, agent_id: str, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[str, PersonalReport]:
    """An agent's KPIs over ``[start, end)`` beside their team's, and suggestions.

    Returns
    -------
    tuple[str, PersonalReport]
        The agent's team ("" when none) and the report.

    Raises
    ------
    NotFound
        When the agent is not stored.
    """
    agents = site.records.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    mine = agents[agents["agent_id"] == agent_id]
    if mine.empty:
        raise NotFound(f"agent '{agent_id}' does not exist")
    team = mine["team"].iloc[0]
    team_agents = agents[agents["team"] == team] if pd.notna(team) else mine
    perf = team_performance(site, team_agents, start, end)
    return ("" if pd.isna(team) else str(team)), personal_report(perf, agent_id)


def team_performance(
    site: Site, agents: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """:func:`features.measures.performance.agent_performance` of `agents` over
    ``[start, end)`` from their stored contacts, agent states, published roster and quality
    evaluations (the personal report and the ``performance`` export).

    Parameters
    ----------
    agents:
        Agent records (``agent_id``, ``team``, ``name``): medians and percentiles are within
        each of their teams, so pass whole teams.
    """
    store = site.records
    ids = sorted(agents["agent_id"].astype(str))
    contacts = store.read_contacts(start, end)
    contacts = contacts[contacts["agent_id"].isin(ids)]
    for column in ("arrived_at", "answered_at", "ended_at"):
        contacts[column] = contacts[column].dt.tz_convert(site.timezone)
    states = store.read_agent_states(start, end, ids)
    roster = read_roster(site.service, ids, start, end, site.timezone)
    quality = SourcesStore(store).read_quality(start, end, by="contact", agent_ids=ids)
    return agent_performance(
        contacts, states, agents, roster, start=start, end=end, quality=quality
    )
