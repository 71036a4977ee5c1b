"""Data access for the working week: time-off requests, allotments and the audit trail.

Queries only; the rules (who may ask, what a day costs, when a place is free) live in
:mod:`api.services.time_off`. Every method runs in its own transaction. The two methods that
decide a request's state from the team's allotments (:meth:`PeopleStore.place_time_off`,
:meth:`PeopleStore.grant_waitlisted`) take the allotment rows ``FOR UPDATE`` (PostgreSQL;
SQLite serialises writers), so two requests can never both take the last place of a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from features.errors import NotFound
from features.store.cache_versions import SCHEDULES, bump_versions
from features.store.service_store import utc_now
from features.store.tables.people import (
    AllotmentRow,
    AuditRow,
    CalendarFeedRow,
    SwapRow,
    TimeOffRequestRow,
)
from features.store.tables.service import Roster, RosterRow

HOLDING_STATES = ("pending", "approved")
"""States of a request that hold a place of its team's allotment."""

Room = dict[str, tuple[int, int]]
"""Local day (ISO) -> (max_off, taken) of a team's allotted days."""


def days_of(first_day: str, last_day: str) -> list[str]:
    """Every local day from `first_day` to `last_day` (ISO dates, inclusive)."""
    first, last = dt.date.fromisoformat(first_day), dt.date.fromisoformat(last_day)
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


class PeopleStore:
    """Queries over the people tables of one database (migrated to ``0010_people``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # -- allotments -----------------------------------------------------------------------
    def _room(self, session: Session, team: str, days: Sequence[str], skip: int | None) -> Room:
        allotted = session.execute(
            select(AllotmentRow.day, AllotmentRow.max_off)
            .where(AllotmentRow.team == team, AllotmentRow.day.in_(list(days)))
            .with_for_update()
        ).all()
        if not allotted:
            return {}
        holding = session.execute(
            select(
                TimeOffRequestRow.id, TimeOffRequestRow.first_day, TimeOffRequestRow.last_day
            ).where(
                TimeOffRequestRow.team == team,
                TimeOffRequestRow.state.in_(HOLDING_STATES),
                TimeOffRequestRow.first_day <= max(days),
                TimeOffRequestRow.last_day >= min(days),
            )
        ).all()
        room: Room = {}
        for day, max_off in allotted:
            taken = sum(1 for i, f, last in holding if i != skip and f <= day <= last)
            room[str(day)] = (int(max_off), taken)
        return room

    def put_allotments(self, team: str, days: Sequence[str], max_off: int) -> None:
        """Set `team`'s allotment of each of `days` to `max_off` agents off."""
        with self._transaction() as session:
            known = {
                row.day: row
                for row in session.scalars(
                    select(AllotmentRow).where(
                        AllotmentRow.team == team, AllotmentRow.day.in_(list(days))
                    )
                )
            }
            for day in days:
                if day in known:
                    known[day].max_off = max_off
                else:
                    session.add(AllotmentRow(team=team, day=day, max_off=max_off))

    def read_allotments(self, team: str | None, first_day: str, last_day: str) -> list[Any]:
        """(team, day, max_off, taken) of the allotted days in ``[first_day, last_day]``."""
        query = select(AllotmentRow).where(
            AllotmentRow.day >= first_day, AllotmentRow.day <= last_day
        )
        if team is not None:
            query = query.where(AllotmentRow.team == team)
        with self._transaction() as session:
            rows = list(session.scalars(query.order_by(AllotmentRow.team, AllotmentRow.day)))
            out = []
            for row in rows:
                max_off, taken = self._room(session, row.team, [row.day], None)[row.day]
                out.append((row.team, row.day, max_off, taken))
        return out

    # -- time-off requests ----------------------------------------------------------------
    def place_time_off(
        self, request: TimeOffRequestRow, state_for: Callable[[Room], str]
    ) -> TimeOffRequestRow:
        """Store a new request; its state is ``state_for(room of its team's days)``."""
        with self._transaction() as session:
            room = self._room(
                session, request.team, days_of(request.first_day, request.last_day), None
            )
            request.state = state_for(room)
            request.created_at = utc_now()
            session.add(request)
        return request

    def get_time_off(self, request_id: int) -> TimeOffRequestRow:
        """The request with this id; raises NotFound when unknown."""
        with self._transaction() as session:
            row = session.get(TimeOffRequestRow, request_id)
        if row is None:
            raise NotFound(f"time-off request {request_id} does not exist")
        return row

    def list_time_off(
        self,
        agent_ids: Collection[str] | None,
        states: Collection[str] | None,
        offset: int,
        limit: int,
    ) -> tuple[list[TimeOffRequestRow], int]:
        """A page of requests (newest first) of `agent_ids` (None: all) in `states` (None:
        any), and how many there are in all."""
        query = select(TimeOffRequestRow)
        if agent_ids is not None:
            query = query.where(TimeOffRequestRow.agent_id.in_(sorted(agent_ids)))
        if states is not None:
            query = query.where(TimeOffRequestRow.state.in_(sorted(states)))
        with self._transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(TimeOffRequestRow.id.desc()).offset(offset).limit(limit)
            ).all()
        return list(rows), int(total)

    def agent_requests(
        self, agent_id: str, states: Collection[str], first_day: str, last_day: str
    ) -> list[TimeOffRequestRow]:
        """`agent_id`'s requests in `states` touching ``[first_day, last_day]``."""
        query = select(TimeOffRequestRow).where(
            TimeOffRequestRow.agent_id == agent_id,
            TimeOffRequestRow.state.in_(sorted(states)),
            TimeOffRequestRow.first_day <= last_day,
            TimeOffRequestRow.last_day >= first_day,
        )
        with self._transaction() as session:
            return list(session.scalars(query.order_by(TimeOffRequestRow.first_day)))

    def waitlist_positions(self, team: str) -> dict[int, int]:
        """Request id -> place (1 = first) in `team`'s waitlist, first come first served."""
        query = (
            select(TimeOffRequestRow.id)
            .where(TimeOffRequestRow.team == team, TimeOffRequestRow.state == "waitlisted")
            .order_by(TimeOffRequestRow.created_at, TimeOffRequestRow.id)
        )
        with self._transaction() as session:
            return {int(i): n for n, i in enumerate(session.scalars(query), start=1)}

    def set_state(
        self,
        request_id: int,
        expected: Collection[str],
        state: str,
        check: Callable[[Room], None] | None = None,
        **fields: Any,
    ) -> TimeOffRequestRow | None:
        """Move a request from one of `expected` to `state` (with `fields`); None when it is
        in another state. `check` sees the room of its days (without itself) and may raise."""
        with self._transaction() as session:
            row = session.get(TimeOffRequestRow, request_id, with_for_update=True)
            if row is None:
                raise NotFound(f"time-off request {request_id} does not exist")
            if row.state not in expected:
                return None
            if check is not None:
                check(self._room(session, row.team, days_of(row.first_day, row.last_day), row.id))
            row.state = state
            for name, value in fields.items():
                setattr(row, name, value)
        return row

    def grant_waitlisted(self, team: str, **fields: Any) -> list[TimeOffRequestRow]:
        """Approve `team`'s waiting requests, earliest first, each whose every allotted day has
        a free place; returns those granted."""
        granted: list[TimeOffRequestRow] = []
        with self._transaction() as session:
            waiting = session.scalars(
                select(TimeOffRequestRow)
                .where(TimeOffRequestRow.team == team, TimeOffRequestRow.state == "waitlisted")
                .order_by(TimeOffRequestRow.created_at, TimeOffRequestRow.id)
                .with_for_update()
            ).all()
            for row in waiting:
                room = self._room(session, team, days_of(row.first_day, row.last_day), None)
                if all(taken < max_off for max_off, taken in room.values()):
                    row.state = "approved"
                    for name, value in fields.items():
                        setattr(row, name, value)
                    session.flush()
                    granted.append(row)
        return granted

    def approved_days(self, agent_ids: Collection[str] | None) -> dict[str, list[str]]:
        """Agent id -> every local day of their approved whole-day requests."""
        query = select(
            TimeOffRequestRow.agent_id, TimeOffRequestRow.first_day, TimeOffRequestRow.last_day
        ).where(TimeOffRequestRow.state == "approved", TimeOffRequestRow.start_time.is_(None))
        if agent_ids is not None:
            query = query.where(TimeOffRequestRow.agent_id.in_(sorted(agent_ids)))
        days: dict[str, list[str]] = {}
        with self._transaction() as session:
            for agent_id, first, last in session.execute(query):
                days.setdefault(str(agent_id), []).extend(days_of(first, last))
        return {agent: sorted(set(d)) for agent, d in days.items()}

    # -- shift swaps ----------------------------------------------------------------------
    def add_swap(self, swap: SwapRow) -> SwapRow:
        """Store a new swap offer."""
        swap.created_at = swap.updated_at = utc_now()
        with self._transaction() as session:
            session.add(swap)
        return swap

    def get_swap(self, swap_id: int) -> SwapRow:
        """The swap with this id; raises NotFound when unknown."""
        with self._transaction() as session:
            row = session.get(SwapRow, swap_id)
        if row is None:
            raise NotFound(f"swap {swap_id} does not exist")
        return row

    def list_swaps(self, states: Collection[str] | None) -> list[SwapRow]:
        """Every swap in `states` (None: any), newest first."""
        query = select(SwapRow).order_by(SwapRow.id.desc())
        if states is not None:
            query = query.where(SwapRow.state.in_(sorted(states)))
        with self._transaction() as session:
            return list(session.scalars(query))

    def set_swap_state(
        self, swap_id: int, expected: Collection[str], state: str, **fields: Any
    ) -> SwapRow | None:
        """Move a swap from one of `expected` to `state` (with `fields`); None when it is in
        another state."""
        with self._transaction() as session:
            row = session.get(SwapRow, swap_id, with_for_update=True)
            if row is None:
                raise NotFound(f"swap {swap_id} does not exist")
            if row.state not in expected:
                return None
            row.state = state
            row.updated_at = utc_now()
            for name, value in fields.items():
                setattr(row, name, value)
        return row

    # -- published schedules --------------------------------------------------------------
    def replace_published(
        self,
        roster_id: str,
        agent_ids: Collection[str],
        start: dt.datetime,
        end: dt.datetime,
        rows: Sequence[dict[str, Any]],
    ) -> int:
        """In one transaction: drop the published rows of `agent_ids` overlapping
        ``[start, end)`` and publish `rows` (theirs, ROSTER_COLUMNS with tz-aware instants) as
        roster `roster_id`'s; an agent left without rows keeps none. Returns rows written."""
        records = [
            {
                "roster_id": roster_id,
                "agent_id": str(r["agent_id"]),
                "date": str(r["date"])[:10],
                "activity": str(r["activity"]),
                "queue": str(r.get("queue") or ""),
                "start": r["start"],
                "end": r["end"],
            }
            for r in rows
        ]
        with self._transaction() as session:
            session.execute(
                delete(RosterRow).where(
                    RosterRow.agent_id.in_(sorted(agent_ids)),
                    RosterRow.end > start,
                    RosterRow.start < end,
                )
            )
            if records:
                session.execute(insert(RosterRow), records)
            session.execute(
                update(Roster).where(Roster.roster_id == roster_id).values(published_at=utc_now())
            )
            bump_versions(session.connection(), SCHEDULES)
        return len(records)

    # -- calendar feeds -------------------------------------------------------------------
    def set_feed_token(self, agent_id: str, token_hash: str) -> None:
        """Give `agent_id`'s feed a new token (the old one stops working)."""
        with self._transaction() as session:
            row = session.get(CalendarFeedRow, agent_id)
            if row is None:
                session.add(
                    CalendarFeedRow(agent_id=agent_id, token_hash=token_hash, created_at=utc_now())
                )
            else:
                row.token_hash, row.created_at = token_hash, utc_now()

    def revoke_feed(self, agent_id: str) -> bool:
        """Forget `agent_id`'s feed token; False when they had none."""
        with self._transaction() as session:
            row = session.get(CalendarFeedRow, agent_id)
            if row is None:
                return False
            session.delete(row)
            return True

    def feed_token_hash(self, agent_id: str) -> str | None:
        """The SHA-256 of `agent_id`'s feed token; None when they have no feed."""
        with self._transaction() as session:
            row = session.get(CalendarFeedRow, agent_id)
            return None if row is None else row.token_hash

    # -- audit ----------------------------------------------------------------------------
    def add_audit(self, events: Sequence[dict[str, Any]]) -> None:
        """Append audit events (AuditRow columns but ``id``; ``at`` defaults to now)."""
        if not events:
            return
        now = utc_now()
        with self._transaction() as session:
            session.execute(insert(AuditRow), [{"at": now, **event} for event in events])

    def list_audit(
        self,
        *,
        action: str | None,
        subject: str | None,
        agent_id: str | None,
        since: dt.datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[AuditRow], int]:
        """A page of audit events (newest first) matching the given filters, and the total."""
        query = select(AuditRow)
        if action is not None:
            query = query.where(AuditRow.action == action)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        if agent_id is not None:
            query = query.where(AuditRow.agent_id == agent_id)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        with self._transaction() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(AuditRow.id.desc()).offset(offset).limit(limit)
            ).all()
        return list(rows), int(total)
