"""Reading and writing long-format frames (histories, forecasts, requirements, rosters) as files.

Files carry instants as ISO 8601 strings with an offset (``2026-03-29T03:00:00+02:00``). In memory
they are timezone-aware timestamps in one zone: the site's zone when known, else UTC. A file whose
instants have no offset is rejected unless a timezone is named.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import INTERVAL_START

OFFSET_AFTER_TIME = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[+-]\d{2}:?\d{2}|Z)$"
"""An offset (or Z) following a time of day; a bare date's "-02" is not an offset."""

INSTANT_COLUMNS = (
    INTERVAL_START,
    "start",
    "end",
    "arrived_at",
    "answered_at",
    "ended_at",
    "started_at",
)


def parse_instants(values: pd.Series, column: str, timezone: str | None = None) -> pd.Series:
    """Parse ISO 8601 strings (or timestamps) into timezone-aware timestamps.

    Strings with an offset are converted to `timezone` (UTC when None). Naive strings are
    localised to `timezone`, and rejected when no timezone is given. DST-ambiguous or
    non-existent naive wall-clock times are rejected.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone or "UTC")
    text = values.astype("string")
    bad_rows: list[FieldError] = []
    has_offset = text.str.contains(OFFSET_AFTER_TIME, regex=True, na=False)
    missing = text.isna()
    if (~has_offset & ~missing).any() and timezone is None:
        first = int((~has_offset & ~missing).to_numpy().nonzero()[0][0])
        rule = "timestamp needs an offset or a timezone"
        raise InvalidInput(
            f"column '{column}' has timestamps without an offset; name the site's timezone",
            [FieldError(first, column, rule, text.iloc[first])],
        )
    parsed = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {timezone or 'UTC'}]")
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], utc=True, errors="coerce", format="ISO8601")
        parsed.loc[has_offset] = aware.dt.tz_convert(timezone or "UTC")
    naive_mask = ~has_offset & ~missing
    if naive_mask.any():
        naive = pd.to_datetime(text[naive_mask], errors="coerce", format="ISO8601")
        local = naive.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        parsed.loc[naive_mask] = local
    unparsed = parsed.isna() & ~missing
    for row in unparsed.to_numpy().nonzero()[0][:1000]:
        bad_rows.append(
            FieldError(
                int(row), column, "unparseable or non-existent local time", text.iloc[int(row)]
            )
        )
    if bad_rows:
        raise InvalidInput(f"column '{column}' has unparseable timestamps", bad_rows)
    return parsed


def read_frame(path: str | Path, timezone: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet frame, parsing every known instant column into `timezone`."""
    path = Path(path)
    if not path.exists():
        missing_file = FieldError(None, "path", "file must exist", str(path))
        raise InvalidInput(f"file not found: {path}", [missing_file])
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={"queue": "string", "agent_id": "string"})
    for column in INSTANT_COLUMNS:
        if column in frame.columns:
            frame[column] = parse_instants(frame[column], column, timezone)
    return frame


def format_instants(values: pd.Series) -> pd.Series:
    """Format timezone-aware timestamps as ISO 8601 with offset (``YYYY-MM-DDTHH:MM:SS+HH:MM``)."""
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return text.str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)


def write_frame(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a frame as CSV (instants as ISO 8601 with offset) or Parquet, by the file's suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(path, index=False)
        return path
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = format_instants(out[column])
    out.to_csv(path, index=False)
    return path
