"""The real Anonymous Bank export through the technion mapping, and the bank interval loader."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.loaders import load_bank_calls, load_technion
from features.records.mapping import apply_mapping, load_mapping, read_mapped, read_source
from features.records.validation import validate_contacts
from features.schema import CONTACT_COLUMNS, HISTORY_COLUMNS

SOURCE_ROWS = 31_599
PHANTOM = 240
HANG_NEVER_QUEUED = 1_198
HANG_QUEUED = 3_101
AGENT_CALLS = 27_060


@pytest.fixture(scope="module")
def technion_path(shared_data: Path) -> Path:
    return shared_data / "anonymous_bank" / "january_1999.txt"


@pytest.fixture(scope="module")
def contacts(technion_path: Path) -> pd.DataFrame:
    return load_technion(technion_path)


def test_source_has_the_readme_counts(technion_path: Path) -> None:
    raw = read_source(technion_path, load_mapping("technion"))
    assert len(raw) == SOURCE_ROWS
    assert raw["outcome"].value_counts().to_dict() == {
        "AGENT": AGENT_CALLS,
        "HANG": HANG_QUEUED + HANG_NEVER_QUEUED,
        "PHANTOM": PHANTOM,
    }


def test_drops_phantom_and_vru_hang_ups(contacts: pd.DataFrame) -> None:
    assert list(contacts.columns) == CONTACT_COLUMNS
    assert len(contacts) == SOURCE_ROWS - PHANTOM - HANG_NEVER_QUEUED == 30_161
    assert contacts["contact_id"].is_unique
    assert int(contacts["abandoned"].sum()) == HANG_QUEUED
    assert int(contacts["answered_at"].notna().sum()) == AGENT_CALLS
    assert set(contacts["queue"]) == {"PS", "NW", "NE", "TT", "IN", "PE"}
    assert (contacts["channel"] == "voice").all()


def test_times_are_local_jerusalem_and_ordered(contacts: pd.DataFrame) -> None:
    assert str(contacts["arrived_at"].dt.tz) == "Asia/Jerusalem"
    first = contacts.set_index("contact_id").loc["990101-AA0101-33118"]
    assert first["arrived_at"] == pd.Timestamp("1999-01-01 06:55:26", tz="Asia/Jerusalem")
    assert first["answered_at"] == pd.Timestamp("1999-01-01 06:55:43", tz="Asia/Jerusalem")
    assert first["handle_s"] == 54.0
    assert first["agent_id"] == "MICHAL"
    answered = contacts["answered_at"].notna()
    waits = (contacts["answered_at"] - contacts["arrived_at"]).dt.total_seconds()[answered]
    assert waits.min() >= 0
    assert (contacts["ended_at"] >= contacts["arrived_at"]).all()


def test_calls_crossing_midnight_roll_over(contacts: pd.DataFrame) -> None:
    # vru_entry 23:59:15 on 1999-01-05, service 23:59:33 -> 0:03:40 the next day.
    call = contacts.set_index("contact_id").loc["990105-AA0102-28748"]
    assert call["answered_at"] == pd.Timestamp("1999-01-05 23:59:34", tz="Asia/Jerusalem")
    assert call["ended_at"] == pd.Timestamp("1999-01-06 00:03:40", tz="Asia/Jerusalem")
    assert call["handle_s"] == 247.0


def test_served_calls_have_a_three_minute_mean_and_no_server_is_null(
    contacts: pd.DataFrame,
) -> None:
    served = contacts[~contacts["abandoned"]]
    assert 170 < served["handle_s"].mean() < 200
    assert contacts.loc[contacts["abandoned"], "handle_s"].isna().all()
    assert served["agent_id"].isna().sum() == 490
    assert "NO_SERVER" not in set(contacts["agent_id"].dropna())


def test_a_user_mapping_reads_another_layout(tmp_path: Path) -> None:
    export = tmp_path / "acd.csv"
    export.write_text(
        "day;call;skill;start;pickup;status;secs;agent\n"
        "02.03.2026;1;billing;09:00:00;09:00:20;DONE;300;ann\n"
        "02.03.2026;2;billing;09:01:00;-;ABANDONED;0;NONE\n"
        "02.03.2026;3;billing;09:02:00;-;TEST;0;NONE\n"
        "02.03.2026;4;sales;23:59:50;00:00:10;DONE;60;bob\n"
    )
    mapping = {
        "name": "my_acd",
        "source": {"format": "csv", "separator": ";"},
        "timezone": "Europe/Berlin",
        "date": {"column": "day", "format": "%d.%m.%Y"},
        "roll_over": {"anchor": "start"},
        "drop": [{"column": "status", "equals": "TEST"}],
        "fields": {
            "contact_id": {"template": "acd-{day}-{call}"},
            "queue": {"column": "skill"},
            "arrived_at": {"time": "start"},
            "answered_at": {"time": ["pickup"], "null_values": ["-"]},
            "abandoned": {"condition": {"column": "status", "equals": "ABANDONED"}},
            "handle_s": {
                "column": "secs",
                "type": "number",
                "when": {"column": "status", "equals": "DONE"},
            },
            "agent_id": {"column": "agent", "null_values": ["NONE"]},
        },
    }
    path = tmp_path / "my_acd.json"
    path.write_text(json.dumps(mapping))
    mapped = read_mapped(export, path)
    clean = validate_contacts(mapped, timezone="Europe/Berlin").set_index("contact_id")
    assert list(clean.index) == ["acd-02.03.2026-1", "acd-02.03.2026-2", "acd-02.03.2026-4"]
    assert clean["abandoned"].tolist() == [False, True, False]
    assert clean.loc["acd-02.03.2026-4", "answered_at"] == pd.Timestamp(
        "2026-03-03 00:00:10", tz="Europe/Berlin"
    )
    assert clean.loc["acd-02.03.2026-1", "handle_s"] == 300.0
    assert pd.isna(clean.loc["acd-02.03.2026-2", "handle_s"])


def test_broken_mappings_and_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not valid") as caught:
        load_mapping({"name": "x", "fields": {"queue": {"column": "a", "value": "b"}}})
    assert caught.value.errors[0].field.startswith("fields.queue")
    with pytest.raises(InvalidInput, match="unknown record field"):
        load_mapping({"name": "x", "fields": {"colour": {"value": "red"}}})
    with pytest.raises(InvalidInput, match="not found"):
        load_mapping(tmp_path / "none.json")
    mapping = load_mapping("technion")
    with pytest.raises(InvalidInput) as missing:
        apply_mapping(pd.DataFrame({"type": ["PS"]}), mapping)
    assert {e.field for e in missing.value.errors} >= {"vru_exit", "outcome", "date"}


def test_bank_calls_history(shared_data: Path) -> None:
    history = load_bank_calls(shared_data / "bank_calls" / "bank_calls_5min.csv")
    assert list(history.columns) == HISTORY_COLUMNS
    assert len(history) == 21_294
    assert history["interval_start"].iloc[0] == pd.Timestamp(
        "2003-03-03 07:00", tz="America/New_York"
    )
    per_day = history.groupby(history["interval_start"].dt.date).size()
    assert (per_day == 169).all()
    assert 180 < history["offered"].mean() < 200
    after_dst = history[history["interval_start"].dt.date == pd.Timestamp("2003-04-08").date()]
    assert after_dst["interval_start"].iloc[0].hour == 7
