"""Data access for the service tables (keys, jobs, forecasts, rosters): queries only, no rules.

Every method runs in its own transaction, so a failure leaves nothing half-written. Rows come
back as detached ORM objects (:mod:`features.store.tables.service`) or long-format frames.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, defer

from features.errors import NotFound
from features.schema import FORECAST_COLUMNS, INTERVAL_START, QUEUE, ROSTER_COLUMNS
from features.store.cache_versions import SCHEDULES, bump_versions
from features.store.tables.service import ApiKey, ForecastRow, Job, Roster, RosterRow

ACTIVE_JOB_STATES = ("queued", "running")
FINISHED_JOB_STATES = ("done", "failed", "cancelled")


def utc_now() -> datetime:
    """The current instant, tz-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored instant as tz-aware UTC (SQLite hands them back naive, already in UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _to_utc_series(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True)
    return stamps


class ServiceStore:
    """Queries over the service tables of one database.

    Parameters
    ----------
    engine:
        A SQLAlchemy engine whose database has been migrated to ``0002_service`` or later.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def ping(self) -> None:
        """Run ``SELECT 1``; raises the driver's error when the database is unreachable."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    # -- API keys -------------------------------------------------------------------------
    def add_key(
        self, key_id: str, key_hash: str, role: str, agent_id: str | None, teams: Sequence[str]
    ) -> ApiKey:
        """Store a new key (its hash only)."""
        row = ApiKey(
            key_id=key_id,
            key_hash=key_hash,
            role=role,
            agent_id=agent_id,
            teams=list(teams),
            created_at=utc_now(),
        )
        with self._transaction() as session:
            session.add(row)
        return row

    def get_key(self, key_id: str) -> ApiKey | None:
        """The key with this lookup id, revoked or not; None when unknown."""
        with self._transaction() as session:
            return session.get(ApiKey, key_id)

    def list_keys(self) -> list[ApiKey]:
        """Every key, oldest first."""
        with self._transaction() as session:
            return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))

    def revoke_key(self, key_id: str) -> ApiKey:
        """Mark a key revoked; raises NotFound for an unknown id."""
        with self._transaction() as session:
            row = session.get(ApiKey, key_id)
            if row is None:
                raise NotFound(f"API key '{key_id}' does not exist")
            if row.revoked_at is None:
                row.revoked_at = utc_now()
            return row

    def key_revoked(self, key_id: str) -> bool:
        """Whether the key with this lookup id is revoked or gone: one indexed read of one
        column, cheap enough to ask on every request."""
        query = select(ApiKey.revoked_at).where(ApiKey.key_id == key_id)
        with self.engine.connect() as connection:
            found = connection.execute(query).first()
        return found is None or found[0] is not None

    # -- jobs -----------------------------------------------------------------------------
    def create_job(
        self, job_id: str, kind: str, params: dict[str, Any], owner: str, key_id: str | None
    ) -> Job:
        """Record a queued job."""
        now = utc_now()
        row = Job(
            job_id=job_id,
            kind=kind,
            state="queued",
            percent=0.0,
            message="queued",
            params=params,
            owner=owner,
            key_id=key_id,
            created_at=now,
            updated_at=now,
        )
        with self._transaction() as session:
            session.add(row)
        return row

    def update_job(self, job_id: str, **fields: Any) -> None:
        """Set some of a job's columns (state, percent, message, result, result_url, error)."""
        fields["updated_at"] = utc_now()
        with self._transaction() as session:
            session.execute(update(Job).where(Job.job_id == job_id).values(**fields))

    def start_job(self, job_id: str, deadline_at: datetime) -> bool:
        """Move a queued job to running with its deadline; False (nothing changed) when the job
        is no longer queued (cancelled, or failed at a restart)."""
        now = utc_now()
        query = (
            update(Job)
            .where(Job.job_id == job_id, Job.state == "queued")
            .values(
                state="running",
                message="started",
                started_at=now,
                deadline_at=deadline_at,
                updated_at=now,
            )
        )
        with self._transaction() as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def report_progress(self, job_id: str, percent: float, message: str) -> bool:
        """Record a running job's progress; False when it is no longer running (cancelled or
        failed meanwhile), which tells its task to stop."""
        query = (
            update(Job)
            .where(Job.job_id == job_id, Job.state == "running")
            .values(percent=percent, message=message, updated_at=utc_now())
        )
        with self._transaction() as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def finish_job(self, job_id: str, state: str, **fields: Any) -> bool:
        """End an active job in `state` (done, failed, cancelled) with some of its columns;
        False (nothing changed) when it had already ended, so a cancelled or timed-out job
        keeps its end."""
        if state not in FINISHED_JOB_STATES:
            raise ValueError(f"a job ends in one of {FINISHED_JOB_STATES}, not '{state}'")
        query = (
            update(Job)
            .where(Job.job_id == job_id, Job.state.in_(ACTIVE_JOB_STATES))
            .values(state=state, updated_at=utc_now(), **fields)
        )
        with self._transaction() as session:
            return bool(session.execute(query).rowcount)  # type: ignore[attr-defined]

    def fail_overdue_jobs(self, now: datetime, reason: Callable[[Job], str]) -> list[str]:
        """Mark failed the running jobs whose deadline is before `now`, each with
        ``reason(job)``; returns their ids."""
        query = select(Job).where(
            Job.state == "running", Job.deadline_at.is_not(None), Job.deadline_at < now
        )
        with self._transaction() as session:
            overdue = list(session.scalars(query.options(defer(Job.result))))
            for job in overdue:
                job.state = "failed"
                job.error = reason(job)
                job.message = "time limit exceeded"
                job.updated_at = now
            return [job.job_id for job in overdue]

    def get_job(self, job_id: str) -> Job:
        """The job with this id; raises NotFound when unknown."""
        with self._transaction() as session:
            row = session.get(Job, job_id)
        if row is None:
            raise NotFound(f"job '{job_id}' does not exist")
        return row

    def list_jobs(
        self, kind: str | None = None, limit: int = 50, key_id: str | None = None
    ) -> list[Job]:
        """The latest `limit` jobs (of `kind`, of key `key_id` when given), newest first;
        their results are not loaded (reading ``result`` on them raises), so a listing stays
        light."""
        query = (
            select(Job)
            .order_by(Job.created_at.desc(), Job.job_id)
            .limit(limit)
            .options(defer(Job.result))
        )
        if kind is not None:
            query = query.where(Job.kind == kind)
        if key_id is not None:
            query = query.where(Job.key_id == key_id)
        with self._transaction() as session:
            return list(session.scalars(query))

    def fail_orphaned_jobs(self, is_orphan: Callable[[str], bool], reason: str) -> list[str]:
        """Mark queued/running jobs whose owner is gone (``is_orphan(owner)``) as failed.

        Returns
        -------
        list[str]
            Ids of the jobs marked failed.
        """
        with self._transaction() as session:
            active = session.scalars(select(Job).where(Job.state.in_(ACTIVE_JOB_STATES))).all()
            failed = [job for job in active if is_orphan(job.owner)]
            now = utc_now()
            for job in failed:
                job.state = "failed"
                job.error = reason
                job.message = reason
                job.updated_at = now
            return [job.job_id for job in failed]

    # -- forecasts ------------------------------------------------------------------------
    def add_forecast(self, run_id: str, forecast: pd.DataFrame) -> int:
        """Store a forecast frame (FORECAST_COLUMNS) under a run id; returns rows written."""
        if forecast.empty:
            return 0
        frame = forecast.reindex(columns=FORECAST_COLUMNS)
        starts = _to_utc_series(frame[INTERVAL_START])
        now = utc_now()
        records = [
            {
                "run_id": run_id,
                QUEUE: str(row.queue),
                INTERVAL_START: start.to_pydatetime(),
                "volume": float(row.volume),
                "volume_p10": _float_or_none(row.volume_p10),
                "volume_p50": _float_or_none(row.volume_p50),
                "volume_p90": _float_or_none(row.volume_p90),
                "aht_s": _float_or_none(row.aht_s),
                "model": str(row.model),
                "model_version": "" if pd.isna(row.model_version) else str(row.model_version),
                "created_at": now,
            }
            for row, start in zip(frame.itertuples(index=False), starts, strict=True)
        ]
        with self._transaction() as session:
            session.execute(insert(ForecastRow), records)
        return len(records)

    def read_latest_forecast(
        self, queues: Sequence[str] | None, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """The newest stored forecast of every (queue, interval) in ``[start, end)``.

        Returns
        -------
        pandas.DataFrame
            FORECAST_COLUMNS plus ``run_id``; ``interval_start`` tz-aware UTC.
        """
        newest = (
            select(func.max(ForecastRow.id).label("id"))
            .where(ForecastRow.interval_start >= start, ForecastRow.interval_start < end)
            .group_by(ForecastRow.queue, ForecastRow.interval_start)
        )
        if queues is not None:
            newest = newest.where(ForecastRow.queue.in_(list(queues)))
        query = (
            select(ForecastRow)
            .where(ForecastRow.id.in_(newest.scalar_subquery()))
            .order_by(ForecastRow.queue, ForecastRow.interval_start)
        )
        with self._transaction() as session:
            rows = session.scalars(query).all()
        columns = [*FORECAST_COLUMNS, "run_id"]
        frame = pd.DataFrame([{c: getattr(r, c) for c in columns} for r in rows], columns=columns)
        frame[INTERVAL_START] = pd.to_datetime(frame[INTERVAL_START], utc=True)
        return frame

    # -- rosters --------------------------------------------------------------------------
    def create_roster(self, roster_id: str, scenario: dict[str, Any], job_id: str | None) -> None:
        """Record a roster request in state ``queued``."""
        row = Roster(
            roster_id=roster_id,
            status="queued",
            job_id=job_id,
            scenario=scenario,
            created_at=utc_now(),
        )
        with self._transaction() as session:
            session.add(row)

    def update_roster(self, roster_id: str, **fields: Any) -> None:
        """Set some of a roster's columns (status, rows, coverage, objective, ...)."""
        with self._transaction() as session:
            session.execute(update(Roster).where(Roster.roster_id == roster_id).values(**fields))

    def get_roster(self, roster_id: str) -> Roster:
        """The roster with this id; raises NotFound when unknown."""
        with self._transaction() as session:
            row = session.get(Roster, roster_id)
        if row is None:
            raise NotFound(f"roster '{roster_id}' does not exist")
        return row

    def publish_roster(self, roster_id: str, rows: pd.DataFrame) -> int:
        """Publish roster rows (ROSTER_COLUMNS) in one transaction.

        Published rows of the same agents, and of the other agents of the roster's scenario
        (those given no shift), overlapping the new rows' span are replaced, so an agent's
        schedule always shows the latest published plan. Returns rows written.
        """
        frame = rows.reindex(columns=ROSTER_COLUMNS)
        starts = _to_utc_series(frame["start"])
        ends = _to_utc_series(frame["end"])
        records = [
            {
                "roster_id": roster_id,
                "agent_id": str(r.agent_id),
                "date": str(r.date)[:10],
                "activity": str(r.activity),
                QUEUE: "" if pd.isna(r.queue) else str(r.queue),
                "start": s.to_pydatetime(),
                "end": e.to_pydatetime(),
            }
            for r, s, e in zip(frame.itertuples(index=False), starts, ends, strict=True)
        ]
        with self._transaction() as session:
            roster = session.get(Roster, roster_id)
            if roster is None:
                raise NotFound(f"roster '{roster_id}' does not exist")
            if records:
                planned = (roster.scenario or {}).get("agents") or []
                others = {str(a.get("agent_id")) for a in planned if isinstance(a, dict)}
                agents = sorted({rec["agent_id"] for rec in records} | others)
                session.execute(
                    delete(RosterRow).where(
                        RosterRow.agent_id.in_(agents),
                        RosterRow.end > starts.min().to_pydatetime(),
                        RosterRow.start < ends.max().to_pydatetime(),
                    )
                )
                session.execute(insert(RosterRow), records)
            roster.status = "published"
            roster.published_at = utc_now()
            bump_versions(session.connection(), SCHEDULES)
        return len(records)

    def read_schedule(
        self, agent_ids: Sequence[str] | None, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """Published roster rows overlapping ``[start, end)``.

        Returns
        -------
        pandas.DataFrame
            ROSTER_COLUMNS (UTC instants) plus ``roster_id``, the roster each row came from,
            sorted by agent then start.
        """
        columns = [*ROSTER_COLUMNS, "roster_id"]
        query = (
            select(*(getattr(RosterRow, c) for c in columns))
            .where(RosterRow.end > start, RosterRow.start < end)
            .order_by(RosterRow.agent_id, RosterRow.start)
        )
        if agent_ids is not None:
            query = query.where(RosterRow.agent_id.in_(list(agent_ids)))
        with self._transaction() as session:
            rows = session.execute(query).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        frame["end"] = pd.to_datetime(frame["end"], utc=True)
        return frame

    def published_version(self) -> tuple[int, str]:
        """(rosters published, latest publish instant as text): changes with every publish."""
        query = select(func.count(Roster.roster_id), func.max(Roster.published_at)).where(
            Roster.published_at.is_not(None)
        )
        with self._transaction() as session:
            count, latest = session.execute(query).one()
        return int(count), str(latest)

    def read_published_scenarios(self) -> list[dict[str, Any]]:
        """The scenarios of every published roster, earliest publication first."""
        query = (
            select(Roster.scenario)
            .where(Roster.published_at.is_not(None))
            .order_by(Roster.published_at)
        )
        with self._transaction() as session:
            return [scenario or {} for scenario in session.scalars(query)]

    def get_rosters(self, roster_ids: Sequence[str]) -> list[Roster]:
        """The rosters with these ids (unknown ids are skipped), in no particular order."""
        if not roster_ids:
            return []
        query = select(Roster).where(Roster.roster_id.in_(list(roster_ids)))
        with self._transaction() as session:
            return list(session.scalars(query).all())


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
