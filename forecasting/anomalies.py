"""Anomaly scores: how unusual each interval's volume, handle time and service level are.

Volume
    ``z = (actual - expected) / sigma`` with ``expected`` the forecast median and
    ``sigma = (p90 - p10) / 2.563`` (the width of a normal 10-90 % band), floored at the
    Poisson ``sqrt(max(expected, 1))`` so that tiny counts do not look alarming. With
    ``level_adjust`` the expectation of a queue's day is first multiplied by the day's level:
    the median over the day's blocks of `window` intervals of ``actual / forecast`` (a robust
    estimate that a few anomalous hours cannot move), so a whole day running 10 % busy is not
    one long alarm. A short shift of a few intervals is often too small to pass the threshold
    interval by interval, so an interval also takes the score of the strongest run of
    consecutive intervals around it (runs of `window`, 2 x `window`, ... `scales` x `window`
    intervals), ``sum(actual - expected) / sqrt(sum sigma^2)``, when its own deviation points the
    same way and is at least `support` sigmas. With ``calibrate`` each queue's interval scores,
    and each run length's scores of single runs, are divided by their robust spread (1.4826 x
    median absolute deviation, when above 1), so a queue whose forecast errs more than its band
    admits, or whose errors run together, gets no more false alarms than a well-forecast one.
    (The spread is that of single runs, not of each interval's best run, whose maximum over
    overlapping runs would overstate it.) Because an interval takes the best of `scales` run
    lengths, run scores are Bonferroni-corrected for that many tests: a run z becomes the z with
    `scales` times its tail probability. A volume anomaly must also differ from the expectation by
    at least `min_deviation` contacts: 13 e-mails at midnight where 4 were expected is unlikely,
    but nothing to act on.
Handle time
    ``z = (actual - forecast) / (forecast * aht_cv / sqrt(handled))``: the standard error of a
    mean of `handled` handle times whose coefficient of variation is `aht_cv`.
Service level
    ``z = (actual - target) / sqrt(target * (1 - target) / offered)`` (binomial); only a
    shortfall (``z <= -threshold``) is an anomaly.

Every row carries a plain-English reason, e.g. ``"volume 62% above forecast (z=4.1)"``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm, poisson

from features.errors import FieldError, InvalidInput
from features.schema import frame_errors

ANOMALY_COLUMNS = [
    "queue",
    "interval_start",
    "measure",
    "actual",
    "expected",
    "score",
    "is_anomaly",
    "reason",
]
"""One row per (queue, interval, measure): measure is volume, aht_s or service_level."""

BAND_Z = 2.563
"""Width of the 10-90 % band of a normal distribution, in standard deviations (2 x 1.2816)."""
MEASURES = ("volume", "aht_s", "service_level")


def _check(forecast: pd.DataFrame, actuals: pd.DataFrame, threshold: float, window: int) -> None:
    errors = frame_errors("forecast", forecast, ("queue", "interval_start", "volume"))
    errors += frame_errors("actuals", actuals, ("queue", "interval_start", "offered"))
    if not threshold > 0:
        errors.append(FieldError(None, "threshold", "must be > 0 standard deviations", threshold))
    if window < 1:
        errors.append(FieldError(None, "window", "must be >= 1 interval", window))
    if errors:
        raise InvalidInput("cannot score anomalies", errors)


def _percent_text(actual: np.ndarray, expected: np.ndarray, noun: str) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (actual - expected) / expected
    texts = []
    for a, e, c in zip(actual, expected, change, strict=True):
        if not np.isfinite(c):
            texts.append(f"{noun} {a:.0f} where {e:.0f} expected")
        else:
            direction = "above" if c >= 0 else "below"
            texts.append(f"{noun} {abs(c):.0%} {direction} forecast")
    return np.array(texts, dtype=object)


def _with_score(texts: np.ndarray, scores: np.ndarray) -> list[str]:
    return [f"{t} (z={s:.1f})" for t, s in zip(texts, scores, strict=True)]


def day_levels(frame: pd.DataFrame, window: int) -> pd.Series:
    """Robust level of each queue's local day: median over blocks of `window` intervals of
    actual / expected contacts (blocks with nothing expected are skipped; 1 with fewer than
    three blocks), clipped to [0.5, 2].

    Parameters
    ----------
    frame:
        ``queue, day, actual, expected`` rows, contacts per interval, in time order.

    Returns
    -------
    pandas.Series
        The level of every row's (queue, day).
    """
    keyed = frame.assign(position=frame.groupby(["queue", "day"]).cumcount() // window)
    blocks = keyed.groupby(["queue", "day", "position"])[["actual", "expected"]].sum()
    blocks = blocks[blocks["expected"] > 0]
    ratio = (blocks["actual"] / blocks["expected"]).groupby(level=["queue", "day"])
    level = ratio.median().where(ratio.size() >= 3, 1.0).clip(0.5, 2.0)
    index = pd.MultiIndex.from_frame(frame[["queue", "day"]])
    return pd.Series(level.reindex(index).fillna(1.0).to_numpy(), index=frame.index)


def robust_spread(queues: pd.Series, scores: pd.Series, usable: np.ndarray) -> np.ndarray:
    """Per row, its queue's robust standard deviation of `scores` (1.4826 x the median absolute
    deviation over the `usable` rows), at least 1: a queue whose forecast errs more than its band
    says gets proportionally wider bands, while a few anomalies cannot move the estimate."""
    values = pd.Series(np.asarray(scores, dtype=float), index=queues.index)
    kept = values[usable]
    centre = kept.groupby(queues[usable]).transform("median")
    spread = (kept - centre).abs().groupby(queues[usable]).median() * 1.4826
    per_row = queues.map(spread.where(spread > 1.0, 1.0)).fillna(1.0)
    return per_row.to_numpy(dtype=float)


def poisson_z(actual: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Normal score of a count under a Poisson law with mean `expected`: the z whose normal
    tail has the Poisson tail probability of `actual` (``P(X >= actual)`` above the mean,
    ``P(X <= actual)`` below it; 0 when nothing was expected and nothing came)."""
    mean = np.maximum(expected, 1e-9)
    upper = norm.isf(poisson.sf(actual - 1, mean))
    lower = norm.ppf(poisson.cdf(actual, mean))
    z = np.where(actual >= mean, np.maximum(upper, 0.0), np.minimum(lower, 0.0))
    return np.where((expected <= 0) & (actual <= 0), 0.0, z)


def bonferroni(scores: np.ndarray, tests: int) -> np.ndarray:
    """Signed normal scores corrected for taking the best of `tests` run lengths: the z whose
    one-sided tail is `tests` times the tail of ``|score|`` (0 when that exceeds one half;
    NaN becomes 0). Beyond the float range of the tail the asymptote
    ``sqrt(score^2 - 2 ln(tests))`` is used."""
    finite = np.nan_to_num(np.asarray(scores, dtype=float))
    tail = np.minimum(tests * norm.sf(np.abs(finite)), 0.5)
    with np.errstate(divide="ignore"):
        far = np.sqrt(np.maximum(finite**2 - 2 * np.log(max(tests, 1)), 0.0))
    corrected = np.where(tail > 0, norm.isf(np.where(tail > 0, tail, 0.5)), far)
    return np.sign(finite) * corrected


def _strongest(current: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    return np.where(np.abs(candidate) > np.abs(current), candidate, current)


def _window_scores(frame: pd.DataFrame, window: int) -> np.ndarray:
    """Per row: the score ``sum(residual) / sqrt(sum(variance))`` of the run of `window`
    consecutive intervals of the same queue and day that starts at the row (NaN when the day
    ends before the run does)."""
    starts = np.full(len(frame), np.nan)
    residual = frame["residual"].to_numpy(float)
    variance = frame["variance"].to_numpy(float)
    kernel = np.ones(window)
    for rows in frame.groupby(["queue", "day"], sort=False).indices.values():
        if rows.size < window:
            continue
        sums = np.convolve(residual[rows], kernel, mode="valid")
        spread = np.sqrt(np.convolve(variance[rows], kernel, mode="valid"))
        starts[rows[: sums.size]] = np.divide(
            sums, spread, out=np.zeros_like(sums), where=spread > 0
        )
    return starts


def _run_scores(frame: pd.DataFrame, starts: np.ndarray, window: int) -> np.ndarray:
    """Per row: the signed score of the strongest run of `window` intervals that contains the
    row (`starts` holds each run's score at its first row); 0 when the day is too short."""
    best = np.zeros(len(frame))
    for rows in frame.groupby(["queue", "day"], sort=False).indices.values():
        if rows.size < window:
            continue
        runs = starts[rows[: rows.size - window + 1]]
        # Run j covers rows j .. j + window - 1: row i keeps the strongest of its runs.
        local = np.zeros(rows.size)
        for offset in range(window):
            stretch = local[offset : offset + runs.size]
            local[offset : offset + runs.size] = np.where(
                np.abs(runs) > np.abs(stretch), runs, stretch
            )
        best[rows] = local
    return best


def score_volume(
    scored: pd.DataFrame,
    *,
    threshold: float = 3.0,
    window: int = 4,
    support: float = 1.0,
    level_adjust: bool = True,
    calibrate: bool = True,
    scales: int = 3,
    min_deviation: float = 5.0,
) -> pd.DataFrame:
    """Volume rows of :data:`ANOMALY_COLUMNS` (see the module docstring for the score).

    Parameters
    ----------
    scored:
        ``queue, interval_start, actual`` plus the forecast ``volume`` and optional
        ``volume_p10``, ``volume_p50``, ``volume_p90`` (contacts per interval), one row per
        interval to score, sorted by queue and time.
    """
    frame = scored.copy()
    median = frame["volume_p50"] if "volume_p50" in frame.columns else frame["volume"]
    frame["expected"] = median.fillna(frame["volume"]).astype(float).clip(lower=0.0)
    if {"volume_p10", "volume_p90"} <= set(frame.columns):
        band = (frame["volume_p90"] - frame["volume_p10"]).astype(float) / BAND_Z
    else:
        band = pd.Series(0.0, index=frame.index)
    frame["day"] = frame["interval_start"].dt.date
    level = day_levels(frame, window) if level_adjust else pd.Series(1.0, index=frame.index)
    frame["expected"] = frame["expected"] * level
    poisson = np.sqrt(np.maximum(frame["expected"], 1.0))
    sigma = np.maximum(band.fillna(0.0) * level, poisson)
    frame["residual"] = frame["actual"] - frame["expected"]
    open_rows = (frame["expected"] > 0).to_numpy()
    if calibrate:
        sigma = sigma * robust_spread(frame["queue"], frame["residual"] / sigma, open_rows)
    frame["variance"] = sigma**2
    banded = (frame["residual"] / sigma).to_numpy()
    exact = poisson_z(frame["actual"].to_numpy(float), frame["expected"].to_numpy(float))
    own = np.sign(banded) * np.minimum(np.abs(banded), np.abs(exact))
    runs = np.zeros(len(frame))
    lengths = [window * k for k in range(1, scales + 1)] if window > 1 else []
    for length in lengths:
        starts = _window_scores(frame, length)
        if calibrate:
            usable = open_rows & np.isfinite(starts)
            series = pd.Series(starts, index=frame.index)
            starts = starts / robust_spread(frame["queue"], series, usable)
        runs = _strongest(runs, _run_scores(frame, bonferroni(starts, len(lengths)), length))
    backed = (np.sign(runs) == np.sign(own)) & (np.abs(own) >= support)
    score = np.where((np.abs(runs) > np.abs(own)) & backed, runs, own)
    texts = _percent_text(
        frame["actual"].to_numpy(float), frame["expected"].to_numpy(float), "volume"
    )
    return pd.DataFrame(
        {
            "queue": frame["queue"],
            "interval_start": frame["interval_start"],
            "measure": "volume",
            "actual": frame["actual"].astype(float),
            "expected": frame["expected"].astype(float),
            "score": score,
            "is_anomaly": (np.abs(score) >= threshold)
            & (np.abs(frame["residual"].to_numpy()) >= min_deviation),
            "reason": _with_score(texts, score),
        }
    )


def score_handle_time(
    scored: pd.DataFrame, *, threshold: float = 3.0, aht_cv: float = 1.0
) -> pd.DataFrame:
    """Handle-time rows of :data:`ANOMALY_COLUMNS`: intervals with handled contacts, an actual
    ``actual_aht_s`` and a forecast ``aht_s`` (seconds)."""
    frame = scored[
        scored["actual_aht_s"].notna() & scored["aht_s"].notna() & (scored["handled"] > 0)
    ]
    expected = frame["aht_s"].to_numpy(float)
    actual = frame["actual_aht_s"].to_numpy(float)
    error = expected * aht_cv / np.sqrt(frame["handled"].to_numpy(float))
    score = np.divide(actual - expected, error, out=np.zeros_like(actual), where=error > 0)
    texts = _percent_text(actual, expected, "handle time")
    return pd.DataFrame(
        {
            "queue": frame["queue"],
            "interval_start": frame["interval_start"],
            "measure": "aht_s",
            "actual": actual,
            "expected": expected,
            "score": score,
            "is_anomaly": np.abs(score) >= threshold,
            "reason": _with_score(texts, score),
        }
    )


def score_service_level(
    scored: pd.DataFrame,
    targets: float | Mapping[str, float],
    *,
    threshold: float = 3.0,
) -> pd.DataFrame:
    """Service-level rows of :data:`ANOMALY_COLUMNS`: intervals with offered contacts and a
    measured ``service_level`` (0..1), against the queue's target share."""
    frame = scored[scored["service_level"].notna() & (scored["actual"] > 0)]
    if isinstance(targets, Mapping):
        target = frame["queue"].map(dict(targets)).fillna(0.8).to_numpy(float)
    else:
        target = np.full(len(frame), float(targets))
    actual = frame["service_level"].to_numpy(float)
    error = np.sqrt(target * (1 - target) / frame["actual"].to_numpy(float))
    score = np.divide(actual - target, error, out=np.zeros_like(actual), where=error > 0)
    reasons = [
        f"service level {a:.0%} vs target {t:.0%} (z={s:.1f})"
        for a, t, s in zip(actual, target, score, strict=True)
    ]
    return pd.DataFrame(
        {
            "queue": frame["queue"],
            "interval_start": frame["interval_start"],
            "measure": "service_level",
            "actual": actual,
            "expected": target,
            "score": score,
            "is_anomaly": score <= -threshold,
            "reason": reasons,
        }
    )


def score_anomalies(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    *,
    threshold: float = 3.0,
    until: pd.Timestamp | None = None,
    window: int = 4,
    support: float = 1.0,
    level_adjust: bool = True,
    calibrate: bool = True,
    scales: int = 3,
    min_deviation: float = 5.0,
    aht_cv: float = 1.0,
    sl_targets: float | Mapping[str, float] = 0.8,
) -> pd.DataFrame:
    """Score every forecast interval that has happened for unusual volume, handle time and
    service level.

    Parameters
    ----------
    forecast:
        FORECAST_COLUMNS (contacts per interval, ``aht_s`` seconds), tz-aware ``interval_start``.
    actuals:
        Interval history (``queue``, ``interval_start``, ``offered``; optional ``handled``,
        ``aht_s`` seconds, ``service_level`` 0..1). A forecast interval that has happened and is
        absent from it had no contacts.
    threshold:
        Absolute score (standard deviations) at or beyond which a row is an anomaly.
    until:
        Intervals starting before this instant have happened; by default the end of the latest
        interval in `actuals`.
    window:
        Intervals of the shortest run for the volume run scores, and per block of the day level
        (1 turns the runs off).
    support:
        Least own volume score (same sign) for an interval to take its run's score.
    level_adjust:
        Scale each queue-day's expected volume by its robust level (see the module docstring).
    calibrate:
        Divide each queue's volume scores by their robust spread when it exceeds 1.
    scales:
        Run lengths tried: `window` times 1 .. `scales`.
    min_deviation:
        Least ``|actual - expected|`` (contacts) of a volume anomaly.
    aht_cv:
        Coefficient of variation of single handle times.
    sl_targets:
        Service-level target share, one for all queues or per queue (0.8 for queues not named).

    Returns
    -------
    pandas.DataFrame
        :data:`ANOMALY_COLUMNS` sorted by queue, interval and measure; ``actual`` and
        ``expected`` are contacts (volume), seconds (aht_s) or shares (service_level).

    Raises
    ------
    InvalidInput
        Missing columns, naive timestamps, a threshold <= 0 or a window < 1.
    """
    _check(forecast, actuals, threshold, window)
    zone = forecast["interval_start"].dt.tz
    actual = actuals.copy()
    actual["interval_start"] = actual["interval_start"].dt.tz_convert(zone)
    if until is None:
        if actual.empty:
            return pd.DataFrame(columns=ANOMALY_COLUMNS)
        step = actual.sort_values("interval_start")["interval_start"].diff().dropna()
        step = step[step > pd.Timedelta(0)]
        length = step.min() if len(step) else pd.Timedelta(minutes=15)
        until = actual["interval_start"].max() + length
    happened = forecast[forecast["interval_start"] < until]
    keep = ["queue", "interval_start", "offered"] + [
        c for c in ("handled", "aht_s", "service_level") if c in actual.columns
    ]
    joined = happened.merge(
        actual[keep].rename(columns={"offered": "actual", "aht_s": "actual_aht_s"}),
        on=["queue", "interval_start"],
        how="left",
    ).sort_values(["queue", "interval_start"], ignore_index=True)
    joined["actual"] = joined["actual"].fillna(0.0).astype(float)
    for column in ("handled", "actual_aht_s", "service_level"):
        if column not in joined.columns:
            joined[column] = np.nan
    joined["handled"] = joined["handled"].fillna(0.0)
    parts = [
        score_volume(
            joined,
            threshold=threshold,
            window=window,
            support=support,
            level_adjust=level_adjust,
            calibrate=calibrate,
            scales=scales,
            min_deviation=min_deviation,
        )
    ]
    if "aht_s" in joined.columns:
        parts.append(score_handle_time(joined, threshold=threshold, aht_cv=aht_cv))
    parts.append(score_service_level(joined, sl_targets, threshold=threshold))
    result = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    if result.empty:
        return pd.DataFrame(columns=ANOMALY_COLUMNS)
    order = result["measure"].map({m: i for i, m in enumerate(MEASURES)})
    result = result.assign(_order=order).sort_values(["queue", "interval_start", "_order"])
    return result.drop(columns="_order").reset_index(drop=True)[ANOMALY_COLUMNS]
