"""Erlang maths, staffing requirements, simulation, rosters and routing plans (pure: frames in,
frames out)."""

from scheduling.requirements import ServiceTargets, compute_requirements

__all__ = ["ServiceTargets", "compute_requirements"]
