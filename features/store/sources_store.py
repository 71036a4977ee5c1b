"""The other sources in the store: tickets (with their status changes), knowledge-base events,
quality evaluations and name aliases.

Writes follow :mod:`features.store.records_store`: validated frames, one transaction per batch
(all or nothing), set-based inserts through the same engine helpers (``executemany`` on SQLite,
``COPY`` into a staging table on PostgreSQL) with ``ON CONFLICT DO NOTHING`` on the natural key,
so re-sending a batch changes nothing. Knowledge-base events and evaluations are immutable
events: a re-sent id is a no-op. A ticket is a record that moves on (new status changes), so a
re-sent ticket whose content differs replaces the stored one — unless it is older (its latest
event is earlier than the stored ticket's), so an out-of-order re-send never undoes progress.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, and_, delete, func, insert, or_, select, update

from features.errors import FieldError, InvalidInput
from features.measures.quality import negative_emotion
from features.measures.tickets import ticket_outcomes
from features.records.sources import (
    validate_aliases,
    validate_kb_events,
    validate_quality,
    validate_tickets,
)
from features.schema import (
    KB_EVENT_COLUMNS,
    QUALITY_COLUMNS,
    RESOLVED_STATUSES,
    TICKET_COLUMNS,
    ProgressCallback,
    no_progress,
)
from features.store.records_store import (
    IngestReport,
    Store,
    _epoch_ms,
    _from_epoch_ms,
    _instant_param,
)
from features.store.tables.records import ContactRow
from features.store.tables.sources import (
    KbEventRow,
    NameAliasRow,
    QualityRow,
    TicketRow,
    TicketStatusChangeRow,
)

ID_CHUNK = 5000
"""Ids per ``IN (...)`` list (SQLite binds at most 32,766 parameters per statement)."""
TICKET_CONTENT = [
    "ticket_id",
    "contact_id",
    "queue",
    "category",
    "opened_at",
    "resolved_at",
    "status",
    "reopened",
    "first_contact_resolved",
    "agent_id",
    "priority",
    "changed_at",
]
TICKET_STORED = [*TICKET_CONTENT, "content_hash"]
"""Stored ticket columns: the content and a SHA-256 of it with the status changes, so a re-send
is recognised without reading the stored changes back."""
CHANGE_STORED = ["ticket_id", "seq", "at", "status"]
KB_STORED = list(KB_EVENT_COLUMNS)
QUALITY_STORED = [*QUALITY_COLUMNS, "negative_emotion"]
CONTACT_JOINED = ["queue", "agent_id", "channel", "arrived_at"]
"""Columns of the evaluated contact joined onto quality evaluations."""


@dataclass(frozen=True)
class SourceIngestReport(IngestReport):
    """An :class:`~features.store.records_store.IngestReport` that also counts stored records
    replaced by a newer version (tickets, aliases)."""

    updated: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return {**super().as_dict(), "updated": self.updated}


def _ms(values: pd.Series) -> pd.Series:
    """Tz-aware instants as nullable UTC epoch milliseconds."""
    numbers = pd.Series(_epoch_ms(pd.to_datetime(values, utc=True)), index=values.index)
    return numbers.astype("Int64").where(values.notna())


def _json_cell(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value if value is not None else []


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield list(ids[start : start + ID_CHUNK])


def _content_hashes(tickets: pd.DataFrame, changes: pd.DataFrame) -> np.ndarray:
    """SHA-256 of every stored value of each ticket and its status changes (hex text)."""
    cells = tickets[TICKET_CONTENT].astype(object).where(tickets[TICKET_CONTENT].notna(), "")
    text = cells[TICKET_CONTENT[0]].astype(str)
    for column in TICKET_CONTENT[1:]:
        text = text + "\x1f" + cells[column].astype(str)
    steps = changes.sort_values(["ticket_id", "seq"], kind="stable")
    tokens = (steps["at"].astype(str) + "|" + steps["status"].astype(str)).to_numpy()
    owners = steps["ticket_id"].astype(str).to_numpy()
    # Sorted by ticket: each ticket's tokens are one slice (no per-group pandas call).
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
    ends = np.r_[starts[1:], len(owners)] if len(owners) else owners
    history = {owners[a]: ";".join(tokens[a:b]) for a, b in zip(starts, ends, strict=True)}
    ids = tickets["ticket_id"].astype(str).to_numpy()
    return np.array(
        [
            hashlib.sha256(f"{row}\x1e{history.get(t, '')}".encode()).hexdigest()
            for row, t in zip(text, ids, strict=True)
        ],
        dtype=object,
    )


class SourcesStore:
    """Tickets, knowledge-base events, quality evaluations and aliases behind the records
    store's engine.

    Parameters
    ----------
    records:
        The records store (its engine and set-based insert helpers are shared); migrated to
        ``0004_sources`` or later.
    """

    def __init__(self, records: Store) -> None:
        self.records = records
        self.engine = records.engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def counts(self) -> dict[str, int]:
        """Rows stored per table of the other sources."""
        tables = (TicketRow, TicketStatusChangeRow, KbEventRow, QualityRow, NameAliasRow)
        with self.engine.connect() as connection:
            return {
                t.__tablename__: int(
                    connection.execute(select(func.count()).select_from(t)).scalar_one()
                )
                for t in tables
            }

    # -- writes ---------------------------------------------------------------------------
    def _insert(
        self,
        connection: Connection,
        frame: pd.DataFrame,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        report: ProgressCallback,
    ) -> int:
        if frame.empty:
            return 0
        if self.dialect == "postgresql":
            return Store._copy_postgres(connection, frame, table, columns, key, report)
        return Store._insert_sqlite(connection, frame, table, columns, key, report)

    def ingest_tickets(
        self,
        frame: pd.DataFrame,
        *,
        validated: bool = False,
        timezone: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> SourceIngestReport:
        """Store tickets: new ones are inserted, changed ones replace their older stored
        version, identical or older re-sends change nothing; one transaction.

        Parameters
        ----------
        frame:
            Tickets (records contract); validated here unless `validated`.
        timezone:
            Zone of naive timestamps when validating.
        progress:
            Receives (fraction 0..1, message).

        Returns
        -------
        SourceIngestReport
            ``inserted`` new tickets, ``updated`` replaced ones, ``duplicates`` the rest of the
            received rows (identical, older, or repeated in the batch).
        """
        report = progress or no_progress
        clean = frame if validated else validate_tickets(frame, timezone=timezone)
        tickets, changes = self._ticket_frames(clean)
        with self.engine.begin() as connection:
            stored = self._stored_tickets(connection, tickets["ticket_id"].tolist())
            known = tickets["ticket_id"].isin(stored.index).to_numpy()
            stored_hash = stored["content_hash"].reindex(tickets["ticket_id"]).to_numpy()
            stored_at = stored["changed_at"].reindex(tickets["ticket_id"]).to_numpy()
            differs = known & (tickets["content_hash"].to_numpy() != stored_hash)
            newer = differs & (tickets["changed_at"].to_numpy(dtype="float64") >= stored_at)
            replaced = tickets.loc[newer, "ticket_id"].tolist()
            for ids in _chunks(replaced):
                connection.execute(
                    delete(TicketStatusChangeRow).where(TicketStatusChangeRow.ticket_id.in_(ids))
                )
                connection.execute(delete(TicketRow).where(TicketRow.ticket_id.in_(ids)))
            write = tickets[~known | newer]
            report(0.3, f"storing {len(write):,} tickets")
            inserted = self._insert(
                connection, write, TicketRow.__tablename__, TICKET_STORED, ["ticket_id"], report
            )
            steps = changes[changes["ticket_id"].isin(write["ticket_id"].tolist())]
            self._insert(
                connection,
                steps,
                TicketStatusChangeRow.__tablename__,
                CHANGE_STORED,
                ["ticket_id", "seq"],
                report,
            )
        new = max(inserted - len(replaced), 0)
        report(1.0, f"{new:,} new, {len(replaced):,} updated")
        return SourceIngestReport(len(frame), new, len(frame) - new, updated=len(replaced))

    @staticmethod
    def _ticket_frames(clean: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Validated tickets as stored rows, and their status changes as rows."""
        outcomes = ticket_outcomes(clean)
        tickets = pd.DataFrame(
            {
                "ticket_id": clean["ticket_id"].astype(str),
                "contact_id": clean["contact_id"],
                "queue": clean["queue"].astype(str),
                "category": clean["category"].astype(str),
                "opened_at": _ms(clean["opened_at"]),
                "resolved_at": _ms(clean["resolved_at"]),
                "status": clean["status"].astype(str),
                "reopened": clean["reopened"].astype(bool),
                "first_contact_resolved": outcomes["first_contact_resolved"].to_numpy(),
                "agent_id": clean["agent_id"],
                "priority": clean["priority"],
            }
        )
        counts = clean["status_changes"].map(len).to_numpy(dtype=np.int64)
        owner = np.repeat(clean["ticket_id"].astype(str).to_numpy(), counts)
        flat = [item for items in clean["status_changes"] for item in items]
        changes = pd.DataFrame(
            {
                "ticket_id": owner,
                "seq": [i for items in clean["status_changes"] for i in range(len(items))],
                "at": _ms(pd.Series([item["at"] for item in flat], dtype="datetime64[us, UTC]")),
                "status": [item["status"] for item in flat],
            }
        )
        latest = changes.groupby("ticket_id")["at"].max()
        candidates = pd.DataFrame(
            {
                "opened": tickets["opened_at"],
                "resolved": tickets["resolved_at"],
                "change": tickets["ticket_id"].map(latest).astype("Int64"),
            }
        )
        tickets["changed_at"] = candidates.max(axis=1).astype("int64")
        tickets["resolved_at"] = tickets["resolved_at"].astype("Int64")
        tickets, changes = tickets.reset_index(drop=True), changes.reset_index(drop=True)
        tickets["content_hash"] = _content_hashes(tickets, changes)
        return tickets, changes

    def _stored_tickets(self, connection: Connection, ids: list[str]) -> pd.DataFrame:
        """Content hashes and latest-event instants (ms) of the stored tickets among `ids`."""
        table = TicketRow.__table__
        found: list[Any] = []
        for chunk in _chunks(ids):
            query = select(table.c.ticket_id, table.c.content_hash, table.c.changed_at)
            found += connection.execute(query.where(table.c.ticket_id.in_(chunk))).all()
        frame = pd.DataFrame(found, columns=["ticket_id", "content_hash", "changed_at"])
        frame["changed_at"] = pd.to_numeric(frame["changed_at"]).astype("float64")
        return frame.set_index(frame["ticket_id"].astype(str))

    def ingest_kb_events(
        self,
        frame: pd.DataFrame,
        *,
        validated: bool = False,
        timezone: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> SourceIngestReport:
        """Store knowledge-base events; events whose ``event_id`` is stored are no-ops."""
        report = progress or no_progress
        clean = frame if validated else validate_kb_events(frame, timezone=timezone)
        rows = clean.assign(viewed_at=_ms(clean["viewed_at"]))[KB_STORED]
        inserted = self._insert_new(rows, KbEventRow.__tablename__, KB_STORED, "event_id", report)
        return SourceIngestReport(len(frame), inserted, len(frame) - inserted)

    def _insert_new(
        self,
        rows: pd.DataFrame,
        table: str,
        columns: Sequence[str],
        key: str,
        report: ProgressCallback,
    ) -> int:
        """Insert immutable records in one transaction; stored keys are no-ops."""
        with self.engine.begin() as connection:
            inserted = self._insert(connection, rows, table, columns, [key], report)
        report(1.0, f"{inserted:,} new rows stored")
        return inserted

    def ingest_quality(
        self,
        frame: pd.DataFrame,
        *,
        validated: bool = False,
        timezone: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> SourceIngestReport:
        """Store quality evaluations; evaluations whose ``evaluation_id`` is stored are no-ops."""
        report = progress or no_progress
        clean = frame if validated else validate_quality(frame, timezone=timezone)
        rows = clean.assign(
            evaluated_at=_ms(clean["evaluated_at"]),
            keywords=clean["keywords"].map(json.dumps),
            emotion=clean["emotion"].map(json.dumps),
            negative_emotion=negative_emotion(clean["emotion"]).to_numpy(),
        )[QUALITY_STORED]
        table = QualityRow.__tablename__
        inserted = self._insert_new(rows, table, QUALITY_STORED, "evaluation_id", report)
        return SourceIngestReport(len(frame), inserted, len(frame) - inserted)

    def put_aliases(
        self, aliases: pd.DataFrame | Iterable[Mapping[str, Any]]
    ) -> SourceIngestReport:
        """Store aliases (``kind``, ``name``, ``alias``): a known (kind, alias) is pointed at the
        new name; one transaction.

        Returns
        -------
        SourceIngestReport
            ``inserted`` new aliases, ``updated`` re-pointed ones, ``duplicates`` unchanged.
        """
        clean = validate_aliases(aliases)
        if clean.empty:
            return SourceIngestReport(0, 0, 0)
        table = NameAliasRow.__table__
        with self.engine.begin() as connection:
            stored = {
                (k, a): n
                for k, a, n in connection.execute(
                    select(table.c.kind, table.c.alias, table.c.name)
                ).all()
            }
            records = clean.to_dict("records")
            new = [r for r in records if (r["kind"], r["alias"]) not in stored]
            moved = [
                r
                for r in records
                if (r["kind"], r["alias"]) in stored
                and stored[(r["kind"], r["alias"])] != r["name"]
            ]
            for record in moved:
                connection.execute(
                    update(NameAliasRow)
                    .where(
                        and_(
                            NameAliasRow.kind == record["kind"],
                            NameAliasRow.alias == record["alias"],
                        )
                    )
                    .values(name=record["name"])
                )
            if new:
                connection.execute(insert(NameAliasRow), new)
        return SourceIngestReport(
            len(records), len(new), len(records) - len(new), updated=len(moved)
        )

    # -- reads ----------------------------------------------------------------------------
    def read_tickets(
        self,
        start: str | datetime | pd.Timestamp | None = None,
        end: str | datetime | pd.Timestamp | None = None,
        *,
        queues: Sequence[str] | None = None,
        agent_ids: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
        ticket_ids: Sequence[str] | None = None,
        opened_only: bool = False,
    ) -> pd.DataFrame:
        """Tickets whose life overlaps ``[start, end)``: opened before `end` and either opened
        in the range, still unresolved, or changed since `start` (what the KPIs and backlog of
        the range need); with `opened_only`, only those opened in the range.

        Parameters
        ----------
        start, end:
            Instants (naive ones are taken as UTC); None leaves that side open.
        queues, agent_ids, categories, ticket_ids:
            Keep only these (None keeps all).

        Returns
        -------
        pandas.DataFrame
            :data:`features.schema.TICKET_COLUMNS` plus ``first_contact_resolved`` (over the
            whole history) and ``changed_at``; instants tz-aware UTC; ``status_changes`` lists
            of ``{at, status}`` in time order; sorted by ``opened_at`` then ``ticket_id``.
        """
        table = TicketRow.__table__
        low, high = _instant_param(start), _instant_param(end)
        conditions = []
        if high is not None:
            conditions.append(table.c.opened_at < high)
        if low is not None:
            opened = table.c.opened_at >= low
            if opened_only:
                conditions.append(opened)
            else:
                unresolved = table.c.status.not_in(list(RESOLVED_STATUSES))
                conditions.append(or_(opened, unresolved, table.c.changed_at >= low))
        for column, wanted in (
            ("queue", queues),
            ("agent_id", agent_ids),
            ("category", categories),
            ("ticket_id", ticket_ids),
        ):
            if wanted is not None:
                conditions.append(table.c[column].in_(list(wanted)))
        query: Select[Any] = select(*(table.c[c] for c in TICKET_CONTENT)).where(*conditions)
        query = query.order_by(table.c.opened_at, table.c.ticket_id)
        tickets = self.records._fetch_frame(query, TICKET_CONTENT)
        steps = TicketStatusChangeRow.__table__
        change_query = (
            select(*(steps.c[c] for c in CHANGE_STORED))
            .join(table, table.c.ticket_id == steps.c.ticket_id)
            .where(*conditions)
            .order_by(steps.c.ticket_id, steps.c.seq)
        )
        changes = self.records._fetch_frame(change_query, CHANGE_STORED)
        return self._ticket_frame(tickets, changes)

    @staticmethod
    def _ticket_frame(tickets: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
        for column in ("opened_at", "resolved_at", "changed_at"):
            tickets[column] = _from_epoch_ms(tickets[column])
        for column in ("ticket_id", "contact_id", "queue", "category", "status", "agent_id",
                       "priority"):  # fmt: skip
            tickets[column] = tickets[column].astype("str")
        tickets["reopened"] = tickets["reopened"].astype(bool)
        tickets["first_contact_resolved"] = tickets["first_contact_resolved"].astype("boolean")
        at = _from_epoch_ms(changes["at"])
        lists: dict[str, list[dict[str, Any]]] = {}
        for ticket, when, status in zip(changes["ticket_id"], at, changes["status"], strict=True):
            lists.setdefault(str(ticket), []).append({"at": when, "status": str(status)})
        tickets["status_changes"] = [lists.get(t, []) for t in tickets["ticket_id"]]
        return tickets[[*TICKET_COLUMNS, "first_contact_resolved", "changed_at"]]

    def read_kb_events(
        self,
        start: str | datetime | pd.Timestamp | None = None,
        end: str | datetime | pd.Timestamp | None = None,
        *,
        agent_ids: Sequence[str] | None = None,
        contact_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Knowledge-base events viewed in ``[start, end)`` (of `agent_ids`, during
        `contact_ids` when given), oldest first; :data:`features.schema.KB_EVENT_COLUMNS`,
        ``viewed_at`` tz-aware UTC."""
        table = KbEventRow.__table__
        query: Select[Any] = select(*(table.c[c] for c in KB_STORED))
        low, high = _instant_param(start), _instant_param(end)
        if low is not None:
            query = query.where(table.c.viewed_at >= low)
        if high is not None:
            query = query.where(table.c.viewed_at < high)
        if agent_ids is not None:
            query = query.where(table.c.agent_id.in_(list(agent_ids)))
        if contact_ids is not None:
            query = query.where(table.c.contact_id.in_(list(contact_ids)))
        query = query.order_by(table.c.viewed_at, table.c.event_id)
        frame = self.records._fetch_frame(query, KB_STORED)
        frame["viewed_at"] = _from_epoch_ms(frame["viewed_at"])
        for column in ("event_id", "contact_id", "agent_id", "article_id", "topic"):
            frame[column] = frame[column].astype("str")
        return frame

    def read_quality(
        self,
        start: str | datetime | pd.Timestamp | None = None,
        end: str | datetime | pd.Timestamp | None = None,
        *,
        by: str = "contact",
        agent_ids: Sequence[str] | None = None,
        queues: Sequence[str] | None = None,
        contact_ids: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Quality evaluations with their contact's ``queue``, ``agent_id``, ``channel`` and
        ``arrived_at``.

        Parameters
        ----------
        start, end:
            The range (naive instants are UTC); None leaves that side open.
        by:
            ``contact``: evaluations of contacts that arrived in the range (evaluations of
            unknown contacts are left out); ``evaluated``: evaluations made in the range, with
            the contact's fields empty when it is not stored.
        agent_ids, queues, contact_ids:
            Keep only evaluations of contacts handled by these agents / on these queues / of
            these contacts.

        Returns
        -------
        pandas.DataFrame
            :data:`features.schema.QUALITY_COLUMNS`, ``negative_emotion`` and the contact's
            columns; instants tz-aware UTC; oldest evaluation first.
        """
        if by not in ("contact", "evaluated"):
            raise InvalidInput(
                "bad quality range", [FieldError(None, "by", "must be contact or evaluated", by)]
            )
        quality, contacts = QualityRow.__table__, ContactRow.__table__
        columns = [*QUALITY_STORED, *CONTACT_JOINED]
        joined = quality.join(
            contacts, contacts.c.contact_id == quality.c.contact_id, isouter=by == "evaluated"
        )
        query: Select[Any] = select(
            *(quality.c[c] for c in QUALITY_STORED), *(contacts.c[c] for c in CONTACT_JOINED)
        ).select_from(joined)
        instant = contacts.c.arrived_at if by == "contact" else quality.c.evaluated_at
        low, high = _instant_param(start), _instant_param(end)
        if low is not None:
            query = query.where(instant >= low)
        if high is not None:
            query = query.where(instant < high)
        if agent_ids is not None:
            query = query.where(contacts.c.agent_id.in_(list(agent_ids)))
        if queues is not None:
            query = query.where(contacts.c.queue.in_(list(queues)))
        if contact_ids is not None:
            query = query.where(quality.c.contact_id.in_(list(contact_ids)))
        query = query.order_by(quality.c.evaluated_at, quality.c.evaluation_id)
        frame = self.records._fetch_frame(query, columns)
        for column in ("evaluated_at", "arrived_at"):
            frame[column] = _from_epoch_ms(frame[column])
        for column in ("evaluation_id", "contact_id", "source", *CONTACT_JOINED[:3]):
            frame[column] = frame[column].astype("str")
        for column in ("script_compliance", "empathy"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        frame["keywords"] = frame["keywords"].map(_json_cell)
        frame["emotion"] = frame["emotion"].map(_json_cell)
        frame["negative_emotion"] = frame["negative_emotion"].astype("boolean")
        return frame

    def read_aliases(self) -> pd.DataFrame:
        """Every alias: ``kind``, ``alias``, ``name``, sorted."""
        table = NameAliasRow.__table__
        query = select(table.c.kind, table.c.alias, table.c.name).order_by(
            table.c.kind, table.c.alias
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return pd.DataFrame(rows, columns=["kind", "alias", "name"])

    def first_contact_days(self, agent_ids: Sequence[str] | None = None) -> dict[str, pd.Timestamp]:
        """Each agent's first handled contact in the store (agent id -> UTC instant): their
        tenure when the agent record names no start date."""
        table = ContactRow.__table__
        query = (
            select(table.c.agent_id, func.min(table.c.arrived_at))
            .where(table.c.agent_id.is_not(None), table.c.answered_at.is_not(None))
            .group_by(table.c.agent_id)
        )
        if agent_ids is not None:
            query = query.where(table.c.agent_id.in_(list(agent_ids)))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {str(a): pd.Timestamp(int(ms), unit="ms", tz="UTC") for a, ms in rows}
