"""`seatwise ingest ...`: stores good files, exits 2 with a clear message on bad ones."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from features.store.records_store import Store

runner = CliRunner()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def write_contacts(path: Path, **overrides: object) -> Path:
    rows = [
        {
            "contact_id": f"c{i}",
            "queue": "billing",
            "arrived_at": f"2026-03-02 09:0{i}:00",
            "answered_at": f"2026-03-02 09:0{i}:20",
            "talk_s": 100 + i,
        }
        for i in range(3)
    ]
    rows[1].update(overrides)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_ingest_contacts_with_timezone_then_again(tmp_path: Path, sqlite_url: str) -> None:
    path = write_contacts(tmp_path / "contacts.csv")
    args = ["ingest", "contacts", str(path), "--timezone", "Europe/Berlin"]
    first = runner.invoke(app, [*args, "--database-url", sqlite_url])
    assert first.exit_code == 0, first.output
    assert "3 received, 3 stored, 0 already known" in first.output
    second = runner.invoke(app, [*args, "--database-url", sqlite_url])
    assert "3 received, 0 stored, 3 already known" in second.output
    stored = Store(sqlite_url).read_contacts()
    assert stored["arrived_at"].iloc[0] == pd.Timestamp("2026-03-02T08:00:00Z")


def test_naive_times_without_timezone_exit_2(tmp_path: Path, sqlite_url: str) -> None:
    path = write_contacts(tmp_path / "contacts.csv")
    result = runner.invoke(app, ["ingest", "contacts", str(path), "--database-url", sqlite_url])
    assert result.exit_code == 2
    assert "timestamp needs an offset or a timezone" in result.output
    assert Store(sqlite_url).counts()["contacts"] == 0


def test_bad_rows_are_all_listed_and_nothing_stored(tmp_path: Path, sqlite_url: str) -> None:
    path = write_contacts(tmp_path / "contacts.csv", talk_s=-5, queue="")
    result = runner.invoke(
        app,
        ["ingest", "contacts", str(path), "--timezone", "UTC", "--database-url", sqlite_url],
    )
    assert result.exit_code == 2
    assert "row 1, field 'queue': required field is missing" in result.output
    assert "row 1, field 'talk_s': must not be negative" in result.output
    assert Store(sqlite_url).counts()["contacts"] == 0


def test_missing_file_and_unknown_format_exit_2(tmp_path: Path, sqlite_url: str) -> None:
    missing = runner.invoke(
        app, ["ingest", "contacts", str(tmp_path / "nope.csv"), "--database-url", sqlite_url]
    )
    assert missing.exit_code == 2 and "not found" in missing.output
    path = write_contacts(tmp_path / "c.csv")
    unknown = runner.invoke(
        app, ["ingest", "contacts", str(path), "--format", "xlsx", "--database-url", sqlite_url]
    )
    assert unknown.exit_code == 2 and "unknown format" in unknown.output


def test_technion_format(shared_data: Path, sqlite_url: str) -> None:
    path = shared_data / "anonymous_bank" / "january_1999.txt"
    result = runner.invoke(
        app, ["ingest", "contacts", str(path), "--format", "technion", "--database-url", sqlite_url]
    )
    assert result.exit_code == 0, result.output
    assert "30,161 received, 30,161 stored" in result.output
    assert Store(sqlite_url).counts()["contacts"] == 30_161


def test_user_mapping(tmp_path: Path, sqlite_url: str) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "id,q,t\n1,sales,2026-03-02T09:00:00+01:00\n2,sales,2026-03-02T09:05:00+01:00\n"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "name": "tiny",
                "fields": {
                    "contact_id": {"template": "x-{id}"},
                    "queue": {"column": "q"},
                    "arrived_at": {"instant": "t"},
                },
            }
        )
    )
    result = runner.invoke(
        app,
        [
            "ingest",
            "contacts",
            str(export),
            "--mapping",
            str(mapping),
            "--database-url",
            sqlite_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert Store(sqlite_url).read_contacts()["contact_id"].tolist() == ["x-1", "x-2"]


def test_mapping_errors_name_source_rows(tmp_path: Path, sqlite_url: str) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "id,q,t,kind\n"
        "1,sales,2026-03-02T09:00:00+01:00,TEST\n"
        "2,sales,2026-03-02T09:05:00+01:00,REAL\n"
        "3,,2026-03-02T09:06:00+01:00,REAL\n"
    )
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "name": "tiny",
                "drop": [{"column": "kind", "equals": "TEST"}],
                "fields": {
                    "contact_id": {"template": "x-{id}"},
                    "queue": {"column": "q"},
                    "arrived_at": {"instant": "t"},
                },
            }
        )
    )
    result = runner.invoke(
        app,
        [
            "ingest",
            "contacts",
            str(export),
            "--mapping",
            str(mapping),
            "--database-url",
            sqlite_url,
        ],
    )
    assert result.exit_code == 2
    assert "row 2, field 'queue': required field is missing" in result.output


def test_agent_states_and_agents(tmp_path: Path, sqlite_url: str) -> None:
    states = tmp_path / "states.json"
    states.write_text(
        json.dumps(
            [
                {
                    "agent_id": "a1",
                    "state": "available",
                    "started_at": "2026-03-02T08:00:00Z",
                    "ended_at": "2026-03-02T08:30:00Z",
                },
                {
                    "agent_id": "a1",
                    "state": "lunch",
                    "started_at": "2026-03-02T08:30:00Z",
                    "ended_at": "2026-03-02T08:00:00Z",
                },
            ]
        )
    )
    bad = runner.invoke(app, ["ingest", "agent-states", str(states), "--database-url", sqlite_url])
    assert bad.exit_code == 2
    assert "row 1, field 'ended_at': must not be before started_at" in bad.output
    agents = tmp_path / "agents.json"
    agents.write_text(
        json.dumps({"agents": [{"agent_id": "a1", "skills": {"billing": 4}, "team": "t1"}]})
    )
    good = runner.invoke(
        app,
        ["ingest", "agents", str(agents), "--timezone", "Asia/Jerusalem"]
        + ["--database-url", sqlite_url],
    )
    assert good.exit_code == 0, good.output
    stored = Store(sqlite_url).read_agents()
    assert stored["skills"].tolist() == [{"billing": 4}]
    assert stored["timezone"].tolist() == ["Asia/Jerusalem"]


def test_help_lists_the_three_commands() -> None:
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0
    for command in ("contacts", "agent-states", "agents"):
        assert command in result.output
