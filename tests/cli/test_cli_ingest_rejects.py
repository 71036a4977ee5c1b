"""`seatwise ingest ... --rejects FILE`: a dirty export loads its valid rows and writes the broken
ones with their reasons; without the flag the file stays all-or-nothing (exit 2 naming row,
field, rule and value). SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from features.store.records_store import Store

runner = CliRunner()
ROWS = 200
"""Rows of the export (the real case: 34,000 with two broken lines)."""


def _export(path: Path) -> Path:
    start = pd.Timestamp("2026-11-30T08:00:00Z")
    frame = pd.DataFrame(
        {
            "contact_id": [f"c{i:05d}" for i in range(ROWS)],
            "queue": "billing",
            "arrived_at": [(start + pd.Timedelta(seconds=30 * i)).isoformat() for i in range(ROWS)],
            "talk_s": 120.0,
        }
    )
    frame["talk_s"] = frame["talk_s"].astype(object)
    frame.loc[57, "arrived_at"] = "9999-12-31T00:00:00Z"
    frame.loc[143, "talk_s"] = "1e300"
    frame.to_csv(path, index=False)
    return path


def _stored(url: str) -> int:
    store = Store(url)
    try:
        store.migrate()
        return store.counts()["contacts"]
    finally:
        store.dispose()


def test_without_rejects_the_export_is_all_or_nothing(database_url: str, tmp_path: Path) -> None:
    path = _export(tmp_path / "export.csv")
    result = runner.invoke(app, ["ingest", "contacts", str(path), "--database-url", database_url])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "row 57, field 'arrived_at': must be between 1970-01-01 and 2200-01-01" in text
    assert "row 143, field 'talk_s': must not be at or above 86400 s" in text
    assert _stored(database_url) == 0


def test_rejects_stores_the_valid_rows_and_writes_the_broken_ones(
    database_url: str, tmp_path: Path
) -> None:
    path = _export(tmp_path / "export.csv")
    rejects = tmp_path / "rejects.csv"
    args = ["ingest", "contacts", str(path), "--rejects", str(rejects)]
    result = runner.invoke(app, [*args, "--database-url", database_url])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"{ROWS} received, {ROWS - 2} stored, 0 already known, 2 rejected" in text
    assert _stored(database_url) == ROWS - 2
    written = pd.read_csv(rejects)
    assert written["source_row"].tolist() == [57, 143]
    assert written["contact_id"].tolist() == ["c00057", "c00143"]
    assert written["reasons"].iloc[0].startswith("arrived_at: must be between 1970-01-01")
    assert written["reasons"].iloc[1].startswith("talk_s: must not be at or above 86400 s")

    again = runner.invoke(app, [*args, "--database-url", database_url])
    assert again.exit_code == 0, again.output
    assert f"0 stored, {ROWS - 2} already known, 2 rejected" in " ".join(again.output.split())
    assert _stored(database_url) == ROWS - 2


def test_rejects_still_stops_a_file_whose_header_is_broken(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text("contact_id,queue,arrived_at,queue\nc1,billing,2026-11-30T08:00:00Z,sales\n")
    args = ["ingest", "contacts", str(path), "--rejects", str(tmp_path / "rejects.csv")]
    result = runner.invoke(app, [*args, "--database-url", database_url])
    assert result.exit_code == 2, result.output
    assert "field 'queue': appears 2 times in the header" in " ".join(result.output.split())
    assert _stored(database_url) == 0


@pytest.mark.parametrize("kind", ["agent-states", "agents"])
def test_rejects_is_offered_for_every_kind(kind: str) -> None:
    result = runner.invoke(app, ["ingest", kind, "--help"])
    assert result.exit_code == 0
    assert "--rejects" in result.output


def _json_export(path: Path) -> Path:
    rows = [
        f'{{"contact_id": "c{i}", "queue": "billing", "arrived_at": "2026-11-30T08:0{i}:00Z", '
        f'"talk_s": {talk}}}'
        for i, talk in enumerate(["100", "NaN", "1e400", "120", "-Infinity"])
    ]
    path.write_text("[" + ",\n".join(rows) + "]")
    return path


def test_nan_and_infinity_in_a_json_file_are_named_not_stored_as_missing(
    database_url: str, tmp_path: Path
) -> None:
    path = _json_export(tmp_path / "export.json")
    result = runner.invoke(app, ["ingest", "contacts", str(path), "--database-url", database_url])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    for row in (1, 2, 4):
        assert f"row {row}, field 'talk_s': must be a finite number" in text
    assert _stored(database_url) == 0
    rejects = tmp_path / "rejects.csv"
    args = ["ingest", "contacts", str(path), "--rejects", str(rejects)]
    kept = runner.invoke(app, [*args, "--database-url", database_url])
    assert kept.exit_code == 0, kept.output
    assert _stored(database_url) == 2
    assert pd.read_csv(rejects)["source_row"].tolist() == [1, 2, 4]


def test_nan_in_a_csv_file_is_refused_not_taken_for_missing(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "contact_id,queue,arrived_at,talk_s\n"
        "c1,billing,2026-11-30T08:00:00Z,NaN\n"
        "c2,billing,2026-11-30T08:01:00Z,NULL\n"
    )
    result = runner.invoke(app, ["ingest", "contacts", str(path), "--database-url", database_url])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "row 0, field 'talk_s': must be a finite number" in text
    assert "row 1" not in text
    assert _stored(database_url) == 0


def test_a_key_given_twice_in_a_json_file_is_refused(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "agents.json"
    path.write_text('[{"agent_id": "a1", "skills": {"billing": 3}, "skills": {"sales": 2}}]')
    result = runner.invoke(app, ["ingest", "agents", str(path), "--database-url", database_url])
    assert result.exit_code == 2, result.output
    assert "row 0, field 'skills': appears more than once" in " ".join(result.output.split())
