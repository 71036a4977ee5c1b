"""Forecast speed: 50 synthetic queues x 2 years of 15-minute history, train and forecast a week.

Each queue has its own level, opening hours (some open every day), weekday pattern, yearly
swing, trend and handle times; volumes are Poisson. Closed intervals are absent, as in a real
interval history. For each model the table shows the history rows, fit and predict seconds and
rows per second (history rows / (fit + predict) seconds). Target: under 3 minutes on 2 cores.

Usage: .venv/bin/python benchmarks/forecast_speed.py [--models lightgbm,auto] [--queues 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

from forecasting.selection import make_forecaster

TIMEZONE = "Europe/Berlin"
START = "2024-11-25"
WEEKS = 104
TARGET_SECONDS = 180.0


def synthetic_history(queues: int, seed: int = 11) -> pd.DataFrame:
    """`queues` queues over `WEEKS` weeks of 15-minute local intervals (closed ones absent)."""
    rng = np.random.default_rng(seed)
    instants = pd.date_range(
        pd.Timestamp(START, tz=TIMEZONE), periods=WEEKS * 7 * 96 + 8, freq="15min"
    )
    instants = instants[instants < pd.Timestamp(START, tz=TIMEZONE) + pd.Timedelta(weeks=WEEKS)]
    local = instants.tz_localize(None)
    hours = (local.hour + local.minute / 60).to_numpy()
    weekday = local.day_of_week.to_numpy()
    day_of_year = local.day_of_year.to_numpy()
    elapsed = (local - local[0]).days.to_numpy() / 365.0
    frames = []
    for q in range(queues):
        level = rng.uniform(5, 80)
        opens, closes = rng.choice([7, 8, 9]), rng.choice([17, 18, 20, 22])
        days_open = 7 if q % 3 == 0 else 6 if q % 3 == 1 else 5
        weekly = rng.uniform(0.7, 1.3, size=7)
        peak = rng.uniform(10, 15)
        shape = np.exp(-(((hours - peak) / rng.uniform(2.5, 4.5)) ** 2)) + 0.2
        yearly = 1 + 0.15 * np.sin(2 * np.pi * (day_of_year / 365.25 + rng.uniform()))
        trend = 1 + rng.uniform(-0.1, 0.2) * elapsed
        mean = level * shape * weekly[weekday] * yearly * trend
        is_open = (weekday < days_open) & (hours >= opens) & (hours < closes)
        offered = rng.poisson(mean[is_open]).astype(float)
        aht = rng.normal(300 + (20 * q) % 120, 25, size=offered.size).clip(60)
        frames.append(
            pd.DataFrame(
                {
                    "queue": f"queue_{q:02d}",
                    "interval_start": instants[is_open],
                    "offered": offered,
                    "aht_s": aht,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lightgbm,auto")
    parser.add_argument("--queues", type=int, default=50)
    args = parser.parse_args()
    history = synthetic_history(args.queues)
    start = history["interval_start"].max().normalize() + pd.Timedelta(days=1)
    print(
        f"{args.queues} queues x {WEEKS} weeks: {len(history):,} history rows "
        f"(open intervals), {os.cpu_count()} cores; forecasting one week from {start:%Y-%m-%d}"
    )
    rows = []
    for name in args.models.split(","):
        model = make_forecaster(name)
        started = time.perf_counter()
        model.fit(history)
        fitted = time.perf_counter()
        forecast = model.predict(start, 7 * 96)
        done = time.perf_counter()
        total = done - started
        rows.append(
            {
                "model": name,
                "history_rows": len(history),
                "forecast_rows": len(forecast),
                "fit_s": round(fitted - started, 1),
                "predict_s": round(done - fitted, 2),
                "total_s": round(total, 1),
                "rows_per_s": round(len(history) / total),
                "under_3_min": total < TARGET_SECONDS,
            }
        )
        print(f"  {name}: {total:.1f} s", flush=True)
    print()
    print(pd.DataFrame(rows).to_string(index=False))
    return 0 if all(r["under_3_min"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
