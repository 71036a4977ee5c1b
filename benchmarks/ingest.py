"""Benchmark: 1,000,000 contacts from CSV through validation, storage (SQLite) and intervals.

Compares against the bare floor of the same job: ``pandas.read_csv`` of the same file plus a
``groupby`` of arrivals into 15-minute intervals per queue (no validation, no storage). Target:
the whole Seatwise pipeline under 20 s on a 2-core machine, and within 4x of the bare floor.

Run: ``.venv/bin/python benchmarks/ingest.py [--rows 1000000] [--database-url URL]``
(default: a throw-away SQLite file). The input file is generated first (not timed).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.ingest import read_records
from features.measures.intervals import build_intervals
from features.records.validation import validate_contacts
from features.store.records_store import Store

QUEUES = np.array(["billing", "sales", "support", "tech"])
CHANNELS = np.array(["voice", "voice", "chat", "email"])


def write_contacts_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A chronological ACD-like export: 4 queues, waits, talk/hold/acw, 10% abandoned."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-09-01T06:00:00Z")
    gaps = rng.exponential(60 * 24 * 7 * 8 * 60 / rows, rows)
    arrived = start + pd.to_timedelta(np.cumsum(gaps), unit="s").round("s")
    queue_index = rng.choice(4, rows, p=[0.4, 0.25, 0.2, 0.15])
    abandoned = rng.random(rows) < 0.1
    wait = pd.to_timedelta(rng.exponential(25, rows).round(), unit="s")
    talk = rng.lognormal(5.2, 0.6, rows).round()
    hold = np.where(rng.random(rows) < 0.2, rng.exponential(40, rows).round(), 0.0)
    acw = rng.exponential(30, rows).round()
    answered = arrived + wait
    ended = answered + pd.to_timedelta(talk + hold, unit="s")

    def iso(values: pd.DatetimeIndex) -> np.ndarray:
        utc = values.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[s]")
        return np.char.add(np.datetime_as_string(utc, unit="s"), "Z")

    frame = pd.DataFrame(
        {
            "contact_id": np.char.add("ct-", np.arange(rows).astype(str)),
            "queue": QUEUES[queue_index],
            "channel": CHANNELS[queue_index],
            "arrived_at": iso(arrived),
            "answered_at": pd.Series(iso(answered)).where(~abandoned),
            "ended_at": iso(ended),
            "talk_s": np.where(abandoned, np.nan, talk),
            "hold_s": np.where(abandoned, np.nan, hold),
            "acw_s": np.where(abandoned, np.nan, acw),
            "agent_id": pd.Series(np.char.add("a", rng.integers(0, 300, rows).astype(str))).where(
                ~abandoned
            ),
            "csat": pd.Series(rng.integers(1, 6, rows)).where(rng.random(rows) < 0.15),
        }
    )
    frame.to_csv(path, index=False)


CPU: dict[str, float] = {}


def timed(fn: Callable[[], Any], name: str = "") -> tuple[Any, float]:
    """Run fn; return its result and wall seconds (CPU seconds of this process kept in CPU)."""
    begin, begin_cpu = time.perf_counter(), time.process_time()
    result = fn()
    CPU[name] = time.process_time() - begin_cpu
    return result, time.perf_counter() - begin


def bare_pandas(path: Path) -> pd.DataFrame:
    """The floor: read the CSV and count arrivals and mean handle per queue and 15 minutes."""
    frame = pd.read_csv(path)
    arrived = pd.to_datetime(frame["arrived_at"], utc=True, format="ISO8601")
    # Berlin's offsets are whole hours, so UTC 15-minute boundaries are local ones too.
    frame["interval_start"] = arrived.dt.floor("15min")
    frame["handle_s"] = frame["talk_s"] + frame["hold_s"] + frame["acw_s"]
    return frame.groupby(["queue", "interval_start"]).agg(
        offered=("contact_id", "size"), aht_s=("handle_s", "mean")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        _, made = timed(lambda: write_contacts_csv(path, args.rows))
        size_mb = path.stat().st_size / 1e6
        print(f"input: {args.rows:,} contacts, {size_mb:.0f} MB CSV (generated in {made:.1f} s)")

        baseline, bare_s = timed(lambda: bare_pandas(path), "bare")

        store = Store(args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.migrate()
        raw, read_s = timed(lambda: read_records(path, "contacts"), "read")
        clean, validate_s = timed(
            lambda: validate_contacts(raw, timezone="Europe/Berlin"), "validate"
        )
        report, store_s = timed(lambda: store.ingest_contacts(clean, validated=True), "store")
        history, aggregate_s = timed(
            lambda: build_intervals(clean, freq_minutes=15, timezone="Europe/Berlin"), "aggregate"
        )
        _, again_s = timed(lambda: store.ingest_contacts(clean, validated=True), "again")
        store.dispose()
    total = read_s + validate_s + store_s + aggregate_s
    CPU["total"] = CPU["read"] + CPU["validate"] + CPU["store"] + CPU["aggregate"]
    CPU["ratio"] = CPU["total"] / CPU["bare"]
    if report.inserted != args.rows or int(history["offered"].sum()) != args.rows:
        raise SystemExit("benchmark check failed: not every contact was stored and counted")
    if int(baseline["offered"].sum()) != args.rows:
        raise SystemExit("benchmark check failed: the bare pandas floor lost contacts")
    print(f"store: {store.dialect}; {len(history):,} interval rows")
    print()
    print(f"| {'phase':<36} | {'wall s':>8} | {'CPU s':>8} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 10}|")
    for name, seconds, key in (
        ("read CSV", read_s, "read"),
        ("validate", validate_s, "validate"),
        ("store (one transaction)", store_s, "store"),
        ("15-minute intervals", aggregate_s, "aggregate"),
        ("Seatwise total", total, "total"),
        ("bare pandas read_csv + groupby", bare_s, "bare"),
        ("ratio Seatwise / bare pandas", total / bare_s, "ratio"),
        ("re-ingest same file (no-op)", again_s, "again"),
    ):
        print(f"| {name:<36} | {seconds:>8.2f} | {CPU[key]:>8.2f} |")
    print(f"\nload average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    verdict = "met" if total < 20 and total / bare_s <= 4 else "NOT met"
    print(f"\ntarget (< 20 s and <= 4x bare pandas): {verdict}")


if __name__ == "__main__":
    main()
