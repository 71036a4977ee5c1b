"""Arrivals of the demo-centre generator: a doubly stochastic Poisson process.

The arrival rate of queue *q* in the five-minute bucket *b* of local day *d* is

    lambda[q, b] = level[q] * weekly[q, weekday(d)] * holiday[q, d] * shape[q, b]
                   * G[q, d] * H[q, h(b)] * anomaly[q, b]

where ``shape`` is the queue's intraday profile normalised to sum to 1 over the day, ``G`` a
day-level Gamma(mean 1, CV ``day_cv``) multiplier and ``H`` a half-hour-level Gamma(mean 1, CV
``interval_cv``) multiplier. Counts per bucket are Poisson(lambda) and arrival instants are
uniform inside their bucket. The random day-level rate makes daily totals over-dispersed
relative to Poisson, as found for real centres by Brown et al. (2005, "Statistical analysis of
a telephone call center: a queueing-science perspective", JASA 100:36-50) and surveyed by
Ibrahim et al. (2016, "Modeling and forecasting call center arrivals: a literature survey and a
case study", International Journal of Forecasting 32:865-874). Planners staff from the
*planned* rate (everything but ``G``, ``H`` and anomalies), so random busy days and injected
spikes hurt service as they would in a real centre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.calendar import WEEKDAYS, is_holiday
from features.synthetic.profiles import QueueProfile

BUCKET_S = 300


@dataclass(frozen=True)
class Anomaly:
    """An injected change of the arrival rate: `factor` times the normal rate of `queue`
    from `start` (inclusive) to `end` (exclusive), e.g. 3.0 for a spike, 0.2 for a drop.

    `start` and `end` are timezone-aware timestamps or ISO 8601 strings with an offset.
    """

    queue: str
    start: pd.Timestamp | str
    end: pd.Timestamp | str
    factor: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (instants as ISO 8601 with offset), written to params.json."""
        return {
            "queue": self.queue,
            "start": pd.Timestamp(self.start).isoformat(),
            "end": pd.Timestamp(self.end).isoformat(),
            "factor": float(self.factor),
        }


@dataclass
class ArrivalPlan:
    """Rates per queue (rows) and five-minute bucket (columns), contacts per bucket."""

    buckets: pd.DatetimeIndex
    planned: np.ndarray
    rate: np.ndarray
    day_multiplier: np.ndarray
    dates: np.ndarray


def intraday_shape(profile: QueueProfile, hours: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    """Unnormalised intraday arrival intensity at local clock `hours` (0..24, fractional).

    Zero while the queue is closed, unless the channel takes arrivals when closed (e-mail), in
    which case night hours keep a reduced base.
    """
    shape = np.full(hours.shape, profile.base)
    for centre, width, weight in profile.peaks:
        shape = shape + weight * np.exp(-0.5 * ((hours - centre) / width) ** 2)
    open_mask = np.zeros(hours.shape, dtype=bool)
    for index, day in enumerate(WEEKDAYS):
        window = profile.open_hours.get(day)
        if window is None:
            continue
        on_day = weekdays == index
        open_mask |= on_day & (hours >= window[0]) & (hours < window[1])
    if profile.arrivals_when_closed:
        return np.where(open_mask, shape, 0.35 * shape)
    return np.where(open_mask, shape, 0.0)


def plan_arrivals(
    profiles: Sequence[QueueProfile],
    levels: np.ndarray,
    buckets: pd.DatetimeIndex,
    *,
    country: str | None,
    subdiv: str | None,
    day_cv: float,
    interval_cv: float,
    anomalies: Sequence[Anomaly],
    rng: np.random.Generator,
) -> ArrivalPlan:
    """Planned and true arrival rates per queue and five-minute bucket.

    Parameters
    ----------
    profiles:
        Queue profiles.
    levels:
        Expected contacts per queue on a day of weekly factor 1.
    buckets:
        Local five-minute bucket starts covering whole local days.
    country, subdiv:
        Holiday calendar (`holidays` codes); no holidays when `country` is None.
    day_cv, interval_cv:
        Coefficients of variation of the day-level and half-hour-level Gamma multipliers.
    anomalies:
        Injected rate changes.
    rng:
        Random generator (the only source of randomness).
    """
    buckets = buckets.as_unit("ns")
    wall = buckets.tz_localize(None)
    hours = (wall.hour + wall.minute / 60.0).to_numpy(dtype=float)
    weekdays = wall.day_of_week.to_numpy()
    dates = wall.normalize().to_numpy()
    unique_dates, day_index = np.unique(dates, return_inverse=True)
    holiday = np.zeros(len(dates), dtype=bool)
    if country:
        holiday = is_holiday(pd.DatetimeIndex(unique_dates).date, country, subdiv)[day_index]
    half_hours = (buckets.asi8 - buckets.asi8[0]) // (1800 * 10**9)
    planned = np.zeros((len(profiles), len(buckets)))
    for q, profile in enumerate(profiles):
        shape = intraday_shape(profile, hours, weekdays)
        per_day = np.bincount(day_index, weights=shape, minlength=len(unique_dates))
        norm = np.where(per_day[day_index] > 0, shape / np.maximum(per_day[day_index], 1e-12), 0)
        weekly = np.asarray(profile.weekly)[weekdays]
        holiday_factor = np.where(holiday, profile.holiday_factor, 1.0)
        planned[q] = levels[q] * weekly * holiday_factor * norm
    day_multiplier = _gamma(rng, day_cv, (len(profiles), len(unique_dates)))
    half_hour_multiplier = _gamma(rng, interval_cv, (len(profiles), int(half_hours.max()) + 1))
    rate = planned * day_multiplier[:, day_index] * half_hour_multiplier[:, half_hours]
    names = [p.name for p in profiles]
    for anomaly in anomalies:
        q = names.index(anomaly.queue)
        start = pd.Timestamp(anomaly.start)
        end = pd.Timestamp(anomaly.end)
        inside = (buckets >= start) & (buckets < end)
        rate[q, inside] *= anomaly.factor
    return ArrivalPlan(buckets, planned, rate, day_multiplier, unique_dates)


def _gamma(rng: np.random.Generator, cv: float, size: tuple[int, int]) -> np.ndarray:
    if cv <= 0:
        return np.ones(size)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, size=size)


def sample_arrivals(plan: ArrivalPlan, rng: np.random.Generator) -> list[np.ndarray]:
    """Poisson counts per bucket, spread uniformly inside it.

    Returns
    -------
    list of numpy.ndarray
        Per queue, sorted arrival instants in whole seconds since the epoch (UTC).
    """
    counts = rng.poisson(plan.rate)
    starts = plan.buckets.asi8 // 10**9
    arrivals = []
    for q in range(counts.shape[0]):
        times = np.repeat(starts, counts[q]) + rng.integers(0, BUCKET_S, int(counts[q].sum()))
        arrivals.append(np.sort(times).astype(np.int64))
    return arrivals
