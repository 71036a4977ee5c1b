"""People fixtures: an app over a throw-away database (SQLite and PostgreSQL), keys per role and
a small stored centre of two teams."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import make_key
from api.settings import Settings

KeyFactory = Callable[..., dict[str, str]]


def stored_agent(agent_id: str, team: str, skills: dict[str, int], **extra: Any) -> dict[str, Any]:
    """An agents record (DESIGN.md) of a 40-hour, 5-day contract with 8-hour shifts."""
    return {
        "agent_id": agent_id,
        "name": f"Agent {agent_id}",
        "team": team,
        "site": extra.pop("site", "berlin"),
        "timezone": "Europe/Berlin",
        "skills": skills,
        "contract": {
            "min_hours": 0,
            "max_hours": 40,
            "max_days": 5,
            "shift_lengths_minutes": [480],
        },
        **extra,
    }


CENTRE = [
    stored_agent("a1", "t1", {"billing": 5}),
    stored_agent("a2", "t1", {"billing": 3, "sales": 2}),
    stored_agent("a3", "t1", {"sales": 4}, site="hamburg"),
    stored_agent("b1", "t2", {"billing": 4}),
]


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings over the parametrised database and a throw-away MLflow store."""
    return Settings(
        database_url=database_url,
        mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        job_workers=2,
        timezone="Europe/Berlin",
    )


@pytest.fixture
def app(api_settings: Settings) -> FastAPI:
    """A fresh app."""
    return create_app(api_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client with the app's lifespan running (database migrated, jobs started)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth(app: FastAPI, client: TestClient) -> KeyFactory:
    """Make the Authorization header of a new key: ``auth("supervisor", teams=["t1"])``."""

    def make(
        role: str, agent_id: str | None = None, teams: list[str] | None = None
    ) -> dict[str, str]:
        new = make_key()
        app.state.service_store.add_key(new.key_id, new.key_hash, role, agent_id, teams or [])
        return {"Authorization": f"Bearer {new.key}"}

    return make


@pytest.fixture
def centre(client: TestClient, auth: KeyFactory) -> list[dict[str, Any]]:
    """The four agents of :data:`CENTRE`, stored through ``PUT /v1/agents``."""
    answer = client.put("/v1/agents", json=CENTRE, headers=auth("planner"))
    assert answer.status_code == 200, answer.text
    return CENTRE
