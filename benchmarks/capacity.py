"""Capacity planning on the real bank call counts: the summer plan made at the end of May.

``../shared/data/bank_calls/bank_calls_5min.csv`` holds weekday calls from 2003-03-03 to
2003-08-29. The plan is made as a planner would have made it on 2003-05-31: the weekly forecast
is fitted to March-May only (13 weeks; the US holidays come from the ``holidays`` package) and
plans the 13 weeks from 2003-06-02 to 2003-08-31 at 15-minute intervals. Then June-August are
unsealed to judge it:

* **monthly volume**: forecast (p50, p10-p90) against the calls each month really had, for the
  model and the naive baseline (the mean of the last four weeks);
* **FTE**: the plan's required FTE per week against the FTE the actual volumes needed, computed
  with the same staffing maths (Erlang C, 80 % in 20 s, occupancy at most 85 %, the default
  shrinkage of 28 %, 40-hour FTE) on the actual 15-minute volumes;
* the weekly forecast's own backtest on March-May (error by horizon), as the plan reports it;
* the hiring plan itself, for a centre staffed at the end of May with what May needed (2 %
  monthly attrition, classes of 5-40 with 4 weeks' lead time and 3 weeks' training).

The file has call counts only, no handle times: every figure uses an assumed 300 s handle time
for forecast and actuals alike, so the FTE comparison measures the volume forecast and its
intraday shape, not a handle-time forecast. Nothing beyond the file is used.

Usage: .venv/bin/python benchmarks/capacity.py
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.records.loaders import load_bank_calls
from forecasting.longrange import LongRangeForecaster, coarsen_history
from scheduling.capacity import load_capacity_scenario, plan_capacity
from scheduling.capacity.rollup import required_fte, shrinkage_by_week

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "bank_calls" / "bank_calls_5min.csv"
TIMEZONE = "America/New_York"
COUNTRY = "US"
HISTORY_END = dt.date(2003, 5, 31)
START_WEEK = dt.date(2003, 6, 2)
WEEKS = 13
MINUTES = 15
AHT_S = 300.0
MONTHS = ("2003-06", "2003-07", "2003-08")


def scenario(agents: int) -> dict[str, Any]:
    """The planning problem of 2003-05-31, with `agents` full-time agents today."""
    return {
        "name": "bank summer 2003",
        "timezone": TIMEZONE,
        "start_week": START_WEEK.isoformat(),
        "horizon_weeks": WEEKS,
        "history": {
            "source": "file",
            "path": str(DATA),
            "end": HISTORY_END.isoformat(),
            "country": COUNTRY,
            "interval_minutes": MINUTES,
        },
        "queues": {
            "bank": {"service_level": 0.8, "threshold_s": 20, "max_occupancy": 0.85, "aht_s": AHT_S}
        },
        "fte_hours": 40,
        "agents": [{"agent_id": f"a{i:04d}", "skills": ["bank"]} for i in range(agents)],
        "attrition_monthly": 0.02,
        "hiring": {
            "profiles": [
                {
                    "name": "bank class",
                    "skills": ["bank"],
                    "lead_time_weeks": 4,
                    "training_weeks": 3,
                    "ramp": [0.5, 0.75],
                    "min_class_size": 5,
                    "max_class_size": 40,
                }
            ]
        },
        "overtime": {"max_share": 0.05, "cost_per_hour": 40},
        "scenarios": [
            {"name": "volume +10%", "volume_factor": 1.1},
            {"name": "attrition +2 pts", "attrition_pts": 2},
        ],
    }


def needed_fte(intervals: pd.DataFrame, mondays: list[dt.date]) -> pd.DataFrame:
    """FTE per week that the given 15-minute volumes need (the plan's staffing maths)."""
    spec = load_capacity_scenario(scenario(0))
    frame = intervals.rename(columns={"offered": "volume"})[["queue", "interval_start", "volume"]]
    frame = frame.assign(aht_s=AHT_S)
    frame = frame[frame["volume"] > 0]
    shrinkage = shrinkage_by_week(spec.shrinkage, mondays)
    return required_fte(frame, dict(spec.queues), shrinkage, spec.fte_hours, MINUTES)


def pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def main() -> None:
    """Plan, then score the plan against June-August."""
    five = load_bank_calls(DATA, timezone=TIMEZONE)
    history = five[["queue", "interval_start", "offered"]]
    local_day = history["interval_start"].dt.date
    train = history[local_day <= HISTORY_END]
    actual = coarsen_history(history[local_day >= START_WEEK], MINUTES)
    mondays = [START_WEEK + dt.timedelta(days=7 * k) for k in range(WEEKS)]
    may = coarsen_history(train[train["interval_start"].dt.month == 5], MINUTES)
    may_weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in may["interval_start"].dt.date})
    may_need = needed_fte(may, may_weeks)
    staff = int(np.ceil(may_need["fte"].iloc[-4:].mean()))

    started = time.perf_counter()
    plan = plan_capacity(load_capacity_scenario(scenario(staff)), train)
    elapsed = time.perf_counter() - started

    months = pd.DatetimeIndex(actual["interval_start"].dt.tz_localize(None)).to_period("M")
    truth = actual.groupby(months.astype(str))["offered"].sum()
    naive = LongRangeForecaster(model="naive", country=COUNTRY, interval_minutes=MINUTES)
    naive.fit(train)
    naive_monthly = naive.monthly(naive.predict(START_WEEK, WEEKS)).set_index("month")
    monthly = plan.monthly.set_index("month")
    print(f"Monthly volume (fit through {HISTORY_END}, forecast from {START_WEEK}):")
    print("| month | actual calls | forecast p50 | error | p10-p90 | inside | naive | naive err |")
    print("|---|---|---|---|---|---|---|---|")
    errors, naive_errors = [], []
    for month in MONTHS:
        a = float(truth[month])
        f = float(monthly.loc[month, "volume"])
        lo, hi = float(monthly.loc[month, "volume_p10"]), float(monthly.loc[month, "volume_p90"])
        n = float(naive_monthly.loc[month, "volume"])
        errors.append((f - a) / a)
        naive_errors.append((n - a) / a)
        print(
            f"| {month} | {a:,.0f} | {f:,.0f} | {pct(errors[-1])} | {lo:,.0f}-{hi:,.0f} | "
            f"{'yes' if lo <= a <= hi else 'no'} | {n:,.0f} | {pct(naive_errors[-1])} |"
        )
    mape = float(np.mean(np.abs(errors)))
    print(
        f"MAPE {100 * mape:.1f}% (naive {100 * np.mean(np.abs(naive_errors)):.1f}%), "
        f"bias {pct(float(np.mean(errors)))}"
    )

    weekly = plan.scenarios[0].weekly.set_index("week_start")
    needs = needed_fte(actual, mondays).set_index("week_start")
    need = needs["fte"]
    print("\nRequired FTE per week: plan (p50, p10-p90) vs what the actual volumes needed:")
    print("| week | forecast calls | actual calls | plan FTE | p10-p90 | actual need | error |")
    print("|---|---|---|---|---|---|---|")
    plan_fte = weekly["required_fte"].reindex(mondays).to_numpy()
    low = weekly["required_fte_p10"].reindex(mondays).to_numpy()
    high = weekly["required_fte_p90"].reindex(mondays).to_numpy()
    real = need.reindex(mondays).to_numpy()
    calls = needs["volume"]
    for monday, p, lo, hi, r in zip(mondays, plan_fte, low, high, real, strict=True):
        print(
            f"| {monday} | {weekly.loc[monday, 'volume']:,.0f} | {calls[monday]:,.0f} | "
            f"{p:.1f} | {lo:.1f}-{hi:.1f} | {r:.1f} | {pct((p - r) / r)} |"
        )
    rel = (plan_fte - real) / real
    inside = float(np.mean((real >= low) & (real <= high)))
    short = real - plan_fte
    print(
        f"weekly FTE WAPE {100 * np.abs(plan_fte - real).sum() / real.sum():.1f}%, "
        f"bias {pct(float((plan_fte - real).sum() / real.sum()))}, "
        f"p10-p90 coverage {100 * inside:.0f}%, worst under-plan {short.max():.1f} FTE "
        f"({100 * rel.min():+.1f}%) in the week of {mondays[int(np.argmax(short))]}"
    )
    by_month = pd.DataFrame(
        {"plan": plan_fte, "need": real}, index=pd.PeriodIndex([pd.Period(m, "M") for m in mondays])
    )
    mean = by_month.groupby(level=0).mean()
    for month, row in mean.iterrows():
        print(
            f"  {month}: mean plan {row['plan']:.1f} FTE, actual need {row['need']:.1f} "
            f"({pct((row['plan'] - row['need']) / row['need'])})"
        )

    print("\nWeekly forecast backtest on March-May (rolling origin, the plan's report):")
    print(plan.backtest.to_string(index=False, float_format=lambda x: f"{x:.3f}"))

    print(f"\nHiring plan for {staff} agents today (May's need), 2 %/month attrition:")
    for s in plan.scenarios:
        sm = s.summary
        print(
            f"  {s.name}: {sm['hires']} hires in {sm['classes']} class(es), cost "
            f"{sm['total_cost']:,.0f}, overtime {sm['overtime_hours']:,.0f} h, "
            f"{sm['short_fte_weeks']:.1f} FTE-weeks short"
        )
        for c in s.classes.itertuples(index=False):
            print(f"    {c.size} x {c.profile} from {c.start_week} (recruit by {c.requisition_by})")
        if s.explanation:
            print(f"    {s.explanation['message']}")
    print(f"\nplan_capacity wall time {elapsed:.1f} s (3 scenarios, backtest included)")


if __name__ == "__main__":
    main()
