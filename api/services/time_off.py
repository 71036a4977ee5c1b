"""Time off: requests, decisions, allotments with a first-come-first-served waitlist, and the
yearly leave balance.

The balance rule lives here and nowhere else:

- A year's **entitlement** is the contract's ``annual_leave_hours`` when it names one, else
  :data:`ANNUAL_LEAVE_WEEKS` weeks of the contract's ``max_hours`` (40 h a week: 200 h).
- A **whole day** off costs the contract's day, ``max_hours / max_days`` (40 h over 5 days:
  8 h); in one ISO week at most ``max_days`` days are charged (a whole week off costs one
  contract week, however many days it spans). A **partial day** costs its clock minutes, at
  most one contract day.
- Approved requests are **taken**; pending and waitlisted ones are **pending**; a request that
  would take the remaining balance below zero is refused. A request belongs to the year of
  its first day and may not cross into the next year.

Allotments cap how many agents of a team may be off on a day. A new request holds a place
(``pending``) when every allotted day of it has one free, else it joins the team's waitlist
(``waitlisted``). When a place frees (a pending request denied, a request cancelled, an
allotment raised) the waiting requests are granted (``approved``) earliest first, each whose
every allotted day has room again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from fastapi import HTTPException, status

from api.auth import Principal
from api.scope import forbid_outside, scoped_agents
from api.services.agent_directory import read_agent
from api.services.audit import audit_event
from features.errors import FieldError, InvalidInput
from features.store.people_store import HOLDING_STATES, PeopleStore, Room, days_of
from features.store.records_store import Store
from features.store.service_store import utc_now
from features.store.tables.people import TimeOffRequestRow

ANNUAL_LEAVE_WEEKS = 5.0
"""Contract weeks of paid leave a year when the contract names no ``annual_leave_hours``."""
MAX_REQUEST_DAYS = 31
"""Longest request, days; longer leave is asked for month by month."""
WAITING_STATES = ("waitlisted",)
OPEN_STATES = (*HOLDING_STATES, *WAITING_STATES)
"""States of a request that still counts: it holds or waits for a place."""
DECIDABLE_STATES = ("pending", "waitlisted")
"""States of a request a planner or supervisor decides."""
WAITLIST_ACTOR = "waitlist"
"""``decided_by`` of a request granted automatically from the waitlist."""


def day_minutes(contract: Mapping[str, Any] | None) -> int:
    """Minutes one whole day off costs: the contract's weekly ``max_hours`` over ``max_days``."""
    contract = contract or {}
    return round(
        float(contract.get("max_hours", 40)) * 60 / max(int(contract.get("max_days", 5)), 1)
    )


def entitlement_minutes(contract: Mapping[str, Any] | None) -> int:
    """A year's leave, minutes: ``annual_leave_hours``, else :data:`ANNUAL_LEAVE_WEEKS` weeks of
    ``max_hours``."""
    contract = contract or {}
    if contract.get("annual_leave_hours") is not None:
        return round(float(contract["annual_leave_hours"]) * 60)
    return round(float(contract.get("max_hours", 40)) * 60 * ANNUAL_LEAVE_WEEKS)


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def charged_minutes(
    contract: Mapping[str, Any] | None,
    first_day: dt.date,
    last_day: dt.date,
    start_time: str | None = None,
    end_time: str | None = None,
) -> int:
    """Leave minutes a request costs (the rule of this module's docstring).

    Examples
    --------
    >>> contract = {"max_hours": 40, "max_days": 5}
    >>> charged_minutes(contract, dt.date(2026, 11, 30), dt.date(2026, 12, 6))  # a whole week
    2400
    >>> charged_minutes(contract, dt.date(2026, 12, 2), dt.date(2026, 12, 2), "13:00", "17:00")
    240
    """
    per_day = day_minutes(contract)
    if start_time is not None and end_time is not None:
        return min(_clock(end_time) - _clock(start_time), per_day)
    max_days = max(int((contract or {}).get("max_days", 5)), 1)
    weeks: dict[tuple[int, int], int] = {}
    for day in days_of(first_day.isoformat(), last_day.isoformat()):
        iso = dt.date.fromisoformat(day).isocalendar()
        weeks[(iso.year, iso.week)] = weeks.get((iso.year, iso.week), 0) + 1
    return per_day * sum(min(n, max_days) for n in weeks.values())


def leave_balance(people: PeopleStore, records: Store, agent_id: str, year: int) -> dict[str, Any]:
    """`agent_id`'s entitlement, taken, pending and remaining leave minutes in `year`."""
    agent = read_agent(records, agent_id)
    requests = people.agent_requests(agent_id, OPEN_STATES, f"{year}-01-01", f"{year}-12-31")
    taken = sum(
        r.minutes for r in requests if r.state == "approved" and r.first_day[:4] == str(year)
    )
    pending = sum(
        r.minutes for r in requests if r.state != "approved" and r.first_day[:4] == str(year)
    )
    entitled = entitlement_minutes(agent.get("contract"))
    return {
        "agent_id": agent_id,
        "year": year,
        "entitlement_minutes": entitled,
        "taken_minutes": taken,
        "pending_minutes": pending,
        "remaining_minutes": entitled - taken - pending,
    }


def _shape_errors(
    first: dt.date, last: dt.date, start_time: str | None, end_time: str | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    if last < first:
        errors.append(FieldError(None, "last_day", "must not be before first_day", str(last)))
    elif (last - first).days + 1 > MAX_REQUEST_DAYS:
        rule = f"a request spans at most {MAX_REQUEST_DAYS} days"
        errors.append(FieldError(None, "last_day", rule, str(last)))
    if last.year != first.year:
        errors.append(FieldError(None, "last_day", "must be in first_day's year", str(last)))
    if (start_time is None) != (end_time is None):
        rule = "a partial day needs both start_time and end_time"
        errors.append(FieldError(None, "end_time" if end_time is None else "start_time", rule))
    elif start_time is not None and end_time is not None:
        if last != first:
            rule = "a partial day is one day: last_day must equal first_day"
            errors.append(FieldError(None, "last_day", rule, str(last)))
        if _clock(end_time) <= _clock(start_time):
            errors.append(FieldError(None, "end_time", "must be after start_time", end_time))
    return errors


def request_time_off(
    people: PeopleStore,
    records: Store,
    principal: Principal,
    body: Mapping[str, Any],
) -> TimeOffRequestRow:
    """Store `principal`'s request (an agent's own; others within their scope), pending when
    each allotted day has a place, else waitlisted.

    Raises
    ------
    InvalidInput
        A malformed range, an overlap with an open request of the agent, or not enough
        balance left (field, rule and value named).
    """
    agent_id = body.get("agent_id") or principal.agent_id
    if not agent_id:
        raise InvalidInput(
            "name the agent", [FieldError(None, "agent_id", "required for a key of no agent")]
        )
    forbid_outside(scoped_agents(principal, records), agent_id, "agent")
    agent = read_agent(records, agent_id)
    first: dt.date = body["first_day"]
    last: dt.date = body.get("last_day") or first
    start_time, end_time = body.get("start_time"), body.get("end_time")
    errors = _shape_errors(first, last, start_time, end_time)
    if errors:
        raise InvalidInput("the time-off request is not valid", errors)
    open_ones = people.agent_requests(agent_id, OPEN_STATES, first.isoformat(), last.isoformat())
    if open_ones:
        clash = open_ones[0]
        rule = f"overlaps {agent_id}'s {clash.state} request {clash.id}"
        raise InvalidInput(rule, [FieldError(None, "first_day", rule, first.isoformat())])
    minutes = charged_minutes(agent.get("contract"), first, last, start_time, end_time)
    balance = leave_balance(people, records, agent_id, first.year)
    if minutes > balance["remaining_minutes"]:
        rule = (
            f"needs {minutes} minutes of leave; {balance['remaining_minutes']} of "
            f"{balance['entitlement_minutes']} remain in {first.year}"
        )
        raise InvalidInput("not enough leave balance", [FieldError(None, "balance", rule, minutes)])
    row = TimeOffRequestRow(
        agent_id=agent_id,
        team=str(agent.get("team") or ""),
        first_day=first.isoformat(),
        last_day=last.isoformat(),
        start_time=start_time,
        end_time=end_time,
        minutes=minutes,
        note=str(body.get("note") or ""),
        requested_by=principal.key_id,
    )
    placed = people.place_time_off(row, _state_for_room)
    people.add_audit(
        [audit_event(principal, "time_off.request", _subject(placed), agent_id, _detail(placed))]
    )
    return placed


def _state_for_room(room: Room) -> str:
    return "waitlisted" if any(taken >= max_off for max_off, taken in room.values()) else "pending"


def _subject(row: TimeOffRequestRow) -> str:
    return f"time-off-request:{row.id}"


def _detail(row: TimeOffRequestRow, **more: Any) -> dict[str, Any]:
    return {
        "state": row.state,
        "first_day": row.first_day,
        "last_day": row.last_day,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "minutes": row.minutes,
        **more,
    }


def _conflict(detail: str) -> HTTPException:
    return HTTPException(status_code=status.HTTP_409_CONFLICT, detail=detail)


def _room_left(room: Room) -> None:
    full = sorted(day for day, (max_off, taken) in room.items() if taken >= max_off)
    if full:
        max_off = room[full[0]][0]
        raise _conflict(
            f"the team's allotment is full on {', '.join(full)} (at most {max_off} off)"
        )


def _grant_waiting(people: PeopleStore, principal: Principal, team: str) -> list[TimeOffRequestRow]:
    granted = people.grant_waitlisted(
        team,
        decided_by=WAITLIST_ACTOR,
        decided_at=utc_now(),
        decision_reason="granted from the waitlist when a place freed",
    )
    people.add_audit(
        [
            audit_event(principal, "time_off.waitlist_grant", _subject(r), r.agent_id, _detail(r))
            for r in granted
        ]
    )
    return granted


def decide_time_off(
    people: PeopleStore,
    records: Store,
    principal: Principal,
    request_id: int,
    approve: bool,
    reason: str,
) -> TimeOffRequestRow:
    """Approve or deny a pending or waitlisted request (a supervisor: their teams' agents).

    Approving needs a free place on every allotted day (409 naming the full days); denying a
    pending request frees its place for the waitlist.
    """
    current = people.get_time_off(request_id)
    forbid_outside(scoped_agents(principal, records), current.agent_id, "agent")
    decided = people.set_state(
        request_id,
        (current.state,) if current.state in DECIDABLE_STATES else (),
        "approved" if approve else "denied",
        _room_left if approve else None,
        decided_by=principal.key_id,
        decided_at=utc_now(),
        decision_reason=reason,
    )
    if decided is None:
        raise _conflict(
            f"time-off request {request_id} is {current.state}; only a pending or waitlisted "
            "request is decided"
        )
    people.add_audit(
        [
            audit_event(
                principal,
                "time_off.decide",
                _subject(decided),
                decided.agent_id,
                _detail(decided, reason=reason, was=current.state),
            )
        ]
    )
    if not approve and current.state == "pending":
        _grant_waiting(people, principal, decided.team)
    return decided


def cancel_time_off(
    people: PeopleStore, records: Store, principal: Principal, request_id: int
) -> TimeOffRequestRow:
    """Withdraw an open request (the agent's own, or within the caller's scope); a request that
    held a place frees it for the waitlist."""
    current = people.get_time_off(request_id)
    forbid_outside(scoped_agents(principal, records), current.agent_id, "agent")
    cancelled = people.set_state(
        request_id, (current.state,) if current.state in OPEN_STATES else (), "cancelled"
    )
    if cancelled is None:
        raise _conflict(f"time-off request {request_id} is {current.state}; it cannot be cancelled")
    people.add_audit(
        [
            audit_event(
                principal,
                "time_off.cancel",
                _subject(cancelled),
                cancelled.agent_id,
                _detail(cancelled, was=current.state),
            )
        ]
    )
    if current.state in HOLDING_STATES:
        _grant_waiting(people, principal, cancelled.team)
    return cancelled


def set_allotments(
    people: PeopleStore, principal: Principal, team: str, days: Sequence[dt.date], max_off: int
) -> list[TimeOffRequestRow]:
    """Cap `team` at `max_off` agents off on each of `days`; returns the waiting requests a
    raised cap granted."""
    people.put_allotments(team, [d.isoformat() for d in days], max_off)
    people.add_audit(
        [
            audit_event(
                principal,
                "time_off.allotment",
                f"team:{team}",
                None,
                {"days": [d.isoformat() for d in days], "max_off": max_off},
            )
        ]
    )
    return _grant_waiting(people, principal, team)


def with_approved_time_off(
    agents: Sequence[Mapping[str, Any]], people: PeopleStore
) -> list[dict[str, Any]]:
    """`agents` records with every day of their approved whole-day requests added to their
    ``time_off`` (what a plan's scenario builder reads as days off)."""
    ids: Collection[str] = [str(a["agent_id"]) for a in agents]
    approved = people.approved_days(ids)
    out = []
    for agent in agents:
        days = approved.get(str(agent["agent_id"]), [])
        known = [str(d) for d in agent.get("time_off") or []]
        out.append({**agent, "time_off": sorted({*known, *days})} if days else dict(agent))
    return out
