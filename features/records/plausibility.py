"""Plausibility: the one layer of bounds every record passes on every path (files, API JSON, API
CSV, mappings), so values no real system produces never reach the store.

DESIGN.md: instants within 1970–2200 and not more than one day after the server's clock;
durations finite, >= 0 and under 24 h (an ``offline`` agent state under 31 days); numbers and
booleans of their JSON type; no NaN/Infinity; strings without control characters and at most
200 characters for ids, 100 for names of queues, teams and agents.

Each check takes a raw column and an :class:`ErrorSink` (the validators' error collector) and
records every broken rule with its row, so a batch reports all of them at once.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

EARLIEST_INSTANT = pd.Timestamp("1970-01-01", tz="UTC")
"""No record instant before this."""
LATEST_INSTANT = pd.Timestamp("2200-01-01", tz="UTC")
"""No instant (records, queries, plans) at or after this."""
MAX_FUTURE = pd.Timedelta(days=1)
"""A record may lie at most this far after the server's clock (clock skew, time zones)."""
MAX_DURATION_S = 24 * 3600.0
"""A contact's durations (talk, hold, after-call work, handle) are under 24 hours (seconds)."""
MAX_STATE_S = 24 * 3600.0
"""An agent state lasts under 24 hours (seconds), except ``offline``."""
MAX_OFFLINE_S = 31 * 24 * 3600.0
"""An ``offline`` agent state lasts under 31 days (seconds)."""
MAX_COUNT = 1000
"""Upper bound of per-contact counts (transfers)."""
MAX_ID_CHARS = 200
"""Longest id (contact, agent, ticket, key references)."""
MAX_NAME_CHARS = 100
"""Longest name of a queue, team, site or agent."""
MAX_TEXT_CHARS = 1000
"""Longest free text (categories, topics, keywords, descriptions)."""
MAX_WHOLE = 2**63 - 1
"""Largest whole number a record may carry (int64); larger ones are no measurement."""
TOO_LARGE_RULE = f"must lie within ±{MAX_WHOLE} (a 64-bit whole number)"
"""The rule a whole number beyond :data:`MAX_WHOLE` breaks."""
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f]"
"""Control characters no id or name may hold (NUL, tab and line breaks included)."""
FREE_TEXT_CONTROLS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
"""Control characters free text may not hold (tab and line breaks are allowed there)."""


class ErrorSink(Protocol):
    """Where a check records broken rules (the validators' ``ErrorCollector``)."""

    def add(self, mask: Any, column: str, rule: str, values: Any = None) -> None: ...


def column_chars(row: Any, column: str) -> int:
    """How many characters a text column of a stored table holds (``String(100)`` -> 100), so
    text is checked against the column before a store (PostgreSQL) refuses it.

    Parameters
    ----------
    row:
        A mapped table class (``ContactRow``).
    column:
        The column's name.
    """
    length = row.__table__.c[column].type.length
    if length is None:
        raise ValueError(f"{row.__tablename__}.{column} has no length")
    return int(length)


def now_utc() -> pd.Timestamp:
    """The server's clock (UTC); checks take it as a parameter so tests can pin it."""
    return pd.Timestamp.now(tz="UTC")


def check_instants(
    instants: pd.Series,
    column: str,
    errors: ErrorSink,
    *,
    now: pd.Timestamp | None = None,
    future: pd.Timedelta | None = MAX_FUTURE,
) -> pd.Series:
    """Record instants outside 1970–2200 or more than `future` after `now`; return the column
    with those cells set to NaT (so later arithmetic never overflows).

    Parameters
    ----------
    instants:
        Tz-aware timestamps (NaT = missing, not checked).
    future:
        How far after `now` a record may lie; None for no bound but 2200 (planning inputs).
    """
    early = instants < EARLIEST_INSTANT
    late = instants >= LATEST_INSTANT
    errors.add(early | late, column, "must be between 1970-01-01 and 2200-01-01", instants)
    bad = early | late
    if future is not None:
        limit = (now if now is not None else now_utc()) + future
        ahead = ~bad & (instants > limit)
        rule = f"must not be more than {_days(future)} after the server's clock"
        errors.add(ahead, column, rule, instants)
        bad = bad | ahead
    return instants.mask(bad.fillna(False).astype(bool))


def check_text(
    raw: pd.Series,
    column: str,
    errors: ErrorSink,
    *,
    max_chars: int,
    free_text: bool = False,
) -> pd.Series:
    """Check a text column and return it as stripped strings (<NA> for missing or empty).

    A cell must be a string (or a whole number, read as its digits: CSV ids); booleans, other
    numbers, objects and lists are rejected as not text. Control characters (any, for ids and
    names; all but tab and line breaks for `free_text`) and more than `max_chars` characters are
    rejected.
    """
    values = raw.astype(object).where(raw.notna(), None)
    kinds = values.map(_text_kind)
    errors.add(kinds == "other", column, "must be text", values.map(_shown))
    text = values.where(kinds == "text", None).map(_as_text, na_action="ignore")
    text = pd.Series(text, index=raw.index, dtype="string").str.strip()
    text = text.mask(text == "")
    pattern = FREE_TEXT_CONTROLS if free_text else CONTROL_CHARACTERS
    control = text.str.contains(pattern, regex=True).fillna(False).astype(bool)
    errors.add(
        control, column, "must not contain control characters", text.map(repr, na_action="ignore")
    )
    long = (text.str.len() > max_chars).fillna(False).astype(bool)
    errors.add(long, column, f"must be at most {max_chars} characters", text.str.slice(0, 40))
    return text.mask(control | long)


def check_numbers(raw: pd.Series, column: str, errors: ErrorSink) -> pd.Series:
    """Numbers of a column as float64 (NaN = missing): text is parsed; booleans, objects, lists,
    unparseable text, NaN and Infinity are rejected."""
    if pd.api.types.is_bool_dtype(raw.dtype):
        errors.add(raw.notna(), column, "must be a number, not a boolean", raw)
        return pd.Series(np.nan, index=raw.index, dtype="float64")
    if pd.api.types.is_numeric_dtype(raw.dtype):
        numbers = raw.astype("float64")
        given_nan = pd.Series(False, index=raw.index)
    else:
        values = raw.astype(object).where(raw.notna(), None)
        kinds = values.map(_number_kind)
        errors.add(kinds == "bool", column, "must be a number, not a boolean", values)
        errors.add(kinds == "other", column, "must be a number", values.map(_shown))
        errors.add(kinds == "huge", column, TOO_LARGE_RULE, values.map(_shown))
        text = values.where(kinds == "text", None).map(str, na_action="ignore").str.strip()
        text = text.mask(text == "")
        parsed = pd.to_numeric(text, errors="coerce")
        errors.add(text.notna() & parsed.isna(), column, "must be a number", text)
        numeric = values.where(kinds == "number", None)
        numbers = parsed.astype("float64").fillna(pd.to_numeric(numeric, errors="coerce"))
        given_nan = text.str.lower().isin(["nan", "inf", "-inf", "infinity", "-infinity"])
        given_nan = given_nan.fillna(False).astype(bool)
    infinite = ~np.isfinite(numbers.fillna(0.0))
    errors.add(infinite | given_nan, column, "must be a finite number (no NaN or Infinity)", raw)
    return numbers.mask(infinite)


def check_range(
    numbers: pd.Series,
    column: str,
    errors: ErrorSink,
    *,
    low: float | None = None,
    high: float | None = None,
    high_inclusive: bool = False,
    unit: str = "",
    raw: pd.Series | None = None,
) -> pd.Series:
    """Record numbers outside [low, high) (or [low, high] with `high_inclusive`); return the
    column with those cells set to NaN."""
    bad = pd.Series(False, index=numbers.index)
    shown = raw if raw is not None else numbers
    if low is not None:
        below = numbers < low
        errors.add(below, column, f"must not be below {low:g}{unit}", shown)
        bad |= below.fillna(False)
    if high is not None:
        above = numbers > high if high_inclusive else numbers >= high
        word = "above" if high_inclusive else "at or above"
        errors.add(above, column, f"must not be {word} {high:g}{unit}", shown)
        bad |= above.fillna(False)
    return numbers.mask(bad.astype(bool))


def _text_kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (bool, np.bool_)):
        return "other"
    if isinstance(value, (int, np.integer)):
        return "text"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return "text"
    return "other"


def _as_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return str(int(value))
    return str(value)


def _number_kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, int) and abs(value) > MAX_WHOLE:
        return "huge"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, str):
        return "text"
    return "other"


def _shown(value: Any) -> Any:
    """A value as an error may show it: scalars as they are (a huge whole number by its first
    digits), containers by their type."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
        digits = str(value)
        return f"{digits[:20]}... ({len(digits.lstrip('-'))} digits)"
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return type(value).__name__


def _days(delta: pd.Timedelta) -> str:
    days = delta / pd.Timedelta(days=1)
    return f"{days:g} day" + ("" if days == 1 else "s")
