"""A small, hand-computable centre for the sources, exports and questions tests.

Site zone Europe/Berlin (UTC+1 in November); "now" is Wednesday 2026-11-25 10:00. Every figure
the tests expect is worked out in the comments below.

Agents: a1 Anna Becker and a2 Ben Fischer (team billing-1; main skill billing), a3 Clara
Hoffmann and a4 David Jansen (team sales-1; main skill sales; a4 also billing at 3).

Contacts (each day's contacts of a queue fall in one hour, so the KPIs' hourly weighting is the
plain ratio):

- yesterday 2026-11-24, billing 09:xx: y1 wait 10 s, 300 s, a1, CSAT 4; y2 wait 30 s, 200 s,
  a2, CSAT 2; y3 abandoned after 60 s; y4 wait 15 s, 100 s, a1. -> offered 4, handled 3,
  abandoned 1, service level 2/4, AHT 200 s, ASA 55/3 s, CSAT 3.
- yesterday, sales 09:xx: y5 wait 5 s, 400 s, a3, CSAT 5; y6 wait 50 s, 600 s, a4, CSAT 1; y7
  abandoned after 3 s (short: left out of service level); y8 abandoned after 100 s. -> offered
  4, handled 2, abandoned 2, service level 1/3, AHT 500 s, abandon rate 1/2.
- the whole centre yesterday: service level (0.5*4 + 1/3*4)/8 = 5/12, AHT (600+1000)/5 = 320.
- Monday 2026-11-23, billing 10:xx: d1 wait 5 s, 240 s, a2; d2 wait 25 s, 260 s, a1 -> service
  level 1/2.
- last week: Tuesday 11-17 billing 09:xx: w1, w2 wait 5 s, 250 s, a1; w3 abandoned (60 s).
  Wednesday 11-18 sales 09:xx: w4-w6 abandoned (60 s); w7 wait 10 s, 300 s, a3. -> billing
  service level 2/3, sales 1/4, centre (2 + 1)/7; abandoned: billing 1, sales 3.
- today 08:30 billing: t1 wait 8 s, 180 s, a2.

Agent states yesterday: a1 available 09:00-09:30, on contact 09:30-10:00 (occupancy 1/2); a2 on
contact 09:00-09:45, available 09:45-10:00 (3/4); team billing-1 4500/7200 = 0.625.

Tickets: k1 billing refund (y1, a1) resolved 09:06 (first contact, 340 s); k2 billing refund (y2,
a2) pending, resolved 15:00 (21,260 s); k3 sales cancellation (y5, a3) resolved 09:30, reopened
12:00; k4 sales pricing (y6, a4) open; k5 billing invoice last Tuesday (w1) resolved. Yesterday:
4 tickets, 2 resolved, first-contact resolution 1/2, mean resolution 10,800 s, reopen rate 1/3,
backlog 2 (k3, k4); sales reopen rate 1/1.

Quality (yesterday's contacts): y1 speech 0.9/0.8 calm; y2 speech 0.5/0.4 angry; y5 manual
0.95/0.9; y6 speech 0.4/0.3 frustrated. Knowledge base yesterday: a1 read two articles on y1 and
one outside contacts, a3 one on y5.

Published roster: today a2 works billing 08:00-16:00; tomorrow a1 works 08:00-12:00, lunch
12:00-12:30, works 12:30-16:30; a2 works 13:00-21:00; a3 works 09:00-17:00; a4 is off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.settings import Settings
from features.ingest import ingest_records
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore

TZ = "Europe/Berlin"
NOW = "2026-11-25T10:00:00+01:00"
YESTERDAY = ("2026-11-24T00:00:00+01:00", "2026-11-25T00:00:00+01:00")
LAST_WEEK = ("2026-11-16T00:00:00+01:00", "2026-11-23T00:00:00+01:00")

AGENTS = [
    {"agent_id": "a1", "name": "Anna Becker", "team": "billing-1", "skills": {"billing": 5},
     "contract": {"start_date": "2026-10-01"}},
    {"agent_id": "a2", "name": "Ben Fischer", "team": "billing-1",
     "skills": {"billing": 4, "sales": 2}, "contract": {"start_date": "2020-01-01"}},
    {"agent_id": "a3", "name": "Clara Hoffmann", "team": "sales-1", "skills": {"sales": 5},
     "contract": {"start_date": "2019-05-01"}},
    {"agent_id": "a4", "name": "David Jansen", "team": "sales-1",
     "skills": {"sales": 4, "billing": 3}},
]  # fmt: skip
ALIASES = [
    {"kind": "queue", "name": "billing", "alias": "账单"},
    {"kind": "queue", "name": "sales", "alias": "销售"},
    {"kind": "team", "name": "billing-1", "alias": "账单一组"},
    {"kind": "team", "name": "sales-1", "alias": "销售一组"},
    {"kind": "agent", "name": "a1", "alias": "安娜"},
]


def _at(day: str, clock: str, seconds: float = 0.0) -> str:
    stamp = pd.Timestamp(f"{day}T{clock}+01:00") + pd.Timedelta(seconds=seconds)
    return stamp.isoformat()


def _answered(cid: str, queue: str, day: str, clock: str, wait: float, handle: float,
              agent: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "contact_id": cid, "queue": queue, "arrived_at": _at(day, clock),
        "answered_at": _at(day, clock, wait), "ended_at": _at(day, clock, wait + handle),
        "handle_s": handle, "agent_id": agent, **extra,
    }  # fmt: skip


def _abandoned(cid: str, queue: str, day: str, clock: str, after: float) -> dict[str, Any]:
    return {"contact_id": cid, "queue": queue, "arrived_at": _at(day, clock),
            "ended_at": _at(day, clock, after), "abandoned": True}  # fmt: skip


Y, M, TODAY, TOMORROW = "2026-11-24", "2026-11-23", "2026-11-25", "2026-11-26"
CONTACTS = [
    _answered("y1", "billing", Y, "09:00:00", 10, 300, "a1", csat=4),
    _answered("y2", "billing", Y, "09:05:00", 30, 200, "a2", csat=2),
    _abandoned("y3", "billing", Y, "09:10:00", 60),
    _answered("y4", "billing", Y, "09:15:00", 15, 100, "a1"),
    _answered("y5", "sales", Y, "09:20:00", 5, 400, "a3", csat=5),
    _answered("y6", "sales", Y, "09:25:00", 50, 600, "a4", csat=1),
    _abandoned("y7", "sales", Y, "09:30:00", 3),
    _abandoned("y8", "sales", Y, "09:35:00", 100),
    _answered("d1", "billing", M, "10:00:00", 5, 240, "a2"),
    _answered("d2", "billing", M, "10:10:00", 25, 260, "a1"),
    _answered("w1", "billing", "2026-11-17", "09:00:00", 5, 250, "a1"),
    _answered("w2", "billing", "2026-11-17", "09:10:00", 5, 250, "a1"),
    _abandoned("w3", "billing", "2026-11-17", "09:20:00", 60),
    _abandoned("w4", "sales", "2026-11-18", "09:00:00", 60),
    _abandoned("w5", "sales", "2026-11-18", "09:05:00", 60),
    _abandoned("w6", "sales", "2026-11-18", "09:10:00", 60),
    _answered("w7", "sales", "2026-11-18", "09:15:00", 10, 300, "a3"),
    _answered("t1", "billing", TODAY, "08:30:00", 8, 180, "a2"),
]
STATES = [
    {"agent_id": "a1", "state": "available", "started_at": _at(Y, "09:00:00"),
     "ended_at": _at(Y, "09:30:00")},
    {"agent_id": "a1", "state": "on_contact", "started_at": _at(Y, "09:30:00"),
     "ended_at": _at(Y, "10:00:00")},
    {"agent_id": "a2", "state": "on_contact", "started_at": _at(Y, "09:00:00"),
     "ended_at": _at(Y, "09:45:00")},
    {"agent_id": "a2", "state": "available", "started_at": _at(Y, "09:45:00"),
     "ended_at": _at(Y, "10:00:00")},
]  # fmt: skip
TICKETS = [
    {"ticket_id": "k1", "queue": "billing", "category": "refund", "opened_at": _at(Y, "09:00:20"),
     "contact_id": "y1", "agent_id": "a1",
     "status_changes": [{"at": _at(Y, "09:06:00"), "status": "resolved"}]},
    {"ticket_id": "k2", "queue": "billing", "category": "refund", "opened_at": _at(Y, "09:05:40"),
     "contact_id": "y2", "agent_id": "a2",
     "status_changes": [{"at": _at(Y, "09:10:00"), "status": "pending"},
                        {"at": _at(Y, "15:00:00"), "status": "resolved"}]},
    {"ticket_id": "k3", "queue": "sales", "category": "cancellation",
     "opened_at": _at(Y, "09:21:00"), "contact_id": "y5", "agent_id": "a3",
     "status_changes": [{"at": _at(Y, "09:30:00"), "status": "resolved"},
                        {"at": _at(Y, "12:00:00"), "status": "reopened"}]},
    {"ticket_id": "k4", "queue": "sales", "category": "pricing", "opened_at": _at(Y, "09:26:00"),
     "contact_id": "y6", "agent_id": "a4"},
    {"ticket_id": "k5", "queue": "billing", "category": "invoice",
     "opened_at": _at("2026-11-17", "09:01:00"), "contact_id": "w1", "agent_id": "a1",
     "resolved_at": _at("2026-11-17", "10:00:00")},
]  # fmt: skip


def _emotion(label: str, score: float) -> list[dict[str, Any]]:
    return [{"start_s": 0, "end_s": 30, "label": label, "score": score}]


QUALITY = [
    {"evaluation_id": "q1", "contact_id": "y1", "evaluated_at": _at(Y, "09:30:00"),
     "source": "speech", "script_compliance": 0.9, "empathy": 0.8,
     "emotion": _emotion("neutral", 0.9)},
    {"evaluation_id": "q2", "contact_id": "y2", "evaluated_at": _at(Y, "09:30:00"),
     "source": "speech", "script_compliance": 0.5, "empathy": 0.4,
     "emotion": _emotion("angry", 0.9)},
    {"evaluation_id": "q3", "contact_id": "y5", "evaluated_at": _at(Y, "16:00:00"),
     "source": "manual", "script_compliance": 0.95, "empathy": 0.9},
    {"evaluation_id": "q4", "contact_id": "y6", "evaluated_at": _at(Y, "09:50:00"),
     "source": "speech", "script_compliance": 0.4, "empathy": 0.3,
     "emotion": _emotion("frustrated", 0.8)},
]  # fmt: skip
KB_EVENTS = [
    {"event_id": "kb1", "contact_id": "y1", "agent_id": "a1", "article_id": "kb-refunds-1",
     "topic": "refunds", "viewed_at": _at(Y, "09:01:00")},
    {"event_id": "kb2", "contact_id": "y1", "agent_id": "a1", "article_id": "kb-refunds-2",
     "topic": "refunds", "viewed_at": _at(Y, "09:02:00")},
    {"event_id": "kb3", "contact_id": "y5", "agent_id": "a3", "article_id": "kb-cancel-1",
     "topic": "cancellation", "viewed_at": _at(Y, "09:21:00")},
    {"event_id": "kb4", "contact_id": None, "agent_id": "a1", "article_id": "kb-invoices-1",
     "topic": "invoices", "viewed_at": _at(Y, "14:00:00")},
]  # fmt: skip
ROSTER = [
    ("a2", TODAY, "work", "billing", "08:00", "16:00"),
    ("a1", TOMORROW, "work", "billing", "08:00", "12:00"),
    ("a1", TOMORROW, "lunch", "", "12:00", "12:30"),
    ("a1", TOMORROW, "work", "billing", "12:30", "16:30"),
    ("a2", TOMORROW, "work", "billing", "13:00", "21:00"),
    ("a3", TOMORROW, "work", "sales", "09:00", "17:00"),
]


def fill(store: Store, service: ServiceStore) -> None:
    """Store the whole small centre (records, other sources, aliases, a published roster)."""
    store.upsert_agents(AGENTS)
    ingest_records(store, "contacts", CONTACTS)
    ingest_records(store, "agent-states", STATES)
    ingest_records(store, "tickets", TICKETS)
    ingest_records(store, "quality", QUALITY)
    ingest_records(store, "kb-events", KB_EVENTS)
    SourcesStore(store).put_aliases(ALIASES)
    rows = pd.DataFrame(
        [
            {"agent_id": a, "date": day, "activity": activity, "queue": queue,
             "start": pd.Timestamp(f"{day}T{start}", tz=TZ),
             "end": pd.Timestamp(f"{day}T{end}", tz=TZ)}
            for a, day, activity, queue, start, end in ROSTER
        ]
    )  # fmt: skip
    service.create_roster("r-small", {}, None)
    service.publish_roster("r-small", rows)


def berlin_settings(database_url: str, tmp_path: Path) -> Settings:
    """Service settings over the test database with the small centre's zone (a fixture body:
    ``api_settings = pytest.fixture(name="api_settings")(berlin_settings)``)."""
    return Settings(
        database_url=database_url, mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", timezone=TZ
    )


def filled_client(client: TestClient, app: FastAPI) -> Iterator[TestClient]:
    """The test client over an app whose store holds the small centre (a fixture body)."""
    fill(app.state.store, app.state.service_store)
    yield client
