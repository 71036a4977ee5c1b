"""Forecast accuracy metrics: pure functions over arrays of contacts per interval.

NaN pairs are ignored by every metric. A metric whose denominator is zero returns NaN.
"""

from __future__ import annotations

import numpy as np

QUANTILE_LEVELS = (0.1, 0.5, 0.9)


def _pairs(*arrays: np.ndarray) -> list[np.ndarray]:
    values = [np.asarray(a, dtype=float).ravel() for a in arrays]
    keep = np.ones(values[0].shape, dtype=bool)
    for v in values:
        keep &= ~np.isnan(v)
    return [v[keep] for v in values]


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: ``sum |actual - forecast| / sum |actual|``."""
    a, f = _pairs(actual, forecast)
    total = np.abs(a).sum()
    return float(np.abs(a - f).sum() / total) if total > 0 else float("nan")


def bias(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Relative bias: ``sum (forecast - actual) / sum actual`` (positive = over-forecast)."""
    a, f = _pairs(actual, forecast)
    total = a.sum()
    return float((f - a).sum() / total) if total > 0 else float("nan")


def seasonal_scale(history: np.ndarray, season: int = 7) -> float:
    """Mean absolute seasonal difference of a (day, slot) history: the in-sample error of the
    seasonal-naive forecast (``season`` days back), the denominator of MASE."""
    history = np.asarray(history, dtype=float)
    if history.shape[0] <= season:
        return float("nan")
    diff = np.abs(history[season:] - history[:-season])
    diff = diff[~np.isnan(diff)]
    return float(diff.mean()) if diff.size else float("nan")


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error: mean ``|actual - forecast|`` divided by `scale` (see
    :func:`seasonal_scale`)."""
    a, f = _pairs(actual, forecast)
    if a.size == 0 or not scale > 0:
        return float("nan")
    return float(np.abs(a - f).mean() / scale)


def coverage(actual: np.ndarray, low: np.ndarray, high: np.ndarray) -> float:
    """Share of actuals inside the closed band ``[low, high]``."""
    a, lo, hi = _pairs(actual, low, high)
    return float(((a >= lo) & (a <= hi)).mean()) if a.size else float("nan")


def pinball(actual: np.ndarray, quantile: np.ndarray, level: float) -> float:
    """Mean pinball (quantile) loss of one quantile forecast at `level`, in contacts."""
    a, q = _pairs(actual, quantile)
    if a.size == 0:
        return float("nan")
    diff = a - q
    return float(np.maximum(level * diff, (level - 1) * diff).mean())


def mean_pinball(actual: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray) -> float:
    """Mean of the pinball losses of the 10 %, 50 % and 90 % quantiles, in contacts."""
    losses = [
        pinball(actual, q, level) for q, level in zip((p10, p50, p90), QUANTILE_LEVELS, strict=True)
    ]
    return float(np.mean(losses))


def peak_hit_rate(actual_peak_slot: np.ndarray, forecast_peak_slot: np.ndarray) -> float:
    """Share of days whose forecast peak interval is the actual peak interval."""
    a = np.asarray(actual_peak_slot)
    f = np.asarray(forecast_peak_slot)
    return float((a == f).mean()) if a.size else float("nan")


def peak_volume_error(actual_peak: np.ndarray, forecast_peak: np.ndarray) -> float:
    """Relative error of daily peak volumes: ``sum |forecast - actual| / sum actual``."""
    return wape(actual_peak, forecast_peak)
