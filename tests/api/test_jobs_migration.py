"""Migration 0007 gives the jobs table what the model declares (start, deadline, the key index)
and keeps the jobs a 0006 database holds."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from features.store.migrations import alembic_config, upgrade
from features.store.service_store import ServiceStore
from features.store.tables.base import Base
from features.store.tables.service import Job


def _only_jobs(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
    """Compare the jobs table (its columns and indexes) and nothing else."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is not None and table.name == Job.__tablename__


def test_0007_matches_the_jobs_model_and_keeps_old_jobs(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine, "0006_roster_report")
        store = ServiceStore(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO jobs (job_id, kind, state, percent, message, params, owner, "
                "created_at, updated_at) VALUES ('old', 'forecast', 'done', 100, 'done', '{}', "
                "'h:1:x', '2026-11-01 00:00:00', '2026-11-01 00:00:00')"
            )
        upgrade(engine)
        columns = {c["name"] for c in inspect(engine).get_columns("jobs")}
        assert {"started_at", "deadline_at"} <= columns
        assert "ix_jobs_key_id" in {i["name"] for i in inspect(engine).get_indexes("jobs")}
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": _only_jobs, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
        old = store.get_job("old")
        assert (old.state, old.started_at, old.deadline_at) == ("done", None, None)

        command.downgrade(alembic_config(engine), "0006_roster_report")
        assert "deadline_at" not in {c["name"] for c in inspect(engine).get_columns("jobs")}
        with engine.connect() as connection:
            kept = connection.exec_driver_sql("SELECT state FROM jobs WHERE job_id = 'old'")
            assert kept.scalar_one() == "done"
    finally:
        engine.dispose()
