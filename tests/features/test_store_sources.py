"""The other sources in the store, on SQLite and on a real PostgreSQL: idempotent re-sends,
all-or-nothing batches (bad rows and failing writes), ticket updates, reads and files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.ingest import ingest_file, ingest_records
from features.store.records_store import Store
from features.store.sources_store import SourcesStore

T = "2026-11-30T"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    created = Store(database_url)
    created.migrate()
    yield created
    created.dispose()


def tickets() -> list[dict[str, Any]]:
    return [
        {"ticket_id": "t1", "queue": "billing", "category": "refund", "opened_at": T + "08:00:00Z",
         "contact_id": "c1", "agent_id": "a1", "priority": "high",
         "status_changes": [{"at": T + "08:10:00Z", "status": "resolved"}]},
        {"ticket_id": "t2", "queue": "billing", "category": "refund", "opened_at": T + "08:00:00Z",
         "status_changes": [{"at": T + "08:10:00Z", "status": "pending"}]},
        {"ticket_id": "t3", "queue": "sales", "category": "invoice", "opened_at": T + "09:00:00Z",
         "resolved_at": T + "09:30:00Z"},
    ]  # fmt: skip


def events() -> list[dict[str, Any]]:
    return [
        {"event_id": "k1", "contact_id": "c1", "agent_id": "a1", "article_id": "kb-1",
         "topic": "refunds", "viewed_at": T + "08:05:00Z"},
        {"event_id": "k2", "contact_id": None, "agent_id": "a2", "article_id": "kb-2",
         "topic": "invoices", "viewed_at": T + "12:00:00Z"},
    ]  # fmt: skip


def evaluations() -> list[dict[str, Any]]:
    return [
        {"evaluation_id": "e1", "contact_id": "c1", "evaluated_at": T + "09:00:00Z",
         "source": "speech", "script_compliance": 0.5, "keywords": ["refund"],
         "emotion": [{"start_s": 1, "end_s": 5, "label": "angry", "score": 0.8}]},
        {"evaluation_id": "e2", "contact_id": "c2", "evaluated_at": T + "10:00:00Z",
         "source": "manual", "script_compliance": 0.9, "empathy": 0.7},
    ]  # fmt: skip


def test_tickets_are_idempotent_and_updated_by_newer_versions(store: Store) -> None:
    first = ingest_records(store, "tickets", tickets())
    assert (first.received, first.inserted, first.duplicates) == (3, 3, 0)
    again = ingest_records(store, "tickets", tickets())
    assert (again.inserted, again.duplicates, again.updated) == (0, 3, 0)  # type: ignore[attr-defined]
    sources = SourcesStore(store)
    assert sources.counts()["ticket_status_changes"] == 2
    moved = tickets()
    moved[1]["status_changes"].append({"at": T + "10:00:00Z", "status": "resolved"})
    report = ingest_records(store, "tickets", moved)
    assert (report.inserted, report.updated) == (0, 1)  # type: ignore[attr-defined]
    stale = tickets()[1]
    assert ingest_records(store, "tickets", [stale]).updated == 0  # type: ignore[attr-defined]
    stored = sources.read_tickets().set_index("ticket_id")
    assert stored.loc["t2", "status"] == "resolved"
    assert [c["status"] for c in stored.loc["t2", "status_changes"]] == ["pending", "resolved"]
    assert stored.loc["t2", "resolved_at"] == pd.Timestamp(T + "10:00:00Z")
    assert stored.loc["t1", "first_contact_resolved"]
    assert not stored.loc["t2", "first_contact_resolved"]
    assert stored.loc["t3", "status"] == "resolved" and stored.loc["t3", "status_changes"] == []
    assert stored.loc["t1", "priority"] == "high" and pd.isna(stored.loc["t2", "priority"])
    assert sources.counts()["ticket_status_changes"] == 3


def test_a_bad_ticket_stores_nothing(store: Store) -> None:
    broken = tickets()
    broken[2]["opened_at"] = "not a time"
    with pytest.raises(InvalidInput) as caught:
        ingest_records(store, "tickets", broken)
    assert {(e.row, e.field) for e in caught.value.errors} == {(2, "opened_at")}
    assert SourcesStore(store).counts()["tickets"] == 0


def test_a_failing_write_rolls_the_whole_batch_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = SourcesStore(store)
    original = SourcesStore._insert

    def failing(self: SourcesStore, connection: Any, frame: Any, table: str, *args: Any) -> int:
        if table == "ticket_status_changes":
            raise RuntimeError("disk full")
        return original(self, connection, frame, table, *args)

    monkeypatch.setattr(SourcesStore, "_insert", failing)
    with pytest.raises(RuntimeError):
        sources.ingest_tickets(pd.DataFrame(tickets()))
    assert sources.counts()["tickets"] == 0


def test_kb_events_and_quality_are_idempotent(store: Store) -> None:
    sources = SourcesStore(store)
    assert ingest_records(store, "kb-events", events()).inserted == 2
    assert ingest_records(store, "kb-events", events()).duplicates == 2
    read = sources.read_kb_events(T + "00:00:00Z", T + "10:00:00Z")
    assert read["event_id"].tolist() == ["k1"]
    assert sources.read_kb_events(agent_ids=["a2"])["topic"].tolist() == ["invoices"]
    assert sources.read_kb_events(contact_ids=["c1"])["event_id"].tolist() == ["k1"]
    assert ingest_records(store, "quality", evaluations()).inserted == 2
    assert ingest_records(store, "quality", evaluations()).inserted == 0
    found = sources.read_quality(by="evaluated").set_index("evaluation_id")
    assert found.loc["e1", "keywords"] == ["refund"]
    assert found.loc["e1", "emotion"][0]["label"] == "angry"
    assert found.loc["e1", "negative_emotion"]
    assert pd.isna(found.loc["e2", "negative_emotion"])
    assert found.loc["e2", "empathy"] == 0.7
    broken = evaluations()
    broken[0]["evaluation_id"] = "e9"
    broken[1]["source"] = "guess"
    with pytest.raises(InvalidInput):
        ingest_records(store, "quality", broken)
    assert sources.counts()["quality_evaluations"] == 2


def test_quality_joined_with_contacts(store: Store) -> None:
    contacts = [
        {"contact_id": "c1", "queue": "billing", "arrived_at": T + "08:00:00Z",
         "answered_at": T + "08:00:10Z", "ended_at": T + "08:05:00Z", "agent_id": "a1"},
    ]  # fmt: skip
    ingest_records(store, "contacts", contacts)
    ingest_records(store, "quality", evaluations())
    sources = SourcesStore(store)
    by_contact = sources.read_quality(T + "00:00:00Z", T + "23:00:00Z")
    assert by_contact["evaluation_id"].tolist() == ["e1"]
    assert by_contact.loc[0, "queue"] == "billing" and by_contact.loc[0, "agent_id"] == "a1"
    by_evaluation = sources.read_quality(T + "00:00:00Z", T + "23:00:00Z", by="evaluated")
    assert by_evaluation["evaluation_id"].tolist() == ["e1", "e2"]
    assert pd.isna(by_evaluation.loc[1, "queue"])
    assert sources.read_quality(queues=["sales"]).empty


def test_read_tickets_window_keeps_what_the_backlog_needs(store: Store) -> None:
    rows = tickets() + [
        {"ticket_id": "old-open", "queue": "billing", "category": "x",
         "opened_at": "2026-11-01T08:00:00Z"},
        {"ticket_id": "old-done", "queue": "billing", "category": "x",
         "opened_at": "2026-11-01T08:00:00Z", "resolved_at": "2026-11-02T08:00:00Z"},
        {"ticket_id": "late", "queue": "billing", "category": "x",
         "opened_at": "2026-12-01T08:00:00Z"},
    ]  # fmt: skip
    ingest_records(store, "tickets", rows)
    sources = SourcesStore(store)
    window = sources.read_tickets(T + "00:00:00Z", "2026-12-01T00:00:00Z")
    assert set(window["ticket_id"]) == {"t1", "t2", "t3", "old-open"}
    opened = sources.read_tickets(T + "00:00:00Z", "2026-12-01T00:00:00Z", opened_only=True)
    assert set(opened["ticket_id"]) == {"t1", "t2", "t3"}
    assert set(sources.read_tickets(categories=["x"], queues=["billing"])["ticket_id"]) == {
        "old-open", "old-done", "late",
    }  # fmt: skip


def test_files_csv_json_parquet_and_rejects(store: Store, tmp_path: Path) -> None:
    csv = pd.DataFrame(tickets())
    csv["status_changes"] = csv["status_changes"].map(
        lambda v: json.dumps(v) if isinstance(v, list) else ""
    )
    csv.to_csv(tmp_path / "tickets.csv", index=False)
    assert ingest_file(store, "tickets", tmp_path / "tickets.csv").inserted == 3
    (tmp_path / "tickets.json").write_text(json.dumps({"tickets": tickets()}))
    assert ingest_file(store, "tickets", tmp_path / "tickets.json").duplicates == 3
    frame = pd.DataFrame(evaluations())
    frame["evaluated_at"] = pd.to_datetime(frame["evaluated_at"])
    frame.to_parquet(tmp_path / "quality.parquet")
    assert ingest_file(store, "quality", tmp_path / "quality.parquet").inserted == 2
    mixed = events() + [{"event_id": "k3", "agent_id": "a1", "article_id": "kb-3",
                         "topic": "refunds", "viewed_at": "soon"}]  # fmt: skip
    pd.DataFrame(mixed).to_csv(tmp_path / "kb.csv", index=False)
    with pytest.raises(InvalidInput) as caught:
        ingest_file(store, "kb-events", tmp_path / "kb.csv")
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "viewed_at")]
    report = ingest_file(store, "kb-events", tmp_path / "kb.csv", rejects=tmp_path / "bad.csv")
    assert (report.inserted, report.rejected) == (2, 1)
    rejected = pd.read_csv(tmp_path / "bad.csv")
    assert rejected["source_row"].tolist() == [2]
    assert "viewed_at: unparseable timestamp" in rejected.loc[0, "reasons"]


def test_aliases_are_upserted(store: Store) -> None:
    sources = SourcesStore(store)
    first = sources.put_aliases([{"kind": "queue", "name": "billing", "alias": "账单"}])
    assert (first.inserted, first.updated) == (1, 0)
    same = sources.put_aliases([{"kind": "queue", "name": "billing", "alias": "账单"}])
    assert (same.inserted, same.duplicates, same.updated) == (0, 1, 0)
    moved = sources.put_aliases([{"kind": "queue", "name": "invoices", "alias": "账单"}])
    assert moved.updated == 1
    assert sources.read_aliases().to_dict("records") == [
        {"kind": "queue", "alias": "账单", "name": "invoices"}
    ]
