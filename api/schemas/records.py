"""Record schemas: contacts, agent states and agents as sent to the API, ingest reports, and
stored contacts as read back.

These models document the body in OpenAPI; the rows themselves are checked by
:mod:`features.records.validation`, which reports every broken (row, field, rule) at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ContactCreate(BaseModel):
    """One contact (times ISO 8601 with offset; durations in seconds)."""

    contact_id: str = Field(examples=["c-000123"])
    queue: str = Field(examples=["billing"])
    arrived_at: str = Field(examples=["2026-11-30T08:00:05+01:00"])
    channel: Literal["voice", "chat", "email"] | None = None
    answered_at: str | None = Field(default=None, examples=["2026-11-30T08:00:17+01:00"])
    ended_at: str | None = Field(default=None, examples=["2026-11-30T08:05:02+01:00"])
    abandoned: bool | None = None
    talk_s: float | None = Field(default=None, examples=[240.0])
    hold_s: float | None = Field(default=None, examples=[10.0])
    acw_s: float | None = Field(default=None, examples=[35.0])
    handle_s: float | None = Field(default=None, examples=[285.0])
    agent_id: str | None = Field(default=None, examples=["a001"])
    transfers: int | None = None
    csat: int | None = Field(default=None, examples=[5])
    sentiment: float | None = Field(default=None, examples=[0.4])


class AgentStateCreate(BaseModel):
    """One span of an agent in one state."""

    agent_id: str = Field(examples=["a001"])
    state: Literal[
        "available", "on_contact", "acw", "break", "lunch", "training", "meeting", "offline"
    ]
    started_at: str = Field(examples=["2026-11-30T08:00:00+01:00"])
    ended_at: str = Field(examples=["2026-11-30T08:12:30+01:00"])


class AgentCreate(BaseModel):
    """One agent: team, skills (queue → proficiency 1-5), contract, availability, time off."""

    agent_id: str = Field(examples=["a001"])
    name: str | None = Field(default=None, examples=["Ada"])
    team: str | None = Field(default=None, examples=["t1"])
    site: str | None = Field(default=None, examples=["berlin"])
    timezone: str | None = Field(default=None, examples=["Europe/Berlin"])
    skills: dict[str, int] = Field(default_factory=dict, examples=[{"billing": 5, "sales": 2}])
    contract: dict[str, Any] | None = Field(
        default=None,
        examples=[
            {"min_hours": 32, "max_hours": 40, "max_days": 5, "shift_lengths_minutes": [480]}
        ],
    )
    availability: dict[str, list[list[str]]] | None = Field(
        default=None, examples=[{"mon": [["07:00", "19:00"]]}]
    )
    time_off: list[str] | None = Field(default=None, examples=[["2026-12-02"]])
    preferences: dict[str, Any] | None = None


class IngestPublic(BaseModel):
    """What a batch did: rows received, newly stored, and already stored (no-ops)."""

    received: int = Field(examples=[1000])
    inserted: int = Field(examples=[990])
    duplicates: int = Field(examples=[10])


class ContactPublic(BaseModel):
    """One stored contact: instants ISO 8601 with offset, durations in seconds."""

    contact_id: str
    queue: str
    channel: str | None = None
    arrived_at: str
    answered_at: str | None = None
    ended_at: str | None = None
    abandoned: bool
    wait_s: float | None = Field(default=None, description="Arrival to answer (or abandonment)")
    talk_s: float | None = None
    hold_s: float | None = None
    acw_s: float | None = None
    handle_s: float | None = None
    agent_id: str | None = None
    transfers: int | None = None
    csat: int | None = None
    sentiment: float | None = None


class ContactsPublic(BaseModel):
    """Contacts that arrived in the range, oldest first; `truncated` when `limit` cut them."""

    rows: list[ContactPublic]
    truncated: bool = False


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with its ``$defs`` put in place of their references: a request body's schema
    sits inside the OpenAPI document, where ``#/$defs/...`` would point at nothing."""
    defs = schema.get("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items() if key != "$defs"}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))


def body_of(model: type[BaseModel], csv: bool) -> dict[str, Any]:
    """OpenAPI ``requestBody`` of a JSON array of `model` rows (and a CSV text when `csv`)."""
    items = _inlined(model.model_json_schema())
    content: dict[str, Any] = {"application/json": {"schema": {"type": "array", "items": items}}}
    if csv:
        content["text/csv"] = {
            "schema": {"type": "string"},
            "example": "contact_id,queue,arrived_at\nc1,billing,2026-11-30T08:00:05+01:00\n",
        }
    return {"requestBody": {"required": True, "content": content}}
