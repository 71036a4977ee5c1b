"""`seatwise demo --no-serve` runs the whole pipeline on a small centre, on both stores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from features.store.engine import shared_engine
from features.store.records_store import Store
from features.store.service_store import ServiceStore


def test_demo_pipeline_end_to_end(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEATWISE_DATABASE_URL", database_url)
    monkeypatch.setenv("SEATWISE_MLFLOW_URI", str(tmp_path / "mlflow"))
    result = CliRunner().invoke(
        app,
        ["demo", "--no-serve", "--weeks", "3", "--agents", "16", "--time-limit", "5"],
    )
    assert result.exit_code == 0, result.output
    assert "Anonymous Bank, January 1999" in result.output
    assert "Demo centre (Europe/Berlin, 15 min)" in result.output
    text = " ".join(result.output.split())
    assert "of intervals meeting target" in text and "activities published" in text
    keys = [line.split()[-1] for line in result.output.splitlines() if " sw_" in line]
    assert len(keys) == 6 and all(k.startswith("sw_") for k in keys)

    store = Store(database_url)
    counts = store.counts()
    assert counts["agents"] == 16
    technion = store.read_contacts(queues=["PS"])
    assert len(technion) > 20_000

    service = ServiceStore(shared_engine(database_url))
    schedule = service.read_schedule(
        None, pd.Timestamp("2026-11-23", tz="UTC"), pd.Timestamp("2026-12-01", tz="UTC")
    )
    assert not schedule.empty
    assert set(schedule["activity"]) >= {"work"}
    store.dispose()
