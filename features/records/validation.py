"""Validation of the records a centre sends: contacts, agent states and agents.

Each ``validate_*`` function takes raw rows (a frame read from a file, or the API's JSON) and
returns a clean, typed frame, or raises :class:`~features.errors.InvalidInput` listing every broken
rule with its row (0-based data row), field and value. Contacts and agent states are checked with
vectorised pandas operations so a million-row file validates in seconds; every broken rule is
counted, and the first ``max_errors`` are reported in full.

In the clean frames instants are timezone-aware timestamps in `timezone` (UTC when None).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from features.calendar import WEEKDAYS
from features.errors import FieldError, InvalidInput
from features.records.plausibility import (
    MAX_COUNT,
    MAX_DURATION_S,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_OFFLINE_S,
    MAX_STATE_S,
    check_instants,
    check_numbers,
    check_range,
    check_text,
    column_chars,
)
from features.records.types import Count, IdText, NameText, Real, TimezoneName
from features.schema import (
    AGENT_STATE_COLUMNS,
    AGENT_STATES,
    CHANNELS,
    CONTACT_COLUMNS,
    CONTACT_REQUIRED,
    DEFAULT_CHANNEL,
)
from features.store.tables.records import AgentRow, AgentStateRow, ContactRow

AGENT_ID_CHARS = min(
    MAX_ID_CHARS,
    *(column_chars(row, "agent_id") for row in (ContactRow, AgentStateRow, AgentRow)),
)
"""Longest agent id: the plausibility bound or the stored column, whichever is shorter."""
CONTACT_ID_CHARS = min(MAX_ID_CHARS, column_chars(ContactRow, "contact_id"))
"""Longest contact id (plausibility bound and stored column)."""
QUEUE_CHARS = min(MAX_NAME_CHARS, column_chars(ContactRow, "queue"))
"""Longest queue name (plausibility bound and stored column)."""

MAX_REPORTED_ERRORS = 1000
"""At most this many broken rules are listed in an InvalidInput; all are counted."""

HANDLE_TOLERANCE_S = 1.0
"""handle_s may differ from talk_s + hold_s + acw_s by this many seconds (rounding in exports)."""

DURATION_COLUMNS = ("talk_s", "hold_s", "acw_s", "handle_s")
CONTACT_INSTANTS = ("arrived_at", "answered_at", "ended_at")
AGENT_COLUMNS = (
    "agent_id",
    "name",
    "team",
    "site",
    "timezone",
    "skills",
    "contract",
    "availability",
    "time_off",
    "preferences",
)
_OFFSET_AFTER_TIME = r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
"""An offset (or Z) right after a time of day; a bare date's "-02" is not an offset."""
_TRUE = frozenset({"true", "t", "1", "yes", "y", "1.0"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "0.0"})


@dataclass
class ErrorCollector:
    """Collects broken rules from boolean masks; counts all, keeps the first `limit` in full."""

    limit: int = MAX_REPORTED_ERRORS
    errors: list[FieldError] = field(default_factory=list)
    total: int = 0

    def add(self, mask: pd.Series | np.ndarray, column: str, rule: str, values: Any = None) -> None:
        """Record `rule` broken on every row where `mask` is true (values shown from `values`)."""
        flags = np.asarray(mask, dtype=bool)
        rows = np.flatnonzero(flags)
        if rows.size == 0:
            return
        self.total += int(rows.size)
        room = self.limit - len(self.errors)
        for row in rows[: max(room, 0)]:
            value = None if values is None else _plain(values.iloc[int(row)])
            self.errors.append(FieldError(int(row), column, rule, value))

    def add_one(self, row: int | None, column: str, rule: str, value: Any = None) -> None:
        """Record one broken rule (row None: the input as a whole, e.g. a missing column)."""
        self.total += 1
        if len(self.errors) < self.limit:
            self.errors.append(FieldError(row, column, rule, value))

    def raise_if_any(self, what: str) -> None:
        """Raise InvalidInput naming how many rules were broken, if any were."""
        if not self.total:
            return
        self.errors.sort(key=lambda e: (-1 if e.row is None else e.row, e.field))
        shown = "" if self.total <= len(self.errors) else f" (first {len(self.errors)} listed)"
        raise InvalidInput(
            f"{what}: {self.total} broken rule(s){shown}; nothing was stored", self.errors
        )


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(values: pd.Series) -> pd.Series:
    """Strings with surrounding blanks removed; missing and empty cells become <NA>."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _missing(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.isna()
    return _text(values).isna()


def parse_instant_column(
    values: pd.Series, column: str, timezone: str | None, errors: ErrorCollector
) -> pd.Series:
    """Parse one column of instants into UTC timestamps, recording every bad cell in `errors`.

    ISO 8601 strings with an offset (or ``Z``) are exact; naive strings and naive datetimes are
    read as wall-clock times in `timezone`, and rejected when no timezone is given. Missing cells
    stay NaT (the caller decides whether the field is required).
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        if timezone is None:
            errors.add(values.notna(), column, "timestamp needs an offset or a timezone", values)
            return pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
        local = values.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        errors.add(local.isna() & values.notna(), column, "non-existent local time", values)
        return local.dt.tz_convert("UTC")
    text = _text(values)
    present = text.notna()
    has_offset = text.str.contains(_OFFSET_AFTER_TIME, regex=True).fillna(False).astype(bool)
    parsed = pd.to_datetime(text.where(has_offset), utc=True, errors="coerce", format="ISO8601")
    naive = present & ~has_offset
    if naive.any():
        wall = pd.to_datetime(text.where(naive), errors="coerce", format="ISO8601")
        errors.add(naive & wall.isna(), column, "unparseable timestamp", text)
        if timezone is None:
            rule = "timestamp needs an offset or a timezone"
            errors.add(naive & wall.notna(), column, rule, text)
        else:
            local = wall.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
            parsed = parsed.where(~naive, local.dt.tz_convert("UTC"))
            bad_local = naive & local.isna() & wall.notna()
            errors.add(bad_local, column, "ambiguous or non-existent local time", text)
    errors.add(has_offset & parsed.isna(), column, "unparseable timestamp", text)
    return parsed


def _numbers(
    frame: pd.DataFrame, column: str, errors: ErrorCollector, *, integer: bool = False
) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    raw = frame[column]
    numbers = check_numbers(raw, column, errors)
    if integer:
        broken = numbers.notna() & (numbers != np.round(numbers))
        errors.add(broken, column, "must be a whole number", raw)
    return numbers


def _whole(numbers: pd.Series) -> pd.Series:
    """Whole numbers (already checked) as nullable integers; anything else missing."""
    return numbers.where(numbers == np.round(numbers)).round().astype("Int64")


def _booleans(frame: pd.DataFrame, column: str, errors: ErrorCollector) -> pd.Series:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype("boolean")
    text = _text(raw).str.lower()
    result = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    result = result.mask(text.isin(_TRUE).fillna(False).astype(bool), True)
    result = result.mask(text.isin(_FALSE).fillna(False).astype(bool), False)
    errors.add(text.notna() & result.isna(), column, "must be true or false", raw)
    return result


def _required_columns(frame: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        errors = [FieldError(None, c, "required column is missing") for c in missing]
        raise InvalidInput(f"{what}: required column(s) missing: {', '.join(missing)}", errors)


def _duplicates(
    frame: pd.DataFrame, key: list[str], errors: ErrorCollector, what: str
) -> pd.DataFrame:
    """Drop exact repeats of a key; flag rows that repeat a key with different content."""
    repeated = frame.duplicated(subset=key, keep=False)
    if not repeated.any():
        return frame
    # Whole-row comparison only among the rows whose key repeats: cheap on big clean batches.
    suspects = frame[repeated.to_numpy()]
    exact = suspects.duplicated(keep="first")
    distinct = suspects[~exact.to_numpy()]
    conflicting = distinct.duplicated(subset=key, keep=False)
    if conflicting.any():
        mask = pd.Series(False, index=frame.index)
        mask.loc[distinct.index[conflicting.to_numpy()]] = True
        errors.add(mask, key[0], f"duplicate {what} with different content", frame[key[0]])
    return frame.drop(index=suspects.index[exact.to_numpy()])


def validate_contacts(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Check contacts against the record contract and return them clean and typed.

    Parameters
    ----------
    frame:
        Raw contacts, one row per contact (strings, numbers or timestamps). Columns beyond the
        contract are ignored.
    timezone:
        IANA zone of naive timestamps (the site's zone) and of the returned instants. Naive
        timestamps are rejected when None; instants are then returned in UTC.
    max_errors:
        How many broken rules to list in full (all are counted).
    now:
        The server's clock (UTC), against which no instant may lie more than a day ahead; the
        real clock when None.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`features.schema.CONTACT_COLUMNS`: ids as strings, instants tz-aware,
        ``abandoned`` bool, durations in seconds (float), ``transfers`` and ``csat`` as Int64,
        ``sentiment`` in [-1, 1]. ``channel`` defaults to voice; ``abandoned`` is derived when
        absent (ended without being answered); ``handle_s`` = talk + hold + acw is completed in
        whichever direction the given parts allow. Exact repeats of a row are dropped.

    Raises
    ------
    InvalidInput
        With every broken rule (row, field, rule, value): missing required field, unparseable or
        naive timestamp, answered before arrival, ended before answer or arrival, negative
        duration, handle time not matching its parts, unknown channel, csat outside 1-5,
        sentiment outside -1..1, abandoned yet answered, duplicate contact_id with different
        content, and every bound of :mod:`features.records.plausibility` (instants within
        1970-2200 and at most a day ahead, durations under 24 h, finite numbers of JSON number
        type, text without control characters and within its length).
    """
    what = "contacts"
    _required_columns(frame, CONTACT_REQUIRED, what)
    errors = ErrorCollector(limit=max_errors)
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for column, limit in (("contact_id", CONTACT_ID_CHARS), ("queue", QUEUE_CHARS)):
        out[column] = check_text(frame[column], column, errors, max_chars=limit).astype("str")
        errors.add(_missing(frame[column]), column, "required field is missing")
    for column in CONTACT_INSTANTS:
        if column in frame.columns:
            parsed = parse_instant_column(frame[column], column, timezone, errors)
            out[column] = check_instants(parsed, column, errors, now=now)
        else:
            out[column] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    errors.add(_missing(frame["arrived_at"]), "arrived_at", "required field is missing")

    if "channel" in frame.columns:
        given = check_text(frame["channel"], "channel", errors, max_chars=MAX_NAME_CHARS)
        channel = given.str.lower().fillna(DEFAULT_CHANNEL)
        known = channel.isin(CHANNELS).astype(bool)
        rule = f"must be one of {', '.join(CHANNELS)}"
        errors.add(~known, "channel", rule, frame["channel"])
        out["channel"] = channel.astype("str")
    else:
        out["channel"] = pd.Series(DEFAULT_CHANNEL, index=frame.index, dtype="str")

    arrived, answered, ended = out["arrived_at"], out["answered_at"], out["ended_at"]
    errors.add(answered < arrived, "answered_at", "must not be before arrived_at", answered)
    errors.add(ended < answered, "ended_at", "must not be before answered_at", ended)
    errors.add(
        (ended < arrived) & answered.isna(), "ended_at", "must not be before arrived_at", ended
    )

    durations = {c: _numbers(frame, c, errors) for c in DURATION_COLUMNS}
    for column, values in durations.items():
        errors.add(values < 0, column, "must not be negative", frame.get(column))
        durations[column] = check_range(
            values.mask(values < 0), column, errors, high=MAX_DURATION_S, unit=" s"
        )
    talk, hold, acw, handle = (durations[c] for c in DURATION_COLUMNS)
    parts_sum = talk.fillna(0.0) + hold.fillna(0.0) + acw.fillna(0.0)
    all_parts = talk.notna() & hold.notna() & acw.notna()
    mismatch = all_parts & handle.notna() & ((handle - parts_sum).abs() > HANDLE_TOLERANCE_S)
    errors.add(mismatch, "handle_s", "must equal talk_s + hold_s + acw_s", handle)
    short = ~all_parts & handle.notna() & (parts_sum > handle + HANDLE_TOLERANCE_S)
    errors.add(short, "handle_s", "must be at least talk_s + hold_s + acw_s", handle)
    missing_parts = talk.isna().astype(int) + hold.isna().astype(int) + acw.isna().astype(int)
    one_missing = handle.notna() & (missing_parts == 1)
    rest = (handle - parts_sum).clip(lower=0.0)
    out["talk_s"] = talk.mask(one_missing & talk.isna(), rest)
    out["hold_s"] = hold.mask(one_missing & hold.isna(), rest)
    out["acw_s"] = acw.mask(one_missing & acw.isna(), rest)
    out["handle_s"] = handle.mask(handle.isna() & talk.notna(), parts_sum)

    out["agent_id"] = (
        check_text(frame["agent_id"], "agent_id", errors, max_chars=AGENT_ID_CHARS).astype("str")
        if "agent_id" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="str")
    )
    transfers = _numbers(frame, "transfers", errors, integer=True)
    errors.add(transfers < 0, "transfers", "must not be negative", frame.get("transfers"))
    transfers = check_range(transfers.mask(transfers < 0), "transfers", errors, high=MAX_COUNT)
    out["transfers"] = _whole(transfers)
    csat = _numbers(frame, "csat", errors, integer=True)
    bad_csat = (csat < 1) | (csat > 5)
    errors.add(bad_csat, "csat", "must be between 1 and 5", frame.get("csat"))
    out["csat"] = _whole(csat.mask(bad_csat))
    sentiment = _numbers(frame, "sentiment", errors)
    bad_sentiment = (sentiment < -1) | (sentiment > 1)
    errors.add(bad_sentiment, "sentiment", "must be between -1 and 1", frame.get("sentiment"))
    out["sentiment"] = sentiment

    derived = answered.isna() & ended.notna()
    if "abandoned" in frame.columns:
        given = _booleans(frame, "abandoned", errors)
        rule = "an abandoned contact must not have answered_at"
        errors.add(given.fillna(False).astype(bool) & answered.notna(), "abandoned", rule, given)
        out["abandoned"] = given.fillna(derived).astype(bool)
    else:
        out["abandoned"] = derived.astype(bool)

    out = out[CONTACT_COLUMNS]
    key_present = out["contact_id"].notna()
    deduped = _duplicates(out[key_present], ["contact_id"], errors, "contact_id")
    errors.raise_if_any(what)
    clean = deduped.reset_index(drop=True)
    zone = timezone or "UTC"
    for column in CONTACT_INSTANTS:
        clean[column] = clean[column].dt.tz_convert(zone)
    return clean


def validate_agent_states(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Check agent-state spans and return them clean and typed.

    Parameters
    ----------
    frame:
        Raw rows with ``agent_id``, ``state`` (one of :data:`features.schema.AGENT_STATES`),
        ``started_at`` and ``ended_at``.
    timezone:
        IANA zone of naive timestamps and of the returned instants (UTC when None; naive
        timestamps are then rejected).
    max_errors:
        How many broken rules to list in full (all are counted).
    now:
        The server's clock (UTC) for the one-day-ahead bound; the real clock when None.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`features.schema.AGENT_STATE_COLUMNS`; exact repeats dropped.

    Raises
    ------
    InvalidInput
        Missing fields, unknown state, unparseable or naive times, ``ended_at`` before
        ``started_at``, the same (agent, start, state) sent twice with different ends, and the
        plausibility bounds (instants within 1970-2200 and at most a day ahead; a span under
        24 h, an ``offline`` one under 31 days; ids without control characters, at most 200
        characters).
    """
    what = "agent states"
    _required_columns(frame, AGENT_STATE_COLUMNS, what)
    errors = ErrorCollector(limit=max_errors)
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    agent_ids = check_text(frame["agent_id"], "agent_id", errors, max_chars=AGENT_ID_CHARS)
    out["agent_id"] = agent_ids.astype("str")
    errors.add(_missing(frame["agent_id"]), "agent_id", "required field is missing")
    state = check_text(frame["state"], "state", errors, max_chars=MAX_NAME_CHARS).str.lower()
    errors.add(state.isna(), "state", "required field is missing")
    unknown = state.notna() & ~state.isin(AGENT_STATES).fillna(False).astype(bool)
    errors.add(unknown, "state", f"must be one of {', '.join(AGENT_STATES)}", frame["state"])
    out["state"] = state.astype("str")
    for column in ("started_at", "ended_at"):
        parsed = parse_instant_column(frame[column], column, timezone, errors)
        out[column] = check_instants(parsed, column, errors, now=now)
        errors.add(_missing(frame[column]), column, "required field is missing")
    backwards = out["ended_at"] < out["started_at"]
    errors.add(backwards, "ended_at", "must not be before started_at", out["ended_at"])
    seconds = (out["ended_at"] - out["started_at"]).dt.total_seconds()
    offline = (out["state"] == "offline").fillna(False).astype(bool)
    too_long = (~offline & (seconds >= MAX_STATE_S)) | (offline & (seconds >= MAX_OFFLINE_S))
    rule = "a state must last under 24 h (offline: under 31 days)"
    errors.add(too_long.fillna(False).astype(bool), "ended_at", rule, out["ended_at"])
    present = out["agent_id"].notna() & out["started_at"].notna()
    deduped = _duplicates(
        out[present], ["agent_id", "started_at", "state"], errors, "agent state span"
    )
    errors.raise_if_any(what)
    clean = deduped.reset_index(drop=True)
    zone = timezone or "UTC"
    for column in ("started_at", "ended_at"):
        clean[column] = clean[column].dt.tz_convert(zone)
    return clean[AGENT_STATE_COLUMNS]


class Contract(BaseModel):
    """Weekly contract: hours, working days and allowed shift lengths, and the first day of
    employment (``start_date``: how long the agent has been with the centre, which tells new
    agents from experienced ones)."""

    model_config = ConfigDict(extra="allow")

    min_hours: Real = Field(0.0, ge=0, le=168)
    max_hours: Real = Field(40.0, ge=0, le=168)
    max_days: Count = Field(5, ge=0, le=7)
    shift_lengths_minutes: list[Count] = Field(default_factory=lambda: [480])
    start_date: date | None = Field(default=None, ge=date(1970, 1, 1), le=date(2199, 12, 31))

    @field_validator("shift_lengths_minutes")
    @classmethod
    def _positive_lengths(cls, lengths: list[int]) -> list[int]:
        if not lengths or any(length <= 0 or length > 24 * 60 for length in lengths):
            raise ValueError("shift lengths must be between 1 and 1440 minutes")
        return lengths

    @model_validator(mode="after")
    def _ordered_hours(self) -> Contract:
        if self.min_hours > self.max_hours:
            raise ValueError(f"min_hours {self.min_hours} exceeds max_hours {self.max_hours}")
        return self


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if text == "24:00":
        return value
    time(int(hours), int(minutes))
    return value


class AgentRecord(BaseModel):
    """One agent as the records contract describes it (validated at the boundary)."""

    model_config = ConfigDict(extra="forbid")

    agent_id: IdText = Field(min_length=1, max_length=AGENT_ID_CHARS)
    name: NameText | None = None
    team: NameText | None = None
    site: NameText | None = None
    timezone: TimezoneName | None = None
    skills: dict[NameText, Count] = Field(min_length=1)
    contract: Contract | None = None
    availability: dict[str, list[tuple[str, str]]] | None = None
    time_off: list[date] = Field(default_factory=list)
    preferences: dict[str, Any] = Field(default_factory=dict)

    @field_validator("skills")
    @classmethod
    def _proficiency(cls, skills: dict[str, int]) -> dict[str, int]:
        for queue, level in skills.items():
            if not 1 <= level <= 5:
                raise ValueError(f"proficiency of {queue!r} must be between 1 and 5, got {level}")
        return skills

    @field_validator("availability")
    @classmethod
    def _windows(
        cls, availability: dict[str, list[tuple[str, str]]] | None
    ) -> dict[str, list[tuple[str, str]]] | None:
        for day, windows in (availability or {}).items():
            if day not in WEEKDAYS:
                raise ValueError(f"weekday {day!r} must be one of {', '.join(WEEKDAYS)}")
            for start, end in windows:
                try:
                    ordered = _clock(start) < _clock(end)
                except ValueError as exc:
                    raise ValueError(f"{day}: window {start}-{end} is not HH:MM-HH:MM") from exc
                if not ordered:
                    raise ValueError(f"{day}: window {start}-{end} must end after it starts")
        return availability


def _agent_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Drop empty cells and decode JSON-in-a-cell (agents read from CSV)."""
    row: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        is_json_field = key in ("skills", "contract", "availability", "time_off", "preferences")
        if isinstance(value, str) and is_json_field:
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        row[key] = value
    return row


def validate_agents(
    agents: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
) -> pd.DataFrame:
    """Check agents and return one row per agent with plain JSON-ready nested fields.

    Parameters
    ----------
    agents:
        A frame (nested fields may be JSON text in cells) or a list of dicts. ``skills`` map
        queue to proficiency 1-5; ``contract`` holds ``min_hours``/``max_hours`` per week,
        ``max_days`` and ``shift_lengths_minutes``; ``availability`` maps mon..sun to lists of
        ``["HH:MM", "HH:MM"]`` local windows; ``time_off`` lists ISO dates.
    timezone:
        The site's IANA zone, given to agents that name none.
    max_errors:
        How many broken rules to list in full.

    Returns
    -------
    pandas.DataFrame
        Columns ``agent_id, name, team, site, timezone, skills, contract, availability,
        time_off, preferences`` (nested fields as dicts and lists; dates as ISO strings).

    Raises
    ------
    InvalidInput
        Every broken rule, with the agent's row and the field path (e.g. ``skills.billing``).
    """
    rows = agents.to_dict(orient="records") if isinstance(agents, pd.DataFrame) else list(agents)
    errors = ErrorCollector(limit=max_errors)
    clean: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows):
        if not isinstance(raw, Mapping):
            errors.add_one(number, "agent", "must be an object", type(raw).__name__)
            continue
        agent_id = raw.get("agent_id")
        if isinstance(agent_id, str) and agent_id in seen:
            rule = f"duplicate agent_id (also in row {seen[agent_id]})"
            errors.add_one(number, "agent_id", rule, agent_id)
            continue
        if isinstance(agent_id, str):
            seen[agent_id] = number
        try:
            fields = _agent_row(raw)
            if timezone is not None:
                fields.setdefault("timezone", timezone)
            record = AgentRecord.model_validate(fields)
        except ValidationError as exc:
            for problem in exc.errors():
                where = ".".join(str(part) for part in problem["loc"]) or "agent"
                value = problem.get("input")
                shown = value if isinstance(value, (str, int, float, bool)) else None
                errors.add_one(number, where, problem["msg"], shown)
            continue
        clean.append(record.model_dump(mode="json"))
    errors.raise_if_any("agents")
    return pd.DataFrame(clean, columns=list(AGENT_COLUMNS))
