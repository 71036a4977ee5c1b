"""Anomaly-score benchmark: precision and recall on a generated month with injected shifts.

A centre is generated for ``train_weeks + 4`` weeks; `--anomalies` shifts of +-30-80 % lasting
1-3 hours are injected on random queues and weekdays of the last four weeks, between 09:00 and
17:00 local time (every queue is open then). A seasonal-average forecaster (with calibrated
quantiles) is trained on the preceding weeks and forecasts the month; the month's intervals are
scored with :func:`forecasting.anomalies.score_anomalies`.

An injected interval counts as found when its volume row is flagged. Precision is the share of
flagged volume rows that lie inside an injected window; recall the share of injected intervals
flagged. Run::

    .venv/bin/python benchmarks/anomalies.py [--agents 1000 --anomalies 20 --seeds 0 1 2 3
        --held-out 2 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from features.measures.intervals import build_intervals
from features.synthetic.generator import Anomaly, generate_centre
from forecasting.anomalies import score_anomalies
from forecasting.selection import make_forecaster

TIMEZONE = "Europe/Berlin"
MONTH_DAYS = 28


def injected_shifts(
    queues: list[str], first_day: pd.Timestamp, count: int, rng: np.random.Generator
) -> list[Anomaly]:
    """`count` non-overlapping shifts of +-30-80 % lasting 1-3 hours on weekdays 09:00-17:00."""
    chosen: list[Anomaly] = []
    taken: set[tuple[str, pd.Timestamp]] = set()
    while len(chosen) < count:
        # Calendar days on the wall clock (adding 24 h would drift by an hour across DST).
        wall = first_day.tz_localize(None) + pd.Timedelta(days=int(rng.integers(MONTH_DAYS)))
        day = wall.tz_localize(first_day.tz)
        queue = str(rng.choice(queues))
        if day.weekday() >= 5 or (queue, day) in taken:
            continue
        taken.add((queue, day))
        hours = int(rng.integers(1, 4))
        start = day + pd.Timedelta(hours=int(rng.integers(9, 18 - hours)))
        size = float(rng.uniform(0.3, 0.8))
        factor = 1 + size if rng.random() < 0.5 else 1 - size
        chosen.append(Anomaly(queue, start, start + pd.Timedelta(hours=hours), factor))
    return chosen


def run(seed: int, agents: int, count: int, train_weeks: int, threshold: float) -> dict:
    """Generate, forecast and score one centre; precision and recall of the volume flags."""
    rng = np.random.default_rng(1000 + seed)
    start = pd.Timestamp("2026-09-07")
    month = (start + pd.Timedelta(weeks=train_weeks)).tz_localize(TIMEZONE)
    queues = ["billing", "sales", "support", "tech"]
    shifts = injected_shifts(queues, month, count, rng)
    began = time.perf_counter()
    centre = generate_centre(
        weeks=train_weeks + 4, queues=4, agents=agents, seed=seed, start=start.date(),
        timezone=TIMEZONE, anomalies=shifts,
    )  # fmt: skip
    history = build_intervals(centre.contacts, freq_minutes=15, timezone=TIMEZONE)
    generated = time.perf_counter() - began
    train = history[history["interval_start"] < month]
    actual = history[history["interval_start"] >= month]
    model = make_forecaster("seasonal_average", weeks=4, country="DE").fit(train)
    forecast = model.predict(month, MONTH_DAYS * 96)
    began = time.perf_counter()
    scores = score_anomalies(forecast, actual, threshold=threshold)
    scored_s = time.perf_counter() - began
    volume = scores[scores["measure"] == "volume"].reset_index(drop=True)
    inside = np.zeros(len(volume), dtype=bool)
    size = np.full(len(volume), np.nan)
    for shift in shifts:
        hit = (
            (volume["queue"] == shift.queue)
            & (volume["interval_start"] >= pd.Timestamp(shift.start))
            & (volume["interval_start"] < pd.Timestamp(shift.end))
        ).to_numpy()
        inside |= hit
        size[hit] = abs(shift.factor - 1)
    flagged = volume["is_anomaly"].to_numpy()
    shift_days = {(s.queue, pd.Timestamp(s.start).date()) for s in shifts}
    day_keys = list(zip(volume["queue"], volume["interval_start"].dt.date, strict=True))
    quiet = np.array([key not in shift_days for key in day_keys])
    big = inside & (size >= 0.5)
    return {
        "seed": seed,
        "injected_intervals": int(inside.sum()),
        "flagged": int(flagged.sum()),
        "true_flags": int((flagged & inside).sum()),
        "precision": float((flagged & inside).sum() / max(flagged.sum(), 1)),
        "recall": float((flagged & inside).sum() / max(inside.sum(), 1)),
        "recall_30_50": float((flagged & inside & ~big).sum() / max((inside & ~big).sum(), 1)),
        "recall_50_80": float((flagged & big).sum() / max(big.sum(), 1)),
        "quiet_false_rate": float((flagged & quiet).sum() / max(quiet.sum(), 1)),
        "mean_offered": float(actual.loc[actual["offered"] > 0, "offered"].mean()),
        "generate_s": generated,
        "score_s": scored_s,
    }


def main() -> None:
    """Run the benchmark over the seeds and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--anomalies", type=int, default=20)
    parser.add_argument("--train-weeks", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=3.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--held-out", type=int, nargs="*", default=[],
        help="seeds (among --seeds) not used for tuning; pooled separately",
    )  # fmt: skip
    args = parser.parse_args()
    rows = [
        run(seed, args.agents, args.anomalies, args.train_weeks, args.threshold)
        for seed in args.seeds
    ]
    table = pd.DataFrame(rows)
    print(
        f"agents={args.agents} anomalies={args.anomalies} per month, threshold={args.threshold}, "
        f"seasonal_average trained on {args.train_weeks} weeks"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    held = table["seed"].isin(args.held_out)
    groups = [("pooled", table)]
    if held.any():
        groups += [("tuning seeds", table[~held]), ("held-out seeds", table[held])]
    for label, part in groups:
        total = part[["injected_intervals", "flagged", "true_flags"]].sum()
        print(
            f"{label}: precision={total['true_flags'] / max(total['flagged'], 1):.3f} "
            f"recall={total['true_flags'] / max(total['injected_intervals'], 1):.3f}"
        )


if __name__ == "__main__":
    main()
