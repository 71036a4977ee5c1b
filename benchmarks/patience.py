"""Patience and abandonment on the Anonymous Bank (January 1999): estimated vs observed.

Per queue (call type) of the replay week Sunday 24 - Saturday 30 January 1999, with patience
estimated both from the weeks before (1-23 January: out of sample) and from the week itself:

1. the mean patience (exponential maximum likelihood, abandonments over total waiting time, with
   its 95% interval), the Kaplan-Meier median, and the naive mean of abandoned waits;
2. the observed abandonment rate;
3. Erlang A's predicted abandonment at the observed staffing, every 30-minute interval:
   (a) the queue alone with its share of the agents (each agent's presence split by the share of
   its busy time spent on the queue) and (b) the shared pool: all agents present, all queues first
   come first served, each queue its own patience
   (:func:`scheduling.erlang.shared_pool_abandonment`);
4. the trace replay (:mod:`scheduling.simulation.trace`) of the week's real calls on the observed
   staffing: abandonment, service level (80/20) and ASA per queue beside the records'.

The records do not say who was logged in. The observed staffing is reconstructed from who served
calls: an agent is present from the start of a run of served calls to its end, a run broken by an
idle gap longer than ``--gap-minutes`` (default 15); present agents serve every queue they served
that week. The implied occupancy (busy over present time) is printed as a check.

Run: ``nice .venv/bin/python benchmarks/patience.py [--replications 10]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from features.records.loaders import load_technion
from features.schema import ROSTER_COLUMNS
from scheduling.erlang import erlang_a_metrics, shared_pool_abandonment
from scheduling.patience import contact_waits, estimate_patience, patience_table
from scheduling.requirements import ServiceTargets
from scheduling.simulation.replay import replay_roster

DATA = Path("/work/shared/data/anonymous_bank/january_1999.txt")
TIMEZONE = "Asia/Jerusalem"
WEEK = (pd.Timestamp("1999-01-24", tz=TIMEZONE), pd.Timestamp("1999-01-31", tz=TIMEZONE))
INTERVAL_S = 1800.0


def served_spans(contacts: pd.DataFrame) -> pd.DataFrame:
    """Served calls with an agent: agent, queue, service start and end (seconds from WEEK[0])."""
    served = contacts[
        contacts["answered_at"].notna()
        & ~contacts["abandoned"]
        & contacts["agent_id"].notna()
        & (contacts["agent_id"].astype(str) != "nan")
        & (contacts["handle_s"] > 0)
    ]
    start = (served["answered_at"] - WEEK[0]).dt.total_seconds().to_numpy()
    return pd.DataFrame(
        {
            "agent_id": served["agent_id"].astype(str).to_numpy(),
            "queue": served["queue"].astype(str).to_numpy(),
            "start_s": start,
            "end_s": start + served["handle_s"].to_numpy(),
        }
    )


def presence_runs(spans: pd.DataFrame, gap_s: float) -> pd.DataFrame:
    """Each agent's runs of work: served calls with idle gaps of at most `gap_s` merged."""
    runs = []
    for agent, part in spans.sort_values("start_s").groupby("agent_id", sort=True):
        begin, finish = None, None
        for a, b in zip(part["start_s"], part["end_s"], strict=True):
            if finish is not None and a - finish <= gap_s:
                finish = max(finish, b)
                continue
            if begin is not None:
                runs.append((agent, begin, finish))
            begin, finish = a, b
        runs.append((agent, begin, finish))
    return pd.DataFrame(runs, columns=["agent_id", "start_s", "end_s"])


def per_interval(start_s: np.ndarray, end_s: np.ndarray, intervals: int) -> np.ndarray:
    """Seconds each span covers in each 30-minute interval, summed (length `intervals`)."""
    edges = np.arange(intervals + 1) * INTERVAL_S
    cover = np.zeros(intervals)
    for a, b in zip(start_s, end_s, strict=True):
        first, last = int(a // INTERVAL_S), int(min(b, edges[-1] - 1e-9) // INTERVAL_S)
        for i in range(max(first, 0), min(last, intervals - 1) + 1):
            cover[i] += max(0.0, min(b, edges[i + 1]) - max(a, edges[i]))
    return cover


def staffing(spans: pd.DataFrame, runs: pd.DataFrame, queues: list[str], intervals: int) -> dict:
    """Agents present per interval in total, and split by each agent's busy share per queue."""
    total = np.zeros(intervals)
    by_queue = {q: np.zeros(intervals) for q in queues}
    for agent, mine in runs.groupby("agent_id"):
        present = per_interval(mine["start_s"].to_numpy(), mine["end_s"].to_numpy(), intervals)
        calls = spans[spans["agent_id"] == agent]
        busy = {
            q: per_interval(
                calls.loc[calls["queue"] == q, "start_s"].to_numpy(),
                calls.loc[calls["queue"] == q, "end_s"].to_numpy(),
                intervals,
            )
            for q in queues
        }
        all_busy = sum(busy.values())
        week_share = np.array([busy[q].sum() for q in queues]) / max(all_busy.sum(), 1e-9)
        for k, q in enumerate(queues):
            share = np.where(all_busy > 0, busy[q] / np.maximum(all_busy, 1e-9), week_share[k])
            by_queue[q] += present * share / INTERVAL_S
        total += present / INTERVAL_S
    busy_total = per_interval(spans["start_s"].to_numpy(), spans["end_s"].to_numpy(), intervals)
    return {"total": total, "by_queue": by_queue, "busy": busy_total / INTERVAL_S}


def observed_roster(runs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """The reconstructed presence as roster rows (open to every skill) and each agent's skills."""
    start = WEEK[0] + pd.to_timedelta(runs["start_s"], unit="s")
    end = WEEK[0] + pd.to_timedelta(runs["end_s"], unit="s")
    roster = pd.DataFrame(
        {
            "agent_id": runs["agent_id"],
            "date": start.dt.date.astype(str),
            "activity": "work",
            "queue": None,
            "start": start,
            "end": end,
        },
        columns=ROSTER_COLUMNS,
    )
    return roster, {}


def predicted_abandonment(
    week: pd.DataFrame, staff: dict, patience: dict, queues: list[str], intervals: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Predicted abandoned calls per queue: (a) queue alone, (b) shared pool."""
    offset = ((week["arrived_at"] - WEEK[0]).dt.total_seconds() // INTERVAL_S).astype(int)
    handled = week[~week["abandoned"] & (week["handle_s"] > 0)]
    offered = {
        q: np.bincount(offset[week["queue"] == q], minlength=intervals)[:intervals] for q in queues
    }
    alone = {}
    for q in queues:
        cells = offered[q] > 0
        agents = np.maximum(staff["by_queue"][q][cells], 1e-6)
        aht = float(handled.loc[handled["queue"] == q, "handle_s"].mean())
        metrics = erlang_a_metrics(agents, offered[q][cells] / INTERVAL_S, aht, patience[q], 20.0)
        alone[q] = float((metrics.p_abandon * offered[q][cells]).sum())
    all_aht = float(handled["handle_s"].mean())
    total = sum(offered.values())
    rates = np.array([1.0 / patience[q] for q in queues])
    pooled = dict.fromkeys(queues, 0.0)
    for i in np.flatnonzero(total > 0):
        agents = max(int(round(staff["total"][i])), 1)
        mix = np.array([offered[q][i] for q in queues]) / total[i]
        shares = shared_pool_abandonment(
            agents, total[i] / INTERVAL_S, all_aht, 1.0 / float(mix @ rates), 1.0 / rates
        )
        for k, q in enumerate(queues):
            pooled[q] += float(shares[k]) * offered[q][i]
    return alone, pooled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gap-minutes", type=float, default=15.0)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    began = time.perf_counter()
    contacts = load_technion(DATA)
    week = contacts[(contacts["arrived_at"] >= WEEK[0]) & (contacts["arrived_at"] < WEEK[1])]
    week = week.reset_index(drop=True)
    before = contacts[contacts["arrived_at"] < WEEK[0]]
    queues = sorted(week["queue"].astype(str).unique())
    intervals = int((WEEK[1] - WEEK[0]).total_seconds() // INTERVAL_S)
    print(
        f"Anonymous Bank, {len(week):,} calls offered to agents {WEEK[0]:%a %d %b} to "
        f"{WEEK[1] - pd.Timedelta(days=1):%a %d %b %Y}; patience out of sample from "
        f"{len(before):,} calls of 1-23 January\n"
    )

    prior = estimate_patience(before)
    inside = estimate_patience(week)
    waits = contact_waits(week)
    table = patience_table(prior).set_index("queue")
    own = patience_table(inside).set_index("queue")
    naive = waits[waits["abandoned"]].groupby("queue")["wait_s"].mean()
    print("1. Patience (seconds; mean and Kaplan-Meier median from 1-23 January)")
    print(
        f"{'queue':6}{'calls':>7}{'aband.':>8}{'mean (1-23 Jan)':>22}{'median':>11}"
        f"{'mean (week)':>13}{'naive':>8}"
    )
    for q in queues:
        row, mine = table.loc[q], own.loc[q]
        print(
            f"{q:6}{int(mine['contacts']):>7,}{int(mine['abandoned']):>8,}"
            f"{row['mean_patience_s']:>8.0f} [{row['mean_patience_low_s']:>4.0f}-"
            f"{row['mean_patience_high_s']:>5.0f}]{row['median_patience_s']:>11.0f}"
            f"{mine['mean_patience_s']:>13.0f}{naive.get(q, np.nan):>8.0f}"
        )

    spans = served_spans(week)
    runs = presence_runs(spans, args.gap_minutes * 60.0)
    staff = staffing(spans, runs, queues, intervals)
    present = staff["total"].sum()
    print(
        f"\nObserved staffing: {runs['agent_id'].nunique()} agents, "
        f"{present * INTERVAL_S / 3600:,.0f} agent-hours present, implied occupancy "
        f"{staff['busy'].sum() / present:.1%} (idle gaps up to {args.gap_minutes:g} min)"
    )

    patience = {q: prior[q].mean_s if q in prior else inside[q].mean_s for q in queues}
    alone, pooled = predicted_abandonment(week, staff, patience, queues, intervals)
    roster, _ = observed_roster(runs)
    skills = {a: dict.fromkeys(part["queue"].unique(), 1) for a, part in spans.groupby("agent_id")}
    targets = {q: ServiceTargets() for q in queues}
    result = replay_roster(
        week,
        roster,
        start=WEEK[0],
        end=WEEK[1],
        timezone=TIMEZONE,
        interval_minutes=30,
        targets=targets,
        skills=skills,
        replications=args.replications,
        seed=1,
    )
    replayed = result.totals.set_index("queue")
    real = result.observed.set_index("queue")
    print(
        "\n2-4. Abandonment per queue: observed, Erlang A at the observed staffing "
        "(a: queue alone, b: shared pool), trace replay"
    )
    print(
        f"{'queue':6}{'offered':>8}{'observed':>10}{'(a) alone':>11}{'(b) pool':>10}"
        f"{'replay':>8}{'SL real':>9}{'SL replay':>11}{'ASA real':>10}{'ASA replay':>12}"
    )
    for q in [*queues, "*"]:
        offered = float(real.loc[q, "offered"])
        if q == "*":
            a_rate = sum(alone.values()) / offered
            b_rate = sum(pooled.values()) / offered
        else:
            a_rate, b_rate = alone[q] / offered, pooled[q] / offered
        print(
            f"{('all' if q == '*' else q):6}{offered:>8,.0f}{real.loc[q, 'abandon_rate']:>10.1%}"
            f"{a_rate:>11.1%}{b_rate:>10.1%}{replayed.loc[q, 'abandon_rate']:>8.1%}"
            f"{real.loc[q, 'service_level']:>9.1%}{replayed.loc[q, 'service_level']:>11.1%}"
            f"{real.loc[q, 'asa_s']:>10.0f}{replayed.loc[q, 'asa_s']:>12.0f}"
        )
    print(
        f"\n({args.replications} replays, Kaplan-Meier patience for served calls; "
        f"{time.perf_counter() - began:.1f} s)"
    )


if __name__ == "__main__":
    main()
