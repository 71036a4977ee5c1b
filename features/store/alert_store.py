"""Data access for alerts and webhook deliveries: queries only, no rules.

Alerts are stored idempotently: (`kind`, `key`) is unique and inserting an alert that exists
already is a no-op (``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL). Every
method runs in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from features.schema import INTERVAL_START, QUEUE
from features.store.service_store import as_utc, utc_now
from features.store.tables.alerts import AlertRow, WebhookDeliveryRow

DELIVERY_STATES = ("pending", "retrying", "delivered", "failed")
_OPTIONAL_FIELDS = (QUEUE, "team", "agent_id", "contact_id")


def _python_instant(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return None
    return pd.Timestamp(value).tz_convert("UTC").to_pydatetime()


def _python_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


@dataclass(frozen=True)
class AlertScope:
    """What one reader may see: alerts of `teams`, and alerts of `queue_kinds` on `queues`.

    None in `teams` or `queues` means no restriction on it (admins read everything).
    """

    teams: frozenset[str] | None = None
    queues: frozenset[str] | None = None
    queue_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Delivery:
    """One alert to send to one URL."""

    delivery_id: int
    alert_id: int
    url: str


class AlertStore:
    """Queries over the alert tables of one database migrated to ``0003_alerts`` or later."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _insert(self) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(AlertRow)

    def add_alerts(self, alerts: pd.DataFrame) -> list[int]:
        """Store alert rows (the columns of :class:`AlertRow` but ``id`` and ``created_at``,
        i.e. :data:`features.measures.alert_rules.ALERT_COLUMNS`); existing (kind, key) pairs
        are left untouched.

        Returns
        -------
        list[int]
            Ids of the alerts that were new.
        """
        if alerts.empty:
            return []
        now = utc_now()
        records = [
            {
                "kind": str(row["kind"]),
                "key": str(row["key"]),
                **{name: _python_value(row[name]) for name in _OPTIONAL_FIELDS},
                INTERVAL_START: _python_instant(row[INTERVAL_START]),
                "at": _python_instant(row["at"]) or now,
                "value": float(row["value"]),
                "threshold": float(row["threshold"]),
                "message": str(row["message"]),
                "created_at": now,
            }
            for row in alerts.to_dict("records")
        ]
        statement = (
            self._insert()
            .on_conflict_do_nothing(index_elements=["kind", "key"])
            .returning(AlertRow.id)
        )
        with self._transaction() as session:
            ids = session.execute(statement, records).scalars().all()
        return sorted(int(i) for i in ids)

    def list_alerts(
        self,
        *,
        since: datetime | None = None,
        kind: str | None = None,
        queue: str | None = None,
        team: str | None = None,
        scope: AlertScope | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        """Alerts matching the filters and the reader's scope, newest first.

        Parameters
        ----------
        since:
            Only alerts whose event time (`at`) is at or after this instant (tz-aware).
        kind, queue, team:
            Exact filters.
        scope:
            The reader's visibility (see :class:`AlertScope`); None for everything.
        limit:
            Most rows returned.
        """
        query = select(AlertRow).order_by(AlertRow.at.desc(), AlertRow.id.desc()).limit(limit)
        if since is not None:
            query = query.where(AlertRow.at >= since.astimezone(UTC))
        if kind is not None:
            query = query.where(AlertRow.kind == kind)
        if queue is not None:
            query = query.where(AlertRow.queue == queue)
        if team is not None:
            query = query.where(AlertRow.team == team)
        if scope is not None:
            visible: list[ColumnElement[bool]] = []
            if scope.teams is not None:
                visible.append(AlertRow.team.in_(sorted(scope.teams)))
            if scope.queues is not None and scope.queue_kinds:
                visible.append(
                    and_(
                        AlertRow.kind.in_(sorted(scope.queue_kinds)),
                        AlertRow.queue.in_(sorted(scope.queues)),
                    )
                )
            if visible:
                query = query.where(or_(*visible))
        with self._transaction() as session:
            rows = session.scalars(query).all()
        return [alert_as_dict(row) for row in rows]

    def get_alerts(self, alert_ids: Sequence[int]) -> list[dict[str, Any]]:
        """Alerts by id (unknown ids are skipped), in id order."""
        if not alert_ids:
            return []
        query = select(AlertRow).where(AlertRow.id.in_(list(alert_ids))).order_by(AlertRow.id)
        with self._transaction() as session:
            return [alert_as_dict(row) for row in session.scalars(query).all()]

    def acknowledge(self, alert_id: int, by: str, at: datetime) -> dict[str, Any] | None:
        """Mark an alert seen by key `by` at `at` (tz-aware); the first acknowledgement stays.

        Returns
        -------
        dict or None
            The alert as :meth:`get_alerts` gives it; None when there is no such alert.
        """
        with self._transaction() as session:
            session.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.acknowledged_at.is_(None))
                .values(acknowledged_at=at.astimezone(UTC), acknowledged_by=by)
            )
            row = session.get(AlertRow, alert_id)
            return None if row is None else alert_as_dict(row)

    def add_deliveries(self, alert_ids: Sequence[int], urls: Sequence[str]) -> list[Delivery]:
        """One pending delivery per (alert, url)."""
        if not alert_ids or not urls:
            return []
        now = utc_now()
        rows = [
            WebhookDeliveryRow(
                alert_id=int(alert_id),
                url=url,
                status="pending",
                attempts=0,
                created_at=now,
                updated_at=now,
            )
            for alert_id in alert_ids
            for url in urls
        ]
        with self._transaction() as session:
            session.add_all(rows)
            session.flush()
            return [Delivery(row.id, row.alert_id, row.url) for row in rows]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        status: str,
        attempts: int,
        status_code: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record the outcome of one delivery attempt."""
        if status not in DELIVERY_STATES:
            raise ValueError(f"delivery status must be one of {DELIVERY_STATES}, got {status!r}")
        with self._transaction() as session:
            session.execute(
                update(WebhookDeliveryRow)
                .where(WebhookDeliveryRow.id == delivery_id)
                .values(
                    status=status,
                    attempts=attempts,
                    last_status_code=status_code,
                    last_error=error,
                    updated_at=utc_now(),
                )
            )

    def unfinished_deliveries(self) -> list[Delivery]:
        """Deliveries still pending or retrying (e.g. left by a stopped service)."""
        query = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.status.in_(["pending", "retrying"]))
            .order_by(WebhookDeliveryRow.id)
        )
        with self._transaction() as session:
            return [Delivery(r.id, r.alert_id, r.url) for r in session.scalars(query).all()]

    def list_deliveries(self, alert_id: int | None = None) -> list[dict[str, Any]]:
        """Deliveries (of one alert, or all), oldest first."""
        query = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id)
        if alert_id is not None:
            query = query.where(WebhookDeliveryRow.alert_id == alert_id)
        with self._transaction() as session:
            rows = session.scalars(query).all()
        return [
            {
                "delivery_id": r.id,
                "alert_id": r.alert_id,
                "url": r.url,
                "status": r.status,
                "attempts": r.attempts,
                "last_status_code": r.last_status_code,
                "last_error": r.last_error,
                "updated_at": as_utc(r.updated_at),
            }
            for r in rows
        ]


def alert_as_dict(row: AlertRow) -> dict[str, Any]:
    """An alert row as a plain dict with tz-aware UTC instants."""
    return {
        "alert_id": row.id,
        "kind": row.kind,
        "key": row.key,
        QUEUE: row.queue,
        "team": row.team,
        "agent_id": row.agent_id,
        "contact_id": row.contact_id,
        INTERVAL_START: as_utc(row.interval_start),
        "at": as_utc(row.at),
        "value": row.value,
        "threshold": row.threshold,
        "message": row.message,
        "created_at": as_utc(row.created_at),
        "acknowledged_at": as_utc(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
    }
