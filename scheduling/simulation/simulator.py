"""A discrete-event simulator of a multi-skill contact centre.

Arrivals follow the forecast (a Poisson number of contacts per interval, spread uniformly over
it), handle times are log-normal (or exponential, or resampled from observed ones) around the
interval's AHT, and callers abandon after an exponential patience. Or the arrivals are a real
week's contacts replayed (:mod:`scheduling.simulation.trace`). Agents have skills with a
proficiency and work shifts, each either restricted to one queue or open to all their skills; a
chat agent holds several chats at once. The routing policy and the event loop live in
:mod:`scheduling.simulation.engine`.

The result has one row per (queue, interval): contacts offered, answered and abandoned (means
over the replications), service level (the product's definition, as in the interval history:
answered within the queue's threshold over offered, abandoned contacts are misses, contacts
abandoned within :data:`features.schema.SHORT_ABANDON_S` left out of offered), ASA of answered
contacts (seconds), abandonment rate and occupancy of the agents able to serve the queue in that
interval. :func:`simulation_totals` adds the totals per queue and for the centre.
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
from scheduling.requirements import ServiceTargets, duplicated_cells
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

TOTAL_COLUMNS = ["queue", *SIMULATION_COLUMNS[2:], "intervals", "intervals_met"]
"""Simulated totals per queue (and ``ALL_QUEUES`` for the centre): counts per replication, pooled
ratios; `intervals` with contacts offered and the share of them meeting the service-level target
(`intervals_met`, NaN without a target)."""

ALL_QUEUES = "*"
"""The `queue` label of the centre-wide totals row."""

HANDLE_DISTRIBUTIONS = ("lognormal", "exponential", "empirical")
COUNT_COLUMNS = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "within",
    "wait_sum",
    "busy_s",
    "staffed_s",
]
"""Raw counts per (replication, queue, interval) that summaries and totals pool."""


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
        Service-level threshold in seconds, one for all queues or per queue (a queue missing from
        the mapping gets :data:`features.schema.DEFAULT_SL_THRESHOLD_S`).
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
    concurrency:
        Queue -> contacts one agent holds at once (chat); 1 for queues not listed.
    """

    threshold_s: float | Mapping[str, float] = DEFAULT_SL_THRESHOLD_S
    patience_s: float | Mapping[str, float] | None = None
    handle_cv: float = 1.0
    handle_distribution: str = "lognormal"
    handle_samples: Mapping[str, Sequence[float]] | None = None
    priorities: Mapping[str, float] | None = None
    seed: int = 0
    replications: int = 1
    interval_minutes: int | None = None
    concurrency: Mapping[str, int] | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        threshold = self.threshold_s
        for seconds in threshold.values() if isinstance(threshold, Mapping) else [threshold]:
            if not seconds >= 0:
                errors.append(FieldError(None, "threshold_s", "must be >= 0 seconds", seconds))
        for queue, slots in (self.concurrency or {}).items():
            if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
                rule = f"concurrency of {queue!r} must be a whole number >= 1"
                errors.append(FieldError(None, "concurrency", rule, slots))
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

    @classmethod
    def from_targets(cls, targets: Mapping[str, ServiceTargets], **settings: object) -> SimConfig:
        """Settings whose thresholds, patience and concurrency are the queues' service targets.

        Parameters
        ----------
        targets:
            Queue -> :class:`scheduling.requirements.ServiceTargets`.
        **settings:
            Any other field (seed, replications, priorities, handle times, interval_minutes).
        """
        patience = {q: t.patience_s for q, t in targets.items() if t.patience_s is not None}
        return cls(
            threshold_s={q: t.threshold_s for q, t in targets.items()},
            patience_s=patience or None,
            concurrency={q: t.concurrency for q, t in targets.items() if t.concurrency > 1},
            **settings,  # type: ignore[arg-type]
        )

    def threshold_for(self, queue: str) -> float:
        """Service-level threshold of `queue` in seconds."""
        if isinstance(self.threshold_s, Mapping):
            return float(self.threshold_s.get(queue, DEFAULT_SL_THRESHOLD_S))
        return float(self.threshold_s)

    def concurrency_for(self, queue: str) -> int:
        """Contacts one agent of `queue` holds at once."""
        return int((self.concurrency or {}).get(queue, 1))

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


@dataclass(frozen=True)
class CellLayout:
    """Result cells (queue, interval) and agents mapped onto the engine's indices.

    Attributes
    ----------
    cells:
        `queue` and `interval_start` of every result row, in output order.
    origin:
        Start of the first interval (time 0 of the engine).
    bucket_s:
        Interval length in seconds.
    offsets_s:
        Start of each cell's interval in seconds from `origin`.
    queue_names:
        Queues by engine index.
    row_queue, row_bucket:
        Engine queue index and interval (bucket) index of each cell.
    """

    cells: pd.DataFrame
    origin: pd.Timestamp
    bucket_s: float
    offsets_s: np.ndarray
    queue_names: list[str]
    row_queue: np.ndarray
    row_bucket: np.ndarray
    proficiency: list[dict[int, int]]
    shifts: list[list[tuple[float, float, tuple[int, ...]]]]

    @property
    def n_buckets(self) -> int:
        """Intervals from the origin to the last cell's."""
        return int(self.row_bucket.max(initial=0)) + 1


def lay_out_cells(
    cells: pd.DataFrame, agents: Sequence[SimAgent], minutes: int, queues: Sequence[str] = ()
) -> CellLayout:
    """Map result cells and agents onto engine indices (agents are validated here).

    Parameters
    ----------
    cells:
        `queue`, `interval_start` (tz-aware) per result row.
    agents:
        The agents and their shifts.
    minutes:
        Interval length in minutes.
    queues:
        Further queues the engine must know (e.g. replayed contacts' queues).
    """
    origin = cells["interval_start"].min()
    bucket_s = minutes * 60.0
    offsets = (cells["interval_start"] - origin).dt.total_seconds().to_numpy()
    queue_names = sorted(set(cells["queue"].astype(str)) | {str(q) for q in queues})
    queue_index = {q: i for i, q in enumerate(queue_names)}
    proficiency, shifts = _agent_shifts(agents, queue_index, origin)
    return CellLayout(
        cells=cells.loc[:, ["queue", "interval_start"]].reset_index(drop=True),
        origin=origin,
        bucket_s=bucket_s,
        offsets_s=offsets,
        queue_names=queue_names,
        row_queue=cells["queue"].astype(str).map(queue_index).to_numpy(dtype=np.int64),
        row_bucket=(offsets // bucket_s).astype(np.int64),
        proficiency=proficiency,
        shifts=shifts,
    )


def run_cells(
    layout: CellLayout,
    config: SimConfig,
    arrival_s: np.ndarray,
    rows: np.ndarray,
    handle_s: np.ndarray,
    patience_s: np.ndarray,
    replication: int = 0,
) -> pd.DataFrame:
    """One engine run over given contacts; raw counts per cell (see :func:`simulate_replications`).

    Parameters
    ----------
    layout:
        From :func:`lay_out_cells`.
    config:
        Thresholds, concurrency, priorities per queue.
    arrival_s, rows, handle_s, patience_s:
        Per contact: arrival (seconds from the layout's origin), cell index, handle time (s) and
        patience (s, ``inf`` for never abandoning), in any order.
    replication:
        Number written to the `replication` column.
    """
    order = np.argsort(arrival_s, kind="stable")
    rows = np.asarray(rows, dtype=np.int64)[order]
    priorities = config.priorities or {}
    output: EngineOutput = run_replication(
        EngineInput(
            arrival_s=np.asarray(arrival_s, dtype=np.float64)[order],
            queue_of=layout.row_queue[rows],
            row_of=rows,
            handle_s=np.asarray(handle_s, dtype=np.float64)[order],
            patience_s=np.asarray(patience_s, dtype=np.float64)[order],
            n_rows=len(layout.cells),
            n_queues=len(layout.queue_names),
            priority=[float(priorities.get(q, 1.0)) for q in layout.queue_names],
            proficiency=layout.proficiency,
            shifts=layout.shifts,
            threshold_s=[config.threshold_for(q) for q in layout.queue_names],
            bucket_s=layout.bucket_s,
            n_buckets=layout.n_buckets,
            concurrency=[config.concurrency_for(q) for q in layout.queue_names],
        )
    )
    return pd.DataFrame(
        {
            "replication": replication,
            "queue": layout.cells["queue"],
            "interval_start": layout.cells["interval_start"],
            "offered": output.offered,
            "answered": output.answered,
            "abandoned": output.abandoned,
            "short_abandoned": output.short_abandoned,
            "within": output.within,
            "wait_sum": output.wait_sum,
            "busy_s": output.busy_s[layout.row_bucket, layout.row_queue],
            "staffed_s": output.staffed_s[layout.row_bucket, layout.row_queue],
        }
    )


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
        `replication`, `queue`, `interval_start`, then COUNT_COLUMNS: `offered`, `answered`,
        `abandoned`, `short_abandoned` (abandoned within SHORT_ABANDON_S), `within` (answered
        within the threshold), `wait_sum` (seconds waited by answered contacts), `busy_s` and
        `staffed_s` (slot-seconds of eligible agents busy / on shift in the interval).
    """
    frame = _validate_forecast(forecast)
    if frame.empty:
        raise InvalidInput("the forecast has no rows", [FieldError(None, "forecast", "empty")])
    minutes = config.interval_minutes or infer_interval_minutes(frame)
    layout = lay_out_cells(frame, agents, minutes)
    volume = frame["volume"].to_numpy()
    aht = frame["aht_s"].to_numpy()
    patience_by_queue = np.array([config.patience_for(q) for q in layout.queue_names])
    names = np.asarray(layout.queue_names)

    results = []
    for replication in range(config.replications):
        rng = np.random.default_rng([config.seed, replication])
        counts = rng.poisson(volume)
        rows = np.repeat(np.arange(len(frame)), counts)
        arrivals = layout.offsets_s[rows] + rng.uniform(0.0, layout.bucket_s, rows.size)
        order = np.argsort(arrivals, kind="stable")
        rows, arrivals = rows[order], arrivals[order]
        queues = layout.row_queue[rows]
        handle = _draw_handle_times(rng, aht[rows], names[queues], config)
        patience = rng.exponential(1.0, rows.size) * patience_by_queue[queues]
        patience = np.where(np.isfinite(patience_by_queue[queues]), patience, np.inf)
        results.append(run_cells(layout, config, arrivals, rows, handle, patience, replication))
        if progress is not None:
            done = (replication + 1) / config.replications
            progress(done, f"replication {replication + 1}/{config.replications}")
    return pd.concat(results, ignore_index=True)


def _rates(sums: pd.DataFrame) -> dict[str, np.ndarray]:
    """Pooled ratios over summed COUNT_COLUMNS (the product's service-level definition)."""
    offered = sums["offered"].to_numpy(dtype=np.float64)
    answered = sums["answered"].to_numpy(dtype=np.float64)
    in_sl = offered - sums["short_abandoned"].to_numpy(dtype=np.float64)
    staffed = sums["staffed_s"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        service_level = np.where(
            offered > 0, np.where(in_sl > 0, sums["within"].to_numpy() / in_sl, np.nan), 1.0
        )
        asa = np.where(answered > 0, sums["wait_sum"].to_numpy() / answered, np.nan)
        occupancy = np.where(
            staffed > 0, np.minimum(sums["busy_s"].to_numpy() / staffed, 1.0), np.nan
        )
        abandon_rate = np.where(offered > 0, sums["abandoned"].to_numpy() / offered, 0.0)
    return {
        "service_level": service_level,
        "asa_s": np.where(offered > 0, asa, 0.0),
        "abandon_rate": abandon_rate,
        "occupancy": occupancy,
    }


def _replications(counts: pd.DataFrame) -> int:
    return int(counts["replication"].nunique()) if "replication" in counts else 1


def summarise(counts: pd.DataFrame) -> pd.DataFrame:
    """Turn raw counts (one or more replications) into SIMULATION_COLUMNS per (queue, interval).

    Counts become means per replication; service level, ASA, abandonment and occupancy are pooled
    ratios over all replications. With nothing offered the service level is 1 and the ASA and
    abandonment 0; when every contact offered abandoned within SHORT_ABANDON_S the service level
    is NaN (as in the interval history); with nobody on shift the occupancy is NaN.
    """
    grouped = counts.groupby(["queue", "interval_start"], sort=False)[COUNT_COLUMNS].sum()
    n = _replications(counts)
    rates = _rates(grouped)
    return pd.DataFrame(
        {
            "queue": grouped.index.get_level_values("queue"),
            "interval_start": grouped.index.get_level_values("interval_start"),
            "offered": grouped["offered"].to_numpy() / n,
            "answered": grouped["answered"].to_numpy() / n,
            "abandoned": grouped["abandoned"].to_numpy() / n,
            **rates,
        },
        columns=SIMULATION_COLUMNS,
    )


def simulation_totals(
    counts: pd.DataFrame, service_level_target: float | Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Totals per queue and for the whole centre (TOTAL_COLUMNS), from raw counts.

    Parameters
    ----------
    counts:
        Raw counts (:func:`simulate_replications`, :func:`scheduling.simulation.trace.replay`).
    service_level_target:
        Target share (one for all, or per queue) that an interval's service level must reach to
        count in `intervals_met`; None leaves `intervals_met` NaN.

    Returns
    -------
    pandas.DataFrame
        One row per queue (sorted) then the centre (``queue == ALL_QUEUES``): `offered`,
        `answered`, `abandoned` (contacts per replication), pooled `service_level`, `asa_s`
        (seconds), `abandon_rate`, `occupancy` (the centre's sums busy and on-shift slot time
        over queues), `intervals` (intervals with contacts, per replication) and `intervals_met`
        (share of those whose service level reached the target).
    """
    n = _replications(counts)
    if "replication" not in counts:
        counts = counts.assign(replication=0)
    keys = ["replication", "queue", "interval_start"]
    per_interval = counts.groupby(keys, sort=False)[COUNT_COLUMNS].sum()
    rates = _rates(per_interval)
    queues = per_interval.index.get_level_values("queue").astype(str)
    busy = per_interval["offered"].to_numpy() > 0
    if service_level_target is None:
        met = np.full(len(per_interval), np.nan)
    else:
        if isinstance(service_level_target, Mapping):
            target = queues.map(lambda q: service_level_target.get(q, np.nan)).to_numpy(float)
        else:
            target = np.full(len(per_interval), float(service_level_target))
        sl = rates["service_level"]
        met = np.where(np.isnan(sl) | np.isnan(target), np.nan, sl >= target - 1e-12)
    flags = pd.DataFrame({"queue": queues, "busy": busy, "met": np.where(busy, met, np.nan)})
    sums = per_interval.groupby(level="queue", sort=True).sum()
    every = sums.sum().to_frame().T
    every.index = pd.Index([ALL_QUEUES], name="queue")
    table = pd.concat([sums, every])
    share = flags.groupby("queue", sort=True)["met"].mean()
    share[ALL_QUEUES] = flags["met"].mean()
    intervals = flags.groupby("queue", sort=True)["busy"].sum()
    intervals[ALL_QUEUES] = flags["busy"].sum()
    totals_rates = _rates(table)
    return pd.DataFrame(
        {
            "queue": table.index.astype(str),
            "offered": table["offered"].to_numpy() / n,
            "answered": table["answered"].to_numpy() / n,
            "abandoned": table["abandoned"].to_numpy() / n,
            **totals_rates,
            "intervals": intervals.reindex(table.index).to_numpy(dtype=np.float64) / n,
            "intervals_met": share.reindex(table.index).to_numpy(dtype=np.float64),
        },
        columns=TOTAL_COLUMNS,
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


def agents_from_roster(
    roster: pd.DataFrame, skills: Mapping[str, Mapping[str, int]] | None = None
) -> list[SimAgent]:
    """Simulator agents from roster rows (ROSTER_COLUMNS, tz-aware `start`/`end`).

    Each work row becomes a span restricted to its queue (the roster's routing plan; a work row
    without a queue lets the agent serve every skill); breaks and other activities are off the
    phones.

    Parameters
    ----------
    roster:
        Roster rows: `agent_id`, `activity`, `queue`, `start`, `end`.
    skills:
        Agent -> queue -> proficiency (1-5); default: proficiency 1 on every queue the agent
        works in the roster.
    """
    needed = ["agent_id", "activity", "queue", "start", "end"]
    missing = [c for c in needed if c not in roster.columns]
    if missing:
        raise InvalidInput(
            f"roster lacks columns {missing}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    for column in ("start", "end"):
        if not isinstance(roster[column].dtype, pd.DatetimeTZDtype):
            raise InvalidInput(
                f"roster {column} must hold timezone-aware timestamps",
                [FieldError(None, column, "must be timezone-aware timestamps")],
            )
    rows = roster.reset_index(drop=True)
    work = rows[rows["activity"] == "work"].sort_values(["agent_id", "start"], kind="stable")
    agents = []
    for agent_id, mine in work.groupby(work["agent_id"].astype(str), sort=True):
        queues = [None if pd.isna(q) or q == "" else str(q) for q in mine["queue"]]
        worked = {q: 1 for q in queues if q is not None}
        known = dict((skills or {}).get(agent_id, {})) or worked
        spans = list(zip(mine["start"], mine["end"], queues, strict=True))
        agents.append(SimAgent(agent_id, {**worked, **known}, spans))
    return agents
