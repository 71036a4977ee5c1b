"""Secrets at rest and in logs: the SQLite file Seatwise creates is its owner's only (WAL files
too), an existing file keeps its mode, and database errors carry no statement parameters (agents'
names) into messages or logs, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from api.security import make_key
from api.settings import Settings
from features.store.engine import DATABASE_FILE_MODE, release_engine, shared_engine
from features.store.records_store import Store

SECRET_NAME = "Zelda Quartermaine"
"""An agent's name that must not reach any log."""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_file_seatwise_creates_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = tmp_path / "seatwise.db"
        store = Store(f"sqlite:///{path}")
        store.migrate()
        store.upsert_agents([{"agent_id": "a1", "name": SECRET_NAME, "skills": {"billing": 3}}])
        assert path.exists()
        assert _mode(path) == DATABASE_FILE_MODE == 0o600
        for companion in (tmp_path / "seatwise.db-wal", tmp_path / "seatwise.db-shm"):
            if companion.exists():
                assert _mode(companion) == 0o600, companion
        store.dispose()
    finally:
        os.umask(old)


def test_the_app_creates_its_store_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "served.db"
    settings = Settings(
        database_url=f"sqlite:///{path}", mlflow_uri=f"sqlite:///{tmp_path / 'm.db'}"
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
    assert _mode(path) == 0o600


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    store = Store(f"sqlite:///{path}")
    store.migrate()
    store.dispose()
    assert _mode(path) == 0o640


def test_database_errors_carry_no_parameters(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(database_url)
    store.migrate()
    store.upsert_agents([{"agent_id": "a1", "name": "Someone", "skills": {"billing": 3}}])
    engine = shared_engine(database_url)
    insert = text("INSERT INTO agents (agent_id, name, skills) VALUES (:agent_id, :name, '{}')")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(insert, {"agent_id": "a1", "name": SECRET_NAME})
    assert SECRET_NAME not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
    assert SECRET_NAME not in caplog.text
    store.dispose()
    release_engine(database_url)


def test_bad_agents_over_the_api_leave_no_name_in_logs(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(database_url=database_url, mlflow_uri=f"sqlite:///{tmp_path / 'm.db'}")
    app = create_app(settings)
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        key = make_key()
        app.state.service_store.add_key(key.key_id, key.key_hash, "admin", None, [])
        headers = {"Authorization": f"Bearer {key.key}"}
        rows = [
            {"agent_id": "a1", "name": SECRET_NAME, "skills": {"billing": 3}},
            {"agent_id": "a" * 150, "name": SECRET_NAME, "skills": {"billing": 3}},
        ]
        response = client.put("/v1/agents", json=rows, headers=headers)
        assert response.status_code == 422
        assert client.app.state.store.counts()["agents"] == 0  # type: ignore[attr-defined]
    assert SECRET_NAME not in caplog.text
