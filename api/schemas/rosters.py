"""Roster schemas: a scenario in (job), the solved roster, publication, agent schedules, and
the published week by team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import ConflictPublic

SCENARIO_EXAMPLE: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "week_start": "2026-11-30",
    "interval_minutes": 60,
    "queues": [{"name": "billing", "priority": 1.0}],
    "requirements": [
        {"queue": "billing", "interval_start": "2026-11-30T09:00:00+01:00", "agents": 1}
    ],
    "shift_templates": [
        {
            "name": "day8",
            "length_minutes": 480,
            "earliest_start": "08:00",
            "latest_start": "10:00",
            "start_step_minutes": 60,
            "breaks": [],
        }
    ],
    "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
    "agents": [
        {
            "agent_id": "a001",
            "team": "t1",
            "skills": {"billing": 5},
            "contract": {
                "min_minutes": 0,
                "max_minutes": 2400,
                "max_days": 5,
                "templates": ["day8"],
            },
        }
    ],
}


class RosterAccepted(BaseModel):
    """A roster request accepted: solving runs as a job (HTTP 202)."""

    roster_id: str
    job_id: str
    url: str = Field(description="The job to poll")
    result_url: str = Field(description="The roster, once solved")


class RosterRowPublic(BaseModel):
    """One activity of an agent (ROSTER_COLUMNS)."""

    agent_id: str
    date: str
    activity: str
    queue: str | None = None
    start: str
    end: str


class CoveragePublic(BaseModel):
    """Agents required and scheduled on a queue in one interval."""

    queue: str
    interval_start: str
    required: float
    scheduled: float
    gap: float


class RosterPublic(BaseModel):
    """A roster request and, once solved, its rows, coverage and objective."""

    roster_id: str
    status: str = Field(description="queued, solving, solved, infeasible, failed or published")
    job_id: str | None = None
    solver_status: str | None = None
    objective: float | None = None
    objective_terms: dict[str, float | None] | None = None
    lower_bound: float | None = None
    gap: float | None = None
    rows: list[RosterRowPublic] = Field(default_factory=list)
    coverage: list[CoveragePublic] = Field(default_factory=list)
    conflicts: list[ConflictPublic] = Field(default_factory=list)
    report: dict[str, Any] | None = Field(
        default=None,
        description="The roster in planner units once solved: summary (plain English), "
        "coverage per queue, staffing gaps, preferences broken, fairness per agent, and the "
        "search's seed, work_limit, work_used and reproducible; a plan adds its service check",
    )
    created_at: datetime
    published_at: datetime | None = None


class PublishPublic(BaseModel):
    """A roster published: its rows now make up the agents' schedules."""

    roster_id: str
    rows: int


class SchedulePublic(BaseModel):
    """An agent's published activities in a range."""

    agent_id: str
    rows: list[RosterRowPublic]


class ScheduleAgentPublic(BaseModel):
    """An agent in the schedule: id, name and team."""

    agent_id: str
    name: str | None = None
    team: str | None = None


class ScheduleRowPublic(BaseModel):
    """One published activity with the agent's team."""

    agent_id: str
    team: str | None = None
    date: str
    activity: str
    queue: str | None = None
    start: str
    end: str


class SchedulesPublic(BaseModel):
    """The published activities of the range by team, and the coverage (agents per
    interval, required and scheduled) of the rosters they were published from."""

    agents: list[ScheduleAgentPublic]
    rows: list[ScheduleRowPublic]
    coverage: list[CoveragePublic]
