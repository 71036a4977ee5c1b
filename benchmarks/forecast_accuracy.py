"""Forecast accuracy on the real bank call counts: Seatwise's models against statsforecast.

Rolling origin over the last 8 weeks of ``../shared/data/bank_calls/bank_calls_5min.csv``
(aggregated to 15-minute intervals): 8 folds, each refitting on everything before a local
midnight and forecasting the next 7 days. Every model is scored on the same intervals: open
intervals (07:00-21:00 local, weekdays) of days present in the file; closed periods are
forecast as zero by every model. Printed per model: WAPE, its change against the seasonal-naive
baseline, p10-p90 coverage, mean pinball loss, bias, the share of days whose peak interval is
hit exactly, the relative error of daily peak volumes, and wall-clock seconds.

The peers (Nixtla statsforecast MSTL and AutoETS) need pandas < 3, so they run in
``.venv-peers`` (``make bench-peers`` builds it) via benchmarks/peers/statsforecast_folds.py,
exchanging Parquet files under benchmarks/out/.

Usage: .venv/bin/python benchmarks/forecast_accuracy.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from forecasting import metrics
from forecasting.backtest import backtest, fold_cutoffs, local_midnight
from forecasting.history import prepare_history
from forecasting.peaks import daily_peaks
from forecasting.selection import make_forecaster

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "bank_calls" / "bank_calls_5min.csv"
OUT = ROOT / "benchmarks" / "out"
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peers" / "statsforecast_folds.py"
TIMEZONE = "America/New_York"
HORIZON_DAYS = 7
FOLDS = 8
COUNTRY = "US"
MODELS = ("seasonal_naive", "seasonal_average", "ets", "lightgbm", "auto")


def load_history() -> pd.DataFrame:
    """The bank's 5-minute counts summed into 15-minute local intervals."""
    try:
        from features.records.loaders import load_bank_calls

        five = load_bank_calls(DATA, timezone=TIMEZONE)
    except ImportError:
        from features.records.frame_io import read_frame

        five = read_frame(DATA, timezone=TIMEZONE)
    five = five[["queue", "interval_start", "offered"]].copy()
    five["interval_start"] = five["interval_start"].dt.floor("15min")
    history = five.groupby(["queue", "interval_start"], as_index=False)["offered"].sum()
    history["offered"] = history["offered"].astype(float)
    return history


def run_ours(history: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """Backtest every Seatwise model; return all fold forecasts and seconds per model."""
    frames = []
    seconds = {}
    for name in MODELS:
        started = time.perf_counter()
        result = backtest(history, [make_forecaster(name, country=COUNTRY)], HORIZON_DAYS, FOLDS)
        seconds[name] = time.perf_counter() - started
        frames.append(result.forecasts)
        print(f"  {name}: {seconds[name]:.1f} s", flush=True)
    return pd.concat(frames, ignore_index=True), seconds


def run_peers(history: pd.DataFrame, basis: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, float]]:
    """statsforecast MSTL and AutoETS on the same folds, scored on the same intervals."""
    if not PEERS_PYTHON.exists():
        print(
            f"statsforecast peers skipped: {PEERS_PYTHON} does not exist "
            "(run `make bench-peers` to build .venv-peers)"
        )
        return pd.DataFrame(), {}
    OUT.mkdir(parents=True, exist_ok=True)
    prepared = prepare_history(history)
    days = fold_cutoffs(prepared, HORIZON_DAYS, FOLDS, HORIZON_DAYS)
    folds = {
        "timezone": TIMEZONE,
        "cutoffs": [local_midnight(d, TIMEZONE).isoformat() for d in days],
        "stops": [local_midnight(d + HORIZON_DAYS, TIMEZONE).isoformat() for d in days],
    }
    history_path = OUT / "bank_15min.parquet"
    folds_path = OUT / "bank_folds.json"
    forecast_path = OUT / "statsforecast_forecasts.parquet"
    peer_input = history.copy()
    peer_input["interval_start"] = peer_input["interval_start"].dt.tz_convert("UTC")
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
    elapsed = time.perf_counter() - started
    seconds = json.loads(completed.stdout.strip().splitlines()[-1])["seconds"]
    print(f"  statsforecast (MSTL + AutoETS): {elapsed:.1f} s", flush=True)
    peers = pd.read_parquet(forecast_path)
    peers["interval_start"] = pd.to_datetime(peers["interval_start"], utc=True).dt.tz_convert(
        TIMEZONE
    )
    frames = []
    keys = basis[["queue", "fold", "interval_start", "actual", "scored"]]
    for name, part in peers.groupby("model", sort=False):
        merged = keys.merge(
            part.drop(columns="model"), on=["queue", "fold", "interval_start"], how="left"
        )
        merged[["volume", "volume_p10", "volume_p90"]] = merged[
            ["volume", "volume_p10", "volume_p90"]
        ].fillna(0.0)
        merged["volume_p50"] = merged["volume"]
        merged["model"] = f"statsforecast {name}"
        frames.append(merged)
    return pd.concat(frames, ignore_index=True), {
        f"statsforecast {k}": v for k, v in seconds.items()
    }


def peak_scores(part: pd.DataFrame) -> dict[str, float]:
    """Daily peak-interval hit rate and relative peak-volume error over scored intervals."""
    actual = daily_peaks(part, "actual")
    forecast = daily_peaks(part, "volume")
    joined = actual.merge(forecast, on=["queue", "date"], how="left")
    return {
        "peak_hit": metrics.peak_hit_rate(
            joined["interval_start_x"].to_numpy(), joined["interval_start_y"].to_numpy()
        ),
        "peak_error": metrics.peak_volume_error(
            joined["actual"].to_numpy(), joined["volume"].fillna(0.0).to_numpy()
        ),
    }


def score(forecasts: pd.DataFrame, seconds: dict[str, float]) -> pd.DataFrame:
    """Pooled metrics per model over every fold's scored intervals."""
    rows = []
    for model, part in forecasts[forecasts["scored"]].groupby("model", sort=False):
        actual = part["actual"].to_numpy()
        rows.append(
            {
                "model": model,
                "wape": metrics.wape(actual, part["volume"].to_numpy()),
                "coverage_p10_p90": metrics.coverage(
                    actual, part["volume_p10"].to_numpy(), part["volume_p90"].to_numpy()
                ),
                "pinball": metrics.mean_pinball(
                    actual,
                    part["volume_p10"].to_numpy(),
                    part["volume_p50"].to_numpy(),
                    part["volume_p90"].to_numpy(),
                ),
                "bias": metrics.bias(actual, part["volume"].to_numpy()),
                **peak_scores(part),
                "seconds": seconds.get(str(model), float("nan")),
            }
        )
    table = pd.DataFrame(rows)
    naive = float(table.loc[table["model"] == "seasonal_naive", "wape"].iloc[0])
    table.insert(2, "vs_naive", table["wape"] / naive - 1)
    return table


def main() -> int:
    history = load_history()
    first, last = history["interval_start"].min(), history["interval_start"].max()
    print(f"bank_calls: {len(history)} 15-minute rows, {first:%Y-%m-%d} .. {last:%Y-%m-%d}")
    print(f"rolling origin: {FOLDS} folds x {HORIZON_DAYS} days; running models ...")
    ours, seconds = run_ours(history)
    basis = ours[ours["model"] == "seasonal_naive"]
    peers, peer_seconds = run_peers(history, basis)
    table = score(pd.concat([ours, peers], ignore_index=True), {**seconds, **peer_seconds})
    shown = table.copy()
    for column in ("wape", "coverage_p10_p90", "peak_hit", "peak_error"):
        shown[column] = shown[column].map("{:.2%}".format)
    for column in ("vs_naive", "bias"):
        shown[column] = shown[column].map("{:+.1%}".format)
    shown["pinball"] = shown["pinball"].map(lambda v: f"{v:.2f}")
    shown["seconds"] = shown["seconds"].map(lambda v: f"{v:.1f}")
    print()
    print(shown.to_string(index=False))
    auto = table[table["model"] == "auto"].iloc[0]
    peer_wapes = table.loc[table["model"].str.startswith("statsforecast"), "wape"]
    checks = {
        "auto WAPE at least 20% below seasonal naive": auto["vs_naive"] <= -0.20,
        "auto WAPE below every statsforecast model": bool(
            peer_wapes.empty or (auto["wape"] < peer_wapes).all()
        ),
        "auto p10-p90 coverage within 75-85%": 0.75 <= auto["coverage_p10_p90"] <= 0.85,
    }
    print()
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    if peer_wapes.empty:
        print("(statsforecast not run: the peer comparison is incomplete)")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
