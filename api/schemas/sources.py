"""Schemas of the other sources: tickets, knowledge-base events, quality evaluations and name
aliases as sent to the API, and the ticket, knowledge and quality views read back.

The record models document request bodies in OpenAPI; the rows themselves are checked by
:mod:`features.records.sources`, which reports every broken (row, field, rule) at once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.history import KpiLevel


class StatusChange(BaseModel):
    """One step of a ticket's progress."""

    at: str = Field(examples=["2026-11-30T09:12:00+01:00"])
    status: Literal["open", "pending", "resolved", "closed", "reopened"]


class TicketCreate(BaseModel):
    """One ticket (times ISO 8601 with offset)."""

    ticket_id: str = Field(examples=["T-2041"])
    queue: str = Field(examples=["billing"])
    category: str = Field(examples=["refund"])
    opened_at: str = Field(examples=["2026-11-30T09:05:00+01:00"])
    contact_id: str | None = Field(default=None, examples=["c-000123"])
    agent_id: str | None = Field(default=None, examples=["a001"])
    priority: Literal["low", "normal", "high", "urgent"] | None = None
    status_changes: list[StatusChange] | None = None
    resolved_at: str | None = Field(default=None, examples=["2026-11-30T09:12:00+01:00"])
    reopened: bool | None = None


class KbEventCreate(BaseModel):
    """An agent viewed a knowledge-base article (during a contact, or not)."""

    event_id: str = Field(examples=["kb-91"])
    agent_id: str = Field(examples=["a001"])
    article_id: str = Field(examples=["art-refund-policy"])
    topic: str = Field(examples=["refunds"])
    viewed_at: str = Field(examples=["2026-11-30T09:07:10+01:00"])
    contact_id: str | None = Field(default=None, examples=["c-000123"])


class EmotionSegment(BaseModel):
    """A stretch of a contact with one emotion (seconds from the contact's start)."""

    start_s: float = Field(ge=0, examples=[12.0])
    end_s: float = Field(ge=0, examples=[31.5])
    label: Literal[
        "neutral", "positive", "happy", "satisfied", "negative", "angry", "frustrated", "sad",
        "anxious",
    ]  # fmt: skip
    score: float = Field(ge=0, le=1, examples=[0.82])


class QualityCreate(BaseModel):
    """A quality evaluation of one contact (manual review or speech analytics)."""

    evaluation_id: str = Field(examples=["qa-5521"])
    contact_id: str = Field(examples=["c-000123"])
    evaluated_at: str = Field(examples=["2026-11-30T10:00:00+01:00"])
    source: Literal["manual", "speech"]
    script_compliance: float | None = Field(default=None, ge=0, le=1, examples=[0.9])
    empathy: float | None = Field(default=None, ge=0, le=1, examples=[0.75])
    keywords: list[str] | None = Field(default=None, examples=[["refund", "cancel"]])
    emotion: list[EmotionSegment] | None = None


class AliasCreate(BaseModel):
    """Another name of a queue, team or agent, used by questions in plain language."""

    kind: Literal["queue", "team", "agent"]
    name: str = Field(examples=["billing"])
    alias: str = Field(examples=["账单"])


class AliasesPublic(BaseModel):
    """Every stored alias."""

    aliases: list[AliasCreate]


class SourceIngestPublic(BaseModel):
    """What a batch did: rows received, new, already stored (no-ops) and replaced by a newer
    version (tickets, aliases)."""

    received: int = Field(examples=[100])
    inserted: int = Field(examples=[90])
    duplicates: int = Field(examples=[10])
    updated: int = Field(default=0, examples=[4])


class TicketKpiValues(BaseModel):
    """Ticket KPIs of a period as of its end: counts of tickets, seconds, shares 0..1."""

    tickets: int = Field(0, description="Opened in the period")
    resolved: int = Field(0, description="Of those, resolved as of the period's end")
    resolution_rate: float | None = None
    resolution_s: float | None = Field(None, description="Mean opening-to-resolution, seconds")
    resolution_p50_s: float | None = Field(None, description="Median, seconds")
    first_contact_resolution: float | None = Field(
        None, description="Share of resolved tickets with no pending step and never reopened"
    )
    reopened: int = 0
    reopen_rate: float | None = Field(None, description="Reopened / resolved at least once")
    backlog: int = Field(0, description="Tickets opened before the end, unresolved at the end")


class TicketKpiChild(BaseModel):
    """A child node (queue, team or agent) or a category, with the link to drill into it."""

    level: str = Field(examples=["queue"])
    id: str
    kpis: TicketKpiValues
    url: str | None = None


class TicketKpiPublic(BaseModel):
    """Ticket KPIs of one node, its children and its categories (each category links to its
    tickets)."""

    level: KpiLevel
    id: str | None
    start: str
    end: str
    kpis: TicketKpiValues
    children: list[TicketKpiChild]
    categories: list[TicketKpiChild]


class TicketContactPublic(BaseModel):
    """The contact a ticket came from."""

    contact_id: str
    queue: str | None = None
    channel: str | None = None
    arrived_at: str | None = None
    agent_id: str | None = None
    handle_s: float | None = None
    csat: int | None = None


class TicketPublic(BaseModel):
    """One ticket with its state as of the end of the range and its contact."""

    ticket_id: str
    queue: str
    category: str
    priority: str | None = None
    agent_id: str | None = None
    team: str | None = None
    opened_at: str
    status: str
    resolved: bool
    resolution_s: float | None = None
    first_contact_resolved: bool | None = None
    reopened: bool
    status_changes: list[StatusChange]
    contact: TicketContactPublic | None = None


class TicketsPublic(BaseModel):
    """Tickets opened in the range, oldest first; `truncated` when `limit` cut them."""

    rows: list[TicketPublic]
    truncated: bool = False


class TicketDetailPublic(TicketPublic):
    """A ticket with what else is known of its contact: articles read and evaluations."""

    kb_events: list[dict[str, Any]] = Field(default_factory=list)
    evaluations: list[dict[str, Any]] = Field(default_factory=list)


class QualityKpiValues(BaseModel):
    """Quality of the evaluated contacts: counts and shares/means 0..1."""

    evaluations: int = 0
    script_compliance: float | None = None
    empathy: float | None = None
    negative_emotion_rate: float | None = None
    compliance_miss_rate: float | None = None


class QualityKpiChild(BaseModel):
    """A child node's quality with the link to drill into it."""

    level: KpiLevel
    id: str
    kpis: QualityKpiValues
    url: str | None = None


class QualityKpiPublic(BaseModel):
    """Quality KPIs of one node and its children (contacts by arrival in the range)."""

    level: KpiLevel
    id: str | None
    start: str
    end: str
    kpis: QualityKpiValues
    children: list[QualityKpiChild]


class KnowledgePublic(BaseModel):
    """Knowledge-base use and how it goes with handle time, transfers and reopens.

    The comparisons are associations between contacts with and without an article read (in the
    same queues), not effects: read them with their sample sizes and intervals.
    """

    start: str
    end: str
    interpretation: str = Field(
        default="association",
        description="Differences between contacts with and without an article read; not causal",
    )
    by_topic: list[dict[str, Any]]
    by_agent: list[dict[str, Any]]
    comparisons: list[dict[str, Any]]
    new_agent_topics: list[dict[str, Any]]
    new_agent_days: int
