"""The BI views (migration 0005_bi_views) on SQLite and PostgreSQL: they exist, follow the
product's definitions, and a read-only role reads them (and nothing else) on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pandas as pd
import psycopg
import pytest
from sqlalchemy import inspect, text

from features.measures.intervals import build_intervals
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from tests.api.small_centre import fill
from tests.conftest import _libpq

VIEWS = {"bi_interval", "bi_agent_day", "bi_ticket"}


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    created = Store(database_url)
    created.migrate()
    fill(created, ServiceStore(created.engine))
    yield created
    created.dispose()


def _read(store: Store, sql: str) -> pd.DataFrame:
    with store.engine.connect() as connection:
        result = connection.execute(text(sql))
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def test_views_exist_and_intervals_follow_the_definitions(store: Store) -> None:
    assert set(inspect(store.engine).get_view_names()) >= VIEWS
    view = _read(store, "SELECT * FROM bi_interval ORDER BY queue, interval_start_ms")
    expected = build_intervals(store.read_contacts(), freq_minutes=15, timezone="UTC")
    assert len(view) == len(expected) > 0
    starts = pd.to_datetime(view["interval_start_ms"], unit="ms", utc=True)
    assert (starts.to_numpy() == expected["interval_start"].dt.tz_convert("UTC").to_numpy()).all()
    for column in ("offered", "handled", "abandoned"):
        assert view[column].astype(int).tolist() == expected[column].tolist(), column
    for column in ("aht_s", "asa_s", "service_level", "abandon_rate"):
        got = pd.to_numeric(view[column]).astype(float).tolist()
        assert got == pytest.approx(expected[column].tolist(), nan_ok=True), column
    quarter = pd.Timestamp("2026-11-24T09:15:00+01:00").value // 10**6
    sales = view[(view["queue"] == "sales") & (view["interval_start_ms"] == quarter)]
    assert sales["service_level"].iloc[0] == pytest.approx(1 / 2)  # y5 in 5 s, y6 out (50 s)


def test_agent_day_and_ticket_views(store: Store) -> None:
    day = _read(store, "SELECT * FROM bi_agent_day WHERE agent_id = 'a1' ORDER BY day")
    yesterday = day[day["day"].astype(str) == "2026-11-24"].iloc[0]
    assert yesterday["contacts_handled"] == 2
    assert float(yesterday["aht_s"]) == pytest.approx(200.0)
    assert float(yesterday["csat"]) == pytest.approx(4.0)
    assert yesterday["kb_views"] == 3 and yesterday["evaluations"] == 1
    assert float(yesterday["script_compliance"]) == pytest.approx(0.9)
    assert float(yesterday["negative_emotion_rate"]) == 0.0
    assert yesterday["team"] == "billing-1" and yesterday["name"] == "Anna Becker"
    tickets = _read(store, "SELECT * FROM bi_ticket ORDER BY ticket_id").set_index("ticket_id")
    assert float(tickets.loc["k2", "resolution_s"]) == pytest.approx(21_260)
    assert bool(tickets.loc["k1", "first_contact_resolved"])
    assert not bool(tickets.loc["k2", "first_contact_resolved"])
    assert pd.isna(tickets.loc["k4", "first_contact_resolved"])
    assert tickets.loc["k3", "status"] == "reopened" and bool(tickets.loc["k3", "reopened"])
    assert tickets.loc["k2", "status_changes"] == 2 and tickets.loc["k1", "team"] == "billing-1"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_read_only_role_reads_the_views_only(store: Store, database_url: str) -> None:
    """docs/bi.md's recipe: a login role with SELECT on the views."""
    role = f"bi_{uuid.uuid4().hex[:8]}"
    database = database_url.rsplit("/", 1)[1]
    with store.engine.begin() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        connection.execute(text(f"GRANT SELECT ON bi_interval, bi_agent_day, bi_ticket TO {role}"))
    try:
        host = _libpq(database_url).split("@", 1)[1]
        with psycopg.connect(f"postgresql://{role}@{host}") as reader:
            rows = reader.execute("SELECT count(*) FROM bi_ticket").fetchone()
            assert rows is not None and rows[0] == 5
            offered = reader.execute("SELECT sum(offered) FROM bi_interval").fetchone()
            assert offered is not None and offered[0] == 18
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute("SELECT * FROM contacts")
    finally:
        with store.engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
