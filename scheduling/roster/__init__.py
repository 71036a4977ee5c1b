"""The weekly roster: scenario, shift options, the CP-SAT model and its one objective module,
the deterministic search budget, pre-checks, greedy hint, day re-timing, decomposition,
extraction of roster rows, independent checks, the planner's report, and simulation."""
