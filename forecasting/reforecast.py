"""Intraday reforecast: scale the rest of today's forecast by what has arrived so far.

For each queue, the intervals of the day already over (ending at or before `now`) give the
actual volume so far ``A`` and the forecast volume so far ``F``. The raw ratio ``A / F`` is
clipped to `bounds` and shrunk towards 1 by a credibility weight ``w``::

    ratio = 1 + w * (clip(A / F, low, high) - 1)

so early in the day, when little volume has been seen, the forecast barely moves. The weight is
the share of the day's forecast volume already observed (``F / day total``) by default, or
``F / (F + k)`` (Bühlmann credibility with `k` pseudo-contacts) when `credibility_k` is given.
The remaining intervals of that day (and their quantiles) are multiplied by the ratio; the
intervals already over and other days are returned unchanged with ratio 1.

:class:`IntradayUpdater` learns how much to trust the day so far from past days (fit on
day-ahead forecasts and their actuals) and also uses what the last few intervals say and what
today says about tomorrow:

* the day's level is the Bühlmann credibility (Bayesian gamma-Poisson) estimate
  ``(A + k) / (F + k)``, with ``k`` (contacts) chosen to predict the rest of past days' totals
  best: it absorbs both the day-to-day spread of levels and the intraday noise beyond Poisson;
* the last `recent_intervals` intervals' deviation ``r`` from the updated level carries into the
  next intervals as ``beta * rho^(h - 1) * r`` at lead ``h`` (a first-order autoregression of
  intraday deviations, as exponential smoothing state models do; ``beta`` and ``rho`` fitted by
  least squares on past days);
* the next forecast day's level moves by ``carry * (ratio - 1)``, the least-squares slope of a
  day's surprise on the day before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput, NotFitted
from features.schema import FORECAST_COLUMNS, INTERVAL_START, QUEUE, frame_errors

REFORECAST_COLUMNS = [*FORECAST_COLUMNS, "volume_original", "ratio"]
"""The reforecast frame: the forecast columns, the original point volume and the factor."""

RATIO_COLUMNS = [
    "queue",
    "actual_so_far",
    "forecast_so_far",
    "forecast_day",
    "raw_ratio",
    "weight",
    "ratio",
]
"""Per-queue ratio table of :func:`queue_ratios`."""

_SCALED = ("volume", "volume_p10", "volume_p50", "volume_p90")


def _check(forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp) -> None:
    errors = frame_errors("forecast", forecast, ("queue", "interval_start", "volume"))
    errors += frame_errors("actuals", actuals, ("queue", "interval_start", "offered"))
    if pd.Timestamp(now).tzinfo is None:
        errors.append(FieldError(None, "now", "must be timezone-aware", str(now)))
    if errors:
        raise InvalidInput("cannot reforecast", errors)


def _check_settings(bounds: tuple[float, float], credibility_k: float | None) -> None:
    errors: list[FieldError] = []
    low, high = bounds
    if not 0 < low <= 1 <= high:
        errors.append(FieldError(None, "bounds", "must satisfy 0 < low <= 1 <= high", bounds))
    if credibility_k is not None and not credibility_k > 0:
        errors.append(FieldError(None, "credibility_k", "must be > 0 contacts", credibility_k))
    if errors:
        raise InvalidInput("invalid reforecast settings", errors)


def interval_length(forecast: pd.DataFrame) -> pd.Timedelta:
    """The most common spacing of consecutive intervals of a queue (15 minutes when unknown)."""
    ordered = forecast.sort_values(["queue", "interval_start"])
    gaps = ordered.groupby("queue", sort=False)["interval_start"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    return pd.Timedelta(gaps.mode().iloc[0]) if len(gaps) else pd.Timedelta(minutes=15)


def queue_ratios(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: pd.Timestamp,
    *,
    bounds: tuple[float, float] = (0.5, 2.0),
    credibility_k: float | None = None,
    interval: pd.Timedelta | None = None,
) -> pd.DataFrame:
    """Per queue: volume so far (actual and forecast), the raw ratio, the weight and the ratio.

    Only the forecast rows on the local day of `now` (in the forecast's zone) count.

    Returns
    -------
    pandas.DataFrame
        ``queue, actual_so_far, forecast_so_far, forecast_day, raw_ratio, weight, ratio``
        (contacts; ratios unitless). ``raw_ratio`` is NaN when nothing was forecast so far.
    """
    _check(forecast, actuals, now)
    _check_settings(bounds, credibility_k)
    step = interval if interval is not None else interval_length(forecast)
    zone = forecast["interval_start"].dt.tz
    local_now = pd.Timestamp(now).tz_convert(zone)
    today = forecast[forecast["interval_start"].dt.date == local_now.date()]
    over = today["interval_start"] + step <= local_now
    seen = today.loc[over, ["queue", "interval_start", "volume"]]
    actual = actuals[["queue", "interval_start", "offered"]].copy()
    actual["interval_start"] = actual["interval_start"].dt.tz_convert(zone)
    joined = seen.merge(actual, on=["queue", "interval_start"], how="left")
    # An interval already over without an actual row had no contacts (DESIGN: absent = 0).
    joined["offered"] = joined["offered"].fillna(0.0)
    sums = joined.groupby("queue")[["offered", "volume"]].sum()
    day_total = today.groupby("queue")["volume"].sum()
    table = pd.DataFrame({"forecast_day": day_total.astype(float)})
    table["actual_so_far"] = sums["offered"].reindex(table.index).fillna(0.0).astype(float)
    table["forecast_so_far"] = sums["volume"].reindex(table.index).fillna(0.0).astype(float)
    so_far = table["forecast_so_far"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(so_far > 0, table["actual_so_far"].to_numpy() / so_far, np.nan)
        if credibility_k is None:
            total = table["forecast_day"].to_numpy()
            weight = np.where(total > 0, so_far / total, 0.0)
        else:
            weight = so_far / (so_far + credibility_k)
    weight = np.clip(np.nan_to_num(weight, nan=0.0), 0.0, 1.0)
    clipped = np.clip(np.nan_to_num(raw, nan=1.0), bounds[0], bounds[1])
    table["raw_ratio"] = raw
    table["weight"] = weight
    table["ratio"] = 1.0 + weight * (clipped - 1.0)
    table = table.rename_axis("queue").reset_index()
    return table[RATIO_COLUMNS]


def reforecast_intraday(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: pd.Timestamp,
    *,
    bounds: tuple[float, float] = (0.5, 2.0),
    credibility_k: float | None = None,
) -> pd.DataFrame:
    """Re-forecast the rest of `now`'s local day per queue from the volume seen so far.

    Parameters
    ----------
    forecast:
        FORECAST_COLUMNS (``volume`` and quantiles in contacts per interval, ``aht_s`` seconds),
        ``interval_start`` tz-aware in the site's zone.
    actuals:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered`` contacts per
        interval); an interval already over and absent from it had no contacts.
    now:
        The current instant (tz-aware); intervals ending at or before it are "so far".
    bounds:
        ``(low, high)`` limits of the ratio applied, with ``0 < low <= 1 <= high``.
    credibility_k:
        When given, the weight of the observed ratio is ``F / (F + k)`` with ``F`` the forecast
        contacts of the intervals already over; otherwise ``F`` divided by the day's forecast.

    Returns
    -------
    pandas.DataFrame
        :data:`REFORECAST_COLUMNS`: the forecast with the remaining intervals of the day scaled
        (point volume and quantiles; handle time unchanged), ``volume_original`` and ``ratio``
        (the factor applied to the row; 1 for intervals already over and for other days).

    Raises
    ------
    InvalidInput
        Missing columns, naive timestamps, or bounds/credibility outside their ranges.

    Examples
    --------
    Forecast 10 contacts in each of four intervals; 30 arrived in the first two (ratio 1.5);
    half the day's forecast is seen, so the remaining intervals get ``1 + 0.5 * 0.5 = 1.25``:

    >>> import pandas as pd
    >>> starts = pd.date_range("2026-11-30 08:00", periods=4, freq="15min", tz="UTC")
    >>> fc = pd.DataFrame({"queue": "q", "interval_start": starts, "volume": 10.0})
    >>> act = pd.DataFrame({"queue": "q", "interval_start": starts[:2], "offered": [14, 16]})
    >>> out = reforecast_intraday(fc, act, pd.Timestamp("2026-11-30 08:30", tz="UTC"))
    >>> out["volume"].tolist()
    [10.0, 10.0, 12.5, 12.5]
    """
    step = interval_length(forecast) if not forecast.empty else pd.Timedelta(minutes=15)
    ratios = queue_ratios(
        forecast, actuals, now, bounds=bounds, credibility_k=credibility_k, interval=step
    )
    out = forecast.reindex(columns=FORECAST_COLUMNS).copy()
    out["volume_original"] = out["volume"].astype(float)
    zone = out["interval_start"].dt.tz
    local_now = pd.Timestamp(now).tz_convert(zone)
    ahead = (out["interval_start"] + step > local_now) & (
        out["interval_start"].dt.date == local_now.date()
    )
    factor = out["queue"].map(dict(zip(ratios["queue"], ratios["ratio"], strict=True)))
    out["ratio"] = factor.where(ahead, 1.0).fillna(1.0).astype(float)
    for column in _SCALED:
        out[column] = out[column].astype(float) * out["ratio"]
    return out[REFORECAST_COLUMNS].reset_index(drop=True)


CREDIBILITY_GRID = np.exp(np.linspace(np.log(10.0), np.log(1e6), 61))
"""Candidate credibilities ``k`` (contacts) searched by :meth:`IntradayUpdater.fit`."""


@dataclass(frozen=True)
class UpdateParameters:
    """Learned updating of one queue.

    Attributes
    ----------
    credibility:
        ``k`` in contacts: the day so far weighs ``F / (F + k)`` against the forecast.
    carry:
        Share of today's surprise carried into the next forecast day (0..1).
    beta, rho:
        Recent deviation weight at lead 1 and its decay per interval (0..1 each).
    """

    credibility: float = 1e6
    carry: float = 0.0
    beta: float = 0.0
    rho: float = 0.0


@dataclass(frozen=True)
class _Day:
    forecast: np.ndarray
    actual: np.ndarray
    next_forecast: np.ndarray | None
    next_actual: np.ndarray | None


class IntradayUpdater:
    """Learned intraday updating of a day-ahead forecast (see the module docstring).

    Parameters
    ----------
    recent_intervals:
        Intervals behind the recent deviation.
    max_lead:
        Leads (intervals) over which the decay of the recent deviation is fitted.
    bounds:
        ``(low, high)`` limits of the day's level ratio, ``0 < low <= 1 <= high``.
    """

    def __init__(
        self,
        *,
        recent_intervals: int = 6,
        max_lead: int = 36,
        bounds: tuple[float, float] = (0.5, 2.0),
    ) -> None:
        self.recent_intervals = recent_intervals
        self.max_lead = max_lead
        self.bounds = bounds

    def fit(self, forecasts: pd.DataFrame, actuals: pd.DataFrame) -> Self:
        """Learn each queue's parameters from past day-ahead forecasts and their actuals.

        Parameters
        ----------
        forecasts:
            ``queue``, tz-aware ``interval_start``, ``volume`` (contacts) and ``issued`` (the
            tz-aware instant each forecast was made, before its day began): for each issue, the
            rows of the first day it forecasts with contacts and, when present, of the next one.
        actuals:
            Interval history (``queue``, ``interval_start``, ``offered``) covering those days;
            an interval absent from it had no contacts.

        Raises
        ------
        InvalidInput
            Missing columns, naive timestamps or bounds outside ``0 < low <= 1 <= high``.
        """
        errors = frame_errors("forecasts", forecasts, (QUEUE, INTERVAL_START, "volume", "issued"))
        errors += frame_errors("actuals", actuals, (QUEUE, INTERVAL_START, "offered"))
        if errors:
            raise InvalidInput("cannot fit the intraday updater", errors)
        _check_settings(self.bounds, None)
        days = _past_days(forecasts, actuals)
        self.parameters_ = {
            queue: self._learn(mine) for queue, mine in sorted(days.items()) if mine
        }
        return self

    def update(
        self, forecast: pd.DataFrame, actuals: pd.DataFrame, now: pd.Timestamp
    ) -> pd.DataFrame:
        """Re-forecast the rest of `now`'s local day and the next forecast day.

        Parameters
        ----------
        forecast:
            FORECAST_COLUMNS of today and the following days (``interval_start`` tz-aware in
            the site's zone).
        actuals:
            Interval history of today so far; an interval already over and absent had no
            contacts.
        now:
            The current instant (tz-aware); intervals ending at or before it are "so far".

        Returns
        -------
        pandas.DataFrame
            :data:`REFORECAST_COLUMNS`: the remaining intervals of today and the intervals of
            the next forecast day scaled (volume and quantiles; handle time unchanged), with
            the factor in ``ratio``; every other row unchanged with ratio 1.

        Raises
        ------
        NotFitted
            Before :meth:`fit`.
        InvalidInput
            Missing columns or naive timestamps.
        """
        parameters = getattr(self, "parameters_", None)
        if parameters is None:
            raise NotFitted("IntradayUpdater is not fitted: call fit(forecasts, actuals) first")
        _check(forecast, actuals, now)
        out = forecast.reindex(columns=FORECAST_COLUMNS).reset_index(drop=True)
        out["volume_original"] = out["volume"].astype(float)
        factor = np.ones(len(out))
        step = interval_length(forecast) if not forecast.empty else pd.Timedelta(minutes=15)
        zone = out[INTERVAL_START].dt.tz
        local_now = pd.Timestamp(now).tz_convert(zone)
        seen = actuals[[QUEUE, INTERVAL_START, "offered"]].copy()
        seen[INTERVAL_START] = seen[INTERVAL_START].dt.tz_convert(zone)
        dates = out[INTERVAL_START].dt.date
        for queue, rows in out.groupby(QUEUE, sort=False).groups.items():
            settings = parameters.get(str(queue), UpdateParameters())
            mine = out.loc[rows].sort_values(INTERVAL_START)
            today = mine[dates.loc[mine.index] == local_now.date()]
            later = mine[dates.loc[mine.index] > local_now.date()]
            over = today[today[INTERVAL_START] + step <= local_now]
            ahead = today.index.difference(over.index)
            observed = (
                over[[INTERVAL_START]]
                .merge(seen[seen[QUEUE] == queue], on=INTERVAL_START, how="left")["offered"]
                .fillna(0.0)
                .to_numpy(dtype=float)
            )
            expected = over["volume"].to_numpy(dtype=float)
            ratio, recent = self._state(settings, observed, expected)
            next_day = _next_forecast_day(later, dates)
            level = np.concatenate(
                [
                    np.full(len(ahead), ratio),
                    np.full(len(next_day), 1 + settings.carry * (ratio - 1)),
                ]
            )
            lead = np.arange(1, level.size + 1)
            short = 1 + settings.beta * settings.rho ** (lead - 1) * recent
            factor[out.index.get_indexer(ahead.append(next_day))] = level * np.maximum(short, 0.0)
        out["ratio"] = factor
        for column in _SCALED:
            out[column] = out[column].astype(float) * factor
        return out[REFORECAST_COLUMNS]

    def _state(
        self, settings: UpdateParameters, observed: np.ndarray, expected: np.ndarray
    ) -> tuple[float, float]:
        """The day's level ratio and the recent deviation from it."""
        k = settings.credibility
        ratio = float(np.clip((observed.sum() + k) / (expected.sum() + k), *self.bounds))
        m = min(self.recent_intervals, observed.size)
        base = ratio * expected[-m:].sum() if m else 0.0
        recent = observed[-m:].sum() / base - 1 if base > 0 else 0.0
        return ratio, float(np.clip(recent, -1.0, 1.0))

    def _learn(self, days: list[_Day]) -> UpdateParameters:
        credibility = self._credibility(days)
        carry = _carry(days)
        beta, rho = self._decay(days, credibility)
        return UpdateParameters(credibility=credibility, carry=carry, beta=beta, rho=rho)

    def _credibility(self, days: list[_Day]) -> float:
        """``k`` minimising the squared error (contacts) of the rest-of-day totals."""
        loss = np.zeros(CREDIBILITY_GRID.size)
        for day in days:
            f = np.concatenate([[0.0], np.cumsum(day.forecast)])
            a = np.concatenate([[0.0], np.cumsum(day.actual)])
            for k in range(1, day.forecast.size):
                rest_f, rest_a = f[-1] - f[k], a[-1] - a[k]
                ratio = np.clip((a[k] + CREDIBILITY_GRID) / (f[k] + CREDIBILITY_GRID), *self.bounds)
                loss += (ratio * rest_f - rest_a) ** 2
        return float(CREDIBILITY_GRID[int(np.argmin(loss))])

    def _decay(self, days: list[_Day], credibility: float) -> tuple[float, float]:
        """``beta`` and ``rho`` of the recent deviation: least-squares slopes per lead, then a
        log-linear fit of ``beta * rho^(h - 1)`` on the positive ones."""
        leads = np.arange(1, self.max_lead + 1)
        num = np.zeros(leads.size)
        den = np.zeros(leads.size)
        settings = UpdateParameters(credibility=credibility)
        for day in days:
            for k in range(self.recent_intervals, day.forecast.size - 1):
                ratio, recent = self._state(settings, day.actual[:k], day.forecast[:k])
                if recent == 0.0:
                    continue
                h = leads[leads <= day.forecast.size - k]
                level = ratio * day.forecast[k + h - 1]
                usable = level > 0
                z = np.zeros(h.size)
                z[usable] = day.actual[k + h - 1][usable] / level[usable] - 1
                weight = level**2
                num[h - 1] += weight * z * recent
                den[h - 1] += weight * recent**2
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes = num / den
        positive = np.isfinite(slopes) & (slopes > 0)
        if positive.sum() < 2:
            return 0.0, 0.0
        decay, start = np.polyfit(
            leads[positive] - 1, np.log(slopes[positive]), 1, w=np.sqrt(den[positive])
        )
        return float(np.clip(np.exp(start), 0.0, 1.0)), float(np.clip(np.exp(decay), 0.0, 0.999))


def _next_forecast_day(later: pd.DataFrame, dates: pd.Series) -> pd.Index:
    """Rows of the first later date with any forecast volume (the next day the queue opens)."""
    busy = later[later["volume"] > 0]
    if busy.empty:
        return later.index[:0]
    first = dates.loc[busy.index].min()
    return later.index[dates.loc[later.index] == first]


def _carry(days: list[_Day]) -> float:
    """Least-squares slope (through 0, clipped to 0..1) of the next day's surprise on today's."""
    pairs = [
        (d.actual.sum() / d.forecast.sum() - 1, d.next_actual.sum() / d.next_forecast.sum() - 1)
        for d in days
        if d.next_forecast is not None
        and d.next_actual is not None
        and d.forecast.sum() > 0
        and d.next_forecast.sum() > 0
    ]
    if len(pairs) < 2:
        return 0.0
    today, tomorrow = np.array(pairs).T
    if not (today**2).sum() > 0:
        return 0.0
    return float(np.clip((today * tomorrow).sum() / (today**2).sum(), 0.0, 1.0))


def _past_days(forecasts: pd.DataFrame, actuals: pd.DataFrame) -> dict[str, list[_Day]]:
    """Per queue, each issue's forecast and actuals of its own day and of the next one."""
    zone = forecasts[INTERVAL_START].dt.tz
    frame = forecasts[[QUEUE, INTERVAL_START, "volume", "issued"]].copy()
    frame[QUEUE] = frame[QUEUE].astype(str)
    seen = actuals[[QUEUE, INTERVAL_START, "offered"]].copy()
    seen[QUEUE] = seen[QUEUE].astype(str)
    seen[INTERVAL_START] = seen[INTERVAL_START].dt.tz_convert(zone)
    frame = frame.merge(seen, on=[QUEUE, INTERVAL_START], how="left")
    frame["date"] = frame[INTERVAL_START].dt.date
    seen_dates = set(zip(seen[QUEUE], seen[INTERVAL_START].dt.date, strict=True))
    out: dict[str, list[_Day]] = {}
    for (queue, issued), part in frame.groupby([QUEUE, "issued"], sort=True):
        part = part.sort_values(INTERVAL_START)
        own = pd.Timestamp(issued).tz_convert(zone).date()
        busy = part.groupby("date")["volume"].sum()
        dates = sorted(d for d, total in busy.items() if d >= own and total > 0)
        if not dates or (queue, dates[0]) not in seen_dates:
            continue
        first = part[part["date"] == dates[0]]
        nxt = part[part["date"] == dates[1]] if len(dates) > 1 else None
        has_next = nxt is not None and (queue, dates[1]) in seen_dates
        out.setdefault(str(queue), []).append(
            _Day(
                forecast=first["volume"].to_numpy(dtype=float),
                actual=first["offered"].fillna(0.0).to_numpy(dtype=float),
                next_forecast=nxt["volume"].to_numpy(dtype=float)
                if has_next and nxt is not None
                else None,
                next_actual=nxt["offered"].fillna(0.0).to_numpy(dtype=float)
                if has_next and nxt is not None
                else None,
            )
        )
    return out
