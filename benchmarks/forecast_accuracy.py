"""Forecast accuracy on weeks no model has seen: nested rolling origin on both public real datasets.

Datasets (``../shared/data``, never copied into the repository):

* **bank_calls**: the North American bank's five-minute counts summed into 15-minute intervals,
  US Eastern time. A fold at every weekly cutoff with at least four weeks of history before it
  (21 folds of 7 days); run without a country, with ``US`` holidays, and with the timestamps in
  UTC (no timezone given) as a robustness check.
* **anonymous_bank**: the Anonymous Bank's January 1999 calls (the ``technion`` mapping and
  loader of :mod:`features.loaders`) aggregated per queue (call type) into 30-minute intervals,
  Asia/Jerusalem. A fold at every daily cutoff with at least two weeks of history before it and a
  whole week after it (11 folds of 7 days); run without a country and with ``IL`` holidays.

Nested: at every cutoff each model is refitted on the history before it only, so whatever it
chooses (auto's members, the band width, the calendar) comes from data before the cutoff, and
is scored on the next 7 local days (open intervals of the days present in the file).

Beside Seatwise's ``auto`` (and its members ``ets`` and ``weekday_level``) the table shows the
planner's spreadsheet (``4-week mean``: the mean of the same weekday and interval over the last
4 weeks available, no holiday calendar), the seasonal naive (same interval last week) and the
statsforecast peers MSTL and AutoETS (run in ``.venv-peers``, see benchmarks/peers/). Printed per
run: WAPE pooled over every fold, the median and the worst fold, the change against the
spreadsheet, p10-p90 coverage (pooled and per horizon day), bias and seconds; for the Anonymous
Bank, WAPE per queue; and what auto picked at each cutoff.

Targets: auto's WAPE at least 10 % below the spreadsheet on bank_calls; below the spreadsheet on
every Anonymous Bank queue with at least 300 calls a week; p10-p90 coverage 0.78-0.82; with and
without the options.

Usage: .venv/bin/python benchmarks/forecast_accuracy.py [--skip-peers]
       [--datasets bank,anonymous_bank]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.measures.intervals import build_intervals
from features.records.loaders import load_bank_calls, load_technion
from features.schema import INTERVAL_START, QUEUE
from forecasting import metrics
from forecasting.backtest import BacktestResult, backtest, fold_cutoffs, local_midnight
from forecasting.history import prepare_history
from forecasting.selection import make_forecaster

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "out"
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peers" / "statsforecast_folds.py"
HORIZON_DAYS = 7
SPREADSHEET = "4-week mean"
MODELS = ("seasonal_naive", "ets", "weekday_level", "auto")
BUSY_QUEUE_CALLS_PER_WEEK = 300


@dataclass(frozen=True)
class Run:
    """One dataset with one set of options."""

    dataset: str
    timezone: str
    country: str | None
    step_days: int
    min_train_days: int

    @property
    def label(self) -> str:
        return f"{self.dataset}, {self.timezone}, country {self.country or 'none'}"


RUNS = (
    Run("bank", "America/New_York", None, 7, 28),
    Run("bank", "America/New_York", "US", 7, 28),
    Run("bank", "UTC", None, 7, 28),
    Run("anonymous_bank", "Asia/Jerusalem", None, 1, 14),
    Run("anonymous_bank", "Asia/Jerusalem", "IL", 1, 14),
)


def load(dataset: str, timezone: str) -> pd.DataFrame:
    """The dataset's interval history in `timezone`."""
    if dataset == "bank":
        five = load_bank_calls(SHARED / "bank_calls" / "bank_calls_5min.csv", timezone=timezone)
        five = five[[QUEUE, INTERVAL_START, "offered"]].copy()
        five[INTERVAL_START] = five[INTERVAL_START].dt.floor("15min")
        history = five.groupby([QUEUE, INTERVAL_START], as_index=False)["offered"].sum()
    else:
        contacts = load_technion(SHARED / "anonymous_bank" / "january_1999.txt")
        history = build_intervals(contacts, freq_minutes=30, timezone=timezone)
        history = history[[QUEUE, INTERVAL_START, "offered", "aht_s"]].copy()
    history["offered"] = history["offered"].astype(float)
    return history


def run_ours(history: pd.DataFrame, run: Run) -> tuple[dict[str, BacktestResult], dict[str, float]]:
    """Backtest the spreadsheet, the seasonal naive and Seatwise's models."""
    results: dict[str, BacktestResult] = {}
    seconds: dict[str, float] = {}
    models = {SPREADSHEET: make_forecaster("seasonal_average", weeks=4)}
    models |= {name: make_forecaster(name, country=run.country) for name in MODELS}
    for label, model in models.items():
        started = time.perf_counter()
        result = backtest(
            history,
            [model],
            horizon_days=HORIZON_DAYS,
            step_days=run.step_days,
            min_train_days=run.min_train_days,
        )
        result.forecasts["model"] = label
        result.metrics["model"] = label
        results[label] = result
        seconds[label] = time.perf_counter() - started
        print(f"  {label}: {len(result.fold_scores())} folds, {seconds[label]:.1f} s", flush=True)
    return results, seconds


def run_peers(
    history: pd.DataFrame, run: Run, basis: BacktestResult
) -> tuple[dict[str, pd.DataFrame], dict[str, float]]:
    """statsforecast MSTL and AutoETS on the same folds, scored on the same intervals."""
    if not PEERS_PYTHON.exists():
        print(f"  statsforecast peers skipped: {PEERS_PYTHON} missing (`make bench-peers`)")
        return {}, {}
    OUT.mkdir(parents=True, exist_ok=True)
    prepared = prepare_history(history)
    days = fold_cutoffs(prepared, HORIZON_DAYS, None, run.step_days, run.min_train_days)
    folds = {
        "timezone": run.timezone,
        "cutoffs": [local_midnight(d, run.timezone).isoformat() for d in days],
        "stops": [local_midnight(d + HORIZON_DAYS, run.timezone).isoformat() for d in days],
    }
    stem = f"{run.dataset}_{run.timezone.replace('/', '_')}"
    history_path = OUT / f"{stem}_history.parquet"
    folds_path = OUT / f"{stem}_folds.json"
    forecast_path = OUT / f"{stem}_statsforecast.parquet"
    peer_input = history[[QUEUE, INTERVAL_START, "offered"]].copy()
    peer_input[INTERVAL_START] = peer_input[INTERVAL_START].dt.tz_convert("UTC")
    peer_input.to_parquet(history_path, index=False)
    folds_path.write_text(json.dumps(folds))
    started = time.perf_counter()
    completed = subprocess.run(
        [
            str(PEERS_PYTHON),
            str(PEER_SCRIPT),
            str(history_path),
            str(folds_path),
            str(forecast_path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    print(f"  statsforecast (MSTL + AutoETS): {time.perf_counter() - started:.1f} s", flush=True)
    seconds = json.loads(completed.stdout.strip().splitlines()[-1])["seconds"]
    peers = pd.read_parquet(forecast_path)
    peers[INTERVAL_START] = pd.to_datetime(peers[INTERVAL_START], utc=True).dt.tz_convert(
        run.timezone
    )
    keys = basis.forecasts[
        [QUEUE, "fold", "cutoff", INTERVAL_START, "horizon_day", "actual", "scored"]
    ]
    frames: dict[str, pd.DataFrame] = {}
    for name, part in peers.groupby("model", sort=False):
        merged = keys.merge(
            part.drop(columns="model"), on=[QUEUE, "fold", INTERVAL_START], how="left"
        )
        merged[["volume", "volume_p10", "volume_p90"]] = merged[
            ["volume", "volume_p10", "volume_p90"]
        ].fillna(0.0)
        merged["volume_p50"] = merged["volume"]
        merged["model"] = f"statsforecast {name}"
        frames[f"statsforecast {name}"] = merged
    return frames, {f"statsforecast {k}": v for k, v in seconds.items()}


def scores(forecasts: pd.DataFrame) -> dict[str, float]:
    """Pooled WAPE, fold median and worst, coverage, bias of one model's fold forecasts."""
    scored = forecasts[forecasts["scored"]]
    folds = scored.groupby("fold").apply(
        lambda g: metrics.wape(g["actual"].to_numpy(), g["volume"].to_numpy()), include_groups=False
    )
    actual = scored["actual"].to_numpy()
    return {
        "wape": metrics.wape(actual, scored["volume"].to_numpy()),
        "median": float(folds.median()),
        "worst": float(folds.max()),
        "coverage": metrics.coverage(
            actual, scored["volume_p10"].to_numpy(), scored["volume_p90"].to_numpy()
        ),
        "bias": metrics.bias(actual, scored["volume"].to_numpy()),
    }


def coverage_by_day(forecasts: pd.DataFrame) -> str:
    """p10-p90 coverage per horizon day with scored intervals, as ``day:coverage`` text."""
    scored = forecasts[forecasts["scored"]]
    parts = []
    for day, part in scored.groupby("horizon_day"):
        value = metrics.coverage(
            part["actual"].to_numpy(), part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
        )
        parts.append(f"{int(day)}:{value:.2f}")
    return " ".join(parts)


def queue_table(frames: dict[str, pd.DataFrame], history: pd.DataFrame) -> pd.DataFrame:
    """WAPE per queue and model (pooled over folds), with each queue's calls per week."""
    weeks = (history[INTERVAL_START].max() - history[INTERVAL_START].min()).days / 7
    volume = history.groupby(QUEUE)["offered"].sum() / weeks
    table = pd.DataFrame({"calls_per_week": volume.round(0)})
    for name, frame in frames.items():
        scored = frame[frame["scored"]]
        table[name] = scored.groupby(QUEUE).apply(
            lambda g: metrics.wape(g["actual"].to_numpy(), g["volume"].to_numpy()),
            include_groups=False,
        )
    return table.sort_values("calls_per_week", ascending=False)


def report(run: Run, frames: dict[str, pd.DataFrame], seconds: dict[str, float]) -> dict[str, bool]:
    """Print the run's tables and return its target checks."""
    rows = []
    for name, frame in frames.items():
        rows.append({"model": name, **scores(frame), "seconds": seconds.get(name, float("nan"))})
    table = pd.DataFrame(rows)
    sheet = float(table.loc[table["model"] == SPREADSHEET, "wape"].iloc[0])
    table.insert(2, "vs_sheet", table["wape"] / sheet - 1)
    shown = table.copy()
    for column in ("wape", "median", "worst", "coverage"):
        shown[column] = shown[column].map("{:.4f}".format)
    for column in ("vs_sheet", "bias"):
        shown[column] = shown[column].map("{:+.1%}".format)
    shown["seconds"] = shown["seconds"].map("{:.0f}".format)
    print(f"\n=== {run.label}: {frames['auto']['fold'].nunique()} folds of {HORIZON_DAYS} days ===")
    print(shown.to_string(index=False))
    print(f"auto coverage per horizon day: {coverage_by_day(frames['auto'])}")
    picks = frames["auto"].drop_duplicates([QUEUE, "fold"])["picked"].value_counts()
    print("auto picked (queue x fold): " + ", ".join(f"{k} x{v}" for k, v in picks.items()))
    auto = table[table["model"] == "auto"].iloc[0]
    checks = {"auto p10-p90 coverage 0.78-0.82": 0.78 <= auto["coverage"] <= 0.82}
    if run.dataset == "bank":
        checks["auto WAPE at least 10% below the 4-week mean"] = auto["vs_sheet"] <= -0.10
    else:
        history = load(run.dataset, run.timezone)
        per_queue = queue_table(frames, history)
        print("WAPE per queue:")
        print(per_queue.round(3).to_string())
        busy = per_queue[per_queue["calls_per_week"] >= BUSY_QUEUE_CALLS_PER_WEEK]
        label = (
            f"auto below the 4-week mean on every queue with >= {BUSY_QUEUE_CALLS_PER_WEEK} "
            f"calls a week ({', '.join(busy.index)})"
        )
        checks[label] = bool((busy["auto"] < busy[SPREADSHEET]).all())
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--datasets", default="bank,anonymous_bank")
    args = parser.parse_args()
    wanted = set(args.datasets.split(","))
    outcome: dict[str, bool] = {}
    peers_done: dict[tuple[str, str], tuple[dict[str, pd.DataFrame], dict[str, float]]] = {}
    for run in RUNS:
        if run.dataset not in wanted:
            continue
        history = load(run.dataset, run.timezone)
        print(f"\n{run.label}: {len(history)} rows, running models ...", flush=True)
        results, seconds = run_ours(history, run)
        frames = {name: result.forecasts for name, result in results.items()}
        key = (run.dataset, run.timezone)
        if not args.skip_peers:
            if key not in peers_done:
                peers_done[key] = run_peers(history, run, results["auto"])
            peer_frames, peer_seconds = peers_done[key]
            frames |= peer_frames
            seconds |= peer_seconds
        for label, ok in report(run, frames, seconds).items():
            outcome[f"{run.label}: {label}"] = ok
    print("\nSummary of targets:")
    for label, ok in outcome.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(outcome.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
