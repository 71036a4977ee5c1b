"""What a caller may see: the agents and queues in a key's scope.

An agent key sees itself; a supervisor key the agents of its teams and the queues those agents
are skilled for; every other role everything (None below means "no restriction").
"""

from __future__ import annotations

from fastapi import HTTPException, status

from api.auth import Principal
from api.roles import AGENT, SUPERVISOR
from features.store.records_store import Store


def scoped_agents(principal: Principal, store: Store) -> set[str] | None:
    """Agent ids the caller may see: None for all; an agent sees itself, a supervisor the
    agents whose team is one of the key's teams."""
    if principal.role == AGENT:
        return {principal.agent_id} if principal.agent_id else set()
    if principal.role != SUPERVISOR:
        return None
    agents = store.read_agents()
    mine = agents[agents["team"].isin(principal.teams)]
    return {str(a) for a in mine["agent_id"]}


def scoped_queues(principal: Principal, store: Store) -> set[str] | None:
    """Queues the caller may see: None for all; for a supervisor (or agent) the queues their
    agents are skilled for."""
    agent_ids = scoped_agents(principal, store)
    if agent_ids is None:
        return None
    agents = store.read_agents()
    skills = agents.loc[agents["agent_id"].isin(sorted(agent_ids)), "skills"]
    return {str(queue) for entry in skills if isinstance(entry, dict) for queue in entry}


def forbid_outside(allowed: set[str] | None, wanted: str, what: str) -> None:
    """403 when `wanted` is outside the caller's scope `allowed` (None: everything allowed)."""
    if allowed is not None and wanted not in allowed:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"{what} '{wanted}' is outside this key's scope",
        )
