"""Long-term capacity planning: weekly FTE required vs available per skill, attrition, ramp-up
and the least-cost hiring schedule (pure: frames and pydantic models in, frames out)."""

from scheduling.capacity.plan import CapacityPlan, ScenarioPlan, plan_capacity
from scheduling.capacity.scenario import CapacityScenario, load_capacity_scenario

__all__ = [
    "CapacityPlan",
    "CapacityScenario",
    "ScenarioPlan",
    "load_capacity_scenario",
    "plan_capacity",
]
