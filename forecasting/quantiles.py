"""Calibrated volume quantiles from out-of-sample residuals, scaled by the forecast level.

A residual ``r = actual - forecast`` is divided by ``forecast ** alpha``; ``alpha`` (between
0.5, Poisson-like, and 1, proportional) is the slope of ``log |r|`` on ``log forecast``. The
empirical 10 % and 90 % quantiles of the scaled residuals, per queue (pooled over all queues when
a queue has few residuals), turn any point forecast into a p10-p90 band:
``p = max(0, forecast + q * forecast ** alpha)``. Residuals come from forecasts made before the
actuals were known (held-out weeks), so the band is calibrated for the forecast horizon.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LOW, HIGH = 0.1, 0.9
MIN_RESIDUALS = 200
"""A queue with fewer held-out residuals than this uses the quantiles pooled over all queues."""


@dataclass
class ResidualQuantiles:
    """Scaled-residual quantiles per queue.

    Attributes
    ----------
    alpha:
        Exponent of the forecast level that residuals are scaled by.
    low, high:
        Per-queue scaled-residual quantiles at 10 % and 90 % (low <= 0 <= high).
    """

    alpha: float = 0.5
    low: dict[str, float] = field(default_factory=dict)
    high: dict[str, float] = field(default_factory=dict)
    pooled_low: float = 0.0
    pooled_high: float = 0.0

    @classmethod
    def fit(cls, queues: np.ndarray, actual: np.ndarray, forecast: np.ndarray) -> ResidualQuantiles:
        """Learn the band from held-out (actual, forecast) pairs, contacts per interval.

        Pairs with a zero forecast (closed intervals) or a NaN are ignored. With no usable pair
        the band is a Poisson-like ``forecast +- 1.28 * sqrt(forecast)``.
        """
        usable = (forecast > 0) & ~np.isnan(actual) & ~np.isnan(forecast)
        queues, actual, forecast = queues[usable], actual[usable], forecast[usable]
        if actual.size < 10:
            return cls(alpha=0.5, pooled_low=-1.2816, pooled_high=1.2816)
        residual = actual - forecast
        alpha = _level_exponent(residual, forecast)
        scaled = residual / forecast**alpha
        result = cls(
            alpha=alpha,
            pooled_low=min(float(np.quantile(scaled, LOW)), 0.0),
            pooled_high=max(float(np.quantile(scaled, HIGH)), 0.0),
        )
        for queue in np.unique(queues):
            mine = scaled[queues == queue]
            if mine.size >= MIN_RESIDUALS:
                result.low[str(queue)] = min(float(np.quantile(mine, LOW)), 0.0)
                result.high[str(queue)] = max(float(np.quantile(mine, HIGH)), 0.0)
        return result

    def band(self, queues: np.ndarray, forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p10 and p90 (contacts per interval, >= 0) around point forecasts of the given queues."""
        low = np.array([self.low.get(str(q), self.pooled_low) for q in queues], dtype=float)
        high = np.array([self.high.get(str(q), self.pooled_high) for q in queues], dtype=float)
        level = np.maximum(forecast, 0.0) ** self.alpha
        p10 = np.clip(forecast + low * level, 0.0, forecast)
        p90 = np.maximum(forecast + high * level, forecast)
        return p10, p90


def _level_exponent(residual: np.ndarray, forecast: np.ndarray) -> float:
    """Slope of log |residual| on log forecast, clipped to [0.5, 1]."""
    keep = (residual != 0) & (forecast > 0)
    if keep.sum() < 10 or np.ptp(np.log(forecast[keep])) < 1e-9:
        return 0.5
    slope = np.polyfit(np.log(forecast[keep]), np.log(np.abs(residual[keep])), 1)[0]
    return float(np.clip(slope, 0.5, 1.0))
