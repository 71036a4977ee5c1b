"""Shift swaps: an agent hands one published shift to a named colleague or to anyone qualified.

The colleague's acceptance is checked against every hard rule of the roster's scenario
(:func:`scheduling.roster.checks.check_roster`: rest, contract minutes and days, skills, time
off, one shift a day ...) on the roster as it would be after the swap; a swap that breaks one is
refused naming the rule. The coverage change per queue and interval is kept with the swap for
the planner to see. A planner (or the agents' supervisor) approves it, or it is applied at once
when :attr:`api.settings.Settings.swap_auto_approve` is set and it breaks no rule and opens no
new coverage gap. Applying rewrites the roster's rows and publishes them again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import HTTPException, status

from api.auth import Principal
from api.schemas.common import frame_records
from api.scope import forbid_outside, scoped_agents
from api.services.audit import audit_event
from features.errors import FieldError, InvalidInput
from features.schema import ROSTER_COLUMNS
from features.store.people_store import PeopleStore
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.tables.people import SwapRow
from features.store.tables.service import Roster
from scheduling.roster.checks import check_roster, coverage_table
from scheduling.roster.scenario import Scenario, load_scenario

RULES = (
    "rest",
    "contract minutes",
    "contract max_days",
    "skills",
    "time off",
    "availability",
    "one shift per day",
    "max_consecutive_days",
    "template",
    "overlapping rows",
    "queue block",
    "unknown agent",
)
"""Names of the hard rules :func:`scheduling.roster.checks.check_roster` reports."""
OPEN_STATES = ("offered", "accepted")


@dataclass(frozen=True)
class SwapCheck:
    """The roster after a hand-over, the rules it breaks and the coverage it changes."""

    rows: pd.DataFrame
    violations: list[dict[str, str]]
    coverage_change: list[dict[str, Any]]

    @property
    def opens_gap(self) -> bool:
        """True when some queue and interval falls below its requirement that was covered."""
        return any(c["after"] < c["required"] <= c["before"] for c in self.coverage_change)


def roster_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Stored roster rows (ISO instants) as a frame with tz-aware UTC ``start``/``end``."""
    frame = pd.DataFrame(list(rows), columns=ROSTER_COLUMNS)
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    frame["queue"] = frame["queue"].fillna("")
    frame["date"] = [dt.date.fromisoformat(str(d)[:10]) for d in frame["date"]]
    return frame


def rule_of(message: str) -> tuple[str, str]:
    """(agent, rule name) of a :func:`check_roster` message ``"<agent>: <rule> ..."``."""
    agent, _, text = message.partition(": ")
    return agent, next((r for r in RULES if text.startswith(r)), text.split(" ")[0])


def _required(roster: Roster) -> pd.DataFrame:
    frame = pd.DataFrame(roster.coverage or [], columns=["queue", "interval_start", "required"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    return frame


def check_hand_over(
    scenario: Scenario, roster: Roster, date: str, from_agent: str, to_agent: str
) -> SwapCheck:
    """The roster with `from_agent`'s rows of local `date` given to `to_agent`, checked.

    Returns
    -------
    SwapCheck
        Violations are those of the two agents the swapped roster has and the roster had not
        (``agent``, ``rule``, ``detail``); the coverage change lists every queue and interval
        whose scheduled agents differ (``before``, ``after``, ``required``).
    """
    before = roster_frame(roster.rows or [])
    moved = (before["agent_id"] == from_agent) & (before["date"] == dt.date.fromisoformat(date))
    after = before.copy()
    after.loc[moved, "agent_id"] = to_agent
    old = set(check_roster(scenario, before))
    found = []
    for message in check_roster(scenario, after):
        agent, rule = rule_of(message)
        if message not in old and agent in (from_agent, to_agent):
            found.append({"agent": agent, "rule": rule, "detail": message})
    required = _required(roster)
    was = coverage_table(before, scenario, required)
    now = coverage_table(after, scenario, required)
    changed = was["scheduled"].to_numpy() != now["scheduled"].to_numpy()
    change = [
        {
            "queue": str(q),
            "interval_start": t.isoformat(),
            "required": int(r),
            "before": int(b),
            "after": int(a),
        }
        for q, t, r, b, a in zip(
            was.loc[changed, "queue"],
            was.loc[changed, "interval_start"],
            was.loc[changed, "required"],
            was.loc[changed, "scheduled"],
            now.loc[changed, "scheduled"],
            strict=True,
        )
    ]
    return SwapCheck(after, found, change)


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail=detail)


def _refuse(check: SwapCheck) -> None:
    if check.violations:
        rules = ", ".join(sorted({v["rule"] for v in check.violations}))
        raise InvalidInput(
            f"the swap breaks {rules}",
            [FieldError(None, v["rule"], v["detail"], v["agent"]) for v in check.violations],
        )


def _published(service: ServiceStore, roster_id: str) -> tuple[Roster, Scenario]:
    roster = service.get_roster(roster_id)
    if roster.status != "published":
        raise _conflict(f"roster '{roster_id}' is {roster.status}; only published shifts swap")
    return roster, load_scenario(roster.scenario)


def _shift_queues(roster: Roster, agent_id: str, date: str) -> set[str]:
    return {
        str(r.get("queue"))
        for r in roster.rows or []
        if r.get("agent_id") == agent_id
        and str(r.get("date")) == date
        and r.get("activity") == "work"
    }


def offer_swap(
    people: PeopleStore,
    service: ServiceStore,
    records: Store,
    principal: Principal,
    body: Mapping[str, Any],
) -> SwapRow:
    """Offer `principal`'s shift (or, for a planner, the named agent's) on ``body['date']`` of
    a published roster to ``body['to_agent']`` (None: anyone qualified); a named colleague is
    checked at once (422 naming the broken rule)."""
    from_agent = body.get("from_agent") or principal.agent_id
    if not from_agent:
        raise InvalidInput(
            "name the agent", [FieldError(None, "from_agent", "required for a key of no agent")]
        )
    forbid_outside(scoped_agents(principal, records), from_agent, "agent")
    date = body["date"].isoformat()
    roster, scenario = _published(service, body["roster_id"])
    if not _shift_queues(roster, from_agent, date) and not any(
        r.get("agent_id") == from_agent and str(r.get("date")) == date for r in roster.rows or []
    ):
        rule = f"{from_agent} has no shift on {date} in roster '{roster.roster_id}'"
        raise InvalidInput(rule, [FieldError(None, "date", rule, date)])
    to_agent = body.get("to_agent")
    if to_agent is not None:
        if to_agent == from_agent:
            rule = "must be another agent"
            raise InvalidInput(rule, [FieldError(None, "to_agent", rule, to_agent)])
        _refuse(check_hand_over(scenario, roster, date, from_agent, to_agent))
    swap = people.add_swap(
        SwapRow(
            roster_id=roster.roster_id,
            date=date,
            from_agent=from_agent,
            to_agent=to_agent,
            state="offered",
        )
    )
    people.add_audit(
        [audit_event(principal, "swap.offer", f"swap:{swap.id}", from_agent, _detail(swap))]
    )
    return swap


def _detail(swap: SwapRow, **more: Any) -> dict[str, Any]:
    return {
        "roster_id": swap.roster_id,
        "date": swap.date,
        "from_agent": swap.from_agent,
        "to_agent": swap.to_agent,
        "taken_by": swap.taken_by,
        "state": swap.state,
        **more,
    }


def qualified(roster: Roster, scenario: Scenario, swap: SwapRow, agent_id: str) -> bool:
    """Whether `agent_id` holds every skill the offered shift works."""
    skills = next((a.skills for a in scenario.agents if a.agent_id == agent_id), None)
    return skills is not None and _shift_queues(roster, swap.from_agent, swap.date) <= set(skills)


def accept_swap(
    people: PeopleStore,
    service: ServiceStore,
    principal: Principal,
    swap_id: int,
    auto_approve: bool,
) -> SwapRow:
    """The colleague (an agent's key) takes an offered shift: refused (422) when the swapped
    roster breaks a hard rule; applied at once when `auto_approve` and no coverage gap opens,
    else ``accepted`` for a planner's decision."""
    swap = people.get_swap(swap_id)
    taker = principal.agent_id
    if (
        not taker
        or (swap.to_agent is not None and swap.to_agent != taker)
        or taker == swap.from_agent
    ):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"swap {swap_id} is not offered to this key's agent",
        )
    if swap.state != "offered":
        raise _conflict(f"swap {swap_id} is {swap.state}; only an offered swap is accepted")
    roster, scenario = _published(service, swap.roster_id)
    check = check_hand_over(scenario, roster, swap.date, swap.from_agent, taker)
    _refuse(check)
    accepted = people.set_swap_state(
        swap_id, ("offered",), "accepted", taken_by=taker, coverage_change=check.coverage_change
    )
    if accepted is None:
        raise _conflict(f"swap {swap_id} was taken meanwhile")
    people.add_audit(
        [audit_event(principal, "swap.accept", f"swap:{swap_id}", taker, _detail(accepted))]
    )
    if auto_approve and not check.opens_gap:
        return _apply(
            people, service, principal, accepted, check, "automatic: rules and coverage hold"
        )
    return accepted


def decide_swap(
    people: PeopleStore,
    service: ServiceStore,
    records: Store,
    principal: Principal,
    swap_id: int,
    approve: bool,
    reason: str,
) -> SwapRow:
    """A planner's (or both agents' supervisor's) decision on an accepted swap; approving
    checks the rules again on the roster as it is now and applies the swap."""
    swap = people.get_swap(swap_id)
    scope = scoped_agents(principal, records)
    forbid_outside(scope, swap.from_agent, "agent")
    forbid_outside(scope, swap.taken_by or swap.from_agent, "agent")
    if swap.state != "accepted":
        raise _conflict(f"swap {swap_id} is {swap.state}; only an accepted swap is decided")
    if not approve:
        denied = people.set_swap_state(
            swap_id, ("accepted",), "denied", decided_by=principal.key_id, decision_reason=reason
        )
        if denied is None:
            raise _conflict(f"swap {swap_id} was decided meanwhile")
        people.add_audit(
            [
                audit_event(
                    principal,
                    "swap.decide",
                    f"swap:{swap_id}",
                    swap.from_agent,
                    _detail(denied, reason=reason),
                )
            ]
        )
        return denied
    roster, scenario = _published(service, swap.roster_id)
    check = check_hand_over(scenario, roster, swap.date, swap.from_agent, str(swap.taken_by))
    _refuse(check)
    return _apply(people, service, principal, swap, check, reason)


def _apply(
    people: PeopleStore,
    service: ServiceStore,
    principal: Principal,
    swap: SwapRow,
    check: SwapCheck,
    reason: str,
) -> SwapRow:
    approved = people.set_swap_state(
        swap.id, ("accepted",), "approved", decided_by=principal.key_id, decision_reason=reason
    )
    if approved is None:
        raise _conflict(f"swap {swap.id} was decided meanwhile")
    zone = str(load_scenario(service.get_roster(swap.roster_id).scenario).timezone)
    local = check.rows.copy()
    local["start"] = local["start"].dt.tz_convert(zone)
    local["end"] = local["end"].dt.tz_convert(zone)
    service.update_roster(swap.roster_id, rows=frame_records(local))
    agents = {str(swap.from_agent), str(swap.taken_by)}
    theirs = check.rows[check.rows["agent_id"].isin(sorted(agents))]
    people.replace_published(
        swap.roster_id,
        agents,
        check.rows["start"].min().to_pydatetime(),
        check.rows["end"].max().to_pydatetime(),
        [
            {**r, "start": r["start"].to_pydatetime(), "end": r["end"].to_pydatetime()}
            for r in theirs.to_dict("records")
        ],
    )
    people.add_audit(
        [
            audit_event(
                principal, "swap.decide", f"swap:{swap.id}", agent, _detail(approved, reason=reason)
            )
            for agent in (str(swap.from_agent), str(swap.taken_by))
        ]
    )
    return approved
