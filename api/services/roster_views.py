"""What a caller sees of a stored roster: its scope (the agents and queues a supervisor's teams
cover) and the API view of the roster limited to it.

Routers call :func:`roster_scope` and :func:`roster_public`; the scoping rules live here, not in
the router.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.auth import Principal
from api.roles import SUPERVISOR
from api.schemas.rosters import (
    RosterPublic,
    RosterRowPublic,
)
from features.store.service_store import as_utc
from features.store.tables.service import Roster


def _scenario_agents_in(roster: Roster, teams: list[str]) -> dict[str, set[str]]:
    """Agents of the roster's scenario whose team is one of `teams`, each with the queues they
    hold skills for."""
    agents = roster.scenario.get("agents", []) if isinstance(roster.scenario, dict) else []
    return {
        str(a.get("agent_id")): {str(q) for q in a.get("skills") or {}}
        if isinstance(a.get("skills"), dict)
        else set()
        for a in agents
        if isinstance(a, dict) and a.get("team") in teams
    }


@dataclass(frozen=True)
class RosterScope:
    """What of a roster a caller sees: its agents and the queues they hold skills for (None:
    everything)."""

    agents: set[str] | None = None
    queues: set[str] | None = None

    def has_agent(self, agent_id: Any) -> bool:
        """Whether the agent's rows are shown."""
        return self.agents is None or str(agent_id) in self.agents

    def has_queue(self, queue: Any) -> bool:
        """Whether the queue's coverage is shown."""
        return self.queues is None or str(queue) in self.queues

    def has_conflict(self, conflict: dict[str, Any]) -> bool:
        """Whether a conflict is shown: one naming one of the agents (every conflict when the
        scope is everything; one naming no agent only then)."""
        if self.agents is None:
            return True
        return any(str(a) in self.agents for a in conflict.get("agents") or [])


EVERYTHING = RosterScope()


def roster_scope(roster: Roster, principal: Principal) -> RosterScope:
    """A supervisor sees their teams' agents of the roster's scenario and the queues those
    agents hold skills for; other roles see everything."""
    if principal.role != SUPERVISOR:
        return EVERYTHING
    mine = _scenario_agents_in(roster, principal.teams)
    return RosterScope(agents=set(mine), queues=set().union(*mine.values()))


def scoped_report(
    report: dict[str, Any] | None, agents: set[str] | None, queues: set[str] | None = None
) -> dict[str, Any] | None:
    """A roster's report with the per-agent parts (preferences, fairness) limited to `agents`
    and the per-queue parts (queues, gaps, hours short by skill) to `queues` (None: all)."""
    if report is None or (agents is None and queues is None):
        return report
    scoped = dict(report)
    if agents is not None:
        for part in ("preferences", "fairness"):
            scoped[part] = [r for r in report.get(part) or [] if str(r.get("agent_id")) in agents]
    if queues is not None:
        for part in ("queues", "gaps"):
            scoped[part] = [r for r in report.get(part) or [] if str(r.get("queue")) in queues]
        by_skill = report.get("hours_short_by_skill") or {}
        scoped["hours_short_by_skill"] = {q: h for q, h in by_skill.items() if q in queues}
    return scoped


def roster_public(roster: Roster, scope: RosterScope = EVERYTHING) -> RosterPublic:
    """The API view of a roster limited to `scope`: its agents' rows and conflicts, their
    queues' coverage and the report's parts about them."""
    rows = [r for r in roster.rows or [] if scope.has_agent(r.get("agent_id"))]
    coverage = [c for c in roster.coverage or [] if scope.has_queue(c.get("queue"))]
    conflicts = [c for c in roster.conflicts or [] if scope.has_conflict(c)]
    return RosterPublic(
        roster_id=roster.roster_id,
        status=roster.status,
        job_id=roster.job_id,
        solver_status=roster.solver_status,
        objective=roster.objective,
        objective_terms=roster.objective_terms,
        lower_bound=roster.lower_bound,
        gap=roster.gap,
        rows=[RosterRowPublic(**r) for r in rows],
        coverage=coverage,  # type: ignore[arg-type]
        conflicts=conflicts,  # type: ignore[arg-type]
        report=scoped_report(roster.report, scope.agents, scope.queues),
        created_at=as_utc(roster.created_at),  # type: ignore[arg-type]
        published_at=as_utc(roster.published_at),
    )
