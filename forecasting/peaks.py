"""Daily peaks: each local day's busiest interval and its volume."""

from __future__ import annotations

import pandas as pd

from features.errors import FieldError, InvalidInput


def daily_peaks(frame: pd.DataFrame, value_col: str = "volume") -> pd.DataFrame:
    """The peak interval of each queue and local day.

    Parameters
    ----------
    frame:
        Long frame with ``queue``, tz-aware ``interval_start`` and `value_col` (contacts per
        interval), e.g. a forecast or an interval history.
    value_col:
        The measure whose peak is wanted (``volume``, ``offered``, ``volume_p90``...).

    Returns
    -------
    pandas.DataFrame
        ``queue``, ``date`` (local calendar day in the frame's zone), ``interval_start`` (the
        first interval reaching the day's maximum) and `value_col` (the maximum). Days whose
        values are all zero or NaN (closed days) are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"queue": "q", "volume": [1.0, 5.0, 2.0],
    ...                   "interval_start": pd.date_range("2026-03-02 09:00", periods=3,
    ...                                                   freq="15min", tz="Europe/Berlin")})
    >>> daily_peaks(f)["interval_start"].dt.strftime("%H:%M").tolist()
    ['09:15']
    """
    missing = [c for c in ("queue", "interval_start", value_col) if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"frame lacks column(s) {', '.join(missing)} needed for daily peaks",
            [FieldError(None, c, "required column") for c in missing],
        )
    data = frame[["queue", "interval_start", value_col]].copy()
    data = data[data[value_col].notna() & (data[value_col] > 0)]
    data["date"] = data["interval_start"].dt.tz_localize(None).dt.normalize().dt.date
    data = data.sort_values(
        ["queue", "date", value_col, "interval_start"], ascending=[True, True, False, True]
    )
    peaks = data.drop_duplicates(["queue", "date"], keep="first")
    return peaks[["queue", "date", "interval_start", value_col]].reset_index(drop=True)
