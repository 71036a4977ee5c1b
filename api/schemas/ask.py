"""Schema of ``GET /v1/ask``: an answer to a question in plain language."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AskPublic(BaseModel):
    """The answer, the query that produced it, and where to see it on the dashboard."""

    understood: bool = Field(
        description="False: the question could not be answered without guessing"
    )
    language: str = Field(examples=["en"], description="en or zh, as the question was asked")
    text: str = Field(examples=["The service level of billing yesterday (2026-11-29) was 81.2%."])
    value: float | None = Field(
        default=None, description="The one number asked for (shares 0..1, seconds, counts)"
    )
    unit: str | None = Field(
        default=None, examples=["share"], description="share, seconds, count, score, rating, agents"
    )
    rows: list[dict[str, Any]] = Field(
        default_factory=list, description="Per group, period, day or agent: the chart's data"
    )
    query: dict[str, Any] | None = Field(
        default=None, description="What ran: measure, filters, period, grouping, threshold"
    )
    chart_url: str | None = Field(default=None, examples=["/dashboard/ask?q=..."])
    drill_url: str | None = Field(default=None, examples=["/dashboard/drill?day=2026-11-29"])
    unknown: list[str] = Field(default_factory=list, description="Words not understood")
    examples: list[str] = Field(default_factory=list, description="Questions that work")
