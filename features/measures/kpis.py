"""KPI roll-ups of contact histories: totals of one node (center, queue, team, agent) and of
its children, as served by ``GET /v1/kpis``.

Contacts are first aggregated into hourly interval rows by
:func:`features.measures.intervals.build_intervals` (so every figure follows its definitions:
service level threshold, short abandons, attribution to the arrival interval), then the interval
rows
are totalled:

- ``offered``, ``handled``, ``abandoned``: sums (contacts);
- ``aht_s``, ``asa_s``: handled-weighted means of the intervals' values (seconds);
- ``service_level``: offered-weighted mean of the intervals' service levels (0..1);
- ``abandon_rate``: abandoned / offered (0..1);
- ``occupancy``: busy / productive seconds of the agents' states
  (:func:`features.measures.occupancy.agent_occupancy`), only when states are given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.measures.intervals import build_intervals
from features.measures.occupancy import agent_occupancy

KPI_FREQ_MINUTES = 60
"""Length of the interval rows the totals are computed from, minutes."""

CHILD_LEVEL: dict[str, str | None] = {
    "center": "queue",
    "queue": "team",
    "team": "agent",
    "agent": None,
}
"""The level of a node's children in the drill-down (None: an agent has no children)."""


@dataclass
class KpiTotals:
    """Totals over a range: contacts (count), mean times (seconds), shares (0..1).

    Ratios are None when undefined (nothing offered, handled or productive).
    """

    offered: int = 0
    handled: int = 0
    abandoned: int = 0
    aht_s: float | None = None
    asa_s: float | None = None
    service_level: float | None = None
    abandon_rate: float | None = None
    occupancy: float | None = None


@dataclass
class KpiRollup:
    """One node's totals and its children's totals keyed by child id."""

    totals: KpiTotals
    children: dict[str, KpiTotals]


def weighted_mean(values: pd.Series, weights: pd.Series) -> float | None:
    """Weighted mean of `values`, skipping missing values and non-positive weights.

    Parameters
    ----------
    values:
        Numbers (any unit; the result has the same unit), NaN where undefined.
    weights:
        Non-negative weights aligned with `values` (e.g. contacts per interval).

    Returns
    -------
    float or None
        The mean, or None when no value has a positive weight.
    """
    valid = values.notna() & (weights > 0)
    if not valid.any():
        return None
    return float(np.average(values[valid], weights=weights[valid]))


def interval_totals(history: pd.DataFrame) -> KpiTotals:
    """Totals of interval-history rows (``features.schema.HISTORY_COLUMNS``).

    Parameters
    ----------
    history:
        Interval rows with ``offered``, ``handled``, ``abandoned`` (contacts per interval),
        ``aht_s``, ``asa_s`` (seconds) and ``service_level`` (0..1).

    Returns
    -------
    KpiTotals
        Summed counts, handled-weighted ``aht_s``/``asa_s`` (seconds), offered-weighted
        ``service_level`` and ``abandon_rate`` = abandoned / offered; ``occupancy`` None.
    """
    if history.empty:
        return KpiTotals()
    offered = float(history["offered"].sum())
    handled = float(history["handled"].sum())
    abandoned = float(history["abandoned"].sum())
    return KpiTotals(
        offered=int(offered),
        handled=int(handled),
        abandoned=int(abandoned),
        aht_s=weighted_mean(history["aht_s"], history["handled"]),
        asa_s=weighted_mean(history["asa_s"], history["handled"]),
        service_level=weighted_mean(history["service_level"], history["offered"]),
        abandon_rate=abandoned / offered if offered else None,
    )


def contact_totals(contacts: pd.DataFrame, timezone: str) -> KpiTotals:
    """Totals of contact records, via hourly interval rows in `timezone`.

    Parameters
    ----------
    contacts:
        Contact records as accepted by :func:`features.measures.intervals.build_intervals`.
    timezone:
        The site's IANA zone the hourly intervals are aligned in.

    Returns
    -------
    KpiTotals
        See :func:`interval_totals`; all zero/None when there is no contact.
    """
    if contacts.empty:
        return KpiTotals()
    history = build_intervals(contacts, freq_minutes=KPI_FREQ_MINUTES, timezone=timezone)
    return interval_totals(history)


def grouped_totals(contacts: pd.DataFrame, key: pd.Series, timezone: str) -> dict[str, KpiTotals]:
    """Totals per label: the contacts grouped by `key` (one label per contact).

    Parameters
    ----------
    contacts:
        Contact records as accepted by :func:`features.measures.intervals.build_intervals`.
    key:
        A label per contact (queue, team or agent id), aligned with `contacts` by position;
        contacts with a missing label are left out.
    timezone:
        The site's IANA zone the hourly intervals are aligned in.

    Returns
    -------
    dict
        Label -> :class:`KpiTotals` of its contacts (labels without contacts are absent).
    """
    labelled = contacts.assign(queue=key.to_numpy()).loc[key.notna().to_numpy()]
    if labelled.empty:
        return {}
    history = build_intervals(labelled, freq_minutes=KPI_FREQ_MINUTES, timezone=timezone)
    return {str(name): interval_totals(rows) for name, rows in history.groupby("queue")}


def state_occupancy(
    agent_states: pd.DataFrame, agent_ids: Collection[str], timezone: str
) -> float | None:
    """Occupancy of a set of agents over their state spans.

    Parameters
    ----------
    agent_states:
        Agent-state spans (``agent_id``, ``state``, ``started_at``, ``ended_at``), already cut
        to the range of interest.
    agent_ids:
        The agents to count.
    timezone:
        The site's IANA zone.

    Returns
    -------
    float or None
        Busy seconds (on contact + after-contact work) / productive seconds (busy + available),
        0..1; None when the agents have no span or no productive time.
    """
    mine = agent_states[agent_states["agent_id"].isin(sorted(agent_ids))]
    if mine.empty:
        return None
    table = agent_occupancy(mine, freq_minutes=KPI_FREQ_MINUTES, timezone=timezone)
    productive = float(table["productive_s"].sum())
    return float(table["busy_s"].sum()) / productive if productive > 0 else None


def node_contacts(contacts: pd.DataFrame, level: str, node: str | None) -> pd.DataFrame:
    """The contacts of one drill-down node.

    Parameters
    ----------
    contacts:
        Contact records with ``agent_id`` and ``team`` (the handling agent's team); for a
        queue node they are expected to be read for that queue already.
    level:
        ``center``, ``queue``, ``team`` or ``agent``.
    node:
        The team or agent id (ignored for center and queue).

    Returns
    -------
    pandas.DataFrame
        The node's contacts, index reset.
    """
    if level == "team":
        own = contacts[contacts["team"] == node]
    elif level == "agent":
        own = contacts[contacts["agent_id"] == node]
    else:
        own = contacts
    return own.reset_index(drop=True)


def kpi_rollup(
    contacts: pd.DataFrame,
    *,
    level: str,
    node: str | None,
    timezone: str,
    team_of: Mapping[str, str],
    agent_states: pd.DataFrame | None = None,
    visible_children: Collection[str] | None = None,
) -> KpiRollup:
    """KPIs of one node and of its children (center → queues → teams → agents).

    Parameters
    ----------
    contacts:
        Contact records of the range with ``queue``, ``agent_id`` and ``team`` (the handling
        agent's team, missing when unknown); for a queue node, that queue's contacts.
    level:
        ``center``, ``queue``, ``team`` or ``agent``.
    node:
        The queue, team or agent id (None for center).
    timezone:
        The site's IANA zone the hourly intervals are aligned in.
    team_of:
        Agent id -> team, to find a team's members for occupancy.
    agent_states:
        Agent-state spans cut to the range; when given for a team or agent node, the node's
        occupancy (and, for a team, each agent child's) is filled.
    visible_children:
        The child ids that may be shown (None: all); children outside it are left out.

    Returns
    -------
    KpiRollup
        The node's :class:`KpiTotals` and its children's, keyed by child id.
    """
    own = node_contacts(contacts, level, node)
    child_level = CHILD_LEVEL[level]
    totals = contact_totals(own, timezone)
    children: dict[str, KpiTotals] = {}
    if child_level is not None and not own.empty:
        key = {"queue": own["queue"], "team": own["team"], "agent": own["agent_id"]}[child_level]
        if visible_children:
            key = key.where(key.isin(list(visible_children)))
        children = grouped_totals(own, key, timezone)
    if agent_states is not None and level in ("team", "agent") and node:
        members = {node} if level == "agent" else {a for a, t in team_of.items() if t == node}
        totals.occupancy = state_occupancy(agent_states, members, timezone)
        if level == "team":
            for agent_id, values in children.items():
                values.occupancy = state_occupancy(agent_states, {agent_id}, timezone)
    return KpiRollup(totals=totals, children=children)


def primary_queues(agents: pd.DataFrame) -> dict[str, set[str]]:
    """The queues each team serves first: per team, every queue that is the main skill (highest
    proficiency; ties: all of them) of at least one member.

    Contacts nobody handled (abandoned, waiting) have no agent and so no team; this is how
    queue-side measures (offered, abandoned, service level) are attributed to teams.

    Parameters
    ----------
    agents:
        Agent records with ``team`` and ``skills`` (queue -> proficiency 1-5).

    Returns
    -------
    dict
        Team -> its agents' main queues (teams without skilled members are absent).
    """
    served: dict[str, set[str]] = {}
    for team, skills in zip(agents["team"], agents["skills"], strict=True):
        if not isinstance(team, str) or not isinstance(skills, dict) or not skills:
            continue
        best = max(skills.values())
        served.setdefault(team, set()).update(q for q, level in skills.items() if level == best)
    return served


def mean_csat(contacts: pd.DataFrame) -> float | None:
    """Mean satisfaction score (1-5) of the surveyed contacts; None when none was surveyed."""
    if "csat" not in contacts.columns:
        return None
    scores = pd.to_numeric(contacts["csat"], errors="coerce").dropna()
    return float(scores.mean()) if len(scores) else None
