"""What `seatwise forecast` and `seatwise backtest` print beside their files: the days a
forecaster treated as missing, how it treats the holidays it forecasts, what the backtest picked
at each origin and how its bands held per horizon day."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.table import Table

from api.cli.common import console

if TYPE_CHECKING:
    from forecasting.backtest import BacktestResult
    from forecasting.base import Forecaster

SHOWN_DAYS = 8
"""Missing days listed per queue before the rest are counted."""


def print_missing_days(forecaster: Forecaster) -> None:
    """List per queue the whole opening days without records that training skipped (local
    dates), or say there were none."""
    missing: dict[str, list[object]] = dict(getattr(forecaster, "missing_days_", None) or {})
    gaps = {queue: days for queue, days in missing.items() if days}
    if not gaps:
        console.print("missing days: none (every opening day has records)")
        return
    console.print("missing days (no records on an opening day; skipped, not read as zero):")
    for queue, days in sorted(gaps.items()):
        shown = ", ".join(str(d) for d in days[:SHOWN_DAYS])
        more = f" and {len(days) - SHOWN_DAYS} more" if len(days) > SHOWN_DAYS else ""
        console.print(f"  {queue}: {shown}{more}")


def print_calendar_notes(forecaster: Forecaster, first: pd.Timestamp, days: int) -> None:
    """Table of the public holidays inside the forecast window and each queue's treatment
    (closed as seen, open as seen, or open with a widened band when never seen)."""
    start = np.datetime64(first.date(), "D")
    notes = forecaster.calendar_notes(start + np.arange(days))
    if notes.empty:
        return
    table = Table(title="holidays in the forecast window")
    for column in notes.columns:
        table.add_column(column)
    for record in notes.itertuples(index=False):
        table.add_row(*(str(value) for value in record))
    console.print(table)


def picks_table(result: BacktestResult) -> Table:
    """What each model used at each origin (auto's members per cutoff), one row per (model,
    cutoff); queues that picked differently are listed after their pick."""
    picks = result.picks
    table = Table(title="what each model used at each origin")
    for column in ("model", "fold", "cutoff", "picked"):
        table.add_column(column, no_wrap=column != "picked")
    for (model, fold), part in picks.groupby(["model", "fold"], sort=False):
        by_pick = part.groupby("picked", sort=True)["queue"].apply(list)
        if len(by_pick) == 1:
            label = str(by_pick.index[0])
        else:
            label = "; ".join(f"{p} ({', '.join(map(str, q))})" for p, q in by_pick.items())
        table.add_row(str(model), str(fold), str(part["cutoff"].iloc[0])[:10], label)
    return table


def horizon_table(result: BacktestResult) -> Table:
    """p10-p90 coverage and WAPE per horizon day (pooled over queues and folds) per model."""
    by_day = result.coverage_by_horizon()
    table = Table(title="bands and error by horizon day (1 = the cutoff's day)")
    table.add_column("model", no_wrap=True)
    table.add_column("day", justify="right")
    table.add_column("cover", justify="right")
    table.add_column("wape", justify="right")
    table.add_column("intervals", justify="right")
    for row in by_day.itertuples(index=False):
        table.add_row(
            str(row.model),
            str(row.horizon_day),
            f"{row.coverage_p10_p90:.3f}",
            f"{row.wape:.3f}",
            str(row.intervals),
        )
    return table
