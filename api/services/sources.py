"""Reads and roll-ups of the other sources that the routers, the exports and the CLI share:
tickets and quality evaluations per drill-down node (center → queues → teams → agents), scoped
like the contact KPIs, and knowledge-base use.

A supervisor reads the tickets their teams' agents own and the unowned tickets of the queues
those agents serve; an agent reads the tickets they own; quality follows the evaluated
contact's agent the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from api.auth import Principal
from api.roles import AGENT, SUPERVISOR
from api.scope import scoped_agents, scoped_queues
from features.measures.kpis import CHILD_LEVEL, node_contacts
from features.measures.quality import quality_by
from features.measures.tickets import (
    TicketTotals,
    grouped_ticket_totals,
    ticket_totals,
)
from features.store.records_store import Store
from features.store.sources_store import SourcesStore

CHILD_COLUMN = {"queue": "queue", "team": "team", "agent": "agent_id"}
"""The column holding a child level's id."""


@dataclass(frozen=True)
class Scope:
    """What a caller may read: agent ids and queues (None: everything)."""

    agents: frozenset[str] | None = None
    queues: frozenset[str] | None = None
    teams: frozenset[str] | None = None
    own_only: bool = False

    @classmethod
    def of(cls, principal: Principal, store: Store) -> Scope:
        """The scope of an API key."""
        agents = scoped_agents(principal, store)
        queues = scoped_queues(principal, store)
        teams = frozenset(principal.teams) if principal.role == SUPERVISOR else None
        return cls(
            agents=None if agents is None else frozenset(agents),
            queues=None if queues is None else frozenset(queues),
            teams=teams,
            own_only=principal.role == AGENT,
        )

    def owned(self, frame: pd.DataFrame, agent_column: str = "agent_id") -> pd.DataFrame:
        """Rows the scope may see: its agents' rows, and (for a supervisor) rows without an
        agent on its queues."""
        if self.agents is None:
            return frame
        mine = frame[agent_column].isin(sorted(self.agents))
        if self.own_only or self.queues is None:
            return frame[mine.to_numpy()]
        nobody = frame[agent_column].isna() & frame["queue"].isin(sorted(self.queues))
        return frame[(mine | nobody).to_numpy()]


def team_map(store: Store) -> dict[str, str]:
    """Agent id -> team of every stored agent with one."""
    agents = store.read_agents()
    known = agents.dropna(subset=["team"])
    return dict(zip(known["agent_id"].astype(str), known["team"].astype(str), strict=True))


def read_tickets(
    store: Store,
    low: pd.Timestamp,
    high: pd.Timestamp,
    scope: Scope,
    *,
    queues: Collection[str] | None = None,
    opened_only: bool = False,
) -> pd.DataFrame:
    """Tickets whose life overlaps ``[low, high)`` (see
    :meth:`~features.store.sources_store.SourcesStore.read_tickets`), in scope, with the owner's
    ``team``."""
    tickets = SourcesStore(store).read_tickets(
        low, high, queues=sorted(queues) if queues is not None else None, opened_only=opened_only
    )
    tickets = scope.owned(tickets)
    return tickets.assign(team=tickets["agent_id"].map(team_map(store)))


def read_quality(store: Store, low: pd.Timestamp, high: pd.Timestamp, scope: Scope) -> pd.DataFrame:
    """Evaluations of the contacts that arrived in ``[low, high)``, in scope, with the
    contact agent's ``team``."""
    quality = SourcesStore(store).read_quality(low, high, by="contact")
    quality = scope.owned(quality)
    return quality.assign(team=quality["agent_id"].map(team_map(store)))


def _node(frame: pd.DataFrame, level: str, node: str | None) -> pd.DataFrame:
    if level == "queue":
        return frame[frame["queue"] == node].reset_index(drop=True)
    return node_contacts(frame, level, node)


def ticket_rollup(
    tickets: pd.DataFrame,
    level: str,
    node: str | None,
    low: pd.Timestamp,
    high: pd.Timestamp,
    visible_children: Collection[str] | None = None,
) -> tuple[TicketTotals, dict[str, TicketTotals], dict[str, TicketTotals]]:
    """Ticket KPIs of a node, of its children and of its categories.

    Parameters
    ----------
    tickets:
        Tickets with ``team`` (:func:`read_tickets`).
    level, node:
        ``center`` (node None), ``queue``, ``team`` or ``agent`` and its id.
    low, high:
        The period.
    visible_children:
        Child ids that may be shown (None: all).
    """
    own = _node(tickets, level, node)
    totals = ticket_totals(own, low, high)
    children: dict[str, TicketTotals] = {}
    child = CHILD_LEVEL[level]
    if child is not None and not own.empty:
        children = grouped_ticket_totals(own, low, high, CHILD_COLUMN[child])
        if visible_children is not None:
            children = {k: v for k, v in children.items() if k in visible_children}
    categories = grouped_ticket_totals(own, low, high, "category") if not own.empty else {}
    return totals, children, categories


def quality_rollup(
    evaluations: pd.DataFrame,
    level: str,
    node: str | None,
    visible_children: Collection[str] | None = None,
) -> tuple[dict[str, float | int | None], dict[str, dict[str, float | int | None]]]:
    """Quality KPIs (:func:`features.measures.quality.quality_by`) of a node and its children."""
    own = _node(evaluations, level, node)
    totals: dict[str, float | int | None] = (
        _row(quality_by(own).iloc[0].to_dict()) if not own.empty else {"evaluations": 0}
    )
    children: dict[str, dict[str, float | int | None]] = {}
    child = CHILD_LEVEL[level]
    if child is not None and not own.empty:
        column = CHILD_COLUMN[child]
        table = quality_by(own, column)
        for record in table.to_dict("records"):
            label = str(record.pop(column))
            if visible_children is None or label in visible_children:
                children[label] = _row(record)
    return totals, children


def _row(record: dict[str, object]) -> dict[str, float | int | None]:
    out: dict[str, float | int | None] = {}
    for key, value in record.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            out[key] = None
        elif key == "evaluations":
            out[key] = int(value)  # type: ignore[call-overload]
        else:
            out[key] = float(value)  # type: ignore[arg-type]
    return out


def tenure_starts(store: Store, agent_ids: Collection[str] | None = None) -> dict[str, dt.date]:
    """Each agent's first day: the contract's ``start_date``, else the day of their first
    handled contact in the store (agent id -> local date in UTC)."""
    agents = store.read_agents()
    starts: dict[str, dt.date] = {}
    for agent_id, contract in zip(agents["agent_id"], agents["contract"], strict=True):
        given = contract.get("start_date") if isinstance(contract, dict) else None
        if given:
            starts[str(agent_id)] = dt.date.fromisoformat(str(given))
    missing = [a for a in (agent_ids or agents["agent_id"].astype(str)) if a not in starts]
    if missing:
        first = SourcesStore(store).first_contact_days(missing)
        starts.update({a: stamp.date() for a, stamp in first.items()})
    if agent_ids is not None:
        return {a: d for a, d in starts.items() if a in set(agent_ids)}
    return starts
