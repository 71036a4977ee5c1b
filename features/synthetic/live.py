"""The demo centre brought up to today: where its history starts, what is already past at an
instant and what is still to come, and the roster its agents worked.

:func:`features.synthetic.generator.generate_centre` is reproducible from its seed; starting it
on the Monday :data:`weeks` weeks before the current week (:func:`history_start`) shifts the
same centre to today (every weekday keeps its pattern). :func:`split_at` keeps what happened up
to an instant for ingestion and returns today's rest, in release order, for a live feeder to
post as it happens. :func:`worked_roster` turns the agents' state spans into the roster they
followed (work on their main queue, breaks, lunches), to publish as the weeks' rosters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from features.measures.realtime import main_queue
from features.schema import ROSTER_COLUMNS
from features.synthetic.generator import Centre

WORK_STATES: Final = ("available", "on_contact", "acw")
"""States that are rostered work."""
STATE_ACTIVITY: Final = {
    **{state: "work" for state in WORK_STATES},
    "break": "break",
    "lunch": "lunch",
    "training": "training",
    "meeting": "meeting",
}
"""Roster activity of each agent state (``offline`` is no activity)."""
MAX_AHEAD: Final = pd.Timedelta(hours=23)
"""Latest end of a stored span after the instant (records may not lie a day ahead)."""


@dataclass
class Pending:
    """What is still to come today: contacts by arrival, agent states by start (local)."""

    contacts: pd.DataFrame
    agent_states: pd.DataFrame


def history_start(today: dt.date, weeks: int) -> dt.date:
    """First day of a history of `weeks` full weeks before the week of `today` (a Monday)."""
    return today - dt.timedelta(days=today.weekday() + 7 * weeks)


def _ticket_instants(ticket: dict[str, Any]) -> list[pd.Timestamp]:
    times = [ticket["opened_at"], ticket.get("resolved_at")]
    times += [change["at"] for change in ticket.get("status_changes") or []]
    return [pd.Timestamp(t) for t in times if t]


def split_at(
    centre: Centre, at: pd.Timestamp, clock: pd.Timestamp | None = None
) -> tuple[Centre, Pending]:
    """The centre as known at `at`, and the rest of `at`'s local day.

    Parameters
    ----------
    centre:
        A generated centre (instants tz-aware).
    at:
        The instant (tz-aware, in the site's zone).
    clock:
        The server's clock (now when None): no stored span ends more than :data:`MAX_AHEAD`
        after the earlier of `at` and the clock (the records' plausibility rule), even when
        `at` lies ahead of the clock (``seatwise demo --from-time`` later than now).

    Returns
    -------
    tuple[Centre, Pending]
        The past: contacts arrived and agent states started at or before `at` (a span ending
        more than :data:`MAX_AHEAD` after the earlier of `at` and `clock` is cut there),
        tickets all of whose instants, knowledge-base reads and evaluations at or before `at`.
        The pending: contacts arriving and states starting after `at` and before the next local
        midnight, sorted.
    """
    midnight = (at.normalize() + pd.Timedelta(days=1)).tz_localize(None).tz_localize(at.tz)
    contacts = centre.contacts
    states = centre.agent_states
    now = pd.Timestamp.now(tz="UTC") if clock is None else clock
    latest = min(at, now.tz_convert(at.tz)) + MAX_AHEAD
    past_states = states[states["started_at"] <= at].copy()
    past_states["ended_at"] = past_states["ended_at"].where(
        past_states["ended_at"] <= latest, latest
    )
    past = dataclasses.replace(
        centre,
        contacts=contacts[contacts["arrived_at"] <= at].reset_index(drop=True),
        agent_states=past_states.reset_index(drop=True),
        tickets=[t for t in centre.tickets if max(_ticket_instants(t)) <= at],
        kb_events=centre.kb_events[pd.to_datetime(centre.kb_events["viewed_at"]) <= at],
        quality=centre.quality[pd.to_datetime(centre.quality["evaluated_at"]) <= at],
    )
    later_contacts = contacts[(contacts["arrived_at"] > at) & (contacts["arrived_at"] < midnight)]
    later_states = states[(states["started_at"] > at) & (states["started_at"] < midnight)]
    pending = Pending(
        contacts=later_contacts.sort_values("arrived_at").reset_index(drop=True),
        agent_states=later_states.sort_values("started_at").reset_index(drop=True),
    )
    return past, pending


def worked_roster(agent_states: pd.DataFrame, agents: list[dict[str, Any]]) -> pd.DataFrame:
    """The roster the agents' state spans follow: one row per contiguous activity.

    Consecutive work states (available, on contact, after-call work) of an agent make one work
    row on the agent's main queue; breaks, lunches, training and meetings are rows of their
    own; offline time is no row.

    Parameters
    ----------
    agent_states:
        Spans (``agent_id``, ``state``, ``started_at``, ``ended_at``; tz-aware, site zone).
    agents:
        Agent records (``agent_id``, ``skills``).

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.ROSTER_COLUMNS`; ``date`` is the local date of the start.
    """
    queue_of = {str(a["agent_id"]): main_queue(a.get("skills")) for a in agents}
    spans = agent_states[agent_states["state"].isin(list(STATE_ACTIVITY))].copy()
    if spans.empty:
        return pd.DataFrame(columns=ROSTER_COLUMNS)
    spans = spans.sort_values(["agent_id", "started_at"])
    spans["activity"] = spans["state"].map(STATE_ACTIVITY)
    same_agent = spans["agent_id"].eq(spans["agent_id"].shift())
    joined = same_agent & spans["activity"].eq(spans["activity"].shift())
    joined &= spans["started_at"].eq(spans["ended_at"].shift())
    spans["block"] = (~joined).cumsum()
    rows = spans.groupby("block").agg(
        agent_id=("agent_id", "first"),
        activity=("activity", "first"),
        start=("started_at", "min"),
        end=("ended_at", "max"),
    )
    rows["queue"] = [
        queue_of.get(str(a)) if act == "work" else None
        for a, act in zip(rows["agent_id"], rows["activity"], strict=True)
    ]
    rows["date"] = rows["start"].dt.strftime("%Y-%m-%d")
    return rows[ROSTER_COLUMNS].reset_index(drop=True)
