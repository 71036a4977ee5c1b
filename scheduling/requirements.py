"""Staffing requirements: the fewest agents per queue and interval that meet the service targets.

For every (queue, interval) cell the search finds the smallest agent count whose Erlang C (or
Erlang A when the queue has a patience) service level reaches the target, whose ASA is within the
optional ASA target and whose occupancy stays under the cap; shrinkage then turns productive agents
into scheduled agents. The search is vectorised over all cells: Erlang C cells walk up from the
stability/occupancy bound with the Erlang B recursion (a few flops per cell and agent); Erlang A
cells are bisected between a square-root-staffing bound (doubled until feasible) and zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import (
    ALLOWED_INTERVAL_MINUTES,
    DEFAULT_INTERVAL_MINUTES,
    DEFAULT_SL_THRESHOLD_S,
    REQUIREMENTS_COLUMNS,
    ProgressCallback,
)
from scheduling.erlang import QueueMetrics, erlang_b, queue_metrics

FORECAST_INPUT_COLUMNS = ("queue", "interval_start", "volume", "aht_s")
_TOLERANCE = 1e-9
_MAX_DOUBLINGS = 60


@dataclass(frozen=True)
class ServiceTargets:
    """Service targets of one queue.

    Attributes
    ----------
    service_level:
        Share of offered contacts to answer within `threshold_s`, in [0, 1).
    threshold_s:
        Service-level threshold in seconds, >= 0.
    asa_s:
        Optional target for the average speed of answer in seconds, > 0.
    max_occupancy:
        Highest share of time agents may spend on contacts, in (0, 1].
    shrinkage:
        Share of paid time lost to breaks, training, absence, in [0, 1);
        ``agents_scheduled = ceil(agents / (1 - shrinkage))``.
    patience_s:
        Mean caller patience in seconds (exponential); when set, Erlang A (with abandonment)
        replaces Erlang C. None means callers never abandon.
    """

    service_level: float = 0.8
    threshold_s: float = DEFAULT_SL_THRESHOLD_S
    asa_s: float | None = None
    max_occupancy: float = 0.85
    shrinkage: float = 0.3
    patience_s: float | None = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise InvalidInput(
                "; ".join(f"{e.rule}, got {_show(e.value)}" for e in problems),
                problems,
            )

    def problems(self) -> list[FieldError]:
        """Every broken rule of these targets (empty when valid)."""
        checks = [
            ("service_level", self.service_level, 0.0 <= self.service_level < 1.0, "[0, 1)"),
            ("threshold_s", self.threshold_s, self.threshold_s >= 0.0, ">= 0"),
            ("max_occupancy", self.max_occupancy, 0.0 < self.max_occupancy <= 1.0, "(0, 1]"),
            ("shrinkage", self.shrinkage, 0.0 <= self.shrinkage < 1.0, "[0, 1)"),
        ]
        if self.asa_s is not None:
            checks.append(("asa_s", self.asa_s, self.asa_s > 0.0, "> 0 (or None)"))
        if self.patience_s is not None:
            checks.append(("patience_s", self.patience_s, self.patience_s > 0.0, "> 0 (or None)"))
        errors = []
        for name, value, ok, allowed in checks:
            if not ok or (isinstance(value, float) and math.isnan(value)):
                errors.append(FieldError(None, name, f"{name} must be in {allowed}", value))
        return errors

    def __str__(self) -> str:
        return (
            f"SL {self.service_level:.0%}/{self.threshold_s:g}s, max occupancy "
            f"{self.max_occupancy:.0%}, shrinkage {self.shrinkage:.0%}"
        )


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else repr(value)


def duplicated_cells(frame: pd.DataFrame) -> np.ndarray:
    """True on every repeat of an earlier (queue, interval_start) row (sort-based, fast)."""
    queue_codes, _ = pd.factorize(frame["queue"])
    instants = frame["interval_start"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    order = np.lexsort((np.arange(len(frame)), instants, queue_codes))
    same = (np.diff(queue_codes[order]) == 0) & (np.diff(instants[order]) == 0)
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[order[1:][same]] = True
    return repeated


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
    if errors:
        errors.sort(key=lambda e: (e.row if e.row is not None else -1, e.field))
        raise InvalidInput(f"forecast has {len(errors)} invalid value(s)", errors)
    frame["volume"] = volume
    frame["aht_s"] = np.where(volume > 0, aht, np.nan_to_num(aht, nan=0.0))
    return frame


def _target_arrays(
    queues: pd.Series, targets: ServiceTargets | Mapping[str, ServiceTargets]
) -> dict[str, np.ndarray]:
    """Per-row target arrays: service_level, threshold_s, asa_s (inf = none), max_occupancy,
    shrinkage, patience_s (NaN = no abandonment)."""
    names = queues.astype(str)
    if isinstance(targets, ServiceTargets):
        table = [targets]
        codes: np.ndarray = np.zeros(len(names), dtype=np.int64)
    else:
        unknown = sorted(set(names) - set(targets))
        if unknown:
            raise InvalidInput(
                f"no service targets for queue(s) {unknown}",
                [FieldError(None, "queue", "needs service targets", q) for q in unknown],
            )
        keys = list(targets)
        table = [targets[k] for k in keys]
        codes = np.asarray(names.map({k: i for i, k in enumerate(keys)}), dtype=np.int64)

    def column(values: list[float | None], missing: float) -> np.ndarray:
        return np.array([missing if v is None else v for v in values], dtype=np.float64)[codes]

    return {
        "service_level": column([t.service_level for t in table], 0.0),
        "threshold_s": column([t.threshold_s for t in table], 0.0),
        "asa_s": column([t.asa_s for t in table], np.inf),
        "max_occupancy": column([t.max_occupancy for t in table], 1.0),
        "shrinkage": column([t.shrinkage for t in table], 0.0),
        "patience_s": column([t.patience_s for t in table], np.nan),
    }


def _feasible(
    metrics: QueueMetrics,
    agents: np.ndarray,
    load: np.ndarray,
    patient: np.ndarray,
    service_level: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
) -> np.ndarray:
    ok = metrics.service_level >= service_level - _TOLERANCE
    ok &= ~(metrics.asa_s > asa_s + _TOLERANCE)
    ok &= metrics.occupancy <= max_occupancy + _TOLERANCE
    ok &= patient | (agents > load)
    return np.asarray(ok & (agents > 0), dtype=bool)


def _erlang_c_walk(
    load: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
) -> np.ndarray:
    """Fewest agents under Erlang C: walk up from the occupancy/stability bound.

    Below ``n0 = max(floor(a) + 1, ceil(a / max_occupancy))`` no count is stable or within the
    occupancy cap; from there the service level rises and the ASA falls with every agent, so the
    first count meeting both is the answer. Erlang B is evaluated once at ``n0`` in log space,
    then advanced with the stable recursion ``B(n) = a B(n-1) / (n + a B(n-1))``, a few flops per
    cell and step; cells leave the walk as soon as they are met.
    """
    n = np.maximum(np.floor(load) + 1.0, np.ceil(load / max_occupancy - _TOLERANCE))
    n = np.maximum(n, 1.0)
    blocking = erlang_b(n, load)
    result = np.zeros(load.size)
    open_cells = np.arange(load.size)
    while open_cells.size:
        a, nn, b = load[open_cells], n[open_cells], blocking[open_cells]
        p_wait = b / (1.0 - (a / nn) * (1.0 - b))
        gap = nn - a
        sl = 1.0 - p_wait * np.exp(-gap * threshold_s[open_cells] / aht_s[open_cells])
        asa = p_wait * aht_s[open_cells] / gap
        met = (sl >= service_level[open_cells] - _TOLERANCE) & (
            asa <= asa_s[open_cells] + _TOLERANCE
        )
        result[open_cells[met]] = nn[met]
        open_cells = open_cells[~met]
        a, b = a[~met], b[~met]
        n[open_cells] += 1.0
        blocking[open_cells] = a * b / (n[open_cells] + a * b)
    return result


def _bisect(
    arrival_rate: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
    progress: ProgressCallback | None,
) -> np.ndarray:
    """Fewest agents by vectorised bisection (any model whose measures improve with agents)."""
    load = arrival_rate * aht_s
    patient = np.isfinite(patience_s)
    with_asa = bool(np.isfinite(asa_s).any())

    def feasible(agents: np.ndarray, cells: np.ndarray) -> np.ndarray:
        metrics = queue_metrics(
            agents,
            arrival_rate[cells],
            aht_s[cells],
            threshold_s[cells],
            patience_s[cells],
            with_asa=with_asa,
        )
        return _feasible(
            metrics,
            agents,
            load[cells],
            patient[cells],
            service_level[cells],
            asa_s[cells],
            max_occupancy[cells],
        )

    everything = np.arange(load.size)
    lo = np.zeros(load.size)
    hi = np.maximum(np.ceil(load / max_occupancy + 3.0 * np.sqrt(load) + 1.0), 1.0)
    for _ in range(_MAX_DOUBLINGS):
        short = ~feasible(hi, everything)
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, 2.0 * hi, hi)
    else:
        raise InvalidInput("service targets cannot be met with any number of agents")
    steps = max(int(np.ceil(np.log2(np.max(hi - lo) + 1.0))), 1)
    for step in range(steps + 1):
        open_cells = np.flatnonzero(hi - lo > 1)
        if open_cells.size == 0:
            break
        mid = np.floor((lo[open_cells] + hi[open_cells]) / 2.0)
        ok = feasible(mid, open_cells)
        hi[open_cells] = np.where(ok, mid, hi[open_cells])
        lo[open_cells] = np.where(ok, lo[open_cells], mid)
        if progress is not None:
            progress(min((step + 1) / (steps + 1), 1.0), "searching agent counts")
    return hi


def required_agents(
    arrival_rate: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """The fewest agents per cell meeting every target, vectorised over all cells.

    Cells without patience (Erlang C) walk up from the stability/occupancy bound with the Erlang
    B recursion; cells with patience (Erlang A) are bisected between bounds found by doubling.

    Parameters
    ----------
    arrival_rate:
        Contacts per second per cell (> 0 in every cell).
    aht_s:
        Mean handle time in seconds per cell.
    service_level, threshold_s:
        Target share answered within `threshold_s` seconds.
    asa_s:
        ASA target in seconds (``inf`` for none).
    max_occupancy:
        Occupancy cap in (0, 1].
    patience_s:
        Mean patience in seconds (NaN for no abandonment: Erlang C).
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    numpy.ndarray
        Agents (int64) per cell.
    """
    agents = np.zeros(arrival_rate.size)
    patient = np.isfinite(patience_s)
    plain = ~patient
    if plain.any():
        agents[plain] = _erlang_c_walk(
            arrival_rate[plain] * aht_s[plain],
            aht_s[plain],
            service_level[plain],
            threshold_s[plain],
            asa_s[plain],
            max_occupancy[plain],
        )
    if progress is not None:
        progress(0.5 if patient.any() else 1.0, "Erlang C cells done")
    if patient.any():
        agents[patient] = _bisect(
            arrival_rate[patient],
            aht_s[patient],
            service_level[patient],
            threshold_s[patient],
            asa_s[patient],
            max_occupancy[patient],
            patience_s[patient],
            progress,
        )
    return agents.astype(np.int64)


def compute_requirements(
    forecast: pd.DataFrame,
    targets: ServiceTargets | Mapping[str, ServiceTargets],
    interval_minutes: int | None = None,
    default_aht_s: float | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Staffing requirements for every row of a forecast.

    Parameters
    ----------
    forecast:
        Frame with `queue`, `interval_start` (tz-aware), `volume` (contacts per interval) and
        `aht_s` (mean handle time, seconds); other columns are ignored.
    targets:
        One :class:`ServiceTargets` for every queue, or a mapping queue -> targets.
    interval_minutes:
        Interval length in minutes; inferred from the spacing of `interval_start` when None.
    default_aht_s:
        Handle time in seconds used where `aht_s` is missing; without it a missing `aht_s` on a
        row with volume is an error.
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    pandas.DataFrame
        REQUIREMENTS_COLUMNS, one row per forecast row in the same order: `agents` (productive
        agents on the phones), `agents_scheduled` (after shrinkage), and the expected service
        level, ASA (seconds) and occupancy at `agents`. Zero-volume rows need 0 agents, with
        service level 1, ASA 0 and occupancy 0.

    Raises
    ------
    InvalidInput
        Missing columns, negative or missing volume, missing or non-positive handle time (every
        broken row listed), queues without targets, or an interval length that cannot be known.

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
    if interval_minutes is None:
        interval_minutes = infer_interval_minutes(frame) if len(frame) else DEFAULT_INTERVAL_MINUTES
    elif interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise InvalidInput(
            f"interval_minutes must be one of {ALLOWED_INTERVAL_MINUTES}, got {interval_minutes}",
            [FieldError(None, "interval_minutes", "must be an allowed length", interval_minutes)],
        )
    wanted = _target_arrays(frame["queue"], targets)
    volume = frame["volume"].to_numpy(dtype=np.float64)
    aht = frame["aht_s"].to_numpy(dtype=np.float64)
    agents = np.zeros(len(frame), dtype=np.int64)
    service_level = np.ones(len(frame))
    asa = np.zeros(len(frame))
    occupancy = np.zeros(len(frame))
    busy = np.flatnonzero(volume > 0)
    if busy.size:
        rate = volume[busy] / (interval_minutes * 60.0)
        cell = {name: values[busy] for name, values in wanted.items()}
        found = required_agents(
            rate,
            aht[busy],
            cell["service_level"],
            cell["threshold_s"],
            cell["asa_s"],
            cell["max_occupancy"],
            cell["patience_s"],
            progress,
        )
        metrics = queue_metrics(found, rate, aht[busy], cell["threshold_s"], cell["patience_s"])
        agents[busy] = found
        service_level[busy] = metrics.service_level
        asa[busy] = metrics.asa_s
        occupancy[busy] = metrics.occupancy
    scheduled = np.ceil(agents / (1.0 - wanted["shrinkage"]) - _TOLERANCE).astype(np.int64)
    if progress is not None:
        progress(1.0, f"{len(frame)} requirement cells")
    return pd.DataFrame(
        {
            "queue": frame["queue"],
            "interval_start": frame["interval_start"],
            "volume": volume,
            "aht_s": aht,
            "agents": agents,
            "agents_scheduled": scheduled,
            "expected_service_level": service_level,
            "expected_asa_s": asa,
            "expected_occupancy": occupancy,
        },
        columns=REQUIREMENTS_COLUMNS,
    )
