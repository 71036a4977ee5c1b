"""Interval history prepared for forecasting: one (queue, local day, time-of-day slot) cube.

The real calendar is decided here, once, for every model:

* **Closed intervals.** An interval absent from the history inside a day that has data is a
  zero (DESIGN.md: an absent interval means no contacts arrived).
* **Closed days.** A whole day absent on a weekday the queue usually does not open (weekends
  for a bank) is a zero day.
* **Missing days.** A whole day absent on a weekday the queue usually opens (present on at least
  half of those weekdays) is a *data gap*: its volume is NaN and it is never a training target.
* **Public holidays** (``holidays`` package, country configurable) are flagged; they are left
  out of weekly profiles. A holiday absent from the history is NaN like a missing day; when
  every past holiday on an open weekday was absent or empty, the queue is *closed on holidays*
  and forecasts for future holidays are zero.
* **DST.** Days are local calendar days and slots are local wall-clock times of day, so "the same
  interval last week" is the same wall-clock time seven local days earlier. The repeated hour of
  a fall-back day holds the mean of its two intervals; the skipped hour of a spring-forward day
  holds zero and is never asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from features.calendar import infer_interval_minutes
from features.errors import FieldError, InvalidInput
from features.schema import DEFAULT_INTERVAL_MINUTES
from forecasting.features_calendar import holiday_mask

OPEN_WEEKDAY_SHARE = 0.5
"""A weekday is an opening day of a queue when it has volume on at least this share of weeks."""
OPEN_SLOT_WEEKS = 8
"""Opening hours are read from the latest this-many weeks of each weekday."""


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
    """A history on the full local grid, for many queues at once.

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
    """

    grid: Grid
    queues: list[str]
    start_day: np.datetime64
    volume: np.ndarray
    aht: np.ndarray
    holiday: np.ndarray
    country: str | None = None
    open_weekday: np.ndarray = field(init=False)
    open_slot: np.ndarray = field(init=False)
    closed_on_holidays: np.ndarray = field(init=False)

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
        """(queue, day) flags: observed and not a public holiday; used for weekly profiles."""
        return self.observed & ~self.holiday[None, :]

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
        on_open = self.open_weekday[:, weekday] & self.holiday[None, :]
        holiday_busy = (on_open & active).sum(axis=1)
        self.closed_on_holidays = (on_open.sum(axis=1) > 0) & (holiday_busy == 0)


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
    gap = ~present & (expected | holiday[None, :])
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
