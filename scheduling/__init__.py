"""Erlang maths, staffing requirements, simulation, rosters and routing plans (pure: frames in,
frames out)."""

from scheduling.channels import CHANNEL_STANDARDS, channel_threshold_s, queue_channels
from scheduling.patience import PatienceEstimate, estimate_patience, with_patience
from scheduling.pooling import PoolingAdvice, pooling_gain
from scheduling.requirements import ServiceTargets, compute_requirements
from scheduling.risk import DEFAULT_CONFIDENCE
from scheduling.simulation.replay import ReplayResult, replay_roster
from scheduling.simulation.simulator import (
    SimAgent,
    SimConfig,
    agents_from_requirements,
    agents_from_roster,
    simulate,
    simulation_totals,
)

__all__ = [
    "CHANNEL_STANDARDS",
    "DEFAULT_CONFIDENCE",
    "PatienceEstimate",
    "PoolingAdvice",
    "ReplayResult",
    "ServiceTargets",
    "SimAgent",
    "SimConfig",
    "agents_from_requirements",
    "agents_from_roster",
    "channel_threshold_s",
    "compute_requirements",
    "estimate_patience",
    "pooling_gain",
    "queue_channels",
    "replay_roster",
    "simulate",
    "simulation_totals",
    "with_patience",
]
