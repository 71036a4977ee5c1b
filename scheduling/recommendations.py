"""Intraday recommendations for one day: where to add staff, who can go to training, which queues
to merge at night, and when the forecast has drifted enough to retrain.

- ``understaffed``: consecutive intervals in which fewer agents are scheduled than required,
  merged into periods; ``agents`` is the largest shortfall of the period.
- ``training``: periods of at least `training_minutes` in which at least `training_agents`
  more agents are scheduled than required; ``agents`` is the smallest surplus of the period,
  i.e. how many can leave the phones throughout.
- ``merge_queues``: the queues with volume in the night span ``[night_start, end of day)``
  merged into one pool (:func:`scheduling.pooling.pooling_gain`); ``agents`` is the saving at
  the busiest interval.
- ``retrain``: the day's WAPE of a queue (actual vs forecast volume over the intervals observed)
  above `drift_factor` times its backtest WAPE.

All pure: frames in, a list of :class:`Recommendation` out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import DEFAULT_INTERVAL_MINUTES
from scheduling.pooling import pooling_gain
from scheduling.requirements import ServiceTargets, compute_requirements

Kind = Literal["understaffed", "training", "merge_queues", "retrain"]
Severity = Literal["low", "medium", "high"]
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
TOPICS_NAMED = 3
"""Training topics named in a training recommendation's message (all are in ``topics``)."""


@dataclass(frozen=True)
class Recommendation:
    """One thing a supervisor could do today.

    Attributes
    ----------
    kind:
        ``understaffed``, ``training``, ``merge_queues`` or ``retrain``.
    queue:
        The queue concerned (queues joined by ``+`` for a merge; None for every queue).
    start, end:
        The period (tz-aware); None for a retrain.
    agents:
        Agents to add (understaffed), free (training) or saved (merge); 0 for a retrain.
    message:
        The recommendation in plain English.
    severity:
        ``high``, ``medium`` or ``low``.
    topics:
        For a training period: what the training should cover (the knowledge-base topics new
        agents look up most, most looked-up first); empty otherwise.
    """

    kind: Kind
    queue: str | None
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    agents: int
    message: str
    severity: Severity
    topics: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (instants as ISO 8601 with offset)."""
        out = asdict(self)
        for key in ("start", "end"):
            out[key] = None if out[key] is None else pd.Timestamp(out[key]).isoformat()
        return out


def _span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{start:%H:%M}\u2013{end:%H:%M}"


def _on_day(frame: pd.DataFrame, day: dt.date, column: str = "interval_start") -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame[column].dt.date == day]


def periods(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, stop)`` index pairs of the runs of True in `mask` (stop exclusive)."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _staffing_table(
    coverage: pd.DataFrame, requirements: pd.DataFrame | None, day: dt.date
) -> pd.DataFrame:
    table = _on_day(coverage, day)[["queue", "interval_start", "required", "scheduled"]].copy()
    if requirements is not None and not requirements.empty:
        need = _on_day(requirements, day).set_index(["queue", "interval_start"])["agents_scheduled"]
        keys = pd.MultiIndex.from_frame(table[["queue", "interval_start"]])
        updated = need.reindex(keys).to_numpy(dtype=float)
        table["required"] = np.where(np.isnan(updated), table["required"], updated)
    return table.sort_values(["queue", "interval_start"], ignore_index=True)


def staffing_recommendations(
    coverage: pd.DataFrame,
    requirements: pd.DataFrame | None,
    day: dt.date,
    *,
    interval_minutes: int,
    training_agents: int = 2,
    training_minutes: int = 30,
    training_topics: Sequence[str] = (),
) -> list[Recommendation]:
    """Understaffed periods and quiet periods fit for training, per queue (see module doc);
    training periods carry `training_topics` (the first :data:`TOPICS_NAMED` named in the
    message)."""
    step = pd.Timedelta(minutes=interval_minutes)
    found: list[Recommendation] = []
    table = _staffing_table(coverage, requirements, day)
    for queue, rows in table.groupby("queue", sort=True):
        starts = rows["interval_start"].reset_index(drop=True)
        required = rows["required"].to_numpy(dtype=float)
        scheduled = rows["scheduled"].to_numpy(dtype=float)
        gap = scheduled - required
        contiguous = np.concatenate([[True], (starts.diff().iloc[1:] == step).to_numpy()])
        short = gap < 0
        for first, stop in _split(periods(short), contiguous):
            worst = int(np.ceil(-gap[first:stop].min()))
            begin, finish = starts[first], starts[stop - 1] + step
            peak_need = float(required[first:stop].max())
            severity: Severity = "high" if worst >= 3 or worst >= 0.2 * peak_need else "medium"
            found.append(
                Recommendation(
                    "understaffed",
                    str(queue),
                    begin,
                    finish,
                    worst,
                    f"{queue} is short of up to {worst} agent{'s' if worst != 1 else ''} "
                    f"{_span(begin, finish)} ({stop - first} intervals): add {worst} then, "
                    "e.g. by moving skilled agents from quieter queues or offering overtime.",
                    severity,
                )
            )
        spare = gap >= training_agents
        least = training_minutes / interval_minutes
        for first, stop in _split(periods(spare), contiguous):
            if stop - first < least:
                continue
            free = int(np.floor(gap[first:stop].min()))
            begin, finish = starts[first], starts[stop - 1] + step
            cover = (
                f" Cover what new agents look up most: {', '.join(training_topics[:TOPICS_NAMED])}."
                if training_topics
                else ""
            )
            found.append(
                Recommendation(
                    "training",
                    str(queue),
                    begin,
                    finish,
                    free,
                    f"{queue} has at least {free} agents more than needed {_span(begin, finish)}: "
                    f"{free} can go to training or coaching then without hurting service.{cover}",
                    "low",
                    tuple(training_topics),
                )
            )
    return found


def _split(runs: list[tuple[int, int]], contiguous: np.ndarray) -> list[tuple[int, int]]:
    """Cut runs where consecutive rows are not adjacent intervals (a closed gap in between)."""
    pieces: list[tuple[int, int]] = []
    for first, stop in runs:
        cuts = [first] + [i for i in range(first + 1, stop) if not contiguous[i]] + [stop]
        pieces += list(zip(cuts[:-1], cuts[1:], strict=True))
    return pieces


def night_merge(
    forecast: pd.DataFrame,
    day: dt.date,
    targets: ServiceTargets | Mapping[str, ServiceTargets],
    *,
    night_start: dt.time,
    interval_minutes: int,
) -> Recommendation | None:
    """Merge the queues open at night into one pool when that saves agents (None otherwise)."""
    today = _on_day(forecast, day)
    if today.empty:
        return None
    zone = today["interval_start"].dt.tz
    begin = pd.Timestamp(dt.datetime.combine(day, night_start)).tz_localize(zone)
    finish = pd.Timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time())).tz_localize(
        zone
    )
    night = today[(today["interval_start"] >= begin) & (today["interval_start"] < finish)]
    busy = night.groupby("queue")["volume"].sum()
    queues = sorted(str(q) for q in busy[busy > 0].index)
    if len(queues) < 2:
        return None
    advice = pooling_gain(night, queues, begin, finish, targets, interval_minutes)
    saved = advice.separate_peak - advice.pooled_peak
    if advice.agents_saved <= 0 or saved <= 0:
        return None
    return Recommendation(
        "merge_queues",
        "+".join(queues),
        begin,
        finish,
        int(saved),
        advice.message,
        "medium" if advice.share_saved >= 0.2 else "low",
    )


def drift_recommendations(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    day: dt.date,
    backtest_wape: float | Mapping[str, float],
    *,
    drift_factor: float = 1.5,
    min_contacts: float = 50.0,
) -> list[Recommendation]:
    """Queues whose WAPE today exceeds `drift_factor` times their backtest WAPE."""
    today = _on_day(forecast, day)
    seen = _on_day(actuals, day)
    if today.empty or seen.empty:
        return []
    last = seen["interval_start"].max()
    observed = today[today["interval_start"] <= last]
    joined = observed.merge(
        seen[["queue", "interval_start", "offered"]], on=["queue", "interval_start"], how="left"
    )
    joined["offered"] = joined["offered"].fillna(0.0)
    found: list[Recommendation] = []
    for queue, rows in joined.groupby("queue", sort=True):
        reference = (
            backtest_wape.get(str(queue)) if isinstance(backtest_wape, Mapping) else backtest_wape
        )
        total = float(rows["offered"].sum())
        if reference is None or not reference > 0 or total < min_contacts:
            continue
        error = float((rows["offered"] - rows["volume"]).abs().sum()) / total
        if error > drift_factor * reference:
            times = error / reference
            found.append(
                Recommendation(
                    "retrain",
                    str(queue),
                    None,
                    None,
                    0,
                    f"{queue}: today's forecast error is {error:.0%} WAPE against {reference:.0%} "
                    f"in backtests ({times:.1f}x); retrain the model on recent history.",
                    "high" if times >= 2.5 else "medium",
                )
            )
    return found


def recommend(
    day: dt.date | str,
    requirements: pd.DataFrame | None,
    coverage: pd.DataFrame,
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    backtest_wape: float | Mapping[str, float] | None = None,
    *,
    targets: ServiceTargets | Mapping[str, ServiceTargets] | None = None,
    interval_minutes: int | None = None,
    training_agents: int = 2,
    training_minutes: int = 30,
    night_start: dt.time = dt.time(20, 0),
    drift_factor: float = 1.5,
    training_topics: Sequence[str] = (),
) -> list[Recommendation]:
    """Recommendations for one local day, most severe first.

    Parameters
    ----------
    day:
        The local date.
    requirements:
        Current requirements (REQUIREMENTS_COLUMNS; ``agents_scheduled`` replaces the coverage's
        ``required`` where given, e.g. after a reforecast), or None.
    coverage:
        COVERAGE_COLUMNS: agents ``required`` and ``scheduled`` per queue and interval.
    forecast:
        FORECAST_COLUMNS of the day (contacts per interval, ``aht_s`` seconds).
    actuals:
        Interval history so far (``queue``, ``interval_start``, ``offered``).
    backtest_wape:
        The champion's backtest WAPE (share), one for all queues or per queue; no drift check
        when None.
    targets:
        Service targets for the night pooling what-if (defaults: 80/20, 85 % occupancy, 30 %
        shrinkage).
    interval_minutes:
        Interval length; inferred from the coverage (or forecast) spacing when None.
    training_agents, training_minutes:
        A training period needs at least this many spare agents for at least this long.
    night_start:
        Local time from which queues are considered for a night merge (until midnight).
    drift_factor:
        Today's WAPE above this multiple of the backtest WAPE recommends a retrain.
    training_topics:
        What training periods should cover, most important first (e.g. the topics new agents
        look up most, :func:`features.measures.knowledge.new_agent_topics`).

    Returns
    -------
    list[Recommendation]
        Sorted by severity, then start time and queue.

    Raises
    ------
    InvalidInput
        Missing columns or settings out of range.
    """
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    errors: list[FieldError] = []
    for name, frame, needed in (
        ("coverage", coverage, ("queue", "interval_start", "required", "scheduled")),
        ("forecast", forecast, ("queue", "interval_start", "volume")),
        ("actuals", actuals, ("queue", "interval_start", "offered")),
    ):
        errors += [
            FieldError(None, f"{name}.{c}", "required column is missing")
            for c in needed
            if c not in frame.columns
        ]
    if training_agents < 1:
        errors.append(FieldError(None, "training_agents", "must be >= 1 agent", training_agents))
    if not drift_factor > 1:
        errors.append(FieldError(None, "drift_factor", "must be > 1", drift_factor))
    if errors:
        raise InvalidInput("cannot make recommendations", errors)
    if interval_minutes is None:
        source = coverage if len(coverage) > 1 else forecast
        interval_minutes = infer_interval_minutes(source, default=DEFAULT_INTERVAL_MINUTES)
    found = staffing_recommendations(
        coverage,
        requirements,
        day,
        interval_minutes=interval_minutes,
        training_agents=training_agents,
        training_minutes=training_minutes,
        training_topics=training_topics,
    )
    if "aht_s" in forecast.columns:
        merge = night_merge(
            forecast,
            day,
            targets or ServiceTargets(),
            night_start=night_start,
            interval_minutes=interval_minutes,
        )
        if merge is not None:
            found.append(merge)
    if backtest_wape is not None:
        found += drift_recommendations(
            forecast, actuals, day, backtest_wape, drift_factor=drift_factor
        )
    return sorted(
        found,
        key=lambda r: (
            SEVERITY_ORDER[r.severity],
            r.start.value if r.start is not None else 0,
            r.queue or "",
        ),
    )


STAFFING_EFFECT_COLUMNS = [
    "queue",
    "interval_start",
    "volume_original",
    "volume",
    "aht_s",
    "agents_original",
    "agents",
    "agents_scheduled_original",
    "agents_scheduled",
    "agents_delta",
]


def staffing_effect(
    reforecast: pd.DataFrame,
    targets: ServiceTargets | Mapping[str, ServiceTargets],
    interval_minutes: int | None = None,
    default_aht_s: float | None = None,
) -> pd.DataFrame:
    """Required staff before and after an intraday reforecast.

    Parameters
    ----------
    reforecast:
        The output of :func:`forecasting.reforecast.reforecast_intraday` (``volume`` and
        ``volume_original`` in contacts per interval, ``aht_s`` seconds).
    targets:
        Service targets, one for all queues or per queue.
    interval_minutes, default_aht_s:
        As for :func:`scheduling.requirements.compute_requirements`.

    Returns
    -------
    pandas.DataFrame
        :data:`STAFFING_EFFECT_COLUMNS`: productive agents and scheduled agents (after
        shrinkage) for the original and the reforecast volume, and ``agents_delta`` =
        ``agents_scheduled - agents_scheduled_original``.
    """
    before = compute_requirements(
        reforecast.assign(volume=reforecast["volume_original"]),
        targets,
        interval_minutes=interval_minutes,
        default_aht_s=default_aht_s,
    )
    after = compute_requirements(
        reforecast, targets, interval_minutes=interval_minutes, default_aht_s=default_aht_s
    )
    return pd.DataFrame(
        {
            "queue": after["queue"],
            "interval_start": after["interval_start"],
            "volume_original": before["volume"],
            "volume": after["volume"],
            "aht_s": after["aht_s"],
            "agents_original": before["agents"],
            "agents": after["agents"],
            "agents_scheduled_original": before["agents_scheduled"],
            "agents_scheduled": after["agents_scheduled"],
            "agents_delta": after["agents_scheduled"] - before["agents_scheduled"],
        },
        columns=STAFFING_EFFECT_COLUMNS,
    )
