"""Versions of stored data, the one home of cache invalidation across processes and machines.

Every write to a family of data bumps its counter in ``cache_versions`` inside the writing
transaction; a reader that keeps answers in memory reads the counters (one primary-key read of
a two-row table) and throws away what was computed under older ones. The counters live in the
store, so API worker processes on one machine or behind a load balancer agree.

Families: :data:`RECORDS` (contacts, agent states, agents), :data:`SCHEDULES` (published
roster rows) and :data:`AGENTS` (agents alone: skills, teams).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, Engine, select, update

from features.store.tables.cache import CacheVersion

RECORDS = "records"
"""Contacts, agent states and agents."""
SCHEDULES = "schedules"
"""Published roster rows."""
AGENTS = "agents"
"""Agents alone (their skills and teams), also counted in :data:`RECORDS`."""
FAMILIES = (RECORDS, SCHEDULES, AGENTS)


def bump_versions(connection: Connection, *families: str) -> None:
    """Add one to the counters of `families`, inside the caller's writing transaction.

    Bump at the end of the transaction: on PostgreSQL the counter's row stays locked until the
    commit, so concurrent writers of one family wait for each other only that long.
    """
    for family in families:
        if family not in FAMILIES:
            raise ValueError(f"unknown cache family '{family}'; families are {FAMILIES}")
    connection.execute(
        update(CacheVersion)
        .where(CacheVersion.name.in_(list(families)))
        .values(version=CacheVersion.version + 1)
    )


def read_versions(engine: Engine) -> Mapping[str, int]:
    """Every family's counter (one small read; call it once per request that uses a cache)."""
    with engine.connect() as connection:
        rows = connection.execute(select(CacheVersion.name, CacheVersion.version)).all()
    return {str(name): int(version) for name, version in rows}
