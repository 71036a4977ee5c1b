"""Intraday profiles: the share of a day's contacts in each slot, per queue and weekday.

A weekday's own profile is the count-weighted share of each slot over its latest
:data:`PROFILE_WEEKS` ordinary days (holidays, days next to them and missing days left out).
It is shrunk towards the queue's profile pooled over all its opening weekdays (renormalised on
the weekday's open slots) with the James-Stein weight of Weinberg, Brown & Stroud (2007) and
Shen & Huang (2008)'s empirical-Bayes reading of intraday shares::

    w = tau^2 / (tau^2 + s^2 / K)

where ``s^2`` is the day-to-day variance of a slot's share (mean over open slots), ``K`` the
number of days averaged and ``tau^2 = max(d^2 - s^2 / K, 0)`` the part of the squared distance
``d^2`` between the weekday's and the pooled profile that noise does not explain. A weekday
whose shape really differs keeps it; a noisy weekday of a small queue borrows the pooled shape.

A history kept in a zone that is not the site's own (UTC when no timezone was given) moves the
site's opening hours by an hour at each clock change. A day whose whole intraday pattern matches
the latest ordinary days better one hour earlier or later (:func:`clock_shifts`) is moved by that
hour before it shapes a profile, so the profile follows the site's wall clock from the first
days after a change on.

Short intervals of a busy queue (5 minutes) or any interval of a small one hold few contacts, so
the shares are then also smoothed across neighbouring slots with a moving average of
``2 b + 1`` open slots. The half-width ``b`` (0 to :data:`MAX_SMOOTHING_SLOTS`) is chosen per
queue by split-half cross-validation: the profile of every other ordinary day, smoothed, is
scored against the shares of the remaining days, and the other way round.
"""

from __future__ import annotations

import numpy as np

from forecasting.history import PreparedHistory

PROFILE_WEEKS = 8
"""Ordinary days of each weekday (latest first) averaged into its profile."""
MAX_SMOOTHING_SLOTS = 3
"""Largest half-width of the moving average across slots."""
CLOCK_REFERENCE_DAYS = 1
"""Latest ordinary days of a weekday whose mean shares are its reference wall clock."""
CLOCK_MATCH = 0.5
"""A day is moved by an hour only when that at least halves its squared distance to the
reference shares."""


def weekday_profile(
    prepared: PreparedHistory, weeks: int = PROFILE_WEEKS, ordinary: np.ndarray | None = None
) -> np.ndarray:
    """Shrunk intraday shares per (queue, weekday, slot); each open weekday's row sums to 1.

    Parameters
    ----------
    prepared:
        The training history.
    weeks:
        Ordinary days per weekday averaged (and weeks of days pooled).
    ordinary:
        (queue, day) flags of the days to learn from; ``prepared.training`` when None.

    Returns
    -------
    numpy.ndarray
        (queue, 7, slot) shares; zero on closed slots and on weekdays without ordinary days.
    """
    n_queues, _, n_slots = prepared.volume.shape
    profile = np.zeros((n_queues, 7, n_slots))
    daily = prepared.daily
    ordinary = prepared.training if ordinary is None else ordinary
    weekday = prepared.weekday
    for q in range(n_queues):
        volume = aligned_volume(prepared, q)
        opening = int(prepared.open_weekday[q].sum())
        pooled_days = np.flatnonzero(ordinary[q])[-weeks * max(opening, 1) :]
        pooled = np.nan_to_num(volume[pooled_days]).sum(axis=0)
        for w in range(7):
            chosen = np.flatnonzero(ordinary[q] & (weekday == w))[-weeks:]
            open_slots = prepared.open_slot[q, w]
            if chosen.size == 0 or not open_slots.any():
                continue
            counts = volume[chosen]
            own = counts.sum(axis=0) / daily[q, chosen].sum()
            target = np.where(open_slots, pooled, 0.0)
            if target.sum() <= 0:
                profile[q, w] = own
                continue
            target = target / target.sum()
            weight = _shrink_weight(counts, daily[q, chosen], own, target, open_slots)
            blended = weight * own + (1.0 - weight) * target
            profile[q, w] = np.where(open_slots, blended, 0.0) / blended[open_slots].sum()
        width = smoothing_width(prepared, q, weeks, volume, ordinary[q])
        for w in range(7):
            if profile[q, w].sum() > 0:
                profile[q, w] = smooth_shares(profile[q, w], prepared.open_slot[q, w], width)
    return profile


def smooth_shares(shares: np.ndarray, open_slots: np.ndarray, width: int) -> np.ndarray:
    """Moving average of `shares` over ``2 * width + 1`` neighbouring open slots, renormalised
    to sum to 1 over the open slots (closed slots stay 0)."""
    if width <= 0 or not open_slots.any():
        return shares
    kernel = np.ones(2 * width + 1)
    values = np.where(open_slots, shares, 0.0)
    summed = np.convolve(values, kernel, mode="same")
    counted = np.convolve(open_slots.astype(float), kernel, mode="same")
    smoothed = np.where(open_slots, summed / np.maximum(counted, 1.0), 0.0)
    total = smoothed.sum()
    return smoothed / total if total > 0 else shares


def clock_shifts(prepared: PreparedHistory, queue: int) -> np.ndarray:
    """Per day, the slots (one hour, either way, or 0) by which the day's intraday pattern is off
    the wall clock of the latest :data:`CLOCK_REFERENCE_DAYS` ordinary days of its weekday."""
    shifts = np.zeros(prepared.volume.shape[1], dtype=np.int64)
    hour = 60 // prepared.grid.minutes
    ordinary = prepared.training[queue]
    for w in range(7):
        days = np.flatnonzero(ordinary & (prepared.weekday == w))
        if days.size <= CLOCK_REFERENCE_DAYS:
            continue
        shares = np.nan_to_num(prepared.volume[queue, days]) / prepared.daily[queue, days, None]
        reference = shares[-CLOCK_REFERENCE_DAYS:].mean(axis=0)
        here = ((shares - reference) ** 2).sum(axis=1)
        for step in (hour, -hour):
            moved = ((np.roll(shares, -step, axis=1) - reference) ** 2).sum(axis=1)
            better = (moved < CLOCK_MATCH * here) & (shifts[days] == 0)
            shifts[days[better]] = step
    return shifts


def aligned_volume(prepared: PreparedHistory, queue: int) -> np.ndarray:
    """(day, slot) contacts of one queue with each day moved onto the latest wall clock
    (:func:`clock_shifts`); slots moved in from outside the day are 0."""
    volume = prepared.volume[queue].copy()
    shifts = clock_shifts(prepared, queue)
    for day in np.flatnonzero(shifts):
        volume[day] = _moved(volume[day], int(shifts[day]))
    return volume


def _moved(row: np.ndarray, step: int) -> np.ndarray:
    """`row` read `step` slots later (``row[s + step]`` at ``s``), zero-filled at the edge."""
    out = np.zeros_like(row)
    if step > 0:
        out[:-step] = row[step:]
    else:
        out[-step:] = row[:step]
    return out


def smoothing_width(
    prepared: PreparedHistory,
    queue: int,
    weeks: int = PROFILE_WEEKS,
    volume: np.ndarray | None = None,
    ordinary: np.ndarray | None = None,
) -> int:
    """Half-width (0 .. :data:`MAX_SMOOTHING_SLOTS`) of the moving average that best predicts
    held-out shares: each weekday's profile from every other ordinary day, smoothed, against the
    contact-weighted shares of the other days (and the other way round)."""
    ordinary = prepared.training[queue] if ordinary is None else ordinary
    weekday = prepared.weekday
    daily = prepared.daily[queue]
    counts = prepared.volume[queue] if volume is None else volume
    errors = np.zeros(MAX_SMOOTHING_SLOTS + 1)
    for w in range(7):
        chosen = np.flatnonzero(ordinary & (weekday == w))[-weeks:]
        open_slots = prepared.open_slot[queue, w]
        if chosen.size < 2 or not open_slots.any():
            continue
        halves = (chosen[0::2], chosen[1::2])
        for fit, held in (halves, halves[::-1]):
            fitted = counts[fit].sum(axis=0) / daily[fit].sum()
            held_total = daily[held].sum()
            observed = counts[held].sum(axis=0) / held_total
            for width in range(MAX_SMOOTHING_SLOTS + 1):
                guess = smooth_shares(fitted, open_slots, width)
                errors[width] += held_total * float(((guess - observed) ** 2)[open_slots].sum())
    return int(np.argmin(errors)) if errors.any() else 0


def _shrink_weight(
    counts: np.ndarray, totals: np.ndarray, own: np.ndarray, target: np.ndarray, open_slots
) -> float:
    """James-Stein weight of a weekday's own shares against the pooled target."""
    k = counts.shape[0]
    if k >= 2:
        shares = counts / totals[:, None]
        noise = float(shares.var(axis=0, ddof=1)[open_slots].mean())
    else:
        noise = float((own * (1 - own) / totals.sum())[open_slots].mean())
    distance = float(((own - target) ** 2)[open_slots].mean())
    signal = max(distance - noise / k, 0.0)
    total = signal + noise / k
    return signal / total if total > 0 else 1.0
