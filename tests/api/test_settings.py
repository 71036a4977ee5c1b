"""Service settings: the default store is SQLite under ./data, SEATWISE_* variables win."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import Settings


def resolve_url() -> str:
    """The store URL the service would use (``Settings().database_url``)."""
    return Settings().database_url


def test_default_url_is_sqlite_under_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEATWISE_DATABASE_URL", raising=False)
    assert resolve_url() == "sqlite:///data/seatwise.db"
    assert (tmp_path / "data").is_dir()
    monkeypatch.setenv("SEATWISE_DATABASE_URL", "postgresql+psycopg://x@h/db")
    assert resolve_url() == "postgresql+psycopg://x@h/db"
