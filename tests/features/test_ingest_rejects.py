"""Dirty exports: with an explicit rejects file the valid rows are stored and every broken row is
written with its reasons; without it the file stays all-or-nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.ingest import ingest_file
from features.store.records_store import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    created = Store(database_url)
    created.migrate()
    yield created
    created.dispose()


def _export(path: Path, rows: int = 40) -> Path:
    frame = pd.DataFrame(
        {
            "contact_id": [f"c{i:03d}" for i in range(rows)],
            "queue": "billing",
            "arrived_at": [
                (pd.Timestamp("2026-11-30T08:00:00Z") + pd.Timedelta(minutes=i)).isoformat()
                for i in range(rows)
            ],
            "talk_s": 120.0,
        }
    )
    frame.loc[7, "arrived_at"] = "not a time"
    frame.loc[23, "talk_s"] = -5.0
    frame.to_csv(path, index=False)
    return path


def test_without_rejects_nothing_is_stored(store: Store, tmp_path: Path) -> None:
    path = _export(tmp_path / "export.csv")
    with pytest.raises(InvalidInput) as caught:
        ingest_file(store, "contacts", path)
    assert {(e.row, e.field) for e in caught.value.errors} == {(7, "arrived_at"), (23, "talk_s")}
    assert store.counts()["contacts"] == 0


def test_rejects_file_takes_the_broken_rows(store: Store, tmp_path: Path) -> None:
    path = _export(tmp_path / "export.csv")
    rejects = tmp_path / "out" / "rejects.csv"
    report = ingest_file(store, "contacts", path, rejects=rejects)
    assert (report.received, report.inserted, report.rejected) == (40, 38, 2)
    assert store.counts()["contacts"] == 38
    written = pd.read_csv(rejects)
    assert written["source_row"].tolist() == [7, 23]
    assert written["contact_id"].tolist() == ["c007", "c023"]
    assert "arrived_at: unparseable timestamp" in written["reasons"].iloc[0]
    assert "talk_s: must not be negative" in written["reasons"].iloc[1]
    again = ingest_file(store, "contacts", path, rejects=rejects)
    assert (again.inserted, again.duplicates, again.rejected) == (0, 38, 2)
    assert store.counts()["contacts"] == 38


def test_a_missing_column_still_stops_the_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    pd.DataFrame({"contact_id": ["a"], "queue": ["q"]}).to_csv(path, index=False)
    with pytest.raises(InvalidInput, match="arrived_at"):
        ingest_file(store, "contacts", path, rejects=tmp_path / "rejects.csv")
    assert store.counts()["contacts"] == 0


def test_mapped_export_rejects_name_source_rows(store: Store, tmp_path: Path) -> None:
    header = (
        "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\t"
        "q_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver"
    )
    good = "\t".join(
        [
            "AA0101",
            "1",
            "0",
            "0",
            "PS",
            "990110",
            "7:00:00",
            "7:00:10",
            "10",
            "7:00:10",
            "7:00:20",
            "10",
            "AGENT",
            "7:00:20",
            "7:02:20",
            "120",
            "ANNA",
        ]
    )
    phantom = "\t".join(
        [
            "AA0101",
            "2",
            "0",
            "0",
            "PS",
            "990110",
            "7:01:00",
            "7:01:10",
            "10",
            "0:00:00",
            "0:00:00",
            "0",
            "PHANTOM",
            "0:00:00",
            "0:00:00",
            "0",
            "NO_SERVER",
        ]
    )
    broken = "\t".join(
        [
            "AA0101",
            "3",
            "0",
            "0",
            "PS",
            "990110",
            "7:02:00",
            "bad",
            "10",
            "7:02:10",
            "7:02:20",
            "10",
            "AGENT",
            "7:02:20",
            "7:03:20",
            "60",
            "ANNA",
        ]
    )
    path = tmp_path / "acd.txt"
    path.write_text(
        "\r\n".join([header, good, phantom, broken, good.replace("\t1\t", "\t4\t")]) + "\r\n"
    )
    rejects = tmp_path / "rejects.csv"
    report = ingest_file(store, "contacts", path, fmt="technion", rejects=rejects)
    assert (report.inserted, report.rejected) == (2, 1)
    assert pd.read_csv(rejects)["source_row"].tolist() == [2]
