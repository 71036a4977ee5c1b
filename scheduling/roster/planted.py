"""Planted roster instances: a random valid roster whose own coverage becomes the requirement,
so the best possible under- and over-coverage are both zero. Used by tests and benchmarks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS
from features.schema import ROSTER_COLUMNS
from scheduling.roster.checks import coverage_table
from scheduling.roster.options import build_catalogue, queue_blocks, template_breaks
from scheduling.roster.scenario import Scenario, load_scenario

PLANTED_TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "early8",
        "length_minutes": 480,
        "earliest_start": "06:00",
        "latest_start": "09:00",
        "start_step_minutes": 30,
        "breaks": [
            {
                "activity": "break",
                "minutes": 15,
                "earliest_after_start_minutes": 60,
                "latest_after_start_minutes": 150,
            },
            {
                "activity": "lunch",
                "minutes": 30,
                "earliest_after_start_minutes": 180,
                "latest_after_start_minutes": 300,
            },
        ],
    },
    {
        "name": "late8",
        "length_minutes": 480,
        "earliest_start": "11:00",
        "latest_start": "14:00",
        "start_step_minutes": 30,
        "breaks": [
            {
                "activity": "lunch",
                "minutes": 30,
                "earliest_after_start_minutes": 180,
                "latest_after_start_minutes": 300,
            },
        ],
    },
    {
        "name": "part6",
        "length_minutes": 360,
        "earliest_start": "08:00",
        "latest_start": "14:00",
        "start_step_minutes": 60,
        "breaks": [
            {
                "activity": "break",
                "minutes": 15,
                "earliest_after_start_minutes": 120,
                "latest_after_start_minutes": 240,
            },
        ],
    },
]


@dataclass(frozen=True)
class PlantedInstance:
    """A scenario (dict, JSON-ready) and the valid roster its requirements were taken from."""

    scenario: dict[str, Any]
    roster: pd.DataFrame


def planted_instance(
    agents: int,
    queues: int = 3,
    *,
    seed: int = 0,
    timezone: str = "Europe/Berlin",
    week_start: dt.date = dt.date(2026, 11, 30),
    multi_skill_share: float = 0.4,
) -> PlantedInstance:
    """Build a planted instance.

    Each agent keeps one template all week (so rest and day rules hold), works 4-5 days,
    takes random breaks inside their windows and, when multi-skilled, serves a random skill in
    each queue block of the shift (changing at a block boundary with probability 1/2, never
    during a break), so the roster keeps the default ``rules.min_queue_block_minutes``; the
    roster's coverage becomes the requirement (agents per queue and interval).
    """
    rng = np.random.default_rng(seed)
    names = [f"q{i + 1}" for i in range(queues)]
    template_names = [t["name"] for t in PLANTED_TEMPLATES]
    agent_rows: list[dict[str, Any]] = []
    for i in range(agents):
        tmpl = template_names[int(rng.integers(len(template_names)))]
        length = next(t["length_minutes"] for t in PLANTED_TEMPLATES if t["name"] == tmpl)
        n_skills = 2 if (queues > 1 and rng.random() < multi_skill_share) else 1
        skills = rng.choice(names, size=n_skills, replace=False)
        days = int(rng.integers(4, 6))
        agent_rows.append(
            {
                "agent_id": f"a{i:04d}",
                "team": f"t{i % 10}",
                "skills": {str(q): int(rng.integers(1, 6)) for q in skills},
                "contract": {
                    "min_minutes": days * length,
                    "max_minutes": 5 * length,
                    "max_days": 5,
                    "templates": [tmpl],
                },
                "preferences": {"days_off": ["sun"]} if rng.random() < 0.3 else {},
            }
        )
    body: dict[str, Any] = {
        "timezone": timezone,
        "week_start": week_start.isoformat(),
        "interval_minutes": 15,
        "queues": [{"name": q, "priority": 1.0 + (q == names[0])} for q in names],
        "requirements": [],
        "shift_templates": PLANTED_TEMPLATES,
        "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
        "agents": agent_rows,
    }
    scenario = load_scenario(body)
    catalogue = build_catalogue(scenario)
    grid = catalogue.grid
    step = pd.Timedelta(minutes=15)
    rows = []
    for agent, spec in zip(scenario.agents, agent_rows, strict=True):
        days_needed = (
            spec["contract"]["min_minutes"]
            // scenario.template(agent.contract.templates[0]).length_minutes
        )
        first_off = int(rng.integers(0, 7))
        off_days = (
            {first_off, (first_off + 1) % 7}
            if days_needed == 5
            else {first_off, (first_off + 1) % 7, (first_off + 4) % 7}
        )
        work_days = sorted(set(range(7)) - off_days)[:days_needed]
        if rng.random() < 0.2:
            spare = sorted(off_days)[0]
            spec["time_off"] = [(week_start + dt.timedelta(days=spare)).isoformat()]
        if rng.random() < 0.2:
            spec["availability"] = {
                WEEKDAYS[(week_start.weekday() + d) % 7]: [["05:00", "23:00"]] for d in range(7)
            }
        template = scenario.template(agent.contract.templates[0])
        breaks = template_breaks(template, 15)
        agent_skills = sorted(agent.skills)
        for day in work_days:
            options = [
                o
                for o in catalogue.by_agent[agent.agent_id]
                if o.day == day and o.template == template.name and o.end_clock <= 23 * 60
            ]
            shift = options[int(rng.integers(len(options)))]
            pauses: dict[int, str] = {}
            for rule in breaks:
                offset = int(rng.choice(rule.offsets))
                for t in range(offset, offset + rule.length):
                    pauses[t] = rule.activity
            spans = queue_blocks(shift.end - shift.start, scenario.queue_block_intervals())
            queue = str(rng.choice(agent_skills))
            labels: list[tuple[str, str | None]] = []
            for first, last in spans:
                on_break = first in pauses and first - 1 in pauses
                if first and not on_break and rng.random() < 0.5:
                    queue = str(rng.choice(agent_skills))
                for t in range(first, last):
                    labels.append((pauses[t], None) if t in pauses else ("work", queue))
            run = 0
            for i, label in enumerate(labels):
                if i + 1 == len(labels) or labels[i + 1] != label:
                    rows.append(
                        {
                            "agent_id": agent.agent_id,
                            "date": grid.date(day),
                            "activity": label[0],
                            "queue": label[1],
                            "start": grid.starts[0] + (shift.start + run) * step,
                            "end": grid.starts[0] + (shift.start + i + 1) * step,
                        }
                    )
                    run = i + 1
    roster = pd.DataFrame(rows, columns=ROSTER_COLUMNS)
    roster["start"] = roster["start"].dt.tz_convert(timezone)
    roster["end"] = roster["end"].dt.tz_convert(timezone)
    final = Scenario.model_validate(body)
    coverage = coverage_table(roster, final)
    needed = coverage[coverage["scheduled"] > 0]
    body["requirements"] = [
        {"queue": q, "interval_start": t.isoformat(), "agents": int(n)}
        for q, t, n in needed[["queue", "interval_start", "scheduled"]].itertuples(index=False)
    ]
    return PlantedInstance(scenario=body, roster=roster)
