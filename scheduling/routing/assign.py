"""Real-time routing: pair waiting contacts with available agents, following the routing plan.

Rules, applied in this order:

1. Contacts are served by priority (highest first), then by wait (longest first), then by
   contact id so the answer is deterministic.
2. An agent may take a contact only when the contact's queue is one of the agent's skills
   **and** either the agent's routing plan at that moment is that queue, or the agent has no
   plan queue at that moment (no published roster row, or a non-work activity such as a break
   while the agent still reports itself available). In that fallback the agent may take any
   queue in its skills: an available agent is never left idle because the plan is silent.
3. Among eligible agents the one with the best proficiency wins, then the one idle longest
   (fair share of work), then the smallest agent id.
4. Each agent takes at most one contact; a contact nobody may take is left unassigned with
   the reason.

Everything here is pure: plain dataclasses and mappings in, dataclasses out.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput

DEFAULT_QUEUE_PRIORITY = 1.0
"""Priority of a queue missing from the published queue priorities."""

REASON_NO_SKILLED_AGENT = "no available agent has this queue in their skills and plan"
REASON_AGENTS_BUSY = "every eligible agent was given a contact of higher priority or longer wait"


@dataclass(frozen=True)
class WaitingContact:
    """A contact waiting in a queue.

    Attributes
    ----------
    contact_id:
        Unique id of the contact.
    queue:
        Queue the contact waits in.
    wait_s:
        Time waited so far, seconds (>= 0).
    priority:
        Contact priority (higher first); None takes the queue's priority.
    """

    contact_id: str
    queue: str
    wait_s: float
    priority: float | None = None


@dataclass(frozen=True)
class AvailableAgent:
    """An agent ready to take a contact, idle for `idle_s` seconds (>= 0)."""

    agent_id: str
    idle_s: float = 0.0


@dataclass(frozen=True)
class Assignment:
    """One pairing: the contact, the agent, the queue and the agent's proficiency (1-5)."""

    contact_id: str
    agent_id: str
    queue: str
    proficiency: int


@dataclass(frozen=True)
class Unassigned:
    """A contact left waiting, with the reason."""

    contact_id: str
    queue: str
    reason: str


@dataclass(frozen=True)
class RoutingDecision:
    """Every assignment (in serving order) and every contact left waiting."""

    assignments: list[Assignment] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)


def validate_routing_input(
    contacts: Sequence[WaitingContact], agents: Sequence[AvailableAgent]
) -> None:
    """Raise InvalidInput listing every duplicate id and negative or non-finite duration."""
    errors: list[FieldError] = []
    seen_contacts: set[str] = set()
    for row, contact in enumerate(contacts):
        if contact.contact_id in seen_contacts:
            errors.append(FieldError(row, "contact_id", "must be unique", contact.contact_id))
        seen_contacts.add(contact.contact_id)
        if not np.isfinite(contact.wait_s) or contact.wait_s < 0:
            errors.append(FieldError(row, "wait_s", "must be a finite number >= 0", contact.wait_s))
        if contact.priority is not None and not np.isfinite(contact.priority):
            errors.append(FieldError(row, "priority", "must be finite", contact.priority))
    seen_agents: set[str] = set()
    for row, agent in enumerate(agents):
        if agent.agent_id in seen_agents:
            errors.append(FieldError(row, "agent_id", "must be unique", agent.agent_id))
        seen_agents.add(agent.agent_id)
        if not np.isfinite(agent.idle_s) or agent.idle_s < 0:
            errors.append(FieldError(row, "idle_s", "must be a finite number >= 0", agent.idle_s))
    if errors:
        raise InvalidInput("routing request has invalid contacts or agents", errors)


def _eligible(
    agent_id: str,
    queue: str,
    plan: Mapping[str, str | None],
    skills: Mapping[str, Mapping[str, int]],
) -> int | None:
    """The agent's proficiency on `queue` when it may serve it now, else None."""
    proficiency = skills.get(agent_id, {}).get(queue)
    if proficiency is None or proficiency <= 0:
        return None
    planned = plan.get(agent_id)
    if planned is not None and planned != queue:
        return None
    return int(proficiency)


def route_contacts(
    contacts: Sequence[WaitingContact],
    agents: Sequence[AvailableAgent],
    plan: Mapping[str, str | None],
    skills: Mapping[str, Mapping[str, int]],
    queue_priority: Mapping[str, float] | None = None,
) -> RoutingDecision:
    """Pair waiting contacts with available agents, and say why the others wait.

    Parameters
    ----------
    contacts:
        Contacts waiting now (wait in seconds).
    agents:
        Agents available now (idle time in seconds).
    plan:
        Queue each agent serves at this moment by the published routing plan; None (or a
        missing agent) means no plan queue now, so any queue in the agent's skills.
    skills:
        Proficiency (1-5) per agent per queue; an agent without the queue cannot serve it.
    queue_priority:
        Priority per queue, used for contacts without their own priority (default 1.0).

    Returns
    -------
    RoutingDecision
        Assignments in serving order and the unassigned contacts with their reason.

    Raises
    ------
    InvalidInput
        Duplicate ids, or negative or non-finite wait/idle seconds.
    """
    validate_routing_input(contacts, agents)
    priorities = queue_priority or {}

    def priority(contact: WaitingContact) -> float:
        if contact.priority is not None:
            return float(contact.priority)
        return float(priorities.get(contact.queue, DEFAULT_QUEUE_PRIORITY))

    order = sorted(contacts, key=lambda c: (-priority(c), -c.wait_s, c.contact_id))
    candidates: dict[str, list[tuple[int, float, str]]] = {}
    for queue in {c.queue for c in contacts}:
        heap: list[tuple[int, float, str]] = []
        for agent in agents:
            proficiency = _eligible(agent.agent_id, queue, plan, skills)
            if proficiency is not None:
                heap.append((-proficiency, -agent.idle_s, agent.agent_id))
        heapq.heapify(heap)
        candidates[queue] = heap

    servable = {queue for queue, heap in candidates.items() if heap}
    taken: set[str] = set()
    decision = RoutingDecision()
    for contact in order:
        heap = candidates[contact.queue]
        if contact.queue not in servable:
            reason = REASON_NO_SKILLED_AGENT
            decision.unassigned.append(Unassigned(contact.contact_id, contact.queue, reason))
            continue
        while heap and heap[0][2] in taken:
            heapq.heappop(heap)
        if not heap:
            decision.unassigned.append(
                Unassigned(contact.contact_id, contact.queue, REASON_AGENTS_BUSY)
            )
            continue
        neg_proficiency, _, agent_id = heapq.heappop(heap)
        taken.add(agent_id)
        decision.assignments.append(
            Assignment(contact.contact_id, agent_id, contact.queue, -neg_proficiency)
        )
    return decision


def assign_contacts(
    contacts: Sequence[WaitingContact],
    agents: Sequence[AvailableAgent],
    plan: Mapping[str, str | None],
    skills: Mapping[str, Mapping[str, int]],
    queue_priority: Mapping[str, float] | None = None,
) -> list[Assignment]:
    """Pair waiting contacts with available agents (see :func:`route_contacts` for the rules).

    Returns only the assignments, in serving order.
    """
    return route_contacts(contacts, agents, plan, skills, queue_priority).assignments


@dataclass(frozen=True)
class PlannedActivity:
    """What the published roster says an agent does at one moment."""

    activity: str
    queue: str | None


_FOREVER = 2**62


@dataclass(frozen=True)
class _Segment:
    """The plan over [low, high) ns: no roster row starts or ends inside it."""

    low: int
    high: int
    activities: dict[str, PlannedActivity]
    queues: dict[str, str | None]


class PlanIndex:
    """Published roster rows indexed for fast "what does each agent do at instant t" lookups.

    Parameters
    ----------
    roster:
        Frame with ROSTER_COLUMNS (`agent_id`, `activity`, `queue`, `start`, `end`; instants
        tz-aware). Rows cover [start, end).

    Notes
    -----
    Instants are kept as int64 nanoseconds since the epoch so a lookup is one vectorised
    comparison over all rows (a week for a few hundred agents is a few thousand rows).
    """

    def __init__(self, roster: pd.DataFrame) -> None:
        self._cached: _Segment | None = None
        if roster.empty:
            self._starts = np.empty(0, dtype=np.int64)
            self._ends = np.empty(0, dtype=np.int64)
            self._agents = np.empty(0, dtype=object)
            self._activities = np.empty(0, dtype=object)
            self._queues = np.empty(0, dtype=object)
            return
        starts = pd.to_datetime(roster["start"], utc=True)
        ends = pd.to_datetime(roster["end"], utc=True)
        self._starts = starts.astype("datetime64[ns, UTC]").to_numpy("datetime64[ns]").view("i8")
        self._ends = ends.astype("datetime64[ns, UTC]").to_numpy("datetime64[ns]").view("i8")
        self._agents = roster["agent_id"].astype(str).to_numpy(dtype=object)
        self._activities = roster["activity"].astype(str).to_numpy(dtype=object)
        queues = roster["queue"].astype(object).where(roster["queue"].notna(), None)
        self._queues = np.array(
            [q if isinstance(q, str) and q != "" else None for q in queues], dtype=object
        )

    def __len__(self) -> int:
        return int(self._starts.size)

    def _segment(self, instant: pd.Timestamp) -> _Segment:
        """The cached answer for `instant`, recomputed when `instant` leaves its segment."""
        if instant.tzinfo is None:
            raise InvalidInput(
                "the routing instant needs a timezone",
                [FieldError(None, "at", "instant must carry an offset", str(instant))],
            )
        ns = pd.Timestamp(instant).as_unit("ns").value
        cached = self._cached
        if cached is not None and cached.low <= ns < cached.high:
            return cached
        covering = (self._starts <= ns) & (ns < self._ends)
        rows = np.flatnonzero(covering)
        # The answer holds until the next row starts or a covering row ends.
        later_starts = self._starts[self._starts > ns]
        covering_ends = self._ends[covering]
        high = min(
            int(later_starts.min()) if later_starts.size else _FOREVER,
            int(covering_ends.min()) if covering_ends.size else _FOREVER,
        )
        earlier_ends = self._ends[self._ends <= ns]
        covering_starts = self._starts[covering]
        low = max(
            int(earlier_ends.max()) if earlier_ends.size else -_FOREVER,
            int(covering_starts.max()) if covering_starts.size else -_FOREVER,
        )
        activities = {
            str(self._agents[i]): PlannedActivity(str(self._activities[i]), self._queues[i])
            for i in rows
        }
        queues = {
            agent: (planned.queue if planned.activity == "work" else None)
            for agent, planned in activities.items()
        }
        segment = _Segment(low, high, activities, queues)
        self._cached = segment
        return segment

    def at(self, instant: pd.Timestamp) -> dict[str, PlannedActivity]:
        """Activity and queue of every agent with a roster row covering `instant` (tz-aware).

        The returned mapping is shared between calls at nearby instants: do not modify it.
        """
        return self._segment(instant).activities

    def queues_at(self, instant: pd.Timestamp) -> dict[str, str | None]:
        """Plan queue per agent at `instant`: the work queue, or None for non-work activities.

        The returned mapping is shared between calls at nearby instants: do not modify it.
        """
        return self._segment(instant).queues
