"""The agents as a resource: stored agents filtered by team, skill and site, within a scope.

The store's agent records (DESIGN.md "agents") are read whole and filtered here: a centre holds
a few thousand agents at most, and the filters match inside JSON (skills) that the two
dialects query differently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd

from api.schemas.common import json_ready
from features.errors import NotFound
from features.store.records_store import Store


@dataclass(frozen=True)
class AgentFilter:
    """Which agents to list: every given field must match (None: any)."""

    team: str | None = None
    skill: str | None = None
    site: str | None = None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(json_ready(record)) for record in frame.to_dict("records")]


def list_agents(
    store: Store, wanted: AgentFilter, scope: Collection[str] | None
) -> list[dict[str, Any]]:
    """Stored agents matching `wanted` among `scope` (agent ids; None: every agent), ordered by
    agent id."""
    agents = store.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    keep = pd.Series(True, index=agents.index)
    if scope is not None:
        keep &= agents["agent_id"].isin(sorted(scope))
    if wanted.team is not None:
        keep &= agents["team"] == wanted.team
    if wanted.site is not None:
        keep &= agents["site"] == wanted.site
    if wanted.skill is not None:
        skill = wanted.skill
        keep &= agents["skills"].map(lambda s: isinstance(s, dict) and skill in s)
    return _records(agents[keep])


def read_agent(store: Store, agent_id: str) -> dict[str, Any]:
    """One stored agent's record.

    Raises
    ------
    NotFound
        When no agent with this id is stored.
    """
    agents = store.read_agents()
    mine = agents[agents["agent_id"].astype(str) == agent_id]
    if mine.empty:
        raise NotFound(f"agent '{agent_id}' does not exist")
    return _records(mine)[0]


def agent_team(store: Store, agent_id: str) -> str:
    """The stored agent's team ("" when they have none).

    Raises
    ------
    NotFound
        When no agent with this id is stored.
    """
    team = read_agent(store, agent_id).get("team")
    return "" if team is None else str(team)
