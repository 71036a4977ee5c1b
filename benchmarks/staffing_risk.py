"""Risk-aware staffing: does "meets the target with probability c" hold when the week happens?

A synthetic voice queue over a day of 48 half-hours (10 to 220 calls per half-hour, 200 s
handle time, 80/20, occupancy cap 85%). Each simulated day draws every interval's true expected
count from a gamma around the forecast (coefficient of variation `--cv`; 0 means the forecast's
rate is exact), so the forecast's p10-p90 band (the negative-binomial quantiles of the count) is
calibrated by construction. The day is staffed three ways — the point forecast (plain Erlang C),
confidence 0.8 and confidence 0.9 — with dedicated agents following the requirement exactly, and
the calls are simulated (Poisson at the true rate, exponential handle times).

Printed per band width and plan: agent-intervals, the predicted share of intervals meeting
80/20 (the mean ``meet_probability``) and the simulated share (after a one-interval warm-up).

Run: ``nice .venv/bin/python benchmarks/staffing_risk.py [--days 40]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy import stats

from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.simulation.simulator import (
    COUNT_COLUMNS,
    SimConfig,
    agents_from_requirements,
    simulate_replications,
)

STARTS = pd.date_range("2026-11-30T00:00", periods=48, freq="30min", tz="Europe/Berlin")
AHT_S = 200.0


def day_profile() -> np.ndarray:
    """Calls per half-hour: a double-peaked working day between 10 and 220."""
    hours = np.arange(48) / 2.0
    shape = np.exp(-(((hours - 10.5) / 2.5) ** 2)) + 0.8 * np.exp(-(((hours - 15.0) / 2.0) ** 2))
    return np.round(10.0 + 210.0 * shape / shape.max())


def band(volume: np.ndarray, cv: float) -> tuple[np.ndarray, np.ndarray]:
    """The calibrated p10-p90 of the count when the rate is gamma with this CV."""
    if cv == 0:
        return stats.poisson.ppf(0.1, volume), stats.poisson.ppf(0.9, volume)
    shape = 1.0 / cv**2
    p = shape / (shape + volume)
    return stats.nbinom.ppf(0.1, shape, p), stats.nbinom.ppf(0.9, shape, p)


def run(cv: float, days: int, seed: int) -> list[tuple[str, int, float, float]]:
    volume = day_profile()
    p10, p90 = band(volume, cv)
    forecast = pd.DataFrame(
        {
            "queue": "q",
            "interval_start": STARTS,
            "volume": volume,
            "volume_p10": p10,
            "volume_p90": p90,
            "aht_s": AHT_S,
        }
    )
    rng = np.random.default_rng(seed)
    truths = [volume if cv == 0 else rng.gamma(1.0 / cv**2, volume * cv**2) for _ in range(days)]
    rows = []
    for label, confidence in (("point", None), ("c = 0.8", 0.8), ("c = 0.9", 0.9)):
        targets = ServiceTargets(confidence=confidence, shrinkage=0.0)
        req = compute_requirements(forecast, targets, interval_minutes=30, details=True)
        agents = agents_from_requirements(req, interval_minutes=30)
        met = []
        for day, truth in enumerate(truths):
            actual = forecast.assign(volume=truth)
            config = SimConfig(
                handle_distribution="exponential", seed=seed + day, interval_minutes=30
            )
            counts = simulate_replications(actual, agents, config).iloc[1:]
            sums = counts[COUNT_COLUMNS]
            level = sums["within"] / (sums["offered"] - sums["short_abandoned"]).clip(lower=1)
            met.append((level >= 0.8 - 1e-12).to_numpy())
        predicted = float(req["meet_probability"].iloc[1:].mean())
        rows.append((label, int(req["agents"].sum()), predicted, float(np.mean(met))))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"{args.days} simulated days x 47 half-hours, 80/20, AHT {AHT_S:g} s\n")
    header = f"{'rate CV':>8}  {'plan':9}{'agent-intervals':>17}"
    print(f"{header}{'predicted met':>15}{'simulated met':>15}")
    for cv in (0.0, 0.1, 0.2):
        for label, agents, predicted, simulated in run(cv, args.days, args.seed):
            print(f"{cv:>8.2f}  {label:9}{agents:>17,}{predicted:>15.1%}{simulated:>15.1%}")
    print(f"\n({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
