"""A roster replayed against a real week's contacts, beside what really happened.

The one pure entry point the CLI (`seatwise simulate`) and the API (``POST /v1/simulations``)
share: contacts and roster rows in, per-interval simulated service, totals per queue and for the
centre, the same totals measured from the records, and the patience the replay used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import DEFAULT_INTERVAL_MINUTES, QUEUE, ProgressCallback
from scheduling.channels import queue_channels
from scheduling.patience import estimate_patience, patience_table
from scheduling.requirements import ServiceTargets
from scheduling.simulation.simulator import (
    ALL_QUEUES,
    SimConfig,
    agents_from_roster,
    simulation_totals,
    summarise,
)
from scheduling.simulation.trace import observed_counts, replay_contacts


@dataclass(frozen=True)
class ReplayResult:
    """A replay and what it is compared with.

    Attributes
    ----------
    intervals:
        SIMULATION_COLUMNS per (queue, interval) of the window (means over replications).
    totals:
        TOTAL_COLUMNS of the replay per queue and for the centre (``queue == "*"``).
    observed:
        TOTAL_COLUMNS measured from the records over the same window and thresholds.
    patience:
        PATIENCE_COLUMNS: the patience per queue the replay drew from.
    targets:
        Service targets per queue (threshold, service-level target, concurrency) used.
    counts, observed_counts:
        The raw counts behind `totals` and `observed` (COUNT_COLUMNS per replication and cell).
    """

    intervals: pd.DataFrame
    totals: pd.DataFrame
    observed: pd.DataFrame
    patience: pd.DataFrame
    targets: dict[str, ServiceTargets]
    counts: pd.DataFrame
    observed_counts: pd.DataFrame

    def for_queues(self, queues: Iterable[str]) -> ReplayResult:
        """The result limited to `queues` (totals and the centre row recomputed over them)."""
        keep = {str(q) for q in queues}
        goals = {q: t.service_level for q, t in self.targets.items() if q in keep}

        def mine(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[frame[QUEUE].astype(str).isin(keep)].reset_index(drop=True)

        counts, observed = mine(self.counts), mine(self.observed_counts)

        def totals(raw: pd.DataFrame, whole: pd.DataFrame) -> pd.DataFrame:
            return simulation_totals(raw, goals) if len(raw) else whole.iloc[0:0]

        return ReplayResult(
            intervals=mine(self.intervals),
            totals=totals(counts, self.totals),
            observed=totals(observed, self.observed),
            patience=mine(self.patience),
            targets={q: t for q, t in self.targets.items() if q in keep},
            counts=counts,
            observed_counts=observed,
        )


def default_targets(
    contacts: pd.DataFrame, overrides: Mapping[str, ServiceTargets] | None = None
) -> dict[str, ServiceTargets]:
    """Each queue's channel standard (from the contacts' `channel`), with `overrides` on top."""
    targets = {q: ServiceTargets.for_channel(c) for q, c in queue_channels(contacts).items()}
    targets.update(overrides or {})
    return targets


def replay_roster(
    contacts: pd.DataFrame,
    roster: pd.DataFrame,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    timezone: str | None = None,
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES,
    targets: Mapping[str, ServiceTargets] | None = None,
    skills: Mapping[str, Mapping[str, int]] | None = None,
    priorities: Mapping[str, float] | None = None,
    censored: str = "kaplan_meier",
    replications: int = 1,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> ReplayResult:
    """How a week's real contacts would have gone on a roster.

    Parameters
    ----------
    contacts:
        Contact records (:data:`features.schema.CONTACT_COLUMNS`, instants tz-aware).
    roster:
        Roster rows (ROSTER_COLUMNS; `start`/`end` tz-aware); each work row is a span on its
        queue.
    start, end:
        The window (tz-aware); default: the contacts' first to last arrival. Patience is
        estimated from every contact given, also those outside the window.
    timezone:
        The site's zone for aligning intervals (default: the contacts').
    interval_minutes:
        Interval length of the result.
    targets:
        Service targets per queue (threshold in seconds, service-level target for
        `intervals_met`, chat concurrency); queues without get their channel's standard.
    skills:
        Agent -> queue -> proficiency; default: the queues each agent works in the roster.
    priorities:
        Queue -> priority (higher served first); default equal.
    censored:
        How served contacts' patience is filled in (see :mod:`scheduling.simulation.trace`).
    replications:
        Replays, each with its own draws of unknown patience and handle times.
    seed:
        Seed of the draws.
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    ReplayResult
        Per-interval simulation, totals, the records' own totals and the patience used.
    """
    if contacts.empty:
        raise InvalidInput(
            "no contacts to replay in the window",
            [FieldError(None, "contacts", "at least one contact is needed")],
        )
    chosen = default_targets(contacts, targets)
    agents = agents_from_roster(roster, skills)
    for agent in agents:
        for _, _, queue in agent.shifts:
            if queue is not None and queue not in chosen:
                chosen[queue] = ServiceTargets()
    config = SimConfig.from_targets(
        chosen,
        interval_minutes=interval_minutes,
        replications=replications,
        seed=seed,
        priorities=priorities,
    )
    estimates = estimate_patience(contacts)
    counts = replay_contacts(
        contacts,
        agents,
        config,
        start,
        end,
        timezone=timezone,
        patience=estimates,
        censored=censored,
        progress=progress,
    )
    goals = {q: t.service_level for q, t in chosen.items()}
    queues = sorted(counts[QUEUE].astype(str).unique())
    observed = observed_counts(contacts, config, start, end, timezone=timezone, queues=queues)
    return ReplayResult(
        intervals=summarise(counts),
        totals=simulation_totals(counts, goals),
        observed=simulation_totals(observed, goals),
        patience=patience_table(estimates),
        targets=chosen,
        counts=counts,
        observed_counts=observed,
    )


__all__ = ["ALL_QUEUES", "ReplayResult", "default_targets", "replay_roster"]
