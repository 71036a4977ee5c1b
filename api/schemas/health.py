"""Probe answers and the caller's own key."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class HealthPublic(BaseModel):
    """Probe answer."""

    status: Literal["ok"] = "ok"


class MePublic(BaseModel):
    """The caller's key: role and scope, and the site's zone the pages show times in."""

    key_id: str
    role: str
    agent_id: str | None = None
    teams: list[str] = Field(default_factory=list)
    timezone: str = Field(examples=["Europe/Berlin"])
