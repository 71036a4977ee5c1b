"""Engines: one per database URL per process, and the one place that knows dialect quirks.

Every store of a process (the app's, the CLI's, the job tasks') reads and writes through the
engine :func:`shared_engine` hands out for its URL, so a process holds one connection pool per
database however many stores, requests and jobs use it. An owner with a lifetime (the app's
lifespan) takes the engine with :func:`hold_engine` and gives it back with
:func:`release_engine`; the pool is closed when the last holder is gone.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url

POOL_SIZE = 10
"""Connections kept open per engine (requests, job progress and reads share them)."""
MAX_OVERFLOW = 20
"""Extra connections an engine may open under load, closed again when returned."""
DATABASE_FILE_MODE = 0o600
"""Permissions of a SQLite file Seatwise creates: its owner's only (it holds agents' data;
SQLite gives its -wal and -shm files the same)."""

_ENGINES: dict[str, Engine] = {}
_HOLDERS: dict[str, int] = {}
_LOCK = threading.Lock()


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


def create_owner_only(url: str) -> None:
    """Create the file of a SQLite `url` readable and writable by its owner only
    (:data:`DATABASE_FILE_MODE`) when it does not exist yet; an existing file keeps its mode,
    and a folder that does not exist is left for SQLite to report."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, DATABASE_FILE_MODE))


def _new_engine(url: str) -> Engine:
    """A new engine for `url`: SQLite with WAL, foreign keys and a 30 s busy timeout, its file
    created owner-only; PostgreSQL with pre-pinged connections so a restarted server is noticed.

    Statement parameters are kept out of error messages and logs (``hide_parameters``): they
    are rows of personal data (agents' names)."""
    in_memory = url.startswith("sqlite") and (url.endswith(":memory:") or url == "sqlite://")
    pool: dict[str, Any] = (
        {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
    )
    if url.startswith("sqlite"):
        if not in_memory:
            create_owner_only(url)
        engine = create_engine(url, hide_parameters=True, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **pool)


def shared_engine(url: str) -> Engine:
    """The process's engine for `url`, made on first use.

    Parameters
    ----------
    url:
        SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``); the service's comes
        from :attr:`api.settings.Settings.database_url`.

    Returns
    -------
    sqlalchemy.Engine
        The same engine for the same URL on every call in this process.
    """
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = _new_engine(url)
            _ENGINES[url] = engine
        return engine


def hold_engine(url: str) -> Engine:
    """The shared engine for `url`, kept open until a matching :func:`release_engine`."""
    engine = shared_engine(url)
    with _LOCK:
        _HOLDERS[url] = _HOLDERS.get(url, 0) + 1
    return engine


def release_engine(url: str) -> None:
    """Give back an engine taken with :func:`hold_engine`; the last holder closes its pool."""
    with _LOCK:
        left = _HOLDERS.get(url, 0) - 1
        if left > 0:
            _HOLDERS[url] = left
            return
        _HOLDERS.pop(url, None)
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
