"""The demo's live feeder posts each record once, when the replay clock reaches it, in batches,
and retries a failed post on the next tick."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pandas as pd

from api.services.live_feed import LiveFeeder, ReplayClock, records_json
from features.synthetic.live import Pending

TZ = "Europe/Berlin"
T0 = pd.Timestamp("2026-12-01 10:00", tz=TZ)


def pending() -> Pending:
    arrivals = [T0 + pd.Timedelta(minutes=m) for m in (1, 2, 5, 9)]
    contacts = pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in range(4)],
            "queue": "billing",
            "arrived_at": arrivals,
            "answered_at": [a + pd.Timedelta(seconds=10) for a in arrivals],
            "csat": [1.0, None, 4.0, None],
        }
    )
    states = pd.DataFrame(
        {
            "agent_id": ["a1"],
            "state": ["available"],
            "started_at": [T0 + pd.Timedelta(minutes=3)],
            "ended_at": [T0 + pd.Timedelta(minutes=30)],
        }
    )
    return Pending(contacts, states)


def test_records_json_iso_instants_and_no_missing_values() -> None:
    rows = records_json(pending().contacts.iloc[:2], ("arrived_at", "answered_at"))
    assert rows[0] == {
        "contact_id": "c0",
        "queue": "billing",
        "arrived_at": "2026-12-01T10:01:00+01:00",
        "answered_at": "2026-12-01T10:01:10+01:00",
        "csat": 1.0,
    }
    assert "csat" not in rows[1]


def test_posts_what_is_due_once_and_retries_failures() -> None:
    calls: list[tuple[str, list[dict[str, Any]]]] = []
    failing = {"on": False}

    def answer(request: httpx.Request) -> httpx.Response:
        if failing["on"]:
            return httpx.Response(503, json={"detail": "busy"})
        calls.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, json={})

    feeder = LiveFeeder("http://demo", "sw_key", pending(), ReplayClock(T0, speed=60))
    with httpx.Client(base_url="http://demo", transport=httpx.MockTransport(answer)) as client:
        feeder.post_due(client, T0 + pd.Timedelta(minutes=2))
        assert [(p, [r.get("contact_id") for r in b]) for p, b in calls] == [
            ("/v1/contacts", ["c0", "c1"])
        ]
        feeder.post_due(client, T0 + pd.Timedelta(minutes=2))
        assert len(calls) == 1
        failing["on"] = True
        feeder.post_due(client, T0 + pd.Timedelta(minutes=6))
        assert feeder.posted == {"contacts": 2, "agent-states": 0}
        failing["on"] = False
        feeder.post_due(client, T0 + pd.Timedelta(minutes=6))
        assert [(p, len(b)) for p, b in calls[1:]] == [("/v1/contacts", 1), ("/v1/agent-states", 1)]
        assert not feeder.done()
        feeder.post_due(client, T0 + pd.Timedelta(hours=1))
        assert feeder.done() and calls[-1][1][0]["contact_id"] == "c3"


def test_replay_clock_runs_speed_times_faster() -> None:
    # started ten wall-clock seconds ago at 60x: ten replayed minutes (and a little) have passed
    clock = ReplayClock(T0, speed=60, started=time.monotonic() - 10)
    moved = (clock.now() - T0).total_seconds()
    assert 600 <= moved < 600 + 60 * 2
