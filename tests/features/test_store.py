"""The store on SQLite and on a real PostgreSQL: migrations, idempotent ingest, atomic batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import inspect

from features.errors import InvalidInput
from features.ingest import ingest_file, ingest_records
from features.schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS
from features.store.records_store import Store


def contacts_frame(n: int, start: str = "2026-03-02T07:00:00Z", prefix: str = "c") -> pd.DataFrame:
    """n contacts, one every 7 seconds, on two queues; every 10th abandoned."""
    rng = np.random.default_rng(7)
    arrived = pd.Timestamp(start) + pd.to_timedelta(np.arange(n) * 7, unit="s")
    abandoned = np.arange(n) % 10 == 0
    wait = pd.to_timedelta(rng.integers(0, 60, n), unit="s")
    talk = rng.integers(60, 600, n).astype(float)
    return pd.DataFrame(
        {
            "contact_id": [f"{prefix}{i}" for i in range(n)],
            "queue": np.where(np.arange(n) % 2 == 0, "billing", "sales"),
            "channel": "voice",
            "arrived_at": arrived.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "answered_at": pd.Series((arrived + wait).strftime("%Y-%m-%dT%H:%M:%SZ")).where(
                ~abandoned
            ),
            "ended_at": (arrived + wait + pd.to_timedelta(talk, unit="s")).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "talk_s": np.where(abandoned, np.nan, talk),
            "agent_id": np.where(abandoned, None, "a" + pd.Series(np.arange(n) % 40).astype(str)),
            "csat": np.where(np.arange(n) % 3 == 0, 4, np.nan),
        }
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    created = Store(database_url)
    created.migrate()
    yield created
    created.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    created = Store(f"sqlite:///{tmp_path / 'formats.db'}")
    created.migrate()
    yield created
    created.dispose()


def test_migration_creates_the_records_tables(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {"contacts", "agent_states", "agents", "alembic_version"} <= tables
    store.migrate()
    assert store.ping() is True
    assert store.counts() == {"contacts": 0, "agent_states": 0, "agents": 0}


def test_contacts_round_trip_and_reingest_is_a_no_op(store: Store) -> None:
    frame = contacts_frame(500)
    first = ingest_records(store, "contacts", frame)
    assert (first.received, first.inserted, first.duplicates) == (500, 500, 0)
    again = ingest_records(store, "contacts", frame.iloc[:300])
    assert (again.received, again.inserted, again.duplicates) == (300, 0, 300)
    changed = frame.iloc[:5].assign(queue="other")
    assert ingest_records(store, "contacts", changed).inserted == 0
    back = store.read_contacts()
    assert list(back.columns) == CONTACT_COLUMNS
    assert len(back) == 500
    row = back.set_index("contact_id").loc["c1"]
    assert row["queue"] == "sales"
    assert row["arrived_at"] == pd.Timestamp("2026-03-02T07:00:07Z")
    assert str(back["arrived_at"].dt.tz) == "UTC"
    assert row["talk_s"] == frame.loc[1, "talk_s"]
    assert row["handle_s"] == frame.loc[1, "talk_s"]
    assert back["abandoned"].sum() == 50
    assert back.set_index("contact_id").loc["c0", "answered_at"] is pd.NaT
    assert back["csat"].dtype == "Int64" and back["csat"].sum() == 4 * 167


def test_read_contacts_filters_by_window_and_queue(store: Store) -> None:
    store.ingest_contacts(contacts_frame(1000))
    window = store.read_contacts("2026-03-02T08:00:00+01:00", "2026-03-02T07:01:10Z", ["billing"])
    assert window["contact_id"].tolist() == ["c0", "c2", "c4", "c6", "c8"]
    assert len(store.read_contacts(end=pd.Timestamp("2026-03-02T07:00:14Z"))) == 2
    assert store.read_contacts(queues=["nope"]).empty


def test_bad_row_in_a_big_file_leaves_the_store_untouched(store: Store, tmp_path: Path) -> None:
    store.ingest_contacts(contacts_frame(10, prefix="old"))
    big = contacts_frame(100_000)
    big.loc[73_210, "answered_at"] = "2026-03-01T00:00:00Z"
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    with pytest.raises(InvalidInput) as caught:
        ingest_file(store, "contacts", path)
    assert [(e.row, e.field) for e in caught.value.errors] == [(73_210, "answered_at")]
    assert store.counts()["contacts"] == 10
    big.loc[73_210, "answered_at"] = None
    big.to_csv(path, index=False)
    report = ingest_file(store, "contacts", path)
    assert report.inserted == 100_000
    assert store.counts()["contacts"] == 100_010


def test_failure_in_a_later_chunk_rolls_back_the_whole_batch(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import features.store.records_store as store_module

    real_rows = store_module._rows
    calls = {"n": 0}

    def failing_rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("connection lost")
        return real_rows(frame, columns)

    monkeypatch.setattr(store_module, "CHUNK_ROWS", 100)
    monkeypatch.setattr(store_module, "_rows", failing_rows)
    with pytest.raises(RuntimeError, match="connection lost"):
        store.ingest_contacts(contacts_frame(1000))
    assert calls["n"] == 3
    assert store.counts()["contacts"] == 0


def test_agent_states_idempotent_and_filtered(store: Store) -> None:
    spans = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a2"],
            "state": ["available", "on_contact", "break"],
            "started_at": ["2026-03-02 08:00", "2026-03-02 08:10", "2026-03-02 09:00"],
            "ended_at": ["2026-03-02 08:10", "2026-03-02 08:20", "2026-03-02 09:15"],
        }
    )
    report = store.ingest_agent_states(spans, timezone="Europe/Berlin")
    assert (report.inserted, report.duplicates) == (3, 0)
    assert store.ingest_agent_states(spans, timezone="Europe/Berlin").inserted == 0
    back = store.read_agent_states()
    assert list(back.columns) == AGENT_STATE_COLUMNS
    assert back["started_at"].iloc[0] == pd.Timestamp("2026-03-02T07:00:00Z")
    overlapping = store.read_agent_states("2026-03-02T07:15:00Z", "2026-03-02T08:00:00Z")
    assert overlapping["state"].tolist() == ["on_contact"]
    assert store.read_agent_states(agent_ids=["a2"])["state"].tolist() == ["break"]


def test_agents_upsert(store: Store) -> None:
    agent = {
        "agent_id": "a1",
        "name": "Ada",
        "team": "t1",
        "timezone": "Europe/Berlin",
        "skills": {"billing": 5},
        "contract": {"min_hours": 30, "max_hours": 40, "max_days": 5},
    }
    assert store.upsert_agents([agent, {**agent, "agent_id": "a2"}]).inserted == 2
    report = store.upsert_agents([{**agent, "skills": {"billing": 3, "sales": 4}}])
    assert (report.inserted, report.duplicates) == (0, 1)
    agents = store.read_agents().set_index("agent_id")
    assert agents.loc["a1", "skills"] == {"billing": 3, "sales": 4}
    assert agents.loc["a2", "contract"]["max_hours"] == 40
    with pytest.raises(InvalidInput):
        store.upsert_agents([{**agent, "skills": {"billing": 9}}])
    assert store.counts()["agents"] == 2


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".jsonl"])
def test_every_file_format_ingests_the_same_contacts(
    suffix: str, tmp_path: Path, sqlite_store: Store
) -> None:
    frame = contacts_frame(50)
    path = tmp_path / f"contacts{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".json":
        # Valid JSON: missing values as null (json.dumps would write NaN, which is refused).
        records = frame.to_json(orient="records", date_format="iso")
        path.write_text('{"contacts": ' + records + "}")
    else:
        frame.to_json(path, orient="records", lines=True)
    report = ingest_file(sqlite_store, "contacts", path)
    assert (report.received, report.inserted) == (50, 50)
    back = sqlite_store.read_contacts().set_index("contact_id")
    assert back.loc["c3", "ended_at"] == pd.Timestamp(frame.loc[3, "ended_at"])
    assert back.loc["c3", "agent_id"] == "a3"


def test_malformed_files_are_bad_input(tmp_path: Path, sqlite_store: Store) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("contact_id,queue,arrived_at\n1,a,2026-03-02T09:00:00Z\n2,b\n")
    with pytest.raises(InvalidInput, match="not a readable CSV"):
        ingest_file(sqlite_store, "contacts", ragged)
    broken_json = tmp_path / "broken.json"
    broken_json.write_text("[{")
    with pytest.raises(InvalidInput, match="not JSON"):
        ingest_file(sqlite_store, "contacts", broken_json)
    assert sqlite_store.counts()["contacts"] == 0


def test_csv_ids_keep_leading_zeros_and_sparse_integers_read(
    tmp_path: Path, sqlite_store: Store
) -> None:
    path = tmp_path / "sparse.csv"
    path.write_text(
        "contact_id,queue,arrived_at,transfers,agent_id\n"
        "007,billing,2026-03-02T09:00:00Z,,0042\n"
        "008,billing,2026-03-02T09:00:05Z,2,\n"
    )
    assert ingest_file(sqlite_store, "contacts", path).inserted == 2
    back = sqlite_store.read_contacts().set_index("contact_id")
    assert back.index.tolist() == ["007", "008"]
    assert back.loc["007", "agent_id"] == "0042"
    assert back["transfers"].tolist() == [pd.NA, 2]
