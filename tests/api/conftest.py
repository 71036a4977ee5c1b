"""API fixtures: an app over a throw-away database, a TestClient, and keys per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import make_key
from api.settings import Settings

KeyFactory = Callable[..., dict[str, str]]


@pytest.fixture
def api_settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings over the parametrised database (SQLite and PostgreSQL) and a throw-away MLflow
    store."""
    return Settings(
        database_url=database_url,
        mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        job_workers=2,
        timezone="UTC",
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


def add_key(
    app: FastAPI, role: str, agent_id: str | None = None, teams: list[str] | None = None
) -> str:
    """Store a new key of `role` in the app's database; return the clear key."""
    new = make_key()
    app.state.service_store.add_key(new.key_id, new.key_hash, role, agent_id, teams or [])
    return new.key


@pytest.fixture
def auth(app: FastAPI, client: TestClient) -> KeyFactory:
    """Make the Authorization header of a new key: ``auth("supervisor", teams=["t1"])``."""

    def make(
        role: str, agent_id: str | None = None, teams: list[str] | None = None
    ) -> dict[str, str]:
        return {"Authorization": f"Bearer {add_key(app, role, agent_id, teams)}"}

    return make
