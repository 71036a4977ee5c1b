"""Request and response bodies of the routing endpoints."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class WaitingContactIn(BaseModel):
    """A contact waiting in a queue."""

    model_config = ConfigDict(extra="forbid")

    contact_id: str = Field(min_length=1, max_length=200, examples=["c-1001"])
    queue: str = Field(min_length=1, max_length=128, examples=["billing"])
    wait_s: float = Field(ge=0, le=86_400, description="Seconds waited so far", examples=[42.0])
    priority: float | None = Field(
        default=None,
        ge=-1e6,
        le=1e6,
        description="Higher first; absent: the queue's priority from the published scenario",
        examples=[2.0],
    )


class AvailableAgentIn(BaseModel):
    """An agent ready to take a contact."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str = Field(min_length=1, max_length=128, examples=["a001"])
    idle_s: float = Field(default=0.0, ge=0, le=86_400, description="Seconds idle", examples=[65])


class RoutingAssignCreate(BaseModel):
    """Contacts waiting and agents available at one moment."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "at": "2026-11-30T10:15:00+01:00",
                    "contacts": [{"contact_id": "c-1001", "queue": "billing", "wait_s": 42}],
                    "agents": [{"agent_id": "a001", "idle_s": 65}],
                }
            ]
        },
    )

    at: AwareDatetime | None = Field(
        default=None, description="Instant with offset; the server's clock when absent"
    )
    contacts: list[WaitingContactIn] = Field(max_length=5_000)
    agents: list[AvailableAgentIn] = Field(max_length=5_000)


class AssignmentPublic(BaseModel):
    """One contact given to one agent."""

    contact_id: str = Field(examples=["c-1001"])
    agent_id: str = Field(examples=["a001"])
    queue: str = Field(examples=["billing"])
    proficiency: int = Field(ge=1, le=5, examples=[5])


class UnassignedPublic(BaseModel):
    """A contact left waiting, and why."""

    contact_id: str = Field(examples=["c-1002"])
    queue: str = Field(examples=["sales"])
    reason: str = Field(examples=["no available agent has this queue in their skills and plan"])


class RoutingAssignPublic(BaseModel):
    """Assignments in serving order (priority, then wait) and the contacts left waiting."""

    at: AwareDatetime
    assignments: list[AssignmentPublic]
    unassigned: list[UnassignedPublic]


class PlanEntryPublic(BaseModel):
    """What one agent does at the moment asked, by the published roster."""

    agent_id: str = Field(examples=["a001"])
    activity: str = Field(examples=["work"])
    queue: str | None = Field(description="Queue served; null for non-work", examples=["billing"])


class RoutingPlanPublic(BaseModel):
    """The published routing plan at one moment: every rostered agent's activity and queue."""

    at: AwareDatetime
    agents: list[PlanEntryPublic]
