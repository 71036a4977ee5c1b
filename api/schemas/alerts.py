"""Response bodies of the alert endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

AlertKind = Literal[
    "low_csat",
    "negative_sentiment",
    "service_level",
    "negative_emotion",
    "compliance_miss",
    "schedule_change",
]


class AlertPublic(BaseModel):
    """One alert: a contact with a low score, an interval below its service-level target, or a
    queue where negative emotion or script-compliance misses cluster in a window."""

    alert_id: int = Field(examples=[17])
    kind: AlertKind = Field(examples=["low_csat"])
    key: str = Field(description="What the alert is about (contact id, or queue|interval)")
    queue: str | None = Field(examples=["billing"])
    team: str | None = Field(description="The agent's team (contact alerts)", examples=["t1"])
    agent_id: str | None = Field(examples=["a001"])
    contact_id: str | None = Field(examples=["c-1001"])
    interval_start: AwareDatetime | None = Field(description="Interval of a service-level alert")
    at: AwareDatetime = Field(description="When it happened")
    value: float = Field(
        description="CSAT (1-5), sentiment (-1..1), service level (0..1) or the share (0..1) of "
        "a window's evaluated contacts with negative emotion or a compliance miss"
    )
    threshold: float = Field(description="The setting the value broke")
    message: str = Field(examples=["contact c-1001 on queue billing (agent a001): CSAT 1 <= 2"])
    created_at: AwareDatetime
    acknowledged_at: AwareDatetime | None = Field(
        default=None, description="When a supervisor acknowledged it (None: not yet)"
    )
    acknowledged_by: str | None = Field(default=None, description="Key id that acknowledged it")


class AlertListPublic(BaseModel):
    """Alerts visible to the caller, newest first."""

    alerts: list[AlertPublic]


class DeliveryPublic(BaseModel):
    """One alert sent (or being sent) to one webhook URL."""

    delivery_id: int
    alert_id: int
    url: str
    status: Literal["pending", "retrying", "delivered", "failed"]
    attempts: int = Field(ge=0)
    last_status_code: int | None
    last_error: str | None
    updated_at: AwareDatetime


class DeliveryListPublic(BaseModel):
    """Webhook deliveries of one alert, oldest first."""

    deliveries: list[DeliveryPublic]
