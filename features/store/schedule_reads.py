"""Read-only queries behind the published week (``GET /v1/schedules``) that fetch only the
columns they need: a roster's coverage without its rows, scenario and report (which are most
of its size)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from features.store.tables.service import Roster


@dataclass(frozen=True)
class RosterCoverage:
    """A roster's coverage cells (COVERAGE_COLUMNS) and when it was made and published."""

    roster_id: str
    created_at: datetime
    published_at: datetime | None
    coverage: list[dict[str, Any]]


def read_coverages(engine: Engine, roster_ids: Sequence[str]) -> list[RosterCoverage]:
    """The coverage of the rosters `roster_ids` (unknown ids skipped), in no particular order."""
    if not roster_ids:
        return []
    query = select(Roster.roster_id, Roster.created_at, Roster.published_at, Roster.coverage).where(
        Roster.roster_id.in_(list(roster_ids))
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        RosterCoverage(str(rid), created, published, list(coverage or []))
        for rid, created, published, coverage in rows
    ]
