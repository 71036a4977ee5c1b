"""Agent performance: each agent's results beside their team's, and a short personal report.

KPIs per agent over ``[start, end)`` (contacts by ``arrived_at``):

- ``contacts_handled``: contacts the agent answered that were not abandoned;
- ``aht_s`` / ``acw_s``: mean handle time and mean after-contact work of those, seconds;
- ``csat``: mean satisfaction score (1-5) of the surveyed ones;
- ``transfer_rate``: share of handled contacts transferred at least once;
- ``occupancy``: busy (on contact + after-contact work) over productive (available + busy)
  time from agent states clipped to the period;
- ``adherence``: share of scheduled time in the scheduled activity
  (:mod:`features.measures.adherence`), when a roster is given;
- ``script_compliance`` / ``empathy``: mean scores (0..1) of the quality evaluations of the
  agent's contacts (:mod:`features.measures.quality`), when evaluations are given.

Beside each KPI: the team's median (``<kpi>_team_median``) and the agent's percentile within the
team (``<kpi>_percentile``, 0-100, higher = a higher value; 50 for a team of one). The personal
report turns the one or two largest gaps to the team median, in the direction that matters, into
suggestions phrased as help for the agent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput, NotFound
from features.measures.adherence import adherence
from features.measures.quality import quality_by

KPIS = (
    "contacts_handled",
    "aht_s",
    "acw_s",
    "csat",
    "transfer_rate",
    "occupancy",
    "adherence",
    "script_compliance",
    "empathy",
)
"""The KPIs of :func:`agent_performance`, in column order."""
PERFORMANCE_COLUMNS = ["agent_id", "name", "team"] + [
    column for kpi in KPIS for column in (kpi, f"{kpi}_team_median", f"{kpi}_percentile")
]

LOWER_IS_BETTER = {"aht_s": True, "acw_s": True, "transfer_rate": True}
HIGHER_IS_BETTER = {"csat": True, "adherence": True, "script_compliance": True, "empathy": True}
MIN_GAP = 0.15
"""Relative gap to the team median below which no suggestion is made (15 %)."""


@dataclass
class PersonalReport:
    """One agent's KPIs beside their team's, and the one or two things that would help most.

    Attributes
    ----------
    agent_id:
        The agent.
    kpis:
        Per KPI: ``value``, ``team_median`` and ``percentile`` (None when unknown).
    suggestions:
        Plain-English suggestions, most helpful first (an encouraging note when none apply).
    """

    agent_id: str
    kpis: dict[str, dict[str, float | None]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)


def _check(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> None:
    errors: list[FieldError] = []
    needed = ("agent_id", "arrived_at", "answered_at", "abandoned", "handle_s")
    errors += [
        FieldError(None, f"contacts.{c}", "required column is missing")
        for c in needed
        if c not in contacts.columns
    ]
    for name, value in (("start", start), ("end", end)):
        if pd.Timestamp(value).tzinfo is None:
            errors.append(FieldError(None, name, "must be timezone-aware", str(value)))
    if not errors and not pd.Timestamp(end) > pd.Timestamp(start):
        errors.append(FieldError(None, "end", "must be after start", str(end)))
    if errors:
        raise InvalidInput("cannot compute agent performance", errors)


def _numeric(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows.columns:
        return pd.Series(np.nan, index=rows.index, dtype=float)
    return pd.to_numeric(rows[column], errors="coerce").astype(float)


def _contact_kpis(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    inside = (contacts["arrived_at"] >= start) & (contacts["arrived_at"] < end)
    handled = (
        inside
        & contacts["answered_at"].notna()
        & ~contacts["abandoned"].astype("boolean").fillna(False)
        & contacts["agent_id"].notna()
        & (contacts["agent_id"].astype(str) != "")
    )
    rows = contacts[handled.to_numpy(dtype=bool)]
    frame = pd.DataFrame(
        {
            "agent_id": rows["agent_id"].astype(str),
            "handle_s": _numeric(rows, "handle_s"),
            "acw_s": _numeric(rows, "acw_s"),
            "csat": _numeric(rows, "csat"),
            "transferred": (_numeric(rows, "transfers").fillna(0.0) > 0).astype(float),
        }
    )
    grouped = frame.groupby("agent_id")
    return pd.DataFrame(
        {
            "contacts_handled": grouped.size().astype(float),
            "aht_s": grouped["handle_s"].mean(),
            "acw_s": grouped["acw_s"].mean(),
            "csat": grouped["csat"].mean(),
            "transfer_rate": grouped["transferred"].mean(),
        }
    )


def _occupancy(agent_states: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    if agent_states.empty:
        return pd.Series(dtype=float)
    began = agent_states["started_at"].clip(lower=start)
    ended = agent_states["ended_at"].clip(upper=end)
    seconds = ((ended - began).dt.total_seconds()).clip(lower=0.0)
    state = agent_states["state"].astype(str)
    busy = seconds.where(state.isin(["on_contact", "acw"]), 0.0)
    productive = seconds.where(state.isin(["available", "on_contact", "acw"]), 0.0)
    agent = agent_states["agent_id"].astype(str)
    sums = pd.DataFrame({"agent_id": agent, "busy": busy, "productive": productive})
    totals = sums.groupby("agent_id")[["busy", "productive"]].sum()
    return (totals["busy"] / totals["productive"]).where(totals["productive"] > 0)


def agent_performance(
    contacts: pd.DataFrame,
    agent_states: pd.DataFrame,
    agents: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    quality: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """KPIs of every agent over ``[start, end)`` beside their team's median and percentile.

    Parameters
    ----------
    contacts:
        Contact records (``agent_id``, tz-aware ``arrived_at``/``answered_at``, ``abandoned``,
        ``handle_s`` seconds; optional ``acw_s`` seconds, ``csat`` 1-5, ``transfers``).
    agent_states:
        ``agent_id, state, started_at, ended_at`` (tz-aware).
    agents:
        ``agent_id`` and ``team`` (optional ``name``) of the agents to report.
    roster:
        Published roster rows of the period; adherence is NaN without one.
    start, end:
        The period (tz-aware).
    quality:
        Quality evaluations of the period's contacts joined with the contact's ``agent_id``
        (:meth:`features.store.sources_store.SourcesStore.read_quality`); script compliance and
        empathy are NaN without them.

    Returns
    -------
    pandas.DataFrame
        :data:`PERFORMANCE_COLUMNS`, one row per agent of `agents`, sorted by team and agent.

    Raises
    ------
    InvalidInput
        Missing contact columns, naive or reversed period.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    _check(contacts, start, end)
    people = pd.DataFrame(agents).copy()
    people["agent_id"] = people["agent_id"].astype(str)
    people["team"] = people["team"].fillna("").astype(str) if "team" in people else ""
    people["name"] = people["name"].fillna("").astype(str) if "name" in people else ""
    table = people[["agent_id", "name", "team"]].set_index("agent_id")
    table = table.join(_contact_kpis(contacts, start, end))
    table["contacts_handled"] = table["contacts_handled"].fillna(0.0)
    table["occupancy"] = _occupancy(agent_states, start, end).reindex(table.index)
    table["adherence"] = np.nan
    if roster is not None and not roster.empty:
        rows = roster[(roster["end"] > start) & (roster["start"] < end)]
        if not rows.empty:
            states = agent_states[
                (agent_states["ended_at"] > start) & (agent_states["started_at"] < end)
            ]
            report = adherence(rows, states, people[["agent_id", "team"]])
            table["adherence"] = report.per_agent.set_index("agent_id")["adherence"].reindex(
                table.index
            )
    table["script_compliance"] = np.nan
    table["empathy"] = np.nan
    if quality is not None and not quality.empty:
        scores = quality_by(quality, "agent_id").set_index("agent_id")
        for kpi in ("script_compliance", "empathy"):
            table[kpi] = scores[kpi].reindex(table.index)
    table = table.reset_index()
    for kpi in KPIS:
        values = table[kpi].astype(float)
        by_team = values.groupby(table["team"])
        table[f"{kpi}_team_median"] = by_team.transform("median")
        ranks = by_team.rank(method="average", pct=True)
        counts = by_team.transform("count")
        percentile = np.where(counts > 1, (ranks * counts - 1) / (counts - 1) * 100, 50.0)
        table[f"{kpi}_percentile"] = pd.Series(percentile, index=table.index).where(values.notna())
    return table[PERFORMANCE_COLUMNS].sort_values(["team", "agent_id"], ignore_index=True)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _suggestion(kpi: str, mine: float, median: float) -> str:
    if kpi == "acw_s":
        return (
            f"Your after-call work averages {mine:.0f} s; the team's median is {median:.0f} s. "
            "Note templates or a short refresher on wrap-up codes could give you that time back "
            "between contacts."
        )
    if kpi == "aht_s":
        return (
            f"Your contacts take {mine:.0f} s on average; the team's median is {median:.0f} s. "
            "Sitting in with a colleague on your most common contact types may show a few "
            "shortcuts."
        )
    if kpi == "transfer_rate":
        return (
            f"You transfer {mine:.0%} of your contacts; the team's median is {median:.0%}. "
            "Training on the topics you pass on most often would let you solve more of them "
            "yourself."
        )
    if kpi == "script_compliance":
        return (
            f"Your contacts follow {mine:.0%} of the script on average; the team's median is "
            f"{median:.0%}. Going through the steps you skip most with your coach, or keeping "
            "the checklist open during contacts, can close the gap."
        )
    if kpi == "empathy":
        return (
            f"Your empathy score averages {mine:.0%}; the team's median is {median:.0%}. "
            "Listening back to a few contacts together with a colleague often shows small "
            "phrases that make customers feel heard."
        )
    if kpi == "csat":
        return (
            f"Your customers rate you {mine:.1f} out of 5 on average; the team's median is "
            f"{median:.1f}. Listening back to a few contacts with your coach could show what "
            "customers value most."
        )
    return (
        f"You were in your scheduled activity {mine:.0%} of the time; the team's median is "
        f"{median:.0%}. Reminders before breaks and log-in times can make this easier."
    )


def personal_report(perf_frame: pd.DataFrame, agent_id: str, *, most: int = 2) -> PersonalReport:
    """The agent's KPIs and the `most` suggestions that would help them most.

    A KPI gives a suggestion when the agent is on the worse side of the team median by more
    than :data:`MIN_GAP` (relative); the largest gaps come first.

    Raises
    ------
    NotFound
        When `agent_id` is not in `perf_frame`.
    """
    rows = perf_frame[perf_frame["agent_id"].astype(str) == str(agent_id)]
    if rows.empty:
        raise NotFound(f"agent '{agent_id}' has no performance row")
    row = rows.iloc[0]
    kpis = {
        kpi: {
            "value": _number(row[kpi]),
            "team_median": _number(row[f"{kpi}_team_median"]),
            "percentile": _number(row[f"{kpi}_percentile"]),
        }
        for kpi in KPIS
    }
    gaps: list[tuple[float, str]] = []
    for kpi in (*LOWER_IS_BETTER, *HIGHER_IS_BETTER):
        mine, median = kpis[kpi]["value"], kpis[kpi]["team_median"]
        if mine is None or median is None or median <= 0:
            continue
        gap = (mine - median) / median if kpi in LOWER_IS_BETTER else (median - mine) / median
        if gap > MIN_GAP:
            gaps.append((gap, kpi))
    chosen = [kpi for _, kpi in sorted(gaps, reverse=True)[:most]]
    suggestions = [
        _suggestion(kpi, float(kpis[kpi]["value"] or 0.0), float(kpis[kpi]["team_median"] or 0.0))
        for kpi in chosen
    ]
    if not suggestions:
        suggestions = [
            "Your results are in line with your team's or better; nothing stands out to work on."
        ]
    return PersonalReport(agent_id=str(agent_id), kpis=kpis, suggestions=suggestions)
