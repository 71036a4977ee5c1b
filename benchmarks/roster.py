"""Roster benchmark: planted instances, and pyworkforce side by side on a real week's curve.

(a) Planted instances: a random valid roster (hour-long queue blocks) whose coverage is the
    requirement, so the best under- and over-coverage are both zero; we report how close the
    solver gets, whether the run was reproducible (stopped on deterministic work, not the
    clock), the work used, and the machine's load average before and after.
(b) pyworkforce 0.5.1 (MinAbsDifference, MinRequiredResources) on one week of the bank_calls
    data (../shared/data, Erlang C requirements): first as pyworkforce models the problem
    (anonymous shift counts, no breaks) against our anonymous count model, then ours with
    named agents, contracts and breaks (which pyworkforce cannot express).

Usage: .venv/bin/python benchmarks/roster.py [--sizes 50,300,2000] [--time-limit S]
       [--skip-peers]. The peer half runs in .venv-peers (see Makefile `bench-peers`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from ortools.sat.python import cp_model

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from features.records.frame_io import read_frame  # noqa: E402
from scheduling.requirements import ServiceTargets, compute_requirements  # noqa: E402
from scheduling.roster.checks import check_roster  # noqa: E402
from scheduling.roster.model import build_roster_model  # noqa: E402
from scheduling.roster.objective import coverage_values  # noqa: E402
from scheduling.roster.options import build_catalogue  # noqa: E402
from scheduling.roster.planted import planted_instance  # noqa: E402
from scheduling.roster.scenario import load_scenario  # noqa: E402
from scheduling.roster.solver import _required_cells, scenario_requirements, solve_roster  # noqa: E402

OUT = REPO / "benchmarks" / "out"
PEERS_PYTHON = REPO / ".venv-peers" / "bin" / "python"
BANK = REPO.parent / "shared" / "data" / "bank_calls" / "bank_calls_5min.csv"
TIME_LIMITS = {50: 30.0, 300: 60.0, 2000: 300.0}


def planted_rows(sizes: list[int], time_limit: float | None) -> list[dict]:
    rows = []
    for n in sizes:
        instance = planted_instance(n, 5, seed=n)
        scenario = load_scenario(instance.scenario)
        limit = time_limit or TIME_LIMITS.get(n, 120.0)
        load_before = os.getloadavg()[0]
        result = solve_roster(instance.scenario, time_limit_s=limit, workers=2)
        cov = result.coverage
        need = int(cov["required"].sum())
        under = int((-cov["gap"].clip(upper=0)).sum())
        over = int(cov["gap"].clip(lower=0).sum())
        rows.append(
            {
                "agents": n,
                "queues": 5,
                "required": need,
                "under": under,
                "under_%": round(100 * under / need, 2),
                "over": over,
                "over_%": round(100 * over / need, 2),
                "status": result.status,
                "reproducible": result.reproducible,
                "work": f"{result.work_used:.1f}/{result.work_limit:.1f}",
                "limit_s": limit,
                "wall_s": round(result.wall_time_s, 1),
                "load": f"{load_before:.1f}-{os.getloadavg()[0]:.1f}",
                "most_queue_changes": result.report.most_queue_changes if result.report else None,
                "violations": len(check_roster(scenario, result.roster)),
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False), flush=True)
    return rows


def bank_week(scale: float) -> pd.DataFrame:
    """One week (2003-03-03..07, Mon-Fri 07:00-21:05) of 15-minute requirements for the bank
    calls, volume scaled by `scale`, AHT 180 s, 80/20 service, shrinkage 30%."""
    history = read_frame(BANK, timezone="America/New_York")
    week = history[
        (history["interval_start"] >= pd.Timestamp("2003-03-03", tz="America/New_York"))
        & (history["interval_start"] < pd.Timestamp("2003-03-10", tz="America/New_York"))
    ]
    quarter = week.set_index("interval_start")["offered"].resample("15min").sum().reset_index()
    quarter = quarter[quarter["offered"] > 0]
    forecast = pd.DataFrame(
        {
            "queue": "bank",
            "interval_start": quarter["interval_start"],
            "volume": quarter["offered"] * scale,
            "aht_s": 180.0,
        }
    )
    return compute_requirements(forecast, ServiceTargets(), 15)


def curve_scenario(req: pd.DataFrame, named: bool) -> dict:
    """A scenario over the bank week: anonymous-style (flexible pool, no breaks) or named."""
    peak = int(req["agents_scheduled"].max())
    if named:
        templates = [
            {
                "name": "day8",
                "length_minutes": 480,
                "earliest_start": "06:00",
                "latest_start": "13:00",
                "start_step_minutes": 30,
                "breaks": [
                    {
                        "activity": "break",
                        "minutes": 15,
                        "earliest_after_start_minutes": 90,
                        "latest_after_start_minutes": 165,
                    },
                    {
                        "activity": "lunch",
                        "minutes": 30,
                        "earliest_after_start_minutes": 195,
                        "latest_after_start_minutes": 315,
                    },
                ],
            },
            {
                "name": "part4",
                "length_minutes": 240,
                "earliest_start": "07:00",
                "latest_start": "17:00",
                "start_step_minutes": 30,
                "breaks": [],
            },
        ]
        agents = []
        for i in range(int(peak * 1.6)):
            part = i % 4 == 3
            agents.append(
                {
                    "agent_id": f"b{i:03d}",
                    "skills": {"bank": 3},
                    "contract": (
                        {
                            "min_minutes": 960,
                            "max_minutes": 1200,
                            "max_days": 5,
                            "templates": ["part4"],
                        }
                        if part
                        else {
                            "min_minutes": 1920,
                            "max_minutes": 2400,
                            "max_days": 5,
                            "templates": ["day8"],
                        }
                    ),
                    "preferences": {"days_off": ["sat", "sun"]},
                }
            )
        rules = {"min_rest_minutes": 660, "max_consecutive_days": 5}
    else:
        templates = [
            {
                "name": "flex8",
                "length_minutes": 480,
                "earliest_start": "00:00",
                "latest_start": "16:00",
                "start_step_minutes": 15,
                "breaks": [],
            }
        ]
        agents = [
            {
                "agent_id": f"p{i:03d}",
                "skills": {"bank": 1},
                "contract": {
                    "min_minutes": 0,
                    "max_minutes": 7 * 480,
                    "max_days": 7,
                    "templates": ["flex8"],
                },
            }
            for i in range(peak * 3)
        ]
        rules = {"min_rest_minutes": 0, "max_consecutive_days": 7}
    return {
        "timezone": "America/New_York",
        "week_start": "2003-03-03",
        "interval_minutes": 15,
        "queues": [{"name": "bank"}],
        "requirements": [
            {"queue": "bank", "interval_start": t.isoformat(), "agents": int(n)}
            for t, n in req[["interval_start", "agents_scheduled"]].itertuples(index=False)
        ],
        "shift_templates": templates,
        "rules": rules,
        "agents": agents,
    }


def _gaps(scheduled: list[int], required: list[int]) -> tuple[int, int]:
    under = sum(max(0, r - s) for s, r in zip(scheduled, required, strict=True))
    over = sum(max(0, s - r) for s, r in zip(scheduled, required, strict=True))
    return under, over


def anonymous_ours(data: dict, time_limit: float) -> dict:
    scenario = load_scenario(data)
    catalogue = build_catalogue(scenario)
    required = _required_cells(scenario_requirements(scenario), catalogue.grid)
    values = coverage_values(scenario, required, catalogue.grid)
    rm = build_roster_model(scenario, catalogue, values, anonymous=True)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    started = time.perf_counter()
    status = solver.solve(rm.model)
    return {
        "status": solver.status_name(status),
        "under": int(solver.value(rm.terms["under_coverage"])),
        "over": int(solver.value(rm.terms["over_coverage"])),
        "seconds": round(time.perf_counter() - started, 1),
    }


def peer_rows(req: pd.DataFrame, time_limit: float) -> list[dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    periods = 96
    days = 7
    required = [[0] * periods for _ in range(days)]
    origin = pd.Timestamp("2003-03-03", tz="America/New_York")
    for t, n in req[["interval_start", "agents_scheduled"]].itertuples(index=False):
        local = t.tz_convert("America/New_York")
        day = (local.normalize() - origin).days
        required[day][local.hour * 4 + local.minute // 15] = int(n)
    shifts = {}
    for start in range(0, 16 * 4 + 1):
        shifts[f"s{start:02d}"] = [1 if start <= p < start + 32 else 0 for p in range(periods)]
    spec = {
        "num_days": days,
        "periods": periods,
        "shifts_coverage": shifts,
        "required_resources": required,
        "max_period_concurrency": 1000,
        "max_shift_concurrency": 200,
        "time_limit_s": time_limit,
        "workers": 2,
    }
    src, dst = OUT / "pyworkforce_in.json", OUT / "pyworkforce_out.json"
    src.write_text(json.dumps(spec))
    rows = []
    script = REPO / "benchmarks" / "peers" / "pyworkforce_roster.py"
    subprocess.run([str(PEERS_PYTHON), str(script), str(src), str(dst)], check=True)
    flat_required = [r for day in required for r in day]
    for name, answer in json.loads(dst.read_text()).items():
        cover = [[0] * periods for _ in range(days)]
        for item in answer["resources_shifts"]:
            if item["day"] < 0:
                continue
            for p, on in enumerate(shifts[item["shift"]]):
                cover[item["day"]][p] += on * item["resources"]
        under, over = _gaps([c for day in cover for c in day], flat_required)
        rows.append(
            {
                "solver": f"pyworkforce {name}",
                "model": "anonymous counts, no breaks",
                "status": answer["status"],
                "under": under,
                "over": over,
                "seconds": round(answer["seconds"], 1),
            }
        )
    ours = anonymous_ours(curve_scenario(req, named=False), time_limit)
    rows.append({"solver": "seatwise", "model": "anonymous counts, no breaks", **ours})
    named = curve_scenario(req, named=True)
    result = solve_roster(named, time_limit_s=time_limit * 2, workers=2)
    cov = result.coverage
    rows.append(
        {
            "solver": "seatwise",
            "model": f"{len(named['agents'])} named agents, contracts, breaks",
            "status": result.status,
            "under": int((-cov["gap"].clip(upper=0)).sum()),
            "over": int(cov["gap"].clip(lower=0).sum()),
            "seconds": round(result.wall_time_s, 1),
        }
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,300,2000")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--peer-time-limit", type=float, default=60.0)
    parser.add_argument("--scale", type=float, default=0.25, help="bank volume scale")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-planted", action="store_true")
    args = parser.parse_args()
    print(f"# roster benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, 2 workers")
    if not args.skip_planted:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        table = pd.DataFrame(planted_rows(sizes, args.time_limit))
        print("\n## (a) planted instances (best possible under = over = 0)")
        print(table.to_string(index=False))
    if not args.skip_peers:
        req = bank_week(args.scale)
        total = int(req["agents_scheduled"].sum())
        print(
            f"\n## (b) bank_calls week 2003-03-03, volume x{args.scale}, "
            f"required agent-intervals {total}"
        )
        print(pd.DataFrame(peer_rows(req, args.peer_time_limit)).to_string(index=False))


if __name__ == "__main__":
    main()
