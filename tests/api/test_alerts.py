"""Alerts over SQLite and PostgreSQL: rules on ingestion, scoping per role, webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import make_key
from api.services.alerting import alerting, on_contacts_ingested, shutdown_alerting
from api.settings import Settings

AGENTS = [
    {"agent_id": "a1", "name": "Ann", "team": "t1", "skills": {"billing": 5}},
    {"agent_id": "a2", "name": "Bo", "team": "t2", "skills": {"sales": 4}},
]
CONTACTS = [
    # billing 09:00 interval: answered after 60 s -> service level 0 -> queue alert; CSAT 1.
    {
        "contact_id": "c1",
        "queue": "billing",
        "arrived_at": "2026-11-30T09:00:00+00:00",
        "answered_at": "2026-11-30T09:01:00+00:00",
        "ended_at": "2026-11-30T09:05:00+00:00",
        "agent_id": "a1",
        "csat": 1,
        "sentiment": 0.2,
    },
    # sales 09:00 interval: answered after 5 s -> service level 1; sentiment -0.9.
    {
        "contact_id": "c2",
        "queue": "sales",
        "arrived_at": "2026-11-30T09:02:00+00:00",
        "answered_at": "2026-11-30T09:02:05+00:00",
        "ended_at": "2026-11-30T09:06:00+00:00",
        "agent_id": "a2",
        "csat": 4,
        "sentiment": -0.9,
    },
    # a happy contact: no alert.
    {
        "contact_id": "c3",
        "queue": "sales",
        "arrived_at": "2026-11-30T09:20:00+00:00",
        "answered_at": "2026-11-30T09:20:03+00:00",
        "ended_at": "2026-11-30T09:24:00+00:00",
        "agent_id": "a2",
        "csat": 5,
        "sentiment": 0.8,
    },
]


class Hook:
    """A local webhook receiver that answers 500 to the first `failures` calls, then 200; with
    `hold`, every call waits for the event before answering (a receiver that hangs)."""

    def __init__(
        self, failures: int = 0, delay_s: float = 0.0, hold: threading.Event | None = None
    ) -> None:
        self.failures = failures
        self.delay_s = delay_s
        self.hold = hold
        self.answered = 0
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", 0))
                payload = json.loads(self.rfile.read(length))
                with hook.lock:
                    hook.calls.append(payload)
                    failing = len(hook.calls) <= hook.failures
                if hook.hold is not None:
                    hook.hold.wait(30)
                time.sleep(hook.delay_s)
                with hook.lock:
                    hook.answered += 1
                try:
                    self.send_response(500 if failing else 200)
                    self.end_headers()
                except OSError:
                    return  # the caller timed out and closed the connection

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    receiver = Hook(failures=1)
    yield receiver
    receiver.close()


def make_app(database_url: str, urls: list[str], timeout_s: float = 1.0) -> FastAPI:
    settings = Settings(
        database_url=database_url,
        webhook_urls=urls,
        timezone="UTC",
        webhook_tries=3,
        webhook_backoff_s=0.05,
        webhook_timeout_s=timeout_s,
    )
    return create_app(settings)


def add_key(app: FastAPI, role: str, agent_id: str | None, teams: list[str] | None) -> str:
    new = make_key()
    app.state.service_store.add_key(new.key_id, new.key_hash, role, agent_id, teams or [])
    return new.key


def ingest(app: FastAPI, client: TestClient, rows: list[dict[str, Any]]) -> None:
    """POST the contacts; the records router raises their alerts."""
    admin = {"Authorization": f"Bearer {add_key(app, 'admin', None, None)}"}
    response = client.post("/v1/contacts", json=rows, headers=admin)
    assert response.status_code == 200, response.text


def bearer(app: FastAPI, role: str, teams: list[str] | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {add_key(app, role, None, teams)}"}


def test_rules_scoping_and_filters(database_url: str) -> None:
    app = make_app(database_url, [])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS)
        admin = bearer(app, "admin")
        alerts = client.get("/v1/alerts", headers=admin).json()["alerts"]
        found = {(a["kind"], a["key"], a["team"], a["queue"]) for a in alerts}
        assert found == {
            ("low_csat", "c1", "t1", "billing"),
            ("negative_sentiment", "c2", "t2", "sales"),
            ("service_level", "billing|2026-11-30T09:00:00+00:00", None, "billing"),
        }
        sl = next(a for a in alerts if a["kind"] == "service_level")
        assert sl["value"] == 0.0 and sl["threshold"] == 0.8
        assert sl["interval_start"].startswith("2026-11-30T09:00:00")

        # Re-sending the batch raises nothing new, through the router or the hook itself.
        ingest(app, client, CONTACTS)
        assert on_contacts_ingested(app, pd.DataFrame(CONTACTS)) == []
        assert len(client.get("/v1/alerts", headers=admin).json()["alerts"]) == 3

        t1 = client.get("/v1/alerts", headers=bearer(app, "supervisor", ["t1"])).json()
        assert {(a["kind"], a["queue"]) for a in t1["alerts"]} == {
            ("low_csat", "billing"),
            ("service_level", "billing"),
        }
        t2 = client.get("/v1/alerts", headers=bearer(app, "supervisor", ["t2"])).json()
        assert [a["key"] for a in t2["alerts"]] == ["c2"]
        nobody = client.get("/v1/alerts", headers=bearer(app, "supervisor", ["t9"])).json()
        assert nobody["alerts"] == []
        for role in ("agent", "planner", "routing", "data_scientist"):
            assert client.get("/v1/alerts", headers=bearer(app, role)).status_code == 403
        assert client.get("/v1/alerts").status_code == 401

        by_kind = client.get("/v1/alerts", params={"kind": "low_csat"}, headers=admin).json()
        assert [a["key"] for a in by_kind["alerts"]] == ["c1"]
        by_team = client.get("/v1/alerts", params={"team": "t2"}, headers=admin).json()
        assert [a["key"] for a in by_team["alerts"]] == ["c2"]
        later = {"since": "2026-11-30T09:05:30+00:00"}
        assert [
            a["key"] for a in client.get("/v1/alerts", params=later, headers=admin).json()["alerts"]
        ] == ["c2"]
        naive = client.get("/v1/alerts", params={"since": "2026-11-30T09:00"}, headers=admin)
        assert naive.status_code == 422
        assert client.get("/v1/alerts", params={"kind": "nope"}, headers=admin).status_code == 422


def _answered(queue: str, channel: str, n: int, late: int, wait_s: float) -> list[dict[str, Any]]:
    """`n` contacts of a queue at 10:00, the first `late` answered after `wait_s` seconds and
    the rest after 5 s."""
    start = pd.Timestamp("2026-11-30T10:00:00Z")
    rows = []
    for i in range(n):
        arrived = start + pd.Timedelta(seconds=20 * i)
        answered = arrived + pd.Timedelta(seconds=wait_s if i < late else 5)
        rows.append(
            {
                "contact_id": f"{queue}-{i}",
                "queue": queue,
                "channel": channel,
                "arrived_at": arrived.isoformat(),
                "answered_at": answered.isoformat(),
                "ended_at": (answered + pd.Timedelta(minutes=3)).isoformat(),
            }
        )
    return rows


def test_service_level_alerts_follow_each_channel_standard(database_url: str) -> None:
    # 9 of 10 within the threshold (90%): under e-mail's 95% standard, over voice's 80%.
    email = _answered("tech", "email", 10, 1, 5 * 3600)
    voice = _answered("billing", "voice", 10, 1, 60)
    app = make_app(database_url, [])
    with TestClient(app) as client:
        ingest(app, client, email + voice)
        alerts = client.get("/v1/alerts", headers=bearer(app, "admin")).json()["alerts"]
    levels = [(a["queue"], a["value"], a["threshold"]) for a in alerts]
    assert levels == [("tech", 0.9, 0.95)]


def test_webhook_retried_until_delivered(database_url: str, hook: Hook) -> None:
    app = make_app(database_url, [hook.url])
    with TestClient(app) as client:
        app.state.store.upsert_agents(AGENTS)
        ingest(app, client, CONTACTS[:1])
        state = alerting(app)
        assert state.dispatcher is not None
        assert state.dispatcher.wait_idle(10)
        admin = bearer(app, "admin")
        alerts = client.get("/v1/alerts", headers=admin).json()["alerts"]
        assert sorted(a["kind"] for a in alerts) == ["low_csat", "service_level"]
        outcomes = {}
        for alert in alerts:
            url = f"/v1/alerts/{alert['alert_id']}/deliveries"
            rows = client.get(url, headers=admin).json()["deliveries"]
            assert len(rows) == 1 and rows[0]["url"] == hook.url
            outcomes[alert["kind"]] = (
                rows[0]["status"],
                rows[0]["attempts"],
                rows[0]["last_status_code"],
            )
        # The hook failed its first call (whichever alert came first); that one was retried.
        assert sorted(outcomes.values()) == [("delivered", 1, 200), ("delivered", 2, 200)]
        assert len(hook.calls) == 3
        sent = [(c["alert"]["kind"], c["alert"]["key"]) for c in hook.calls]
        assert ("low_csat", "c1") in sent
        assert sent.count(sent[0]) == 2  # the first payload was sent again
        alert_id = alerts[0]["alert_id"]
        assert client.get("/v1/alerts/999999/deliveries", headers=admin).status_code == 404
        assert (
            client.get(
                f"/v1/alerts/{alert_id}/deliveries", headers=bearer(app, "supervisor", ["t1"])
            ).status_code
            == 403
        )
    shutdown_alerting(app)


def test_dead_or_slow_webhook_never_blocks_ingestion(database_url: str) -> None:
    release = threading.Event()
    slow = Hook(failures=10, hold=release)
    dead = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    app = make_app(database_url, [slow.url, dead], timeout_s=0.2)
    try:
        with TestClient(app) as client:
            app.state.store.upsert_agents(AGENTS)
            ingest(app, client, CONTACTS)
            # Ingestion answered while the slow receiver had not answered a single delivery:
            # sending is never inline, whatever the machine's load.
            assert slow.answered == 0
            release.set()
            state = alerting(app)
            assert state.dispatcher is not None
            assert state.dispatcher.wait_idle(20)
            rows = state.store.list_deliveries()
            assert len(rows) == 6  # three alerts x two URLs
            assert {r["status"] for r in rows} == {"failed"}
            assert {r["attempts"] for r in rows} == {3}
            errors = {r["url"]: r["last_error"] for r in rows}
            assert errors[dead] and errors[slow.url]
    finally:
        release.set()
        shutdown_alerting(app)
        slow.close()


def test_unfinished_deliveries_resumed_by_the_next_service(database_url: str) -> None:
    receiver = Hook(failures=0)
    first = make_app(database_url, [])
    try:
        with TestClient(first) as client:
            first.state.store.upsert_agents(AGENTS)
            ingest(first, client, CONTACTS[1:2])
            store = alerting(first).store
            alert_ids = [a["alert_id"] for a in store.list_alerts()]
            assert len(alert_ids) == 1
            # A service stopped before sending: the delivery is left pending.
            store.add_deliveries(alert_ids, [receiver.url])
        second = make_app(database_url, [receiver.url])
        with TestClient(second):
            state = alerting(second)
            assert state.dispatcher is not None
            assert state.dispatcher.wait_idle(10)
            assert [(d["status"], d["attempts"]) for d in state.store.list_deliveries()] == [
                ("delivered", 1)
            ]
            assert [c["alert"]["key"] for c in receiver.calls] == ["c2"]
        shutdown_alerting(second)
    finally:
        receiver.close()
