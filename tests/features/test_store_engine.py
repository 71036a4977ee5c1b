"""One engine per database URL per process; the last holder closes it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from features.store.engine import hold_engine, release_engine, shared_engine
from features.store.records_store import Store
from features.store.service_store import ServiceStore


def test_every_store_of_a_url_shares_one_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one.db'}"
    engine = shared_engine(url)
    assert shared_engine(url) is engine
    assert Store(url).engine is engine
    assert ServiceStore(shared_engine(url)).engine is engine
    assert shared_engine(f"sqlite:///{tmp_path / 'other.db'}") is not engine


def test_last_holder_releases_the_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'held.db'}"
    first = hold_engine(url)
    second = hold_engine(url)
    assert first is second
    release_engine(url)
    assert shared_engine(url) is first  # still held once
    release_engine(url)
    fresh = shared_engine(url)
    assert fresh is not first
    with fresh.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
