"""The Seatwise store: contacts, agent states and agents in SQLite or PostgreSQL.

Batches are written set-based inside ONE transaction, so a batch is all-or-nothing, and with
``ON CONFLICT DO NOTHING`` on the natural key, so re-sending the same contacts or spans changes
nothing. On PostgreSQL rows are streamed with ``COPY`` into a temporary table first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, Select, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from features.errors import FieldError, InvalidInput
from features.records.validation import (
    AGENT_COLUMNS,
    validate_agent_states,
    validate_agents,
    validate_contacts,
)
from features.schema import (
    AGENT_STATE_COLUMNS,
    CONTACT_COLUMNS,
    QUEUE,
    ProgressCallback,
    no_progress,
)
from features.store.cache_versions import AGENTS, RECORDS, bump_versions
from features.store.engine import shared_engine
from features.store.migrations import upgrade
from features.store.tables.records import AgentRow, AgentStateRow, ContactRow

CHUNK_ROWS = 100_000
"""Rows sent to the driver per call; progress is reported after each chunk."""

_INSTANTS = ("arrived_at", "answered_at", "ended_at", "started_at")
_CONTACT_INTEGERS = ("transfers", "csat")
_CONTACT_BOOLEANS = ("abandoned",)


@dataclass(frozen=True)
class IngestReport:
    """What a batch did: rows received, rows newly stored, rows already known (no-ops), and rows
    rejected into a rejects file (only when the caller opted in)."""

    received: int
    inserted: int
    duplicates: int
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return {
            "received": self.received,
            "inserted": self.inserted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


def _epoch_ms(values: pd.Series) -> np.ndarray:
    """Tz-aware instants as UTC epoch milliseconds (int64; NaT as the int64 minimum)."""
    utc = values.dt.tz_convert("UTC").astype("datetime64[ms, UTC]")
    return utc.array.asi8  # type: ignore[attr-defined, no-any-return]


def _instant_param(value: str | datetime | pd.Timestamp | None) -> int | None:
    """A query bound as UTC epoch milliseconds; naive values are taken as UTC."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return round(stamp.timestamp() * 1000)
    except (ValueError, OverflowError) as exc:
        rule = "must be an instant between the years 1678 and 2261"
        raise InvalidInput(
            f"bad time bound {value!r}", [FieldError(None, "start/end", rule, value)]
        ) from exc


def _column_values(frame: pd.DataFrame, column: str) -> list[Any]:
    """One column as Python values for the driver (missing -> None)."""
    values = frame[column]
    if column in _INSTANTS:
        return _with_nones(_epoch_ms(values), values.isna().to_numpy())
    if column in _CONTACT_BOOLEANS:
        return values.astype(bool).tolist()
    if column in _CONTACT_INTEGERS:
        return values.astype("object").where(values.notna(), None).tolist()
    if pd.api.types.is_float_dtype(values.dtype):
        raw = values.to_numpy(dtype="float64")
        return _with_nones(raw, np.isnan(raw))
    return values.astype("object").where(values.notna(), None).tolist()


def _with_nones(values: np.ndarray, missing: np.ndarray) -> list[Any]:
    boxed = values.astype(object)
    boxed[missing] = None
    return boxed.tolist()  # type: ignore[no-any-return]


def _rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    return list(zip(*(_column_values(frame, c) for c in columns), strict=True))


def _insert_sql(table: str, columns: Sequence[str], key: Sequence[str], mark: str) -> str:
    marks = ", ".join(mark for _ in columns)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
        f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
    )


def _from_epoch_ms(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    return pd.to_datetime(numbers, unit="ms", utc=True).astype("datetime64[ms, UTC]")


class Store:
    """Records storage behind one SQLAlchemy engine.

    Parameters
    ----------
    url:
        SQLAlchemy URL of the database (the service's is
        :attr:`api.settings.Settings.database_url`); the store uses the process's one engine
        for it (:func:`features.store.engine.shared_engine`).

    Examples
    --------
    >>> store = Store("sqlite:///:memory:")  # doctest: +SKIP
    >>> store.migrate()  # doctest: +SKIP
    """

    def __init__(self, url: str) -> None:
        self.engine: Engine = shared_engine(url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Create or upgrade the schema (Alembic ``upgrade head``)."""
        upgrade(self.engine)

    def ping(self) -> bool:
        """True when the database answers a trivial query (health checks)."""
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT 1")).scalar_one() == 1

    def dispose(self) -> None:
        """Close the engine's pooled connections (they reopen on next use)."""
        self.engine.dispose()

    def counts(self) -> dict[str, int]:
        """Rows stored per table: ``contacts``, ``agent_states``, ``agents``."""
        with self.engine.connect() as connection:
            return {
                table.__tablename__: int(
                    connection.execute(select(func.count()).select_from(table)).scalar_one()
                )
                for table in (ContactRow, AgentStateRow, AgentRow)
            }

    def ingest_contacts(
        self,
        frame: pd.DataFrame,
        *,
        validated: bool = False,
        timezone: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Store contacts; contacts whose ``contact_id`` is already stored are left as they are.

        Parameters
        ----------
        frame:
            Contacts (records contract). Validated here unless `validated` says it already was
            (by :func:`features.records.validation.validate_contacts`).
        timezone:
            Zone of naive timestamps when validating.
        progress:
            Receives (fraction 0..1, message) after each chunk.

        Returns
        -------
        IngestReport
            Rows received, newly inserted, and already stored (duplicates).
        """
        clean = frame if validated else validate_contacts(frame, timezone=timezone)
        known = pc.is_in(
            pa.array(clean["contact_id"], type=pa.large_string()),
            value_set=pa.array(self._known_contact_ids(clean), type=pa.large_string()),
        )
        fresh = clean[~known.to_numpy(zero_copy_only=False)]
        inserted = self._insert(
            fresh, ContactRow.__tablename__, CONTACT_COLUMNS, ["contact_id"], progress
        )
        return IngestReport(len(frame), inserted, len(frame) - inserted)

    def _known_contact_ids(self, clean: pd.DataFrame) -> pd.Series:
        """Ids already stored among contacts arriving in the batch's span, when that is cheap.

        Re-sent files are skipped in pandas instead of row by row in the database (a million
        re-sent contacts: about 1 s instead of 4 s). Only when the span holds at most a few times
        the batch's rows; ``ON CONFLICT DO NOTHING`` still guards every other case.
        """
        nothing = pd.Series([], dtype="str")
        if clean.empty:
            return nothing
        span = _epoch_ms(clean["arrived_at"].agg(["min", "max"]))
        table = ContactRow.__table__
        within = (table.c.arrived_at >= int(span[0])) & (table.c.arrived_at <= int(span[1]))
        with self.engine.connect() as connection:
            stored = connection.execute(select(func.count()).where(within)).scalar_one()
            if not stored or stored > 4 * len(clean):
                return nothing
        ids = self._fetch_frame(select(table.c.contact_id).where(within), ["contact_id"])
        return ids["contact_id"].astype("str")

    def ingest_agent_states(
        self,
        frame: pd.DataFrame,
        *,
        validated: bool = False,
        timezone: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Store agent-state spans; a span already stored (agent, start, state) is a no-op."""
        clean = frame if validated else validate_agent_states(frame, timezone=timezone)
        key = ["agent_id", "started_at", "state"]
        table = AgentStateRow.__tablename__
        inserted = self._insert(clean, table, AGENT_STATE_COLUMNS, key, progress)
        return IngestReport(len(frame), inserted, len(frame) - inserted)

    def upsert_agents(
        self, agents: pd.DataFrame | Iterable[Mapping[str, Any]], *, validated: bool = False
    ) -> IngestReport:
        """Insert agents, or replace the stored record of an ``agent_id`` already known.

        Returns
        -------
        IngestReport
            ``inserted`` counts new agents, ``duplicates`` the agents that were updated.
        """
        clean = (
            agents if validated and isinstance(agents, pd.DataFrame) else validate_agents(agents)
        )
        records = [
            {str(k): (None if _is_missing(v) else v) for k, v in row.items()}
            for row in clean[list(AGENT_COLUMNS)].to_dict(orient="records")
        ]
        if not records:
            return IngestReport(0, 0, 0)
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        statement = dialect_insert(AgentRow)
        updated = {c: statement.excluded[c] for c in AGENT_COLUMNS if c != "agent_id"}
        statement = statement.on_conflict_do_update(index_elements=["agent_id"], set_=updated)
        with self.engine.begin() as connection:
            known = set(
                connection.execute(
                    select(AgentRow.agent_id).where(
                        AgentRow.agent_id.in_([r["agent_id"] for r in records])
                    )
                ).scalars()
            )
            connection.execute(statement, records)
            bump_versions(connection, RECORDS, AGENTS)
        return IngestReport(len(records), len(records) - len(known), len(known))

    def _insert(
        self,
        frame: pd.DataFrame,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        progress: ProgressCallback | None,
    ) -> int:
        report = progress or no_progress
        if frame.empty:
            report(1.0, "nothing to store")
            return 0
        # Columns empty in the whole batch are left to their NULL default: less to bind.
        columns = [c for c in columns if c in key or frame[c].notna().any()]
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                inserted = self._copy_postgres(connection, frame, table, columns, key, report)
            else:
                inserted = self._insert_sqlite(connection, frame, table, columns, key, report)
            if inserted:
                bump_versions(connection, RECORDS)
        report(1.0, f"{inserted:,} new rows stored")
        return inserted

    @staticmethod
    def _insert_sqlite(
        connection: Connection,
        frame: pd.DataFrame,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        report: ProgressCallback,
    ) -> int:
        sql = _insert_sql(table, columns, key, "?")
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        inserted = 0
        starts = range(0, len(frame), CHUNK_ROWS)
        # sqlite3 releases the GIL while SQLite works, so the next chunk's tuples are built in
        # a helper thread meanwhile; every chunk still goes through this one connection.
        with ThreadPoolExecutor(max_workers=1) as helper:
            pending = helper.submit(_rows, frame.iloc[:CHUNK_ROWS], columns)
            for start in starts:
                rows = pending.result()
                following = start + CHUNK_ROWS
                if following < len(frame):
                    chunk = frame.iloc[following : following + CHUNK_ROWS]
                    pending = helper.submit(_rows, chunk, columns)
                cursor.executemany(sql, rows)
                inserted += max(cursor.rowcount, 0)
                done = min(following, len(frame))
                report(done / len(frame), f"{done:,}/{len(frame):,} rows")
        cursor.close()
        return inserted

    @staticmethod
    def _copy_postgres(
        connection: Connection,
        frame: pd.DataFrame,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        report: ProgressCallback,
    ) -> int:
        staging = f"staging_{table}"
        names = ", ".join(columns)
        driver = connection.connection.driver_connection
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(
                f"CREATE TEMP TABLE {staging} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            for start in range(0, len(frame), CHUNK_ROWS):
                chunk = frame.iloc[start : start + CHUNK_ROWS]
                with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                    for row in _rows(chunk, columns):
                        copy.write_row(row)
                done = min(start + CHUNK_ROWS, len(frame))
                report(0.9 * done / len(frame), f"{done:,}/{len(frame):,} rows copied")
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging} "
                f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
            )
            inserted = max(cursor.rowcount, 0)
            cursor.execute(f"DROP TABLE {staging}")
        return inserted

    def read_contacts(
        self,
        start: str | datetime | pd.Timestamp | None = None,
        end: str | datetime | pd.Timestamp | None = None,
        queues: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Contacts that arrived in ``[start, end)``, optionally only on `queues`.

        Parameters
        ----------
        start, end:
            Instants (ISO strings, datetimes or timestamps; naive ones are taken as UTC); None
            leaves that side open.
        queues:
            Queue names to keep; None keeps all.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`features.schema.CONTACT_COLUMNS`, instants tz-aware in UTC, sorted
            by ``arrived_at`` then ``contact_id``.
        """
        table = ContactRow.__table__
        query = select(*(table.c[c] for c in CONTACT_COLUMNS))
        low, high = _instant_param(start), _instant_param(end)
        if low is not None:
            query = query.where(table.c.arrived_at >= low)
        if high is not None:
            query = query.where(table.c.arrived_at < high)
        if queues is not None:
            query = query.where(table.c[QUEUE].in_(list(queues)))
        query = query.order_by(table.c.arrived_at, table.c.contact_id)
        frame = self._fetch_frame(query, CONTACT_COLUMNS)
        for column in ("arrived_at", "answered_at", "ended_at"):
            frame[column] = _from_epoch_ms(frame[column])
        for column in ("contact_id", QUEUE, "channel", "agent_id"):
            frame[column] = frame[column].astype("str")
        frame["abandoned"] = frame["abandoned"].astype(bool)
        for column in ("talk_s", "hold_s", "acw_s", "handle_s", "sentiment"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        for column in _CONTACT_INTEGERS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        return frame

    def read_agent_states(
        self,
        start: str | datetime | pd.Timestamp | None = None,
        end: str | datetime | pd.Timestamp | None = None,
        agent_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Agent-state spans overlapping ``[start, end)``, optionally only for `agent_ids`.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`features.schema.AGENT_STATE_COLUMNS`, instants tz-aware in UTC,
            sorted by agent then start.
        """
        table = AgentStateRow.__table__
        query = select(*(table.c[c] for c in AGENT_STATE_COLUMNS))
        low, high = _instant_param(start), _instant_param(end)
        if low is not None:
            query = query.where(table.c.ended_at > low)
        if high is not None:
            query = query.where(table.c.started_at < high)
        if agent_ids is not None:
            query = query.where(table.c.agent_id.in_(list(agent_ids)))
        query = query.order_by(table.c.agent_id, table.c.started_at)
        frame = self._fetch_frame(query, AGENT_STATE_COLUMNS)
        for column in ("started_at", "ended_at"):
            frame[column] = _from_epoch_ms(frame[column])
        for column in ("agent_id", "state"):
            frame[column] = frame[column].astype("str")
        return frame

    def _fetch_frame(self, query: Select[Any], columns: Sequence[str]) -> pd.DataFrame:
        # Large reads skip SQLAlchemy's per-row Result objects: the driver's cursor hands its
        # tuples straight to pandas (a million contacts read in about 3 s instead of 12 s).
        compiled = query.compile(
            dialect=self.engine.dialect, compile_kwargs={"render_postcompile": True}
        )
        params = compiled.params
        if self.dialect == "postgresql":
            bound: Any = params
        else:
            bound = tuple(params[name] for name in compiled.positiontup or ())
        with self.engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.execute(str(compiled), bound)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return pd.DataFrame.from_records(rows, columns=list(columns))

    def read_agents(self) -> pd.DataFrame:
        """Every stored agent, one row each, nested fields as dicts and lists."""
        table = AgentRow.__table__
        query = select(*(table.c[c] for c in AGENT_COLUMNS)).order_by(table.c.agent_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pd.DataFrame.from_records(rows, columns=list(AGENT_COLUMNS))

    def read_skills(self) -> dict[str, dict[str, int]]:
        """Every stored agent's skills: proficiency (1-5) per queue, per agent id."""
        query = select(AgentRow.agent_id, AgentRow.skills)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {
            str(agent_id): {str(q): int(p) for q, p in (skills or {}).items() if p is not None}
            for agent_id, skills in rows
        }


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))
