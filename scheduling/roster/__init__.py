"""The weekly roster: scenario, shift options, the CP-SAT model and its one objective module,
pre-checks, hint, refinement, decomposition, extraction, independent checks and simulation."""
