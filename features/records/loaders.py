"""Loaders for the real public data in ``../shared/data`` (see its README)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from features.errors import FieldError, InvalidInput
from features.records.frame_io import read_frame
from features.records.mapping import load_mapping, read_mapped
from features.records.validation import validate_contacts
from features.schema import HISTORY_COLUMNS, INTERVAL_START

BANK_CALLS_TIMEZONE = "America/New_York"
"""The bank series' offsets assume US Eastern time (see the data README)."""


def load_bank_calls(path: str | Path, *, timezone: str = BANK_CALLS_TIMEZONE) -> pd.DataFrame:
    """Load the North American bank's five-minute call counts as an interval history.

    Parameters
    ----------
    path:
        ``bank_calls/bank_calls_5min.csv`` (columns ``queue, interval_start, offered``).
    timezone:
        Zone of the returned ``interval_start`` (the file's offsets are US Eastern).

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.HISTORY_COLUMNS`, one row per 5-minute interval; ``offered`` in
        calls per interval (int64); measures the source does not give are NaN.

    Raises
    ------
    InvalidInput
        When the file lacks a column or holds negative or non-integer counts.
    """
    frame = read_frame(path, timezone=timezone)
    missing = [c for c in ("queue", INTERVAL_START, "offered") if c not in frame.columns]
    if missing:
        errors = [FieldError(None, c, "required column is missing") for c in missing]
        raise InvalidInput(f"{path}: not an interval history", errors)
    offered = pd.to_numeric(frame["offered"], errors="coerce")
    broken = offered.isna() | (offered < 0) | (offered != offered.round())
    if broken.any():
        rows = broken.to_numpy().nonzero()[0][:1000]
        rule = "must be a whole number of calls >= 0"
        errors = [FieldError(int(r), "offered", rule, frame["offered"].iloc[int(r)]) for r in rows]
        raise InvalidInput(f"{path}: {int(broken.sum())} bad count(s)", errors)
    history = pd.DataFrame({c: pd.Series(float("nan"), index=frame.index) for c in HISTORY_COLUMNS})
    history["queue"] = frame["queue"].astype("str")
    history[INTERVAL_START] = frame[INTERVAL_START]
    history["offered"] = offered.astype("int64")
    return history.sort_values(["queue", INTERVAL_START], ignore_index=True)


def load_technion(path: str | Path) -> pd.DataFrame:
    """Load the Anonymous Bank (Technion) ACD export as validated contacts.

    Uses the built-in ``technion`` mapping (``features/records/mappings/technion.json``):
    queue = call type, arrival = leaving the voice-response unit, answered = service start, handle
    time =
    service time in seconds, PHANTOM calls and calls that hung up in the VRU dropped.

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.CONTACT_COLUMNS`, instants in Asia/Jerusalem.
    """
    mapping = load_mapping("technion")
    return validate_contacts(read_mapped(path, mapping), timezone=mapping.timezone)
