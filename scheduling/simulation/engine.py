"""The discrete-event loop of the contact-centre simulator (one replication).

Times are float seconds from the start of the first interval. Arrivals come pre-drawn (from a
forecast) or replayed (from a trace) and sorted; a heap holds completions, abandonments and shift
starts/ends. Routing: a contact arriving to a queue goes to the eligible agent with a free slot and
the highest proficiency, the longest free first among equals; an agent who frees a slot takes the
waiting contact of highest queue priority across the queues it may serve, the longest waiting
first among equals. Idle-agent pools and waiting lines use lazy deletion (version stamps and state
checks) so each event costs O(log n).

Concurrency: an agent holds up to ``concurrency[q]`` contacts of the queues of a span at once
(chat); a span open to several queues holds the smallest of their concurrencies, so a voice skill
in the span keeps the agent to one contact at a time. Staffed time counts every slot, so occupancy
is the share of slot time busy.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

from features.schema import SHORT_ABANDON_S

WAITING, ANSWERED, ABANDONED = 0, 1, 2
# Event kinds, in the order they run when they share an instant.
_SHIFT_END, _COMPLETE, _ABANDON, _SHIFT_START = 0, 1, 2, 3


@dataclass
class EngineInput:
    """Everything one replication needs, as plain arrays and lists.

    Attributes
    ----------
    arrival_s, queue_of, row_of, handle_s, patience_s:
        Per contact, sorted by arrival: arrival time (s), queue index, forecast row index,
        handle time (s), patience (s; ``inf`` when the contact never abandons).
    n_rows:
        Number of forecast rows (result cells).
    n_queues:
        Number of queues.
    priority:
        Priority per queue index (higher served first).
    proficiency:
        Per agent, a mapping queue index -> proficiency.
    shifts:
        Per agent, a list of (start s, end s, eligible queue indices).
    threshold_s:
        Service-level threshold in seconds, per queue index.
    bucket_s:
        Interval length in seconds (occupancy buckets).
    n_buckets:
        Number of occupancy buckets from time 0.
    concurrency:
        Contacts one agent may hold at once, per queue index (default 1 for every queue).
    """

    arrival_s: np.ndarray
    queue_of: np.ndarray
    row_of: np.ndarray
    handle_s: np.ndarray
    patience_s: np.ndarray
    n_rows: int
    n_queues: int
    priority: list[float]
    proficiency: list[dict[int, int]]
    shifts: list[list[tuple[float, float, tuple[int, ...]]]]
    threshold_s: list[float]
    bucket_s: float
    n_buckets: int
    concurrency: list[int] | None = None


@dataclass
class EngineOutput:
    """Counts per forecast row and busy/staffed seconds per (bucket, queue).

    `short_abandoned` counts contacts that abandoned after waiting less than
    :data:`features.schema.SHORT_ABANDON_S` (left out of offered for the service level).
    """

    offered: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    short_abandoned: np.ndarray
    within: np.ndarray
    wait_sum: np.ndarray
    busy_s: np.ndarray
    staffed_s: np.ndarray


def _spread(
    table: list[list[float]],
    start: float,
    end: float,
    queues: tuple[int, ...],
    bucket: float,
    weight: float = 1.0,
) -> None:
    """Add `weight` x the span [start, end) in seconds to each queue's per-bucket total."""
    n_buckets = len(table)
    b = int(start // bucket)
    while start < end and b < n_buckets:
        if b >= 0:
            stop = min(end, (b + 1) * bucket)
            row = table[b]
            for q in queues:
                row[q] += (stop - start) * weight
            start = stop
        else:
            start = 0.0
        b += 1


def run_replication(data: EngineInput) -> EngineOutput:
    """Simulate one replication; see the module docstring for the routing rules."""
    n_contacts = len(data.arrival_s)
    arrival = data.arrival_s.tolist()
    queue_of = data.queue_of.tolist()
    row_of = data.row_of.tolist()
    handle = data.handle_s.tolist()
    patience = data.patience_s.tolist()
    threshold = data.threshold_s
    priority = data.priority
    proficiency = data.proficiency
    bucket = data.bucket_s

    offered = [0] * data.n_rows
    answered = [0] * data.n_rows
    abandoned = [0] * data.n_rows
    short_abandoned = [0] * data.n_rows
    within = [0] * data.n_rows
    wait_sum = [0.0] * data.n_rows
    busy_table = [[0.0] * data.n_queues for _ in range(data.n_buckets)]
    staffed_table = [[0.0] * data.n_queues for _ in range(data.n_buckets)]

    n_agents = len(data.shifts)
    concurrency = data.concurrency or [1] * data.n_queues
    span_slots = [
        [min((concurrency[q] for q in queues), default=1) for _, _, queues in shifts]
        for shifts in data.shifts
    ]
    active = [0] * n_agents
    slots = [1] * n_agents
    version = [0] * n_agents
    shift_of = [-1] * n_agents
    eligible: list[tuple[int, ...]] = [()] * n_agents
    state = [WAITING] * n_contacts
    lines: list[deque[int]] = [deque() for _ in range(data.n_queues)]
    idle_pools: list[list[tuple[int, float, int, int]]] = [[] for _ in range(data.n_queues)]
    events: list[tuple[float, int, int, int]] = []

    for agent, shifts in enumerate(data.shifts):
        for index, (start, end, queues) in enumerate(shifts):
            _spread(staffed_table, start, end, queues, bucket, span_slots[agent][index])
            events.append((start, _SHIFT_START, agent, index))
            events.append((end, _SHIFT_END, agent, index))
    heapq.heapify(events)

    def serve(agent: int, contact: int, now: float) -> None:
        state[contact] = ANSWERED
        row = row_of[contact]
        wait = now - arrival[contact]
        answered[row] += 1
        wait_sum[row] += wait
        if wait <= threshold[queue_of[contact]]:
            within[row] += 1
        active[agent] += 1
        version[agent] += 1
        done = now + handle[contact]
        _spread(busy_table, now, done, eligible[agent], bucket)
        heapq.heappush(events, (done, _COMPLETE, agent, contact))

    def free(agent: int) -> bool:
        return shift_of[agent] >= 0 and active[agent] < slots[agent]

    def take_work_or_idle(agent: int, now: float) -> None:
        while free(agent) and take_one(agent, now):
            pass
        if not free(agent):
            return
        version[agent] += 1
        stamp = version[agent]
        for q in eligible[agent]:
            heapq.heappush(idle_pools[q], (-proficiency[agent][q], now, agent, stamp))

    def take_one(agent: int, now: float) -> bool:
        best = -1
        best_key = (0.0, 0.0)
        for q in eligible[agent]:
            line = lines[q]
            while line and state[line[0]] != WAITING:
                line.popleft()
            if line:
                key = (-priority[q], arrival[line[0]])
                if best < 0 or key < best_key:
                    best, best_key = q, key
        if best < 0:
            return False
        serve(agent, lines[best].popleft(), now)
        return True

    def process_until(limit: float) -> None:
        while events and events[0][0] <= limit:
            now, kind, agent, item = heapq.heappop(events)
            if kind == _COMPLETE:
                active[agent] -= 1
                if shift_of[agent] >= 0:
                    take_work_or_idle(agent, now)
            elif kind == _ABANDON:
                if state[item] == WAITING:
                    state[item] = ABANDONED
                    abandoned[row_of[item]] += 1
                    if now - arrival[item] < SHORT_ABANDON_S:
                        short_abandoned[row_of[item]] += 1
            elif kind == _SHIFT_START:
                shift_of[agent] = item
                eligible[agent] = data.shifts[agent][item][2]
                slots[agent] = span_slots[agent][item]
                version[agent] += 1
                take_work_or_idle(agent, now)
            elif shift_of[agent] == item:
                shift_of[agent] = -1
                version[agent] += 1

    for contact in range(n_contacts):
        now = arrival[contact]
        process_until(now)
        q = queue_of[contact]
        offered[row_of[contact]] += 1
        pool = idle_pools[q]
        agent = -1
        while pool:
            _, _, candidate, stamp = heapq.heappop(pool)
            if stamp == version[candidate] and free(candidate):
                agent = candidate
                break
        if agent >= 0:
            serve(agent, contact, now)
            if free(agent):
                take_work_or_idle(agent, now)
            continue
        lines[q].append(contact)
        if patience[contact] != float("inf"):
            heapq.heappush(events, (now + patience[contact], _ABANDON, -1, contact))
    process_until(float("inf"))

    return EngineOutput(
        offered=np.asarray(offered, dtype=np.float64),
        answered=np.asarray(answered, dtype=np.float64),
        abandoned=np.asarray(abandoned, dtype=np.float64),
        short_abandoned=np.asarray(short_abandoned, dtype=np.float64),
        within=np.asarray(within, dtype=np.float64),
        wait_sum=np.asarray(wait_sum, dtype=np.float64),
        busy_s=np.asarray(busy_table, dtype=np.float64).reshape(data.n_buckets, data.n_queues),
        staffed_s=np.asarray(staffed_table, dtype=np.float64).reshape(
            data.n_buckets, data.n_queues
        ),
    )
