"""PATCH /v1/rosters/{id}/rows: a planner moves, shortens, adds and deletes rows of a published
roster; hard rules are checked (force keeps a deliberate exception) and the agents' published
schedules follow at once."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.people.conftest import KeyFactory
from tests.people.published import publish_week

WEEK = {
    "start": "2026-11-30T00:00:00+01:00",
    "end": "2026-12-07T00:00:00+01:00",
    "timezone": "Europe/Berlin",
}


def _rows(client: TestClient, agent_id: str, headers: dict[str, str]) -> list[tuple[str, ...]]:
    answer = client.get(f"/v1/agents/{agent_id}/schedule", params=WEEK, headers=headers).json()
    return [(r["activity"], r["start"], r["end"]) for r in answer["rows"]]


def _patch(
    client: TestClient, headers: dict[str, str], *edits: dict[str, Any], force: bool = False
) -> Any:
    return client.patch(
        "/v1/rosters/week1/rows", json={"edits": list(edits), "force": force}, headers=headers
    )


def test_move_shorten_add_delete(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    publish_week(app)
    planner = auth("planner")
    moved = _patch(
        client,
        planner,
        {
            "op": "change",
            "agent_id": "a1",
            "start": "2026-12-02T08:00:00+01:00",
            "new_start": "2026-12-02T09:00:00+01:00",
            "new_end": "2026-12-02T17:00:00+01:00",
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["republished"] is True and moved.json()["violations"] == []
    assert _rows(client, "a1", planner) == [
        ("work", "2026-12-02T09:00:00+01:00", "2026-12-02T17:00:00+01:00")
    ]
    shorten = {
        "op": "change",
        "agent_id": "b1",
        "start": "2026-11-30T08:00:00+01:00",
        "new_end": "2026-11-30T14:00:00+01:00",
    }
    refused = _patch(client, planner, shorten)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["detail"]] == ["template"]
    forced = _patch(client, planner, shorten, force=True)
    assert forced.status_code == 200 and len(forced.json()["violations"]) == 1
    training = _patch(
        client,
        planner,
        {
            "op": "change",
            "agent_id": "a1",
            "start": "2026-12-02T09:00:00+01:00",
            "new_end": "2026-12-02T12:00:00+01:00",
        },
        {
            "op": "add",
            "agent_id": "a1",
            "activity": "training",
            "start": "2026-12-02T12:00:00+01:00",
            "end": "2026-12-02T13:00:00+01:00",
        },
        {
            "op": "add",
            "agent_id": "a1",
            "activity": "work",
            "queue": "billing",
            "start": "2026-12-02T13:00:00+01:00",
            "end": "2026-12-02T17:00:00+01:00",
        },
        force=True,
    )
    assert training.status_code == 200, training.text
    assert [r[0] for r in _rows(client, "a1", planner)] == ["work", "training", "work"]
    deleted = _patch(
        client, planner, {"op": "delete", "agent_id": "b1", "start": "2026-12-03T08:00:00+01:00"}
    )
    assert deleted.status_code == 200, deleted.text
    assert _rows(client, "b1", planner) == [
        ("work", "2026-11-30T08:00:00+01:00", "2026-11-30T14:00:00+01:00")
    ]
    roster = client.get("/v1/rosters/week1", headers=planner).json()
    cell = next(
        c
        for c in roster["coverage"]
        if c["interval_start"] == "2026-12-02T09:00:00+01:00" and c["queue"] == "billing"
    )
    assert (cell["required"], cell["scheduled"]) == (1, 1)
    audit = client.get("/v1/audit", params={"action": "roster.edit"}, headers=planner).json()
    assert audit["total"] == 4
    assert audit["items"][0]["agent_id"] == "b1"


def test_bad_edits_are_refused_with_their_place(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    publish_week(app)
    planner = auth("planner")
    missing = _patch(
        client, planner, {"op": "delete", "agent_id": "a1", "start": "2026-12-05T08:00:00+01:00"}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0] | {"value": None} == {
        "row": 0,
        "field": "start",
        "rule": missing.json()["detail"][0]["rule"],
        "value": None,
    }
    unknown = _patch(
        client,
        planner,
        {"op": "change", "agent_id": "a1", "start": "2026-12-02T08:00:00+01:00", "activity": "nap"},
    )
    assert unknown.json()["detail"][0]["field"] == "activity"
    assert (
        _patch(
            client,
            auth("agent", agent_id="a1"),
            {"op": "delete", "agent_id": "a1", "start": "2026-12-02T08:00:00+01:00"},
        ).status_code
        == 403
    )
