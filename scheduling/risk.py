"""How many contacts to staff an interval for, given the forecast's uncertainty.

A point forecast says how many contacts an interval brings on average; the week that happens
brings a different number. Two things move it: the arrival rate itself is uncertain (the
forecast's p10-p90 band), and given the rate the count is Poisson. Following Jongbloed and Koole
("Managing uncertainty in call centres using Poisson mixtures", Applied Stochastic Models in
Business and Industry 17, 2001), the interval's expected count ``L`` is gamma distributed and the
count ``N`` given ``L`` is Poisson, so ``N`` is negative binomial:

- mean of ``L``: the point forecast ``volume``;
- spread: the band describes the *count* (forecasts are scored against actual counts), so its
  standard deviation ``sd_N = (p90 - p10) / (2 z_0.9)`` (``z_0.9 = 1.2816``) holds both parts; the
  Poisson part is ``volume``, so the rate's own variance is ``max(sd_N^2 - volume, 0)``. A band no
  wider than Poisson noise alone (a zero-width band included) leaves a known rate: ``N`` is
  Poisson;
- the p50 is not used: the point forecast is the mean the gamma keeps.

A row without a band (no ``volume_p10``/``volume_p90``: a hand-made forecast, a scenario's forecast
rows, a what-if) states no uncertainty and is staffed at its point forecast, as classic Erlang
planning does; forecasts from :mod:`forecasting` always carry the band.

**What confidence means.** A staffing level that meets the service targets for every count up to
``m`` meets them in the interval with probability ``P(N <= m)``; the interval is staffed for
``q_c``, the smallest count with ``P(N <= q_c) >= confidence``, so it meets its targets with at
least that probability — over many intervals, at least that share of intervals meets the target.
This treats the interval's realised service level as the steady-state level at its realised count,
which the simulator confirms to a few points (benchmarks/RESULTS.md). Staffing never drops below
the point plan: the staffed count is ``max(volume, q_c)``.

**Wider bands.** A wider band raises ``q_c`` as long as the rate's coefficient of variation stays
below where the gamma's ``c`` quantile peaks: about 1.3 at confidence 0.8 (2.0 at 0.9, 0.8 at
0.7, 0.4 at 0.6). Beyond it a very skewed rate puts more of its mass below the mean and the
quantile falls back (never below the point plan); forecast bands are far narrower than that.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]

DEFAULT_CONFIDENCE: Final = 0.8
"""Default probability that an interval meets its service targets (risk-aware staffing)."""

Z_90: Final = float(stats.norm.ppf(0.9))
"""Standard-normal 90% quantile: a p10-p90 band spans ``2 * Z_90`` standard deviations."""


def rate_variance(volume: ArrayLike, p10: ArrayLike, p90: ArrayLike) -> FloatArray:
    """Variance of the interval's expected count implied by the forecast band (contacts^2).

    Parameters
    ----------
    volume:
        Point forecast, contacts per interval, >= 0.
    p10, p90:
        The forecast's 10% and 90% quantiles of the count; NaN where there is no band.

    Returns
    -------
    numpy.ndarray
        ``max(((p90 - p10) / (2 Z_90))^2 - volume, 0)``; 0 where the band is missing.
    """
    v, lo, hi = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (volume, p10, p90)))
    spread = (hi - lo) / (2.0 * Z_90)
    variance = np.maximum(spread**2 - v, 0.0)
    return np.asarray(np.where(np.isfinite(variance), variance, 0.0), dtype=np.float64)


def _negative_binomial(volume: FloatArray, variance: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Parameters (n, p) of scipy's nbinom for mean `volume`, rate variance `variance` > 0."""
    shape = volume**2 / variance
    return shape, shape / (shape + volume)


def count_quantile(volume: ArrayLike, variance: ArrayLike, confidence: ArrayLike) -> FloatArray:
    """Smallest count ``q`` with ``P(N <= q) >= confidence`` (contacts per interval).

    Parameters
    ----------
    volume:
        Mean count, contacts per interval, >= 0.
    variance:
        Variance of the expected count (:func:`rate_variance`); 0 gives a Poisson count.
    confidence:
        Probability in (0, 1).
    """
    v, var, c = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (volume, variance, confidence))
    )
    out = np.zeros(v.shape)
    mixed = (var > 0) & (v > 0)
    plain = ~mixed & (v > 0)
    out[plain] = stats.poisson.ppf(c[plain], v[plain])
    if mixed.any():
        n, p = _negative_binomial(v[mixed], var[mixed])
        out[mixed] = stats.nbinom.ppf(c[mixed], n, p)
    return out


def count_cdf(count: ArrayLike, volume: ArrayLike, variance: ArrayLike) -> FloatArray:
    """``P(N <= count)`` for the count model of :func:`count_quantile`."""
    k, v, var = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (count, volume, variance))
    )
    out = np.where(k >= 0, 1.0, 0.0)
    mixed = (var > 0) & (v > 0)
    plain = ~mixed & (v > 0)
    out[plain] = stats.poisson.cdf(k[plain], v[plain])
    if mixed.any():
        n, p = _negative_binomial(v[mixed], var[mixed])
        out[mixed] = stats.nbinom.cdf(k[mixed], n, p)
    return np.asarray(out, dtype=np.float64)


def staffed_volume(
    volume: ArrayLike, p10: ArrayLike, p90: ArrayLike, confidence: ArrayLike
) -> FloatArray:
    """Contacts per interval to staff for: ``max(volume, q_confidence)``.

    Parameters
    ----------
    volume:
        Point forecast, contacts per interval, >= 0 (0 means closed: nothing to staff).
    p10, p90:
        Forecast band; NaN where absent (the row keeps its point forecast). A zero-width band
        (``p10 == p90``) leaves Poisson noise only.
    confidence:
        Probability in (0, 1) that the interval meets its targets; NaN keeps the point forecast.

    Examples
    --------
    >>> float(staffed_volume(100.0, 100.0, 100.0, 0.9)[()])
    113.0
    >>> float(staffed_volume(100.0, float("nan"), float("nan"), 0.9)[()])
    100.0
    """
    v, lo, hi, c = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (volume, p10, p90, confidence))
    )
    risky = np.isfinite(c) & (v > 0) & np.isfinite(lo) & np.isfinite(hi)
    out = v.copy()
    if risky.any():
        variance = rate_variance(v[risky], lo[risky], hi[risky])
        out[risky] = np.maximum(v[risky], count_quantile(v[risky], variance, c[risky]))
    return out
