"""Erlang C staffing, Seatwise vs pyworkforce 0.5.1, on the same 33,600 requirement cells.

The cells: 50 queues x 672 half-hour intervals (the 96 x 7 x 50 count), volumes 5-2,000
contacts per 30 minutes, handle times 120-600 s (whole seconds), target 80 % in 20 s, occupancy
cap 85 %, shrinkage 30 %. Seatwise solves the whole table in one vectorised call; pyworkforce
runs in its own virtual environment (``.venv-peers``) through
benchmarks/peers/pyworkforce_erlang.py,
one ``ErlangC`` object per cell as a user would loop, exchanging CSV files under benchmarks/out/.

Printed: both run times and their ratio; every cell where the agent counts (productive or
scheduled) differ, with the exact service level (rational Erlang C) and the exact occupancy at
both counts and which count is right; then zero-volume and very large loads.

Run: ``.venv/bin/python benchmarks/erlang.py [--budget-s 600]`` (``make bench-peers`` builds
``.venv-peers`` first: ``python3.11 -m venv .venv-peers && .venv-peers/bin/pip install
pyworkforce==0.5.1 'pandas<3'``).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from scheduling.requirements import ServiceTargets, compute_requirements

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
PEER_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEER_SCRIPT = ROOT / "benchmarks" / "peers" / "pyworkforce_erlang.py"
TARGETS = ServiceTargets(service_level=0.8, threshold_s=20.0, max_occupancy=0.85, shrinkage=0.3)
INTERVAL_MINUTES = 30


def make_cells(seed: int = 42) -> pd.DataFrame:
    """The benchmark table: 50 queues x 672 half-hour intervals."""
    rng = np.random.default_rng(seed)
    starts = pd.date_range("2026-11-30", periods=672, freq="30min", tz="Europe/Berlin")
    queues = [f"q{i:02d}" for i in range(50)]
    n = len(starts) * len(queues)
    return pd.DataFrame(
        {
            "queue": np.repeat(queues, len(starts)),
            "interval_start": np.tile(starts, len(queues)),
            "volume": rng.integers(5, 2001, n).astype(float),
            "aht_s": rng.integers(120, 601, n).astype(float),
        }
    )


def peer_input(cells: pd.DataFrame, targets: ServiceTargets = TARGETS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cell": np.arange(len(cells)),
            "volume": cells["volume"],
            "aht_s": cells["aht_s"],
            "threshold_s": targets.threshold_s,
            "interval_minutes": INTERVAL_MINUTES,
            "shrinkage": targets.shrinkage,
            "service_level": targets.service_level,
            "max_occupancy": targets.max_occupancy,
        }
    )


def run_peer(
    cells: pd.DataFrame, name: str, budget_s: float, targets: ServiceTargets = TARGETS
) -> tuple[pd.DataFrame, dict] | None:
    """Run pyworkforce on `cells` in .venv-peers; None when that environment is missing."""
    if not PEER_PYTHON.exists():
        return None
    OUT.mkdir(parents=True, exist_ok=True)
    source, target = OUT / f"{name}_cells.csv", OUT / f"{name}_pyworkforce.csv"
    peer_input(cells, targets).to_csv(source, index=False)
    command = [str(PEER_PYTHON), str(PEER_SCRIPT), str(source), str(target)]
    subprocess.run([*command, "--budget-s", str(budget_s)], check=True)
    summary = json.loads(target.with_suffix(".json").read_text())
    return pd.read_csv(target, keep_default_na=False), summary


def exact_measures(volume: float, aht: float, agents: int) -> tuple[float, Fraction]:
    """Service level (80/20 here) from rational Erlang C and the exact occupancy at `agents`."""
    load = Fraction(int(volume) * int(aht), INTERVAL_MINUTES * 60)
    occupancy = load / agents
    if agents <= load:
        return 0.0, occupancy
    term, below = Fraction(1), Fraction(0)
    for k in range(agents):
        below += term
        term = term * load / (k + 1)
    top = term * Fraction(agents) / (agents - load)
    p_wait = top / (below + top)
    gap = float(agents - load)
    return 1.0 - float(p_wait) * math.exp(-gap * TARGETS.threshold_s / aht), occupancy


def meets(service_level: float, occupancy: Fraction) -> bool:
    return service_level >= TARGETS.service_level and occupancy <= Fraction(85, 100)


def exact_minimum(volume: float, aht: float, near: int) -> int:
    """The true fewest agents meeting the targets, searched exactly around `near`."""
    n = near
    while n > 1 and meets(*exact_measures(volume, aht, n - 1)):
        n -= 1
    while not meets(*exact_measures(volume, aht, n)):
        n += 1
    return n


def verdict(volume: float, aht: float, ours: int, theirs: int) -> list[str]:
    """One line per count (exact SL and occupancy) and which count is the true minimum."""
    lines = []
    for who, n in (("seatwise", ours), ("pyworkforce", theirs)):
        sl, occ = exact_measures(volume, aht, n)
        lines.append(
            f"    {who:<11} {n:>5} agents: SL {sl:.6f}, occupancy {float(occ):.6f} "
            f"({occ.numerator}/{occ.denominator}) -> "
            f"{'meets' if meets(sl, occ) else 'misses'} the targets"
        )
    best = exact_minimum(volume, aht, min(ours, theirs))
    right = "seatwise" if ours == best else "pyworkforce" if theirs == best else "neither"
    lines.append(f"    exact fewest agents: {best} -> right: {right}")
    return lines


def scheduled_verdict(raw: int, ours: int, theirs: int) -> str:
    exact = Fraction(raw) / (1 - Fraction(str(TARGETS.shrinkage)))
    needed = math.ceil(exact)
    who = "seatwise" if ours == needed else "pyworkforce" if theirs == needed else "neither"
    return (
        f"    {raw} productive / (1 - 0.3) = {exact} exactly -> {needed} scheduled; "
        f"seatwise {ours}, pyworkforce {theirs}; right: {who}"
    )


def time_ours(cells: pd.DataFrame, repeats: int = 5) -> tuple[pd.DataFrame, float]:
    best = math.inf
    result = pd.DataFrame()
    for _ in range(repeats):
        began = time.perf_counter()
        result = compute_requirements(cells, TARGETS, interval_minutes=INTERVAL_MINUTES)
        best = min(best, time.perf_counter() - began)
    return result, best


def compare_table(cells: pd.DataFrame, budget_s: float) -> None:
    ours, ours_s = time_ours(cells)
    inferred_began = time.perf_counter()
    compute_requirements(cells, TARGETS)
    inferred_s = time.perf_counter() - inferred_began
    erlang_a_began = time.perf_counter()
    compute_requirements(
        cells,
        ServiceTargets(
            service_level=0.8, threshold_s=20.0, max_occupancy=0.85, shrinkage=0.3, patience_s=180
        ),
        interval_minutes=INTERVAL_MINUTES,
    )
    erlang_a_s = time.perf_counter() - erlang_a_began
    banded = cells.assign(volume_p10=cells["volume"] * 0.8, volume_p90=cells["volume"] * 1.2)
    risk_began = time.perf_counter()
    risky = compute_requirements(banded, TARGETS, interval_minutes=INTERVAL_MINUTES, details=True)
    risk_s = time.perf_counter() - risk_began
    extra = risky["agents"].sum() / risky["agents_point"].sum() - 1.0
    print(f"## {len(cells):,} cells (50 queues x 672 half-hour intervals), targets {TARGETS}")
    print(f"seatwise compute_requirements (Erlang C), best of 5: {ours_s:.3f} s")
    print(f"seatwise, interval length inferred from spacing:   {inferred_s:.3f} s")
    print(f"seatwise Erlang A (patience 180 s), same cells:     {erlang_a_s:.3f} s (no peer)")
    print(
        f"seatwise risk-aware, band +-20%, confidence {TARGETS.confidence:.0%}, with "
        f"meet probabilities: {risk_s:.3f} s ({extra:+.1%} agents over the point plan)"
    )
    peer = run_peer(cells, "erlang", budget_s)
    if peer is None:
        print(
            "pyworkforce: .venv-peers missing; build it with `python3.11 -m venv .venv-peers && "
            ".venv-peers/bin/pip install pyworkforce==0.5.1 'pandas<3'` (make bench-peers)"
        )
        return
    theirs, summary = peer
    solved = int(summary["cells_solved"])
    peer_s = float(summary["seconds"])
    if solved < len(cells):
        extrapolated = peer_s * len(cells) / solved
        print(
            f"pyworkforce ErlangC loop: {peer_s:.1f} s for the first {solved:,} cells only (time "
            f"budget); EXTRAPOLATED to all {len(cells):,} cells: {extrapolated:.1f} s"
        )
        peer_s = extrapolated
    else:
        print(f"pyworkforce ErlangC loop over all {solved:,} cells: {peer_s:.2f} s")
    print(f"speed-up: {peer_s / ours_s:,.0f}x (pyworkforce time / seatwise time)")

    mine = ours.iloc[:solved].reset_index(drop=True)
    theirs = theirs.iloc[:solved].reset_index(drop=True)
    raw = pd.to_numeric(theirs["raw_positions"], errors="coerce")
    positions = pd.to_numeric(theirs["positions"], errors="coerce")
    raw_diff = np.flatnonzero(raw.to_numpy() != mine["agents"].to_numpy())
    same_raw = raw.to_numpy() == mine["agents"].to_numpy()
    sched_diff = np.flatnonzero(
        same_raw & (positions.to_numpy() != mine["agents_scheduled"].to_numpy())
    )
    print(
        f"agreement on productive agents: {solved - len(raw_diff):,}/{solved:,} cells; "
        f"on scheduled agents (where productive agree): "
        f"{int(same_raw.sum()) - len(sched_diff):,}/{int(same_raw.sum()):,}"
    )
    if len(raw_diff):
        print(f"### {len(raw_diff)} cells where the productive agent counts differ")
    for i in raw_diff:
        volume, aht = float(mine.at[i, "volume"]), float(mine.at[i, "aht_s"])
        print(
            f"  cell {i}: {volume:.0f} contacts / 30 min, AHT {aht:.0f} s, "
            f"load {volume * aht / 1800:.4f} Erl"
        )
        for line in verdict(volume, aht, int(mine.at[i, "agents"]), int(raw.iloc[i])):
            print(line)
    if len(sched_diff):
        print(f"### {len(sched_diff)} cells where only the scheduled counts differ (shrinkage)")
    for i in sched_diff:
        print(f"  cell {i}:")
        print(
            scheduled_verdict(
                int(mine.at[i, "agents"]),
                int(mine.at[i, "agents_scheduled"]),
                int(positions.iloc[i]),
            )
        )


def edge_cases(budget_s: float) -> None:
    loads = [0.0, 5.0, 5000.0, 20000.0, 100000.0]
    starts = pd.date_range("2026-11-30", periods=len(loads), freq="30min", tz="UTC")
    cells = pd.DataFrame(
        {"queue": "edge", "interval_start": starts, "volume": loads, "aht_s": 300.0}
    )
    for cap in (0.85, 1.0):
        targets = ServiceTargets(max_occupancy=cap, shrinkage=0.3)
        began = time.perf_counter()
        ours = compute_requirements(cells, targets, interval_minutes=INTERVAL_MINUTES)
        ours_s = time.perf_counter() - began
        peer = run_peer(cells, f"erlang_edges_{int(cap * 100)}", budget_s, targets)
        print(f"## zero volume and very large loads (AHT 300 s, per 30 minutes), {targets}")
        print(
            f"{'volume':>8} {'load Erl':>9} | {'seatwise':>8} {'sched':>6} {'SL':>8} {'occ':>6}"
            " | pyworkforce raw / sched / SL / occ / seconds"
        )
        for i, row in ours.iterrows():
            mine = (
                f"{row['volume']:>8.0f} {row['volume'] * 300 / 1800:>9.1f} | {row['agents']:>8d} "
                f"{row['agents_scheduled']:>6d} {row['expected_service_level']:>8.5f} "
                f"{row['expected_occupancy']:>6.4f}"
            )
            if peer is None:
                print(mine)
                continue
            theirs = peer[0].iloc[int(str(i))]
            if theirs["error"]:
                print(f"{mine} | error: {theirs['error']}")
            else:
                print(
                    f"{mine} | {theirs['raw_positions']} / {theirs['positions']} / "
                    f"{float(theirs['service_level']):.5f} / {float(theirs['occupancy']):.4f} / "
                    f"{float(theirs['seconds']):.3f} s"
                )
        print(f"seatwise, all {len(cells)} edge cells in one call: {ours_s:.3f} s")
        n = int(ours.loc[2, "agents"])
        sl, occ = exact_measures(5000.0, 300.0, n)
        below_sl, below_occ = exact_measures(5000.0, 300.0, n - 1)
        print(
            f"exact check at 5,000 contacts: {n} agents SL {sl:.6f} occupancy {float(occ):.4f}; "
            f"{n - 1} agents SL {below_sl:.6f} occupancy {float(below_occ):.4f}"
        )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget-s", type=float, default=600.0, help="pyworkforce time budget")
    args = parser.parse_args()
    compare_table(make_cells(), args.budget_s)
    print()
    edge_cases(args.budget_s)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
