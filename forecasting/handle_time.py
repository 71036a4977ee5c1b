"""Handle-time forecast per (queue, weekday, slot): an unbiased queue mean times a shrunk shape.

The queue's level is the contact-weighted mean handle time (total seconds / total contacts) of
its latest :data:`AHT_LEVEL_WEEKS` weeks of ordinary days, so a forecast week's
volume-weighted mean handle time is unbiased for the queue (a median, or a mean of interval
means, runs low on the skewed handle times of real centres). The shape is the ratio of each
(weekday, slot)'s contact-weighted mean over :data:`AHT_SHAPE_WEEKS` weeks to the queue mean,
shrunk towards 1 by :data:`AHT_SHRINK_CONTACTS` pseudo-contacts and rescaled so that its
volume-weighted mean is exactly 1 (the shape moves handle time within the week, never its
level).
"""

from __future__ import annotations

import numpy as np

from forecasting.history import PreparedHistory

AHT_LEVEL_WEEKS = 4
"""Recent weeks behind each queue's mean handle time."""
AHT_SHAPE_WEEKS = 8
"""Weeks behind the (weekday, slot) shape."""
AHT_SHRINK_CONTACTS = 30.0
"""Pseudo-contacts at the queue mean added to every (weekday, slot) of the shape."""


def handle_time_forecast(prepared: PreparedHistory) -> np.ndarray:
    """Forecast handle time in seconds per (queue, weekday, slot).

    Parameters
    ----------
    prepared:
        The training history (``aht`` in seconds, ``volume`` in contacts per interval).

    Returns
    -------
    numpy.ndarray
        (queue, 7, slot) seconds; NaN for a queue without any handle time.
    """
    n_queues, n_days, n_slots = prepared.volume.shape
    volume = np.nan_to_num(prepared.volume, nan=0.0)
    known = ~np.isnan(prepared.aht) & (volume > 0) & prepared.observed[:, :, None]
    ordinary = known & ~prepared.holiday[None, :, None]
    weight = np.where(ordinary, volume, 0.0)
    seconds = np.where(ordinary, np.nan_to_num(prepared.aht) * volume, 0.0)
    positions = np.arange(n_days)
    level_days = positions >= _start_of_recent(weight, AHT_LEVEL_WEEKS)
    shape_days = positions >= n_days - 7 * AHT_SHAPE_WEEKS
    weekday = prepared.weekday
    out = np.full((n_queues, 7, n_slots), np.nan)
    for q in range(n_queues):
        recent = level_days[q]
        contacts = weight[q, recent].sum()
        if contacts <= 0:
            contacts = weight[q].sum()
            recent = np.ones(n_days, dtype=bool)
        if contacts <= 0:
            continue
        mean = seconds[q, recent].sum() / contacts
        num = np.zeros((7, n_slots))
        den = np.zeros((7, n_slots))
        for w in range(7):
            chosen = shape_days & (weekday == w)
            num[w] = seconds[q, chosen].sum(axis=0)
            den[w] = weight[q, chosen].sum(axis=0)
        shape_mean = num.sum() / den.sum() if den.sum() > 0 else mean
        ratio = (num / shape_mean + AHT_SHRINK_CONTACTS) / (den + AHT_SHRINK_CONTACTS)
        balance = (ratio * den).sum() / den.sum() if den.sum() > 0 else 1.0
        out[q] = mean * ratio / balance
    return out


def _start_of_recent(weight: np.ndarray, weeks: int) -> np.ndarray:
    """Per queue, the first day of its latest `weeks` weeks that have handle times."""
    has_data = weight.sum(axis=2) > 0
    n_days = weight.shape[1]
    last = np.where(has_data.any(axis=1), n_days - 1 - has_data[:, ::-1].argmax(axis=1), n_days)
    return (last - 7 * weeks + 1)[:, None]
