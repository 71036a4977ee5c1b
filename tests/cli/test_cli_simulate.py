"""`seatwise simulate` end to end: a roster file and contacts (a file or the store) in, the
replay per interval and its totals out; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from api.cli import app
from api.cli.simulate import totals_path
from features.records.frame_io import read_frame, write_frame
from features.records.validation import validate_contacts
from features.store.records_store import Store
from scheduling.simulation.simulator import SIMULATION_COLUMNS, TOTAL_COLUMNS

runner = CliRunner()
TZ = "Europe/Berlin"
T0 = pd.Timestamp("2026-11-30T08:00:00", tz=TZ)


def contacts_frame() -> pd.DataFrame:
    """Eight calls a minute apart, each answered at once and handled for 120 s."""
    arrived = [T0 + pd.Timedelta(minutes=i) for i in range(8)]
    return pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in range(8)],
            "queue": "billing",
            "arrived_at": arrived,
            "answered_at": arrived,
            "ended_at": [a + pd.Timedelta(seconds=120) for a in arrived],
            "abandoned": False,
            "handle_s": 120.0,
        }
    )


def write_roster(path: Path, agents: int) -> Path:
    frame = pd.DataFrame(
        {
            "agent_id": [f"a{i}" for i in range(agents)],
            "date": "2026-11-30",
            "activity": "work",
            "queue": "billing",
            "start": T0,
            "end": T0 + pd.Timedelta(hours=1),
        }
    )
    return write_frame(frame, path)


def test_simulate_a_contacts_file_on_a_roster(tmp_path: Path) -> None:
    source = write_frame(contacts_frame(), tmp_path / "contacts.csv")
    roster = write_roster(tmp_path / "roster.csv", 1)
    out = tmp_path / "replay.csv"
    args = ["simulate", "--roster", str(roster), "--contacts", str(source), "--out", str(out)]
    result = runner.invoke(app, [*args, "--timezone", TZ, "--replications", "2"])
    assert result.exit_code == 0, result.output
    assert "replay vs records" in result.output
    intervals = read_frame(out, timezone=TZ)
    assert list(intervals.columns) == SIMULATION_COLUMNS
    assert intervals["offered"].sum() == 8
    assert "2026-11-30T08:00:00+01:00" in out.read_text()
    totals = pd.read_csv(totals_path(out))
    assert list(totals.columns) == [*TOTAL_COLUMNS, "source"]
    replay = totals[(totals["source"] == "replay") & (totals["queue"] == "billing")].iloc[0]
    real = totals[(totals["source"] == "records") & (totals["queue"] == "billing")].iloc[0]
    # One agent for 2-minute calls a minute apart: waits 0, 60, ..., 420 s (nobody abandoned in
    # the records, so nobody gives up in the replay either).
    assert replay["asa_s"] == 210.0 and replay["service_level"] == 0.125
    assert real["asa_s"] == 0.0 and real["service_level"] == 1.0


def test_simulate_stored_contacts(tmp_path: Path, database_url: str) -> None:
    store = Store(database_url)
    try:
        store.migrate()
        store.ingest_contacts(validate_contacts(contacts_frame()))
    finally:
        store.dispose()
    roster = write_roster(tmp_path / "roster.csv", 2)
    out = tmp_path / "replay.parquet"
    result = runner.invoke(
        app,
        ["simulate", "--roster", str(roster), "--from", "2026-11-30", "--to", "2026-11-30",
         "--timezone", TZ, "--database-url", database_url, "--freq", "30min", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    intervals = pd.read_parquet(out)
    assert intervals["offered"].sum() == 8 and len(intervals) == 48  # a whole local day
    assert intervals["asa_s"].max() == 0.0


def test_simulate_bad_input_exits_2(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", 1)
    source = write_frame(contacts_frame(), tmp_path / "contacts.csv")
    base = ["simulate", "--roster", str(roster), "--out", str(tmp_path / "r.csv")]
    no_source = runner.invoke(app, base)
    assert no_source.exit_code == 2 and "--from and --to" in no_source.output
    missing = runner.invoke(app, [*base, "--contacts", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "not found" in missing.output
    bad = runner.invoke(app, [*base, "--contacts", str(source), "--threshold-s", "billing=soon"])
    assert bad.exit_code == 2 and "threshold" in bad.output
    chat = runner.invoke(app, [*base, "--contacts", str(source), "--concurrency", "billing=2"])
    assert chat.exit_code == 2 and "concurrency" in chat.output
    method = runner.invoke(app, [*base, "--contacts", str(source), "--patience", "never"])
    assert method.exit_code == 2 and "censored" in method.output
    no_roster = runner.invoke(
        app, ["simulate", "--roster", str(tmp_path / "x.csv"), "--contacts", str(source),
              "--out", str(tmp_path / "r.csv")],
    )  # fmt: skip
    assert no_roster.exit_code == 2
