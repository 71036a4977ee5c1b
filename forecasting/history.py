"""Interval history prepared for forecasting: one (queue, local day, time-of-day slot) cube.

The real calendar is decided here, once, for every model and every queue:

* **Closed intervals.** An interval absent from the history inside a day that has data is a
  zero (DESIGN.md: an absent interval means no contacts arrived).
* **Closed days.** A whole day absent on a weekday the queue usually does not open (weekends
  for a bank) is a zero day.
* **Missing days.** A whole day absent on a weekday the queue usually opens (present on at least
  half of those weekdays) and not a public holiday is a *data gap* (an export gap, an outage):
  its volume is NaN, it is never a training target and it is listed in
  :attr:`PreparedHistory.missing_days`. The exception is a small queue (a typical day of fewer
  than :data:`MISSING_MIN_CONTACTS` contacts) on a day the rest of the site has data: no
  contact at all is then plausible, and the day is a zero.
* **Public holidays** (``holidays`` package, country configurable) are flagged and known by
  name. A holiday on one of the queue's opening weekdays that is absent from the history (or
  has no contacts) is a *closed holiday*; a future holiday is forecast closed only when the
  latest occurrence of *that* holiday (same name) was closed. A holiday never seen, or seen
  open, is forecast open (see :meth:`PreparedHistory.holiday_status`).
* **Unusual days.** Holidays, missing days and the opening days right before and after them
  (the day after a closure catches up, the day before may empty early) are left out of the
  weekly profiles and level estimates: :attr:`PreparedHistory.training` flags the days that
  are.
* **DST.** Days are local calendar days and slots are local wall-clock times of day, so "the same
  interval last week" is the same wall-clock time seven local days earlier. The repeated hour of
  a fall-back day holds the mean of its two intervals; the skipped hour of a spring-forward day
  holds zero and is never asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import DEFAULT_INTERVAL_MINUTES
from forecasting.features_calendar import holiday_mask, holiday_names

OPEN_WEEKDAY_SHARE = 0.5
"""A weekday is an opening day of a queue when it has volume on at least this share of weeks."""
OPEN_SLOT_WEEKS = 8
"""Opening hours are read from the latest this-many weeks of each weekday."""
MISSING_MIN_CONTACTS = 5.0
"""A queue whose typical day (median) on a weekday has fewer contacts than this may have a day
without any contact while the rest of the site has data: that day is a zero, not missing (the
chance of no contact at all is then above 0.7 %, Poisson)."""


@dataclass(frozen=True)
class Grid:
    """The local-time interval grid of a history: zone, interval length and slots per day."""

    tz: str
    minutes: int

    @property
    def slots(self) -> int:
        """Number of wall-clock slots in a 24-hour day."""
        return 24 * 60 // self.minutes

    @property
    def freq(self) -> pd.Timedelta:
        """The interval length."""
        return pd.Timedelta(minutes=self.minutes)

    def locate(self, instants: pd.Series | pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Local calendar day (``datetime64[D]``) and wall-clock slot index of each instant."""
        index = pd.DatetimeIndex(instants).tz_convert(self.tz)
        wall = index.tz_localize(None)
        days = wall.to_numpy().astype("datetime64[D]")
        slots = ((wall.hour * 60 + wall.minute) // self.minutes).to_numpy()
        return days, slots.astype(np.int64)

    def instants(self, start: pd.Timestamp, periods: int) -> pd.DatetimeIndex:
        """`periods` consecutive interval starts from `start`, in the grid's zone."""
        return pd.date_range(start.tz_convert(self.tz), periods=periods, freq=self.freq)


@dataclass
class PreparedHistory:
    """A history on the full local grid, for many queues at once (its arrays are read-only by
    convention: derived values are cached).

    Attributes
    ----------
    grid:
        Zone and interval length.
    queues:
        Queue names, in the order of the first axis of every array.
    start_day:
        First local calendar day (``numpy.datetime64``, unit D) of the second axis.
    volume:
        Contacts offered per (queue, day, slot); NaN on missing days, absent holidays and days
        outside the queue's own span.
    aht:
        Mean handle time in seconds per (queue, day, slot); NaN where unknown.
    holiday:
        Public holiday flag per day.
    country:
        Country code used for the holidays (None: no holidays).
    holiday_name:
        Name of each day's holiday ("" on other days); "(observed)" days carry the holiday's name.
    open_weekday:
        (queue, weekday) flags: the queue opens on that weekday.
    open_slot:
        (queue, weekday, slot) flags: the slot has had contacts in the latest weeks.
    missing:
        (queue, day) flags of missing days (see the module docstring).
    closed_holiday:
        (queue, day) flags of holidays on opening weekdays without any contact.
    closed_on_holidays:
        (queue,) flags: the queue was closed on at least one past holiday.
    adjacent:
        (queue, day) flags of opening days right before or after a holiday or a missing day.
    """

    grid: Grid
    queues: list[str]
    start_day: np.datetime64
    volume: np.ndarray
    aht: np.ndarray
    holiday: np.ndarray
    country: str | None = None
    holiday_name: np.ndarray = field(init=False)
    open_weekday: np.ndarray = field(init=False)
    open_slot: np.ndarray = field(init=False)
    missing: np.ndarray = field(init=False)
    closed_holiday: np.ndarray = field(init=False)
    closed_on_holidays: np.ndarray = field(init=False)
    adjacent: np.ndarray = field(init=False)
    holiday_closed_: list[dict[str, bool]] = field(init=False)

    def __post_init__(self) -> None:
        self._derive_calendar()

    @property
    def days(self) -> np.ndarray:
        """Local calendar days of the second axis (``datetime64[D]``)."""
        return self.start_day + np.arange(self.volume.shape[1])

    @property
    def weekday(self) -> np.ndarray:
        """Weekday of each day (Monday 0 .. Sunday 6)."""
        return weekday_of(self.days)

    @property
    def observed(self) -> np.ndarray:
        """(queue, day) flags: the day's volume is known (not a gap) and may be a target."""
        return ~np.isnan(self.volume[:, :, 0])

    @property
    def reference(self) -> np.ndarray:
        """(queue, day) flags: observed and not a public holiday; used by the seasonal baselines."""
        return self.observed & ~self.holiday[None, :]

    @cached_property
    def daily(self) -> np.ndarray:
        """(queue, day) contacts per day (NaN on unobserved days)."""
        totals = np.nansum(self.volume, axis=2)
        return np.where(self.observed, totals, np.nan)

    @cached_property
    def training(self) -> np.ndarray:
        """(queue, day) flags of ordinary days: observed opening days with contacts that are
        neither holidays nor next to a holiday or a missing day. Profiles and levels use only
        these."""
        opening = self.open_weekday[:, self.weekday]
        busy = np.nan_to_num(self.daily) > 0
        return self.observed & opening & busy & ~self.holiday[None, :] & ~self.adjacent

    @property
    def missing_days(self) -> dict[str, list[dt.date]]:
        """Missing days (data gaps skipped by every model) of each queue, as local dates."""
        days = self.days
        return {
            queue: [d.item() for d in days[self.missing[q]]] for q, queue in enumerate(self.queues)
        }

    def holiday_status(self, days: np.ndarray) -> dict[str, np.ndarray]:
        """How each queue treats the public holidays among `days` (``datetime64[D]``).

        Returns
        -------
        dict
            (queue, len(days)) flags: ``closed`` (the latest occurrence of that holiday was
            closed), ``seen_open`` (it was open), ``unseen`` (a holiday on an opening weekday
            the queue has never met; forecast open with a wider band) and ``adjacent`` (an
            opening day right before or after a holiday of the queue's opening weekdays).
        """
        days = np.asarray(days, dtype="datetime64[D]")
        names = holiday_names(days, self.country)
        n_queues = len(self.queues)
        closed = np.zeros((n_queues, days.size), dtype=bool)
        seen_open = np.zeros_like(closed)
        unseen = np.zeros_like(closed)
        opening = self.open_weekday[:, weekday_of(days)]
        for q in range(n_queues):
            history = self.holiday_closed_[q]
            for i, name in enumerate(names):
                if not name or not opening[q, i]:
                    continue
                if name not in history:
                    unseen[q, i] = True
                elif history[name]:
                    closed[q, i] = True
                else:
                    seen_open[q, i] = True
        return {
            "closed": closed,
            "seen_open": seen_open,
            "unseen": unseen,
            "adjacent": self._adjacent_to_holidays(days),
        }

    def _adjacent_to_holidays(self, days: np.ndarray) -> np.ndarray:
        """(queue, day) flags: the previous or next opening weekday is a holiday."""
        out = np.zeros((len(self.queues), days.size), dtype=bool)
        if self.country is None or days.size == 0:
            return out
        around = np.arange(days.min() - 7, days.max() + 8, dtype="datetime64[D]")
        on_holiday = holiday_mask(around, self.country)
        weekday = weekday_of(around)
        for q in range(len(self.queues)):
            opening = self.open_weekday[q][weekday]
            marks = _neighbours_of(on_holiday & opening, opening)
            out[q] = marks[(days - around[0]).astype(np.int64)]
        return out

    def day_index(self, days: np.ndarray) -> np.ndarray:
        """Position of each calendar day on the second axis (may be negative or past the end)."""
        return (days - self.start_day).astype(np.int64)

    def until(self, end_day: np.datetime64) -> PreparedHistory:
        """The history restricted to days before `end_day` (calendar re-derived)."""
        stop = int((end_day - self.start_day).astype(np.int64))
        stop = max(1, min(stop, self.volume.shape[1]))
        return PreparedHistory(
            grid=self.grid,
            queues=list(self.queues),
            start_day=self.start_day,
            volume=self.volume[:, :stop].copy(),
            aht=self.aht[:, :stop].copy(),
            holiday=self.holiday[:stop].copy(),
            country=self.country,
        )

    def _derive_calendar(self) -> None:
        n_queues, n_days, n_slots = self.volume.shape
        weekday = self.weekday
        daily = np.nansum(self.volume, axis=2)
        active = self.observed & (daily > 0)
        self.open_weekday = np.zeros((n_queues, 7), dtype=bool)
        self.open_slot = np.zeros((n_queues, 7, n_slots), dtype=bool)
        observed = self.observed
        first = observed.argmax(axis=1)
        last = n_days - 1 - observed[:, ::-1].argmax(axis=1)
        positions = np.arange(n_days)
        in_span = (positions[None, :] >= first[:, None]) & (positions[None, :] <= last[:, None])
        for w in range(7):
            on_w = weekday == w
            if not on_w.any():
                continue
            weeks = active[:, on_w].sum(axis=1)
            span_days = in_span[:, on_w].sum(axis=1)
            self.open_weekday[:, w] = weeks >= OPEN_WEEKDAY_SHARE * np.maximum(span_days, 1)
            recent = np.flatnonzero(on_w)[-OPEN_SLOT_WEEKS:]
            block = np.nan_to_num(self.volume[:, recent, :], nan=0.0)
            self.open_slot[:, w, :] = (block > 0).any(axis=1)
        self.open_slot &= self.open_weekday[:, :, None]
        self.holiday_name = holiday_names(self.days, self.country)
        opening = self.open_weekday[:, weekday] & in_span
        quiet = ~self.observed | (daily <= 0)
        self.missing = opening & ~self.observed & ~self.holiday[None, :]
        self.closed_holiday = opening & self.holiday[None, :] & quiet
        self.closed_on_holidays = np.asarray(self.closed_holiday.any(axis=1))
        self.holiday_closed_ = []
        for q in range(n_queues):
            latest: dict[str, bool] = {}
            for i in np.flatnonzero(opening[q] & self.holiday):
                latest[str(self.holiday_name[i])] = bool(self.closed_holiday[q, i])
            self.holiday_closed_.append(latest)
        unusual = (opening & self.holiday[None, :]) | self.missing
        self.adjacent = np.zeros((n_queues, n_days), dtype=bool)
        for q in range(n_queues):
            self.adjacent[q] = _neighbours_of(unusual[q], self.open_weekday[q][weekday])


def _neighbours_of(unusual: np.ndarray, opening: np.ndarray) -> np.ndarray:
    """Flags of the opening days right before and after each unusual day (that are not
    unusual themselves); days are consecutive calendar days."""
    positions = np.flatnonzero(opening | unusual)
    marks = np.zeros(unusual.shape, dtype=bool)
    flags = unusual[positions]
    before = np.zeros(positions.size, dtype=bool)
    before[:-1] = flags[1:]
    after = np.zeros(positions.size, dtype=bool)
    after[1:] = flags[:-1]
    marks[positions[(before | after) & ~flags]] = True
    return marks & opening


def _typical_day(prepared: PreparedHistory) -> np.ndarray:
    """(queue, weekday) median contacts of the observed days of each weekday (0 when none)."""
    daily = prepared.daily
    weekday = prepared.weekday
    out = np.zeros((len(prepared.queues), 7))
    for w in range(7):
        block = daily[:, weekday == w]
        if block.size:
            seen = ~np.isnan(block)
            for q in np.flatnonzero(seen.any(axis=1)):
                out[q, w] = float(np.median(block[q, seen[q]]))
    return out


def weekday_of(days: np.ndarray) -> np.ndarray:
    """Weekday (Monday 0 .. Sunday 6) of ``datetime64[D]`` days."""
    return ((days.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(np.int64)


def validate_history(history: pd.DataFrame) -> pd.DataFrame:
    """Check an interval history and return its forecasting columns.

    Raises
    ------
    InvalidInput
        Listing every broken row: missing columns, naive or missing ``interval_start``, missing
        queue, negative or non-numeric ``offered``, negative ``aht_s``, duplicate intervals.
    """
    missing = [c for c in ("queue", "interval_start", "offered") if c not in history.columns]
    if missing:
        raise InvalidInput(
            f"history lacks column(s) {', '.join(missing)}",
            [FieldError(None, c, "required column of an interval history") for c in missing],
        )
    if history.empty:
        raise InvalidInput(
            "history has no rows", [FieldError(None, "interval_start", "need at least one row")]
        )
    starts = history["interval_start"]
    if not isinstance(starts.dtype, pd.DatetimeTZDtype):
        raise InvalidInput(
            "history interval_start must be timezone-aware timestamps",
            [FieldError(None, "interval_start", "must be tz-aware", str(starts.dtype))],
        )
    errors: list[FieldError] = []
    offered = pd.to_numeric(history["offered"], errors="coerce")
    positions = np.arange(len(history))
    for row in positions[starts.isna().to_numpy()]:
        errors.append(FieldError(int(row), "interval_start", "must be a timestamp", None))
    for row in positions[history["queue"].isna().to_numpy()]:
        errors.append(FieldError(int(row), "queue", "must be a queue name", None))
    bad_offered = (offered.isna() | (offered < 0)).to_numpy()
    for row in positions[bad_offered]:
        value = history["offered"].iloc[int(row)]
        errors.append(FieldError(int(row), "offered", "must be a number >= 0", value))
    aht = None
    if "aht_s" in history.columns:
        aht = pd.to_numeric(history["aht_s"], errors="coerce")
        for row in positions[(aht < 0).to_numpy()]:
            errors.append(FieldError(int(row), "aht_s", "must be >= 0 seconds", aht.iloc[row]))
    duplicated = history.duplicated(["queue", "interval_start"]).to_numpy()
    for row in positions[duplicated]:
        errors.append(
            FieldError(int(row), "interval_start", "duplicate (queue, interval)", starts.iloc[row])
        )
    if errors:
        raise InvalidInput(f"history has {len(errors)} invalid value(s)", errors)
    return pd.DataFrame(
        {
            "queue": history["queue"].astype(str).reset_index(drop=True),
            "interval_start": starts.reset_index(drop=True),
            "offered": offered.astype(float).reset_index(drop=True),
            "aht_s": np.nan if aht is None else aht.astype(float).reset_index(drop=True),
        }
    )


def prepare_history(
    history: pd.DataFrame, *, country: str | None = None, minutes: int | None = None
) -> PreparedHistory:
    """Put an interval history on the full local grid (see the module docstring for the rules).

    Parameters
    ----------
    history:
        Interval history (``queue``, tz-aware ``interval_start``, ``offered`` in contacts per
        interval, optional ``aht_s`` in seconds).
    country:
        ISO country code for public holidays (``holidays`` package); None for none.
    minutes:
        Interval length in minutes; inferred from the spacing when None.

    Returns
    -------
    PreparedHistory
    """
    clean = validate_history(history)
    tz = str(clean["interval_start"].dt.tz)
    grid = Grid(
        tz=tz,
        minutes=minutes or infer_interval_minutes(clean, default=DEFAULT_INTERVAL_MINUTES),
    )
    days, slots = grid.locate(clean["interval_start"])
    misaligned = pd.DatetimeIndex(clean["interval_start"]).tz_convert(tz).minute % grid.minutes != 0
    if misaligned.any():
        rows = np.flatnonzero(misaligned)[:50]
        raise InvalidInput(
            f"history has intervals not aligned on {grid.minutes}-minute local boundaries",
            [
                FieldError(int(r), "interval_start", "must start on the local grid", None)
                for r in rows
            ],
        )
    queues = sorted(clean["queue"].unique().tolist())
    q_index = pd.Index(queues).get_indexer(clean["queue"])
    start_day = days.min()
    n_days = int((days.max() - start_day).astype(np.int64)) + 1
    d_index = (days - start_day).astype(np.int64)
    shape = (len(queues), n_days, grid.slots)
    total = np.zeros(shape)
    count = np.zeros(shape)
    np.add.at(total, (q_index, d_index, slots), clean["offered"].to_numpy())
    np.add.at(count, (q_index, d_index, slots), 1.0)
    volume = np.divide(total, count, out=np.zeros(shape), where=count > 0)
    aht_values = clean["aht_s"].to_numpy()
    has_aht = ~np.isnan(aht_values)
    aht_total = np.zeros(shape)
    aht_count = np.zeros(shape)
    np.add.at(aht_total, (q_index[has_aht], d_index[has_aht], slots[has_aht]), aht_values[has_aht])
    np.add.at(aht_count, (q_index[has_aht], d_index[has_aht], slots[has_aht]), 1.0)
    aht = np.divide(aht_total, aht_count, out=np.full(shape, np.nan), where=aht_count > 0)

    present = count.sum(axis=2) > 0
    all_days = start_day + np.arange(n_days)
    holiday = holiday_mask(all_days, country)
    first = present.argmax(axis=1)
    last = n_days - 1 - present[:, ::-1].argmax(axis=1)
    positions = np.arange(n_days)
    in_span = (positions[None, :] >= first[:, None]) & (positions[None, :] <= last[:, None])
    # Open weekdays are judged on present days only; absent days are then split into closed
    # days (zero) and gaps (NaN) with that pattern.
    probe = PreparedHistory(
        grid=grid,
        queues=queues,
        start_day=start_day,
        volume=np.where((present & in_span)[:, :, None], volume, np.nan),
        aht=aht,
        holiday=holiday,
        country=country,
    )
    weekday = weekday_of(all_days)
    expected = probe.open_weekday[:, weekday]
    typical = _typical_day(probe)[:, weekday]
    site_absent = ~present.any(axis=0)
    # A small queue may well get no contact on a day the site has data: that day is a zero.
    gap = ~present & (expected | holiday[None, :])
    gap &= site_absent[None, :] | (typical >= MISSING_MIN_CONTACTS)
    keep = in_span & ~gap
    volume = np.where(keep[:, :, None], volume, np.nan)
    return PreparedHistory(
        grid=grid,
        queues=queues,
        start_day=start_day,
        volume=volume,
        aht=aht,
        holiday=holiday,
        country=country,
    )
