"""Live wallboard figures at one instant: contacts waiting, today's service so far, agents by
state, as served by ``GET /v1/realtime``.

Everything is computed at one instant ``at``: a contact is *waiting* when it arrived at or
before ``at`` (and less than :data:`WAIT_LOOKBACK` ago) and was neither answered nor ended by
then; an agent's *state* is the state span covering ``at``. Today's figures count the contacts
that arrived since local midnight and were answered or abandoned by ``at``, aggregated with
:func:`features.measures.intervals.build_intervals` into :data:`INTERVAL_MINUTES`-minute intervals.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pandas as pd

from features.measures.intervals import build_intervals
from features.measures.kpis import weighted_mean
from features.schema import (
    CHANNEL_THRESHOLDS_S,
    DEFAULT_CHANNEL,
    HISTORY_COLUMNS,
    INTERVAL_START,
)

INTERVAL_MINUTES = 15
"""Length of the intervals today's figures are aggregated in, minutes."""
WAIT_LOOKBACK = pd.Timedelta(hours=4)
"""Contacts that arrived longer ago than this and never ended are not counted as waiting."""
OFFLINE = "offline"
"""The state of an agent with no span covering the instant."""


@dataclass
class TrendPoint:
    """One of today's intervals of a queue: contacts offered and answered in service (share
    0..1) so far, and contacts waiting at the interval's end (or at the instant, for the
    current interval)."""

    interval_start: pd.Timestamp
    offered: int
    service_level: float | None
    waiting: int


@dataclass
class QueueFigures:
    """One queue at the instant: contacts (count), seconds, shares 0..1, agents (count).

    ``threshold_s`` is the service-level threshold the figures are measured against (the
    queue's channel's, :data:`features.schema.CHANNEL_THRESHOLDS_S`) and
    ``service_level_target`` the share to reach (None when the caller gave none).
    """

    queue: str
    waiting: int
    channel: str = DEFAULT_CHANNEL
    threshold_s: float = CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL]
    service_level_target: float | None = None
    longest_wait_s: float | None = None
    offered_today: int = 0
    handled_today: int = 0
    abandoned_today: int = 0
    service_level_today: float | None = None
    service_level_interval: float | None = None
    asa_s_today: float | None = None
    abandon_rate_today: float | None = None
    agents: dict[str, int] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass
class RealtimeSnapshot:
    """The figures per queue (sorted by queue) and the agents in scope by state (count)."""

    at: pd.Timestamp
    interval_start: pd.Timestamp
    queues: list[QueueFigures]
    agents: dict[str, int]


def waiting_contacts(
    contacts: pd.DataFrame, at: pd.Timestamp, lookback: pd.Timedelta = WAIT_LOOKBACK
) -> pd.DataFrame:
    """Contacts waiting at `at`: arrived within `lookback`, neither answered nor ended by `at`.

    Parameters
    ----------
    contacts:
        Contact records read up to `at` with tz-aware ``arrived_at``, ``answered_at``,
        ``ended_at`` (NaT when not yet).
    at:
        The instant (tz-aware).
    lookback:
        Contacts that arrived at or before ``at - lookback`` are never waiting.
    """
    answered = contacts["answered_at"].notna() & (contacts["answered_at"] <= at)
    ended = contacts["ended_at"].notna() & (contacts["ended_at"] <= at)
    recent = contacts["arrived_at"] > at - lookback
    return contacts[recent & ~answered & ~ended]


def resolved_today(
    contacts: pd.DataFrame, day_start: pd.Timestamp, at: pd.Timestamp
) -> pd.DataFrame:
    """Contacts arrived since `day_start` whose outcome is known at `at` (answered, or ended).

    Parameters
    ----------
    contacts:
        Contact records with tz-aware ``arrived_at``, ``answered_at``, ``ended_at``.
    day_start, at:
        Local midnight of the day and the instant (tz-aware).
    """
    answered = contacts["answered_at"].notna() & (contacts["answered_at"] <= at)
    ended = contacts["ended_at"].notna() & (contacts["ended_at"] <= at)
    return contacts[(contacts["arrived_at"] >= day_start) & (answered | ended)]


def today_history(resolved: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Interval history of today's resolved contacts (:data:`INTERVAL_MINUTES` minutes).

    Returns an empty frame with ``HISTORY_COLUMNS`` when there is no contact.
    """
    if resolved.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS).astype({"queue": str, "offered": float})
    return build_intervals(resolved, freq_minutes=INTERVAL_MINUTES, timezone=timezone)


def main_queue(skills: object) -> str | None:
    """The agent's main queue: the skill with the highest level (ties: the first by name).

    Parameters
    ----------
    skills:
        Mapping queue -> skill level (number); anything else, or empty, has no main queue.
    """
    if not isinstance(skills, dict) or not skills:
        return None
    return str(sorted(skills.items(), key=lambda item: (-float(item[1]), str(item[0])))[0][0])


def current_states(spans: pd.DataFrame, agent_ids: list[str]) -> dict[str, str]:
    """Each agent's state from the spans covering the instant (:data:`OFFLINE` when none).

    Parameters
    ----------
    spans:
        Agent-state spans covering the instant (``agent_id``, ``state``, ``started_at``); of
        several spans of one agent the latest started wins.
    agent_ids:
        The agents to report, in order.
    """
    latest = spans.sort_values(["agent_id", "started_at"]).drop_duplicates("agent_id", keep="last")
    current = dict(zip(latest["agent_id"].astype(str), latest["state"].astype(str), strict=True))
    return {agent: current.get(agent, OFFLINE) for agent in agent_ids}


@dataclass
class AgentNow:
    """One agent at the instant: state (:data:`features.schema.AGENT_STATES`) since `since`
    (None when offline without a span), team and main queue."""

    agent_id: str
    name: str | None
    team: str | None
    queue: str | None
    state: str
    since: pd.Timestamp | None


def agents_now(spans: pd.DataFrame, agents: pd.DataFrame) -> list[AgentNow]:
    """Each agent's current state, since when, team and main queue (agents in id order).

    Parameters
    ----------
    spans:
        Agent-state spans covering the instant (``agent_id``, ``state``, ``started_at``); of
        several spans of one agent the latest started wins.
    agents:
        Agents in scope (``agent_id``, ``name``, ``team``, ``skills``).

    Returns
    -------
    list[AgentNow]
        One per agent; :data:`OFFLINE` without a span covering the instant.
    """
    latest = spans.sort_values(["agent_id", "started_at"]).drop_duplicates("agent_id", keep="last")
    by_agent = {str(r.agent_id): r for r in latest.itertuples(index=False)}
    found = []
    for agent in agents.sort_values("agent_id").itertuples(index=False):
        span = by_agent.get(str(agent.agent_id))
        found.append(
            AgentNow(
                agent_id=str(agent.agent_id),
                name=agent.name if isinstance(agent.name, str) else None,
                team=agent.team if isinstance(agent.team, str) else None,
                queue=main_queue(agent.skills),
                state=OFFLINE if span is None else str(span.state),
                since=None if span is None else pd.Timestamp(span.started_at),
            )
        )
    return found


def count_states(
    states: Mapping[str, str], main: Mapping[str, str | None]
) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Agents (count) by state, per main queue and in total.

    Parameters
    ----------
    states:
        Agent id -> current state.
    main:
        Agent id -> main queue (None: counted only in the total).

    Returns
    -------
    tuple
        (queue -> state -> agents, state -> agents).
    """
    by_queue: dict[str, dict[str, int]] = {}
    totals: dict[str, int] = {}
    for agent, state in states.items():
        queue = main.get(agent)
        if queue is not None:
            counts = by_queue.setdefault(queue, {})
            counts[state] = counts.get(state, 0) + 1
        totals[state] = totals.get(state, 0) + 1
    return by_queue, totals


def queue_figures(
    queue: str,
    waiting: pd.DataFrame,
    history: pd.DataFrame,
    interval: pd.Timestamp,
    at: pd.Timestamp,
    agents: dict[str, int],
    channel: str = DEFAULT_CHANNEL,
    target: float | None = None,
) -> QueueFigures:
    """One queue's figures at `at`.

    Parameters
    ----------
    queue:
        The queue.
    waiting:
        Waiting contacts (:func:`waiting_contacts`) of all queues.
    history:
        Today's interval history (:func:`today_history`) of all queues.
    interval, at:
        Start of the current interval and the instant (tz-aware).
    agents:
        Agents whose main queue this is, by state (count).
    channel:
        The queue's channel (its service-level threshold, seconds, is the channel's).
    target:
        The service level to reach, share 0..1 (None: unknown).

    Returns
    -------
    QueueFigures
        Waiting contacts and the oldest wait (seconds), today's counts, offered-weighted
        service level today and in the current interval (0..1), handled-weighted speed of
        answer (seconds), abandoned / offered, and today's trend per interval.
    """
    mine = waiting[waiting["queue"] == queue]
    rows = history[history["queue"] == queue]
    now_rows = rows[rows[INTERVAL_START] == interval]
    offered = float(rows["offered"].sum())
    abandoned = float(rows["abandoned"].sum())
    return QueueFigures(
        queue=queue,
        waiting=len(mine),
        channel=channel,
        threshold_s=CHANNEL_THRESHOLDS_S.get(channel, CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL]),
        service_level_target=target,
        longest_wait_s=(at - mine["arrived_at"].min()).total_seconds() if len(mine) else None,
        offered_today=int(offered),
        handled_today=int(rows["handled"].sum()),
        abandoned_today=int(abandoned),
        service_level_today=weighted_mean(rows["service_level"], rows["offered"]),
        service_level_interval=weighted_mean(now_rows["service_level"], now_rows["offered"]),
        asa_s_today=weighted_mean(rows["asa_s"], rows["handled"]),
        abandon_rate_today=abandoned / offered if offered else None,
        agents=agents,
    )


def waiting_trend(
    contacts: pd.DataFrame,
    history: pd.DataFrame,
    day_start: pd.Timestamp,
    at: pd.Timestamp,
    queue: str,
) -> list[TrendPoint]:
    """Today's intervals of `queue` up to `at`: offered, service level and contacts waiting.

    Parameters
    ----------
    contacts:
        Contact records (local instants) from at least ``day_start - WAIT_LOOKBACK`` to `at`.
    history:
        Today's interval history (:func:`today_history`) of all queues.
    day_start, at:
        Local midnight and the instant (tz-aware).
    queue:
        The queue.

    Returns
    -------
    list[TrendPoint]
        One point per interval from midnight to the current one; waiting is counted at the
        interval's end (at `at` for the current interval).
    """
    mine = contacts[contacts["queue"] == queue]
    rows = history[history["queue"] == queue].set_index(INTERVAL_START)
    starts = pd.date_range(day_start, at, freq=f"{INTERVAL_MINUTES}min")
    points = []
    for start in starts:
        end = min(start + pd.Timedelta(minutes=INTERVAL_MINUTES), at)
        found = start in rows.index
        level = rows.at[start, "service_level"] if found else None
        points.append(
            TrendPoint(
                interval_start=start,
                offered=int(rows.at[start, "offered"]) if found else 0,
                service_level=None if level is None or pd.isna(level) else float(level),
                waiting=len(waiting_contacts(mine[mine["arrived_at"] <= end], end)),
            )
        )
    return points


def realtime_snapshot(
    contacts: pd.DataFrame,
    agents: pd.DataFrame,
    states: Mapping[str, str],
    at: pd.Timestamp,
    timezone: str,
    allowed_queues: Collection[str] | None = None,
    targets: Mapping[str, float] | None = None,
) -> RealtimeSnapshot:
    """All wallboard figures at `at`.

    Parameters
    ----------
    contacts:
        Contact records from ``local midnight - WAIT_LOOKBACK`` up to `at`, instants
        tz-aware (converted to `timezone` here).
    agents:
        Agents in scope (``agent_id``, ``skills`` as mapping queue -> level).
    states:
        Agent id -> current state (:func:`current_states`).
    at:
        The instant, tz-aware in `timezone`.
    timezone:
        The site's IANA zone (local midnight, interval alignment).
    allowed_queues:
        Queues the caller may see (None: all).
    targets:
        Channel -> service level to reach (share 0..1); None leaves the targets unknown.

    Returns
    -------
    RealtimeSnapshot
        One :class:`QueueFigures` per queue that has contacts or agents (mainly) skilled for
        it, and the agents by state.
    """
    day_start = at.normalize()
    interval = at.floor(f"{INTERVAL_MINUTES}min")
    local = contacts.copy()
    for column in ("arrived_at", "answered_at", "ended_at"):
        local[column] = local[column].dt.tz_convert(timezone)
    waiting = waiting_contacts(local, at)
    history = today_history(resolved_today(local, day_start, at), timezone)
    main = {
        str(a): main_queue(s) for a, s in zip(agents["agent_id"], agents["skills"], strict=True)
    }
    queue_names = set(local["queue"].astype(str)) | {q for q in main.values() if q}
    if allowed_queues is not None:
        queue_names &= set(allowed_queues)
    by_queue, totals = count_states(states, main)
    channels = queue_channel(local)
    figures = []
    for q in sorted(queue_names):
        channel = channels.get(q, DEFAULT_CHANNEL)
        target = None if targets is None else targets.get(channel)
        one = queue_figures(q, waiting, history, interval, at, by_queue.get(q, {}), channel, target)
        one.trend = waiting_trend(local, history, day_start, at, q)
        figures.append(one)
    return RealtimeSnapshot(at=at, interval_start=interval, queues=figures, agents=totals)


def queue_channel(contacts: pd.DataFrame) -> dict[str, str]:
    """Queue -> the channel of its latest contact (voice when none is given)."""
    if contacts.empty:
        return {}
    channel = contacts.get("channel", pd.Series(DEFAULT_CHANNEL, index=contacts.index))
    channel = channel.astype("string").fillna(DEFAULT_CHANNEL).replace("", DEFAULT_CHANNEL)
    latest = pd.DataFrame({"queue": contacts["queue"].astype(str), "channel": channel})
    return dict(latest.drop_duplicates("queue", keep="last").itertuples(index=False))
