"""A small published week written straight into the store (no solve): its scenario and rows,
for the swap, calendar and re-planning tests."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI

ZONE = "Europe/Berlin"
WEEK = "2026-11-30"


def _agent(agent_id: str, skills: dict[str, int], max_minutes: int = 2400) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "team": "t2" if agent_id.startswith("b") else "t1",
        "skills": skills,
        "contract": {
            "min_minutes": 0,
            "max_minutes": max_minutes,
            "max_days": 5,
            "templates": ["early8", "late8"],
        },
    }


SCENARIO: dict[str, Any] = {
    "timezone": ZONE,
    "week_start": WEEK,
    "interval_minutes": 60,
    "queues": [{"name": "billing", "priority": 1.0}, {"name": "sales", "priority": 1.0}],
    "requirements": [
        {"queue": "billing", "interval_start": "2026-12-02T09:00:00+01:00", "agents": 1}
    ],
    "shift_templates": [
        {
            "name": "early8",
            "length_minutes": 480,
            "earliest_start": "08:00",
            "latest_start": "10:00",
            "start_step_minutes": 60,
            "breaks": [],
        },
        {
            "name": "late8",
            "length_minutes": 480,
            "earliest_start": "14:00",
            "latest_start": "16:00",
            "start_step_minutes": 60,
            "breaks": [],
        },
    ],
    "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
    "agents": [
        _agent("a1", {"billing": 5}),
        _agent("a2", {"billing": 3, "sales": 2}),
        _agent("a3", {"billing": 4, "sales": 4}),
        _agent("b1", {"billing": 4}, max_minutes=960),
        _agent("c1", {"sales": 4}),
    ],
}

SHIFTS = [
    ("a1", "2026-12-02", "08:00", "billing"),
    ("a2", "2026-12-01", "16:00", "billing"),
    ("b1", "2026-11-30", "08:00", "billing"),
    ("b1", "2026-12-03", "08:00", "billing"),
]
"""(agent, local date, start, queue) of the week's eight-hour shifts."""


def week_rows() -> list[dict[str, Any]]:
    """The published rows of :data:`SHIFTS` (ISO instants with the local offset)."""
    rows = []
    for agent_id, date, start, queue in SHIFTS:
        begin = pd.Timestamp(f"{date} {start}", tz=ZONE)
        rows.append(
            {
                "agent_id": agent_id,
                "date": date,
                "activity": "work",
                "queue": queue,
                "start": begin.isoformat(),
                "end": (begin + pd.Timedelta(hours=8)).isoformat(),
            }
        )
    return rows


def publish_week(app: FastAPI, roster_id: str = "week1") -> str:
    """Store :data:`SCENARIO` as a solved roster with :func:`week_rows` and publish it."""
    service = app.state.service_store
    service.create_roster(roster_id, SCENARIO, None)
    rows = week_rows()
    coverage = [
        {
            "queue": "billing",
            "interval_start": "2026-12-02T09:00:00+01:00",
            "required": 1,
            "scheduled": 1,
            "gap": 0,
        }
    ]
    service.update_roster(roster_id, status="solved", rows=rows, coverage=coverage)
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    service.publish_roster(roster_id, frame)
    return roster_id
