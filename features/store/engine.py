"""Engines and sessions: one place that knows dialect quirks (SQLite pragmas, PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from features.settings import database_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the API) work while a batch is being ingested; NORMAL sync is safe
    # under WAL and much faster for bulk inserts.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for `url` (see :func:`features.settings.database_url`).

    SQLite connections get WAL journaling, ``synchronous=NORMAL``, foreign keys and a 30 s busy
    timeout; PostgreSQL connections are pre-pinged so a restarted server is noticed.
    """
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(resolved, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to `engine` (sessions do not expire objects on commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
