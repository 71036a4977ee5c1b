"""`seatwise ingest tickets|kb-events|quality` and `seatwise export`: files in, files out with
the service's numbers, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services.exports import export_frame
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from tests.api.small_centre import KB_EVENTS, QUALITY, TICKETS, TZ, fill

runner = CliRunner()


@pytest.fixture
def filled(database_url: str) -> str:
    store = Store(database_url)
    store.migrate()
    fill(store, ServiceStore(store.engine))
    store.dispose()
    return database_url


def test_ingest_other_sources(database_url: str, tmp_path: Path) -> None:
    (tmp_path / "tickets.json").write_text(json.dumps(TICKETS))
    (tmp_path / "quality.json").write_text(json.dumps({"quality": QUALITY}))
    pd.DataFrame(KB_EVENTS).to_csv(tmp_path / "kb.csv", index=False)
    base = ["--database-url", database_url]
    result = runner.invoke(app, ["ingest", "tickets", str(tmp_path / "tickets.json"), *base])
    assert result.exit_code == 0, result.output
    assert "tickets: 5 received, 5 stored, 0 already known" in result.output
    result = runner.invoke(app, ["ingest", "tickets", str(tmp_path / "tickets.json"), *base])
    assert "0 stored, 5 already known" in result.output
    result = runner.invoke(app, ["ingest", "quality", str(tmp_path / "quality.json"), *base])
    assert "quality: 4 received, 4 stored" in result.output
    result = runner.invoke(app, ["ingest", "kb-events", str(tmp_path / "kb.csv"), *base])
    assert "kb-events: 4 received, 4 stored" in result.output
    bad = [{**TICKETS[0], "ticket_id": "z1", "priority": "asap"}]
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    result = runner.invoke(app, ["ingest", "tickets", str(tmp_path / "bad.json"), *base])
    assert result.exit_code == 2
    assert "row 0, field 'priority': must be one of low, normal, high, urgent" in result.output


def test_export_writes_the_service_tables(filled: str, tmp_path: Path) -> None:
    base = [
        "--database-url",
        filled,
        "--timezone",
        TZ,
        "--from",
        "2026-11-24",
        "--to",
        "2026-11-24",
    ]
    result = runner.invoke(app, ["export", "kpis", "--out", str(tmp_path / "k.csv"), *base])
    assert result.exit_code == 0, result.output
    assert "kpis: 9 rows" in result.output
    written = pd.read_csv(tmp_path / "k.csv")
    store = Store(filled)
    low = pd.Timestamp("2026-11-24", tz=TZ)
    expected = export_frame(
        "kpis", store, ServiceStore(store.engine), low, low + pd.Timedelta(days=1), timezone=TZ
    )
    store.dispose()
    assert written["service_level"].tolist() == pytest.approx(
        expected["service_level"].tolist(), nan_ok=True
    )
    result = runner.invoke(
        app,
        ["export", "tickets", "--format", "parquet", "--out", str(tmp_path / "t.parquet"), *base],
    )
    assert result.exit_code == 0, result.output
    tickets = pd.read_parquet(tmp_path / "t.parquet")
    assert tickets["ticket_id"].tolist() == ["k1", "k2", "k3", "k4"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (["export", "everything"], "kind"),
        (["export", "kpis", "--format", "xlsx"], "format"),
        (["export", "kpis", "--from", "2026-11-25", "--to", "2026-11-20"], "to"),
        (["export", "kpis", "--from", "soon"], "from"),
    ],
)
def test_export_bad_arguments_exit_2(
    database_url: str, tmp_path: Path, arguments: list[str], field: str
) -> None:
    result = runner.invoke(
        app, [*arguments, "--out", str(tmp_path / "x.csv"), "--database-url", database_url]
    )
    assert result.exit_code == 2, result.output
    assert f"field '{field}'" in result.output
