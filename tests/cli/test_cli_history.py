"""`seatwise generate` and `seatwise intervals`: files, values, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from features.measures.intervals import build_intervals
from features.records.frame_io import read_frame
from features.records.validation import validate_agent_states, validate_contacts
from features.store.records_store import Store

runner = CliRunner()
TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(
        app,
        [
            "generate", "--out", str(out), "--weeks", "1", "--queues", "2", "--agents", "12",
            "--seed", "4", "--start", "2026-10-19",
            "--anomaly", "sales,2026-10-21T10:00:00+02:00,2026-10-21T11:00:00+02:00,4",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_generate_writes_every_file(demo: Path) -> None:
    names = {p.name for p in demo.iterdir()}
    assert {"contacts.csv", "agent_states.csv", "agents.json", "params.json", "rates.csv"} <= names
    params = json.loads((demo / "params.json").read_text())
    assert params["seed"] == 4 and params["queues"] == ["billing", "sales"]
    assert params["start"] == "2026-10-19" and params["end"] == "2026-10-26"
    assert params["anomalies"] == [
        {
            "queue": "sales",
            "start": "2026-10-21T10:00:00+02:00",
            "end": "2026-10-21T11:00:00+02:00",
            "factor": 4.0,
        }
    ]
    contacts = read_frame(demo / "contacts.csv", timezone=TZ)
    assert contacts["arrived_at"].min() >= pd.Timestamp("2026-10-19", tz=TZ)
    assert contacts["arrived_at"].max() < pd.Timestamp("2026-10-26", tz=TZ)
    assert len(json.loads((demo / "agents.json").read_text())) == 12


def expected_history(demo: Path, **options: object) -> pd.DataFrame:
    raw = pd.read_csv(demo / "contacts.csv", dtype={"agent_id": "string"})
    contacts = validate_contacts(raw, timezone=TZ)
    return build_intervals(contacts, timezone=TZ, **options)  # type: ignore[arg-type]


def test_intervals_from_a_contacts_file(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "history.csv"
    result = runner.invoke(
        app,
        ["intervals", "--contacts", str(demo / "contacts.csv"), "--timezone", TZ, "--freq",
         "30min", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = read_frame(out, timezone=TZ)
    expected = expected_history(demo, freq_minutes=30)
    assert len(written) == len(expected) > 0
    assert (written["interval_start"] == expected["interval_start"]).all()
    assert (written["offered"] == expected["offered"]).all()
    assert np.allclose(written["service_level"], expected["service_level"], equal_nan=True)
    assert {t.minute for t in written["interval_start"]} <= {0, 30}


def test_intervals_filters_and_thresholds(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "history.parquet"
    result = runner.invoke(
        app,
        ["intervals", "--contacts", str(demo / "contacts.csv"),
         "--agent-states", str(demo / "agent_states.csv"), "--timezone", TZ,
         "--from", "2026-10-20", "--to", "2026-10-21", "--queue", "sales",
         "--sl-threshold", "sales=60", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out)
    days = set(written["interval_start"].dt.tz_convert(TZ).dt.date.astype(str))
    assert days == {"2026-10-20", "2026-10-21"}
    assert set(written["queue"]) == {"sales"}
    assert written["occupancy"].notna().mean() > 0.8
    full = expected_history(demo, sl_threshold_s={"sales": 60.0})
    full = full[(full["queue"] == "sales")].set_index("interval_start")
    mine = written.set_index(written["interval_start"].dt.tz_convert(TZ))
    assert np.allclose(mine["service_level"], full.loc[mine.index, "service_level"], equal_nan=True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--freq", "20min"], "interval length"),
        (["--timezone", "Moon/Base"], "timezone"),
        (["--from", "yesterday-ish"], "--from"),
        (["--sl-threshold", "sales=fast"], "sl-threshold"),
    ],
)
def test_intervals_bad_options_exit_2(
    demo: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    base = ["intervals", "--contacts", str(demo / "contacts.csv"), "--out", str(tmp_path / "h.csv")]
    if "--timezone" not in arguments:
        base += ["--timezone", TZ]
    result = runner.invoke(app, base + arguments)
    assert result.exit_code == 2
    assert message in result.output


def test_intervals_rejects_naive_file_without_timezone(tmp_path: Path) -> None:
    path = tmp_path / "naive.csv"
    path.write_text("contact_id,queue,arrived_at\nc1,billing,2026-11-10 09:00:00\n")
    result = runner.invoke(
        app, ["intervals", "--contacts", str(path), "--out", str(tmp_path / "h")]
    )
    assert result.exit_code == 2
    assert "arrived_at" in result.output
    result = runner.invoke(
        app, ["intervals", "--contacts", str(tmp_path / "missing.csv"), "--out", "x.csv"]
    )
    assert result.exit_code == 2


def test_generate_bad_input_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--weeks", "0"])
    assert result.exit_code == 2 and "weeks" in result.output
    result = runner.invoke(app, ["generate", "--out", str(tmp_path), "--anomaly", "sales,3"])
    assert result.exit_code == 2 and "QUEUE,START,END,FACTOR" in result.output
    result = runner.invoke(
        app,
        ["generate", "--out", str(tmp_path), "--weeks", "1", "--anomaly",
         "nope,2026-11-10T10:00:00+01:00,2026-11-10T11:00:00+01:00,2"],
    )  # fmt: skip
    assert result.exit_code == 2 and "nope" in result.output
    assert not (tmp_path / "contacts.csv").exists()


def test_intervals_from_the_store(demo: Path, tmp_path: Path, database_url: str) -> None:
    store = Store(database_url)
    try:
        store.migrate()
        raw = pd.read_csv(demo / "contacts.csv", dtype={"agent_id": "string"})
        store.ingest_contacts(validate_contacts(raw, timezone=TZ))
        states = validate_agent_states(pd.read_csv(demo / "agent_states.csv"), timezone=TZ)
        store.ingest_agent_states(states)
        store.upsert_agents(json.loads((demo / "agents.json").read_text()))
    finally:
        store.dispose()
    out = tmp_path / "history.csv"
    result = runner.invoke(
        app, ["intervals", "--database-url", database_url, "--out", str(out), "--to", "2026-10-22"]
    )
    assert result.exit_code == 0, result.output
    assert "Europe/Berlin" in result.output  # the site's zone, taken from the stored agents
    written = read_frame(out, timezone=TZ)
    assert written["interval_start"].max() < pd.Timestamp("2026-10-23", tz=TZ)
    raw = pd.read_csv(demo / "contacts.csv", dtype={"agent_id": "string"})
    contacts = validate_contacts(raw, timezone=TZ)
    contacts = contacts[contacts["arrived_at"] < pd.Timestamp("2026-10-23", tz=TZ)]
    expected = build_intervals(contacts, timezone=TZ, agent_states=states)
    assert len(written) == len(expected)
    assert (written["offered"].to_numpy() == expected["offered"].to_numpy()).all()
    assert np.allclose(written["aht_s"], expected["aht_s"], equal_nan=True)
    assert np.allclose(written["occupancy"], expected["occupancy"], equal_nan=True)
