"""Weekly totals of an interval history, cleaned for long-range forecasting.

A long-range model sees one number per queue and local week (Monday to Sunday): the contacts of
a *normal* week. Three things make an observed week abnormal, and each is taken out here, once:

* **Missing days** (export gaps, outages: NaN in :class:`~forecasting.history.PreparedHistory`)
  leave a week short. The normal week is the ratio estimate
  ``sum(observed days) / sum(their weekday shares)``: Monday to Thursday of a week whose Friday
  is missing stand for the whole week by the share the weekday pattern gives them. A week is
  unknown (NaN) when its observed days carry less than :data:`MIN_WEEK_SHARE` of the week.
* **Public holidays** on a day the queue opens move volume as well as remove it (callers phone
  the day after), so a holiday week is not a normal week: it is left unknown, and its neighbours
  interpolate it. Two numbers describe holidays instead: the *holiday factor* (the holiday's own
  volume as a share of a normal day of its weekday) and the *carry-over* (the share of the
  volume lost on the holiday that the week's other days receive), measured on the holiday
  weeks of the history.
* **Known events** (a mailing, a price change, an outage) multiply a queue's daily volume and
  handle time by a factor; their days are divided by it before the week is estimated, and the
  forecast multiplies them back in the future.

The weekday shares come from the latest weeks. The holiday factor is 0 for a queue the history
shows closed on holidays and 1 (a normal day, the cautious assumption for staffing) when the
history holds no holiday; the carry-over is 0 when no complete holiday week was seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from forecasting.history import PreparedHistory, weekday_of

MIN_WEEK_SHARE = 0.5
"""A week is estimated only when its observed normal days carry at least this share of it."""
SHARE_WEEKS = 8
"""Latest weeks whose days set each weekday's share of the week."""


@dataclass(frozen=True)
class Event:
    """A known event: from `start` to `end` (local dates, inclusive) a queue's daily volume and
    handle time are multiplied by `volume_factor` and `aht_factor`.

    Attributes
    ----------
    name:
        What it is (shown in reports).
    start, end:
        First and last local date.
    queue:
        The queue it affects; None for every queue.
    volume_factor:
        Multiplier of the day's contacts (>= 0; 0 closes the queue).
    aht_factor:
        Multiplier of the day's handle time (> 0).
    """

    name: str
    start: dt.date
    end: dt.date
    queue: str | None = None
    volume_factor: float = 1.0
    aht_factor: float = 1.0


def event_factors(
    events: Sequence[Event], queues: Sequence[str], days: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Volume and handle-time multipliers per (queue, day) of the events (1 where none).

    Parameters
    ----------
    events:
        Known events; overlapping ones multiply.
    queues:
        Queue names of the first axis.
    days:
        Local days (``datetime64[D]``) of the second axis.

    Returns
    -------
    tuple of numpy.ndarray
        (volume factor, handle-time factor), each of shape (queue, day).
    """
    days = np.asarray(days, dtype="datetime64[D]")
    volume = np.ones((len(queues), days.size))
    aht = np.ones((len(queues), days.size))
    for event in events:
        inside = (days >= np.datetime64(event.start, "D")) & (days <= np.datetime64(event.end, "D"))
        rows = [i for i, q in enumerate(queues) if event.queue is None or event.queue == q]
        for i in rows:
            volume[i, inside] *= event.volume_factor
            aht[i, inside] *= event.aht_factor
    return volume, aht


def monday_of(days: np.ndarray) -> np.ndarray:
    """The Monday starting the local week of each day (``datetime64[D]``)."""
    days = np.asarray(days, dtype="datetime64[D]")
    return days - weekday_of(days).astype("timedelta64[D]")


@dataclass
class WeeklyHistory:
    """Weekly totals per queue, cleaned of gaps, holidays and events (see the module docstring).

    Attributes
    ----------
    queues:
        Queue names of the first axis.
    first_week:
        Monday (``datetime64[D]``) of the first week on the second axis.
    clean:
        Contacts of a normal week per (queue, week); NaN where unknown.
    actual:
        Contacts counted per (queue, week) on its observed days (a closed holiday counts 0).
    complete:
        (queue, week) flags: every day the queue opens was observed, so `actual` is the week.
    aht:
        Contact-weighted mean handle time in seconds per (queue, week), events taken out; NaN
        where unknown.
    weekday_share:
        Each weekday's share of a normal week per queue (rows sum to 1; 0 on closed weekdays).
    holiday_factor:
        A public holiday's volume as a share of a normal day of its weekday, per queue.
    carry_over:
        Share of the volume lost on a holiday that the other days of its week receive, per
        queue (0..1).
    """

    queues: list[str]
    first_week: np.datetime64
    clean: np.ndarray
    actual: np.ndarray
    complete: np.ndarray
    aht: np.ndarray
    weekday_share: np.ndarray
    holiday_factor: np.ndarray
    carry_over: np.ndarray

    @property
    def week_starts(self) -> np.ndarray:
        """Monday of every week on the second axis (``datetime64[D]``)."""
        return self.first_week + 7 * np.arange(self.clean.shape[1])

    def known_span(self, queue: int) -> slice:
        """Weeks from the queue's first to its last known (non-NaN) normal week."""
        known = np.flatnonzero(~np.isnan(self.clean[queue]))
        if known.size == 0:
            return slice(0, 0)
        return slice(int(known[0]), int(known[-1]) + 1)


def fill_gaps(values: np.ndarray) -> np.ndarray:
    """A positive series with its NaNs filled by linear interpolation on the log scale (flat
    beyond the first and last known values); all-NaN stays NaN."""
    out = np.asarray(values, dtype=float).copy()
    known = np.flatnonzero(np.isfinite(out) & (out > 0))
    if known.size == 0:
        return out
    return np.exp(np.interp(np.arange(out.size), known, np.log(out[known])))


def _weekday_share(daily: np.ndarray, reference: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """(queue, 7) shares from the mean normal-day total of each weekday, latest weeks first."""
    n_queues, n_days = daily.shape
    recent = np.arange(n_days) >= n_days - 7 * SHARE_WEEKS
    means = np.zeros((n_queues, 7))
    for w in range(7):
        on_w = weekday == w
        for window in (recent & on_w, on_w):
            use = reference & window[None, :]
            count = use.sum(axis=1)
            total = np.where(use, daily, 0.0).sum(axis=1)
            fill = (means[:, w] == 0) & (count > 0)
            means[fill, w] = total[fill] / count[fill]
    sums = means.sum(axis=1, keepdims=True)
    return np.divide(means, sums, out=np.zeros_like(means), where=sums > 0)


def weekly_history(prepared: PreparedHistory, events: Sequence[Event] = ()) -> WeeklyHistory:
    """Clean weekly totals of a prepared interval history.

    Parameters
    ----------
    prepared:
        The history on its local grid (see :func:`forecasting.history.prepare_history`); its
        country decides the public holidays.
    events:
        Known events inside the history, divided out of their days.

    Returns
    -------
    WeeklyHistory
    """
    days = prepared.days
    weekday = prepared.weekday
    n_queues = len(prepared.queues)
    observed = prepared.observed
    closed_holiday = prepared.holiday[None, :] & prepared.closed_on_holidays[:, None]
    daily_raw = np.where(observed, np.nansum(prepared.volume, axis=2), np.nan)
    volume_factor, aht_factor = event_factors(events, prepared.queues, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily = np.where(volume_factor > 0, daily_raw / volume_factor, np.nan)
    reference = prepared.reference & ~np.isnan(daily)
    first_week = monday_of(days[:1])[0]
    week = ((days - first_week).astype(np.int64) // 7).astype(np.int64)
    n_weeks = int(week[-1]) + 1
    # The days around a holiday carry its callers: holiday weeks do not set the weekday shares.
    open_holiday = prepared.holiday[None, :] & prepared.open_weekday[:, weekday]
    holiday_week = np.zeros((n_queues, n_weeks), dtype=bool)
    np.logical_or.at(holiday_week.T, week, open_holiday.T)
    usual = np.asarray(reference & ~holiday_week[:, week], dtype=bool)
    has_usual = np.asarray(usual.any(axis=1), dtype=bool)[:, None]
    share = _weekday_share(np.nan_to_num(daily), np.where(has_usual, usual, reference), weekday)
    share = np.where(prepared.open_weekday, share, 0.0)
    share_sum = share.sum(axis=1, keepdims=True)
    share = np.divide(share, share_sum, out=np.zeros_like(share), where=share_sum > 0)
    day_share = share[:, weekday]
    covered = np.zeros((n_queues, n_weeks))
    summed = np.zeros((n_queues, n_weeks))
    np.add.at(covered.T, week, np.where(reference, day_share, 0.0).T)
    np.add.at(summed.T, week, np.where(reference, daily, 0.0).T)
    clean = np.divide(summed, covered, out=np.full_like(summed, np.nan), where=covered > 0)
    clean = np.where(covered >= MIN_WEEK_SHARE - 1e-9, clean, np.nan)
    on_holiday = prepared.holiday[None, :] & (day_share > 0)
    holiday_share = np.zeros((n_queues, n_weeks))
    np.add.at(holiday_share.T, week, np.where(on_holiday, day_share, 0.0).T)
    clean = np.where(holiday_share > 0, np.nan, clean)

    counted = observed | closed_holiday
    actual = np.zeros((n_queues, n_weeks))
    np.add.at(actual.T, week, np.where(observed, np.nan_to_num(daily_raw), 0.0).T)
    missing = (day_share > 0) & ~counted
    gaps = np.zeros((n_queues, n_weeks))
    np.add.at(gaps.T, week, missing.T.astype(float))
    # A first or last week the history holds only part of is complete only if the days it
    # lacks are days the queue does not open.
    present = np.zeros((n_queues, n_weeks))
    np.add.at(present.T, week, day_share.T)
    complete = (gaps == 0) & (present > 1.0 - 1e-9)

    normal = np.vstack([fill_gaps(row) for row in clean]) if n_queues else clean
    holiday_factor, carry_over = _holiday_effects(
        prepared, daily, normal, actual, complete, holiday_share, day_share, week, on_holiday
    )

    volume = np.nan_to_num(prepared.volume, nan=0.0)
    aht = prepared.aht / aht_factor[:, :, None]
    known = observed[:, :, None] & ~np.isnan(aht) & (volume > 0)
    seconds = np.where(known, np.nan_to_num(aht) * volume, 0.0).sum(axis=2)
    weight = np.where(known, volume, 0.0).sum(axis=2)
    week_seconds = np.zeros((n_queues, n_weeks))
    week_weight = np.zeros((n_queues, n_weeks))
    np.add.at(week_seconds.T, week, seconds.T)
    np.add.at(week_weight.T, week, weight.T)
    weekly_aht = np.divide(
        week_seconds, week_weight, out=np.full_like(week_seconds, np.nan), where=week_weight > 0
    )
    return WeeklyHistory(
        queues=list(prepared.queues),
        first_week=first_week,
        clean=clean,
        actual=actual,
        complete=complete,
        aht=weekly_aht,
        weekday_share=share,
        holiday_factor=holiday_factor,
        carry_over=carry_over,
    )


def _holiday_effects(
    prepared: PreparedHistory,
    daily: np.ndarray,
    normal: np.ndarray,
    actual: np.ndarray,
    complete: np.ndarray,
    holiday_share: np.ndarray,
    day_share: np.ndarray,
    week: np.ndarray,
    on_holiday: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Holiday factor and carry-over per queue (see the module docstring)."""
    n_queues = len(prepared.queues)
    holiday_factor = np.ones(n_queues)
    carry_over = np.zeros(n_queues)
    expected = normal[:, week] * day_share
    seen = on_holiday & prepared.observed & (expected > 0)
    for q in range(n_queues):
        if prepared.closed_on_holidays[q]:
            holiday_factor[q] = 0.0
        elif seen[q].any():
            ratios = daily[q, seen[q]] / expected[q, seen[q]]
            ratios = ratios[np.isfinite(ratios)]
            if ratios.size:
                holiday_factor[q] = float(np.clip(ratios.mean(), 0.0, 1.5))
        lost = holiday_share[q] * (1.0 - holiday_factor[q])
        weeks = np.flatnonzero(complete[q] & (lost > 0.02) & (normal[q] > 0))
        if weeks.size:
            kept = actual[q, weeks] / normal[q, weeks]
            carry_over[q] = float(np.clip(np.mean(1.0 - (1.0 - kept) / lost[weeks]), 0.0, 1.0))
    return holiday_factor, carry_over
