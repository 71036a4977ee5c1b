"""The fewest agents (or chat slots) per cell meeting every live-queue target, vectorised.

For every cell the search finds the smallest count whose Erlang C (or Erlang A when the cell has
a patience) service level reaches the target, whose ASA is within the optional ASA target and
whose occupancy stays under the cap. Erlang C cells walk up from the stability/occupancy bound
with the Erlang B recursion (a few flops per cell and agent); Erlang A cells are bisected between a
square-root-staffing bound (doubled until feasible) and zero. :func:`largest_count_met` answers the
converse question (how many contacts a given staffing serves to target), which is what the
probability of meeting the target in an uncertain interval needs.

Units: arrival rates are contacts per second, times seconds, loads Erlangs, agents counts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from features.errors import InvalidInput
from features.schema import ProgressCallback
from scheduling.erlang import erlang_b, queue_metrics

TOLERANCE = 1e-9
"""Slack on target comparisons so that floating-point noise never adds an agent."""
_MAX_DOUBLINGS = 60


def _meets(
    agents: np.ndarray,
    arrival_rate: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
    with_asa: bool,
) -> np.ndarray:
    """True where `agents` meet every target at `arrival_rate` (Erlang C, or A with patience)."""
    metrics = queue_metrics(agents, arrival_rate, aht_s, threshold_s, patience_s, with_asa)
    ok = metrics.service_level >= service_level - TOLERANCE
    ok &= ~(metrics.asa_s > asa_s + TOLERANCE)
    ok &= metrics.occupancy <= max_occupancy + TOLERANCE
    ok &= np.isfinite(patience_s) | (agents > arrival_rate * aht_s)
    return np.asarray(ok & (agents > 0), dtype=bool)


def _first_passing(
    passes: Callable[[np.ndarray, np.ndarray], np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    progress: ProgressCallback | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest whole value per cell above `lo` where a monotone test passes.

    `passes(values, cells)` tests `values` for the cells indexed by `cells`; it fails at `lo`
    and, once passing, passes for every larger value. `hi` is doubled until it passes, then the
    gap is bisected. Returns the values and a mask of cells that never passed (their value is
    meaningless).
    """
    everything = np.arange(lo.size)
    lo, hi = lo.copy(), hi.copy()
    never = np.zeros(lo.size, dtype=bool)
    for _ in range(_MAX_DOUBLINGS):
        short = ~passes(hi, everything)
        if not short.any():
            break
        lo = np.where(short, hi, lo)
        hi = np.where(short, 2.0 * hi, hi)
    else:
        never = ~passes(hi, everything)
    steps = max(int(np.ceil(np.log2(np.max(hi - lo, initial=0.0) + 1.0))), 1)
    for step in range(steps + 1):
        open_cells = np.flatnonzero((hi - lo > 1) & ~never)
        if open_cells.size == 0:
            break
        mid = np.floor((lo[open_cells] + hi[open_cells]) / 2.0)
        ok = passes(mid, open_cells)
        hi[open_cells] = np.where(ok, mid, hi[open_cells])
        lo[open_cells] = np.where(ok, lo[open_cells], mid)
        if progress is not None:
            progress(min((step + 1) / (steps + 1), 1.0), "searching agent counts")
    return hi, never


def _erlang_c_walk(
    load: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
) -> np.ndarray:
    """Fewest agents under Erlang C: walk up from the occupancy/stability bound.

    Below ``n0 = max(floor(a) + 1, ceil(a / max_occupancy))`` no count is stable or within the
    occupancy cap; from there the service level rises and the ASA falls with every agent, so the
    first count meeting both is the answer. Erlang B is evaluated once at ``n0`` in log space,
    then advanced with the stable recursion ``B(n) = a B(n-1) / (n + a B(n-1))``, a few flops per
    cell and step; cells leave the walk as soon as they are met.
    """
    n = np.maximum(np.floor(load) + 1.0, np.ceil(load / max_occupancy - TOLERANCE))
    n = np.maximum(n, 1.0)
    blocking = erlang_b(n, load)
    result = np.zeros(load.size)
    open_cells = np.arange(load.size)
    while open_cells.size:
        a, nn, b = load[open_cells], n[open_cells], blocking[open_cells]
        p_wait = b / (1.0 - (a / nn) * (1.0 - b))
        gap = nn - a
        sl = 1.0 - p_wait * np.exp(-gap * threshold_s[open_cells] / aht_s[open_cells])
        asa = p_wait * aht_s[open_cells] / gap
        met = (sl >= service_level[open_cells] - TOLERANCE) & (asa <= asa_s[open_cells] + TOLERANCE)
        result[open_cells[met]] = nn[met]
        open_cells = open_cells[~met]
        a, b = a[~met], b[~met]
        n[open_cells] += 1.0
        blocking[open_cells] = a * b / (n[open_cells] + a * b)
    return result


def _bisect(
    arrival_rate: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
    progress: ProgressCallback | None,
) -> np.ndarray:
    """Fewest agents by vectorised bisection (any model whose measures improve with agents)."""
    load = arrival_rate * aht_s
    with_asa = bool(np.isfinite(asa_s).any())

    def feasible(agents: np.ndarray, cells: np.ndarray) -> np.ndarray:
        return _meets(
            agents,
            arrival_rate[cells],
            aht_s[cells],
            service_level[cells],
            threshold_s[cells],
            asa_s[cells],
            max_occupancy[cells],
            patience_s[cells],
            with_asa,
        )

    guess = np.maximum(np.ceil(load / max_occupancy + 3.0 * np.sqrt(load) + 1.0), 1.0)
    agents, never = _first_passing(feasible, np.zeros(load.size), guess, progress)
    if never.any():
        raise InvalidInput("service targets cannot be met with any number of agents")
    return agents


def required_agents(
    arrival_rate: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
    progress: ProgressCallback | None = None,
) -> np.ndarray:
    """The fewest agents per cell meeting every target, vectorised over all cells.

    Cells without patience (Erlang C) walk up from the stability/occupancy bound with the Erlang
    B recursion; cells with patience (Erlang A) are bisected between bounds found by doubling.

    Parameters
    ----------
    arrival_rate:
        Contacts per second per cell (> 0 in every cell).
    aht_s:
        Mean handle time in seconds per cell.
    service_level, threshold_s:
        Target share answered within `threshold_s` seconds.
    asa_s:
        ASA target in seconds (``inf`` for none).
    max_occupancy:
        Occupancy cap in (0, 1].
    patience_s:
        Mean patience in seconds (NaN for no abandonment: Erlang C).
    progress:
        Optional callback (fraction 0..1, message).

    Returns
    -------
    numpy.ndarray
        Agents (int64) per cell.
    """
    agents = np.zeros(arrival_rate.size)
    patient = np.isfinite(patience_s)
    plain = ~patient
    if plain.any():
        agents[plain] = _erlang_c_walk(
            arrival_rate[plain] * aht_s[plain],
            aht_s[plain],
            service_level[plain],
            threshold_s[plain],
            asa_s[plain],
            max_occupancy[plain],
        )
    if progress is not None:
        progress(0.5 if patient.any() else 1.0, "Erlang C cells done")
    if patient.any():
        agents[patient] = _bisect(
            arrival_rate[patient],
            aht_s[patient],
            service_level[patient],
            threshold_s[patient],
            asa_s[patient],
            max_occupancy[patient],
            patience_s[patient],
            progress,
        )
    return agents.astype(np.int64)


def largest_count_met(
    agents: np.ndarray,
    interval_s: float,
    known_met: np.ndarray,
    aht_s: np.ndarray,
    service_level: np.ndarray,
    threshold_s: np.ndarray,
    asa_s: np.ndarray,
    max_occupancy: np.ndarray,
    patience_s: np.ndarray,
) -> np.ndarray:
    """The most contacts per interval that `agents` serve to every target, per cell.

    Parameters
    ----------
    agents:
        Agents (or chat slots) per cell, > 0.
    interval_s:
        Interval length in seconds (a count ``m`` is the rate ``m / interval_s``).
    known_met:
        A count per cell known to be met (the count the cell was staffed for), >= 0.
    aht_s, service_level, threshold_s, asa_s, max_occupancy, patience_s:
        As in :func:`required_agents` (seconds; ``inf`` ASA for none; NaN patience for none).

    Returns
    -------
    numpy.ndarray
        Largest integer count met (float64); ``inf`` where every count is met (no binding
        target, e.g. a service level of 0 with abandonment and no occupancy cap).
    """
    with_asa = bool(np.isfinite(asa_s).any())

    def too_many(counts: np.ndarray, cells: np.ndarray) -> np.ndarray:
        return ~_meets(
            agents[cells],
            counts / interval_s,
            aht_s[cells],
            service_level[cells],
            threshold_s[cells],
            asa_s[cells],
            max_occupancy[cells],
            patience_s[cells],
            with_asa,
        )

    lo = np.floor(np.asarray(known_met, dtype=np.float64))
    first_missed, never = _first_passing(too_many, lo, np.maximum(2.0 * lo, lo + 1.0))
    return np.where(never, np.inf, first_missed - 1.0)
