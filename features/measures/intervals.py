"""Interval histories: contacts aggregated per queue and local-time interval (DESIGN.md).

Every measure is attributed to the interval in which the contact **arrived**:

- ``offered``: contacts that arrived in the interval;
- ``handled``: of those, contacts answered (``answered_at`` set) and not abandoned;
- ``abandoned``: contacts flagged abandoned (derived, when the flag is missing, as "ended
  without being answered");
- ``aht_s``: mean ``handle_s`` (talk + hold + after-contact work, seconds) over handled contacts;
- ``asa_s``: mean wait ``answered_at - arrived_at`` (seconds) over answered contacts;
- ``service_level``: contacts answered within the threshold (inclusive) divided by offered
  contacts — the queue's threshold when one is given, else the contact's channel's
  (:data:`features.schema.CHANNEL_THRESHOLDS_S`: voice 20 s, chat 60 s, e-mail 4 h, ...) —,
  abandoned contacts counting as missed; contacts abandoned within 5 s are left out of
  offered for this ratio only (NaN when nothing remains);
- ``abandon_rate``: abandoned / offered;
- ``occupancy``: from agent states when given (see :mod:`features.measures.occupancy`), else NaN.

Intervals are aligned on the site's local wall clock, so a spring-forward day has 92
fifteen-minute intervals and a fall-back day 100. An interval without contacts is absent
from the result (absent = zero volume) unless ``fill_closed=True``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from features.calendar import (
    check_freq_minutes,
    check_timezone,
    floor_local_ns,
    interval_grid,
    ns_to_instants,
)
from features.errors import FieldError, InvalidInput
from features.measures.occupancy import queue_occupancy
from features.schema import (
    CHANNEL_THRESHOLDS_S,
    DEFAULT_CHANNEL,
    HISTORY_COLUMNS,
    INTERVAL_START,
    SHORT_ABANDON_S,
    ProgressCallback,
    no_progress,
)

COUNT_COLUMNS = ("offered", "handled", "abandoned")


def build_intervals(
    contacts: pd.DataFrame,
    *,
    freq_minutes: int = 15,
    timezone: str = "UTC",
    sl_threshold_s: float | Mapping[str, float] | None = None,
    agent_states: pd.DataFrame | None = None,
    fill_closed: bool = False,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Aggregate contacts into the interval history (one row per queue and interval).

    Parameters
    ----------
    contacts:
        Contact records with at least ``queue`` and ``arrived_at`` (timezone-aware); optional
        ``answered_at``, ``ended_at``, ``abandoned``, ``handle_s`` or ``talk_s``/``hold_s``/
        ``acw_s`` (seconds), ``agent_id``.
    freq_minutes:
        Interval length in minutes: 5, 10, 15 (default), 30 or 60.
    timezone:
        The site's IANA zone; intervals are aligned on its wall clock and ``interval_start``
        is returned in it.
    sl_threshold_s:
        Service-level threshold in seconds: one for all queues, a mapping queue -> seconds, or
        None (default) for each contact's channel's threshold
        (:data:`features.schema.CHANNEL_THRESHOLDS_S`; contacts without a channel are voice,
        20 s). Queues missing from a mapping also use their contacts' channel thresholds.
    agent_states:
        Optional agent-state records; when given, ``occupancy`` is filled per queue and interval
        (:func:`features.measures.occupancy.queue_occupancy`).
    fill_closed:
        When True, every interval of the local days spanned by the contacts is present for
        every queue, with zero counts and NaN ratios where no contact arrived. When False
        (default), such intervals are absent.
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.HISTORY_COLUMNS`, sorted by queue and interval start; counts are
        contacts per interval, times in seconds, rates in 0..1.

    Raises
    ------
    InvalidInput
        Missing columns, naive timestamps, missing queue or arrival, a bad interval length or
        timezone; every broken row is listed.
    """
    report = progress or no_progress
    check_freq_minutes(freq_minutes)
    check_timezone(timezone)
    report(0.0, "checking contacts")
    _check_contacts(contacts)
    report(0.2, "classifying contacts")
    frame = _classify(contacts, sl_threshold_s)
    frame[INTERVAL_START] = floor_local_ns(contacts["arrived_at"], freq_minutes, timezone)
    report(0.5, "aggregating intervals")
    grouped = frame.groupby(["queue", INTERVAL_START], sort=True)
    history = grouped.agg(
        offered=("offered", "sum"),
        handled=("handled", "sum"),
        abandoned=("abandoned", "sum"),
        aht_s=("handle_s", "mean"),
        asa_s=("wait_s", "mean"),
        in_sl=("in_sl", "sum"),
        sl_offered=("sl_offered", "sum"),
    ).reset_index()
    history[INTERVAL_START] = ns_to_instants(history[INTERVAL_START].to_numpy(), timezone)
    if fill_closed and not history.empty:
        history = _fill_grid(history, contacts["arrived_at"], freq_minutes, timezone)
    for column in COUNT_COLUMNS:
        history[column] = history[column].astype("int64")
    history["service_level"] = (history["in_sl"] / history["sl_offered"]).where(
        history["sl_offered"] > 0
    )
    history["abandon_rate"] = (history["abandoned"] / history["offered"]).where(
        history["offered"] > 0
    )
    history["occupancy"] = np.nan
    if agent_states is not None:
        report(0.7, "occupancy from agent states")
        history = _add_occupancy(history, agent_states, contacts, freq_minutes, timezone)
    history["queue"] = history["queue"].astype("str")
    history[INTERVAL_START] = history[INTERVAL_START].dt.tz_convert(timezone)
    report(1.0, f"{len(history)} intervals")
    return history[HISTORY_COLUMNS].reset_index(drop=True)


def _check_contacts(contacts: pd.DataFrame) -> None:
    missing = [c for c in ("queue", "arrived_at") if c not in contacts.columns]
    if missing:
        raise InvalidInput(
            f"contacts lack required column(s) {', '.join(missing)}",
            [FieldError(None, c, "required column is missing") for c in missing],
        )
    errors: list[FieldError] = []
    for column in ("arrived_at", "answered_at", "ended_at"):
        if column in contacts.columns and not isinstance(
            contacts[column].dtype, pd.DatetimeTZDtype
        ):
            if column != "arrived_at" and contacts[column].isna().all():
                continue
            rule = "must hold timezone-aware timestamps (parse with features.records.frame_io)"
            errors.append(FieldError(None, column, rule, str(contacts[column].dtype)))
    if errors:
        raise InvalidInput("contacts have naive or unparsed timestamps", errors)
    for column in ("queue", "arrived_at"):
        empty_rows = np.flatnonzero(contacts[column].isna().to_numpy())
        errors.extend(FieldError(int(r), column, "is required") for r in empty_rows[:1000])
    if errors:
        raise InvalidInput(f"{len(errors)} contact(s) lack a queue or an arrival time", errors)


def _seconds_between(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    delta = later - earlier
    return (delta.dt.total_seconds()).to_numpy(dtype="float64", na_value=np.nan)


def _optional_time(contacts: pd.DataFrame, column: str) -> pd.Series:
    if column in contacts.columns and isinstance(contacts[column].dtype, pd.DatetimeTZDtype):
        return contacts[column]
    return pd.Series(pd.NaT, index=contacts.index, dtype="datetime64[ns, UTC]")


def _optional_number(contacts: pd.DataFrame, column: str) -> np.ndarray:
    if column not in contacts.columns:
        return np.full(len(contacts), np.nan)
    return pd.to_numeric(contacts[column], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def _classify(
    contacts: pd.DataFrame, sl_threshold_s: float | Mapping[str, float] | None
) -> pd.DataFrame:
    """One row per contact with the per-contact indicators the aggregation sums or averages."""
    arrived = contacts["arrived_at"]
    answered_at = _optional_time(contacts, "answered_at")
    ended_at = _optional_time(contacts, "ended_at")
    answered = answered_at.notna().to_numpy()
    if "abandoned" in contacts.columns:
        flag = _flags(contacts["abandoned"])
        derived = ~answered & ended_at.notna().to_numpy()
        abandoned = flag.fillna(pd.Series(derived, index=contacts.index)).to_numpy(dtype=bool)
    else:
        abandoned = ~answered & ended_at.notna().to_numpy()
    handled = answered & ~abandoned
    handle = _optional_number(contacts, "handle_s")
    parts = np.vstack([_optional_number(contacts, c) for c in ("talk_s", "hold_s", "acw_s")])
    some_part = ~np.isnan(parts).all(axis=0)
    summed = np.where(some_part, np.nansum(parts, axis=0), np.nan)
    handle = np.where(np.isnan(handle), summed, handle)
    wait = _seconds_between(answered_at, arrived)
    abandon_wait = _seconds_between(ended_at, arrived)
    queue = contacts["queue"].astype("str").to_numpy()
    threshold = _thresholds(queue, channel_thresholds(contacts), sl_threshold_s)
    short_abandon = abandoned & (abandon_wait < SHORT_ABANDON_S)
    in_sl = answered & ~abandoned & (wait <= threshold)
    return pd.DataFrame(
        {
            "queue": queue,
            "offered": np.ones(len(contacts), dtype=np.int64),
            "handled": handled.astype(np.int64),
            "abandoned": abandoned.astype(np.int64),
            "handle_s": np.where(handled, handle, np.nan),
            "wait_s": np.where(answered, wait, np.nan),
            "in_sl": in_sl.astype(np.int64),
            "sl_offered": (~short_abandon).astype(np.int64),
        }
    )


def _flags(values: pd.Series) -> pd.Series:
    """The ``abandoned`` column as nullable booleans (bools, 0/1 or true/false text)."""
    if values.dtype == bool or isinstance(values.dtype, pd.BooleanDtype):
        return values.astype("boolean")
    text = values.astype("string").str.strip().str.lower()
    table = {"true": True, "1": True, "1.0": True, "false": False, "0": False, "0.0": False}
    mapped = text.map(table)
    bad = mapped.isna() & text.notna() & (text != "")
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        raise InvalidInput(
            f"{len(rows)} contact(s) have an unreadable 'abandoned' flag",
            [
                FieldError(int(r), "abandoned", "must be true or false", values.iloc[r])
                for r in rows[:1000]
            ],
        )
    return mapped.astype("boolean")


def channel_thresholds(contacts: pd.DataFrame) -> np.ndarray:
    """Each contact's channel's service-level threshold, seconds (voice when unknown)."""
    if "channel" not in contacts.columns:
        return np.full(len(contacts), CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL])
    channel = contacts["channel"].astype("string").str.lower()
    mapped = channel.map(CHANNEL_THRESHOLDS_S).astype("float64")
    return mapped.fillna(CHANNEL_THRESHOLDS_S[DEFAULT_CHANNEL]).to_numpy(dtype="float64")


def _thresholds(
    queue: np.ndarray, by_channel: np.ndarray, sl_threshold_s: float | Mapping[str, float] | None
) -> np.ndarray:
    if sl_threshold_s is None:
        return by_channel
    if isinstance(sl_threshold_s, Mapping):
        bad = [
            FieldError(None, f"sl_threshold_s[{q}]", "must be a number >= 0 seconds", v)
            for q, v in sl_threshold_s.items()
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0
        ]
        if bad:
            raise InvalidInput("service-level thresholds must be seconds >= 0", bad)
        mapped = pd.Series(queue).map(dict(sl_threshold_s)).astype("float64")
        return mapped.fillna(pd.Series(by_channel)).to_numpy(dtype="float64")
    if isinstance(sl_threshold_s, bool) or sl_threshold_s < 0:
        raise InvalidInput(
            f"service-level threshold must be seconds >= 0, got {sl_threshold_s!r}",
            [FieldError(None, "sl_threshold_s", "must be >= 0 seconds", sl_threshold_s)],
        )
    return np.full(len(queue), float(sl_threshold_s))


def _fill_grid(
    history: pd.DataFrame, arrived: pd.Series, freq_minutes: int, timezone: str
) -> pd.DataFrame:
    local = arrived.dt.tz_convert(timezone)
    first, last = local.min().date(), local.max().date()
    grid = interval_grid(first, (last - first).days + 1, freq_minutes, timezone)
    queues = history["queue"].unique()
    full = pd.MultiIndex.from_product([queues, grid], names=["queue", INTERVAL_START])
    history[INTERVAL_START] = history[INTERVAL_START].dt.tz_convert(timezone)
    filled = history.set_index(["queue", INTERVAL_START]).reindex(full)
    for column in (*COUNT_COLUMNS, "in_sl", "sl_offered"):
        filled[column] = filled[column].fillna(0)
    return filled.reset_index()


def _add_occupancy(
    history: pd.DataFrame,
    agent_states: pd.DataFrame,
    contacts: pd.DataFrame,
    freq_minutes: int,
    timezone: str,
) -> pd.DataFrame:
    occupancy = queue_occupancy(
        agent_states, contacts, freq_minutes=freq_minutes, timezone=timezone
    )
    history = history.drop(columns="occupancy")
    history[INTERVAL_START] = history[INTERVAL_START].dt.tz_convert(timezone)
    occupancy = occupancy[["queue", INTERVAL_START, "occupancy"]].copy()
    occupancy["queue"] = occupancy["queue"].astype("str")
    history["queue"] = history["queue"].astype("str")
    occupancy[INTERVAL_START] = occupancy[INTERVAL_START].dt.as_unit("ns")
    history[INTERVAL_START] = history[INTERVAL_START].dt.as_unit("ns")
    return history.merge(occupancy, on=["queue", INTERVAL_START], how="left")
