"""Staffing requirements: the fewest agents per queue and interval that meet the service targets.

Each queue is staffed for its channel (:mod:`scheduling.channels`):

- **voice and chat** (live queues): the fewest agents whose Erlang C (or Erlang A when the queue
  has a patience) service level reaches the target, whose ASA is within the optional ASA target
  and whose occupancy stays under the cap (:mod:`scheduling.agent_search`). A chat agent holds
  ``concurrency`` chats, so chat cells staff slots and divide: ``agents = ceil(slots / k)``.
- **email** (deferred work): agents from the backlog recursion of :mod:`scheduling.backlog`, which
  spreads each interval's work over the response-time target and carries what is left.

**Risk.** With ``confidence`` set (the default, :data:`scheduling.risk.DEFAULT_CONFIDENCE`), each
interval is staffed for the count it reaches with that probability given the forecast's p10-p90
band and Poisson noise (:mod:`scheduling.risk`), never below the point forecast; with
``confidence=None`` for the point forecast alone. A row without a band (no band columns, or
empty ones) states no uncertainty and is staffed at its point forecast; a zero-width band has
Poisson noise only. Shrinkage then turns productive agents into scheduled agents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import (
    ALLOWED_INTERVAL_MINUTES,
    DEFAULT_INTERVAL_MINUTES,
    INTERVAL_START,
    QUEUE,
    REQUIREMENTS_COLUMNS,
    ProgressCallback,
)
from scheduling.agent_search import TOLERANCE, largest_count_met, required_agents
from scheduling.backlog import deferred_agents, deferred_service, response_window
from scheduling.channels import CHANNEL
from scheduling.erlang import queue_metrics
from scheduling.risk import count_cdf, rate_variance, staffed_volume
from scheduling.targets import ServiceTargets

__all__ = [
    "BAND_COLUMNS",
    "FORECAST_INPUT_COLUMNS",
    "REQUIREMENT_DETAIL_COLUMNS",
    "ServiceTargets",
    "compute_requirements",
    "duplicated_cells",
    "required_agents",
]

FORECAST_INPUT_COLUMNS = ("queue", "interval_start", "volume", "aht_s")
BAND_COLUMNS: Final = ("volume_p10", "volume_p90")
"""Optional forecast columns: the count's 10% and 90% quantiles (the risk-aware band)."""
VOLUME_STAFFED: Final = "volume_staffed"
AGENTS_POINT: Final = "agents_point"
MEET_PROBABILITY: Final = "meet_probability"
BACKLOG: Final = "backlog"
REQUIREMENT_DETAIL_COLUMNS: Final = [
    CHANNEL,
    VOLUME_STAFFED,
    AGENTS_POINT,
    MEET_PROBABILITY,
    BACKLOG,
]
"""Columns ``compute_requirements(..., details=True)`` adds after REQUIREMENTS_COLUMNS."""


def duplicated_cells(frame: pd.DataFrame) -> np.ndarray:
    """True on every repeat of an earlier (queue, interval_start) row (sort-based, fast)."""
    queue_codes, _ = pd.factorize(frame["queue"])
    instants = frame["interval_start"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = np.lexsort((np.arange(len(frame)), instants, queue_codes))
    same = (np.diff(queue_codes[order]) == 0) & (np.diff(instants[order]) == 0)
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[order[1:][same]] = True
    return repeated


def _band_errors(frame: pd.DataFrame, forecast: pd.DataFrame) -> list[FieldError]:
    """Read the optional band into `frame` (NaN where absent); errors for broken values."""
    errors: list[FieldError] = []
    for column in BAND_COLUMNS:
        if column not in forecast.columns:
            frame[column] = np.nan
            continue
        raw = forecast[column].reset_index(drop=True)
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        broken = (raw.notna().to_numpy() & np.isnan(values)) | ~(np.isnan(values) | (values >= 0))
        broken |= np.isinf(values)
        for row in np.flatnonzero(broken):
            rule = f"{column} must be a finite number >= 0 (contacts per interval) or empty"
            errors.append(FieldError(int(row), column, rule, raw.iloc[row]))
        frame[column] = np.where(broken, np.nan, values)
    crossed = frame["volume_p10"].to_numpy() > frame["volume_p90"].to_numpy()
    for row in np.flatnonzero(crossed):
        rule = "volume_p10 must not exceed volume_p90"
        errors.append(FieldError(int(row), "volume_p10", rule, frame.at[row, "volume_p10"]))
    return errors


def _validate_forecast(forecast: pd.DataFrame, default_aht_s: float | None) -> pd.DataFrame:
    missing = [c for c in FORECAST_INPUT_COLUMNS if c not in forecast.columns]
    if missing:
        raise InvalidInput(
            f"forecast lacks columns {missing}; needs {list(FORECAST_INPUT_COLUMNS)}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    frame = forecast.loc[:, list(FORECAST_INPUT_COLUMNS)].reset_index(drop=True)
    errors: list[FieldError] = []
    if not isinstance(frame["interval_start"].dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "interval_start must hold timezone-aware timestamps (parse files with read_frame)",
            [FieldError(None, "interval_start", "must be timezone-aware timestamps")],
        )
    for row in np.flatnonzero(frame["interval_start"].isna().to_numpy()):
        errors.append(FieldError(int(row), "interval_start", "must be a timestamp", None))
    for row in np.flatnonzero(frame["queue"].isna().to_numpy()):
        errors.append(FieldError(int(row), "queue", "must name a queue", None))
    volume = pd.to_numeric(frame["volume"], errors="coerce").to_numpy(dtype=np.float64)
    aht = pd.to_numeric(frame["aht_s"], errors="coerce").to_numpy(dtype=np.float64)
    for row in np.flatnonzero(~np.isfinite(volume) | (volume < 0)):
        rule = "volume must be a finite number >= 0 (contacts per interval)"
        errors.append(FieldError(int(row), "volume", rule, frame["volume"].iloc[row]))
    if default_aht_s is not None:
        aht = np.where(np.isnan(aht), default_aht_s, aht)
    needs_aht = np.nan_to_num(volume, nan=1.0) > 0
    for row in np.flatnonzero(needs_aht & ~(np.isfinite(aht) & (aht > 0))):
        rule = "aht_s must be a number > 0 (seconds) where volume > 0"
        if np.isnan(aht[row]):
            rule += "; give a default handle time (default_aht_s / --aht-s)"
        errors.append(FieldError(int(row), "aht_s", rule, frame["aht_s"].iloc[row]))
    duplicated = duplicated_cells(frame)
    for row in np.flatnonzero(duplicated):
        rule = "(queue, interval_start) must be unique"
        errors.append(FieldError(int(row), "interval_start", rule, str(frame.at[row, "queue"])))
    errors += _band_errors(frame, forecast)
    if CHANNEL in forecast.columns:
        frame[CHANNEL] = forecast[CHANNEL].reset_index(drop=True)
    if errors:
        errors.sort(key=lambda e: (e.row if e.row is not None else -1, e.field))
        raise InvalidInput(f"forecast has {len(errors)} invalid value(s)", errors)
    frame["volume"] = volume
    frame["aht_s"] = np.where(volume > 0, aht, np.nan_to_num(aht, nan=0.0))
    return frame


def _targets_table(
    queues: pd.Series, targets: ServiceTargets | Mapping[str, ServiceTargets]
) -> tuple[list[ServiceTargets], np.ndarray]:
    """The distinct targets and, per row, the index of its queue's targets."""
    names = queues.astype(str)
    if isinstance(targets, ServiceTargets):
        return [targets], np.zeros(len(names), dtype=np.int64)
    unknown = sorted(set(names) - set(targets))
    if unknown:
        raise InvalidInput(
            f"no service targets for queue(s) {unknown}",
            [FieldError(None, "queue", "needs service targets", q) for q in unknown],
        )
    keys = list(targets)
    codes = np.asarray(names.map({k: i for i, k in enumerate(keys)}), dtype=np.int64)
    return [targets[k] for k in keys], codes


def _target_arrays(table: list[ServiceTargets], codes: np.ndarray) -> dict[str, np.ndarray]:
    """Per-row target arrays: service_level, threshold_s, asa_s (inf = none), max_occupancy,
    shrinkage, patience_s (NaN = no abandonment), concurrency, confidence (NaN = point),
    deferred (bool)."""

    def column(values: list[float | None], missing: float) -> np.ndarray:
        return np.array([missing if v is None else v for v in values], dtype=np.float64)[codes]

    return {
        "service_level": column([t.service_level for t in table], 0.0),
        "threshold_s": column([t.threshold_s for t in table], 0.0),
        "asa_s": column([t.asa_s for t in table], np.inf),
        "max_occupancy": column([t.max_occupancy for t in table], 1.0),
        "shrinkage": column([t.shrinkage for t in table], 0.0),
        "patience_s": column([t.patience_s for t in table], np.nan),
        "concurrency": column([float(t.concurrency) for t in table], 1.0),
        "confidence": column([t.confidence for t in table], np.nan),
        "deferred": np.array([t.deferred for t in table], dtype=bool)[codes],
    }


def _check_channels(frame: pd.DataFrame, table: list[ServiceTargets], codes: np.ndarray) -> None:
    """A forecast `channel` column must agree with each queue's targets."""
    if CHANNEL not in frame.columns:
        return
    given = frame[CHANNEL].astype("string")
    expected = pd.Series([table[c].channel for c in codes], dtype="string")
    wrong = given.notna().to_numpy() & (given != expected).fillna(False).to_numpy()
    errors = []
    seen: set[str] = set()
    for row in np.flatnonzero(wrong):
        queue = str(frame.at[row, QUEUE])
        if queue in seen:
            continue
        seen.add(queue)
        rule = (
            f"queue {queue!r} is {given.iloc[row]} in the forecast but its service targets are "
            f"for {expected.iloc[row]}; give it {given.iloc[row]} targets "
            f"(ServiceTargets.for_channel({str(given.iloc[row])!r}))"
        )
        errors.append(FieldError(int(row), CHANNEL, rule, str(given.iloc[row])))
    if errors:
        raise InvalidInput("forecast channels disagree with the service targets", errors)


def _interval_minutes(frame: pd.DataFrame, interval_minutes: int | None) -> int:
    if interval_minutes is None:
        return infer_interval_minutes(frame) if len(frame) else DEFAULT_INTERVAL_MINUTES
    if interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise InvalidInput(
            f"interval_minutes must be one of {ALLOWED_INTERVAL_MINUTES}, got {interval_minutes}",
            [FieldError(None, "interval_minutes", "must be an allowed length", interval_minutes)],
        )
    return interval_minutes


class _Cells:
    """Per-row results filled in by the live and the deferred paths."""

    def __init__(self, size: int) -> None:
        self.agents = np.zeros(size, dtype=np.int64)
        self.point = np.zeros(size, dtype=np.int64)
        self.service_level = np.ones(size)
        self.asa = np.zeros(size)
        self.occupancy = np.zeros(size)
        self.meet = np.ones(size)
        self.backlog = np.zeros(size)


def _staff_live(
    rows: np.ndarray,
    volume: np.ndarray,
    staffed: np.ndarray,
    aht: np.ndarray,
    band_variance: np.ndarray,
    wanted: dict[str, np.ndarray],
    interval_s: float,
    cells: _Cells,
    details: bool,
    progress: ProgressCallback | None,
) -> None:
    """Erlang slots, then agents = ceil(slots / concurrency).

    The service-level and ASA targets must hold at the staffed count, the occupancy cap at the
    point forecast: a busier week than expected may run hotter than the cap, and the cap is a
    planning limit on the expected load, not a promise to customers.
    """
    cell = {name: values[rows] for name, values in wanted.items()}
    point = required_agents(
        volume[rows] / interval_s,
        aht[rows],
        cell["service_level"],
        cell["threshold_s"],
        cell["asa_s"],
        cell["max_occupancy"],
        cell["patience_s"],
        progress,
    )
    uncapped = np.ones(rows.size)
    risky = staffed[rows] > volume[rows]
    found = point.copy()
    if risky.any():
        found[risky] = np.maximum(
            point[risky],
            required_agents(
                staffed[rows][risky] / interval_s,
                aht[rows][risky],
                cell["service_level"][risky],
                cell["threshold_s"][risky],
                cell["asa_s"][risky],
                uncapped[risky],
                cell["patience_s"][risky],
            ),
        )
    k = cell["concurrency"]
    agents = np.ceil(found / k - TOLERANCE).astype(np.int64)
    slots = agents * k
    metrics = queue_metrics(
        slots, volume[rows] / interval_s, aht[rows], cell["threshold_s"], cell["patience_s"]
    )
    cells.agents[rows] = agents
    cells.point[rows] = np.ceil(point / k - TOLERANCE).astype(np.int64)
    cells.service_level[rows] = metrics.service_level
    cells.asa[rows] = metrics.asa_s
    cells.occupancy[rows] = metrics.occupancy
    if details:
        served = largest_count_met(
            slots.astype(np.float64),
            interval_s,
            staffed[rows],
            aht[rows],
            cell["service_level"],
            cell["threshold_s"],
            cell["asa_s"],
            uncapped,
            cell["patience_s"],
        )
        cells.meet[rows] = count_cdf(served, volume[rows], band_variance[rows])


def _staff_deferred(
    frame: pd.DataFrame,
    rows: np.ndarray,
    staffed: np.ndarray,
    wanted: dict[str, np.ndarray],
    interval_s: float,
    initial_backlog: Mapping[str, float],
    cells: _Cells,
) -> None:
    """Backlog recursion per deferred queue over its rows in time order (gaps are closed)."""
    volume = frame["volume"].to_numpy(dtype=np.float64)
    aht = frame["aht_s"].to_numpy(dtype=np.float64)
    instants = frame[INTERVAL_START].to_numpy(dtype="datetime64[ns]").view(np.int64)
    part = frame.iloc[rows]
    for queue, group in part.groupby(part[QUEUE].astype(str), sort=True):
        order = group.index.to_numpy()[np.argsort(instants[group.index], kind="stable")]
        offsets = (instants[order] - instants[order[0]]) / 1e9 / interval_s
        grid = np.rint(offsets).astype(np.int64)
        if np.any(np.abs(offsets - grid) > 1e-6):
            raise InvalidInput(
                f"deferred queue {queue!r} has intervals off the {interval_s / 60:g}-minute grid",
                [FieldError(None, INTERVAL_START, "must be aligned on the interval", queue)],
            )
        first = order[0]
        window = response_window(float(wanted["threshold_s"][first]), interval_s)
        capacity = interval_s * float(wanted["max_occupancy"][first])
        horizon = int(grid[-1]) + 1
        is_open = np.zeros(horizon, dtype=bool)
        is_open[grid] = True
        busy = volume[order] > 0
        waiting = float(initial_backlog.get(str(queue), 0.0))
        if not (np.isfinite(waiting) and waiting >= 0):
            raise InvalidInput(
                f"initial backlog of {queue!r} must be a number of contacts >= 0",
                [FieldError(None, "initial_backlog", "must be contacts >= 0", waiting)],
            )
        if busy.any():
            mean_aht = float(np.average(aht[order][busy], weights=volume[order][busy]))
        elif waiting > 0:
            raise InvalidInput(
                f"deferred queue {queue!r} has a backlog but no handle time to work it off",
                [FieldError(None, "aht_s", "needed where a backlog waits", queue)],
            )
        else:
            mean_aht = 0.0
        backlog_s = waiting * mean_aht
        planned = np.zeros(horizon)
        planned[grid] = staffed[order] * aht[order]
        plan = deferred_agents(
            planned, is_open, window, wanted["service_level"][first], capacity, backlog_s
        )
        expected = np.zeros(horizon)
        expected[grid] = volume[order] * aht[order]
        service = deferred_service(
            expected,
            plan.agents,
            interval_s,
            float(wanted["threshold_s"][first]),
            capacity,
            backlog_s,
        )
        agents = plan.agents[0, grid]
        cells.agents[order] = agents
        point = deferred_agents(
            expected, is_open, window, wanted["service_level"][first], capacity, backlog_s
        )
        cells.point[order] = point.agents[0, grid]
        cells.service_level[order] = service.service_level[0, grid]
        cells.asa[order] = service.response_s[0, grid]
        with np.errstate(divide="ignore", invalid="ignore"):
            cells.occupancy[order] = np.where(
                agents > 0, service.done_s[0, grid] / (agents * interval_s), 0.0
            )
        cells.meet[order] = np.nan
        contacts = np.zeros(horizon)
        contacts[grid] = volume[order]
        cells.backlog[order] = _backlog_contacts(
            contacts, expected, waiting, backlog_s, service.backlog_s[0]
        )[grid]


def _backlog_contacts(
    contacts: np.ndarray,
    work_s: np.ndarray,
    waiting: float,
    waiting_s: float,
    backlog_s: np.ndarray,
) -> np.ndarray:
    """Contacts behind a FIFO backlog of work at each interval's end.

    The backlog is the newest work, so it is counted back through the intervals' own contacts
    and work (piecewise linear in the FIFO position).

    Parameters
    ----------
    contacts, work_s:
        Contacts and agent-seconds of work arriving per interval.
    waiting, waiting_s:
        Contacts and agent-seconds waiting before the first interval.
    backlog_s:
        Agent-seconds waiting at each interval's end.
    """
    arrived_n = waiting + np.cumsum(contacts)
    arrived_s = waiting_s + np.cumsum(work_s)
    edges_s = np.concatenate([[0.0, waiting_s], arrived_s])
    edges_n = np.concatenate([[0.0, waiting], arrived_n])
    keep = np.concatenate([[True], np.diff(edges_s) > 0])
    answered_n = np.interp(arrived_s - backlog_s, edges_s[keep], edges_n[keep])
    return np.asarray(np.maximum(arrived_n - answered_n, 0.0), dtype=np.float64)


def compute_requirements(
    forecast: pd.DataFrame,
    targets: ServiceTargets | Mapping[str, ServiceTargets],
    interval_minutes: int | None = None,
    default_aht_s: float | None = None,
    progress: ProgressCallback | None = None,
    *,
    details: bool = False,
    initial_backlog: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Staffing requirements for every row of a forecast.

    Parameters
    ----------
    forecast:
        Frame with `queue`, `interval_start` (tz-aware), `volume` (contacts per interval) and
        `aht_s` (mean handle time, seconds; for chat the elapsed time a chat holds a slot);
        optionally `volume_p10` and `volume_p90` (the count's band, contacts per interval; the
        risk-aware staffing reads it) and `channel` (must agree with the queue's targets); other
        columns are ignored.
    targets:
        One :class:`ServiceTargets` for every queue, or a mapping queue -> targets. The targets'
        `channel` picks the model, their `confidence` the risk (None: the point forecast).
    interval_minutes:
        Interval length in minutes; inferred from the spacing of `interval_start` when None.
    default_aht_s:
        Handle time in seconds used where `aht_s` is missing; without it a missing `aht_s` on a
        row with volume is an error.
    progress:
        Optional callback (fraction 0..1, message).
    details:
        Add REQUIREMENT_DETAIL_COLUMNS: `channel`; `volume_staffed` (contacts the interval is
        staffed for); `agents_point` (agents the point forecast alone needs);
        `meet_probability` (probability that the interval meets every live-queue
        target at `agents`, from the band and Poisson noise; NaN for deferred work); `backlog`
        (deferred work: contacts waiting at the interval's end; 0 for live queues).
    initial_backlog:
        Deferred queues only: contacts already waiting before the first interval, per queue.

    Returns
    -------
    pandas.DataFrame
        REQUIREMENTS_COLUMNS (then the detail columns), one row per forecast row in the same
        order: `agents` (productive agents on the queue), `agents_scheduled` (after shrinkage),
        and, at `agents` for the point `volume`, the expected service level, ASA (seconds; for
        deferred work the mean response time) and occupancy (for chat: of the slots).
        Zero-volume rows of live queues need 0 agents, with service level 1, ASA 0 and
        occupancy 0; deferred queues may staff them to work the backlog down.

    Raises
    ------
    InvalidInput
        Missing columns, negative or missing volume, missing or non-positive handle time, a
        crossed band (every broken row listed), queues without targets, channels disagreeing with
        the targets, an e-mail target shorter than an interval, or an interval length that
        cannot be known.

    Examples
    --------
    >>> import pandas as pd
    >>> forecast = pd.DataFrame({"queue": ["billing"], "volume": [100.0], "aht_s": [180.0],
    ...     "interval_start": pd.to_datetime(["2026-11-30T08:00:00+00:00"])})
    >>> req = compute_requirements(forecast, ServiceTargets(), interval_minutes=30)
    >>> int(req.loc[0, "agents"]), int(req.loc[0, "agents_scheduled"])
    (14, 20)
    """
    if default_aht_s is not None and not default_aht_s > 0:
        raise InvalidInput(
            f"default_aht_s must be > 0 seconds, got {default_aht_s!r}",
            [FieldError(None, "default_aht_s", "must be > 0 seconds", default_aht_s)],
        )
    frame = _validate_forecast(forecast, default_aht_s)
    minutes = _interval_minutes(frame, interval_minutes)
    interval_s = minutes * 60.0
    table, codes = _targets_table(frame[QUEUE], targets)
    _check_channels(frame, table, codes)
    wanted = _target_arrays(table, codes)
    volume = frame["volume"].to_numpy(dtype=np.float64)
    aht = frame["aht_s"].to_numpy(dtype=np.float64)
    p10 = frame["volume_p10"].to_numpy(dtype=np.float64)
    p90 = frame["volume_p90"].to_numpy(dtype=np.float64)
    staffed = staffed_volume(volume, p10, p90, wanted["confidence"])
    cells = _Cells(len(frame))
    live = np.flatnonzero(~wanted["deferred"] & (volume > 0))
    if live.size:
        variance = rate_variance(volume, p10, p90)
        _staff_live(
            live, volume, staffed, aht, variance, wanted, interval_s, cells, details, progress
        )
    deferred = np.flatnonzero(wanted["deferred"])
    if deferred.size:
        _staff_deferred(frame, deferred, staffed, wanted, interval_s, initial_backlog or {}, cells)
    scheduled = np.ceil(cells.agents / (1.0 - wanted["shrinkage"]) - TOLERANCE).astype(np.int64)
    if progress is not None:
        progress(1.0, f"{len(frame)} requirement cells")
    result = pd.DataFrame(
        {
            "queue": frame[QUEUE],
            "interval_start": frame[INTERVAL_START],
            "volume": volume,
            "aht_s": aht,
            "agents": cells.agents,
            "agents_scheduled": scheduled,
            "expected_service_level": cells.service_level,
            "expected_asa_s": cells.asa,
            "expected_occupancy": cells.occupancy,
        },
        columns=REQUIREMENTS_COLUMNS,
    )
    if details:
        result[CHANNEL] = [table[c].channel for c in codes]
        result[VOLUME_STAFFED] = staffed
        result[AGENTS_POINT] = cells.point
        result[MEET_PROBABILITY] = cells.meet
        result[BACKLOG] = cells.backlog
    return result
