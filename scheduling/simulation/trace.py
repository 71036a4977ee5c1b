"""Replay a real week's contacts through the simulator: "how would last week's calls have gone on
this roster?"

A **trace** holds the contacts to replay (TRACE_COLUMNS): when each arrived, on which queue, how
long it takes to handle and how long its customer would wait before giving up. Records give most
of it, and :func:`trace_from_contacts` fills in what they cannot know:

- **handle time** of a contact that abandoned (it was never handled): drawn from the handle times
  of the same queue's served contacts in the records (from every queue's when the queue has none);
- **patience**: an abandoned contact's patience is its observed wait. A served contact's patience
  is censored: it exceeded its wait, by an unknown amount. By default it is drawn from the queue's
  Kaplan-Meier patience curve conditional on exceeding the observed wait
  (:meth:`scheduling.patience.PatienceEstimate.sample_beyond`), so a customer who was answered
  after 40 s on a busy day may abandon under a thinner roster, exactly as often as the queue's
  customers who waited that long did. ``"exponential"`` draws ``wait + Exp(mean)`` instead (the
  Erlang A assumption); ``"infinite"`` lets every served customer wait as long as it takes (an
  optimistic bound: the replay then shows only the abandonment that really happened).

Both draws are random, so replays are replicated (each replication draws its own trace with seed
``(config.seed, r)``); a trace without unknowns replays deterministically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd

from features.calendar import floor_local, is_timezone
from features.errors import FieldError, InvalidInput
from features.schema import DEFAULT_INTERVAL_MINUTES, QUEUE, SHORT_ABANDON_S, ProgressCallback
from scheduling.patience import WAIT_S, PatienceEstimate, contact_waits, estimate_patience
from scheduling.simulation.simulator import (
    COUNT_COLUMNS,
    SimAgent,
    SimConfig,
    lay_out_cells,
    run_cells,
)

TRACE_COLUMNS: Final = [QUEUE, "arrived_at", "handle_s", "patience_s"]
"""A contact to replay: queue, arrival (tz-aware), handle time (s), patience (s; inf: never
abandons)."""
CENSORED_PATIENCE: Final = ("kaplan_meier", "exponential", "infinite")
"""How a served contact's unknown patience is filled in (see the module docstring)."""


def validate_trace(trace: pd.DataFrame) -> pd.DataFrame:
    """The trace's TRACE_COLUMNS, checked: every broken row named; NaN patience becomes inf.

    Raises
    ------
    InvalidInput
        Missing columns, naive or missing arrivals, missing queues, handle times that are not
        finite numbers >= 0, negative patience.
    """
    missing = [c for c in TRACE_COLUMNS if c not in trace.columns]
    if missing:
        raise InvalidInput(
            f"trace lacks columns {missing}; needs {TRACE_COLUMNS}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    frame = trace.loc[:, TRACE_COLUMNS].reset_index(drop=True)
    if not isinstance(frame["arrived_at"].dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "arrived_at must hold timezone-aware timestamps",
            [FieldError(None, "arrived_at", "must be timezone-aware timestamps")],
        )
    handle = pd.to_numeric(frame["handle_s"], errors="coerce").to_numpy(dtype=np.float64)
    patience = pd.to_numeric(frame["patience_s"], errors="coerce").to_numpy(dtype=np.float64)
    errors = [
        FieldError(int(r), "arrived_at", "must be an instant", None)
        for r in np.flatnonzero(frame["arrived_at"].isna().to_numpy())
    ]
    errors += [
        FieldError(int(r), QUEUE, "must name a queue", None)
        for r in np.flatnonzero(frame[QUEUE].isna().to_numpy())
    ]
    errors += [
        FieldError(int(r), "handle_s", "must be a finite number >= 0 (seconds)", handle[r])
        for r in np.flatnonzero(~(np.isfinite(handle) & (handle >= 0)))
    ]
    errors += [
        FieldError(int(r), "patience_s", "must be >= 0 seconds (empty: never abandons)", v)
        for r, v in ((r, patience[r]) for r in np.flatnonzero(patience < 0))
    ]
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field))
        raise InvalidInput(f"trace has {len(errors)} invalid value(s)", errors)
    frame[QUEUE] = frame[QUEUE].astype(str)
    frame["handle_s"] = handle
    frame["patience_s"] = np.where(np.isnan(patience), np.inf, patience)
    return frame


def _draw_handles(waits: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    handle = waits["handle_s"].to_numpy(dtype=np.float64)
    known = np.isfinite(handle) & (handle > 0)
    everywhere = handle[known]
    out = handle.copy()
    queues = waits[QUEUE].to_numpy()
    for queue in np.unique(queues[~known]):
        wanted = (queues == queue) & ~known
        pool = handle[(queues == queue) & known]
        if pool.size == 0:
            pool = everywhere
        if pool.size == 0:
            raise InvalidInput(
                "no contact has a handle time, so contacts that were not handled cannot be "
                "replayed; give handle_s",
                [FieldError(None, "handle_s", "needed on served contacts", str(queue))],
            )
        out[wanted] = rng.choice(pool, size=int(wanted.sum()))
    return out


def trace_from_contacts(
    contacts: pd.DataFrame,
    rng: np.random.Generator,
    *,
    patience: Mapping[str, PatienceEstimate] | None = None,
    censored: str = "kaplan_meier",
) -> pd.DataFrame:
    """A trace from contact records, unknown handle times and patience drawn (module docstring).

    Parameters
    ----------
    contacts:
        Contact records (:data:`features.schema.CONTACT_COLUMNS`; `queue`, `arrived_at` and,
        where known, `answered_at`, `ended_at`, `abandoned`, `handle_s`).
    rng:
        Random generator for the draws.
    patience:
        Patience per queue; estimated from `contacts` themselves when None.
    censored:
        One of CENSORED_PATIENCE.

    Returns
    -------
    pandas.DataFrame
        TRACE_COLUMNS, one row per contact in the input's order.
    """
    if censored not in CENSORED_PATIENCE:
        raise InvalidInput(
            f"censored patience must be one of {CENSORED_PATIENCE}, got {censored!r}",
            [FieldError(None, "censored", f"must be one of {CENSORED_PATIENCE}", censored)],
        )
    waits = contact_waits(contacts)
    estimates = patience if patience is not None else estimate_patience(waits)
    wait = waits[WAIT_S].to_numpy(dtype=np.float64)
    gone = waits["abandoned"].to_numpy(dtype=bool)
    known_wait = np.where(np.isfinite(wait), wait, 0.0)
    drawn = np.where(gone & np.isfinite(wait), wait, np.inf)
    queues = waits[QUEUE].to_numpy()
    unknown = ~(gone & np.isfinite(wait))
    if censored != "infinite":
        method = censored
        for queue in np.unique(queues[unknown]):
            chosen = unknown & (queues == queue)
            estimate = estimates.get(str(queue))
            if estimate is not None:
                drawn[chosen] = estimate.sample_beyond(known_wait[chosen], rng, method)
    elif np.any(gone & ~np.isfinite(wait)):
        # An abandoned contact without its wait keeps an unknown patience: draw it regardless.
        for queue in np.unique(queues[gone & ~np.isfinite(wait)]):
            chosen = gone & ~np.isfinite(wait) & (queues == queue)
            estimate = estimates.get(str(queue))
            if estimate is not None:
                drawn[chosen] = estimate.sample_beyond(np.zeros(int(chosen.sum())), rng)
    return pd.DataFrame(
        {
            QUEUE: waits[QUEUE],
            "arrived_at": waits["arrived_at"],
            "handle_s": _draw_handles(waits, rng),
            "patience_s": drawn,
        },
        columns=TRACE_COLUMNS,
    )


def replay_window(
    arrivals: pd.Series,
    minutes: int,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    timezone: str | None = None,
) -> pd.DatetimeIndex:
    """Interval starts of a replay: local-aligned intervals covering [start, end).

    Parameters
    ----------
    arrivals:
        Arrival instants (tz-aware); bound the window where `start`/`end` are None.
    minutes:
        Interval length.
    start, end:
        The window (tz-aware); `start` is floored to its interval.
    timezone:
        The site's zone (intervals aligned on its clock); default the arrivals' (or `start`'s).
    """
    zone = timezone or _zone_of(start if start is not None else arrivals)
    low = start if start is not None else (arrivals.min() if len(arrivals) else None)
    high = end if end is not None else (arrivals.max() if len(arrivals) else None)
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        raise InvalidInput(
            "nothing to replay: no contacts and no window",
            [FieldError(None, "contacts", "give contacts or a window (start, end)")],
        )
    first = floor_local(pd.Series([pd.Timestamp(low)]), minutes, zone).iloc[0]
    step = pd.Timedelta(minutes=minutes)
    if end is None:
        last = floor_local(pd.Series([pd.Timestamp(high)]), minutes, zone).iloc[0] + step
    else:
        last = pd.Timestamp(high)
    if not last > first:
        raise InvalidInput(
            "the replay window is empty", [FieldError(None, "end", "must be after start", str(end))]
        )
    return pd.date_range(first, last, freq=step, inclusive="left")


def _zone_of(value: pd.Timestamp | pd.Series) -> str:
    """The IANA zone of instants (UTC when they carry only an offset)."""
    tz = value.tz if isinstance(value, pd.Timestamp) else value.dt.tz
    name = str(tz) if tz is not None else "UTC"
    return name if is_timezone(name) else "UTC"


def _cells(queues: Sequence[str], starts: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {
            QUEUE: np.repeat(np.asarray(queues, dtype=object), len(starts)),
            "interval_start": np.tile(starts, len(queues)),
        }
    ).astype({"interval_start": starts.dtype})


def _queues(trace: pd.DataFrame, agents: Sequence[SimAgent]) -> list[str]:
    named = {q for a in agents for _, _, q in a.shifts if q is not None}
    return sorted(set(trace[QUEUE].astype(str)) | {str(q) for q in named})


def replay(
    trace: pd.DataFrame,
    agents: Sequence[SimAgent],
    config: SimConfig,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    *,
    timezone: str | None = None,
    replication: int = 0,
) -> pd.DataFrame:
    """Replay a trace on agents' shifts; raw counts per (queue, interval).

    Parameters
    ----------
    trace:
        TRACE_COLUMNS (see :func:`validate_trace`).
    agents:
        The agents and their shifts (e.g. from
        :func:`scheduling.simulation.simulator.agents_from_roster`).
    config:
        Thresholds, concurrency, priorities per queue; `interval_minutes` (default 15).
    start, end:
        The window (tz-aware); contacts arriving outside [start, end) are not replayed. Default:
        the trace's first to last arrival.
    timezone:
        The site's zone for aligning intervals; default the arrivals' zone.
    replication:
        Number written to the `replication` column.

    Returns
    -------
    pandas.DataFrame
        `replication`, `queue`, `interval_start`, COUNT_COLUMNS; every queue of the trace and
        of the agents' shifts, every interval of the window.
    """
    frame = validate_trace(trace)
    minutes = config.interval_minutes or DEFAULT_INTERVAL_MINUTES
    starts = replay_window(frame["arrived_at"], minutes, start, end, timezone)
    queues = _queues(frame, agents)
    layout = lay_out_cells(_cells(queues, starts), agents, minutes)
    step_s = minutes * 60.0
    offset = (frame["arrived_at"] - layout.origin).dt.total_seconds().to_numpy()
    bucket = np.floor(offset / step_s).astype(np.int64)
    inside = (offset >= 0) & (bucket < len(starts))
    queue_index = {q: i for i, q in enumerate(queues)}
    codes = frame[QUEUE].map(queue_index).to_numpy(dtype=np.int64)
    rows = codes[inside] * len(starts) + bucket[inside]
    return run_cells(
        layout,
        config,
        offset[inside],
        rows,
        frame["handle_s"].to_numpy()[inside],
        frame["patience_s"].to_numpy()[inside],
        replication,
    )


def replay_contacts(
    contacts: pd.DataFrame,
    agents: Sequence[SimAgent],
    config: SimConfig,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    *,
    timezone: str | None = None,
    patience: Mapping[str, PatienceEstimate] | None = None,
    censored: str = "kaplan_meier",
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Replay real contacts on agents' shifts over ``config.replications`` drawn traces.

    Parameters
    ----------
    contacts:
        Contact records (see :func:`trace_from_contacts`).
    agents, config, start, end, timezone:
        As in :func:`replay`.
    patience:
        Patience per queue; estimated from all of `contacts` when None (so a window inside a
        longer record uses the longer record's estimate).
    censored:
        How served contacts' patience is filled in (CENSORED_PATIENCE).
    progress:
        Optional callback (fraction 0..1, message), once per replication.

    Returns
    -------
    pandas.DataFrame
        Raw counts of every replication (see :func:`replay`); summarise them with
        :func:`scheduling.simulation.simulator.summarise` and
        :func:`scheduling.simulation.simulator.simulation_totals`.
    """
    estimates = patience if patience is not None else estimate_patience(contacts)
    runs = []
    for replication in range(config.replications):
        rng = np.random.default_rng([config.seed, replication])
        trace = trace_from_contacts(contacts, rng, patience=estimates, censored=censored)
        runs.append(
            replay(
                trace,
                agents,
                config,
                start,
                end,
                timezone=timezone,
                replication=replication,
            )
        )
        if progress is not None:
            done = (replication + 1) / config.replications
            progress(done, f"replay {replication + 1}/{config.replications}")
    return pd.concat(runs, ignore_index=True)


def observed_counts(
    contacts: pd.DataFrame,
    config: SimConfig,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    *,
    timezone: str | None = None,
    queues: Sequence[str] = (),
) -> pd.DataFrame:
    """What really happened to the contacts, as counts in the replay's cells (for comparison).

    Parameters
    ----------
    contacts:
        Contact records.
    config:
        Gives each queue's threshold and the interval length.
    start, end, timezone:
        The window, as in :func:`replay`.
    queues:
        Further queues to include (e.g. the roster's), with zero counts.

    Returns
    -------
    pandas.DataFrame
        `replication` (0), `queue`, `interval_start` and COUNT_COLUMNS from the records (`busy_s`
        and `staffed_s` NaN: records do not say who was on shift).
    """
    waits = contact_waits(contacts)
    minutes = config.interval_minutes or DEFAULT_INTERVAL_MINUTES
    starts = replay_window(waits["arrived_at"], minutes, start, end, timezone)
    names = sorted(set(waits[QUEUE]) | {str(q) for q in queues})
    cells = _cells(names, starts)
    step_s = minutes * 60.0
    offset = (waits["arrived_at"] - starts[0]).dt.total_seconds().to_numpy()
    bucket = np.floor(offset / step_s).astype(np.int64)
    inside = (offset >= 0) & (bucket < len(starts))
    part = waits[inside].assign(bucket=bucket[inside])
    wait = part[WAIT_S].to_numpy(dtype=np.float64)
    gone = part["abandoned"].to_numpy(dtype=bool)
    threshold = np.array([config.threshold_for(q) for q in part[QUEUE]], dtype=np.float64)
    answered = ~gone & np.isfinite(wait)
    part = part.assign(
        offered=1.0,
        answered=answered.astype(float),
        abandoned=gone.astype(float),
        short_abandoned=(gone & (wait < SHORT_ABANDON_S)).astype(float),
        within=(answered & (wait <= threshold)).astype(float),
        wait_sum=np.where(answered, wait, 0.0),
    )
    sums = part.groupby([QUEUE, "bucket"])[list(COUNT_COLUMNS[:6])].sum()
    index = {q: i for i, q in enumerate(names)}
    result = cells.assign(replication=0)
    for column in COUNT_COLUMNS:
        result[column] = 0.0 if column not in ("busy_s", "staffed_s") else np.nan
    if len(sums):
        rows = [index[q] * len(starts) + b for q, b in sums.index]
        for column in COUNT_COLUMNS[:6]:
            result.loc[rows, column] = sums[column].to_numpy()
    return result[["replication", QUEUE, "interval_start", *COUNT_COLUMNS]]
