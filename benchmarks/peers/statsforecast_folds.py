"""Peer half of benchmarks/forecast_accuracy.py: Nixtla statsforecast MSTL and AutoETS.

Run by ``.venv-peers/bin/python`` (statsforecast needs pandas < 3). Reads the history and the
fold cutoffs written by forecast_accuracy.py, writes every fold's forecasts back as Parquet.

As is usual for statsforecast on business-hours data, each queue's model sees the series of its
open intervals only: the weekdays and times of day that had contacts in the training history
(for the bank 57 fifteen-minute intervals a day, five days a week: seasons of 57 and 285 steps).
A weekday missing from the file (a data gap) is filled with the same weekday one week earlier so
the weekly cycle keeps its phase; closed intervals are forecast as zero, exactly like Seatwise's
models. Every queue is a separate series (``unique_id``). AutoETS is asked for additive seasonality
(``model="ZZA"``; error and trend still chosen automatically): with the default ``"ZZZ"`` it
picks a non-seasonal model on this series whose forecasts fall to zero within a day.

Usage: python statsforecast_folds.py HISTORY.parquet FOLDS.json OUT.parquet
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, AutoETS

LEVEL = 80


def open_layout(train: pd.DataFrame) -> tuple[list[int], list[pd.Timedelta]]:
    """Open weekdays and open times of day seen in the training history."""
    local = train["interval_start"]
    weekdays = sorted(local.dt.weekday.unique().tolist())
    times = sorted((local - local.dt.normalize()).unique().tolist())
    return weekdays, times


def open_instants(days: pd.DatetimeIndex, times: list[pd.Timedelta]) -> pd.DatetimeIndex:
    """Every open interval start of the given local days."""
    return pd.DatetimeIndex([day + t for day in days for t in times])


def training_series(
    train: pd.DataFrame, weekdays: list[int], times: list[pd.Timedelta]
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Open-interval series with missing weekdays filled from the week before."""
    tz = train["interval_start"].dt.tz
    first = train["interval_start"].min().normalize()
    last = train["interval_start"].max().normalize()
    days = pd.date_range(first.tz_localize(None), last.tz_localize(None), freq="D")
    days = days[days.weekday.isin(weekdays)].tz_localize(tz)
    values = train.set_index("interval_start")["offered"]
    instants = open_instants(days, times)
    present = set(train["interval_start"].dt.normalize())
    day_present = np.array([d in present for d in days])
    y = values.reindex(instants).fillna(0.0).to_numpy().reshape(len(days), len(times))
    per_week = len(weekdays)
    for i in range(len(days)):
        if not day_present[i] and i >= per_week:
            y[i] = y[i - per_week]
    for i in range(len(days) - 1, -1, -1):
        if not day_present[i] and i + per_week < len(days):
            y[i] = y[i + per_week]
    return y.reshape(-1), days


def main() -> None:
    history_path, folds_path, out_path = sys.argv[1:4]
    history = pd.read_parquet(history_path)
    with open(folds_path) as handle:
        folds = json.load(handle)
    tz = folds["timezone"]
    history["interval_start"] = pd.to_datetime(history["interval_start"], utc=True).dt.tz_convert(
        tz
    )
    frames = []
    timings = {"MSTL": 0.0, "AutoETS": 0.0}
    for fold, (cutoff_text, stop_text) in enumerate(
        zip(folds["cutoffs"], folds["stops"], strict=True)
    ):
        cutoff = pd.Timestamp(cutoff_text).tz_convert(tz)
        stop = pd.Timestamp(stop_text).tz_convert(tz)
        for queue, mine in history[history["interval_start"] < cutoff].groupby("queue"):
            train = mine[mine["offered"] > 0]
            if train.empty:
                continue
            weekdays, times = open_layout(train)
            y, _ = training_series(mine, weekdays, times)
            future_days = pd.date_range(
                cutoff.tz_localize(None), stop.tz_localize(None), freq="D", inclusive="left"
            )
            future_days = future_days[future_days.weekday.isin(weekdays)].tz_localize(
                tz, nonexistent="shift_forward", ambiguous=False
            )
            future = open_instants(future_days, times)
            horizon = len(future)
            per_day = len(times)
            seasons = [per_day, per_day * len(weekdays)]
            frame = pd.DataFrame(
                {"unique_id": queue, "ds": np.arange(len(y)), "y": y.astype(float)}
            )
            for name, model in (
                ("MSTL", MSTL(season_length=[s for s in seasons if len(y) > 2 * s] or [per_day])),
                ("AutoETS", AutoETS(season_length=per_day, model="ZZA")),
            ):
                started = time.perf_counter()
                sf = StatsForecast(models=[model], freq=1, n_jobs=1)
                out = sf.forecast(df=frame, h=horizon, level=[LEVEL])
                timings[name] += time.perf_counter() - started
                frames.append(
                    pd.DataFrame(
                        {
                            "queue": queue,
                            "interval_start": future.tz_convert("UTC"),
                            "model": name,
                            "fold": fold,
                            "volume": np.maximum(out[name].to_numpy(), 0.0),
                            "volume_p10": np.maximum(out[f"{name}-lo-{LEVEL}"].to_numpy(), 0.0),
                            "volume_p90": np.maximum(out[f"{name}-hi-{LEVEL}"].to_numpy(), 0.0),
                        }
                    )
                )
        print(f"fold {fold + 1}/{len(folds['cutoffs'])} done", flush=True)
    result = pd.concat(frames, ignore_index=True)
    result.to_parquet(out_path, index=False)
    print(json.dumps({"seconds": timings}))


if __name__ == "__main__":
    main()
