"""The published week: the coverage of the rosters agents' schedules were published from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from features.schema import INTERVAL_START, QUEUE
from features.store.schedule_reads import read_coverages
from features.store.service_store import ServiceStore


def published_coverage(
    service: ServiceStore,
    roster_ids: Sequence[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    queues: set[str] | None,
) -> list[dict[str, Any]]:
    """Coverage cells (COVERAGE_COLUMNS: agents required and scheduled) of `roster_ids` in
    ``[start, end)`` on `queues` (None: every queue), sorted by queue and interval.

    Where rosters overlap, the cell of the one published last wins (an unpublished roster
    counts by its creation, before every published one).
    """
    rosters = read_coverages(service.engine, roster_ids)
    rosters.sort(key=lambda r: (r.published_at is not None, r.published_at or r.created_at))
    cells: dict[tuple[str, pd.Timestamp], dict[str, Any]] = {}
    for roster in rosters:
        for cell in roster.coverage:
            stamp = pd.Timestamp(cell[INTERVAL_START])
            if start <= stamp < end and (queues is None or cell[QUEUE] in queues):
                cells[(str(cell[QUEUE]), stamp)] = cell
    return [cells[key] for key in sorted(cells)]
