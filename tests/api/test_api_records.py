"""Records endpoints: JSON and CSV batches, all-or-nothing 422s naming row and field."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]

CONTACTS = [
    {
        "contact_id": "c1",
        "queue": "billing",
        "arrived_at": "2026-11-30T08:00:05+01:00",
        "answered_at": "2026-11-30T08:00:15+01:00",
        "ended_at": "2026-11-30T08:05:15+01:00",
        "handle_s": 300,
        "agent_id": "a1",
    },
    {"contact_id": "c2", "queue": "billing", "arrived_at": "2026-11-30T08:01:00+01:00"},
]


def test_contacts_json_then_csv_duplicates_are_noops(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("planner")
    first = client.post("/v1/contacts", json=CONTACTS, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 2, "inserted": 2, "duplicates": 0}
    csv = (
        "contact_id,queue,arrived_at\n"
        "c2,billing,2026-11-30T08:01:00+01:00\n"
        "c3,sales,2026-11-30T09:00:00+01:00\n"
    )
    second = client.post(
        "/v1/contacts", content=csv, headers={**headers, "Content-Type": "text/csv"}
    )
    assert second.status_code == 200, second.text
    assert second.json() == {"received": 2, "inserted": 1, "duplicates": 1}
    stored = client.app.state.store.read_contacts()  # type: ignore[attr-defined]
    assert sorted(stored["contact_id"]) == ["c1", "c2", "c3"]


def test_bad_batch_is_422_with_rows_and_nothing_stored(
    client: TestClient, auth: KeyFactory
) -> None:
    headers = auth("admin")
    bad = [
        {"contact_id": "ok", "queue": "billing", "arrived_at": "2026-11-30T08:00:05+01:00"},
        {"contact_id": "x1", "queue": "billing", "arrived_at": "yesterday"},
        {
            "contact_id": "x2",
            "queue": "billing",
            "arrived_at": "2026-11-30T08:00:05+01:00",
            "channel": "fax",
        },
    ]
    answer = client.post("/v1/contacts", json=bad, headers=headers)
    assert answer.status_code == 422
    details = answer.json()["detail"]
    assert {(d["row"], d["field"]) for d in details} >= {(1, "arrived_at"), (2, "channel")}
    assert client.app.state.store.read_contacts().empty  # type: ignore[attr-defined]


def test_body_must_be_an_array(client: TestClient, auth: KeyFactory) -> None:
    answer = client.post("/v1/contacts", json={"contact_id": "c1"}, headers=auth("admin"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "body"


def test_agent_states_and_agents(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    states = [
        {
            "agent_id": "a1",
            "state": "available",
            "started_at": "2026-11-30T08:00:00+01:00",
            "ended_at": "2026-11-30T08:10:00+01:00",
        },
    ]
    answer = client.post("/v1/agent-states", json=states, headers=headers)
    assert answer.json() == {"received": 1, "inserted": 1, "duplicates": 0}
    agents = [{"agent_id": "a1", "name": "Ada", "team": "t1", "skills": {"billing": 5}}]
    assert client.put("/v1/agents", json=agents, headers=headers).json()["inserted"] == 1
    agents[0]["team"] = "t2"
    assert client.put("/v1/agents", json=agents, headers=headers).json()["duplicates"] == 1
    stored = client.app.state.store.read_agents()  # type: ignore[attr-defined]
    assert stored.loc[0, "team"] == "t2"
    broken = client.put(
        "/v1/agents", json=[{"agent_id": "a2", "skills": {"billing": 9}}], headers=headers
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["row"] == 0
