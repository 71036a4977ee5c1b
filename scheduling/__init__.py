"""Erlang maths, staffing requirements, simulation, rosters and routing plans (pure: frames in,
frames out)."""

from scheduling.pooling import PoolingAdvice, pooling_gain
from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.simulation.simulator import SimAgent, SimConfig, agents_from_requirements, simulate

__all__ = [
    "PoolingAdvice",
    "ServiceTargets",
    "SimAgent",
    "SimConfig",
    "agents_from_requirements",
    "compute_requirements",
    "pooling_gain",
    "simulate",
]
