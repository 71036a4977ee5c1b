"""Volume bands calibrated out of sample: negative-binomial quantiles, wider with the horizon.

Contacts in an interval are Poisson around a rate that is itself uncertain (the day's level and
the intraday shape are forecast, not known), so the interval's predictive distribution is taken
as negative binomial with mean ``f`` (the point forecast) and variance ``f + phi * f^2``: the
Poisson floor plus a relative level variance ``phi`` (``phi = 0`` is Poisson).

``phi`` is chosen by conformal calibration on out-of-sample pairs (actuals against forecasts
made before them, at many rolling origins): for each queue and each horizon day ``h`` (1 = the
first day after the origin) it is the smallest value whose p10-p90 band covers 80 % of the
pairs of horizons ``h - 1 .. h + 1``, and it never shrinks as the horizon grows. A queue with few
pairs uses the pairs of every queue. Quantiles of the discrete distribution are interpolated
linearly within the integer step, so the band does not over-cover small counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

LOW, HIGH = 0.1, 0.9
TARGET_COVERAGE = HIGH - LOW
MIN_RESIDUALS = 200
"""A queue (or horizon day) with fewer pairs than this borrows the pooled calibration."""
DEFAULT_DISPERSION = 0.01
"""``phi`` without any out-of-sample pair: a 10 % relative level error on top of Poisson."""
MAX_DISPERSION = 4.0
"""Upper end of the search for ``phi`` (a relative level error of 200 %)."""
_SEARCH_STEPS = 40


@dataclass
class ResidualQuantiles:
    """Calibrated relative level variance ``phi`` per queue and horizon day.

    Attributes
    ----------
    dispersion:
        ``phi`` per horizon day (index 0 = day 1) of each queue with enough pairs.
    pooled:
        ``phi`` per horizon day over every queue (used for the other queues).
    """

    dispersion: dict[str, np.ndarray] = field(default_factory=dict)
    pooled: np.ndarray = field(default_factory=lambda: np.array([DEFAULT_DISPERSION]))

    @classmethod
    def fit(
        cls,
        queues: np.ndarray,
        actual: np.ndarray,
        forecast: np.ndarray,
        horizon: np.ndarray | None = None,
    ) -> ResidualQuantiles:
        """Calibrate ``phi`` on out-of-sample (actual, forecast) pairs, contacts per interval.

        Parameters
        ----------
        queues:
            Queue of each pair.
        actual, forecast:
            Contacts per interval; pairs with a zero forecast (closed intervals) or a NaN are
            ignored.
        horizon:
            Horizon day of each pair (1 = first day after the origin); all 1 when None.

        Returns
        -------
        ResidualQuantiles
            ``phi`` = :data:`DEFAULT_DISPERSION` everywhere when fewer than 10 pairs are usable.
        """
        actual = np.asarray(actual, dtype=float)
        forecast = np.asarray(forecast, dtype=float)
        queues = np.asarray(queues, dtype=object)
        days = np.ones(actual.shape, dtype=np.int64) if horizon is None else np.asarray(horizon)
        usable = (forecast > 0) & ~np.isnan(actual) & ~np.isnan(forecast)
        if usable.sum() < 10:
            return cls()
        queues, actual, forecast = queues[usable], actual[usable], forecast[usable]
        days = np.maximum(days[usable].astype(np.int64), 1)
        pooled = _by_horizon(actual, forecast, days)
        result = cls(pooled=pooled)
        for queue in np.unique(queues):
            mine = queues == queue
            if mine.sum() >= MIN_RESIDUALS:
                result.dispersion[str(queue)] = _by_horizon(
                    actual[mine], forecast[mine], days[mine]
                )
        return result

    def phi(self, queues: np.ndarray, horizon: np.ndarray | None = None) -> np.ndarray:
        """``phi`` of each (queue, horizon day); beyond the calibrated days the last one holds."""
        queues = np.asarray(queues, dtype=object)
        days = np.ones(queues.shape, dtype=np.int64) if horizon is None else np.asarray(horizon)
        out = np.empty(queues.shape, dtype=float)
        for queue in np.unique(queues):
            table = self.dispersion.get(str(queue), self.pooled)
            mine = queues == queue
            position = np.clip(days[mine].astype(np.int64), 1, table.size) - 1
            out[mine] = table[position]
        return out

    def band(
        self,
        queues: np.ndarray,
        forecast: np.ndarray,
        horizon: np.ndarray | None = None,
        extra: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """p10 and p90 (contacts per interval, >= 0) around point forecasts.

        Parameters
        ----------
        queues, forecast:
            Queue and point forecast (contacts) of each interval.
        horizon:
            Horizon day of each interval (1 when None).
        extra:
            Relative level variance added to ``phi`` (e.g. on a holiday never seen before).
        """
        forecast = np.maximum(np.asarray(forecast, dtype=float), 0.0)
        phi = self.phi(queues, horizon)
        if extra is not None:
            phi = phi + np.asarray(extra, dtype=float)
        p10 = np.minimum(nb_quantile(forecast, phi, LOW), forecast)
        p90 = np.maximum(nb_quantile(forecast, phi, HIGH), forecast)
        return p10, p90


def nb_quantile(mean: np.ndarray, phi: np.ndarray, level: float) -> np.ndarray:
    """Quantile at `level` of the negative binomial with `mean` and variance
    ``mean + phi * mean^2`` (Poisson where ``phi`` is 0), interpolated linearly inside the
    integer step; 0 where the mean is 0."""
    mean = np.asarray(mean, dtype=float)
    phi = np.broadcast_to(np.asarray(phi, dtype=float), mean.shape)
    out = np.zeros(mean.shape)
    positive = mean > 0
    if not positive.any():
        return out
    mu = mean[positive]
    dispersion = np.maximum(phi[positive], 0.0)
    poisson = dispersion < 1e-9
    k = np.zeros(mu.shape)
    below = np.zeros(mu.shape)
    mass = np.ones(mu.shape)
    if poisson.any():
        dist = stats.poisson(mu[poisson])
        k[poisson] = dist.ppf(level)
        below[poisson] = dist.cdf(k[poisson] - 1)
        mass[poisson] = dist.pmf(k[poisson])
    if (~poisson).any():
        size = 1.0 / dispersion[~poisson]
        prob = size / (size + mu[~poisson])
        dist_nb = stats.nbinom(size, prob)
        k[~poisson] = dist_nb.ppf(level)
        below[~poisson] = dist_nb.cdf(k[~poisson] - 1)
        mass[~poisson] = dist_nb.pmf(k[~poisson])
    step = np.clip((level - below) / np.where(mass > 0, mass, 1.0), 0.0, 1.0)
    out[positive] = np.maximum(k - 1 + step, 0.0)
    return out


def coverage_at(actual: np.ndarray, forecast: np.ndarray, phi: float) -> float:
    """Share of `actual` inside the p10-p90 band of negative binomials with dispersion `phi`."""
    low = nb_quantile(forecast, np.full(forecast.shape, phi), LOW)
    high = nb_quantile(forecast, np.full(forecast.shape, phi), HIGH)
    return float(((actual >= low) & (actual <= high)).mean())


def calibrated_phi(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Smallest ``phi`` in ``[0, MAX_DISPERSION]`` whose band covers
    :data:`TARGET_COVERAGE` of the pairs (bisection on ``log phi``)."""
    if coverage_at(actual, forecast, 0.0) >= TARGET_COVERAGE:
        return 0.0
    if coverage_at(actual, forecast, MAX_DISPERSION) < TARGET_COVERAGE:
        return MAX_DISPERSION
    low, high = np.log(1e-6), np.log(MAX_DISPERSION)
    for _ in range(_SEARCH_STEPS):
        middle = (low + high) / 2
        if coverage_at(actual, forecast, float(np.exp(middle))) >= TARGET_COVERAGE:
            high = middle
        else:
            low = middle
    return float(np.exp(high))


def _by_horizon(actual: np.ndarray, forecast: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Non-decreasing ``phi`` per horizon day 1..max(days), each from the pairs of horizons
    h-1..h+1 (from every pair when those are fewer than :data:`MIN_RESIDUALS`)."""
    overall = calibrated_phi(actual, forecast)
    last = int(days.max())
    table = np.empty(last)
    for h in range(1, last + 1):
        near = np.abs(days - h) <= 1
        if near.sum() >= MIN_RESIDUALS:
            table[h - 1] = calibrated_phi(actual[near], forecast[near])
        else:
            table[h - 1] = overall
    return np.maximum.accumulate(table)
