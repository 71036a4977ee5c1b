"""Volume bands calibrated out of sample: negative-binomial quantiles, wider with the horizon.

Contacts in an interval are Poisson around a rate that is itself uncertain (the day's level and
the intraday shape are forecast, not known), so the interval's predictive distribution is taken
as negative binomial with mean ``f`` (the point forecast) and variance ``f + phi * f^2``: the
Poisson floor plus a relative level variance ``phi`` (``phi = 0`` is Poisson).

``phi`` is chosen by conformal calibration on out-of-sample pairs (actuals against forecasts
made before them, at many rolling origins): each pair gets the smallest ``phi`` whose band
covers it, and for each queue and each horizon day ``h`` (1 = the first day after the origin)
``phi`` is the 80 % quantile of those over the pairs of horizons ``h - 1 .. h + 1``, so that
the band covers 80 % of them; an isotonic regression on the horizon keeps it from shrinking
as the horizon grows. A queue with few pairs
uses the pairs of every queue. The distribution's cumulative probabilities are interpolated
linearly between the integers, so the band does not over-cover small counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special
from sklearn.isotonic import IsotonicRegression

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
        needed = required_phi(actual, forecast)
        result = cls(pooled=_by_horizon(needed, days))
        for queue in np.unique(queues):
            mine = queues == queue
            if mine.sum() >= MIN_RESIDUALS:
                result.dispersion[str(queue)] = _by_horizon(needed[mine], days[mine])
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


def nb_cdf(x: np.ndarray, mean: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Cumulative distribution of the negative binomial with `mean` and variance
    ``mean + phi * mean^2`` (Poisson where ``phi`` is 0), interpolated linearly between the
    integers: ``F(floor x) + (x - floor x) * P(floor x + 1)``; 0 below zero.

    Uses the regularised incomplete beta (negative binomial) and gamma (Poisson) functions of
    ``scipy.special``, which take real-valued sizes.
    """
    x, mean, phi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, mean, phi)))
    floor = np.floor(x)
    below = _integer_cdf(floor, mean, phi)
    above = _integer_cdf(floor + 1, mean, phi)
    out = below + (x - floor) * (above - below)
    return np.where(x < 0, 0.0, out)


def _integer_cdf(k: np.ndarray, mean: np.ndarray, phi: np.ndarray) -> np.ndarray:
    out = np.zeros(k.shape)
    valid = k >= 0
    mu = np.maximum(mean, 1e-12)
    poisson = valid & (phi < 1e-9)
    negative_binomial = valid & ~poisson
    out[poisson] = special.pdtr(k[poisson], mu[poisson])
    size = 1.0 / np.where(negative_binomial, phi, 1.0)
    prob = size / (size + mu)
    out[negative_binomial] = special.betainc(
        size[negative_binomial], k[negative_binomial] + 1, prob[negative_binomial]
    )
    return np.where(mean > 0, out, np.where(valid, 1.0, 0.0))


def nb_quantile(mean: np.ndarray, phi: np.ndarray, level: float) -> np.ndarray:
    """Quantile at `level` of the interpolated negative binomial of :func:`nb_cdf` (the x at
    which its cumulative distribution reaches `level`, at least 0); 0 where the mean is 0."""
    mean = np.maximum(np.asarray(mean, dtype=float), 0.0)
    phi = np.broadcast_to(np.maximum(np.asarray(phi, dtype=float), 0.0), mean.shape)
    low = np.zeros(mean.shape)
    high = mean + 20.0 * np.sqrt(mean + phi * mean**2) + 10.0
    for _ in range(_SEARCH_STEPS + 10):
        middle = (low + high) / 2
        reached = nb_cdf(middle, mean, phi) >= level
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    at_zero = nb_cdf(np.zeros(mean.shape), mean, phi) >= level
    return np.where((mean > 0) & ~at_zero, high, 0.0)


def covered(actual: np.ndarray, mean: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Whether each actual lies inside its p10-p90 band (``LOW <= F(actual) <= HIGH``)."""
    u = nb_cdf(actual, mean, phi)
    return (u >= LOW) & (u <= HIGH)


def required_phi(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Per pair, the smallest ``phi`` in ``[0, MAX_DISPERSION]`` whose band covers the actual
    (bisection on ``log phi``; infinity when even the widest band misses it)."""
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    out = np.zeros(actual.shape)
    at_zero = covered(actual, forecast, np.zeros(actual.shape))
    widest = covered(actual, forecast, np.full(actual.shape, MAX_DISPERSION))
    todo = ~at_zero & widest
    out[~at_zero & ~widest] = np.inf
    if todo.any():
        a, f = actual[todo], forecast[todo]
        low = np.full(a.shape, np.log(1e-6))
        high = np.full(a.shape, np.log(MAX_DISPERSION))
        for _ in range(_SEARCH_STEPS):
            middle = (low + high) / 2
            hit = covered(a, f, np.exp(middle))
            high = np.where(hit, middle, high)
            low = np.where(hit, low, middle)
        out[todo] = np.exp(high)
    return out


def calibrated_phi(needed: np.ndarray) -> float:
    """The smallest ``phi`` covering :data:`TARGET_COVERAGE` of pairs whose own required
    dispersions (:func:`required_phi`) are `needed` (their conformal quantile)."""
    if needed.size == 0:
        return DEFAULT_DISPERSION
    ordered = np.sort(needed)
    rank = int(np.ceil(TARGET_COVERAGE * ordered.size)) - 1
    return float(min(ordered[max(rank, 0)], MAX_DISPERSION))


def _by_horizon(needed: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Non-decreasing ``phi`` per horizon day 1..max(days): each day's conformal ``phi`` from
    the pairs of horizons h-1..h+1 (from every pair when those are fewer than
    :data:`MIN_RESIDUALS`), then the weighted isotonic regression of those on the horizon (so
    a noisy or unusual day does not widen every later one, as a running maximum would)."""
    overall = calibrated_phi(needed)
    last = int(days.max())
    table = np.empty(last)
    weight = np.empty(last)
    for h in range(1, last + 1):
        near = np.abs(days - h) <= 1
        enough = near.sum() >= MIN_RESIDUALS
        table[h - 1] = calibrated_phi(needed[near]) if enough else overall
        weight[h - 1] = max(int((days == h).sum()), 1)
    if last == 1:
        return table
    fitted = IsotonicRegression(increasing=True).fit_transform(
        np.arange(1, last + 1), table, sample_weight=weight
    )
    return np.asarray(fitted, dtype=float)
