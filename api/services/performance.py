"""Agent performance over a period, read and computed the same way for the personal report
(``GET /v1/agents/{id}/performance``) and the ``performance`` export."""

from __future__ import annotations

import pandas as pd

from features.measures.performance import agent_performance
from features.store.intraday_store import read_roster
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore


def team_performance(
    store: Store,
    service: ServiceStore,
    agents: pd.DataFrame,
    low: pd.Timestamp,
    high: pd.Timestamp,
    timezone: str,
) -> pd.DataFrame:
    """:func:`features.measures.performance.agent_performance` of `agents` over ``[low, high)``
    from their stored contacts, agent states, published roster and quality evaluations.

    Parameters
    ----------
    agents:
        Agent records (``agent_id``, ``team``, ``name``): medians and percentiles are within
        each of their teams, so pass whole teams.
    low, high:
        The period (tz-aware).
    timezone:
        The site's zone.
    """
    ids = sorted(agents["agent_id"].astype(str))
    contacts = store.read_contacts(low, high)
    contacts = contacts[contacts["agent_id"].isin(ids)]
    for column in ("arrived_at", "answered_at", "ended_at"):
        contacts[column] = contacts[column].dt.tz_convert(timezone)
    states = store.read_agent_states(low, high, ids)
    roster = read_roster(service, ids, low, high, timezone)
    quality = SourcesStore(store).read_quality(low, high, by="contact", agent_ids=ids)
    return agent_performance(contacts, states, agents, roster, start=low, end=high, quality=quality)
