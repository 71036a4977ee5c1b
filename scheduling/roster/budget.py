"""The search budget of one roster solve: deterministic work, a seed, and a wall-clock cap.

Reproducible rosters need every search to stop on a count of work rather than on the clock.
CP-SAT measures work in *deterministic time* (``max_deterministic_time``, units "as close as
possible to a second" on a reference machine, independent of load) and its interleaved search
(``interleave_search``) is deterministic for any number of workers; a single-worker solve with a
fixed ``random_seed`` is deterministic too. Every solve of a roster (the greedy agent-by-agent
models, the day re-timing and the main search) draws on one :class:`SearchBudget`, so the same
scenario, seed and work limit give the same roster.

The wall-clock cap (the caller's time limit) still holds: a solve it interrupts before its work
is done marks the budget :attr:`SearchBudget.wall_limited` and the roster may then differ from
run to run (the report says so).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

WORK_PER_SECOND = 0.1
"""Deterministic work units granted per second of time limit by default. On the 2-core project
machine a 300-agent roster did about 0.1 units a second at load average 5-6 and 0.07 at 7-9 (see
benchmarks/RESULTS.md), so the default work usually ends before the limit and the roster is
reproducible; a quiet machine finishes early. Pass `work_limit` to choose."""
SEQUENTIAL_MAX_AGENTS = 60
"""Up to this many agents the main search is CP-SAT's sequential full search (one worker), which
proves small rosters optimal; above, the interleaved large neighbourhood search improves far
faster (measured on planted instances)."""
FULL_SUBSOLVERS = (
    "default_lp",
    "max_lp",
    "max_lp_sym",
    "core",
    "reduced_costs",
    "pseudo_costs",
    "no_lp",
    "quick_restart",
    "quick_restart_no_lp",
    "lb_tree_search",
    "objective_lb_search",
    "objective_shaving",
    "probing",
)
"""CP-SAT's full-problem subsolvers: in the interleaved search they spend whole work batches on
this model's weak linear relaxation, so it runs large neighbourhood and local search only."""
_STOPPED_SHARE = 0.98
_WALL_SHARE = 0.9
_WALL_MARGIN_S = 2.0


@dataclass
class SearchBudget:
    """Deterministic work available to a solve, its seed and its wall-clock deadline.

    Attributes
    ----------
    work_limit:
        Deterministic work units (CP-SAT deterministic time) for the whole solve.
    deadline:
        ``time.perf_counter()`` value after which every search stops (the wall-clock cap).
    seed:
        ``random_seed`` of every CP-SAT search.
    spent:
        Work used so far.
    wall_limited:
        Whether a search was stopped by the wall clock before its work was done.
    """

    work_limit: float
    deadline: float
    seed: int = 0
    spent: float = 0.0
    wall_limited: bool = False
    log: list[tuple[str, float]] = field(default_factory=list)

    @classmethod
    def start(cls, time_limit_s: float, work_limit: float | None, seed: int) -> SearchBudget:
        """A budget from now: `work_limit` units (default ``WORK_PER_SECOND x time_limit_s``)
        within `time_limit_s` seconds of wall clock."""
        work = WORK_PER_SECOND * time_limit_s if work_limit is None else work_limit
        return cls(
            work_limit=max(0.05, work), deadline=time.perf_counter() + time_limit_s, seed=seed
        )

    def work_left(self) -> float:
        """Deterministic work units not yet used."""
        return max(0.0, self.work_limit - self.spent)

    def seconds_left(self) -> float:
        """Wall-clock seconds to the deadline."""
        return max(0.0, self.deadline - time.perf_counter())

    def out_of_time(self) -> bool:
        """Whether the wall-clock deadline has passed (a search stopping on it is marked)."""
        if self.seconds_left() <= 0.0:
            self.wall_limited = True
            return True
        return False

    def prepare(
        self,
        solver: cp_model.CpSolver,
        work: float,
        *,
        workers: int = 1,
        reserve_s: float = 0.0,
    ) -> None:
        """Set a solver's limits and determinism for a search of `work` units.

        One worker: CP-SAT's sequential search. Several: its interleaved search (deterministic
        for any worker count), large neighbourhood search and local search only, after a light
        presolve.
        """
        params = solver.parameters
        params.random_seed = self.seed
        params.max_deterministic_time = max(0.01, work)
        params.max_time_in_seconds = max(0.05, self.seconds_left() - reserve_s)
        if workers <= 1:
            params.num_workers = 1
            return
        params.num_workers = workers
        params.interleave_search = True
        # With the batch size left to CP-SAT and with clauses and bounds shared between
        # workers, the interleaved search still depended on machine load: runs at load 7-10
        # stopped at different work with different rosters (google/or-tools#4458), and one in a
        # few full test runs differed by one unit of objective. A fixed batch of one task per
        # worker and nothing shared but solutions gave the same roster in every run measured.
        params.interleave_batch_size = workers
        params.share_binary_clauses = False
        params.share_objective_bounds = False
        params.share_level_zero_bounds = False
        params.ignore_subsolvers.extend(FULL_SUBSOLVERS)
        # One presolve round without probing: on a 300-agent roster the full presolve took
        # two to three times as long for no better search (measured).
        params.max_presolve_iterations = 1
        params.cp_model_probing_level = 0

    def charge(self, solver: cp_model.CpSolver, status: object, stage: str) -> None:
        """Count a finished search's work and note whether the wall clock stopped it."""
        used = float(solver.deterministic_time)
        self.spent += used
        self.log.append((stage, used))
        params = solver.parameters
        finished = status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID)
        # CP-SAT's own wall clock starts a little after ours, so a search cut short by the
        # clock can report a wall time a second or so under its limit.
        clock = (
            solver.wall_time >= _WALL_SHARE * params.max_time_in_seconds
            or self.seconds_left() <= _WALL_MARGIN_S
        )
        if not finished and used < _STOPPED_SHARE * params.max_deterministic_time and clock:
            self.wall_limited = True

    def add(self, work: float) -> None:
        """Count work done outside CP-SAT (in deterministic units)."""
        self.spent += work
