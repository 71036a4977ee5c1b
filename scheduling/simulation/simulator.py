"""A discrete-event simulator of a multi-skill contact centre.

Arrivals follow the forecast (a Poisson number of contacts per interval, spread uniformly over
it), handle times are log-normal (or exponential, or resampled from observed ones) around the
interval's AHT, and callers abandon after an exponential patience. Agents have skills with a
proficiency and work shifts, each either restricted to one queue or open to all their skills. The
routing policy and the event loop live in :mod:`scheduling.simulation.engine`.

The result has one row per forecast row: contacts offered, answered and abandoned (means over the
replications), service level (share answered within the threshold; abandoned contacts are misses),
ASA of answered contacts (seconds), abandonment rate and occupancy of the agents able to serve the
queue in that interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import ALLOWED_INTERVAL_MINUTES, DEFAULT_SL_THRESHOLD_S, ProgressCallback
from scheduling.requirements import duplicated_cells
from scheduling.simulation.engine import EngineInput, EngineOutput, run_replication

SIMULATION_COLUMNS = [
    "queue",
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
]
"""Simulated performance per (queue, interval)."""

HANDLE_DISTRIBUTIONS = ("lognormal", "exponential", "empirical")
_COUNT_COLUMNS = ["offered", "answered", "abandoned", "within", "wait_sum", "busy_s", "staffed_s"]


@dataclass(frozen=True)
class SimAgent:
    """An agent of the simulation.

    Attributes
    ----------
    agent_id:
        Unique id.
    skills:
        Queue -> proficiency (1-5). Among idle agents able to take a contact, the highest
        proficiency on its queue is chosen first.
    shifts:
        Working spans ``(start, end, queue)`` with tz-aware timestamps; `queue` restricts the span
        to that queue, None lets the agent serve every skill. An agent busy at the end of a span
        finishes the contact, then stops.
    """

    agent_id: str
    skills: dict[str, int]
    shifts: list[tuple[pd.Timestamp, pd.Timestamp, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class SimConfig:
    """Simulation settings.

    Attributes
    ----------
    threshold_s:
        Service-level threshold in seconds.
    patience_s:
        Mean patience in seconds (exponential), one for all queues or per queue; None (or a queue
        missing from the mapping) means callers never abandon.
    handle_cv:
        Coefficient of variation of log-normal handle times (1.0 matches the exponential's).
    handle_distribution:
        ``"lognormal"``, ``"exponential"`` or ``"empirical"`` (resample `handle_samples` of the
        queue, rescaled to the interval's AHT).
    handle_samples:
        Observed handle times in seconds per queue, for the empirical distribution.
    priorities:
        Queue -> priority (higher served first when an agent frees up); default 1 for all.
    seed:
        Seed of the random streams; replication r uses ``(seed, r)``.
    replications:
        Independent runs; counts are averaged and rates pooled over them.
    interval_minutes:
        Interval length; inferred from the forecast's spacing when None.
    """

    threshold_s: float = DEFAULT_SL_THRESHOLD_S
    patience_s: float | Mapping[str, float] | None = None
    handle_cv: float = 1.0
    handle_distribution: str = "lognormal"
    handle_samples: Mapping[str, Sequence[float]] | None = None
    priorities: Mapping[str, float] | None = None
    seed: int = 0
    replications: int = 1
    interval_minutes: int | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.threshold_s >= 0:
            errors.append(FieldError(None, "threshold_s", "must be >= 0 seconds", self.threshold_s))
        if not self.handle_cv > 0:
            errors.append(FieldError(None, "handle_cv", "must be > 0", self.handle_cv))
        if self.handle_distribution not in HANDLE_DISTRIBUTIONS:
            rule = f"must be one of {HANDLE_DISTRIBUTIONS}"
            errors.append(FieldError(None, "handle_distribution", rule, self.handle_distribution))
        if self.handle_distribution == "empirical" and not self.handle_samples:
            rule = "empirical handle times need handle_samples per queue"
            errors.append(FieldError(None, "handle_samples", rule))
        if self.replications < 1:
            errors.append(FieldError(None, "replications", "must be >= 1", self.replications))
        patience = self.patience_s
        values = patience.values() if isinstance(patience, Mapping) else [patience]
        for value in values:
            if value is not None and not value > 0:
                errors.append(FieldError(None, "patience_s", "must be > 0 seconds", value))
        if self.interval_minutes is not None and (
            self.interval_minutes not in ALLOWED_INTERVAL_MINUTES
        ):
            rule = f"must be one of {ALLOWED_INTERVAL_MINUTES}"
            errors.append(FieldError(None, "interval_minutes", rule, self.interval_minutes))
        if errors:
            raise InvalidInput("invalid simulation settings", errors)

    def patience_for(self, queue: str) -> float:
        """Mean patience of `queue` in seconds (``inf`` when callers never abandon)."""
        if self.patience_s is None:
            return math.inf
        if isinstance(self.patience_s, Mapping):
            value = self.patience_s.get(queue)
            return math.inf if value is None else float(value)
        return float(self.patience_s)


def _validate_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    needed = ["queue", "interval_start", "volume", "aht_s"]
    missing = [c for c in needed if c not in forecast.columns]
    if missing:
        raise InvalidInput(
            f"forecast lacks columns {missing}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    frame = forecast.loc[:, needed].reset_index(drop=True)
    if not isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "interval_start must hold timezone-aware timestamps",
            [FieldError(None, "interval_start", "must be timezone-aware timestamps")],
        )
    volume = pd.to_numeric(frame["volume"], errors="coerce").to_numpy(dtype=np.float64)
    aht = pd.to_numeric(frame["aht_s"], errors="coerce").to_numpy(dtype=np.float64)
    errors = [
        FieldError(int(r), "volume", "must be a number >= 0 (contacts per interval)", volume[r])
        for r in np.flatnonzero(~(volume >= 0))
    ]
    errors += [
        FieldError(int(r), "aht_s", "must be > 0 seconds where volume > 0", aht[r])
        for r in np.flatnonzero((volume > 0) & ~(aht > 0))
    ]
    errors += [
        FieldError(int(r), "interval_start", "(queue, interval_start) must be unique", None)
        for r in np.flatnonzero(duplicated_cells(frame))
    ]
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field))
        raise InvalidInput(f"forecast has {len(errors)} invalid value(s)", errors)
    frame["volume"] = volume
    frame["aht_s"] = np.nan_to_num(aht, nan=0.0)
    return frame


def _agent_shifts(
    agents: Sequence[SimAgent], queue_index: Mapping[str, int], origin: pd.Timestamp
) -> tuple[list[dict[int, int]], list[list[tuple[float, float, tuple[int, ...]]]]]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    proficiency: list[dict[int, int]] = []
    shifts: list[list[tuple[float, float, tuple[int, ...]]]] = []
    for number, agent in enumerate(agents):
        if agent.agent_id in seen:
            errors.append(FieldError(number, "agent_id", "must be unique", agent.agent_id))
        seen.add(agent.agent_id)
        known = {queue_index[q]: int(p) for q, p in agent.skills.items() if q in queue_index}
        proficiency.append(known)
        spans: list[tuple[float, float, tuple[int, ...]]] = []
        for start, end, queue in agent.shifts:
            if not end > start:
                errors.append(FieldError(number, "shifts", "shift end must be after start", start))
                continue
            if queue is not None and queue not in agent.skills:
                rule = f"shift restricted to queue {queue!r} the agent has no skill for"
                errors.append(FieldError(number, "shifts", rule, agent.agent_id))
                continue
            if queue is None:
                allowed = tuple(sorted(known))
            else:
                allowed = (queue_index[queue],) if queue in queue_index else ()
            spans.append(
                ((start - origin).total_seconds(), (end - origin).total_seconds(), allowed)
            )
        shifts.append(sorted(spans))
    if errors:
        raise InvalidInput(f"{len(errors)} invalid simulation agent(s)", errors)
    return proficiency, shifts


def _draw_handle_times(
    rng: np.random.Generator,
    mean: np.ndarray,
    queue_names: np.ndarray,
    config: SimConfig,
) -> np.ndarray:
    if config.handle_distribution == "exponential":
        return rng.exponential(mean)
    if config.handle_distribution == "lognormal":
        sigma2 = math.log1p(config.handle_cv**2)
        mu = np.log(np.maximum(mean, 1e-9)) - sigma2 / 2.0
        return rng.lognormal(mu, math.sqrt(sigma2))
    samples = config.handle_samples or {}
    out = np.empty(len(mean))
    for queue in np.unique(queue_names):
        chosen = queue_names == queue
        observed = np.asarray(samples.get(str(queue), []), dtype=np.float64)
        observed = observed[observed > 0]
        if observed.size == 0:
            raise InvalidInput(
                f"no observed handle times for queue {queue!r}",
                [FieldError(None, "handle_samples", "needs positive samples per queue", queue)],
            )
        draws = rng.choice(observed, size=int(chosen.sum()))
        out[chosen] = draws * mean[chosen] / observed.mean()
    return out


def simulate_replications(
    forecast: pd.DataFrame,
    agents: list[SimAgent],
    config: SimConfig,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Run every replication and return its raw counts per forecast row.

    Returns
    -------
    pandas.DataFrame
        `replication`, `queue`, `interval_start`, `offered`, `answered`, `abandoned`, `within`
        (answered within the threshold), `wait_sum` (seconds waited by answered contacts),
        `busy_s` and `staffed_s` (seconds of eligible agents busy / on shift in the interval).
    """
    frame = _validate_forecast(forecast)
    if frame.empty:
        raise InvalidInput("the forecast has no rows", [FieldError(None, "forecast", "empty")])
    minutes = config.interval_minutes or infer_interval_minutes(frame)
    bucket_s = minutes * 60.0
    origin = frame["interval_start"].min()
    offsets = (frame["interval_start"] - origin).dt.total_seconds().to_numpy()
    queue_names = sorted(frame["queue"].astype(str).unique())
    queue_index = {q: i for i, q in enumerate(queue_names)}
    row_queue = frame["queue"].astype(str).map(queue_index).to_numpy(dtype=np.int64)
    proficiency, shifts = _agent_shifts(agents, queue_index, origin)
    n_buckets = int(offsets.max() // bucket_s) + 1
    row_bucket = (offsets // bucket_s).astype(np.int64)
    priorities = config.priorities or {}
    priority = [float(priorities.get(q, 1.0)) for q in queue_names]
    patience_by_queue = np.array([config.patience_for(q) for q in queue_names])
    volume = frame["volume"].to_numpy()
    aht = frame["aht_s"].to_numpy()

    results = []
    for replication in range(config.replications):
        rng = np.random.default_rng([config.seed, replication])
        counts = rng.poisson(volume)
        rows = np.repeat(np.arange(len(frame)), counts)
        arrivals = offsets[rows] + rng.uniform(0.0, bucket_s, rows.size)
        order = np.argsort(arrivals, kind="stable")
        rows, arrivals = rows[order], arrivals[order]
        queues = row_queue[rows]
        handle = _draw_handle_times(rng, aht[rows], np.asarray(queue_names)[queues], config)
        patience = rng.exponential(1.0, rows.size) * patience_by_queue[queues]
        patience = np.where(np.isfinite(patience_by_queue[queues]), patience, np.inf)
        output: EngineOutput = run_replication(
            EngineInput(
                arrival_s=arrivals,
                queue_of=queues,
                row_of=rows,
                handle_s=handle,
                patience_s=patience,
                n_rows=len(frame),
                n_queues=len(queue_names),
                priority=priority,
                proficiency=proficiency,
                shifts=shifts,
                threshold_s=config.threshold_s,
                bucket_s=bucket_s,
                n_buckets=n_buckets,
            )
        )
        results.append(
            pd.DataFrame(
                {
                    "replication": replication,
                    "queue": frame["queue"],
                    "interval_start": frame["interval_start"],
                    "offered": output.offered,
                    "answered": output.answered,
                    "abandoned": output.abandoned,
                    "within": output.within,
                    "wait_sum": output.wait_sum,
                    "busy_s": output.busy_s[row_bucket, row_queue],
                    "staffed_s": output.staffed_s[row_bucket, row_queue],
                }
            )
        )
        if progress is not None:
            done = (replication + 1) / config.replications
            progress(done, f"replication {replication + 1}/{config.replications}")
    return pd.concat(results, ignore_index=True)


def summarise(counts: pd.DataFrame) -> pd.DataFrame:
    """Turn raw counts (one or more replications) into SIMULATION_COLUMNS per (queue, interval).

    Counts become means per replication; service level, ASA, abandonment and occupancy are pooled
    ratios over all replications. With nothing offered the service level is 1 and the ASA and
    abandonment 0; with nobody on shift the occupancy is NaN.
    """
    grouped = counts.groupby(["queue", "interval_start"], sort=False)[_COUNT_COLUMNS].sum()
    n = counts["replication"].nunique() if "replication" in counts else 1
    offered = grouped["offered"].to_numpy()
    answered = grouped["answered"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        service_level = np.where(offered > 0, grouped["within"].to_numpy() / offered, 1.0)
        asa = np.where(answered > 0, grouped["wait_sum"].to_numpy() / answered, np.nan)
        asa = np.where(offered > 0, asa, 0.0)
        abandon_rate = np.where(offered > 0, grouped["abandoned"].to_numpy() / offered, 0.0)
        staffed = grouped["staffed_s"].to_numpy()
        occupancy = np.where(
            staffed > 0, np.minimum(grouped["busy_s"].to_numpy() / staffed, 1.0), np.nan
        )
    return pd.DataFrame(
        {
            "queue": grouped.index.get_level_values("queue"),
            "interval_start": grouped.index.get_level_values("interval_start"),
            "offered": offered / n,
            "answered": answered / n,
            "abandoned": grouped["abandoned"].to_numpy() / n,
            "service_level": service_level,
            "asa_s": asa,
            "abandon_rate": abandon_rate,
            "occupancy": occupancy,
        },
        columns=SIMULATION_COLUMNS,
    )


def simulate(
    forecast: pd.DataFrame,
    agents: list[SimAgent],
    config: SimConfig,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Simulate a staffing or roster against a forecast.

    Parameters
    ----------
    forecast:
        `queue`, `interval_start` (tz-aware), `volume` (expected contacts in the interval) and
        `aht_s` (mean handle time, seconds).
    agents:
        The agents and their shifts (see :class:`SimAgent`).
    config:
        Threshold, patience, handle-time distribution, seed and replications.
    progress:
        Optional callback (fraction 0..1, message), once per replication.

    Returns
    -------
    pandas.DataFrame
        SIMULATION_COLUMNS, one row per forecast row in its order: `offered`, `answered`,
        `abandoned` (contacts, mean per replication), `service_level` (answered within the
        threshold / offered), `asa_s` (mean wait of answered contacts, seconds), `abandon_rate`
        and `occupancy` (busy / on-shift time of the agents able to serve the queue).
    """
    return summarise(simulate_replications(forecast, agents, config, progress))


def agents_from_requirements(
    requirements: pd.DataFrame, column: str = "agents", interval_minutes: int | None = None
) -> list[SimAgent]:
    """Dedicated single-skill agents that follow a requirement table exactly.

    For each queue the k-th agent (k = 1, 2, ...) works every interval whose requirement is at
    least k, as contiguous shifts restricted to that queue.

    Parameters
    ----------
    requirements:
        `queue`, `interval_start` (tz-aware) and the agent count `column`.
    column:
        Which column holds the agents (e.g. ``agents`` or ``agents_scheduled``).
    interval_minutes:
        Interval length; inferred from the spacing when None.
    """
    if column not in requirements.columns:
        raise InvalidInput(
            f"requirements lack column {column!r}",
            [FieldError(None, column, "required column is missing")],
        )
    minutes = interval_minutes or infer_interval_minutes(requirements)
    length = pd.Timedelta(minutes=minutes)
    agents: list[SimAgent] = []
    for queue, part in requirements.sort_values("interval_start").groupby("queue", sort=True):
        starts = list(part["interval_start"])
        needed = part[column].fillna(0).to_numpy(dtype=np.int64)
        for k in range(1, int(needed.max(initial=0)) + 1):
            shifts: list[tuple[pd.Timestamp, pd.Timestamp, str | None]] = []
            for start, count in zip(starts, needed, strict=True):
                if count < k:
                    continue
                if shifts and shifts[-1][1] == start:
                    shifts[-1] = (shifts[-1][0], start + length, str(queue))
                else:
                    shifts.append((start, start + length, str(queue)))
            agents.append(SimAgent(f"{queue}-{k:03d}", {str(queue): 1}, shifts))
    return agents
