"""Capacity plans end to end on SQLite and PostgreSQL: a scenario planned as a job from the stored
contacts and agents, read by role (planners and admins create, supervisors read their skills,
agents nothing), listed, and rejected with every broken field."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from features.synthetic.generator import generate_centre
from tests.api.test_api_forecasts import wait_for_job

KeyFactory = Callable[..., dict[str, str]]
TZ = "Europe/Berlin"


def _scenario() -> dict[str, Any]:
    return {
        "name": "winter plan",
        "timezone": TZ,
        "horizon_weeks": 10,
        "history": {"source": "contacts", "country": "DE"},
        "queues": {"billing": {"aht_s": 300}, "sales": {"aht_s": 240}},
        "agents": "stored",
        "attrition_monthly": 0.03,
        "hiring": {
            "profiles": [
                {
                    "name": "billing class",
                    "skills": ["billing"],
                    "lead_time_weeks": 2,
                    "training_weeks": 2,
                    "ramp": [0.5],
                },
                {
                    "name": "sales class",
                    "skills": ["sales"],
                    "lead_time_weeks": 2,
                    "training_weeks": 1,
                    "ramp": [],
                },
            ]
        },
        "overtime": {"max_share": 0.05, "cost_per_hour": 40},
        "scenarios": [{"name": "volume +10%", "volume_factor": 1.1}],
    }


def _store_centre(app: FastAPI) -> list[dict[str, Any]]:
    centre = generate_centre(weeks=6, agents=12, queues=2, timezone=TZ, seed=3)
    store = app.state.store
    store.upsert_agents(centre.agents)
    store.ingest_contacts(centre.contacts)
    return list(centre.agents)


def test_capacity_plan_job_read_by_role(app: FastAPI, client: TestClient, auth: KeyFactory):
    agents = _store_centre(app)
    team = next(a["team"] for a in agents if set(a["skills"]) == {"billing"})
    team_queues = {q for a in agents if a["team"] == team for q in a["skills"]}
    planner, admin = auth("planner"), auth("admin")
    supervisor = auth("supervisor", teams=[team])
    agent = auth("agent", agent_id=agents[0]["agent_id"])
    for headers in (supervisor, agent):
        refused = client.post("/v1/capacity-plans", json=_scenario(), headers=headers)
        assert refused.status_code == 403
    accepted = client.post("/v1/capacity-plans", json=_scenario(), headers=planner)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["result_url"] == f"/v1/capacity-plans/{body['plan_id']}"
    job = wait_for_job(client, body["url"], planner)
    assert job["state"] == "done", job
    assert job["kind"] == "capacity" and job["result_url"] == body["result_url"]

    plan = client.get(body["result_url"], headers=admin).json()
    assert plan["state"] == "done" and plan["name"] == "winter plan"
    report = plan["report"]
    assert report["queues"] == ["billing", "sales"]
    assert [s["name"] for s in report["scenarios"]] == ["winter plan", "volume +10%"]
    base, more = report["scenarios"]
    assert len(base["weekly"]) == 2 * 10
    assert {r["skill"] for r in base["weekly"]} == {"billing", "sales"}
    # The plan starts the Monday after the history; every week of it has its FTE rows.
    assert base["weekly"][0]["week_start"] == report["start_week"] == "2026-11-23"
    for row in base["weekly"]:
        gap = row["available_fte"] + row["new_hire_fte"] + row["overtime_fte"] - row["required_fte"]
        assert abs(row["gap_after_fte"] - gap) < 1e-6
    required = sum(r["required_fte"] for r in base["weekly"])
    assert sum(r["required_fte"] for r in more["weekly"]) > required
    assert {r["queue"] for r in report["forecast"]["weekly"]} == {"billing", "sales"}
    assert report["forecast"]["monthly"] and report["forecast"]["history"]
    assert len(report["comparison"]) == 2

    scoped = client.get(body["result_url"], headers=supervisor)
    assert scoped.status_code == 200
    mine = scoped.json()["report"]
    assert set(mine["queues"]) == team_queues & {"billing", "sales"}
    assert {r["skill"] for s in mine["scenarios"] for r in s["weekly"]} == set(mine["queues"])
    assert {r["queue"] for r in mine["forecast"]["weekly"]} == set(mine["queues"])
    assert client.get(body["result_url"], headers=agent).status_code == 403

    listed = client.get("/v1/capacity-plans", headers=supervisor).json()["plans"]
    assert [p["plan_id"] for p in listed] == [body["plan_id"]]
    assert listed[0]["state"] == "done" and listed[0]["scenarios"] == ["volume +10%"]
    assert client.get("/v1/capacity-plans", headers=agent).status_code == 403


def test_capacity_plan_rejections(app: FastAPI, client: TestClient, auth: KeyFactory):
    planner = auth("planner")
    bad = _scenario()
    bad["hiring"]["profiles"][1]["skills"] = ["claims"]
    bad["budget"] = {"max_cost": -5}
    answer = client.post("/v1/capacity-plans", json=bad, headers=planner)
    assert answer.status_code == 422
    fields = {d["field"] for d in answer.json()["detail"]}
    assert fields == {"budget.max_cost"}
    bad["budget"] = {}
    answer = client.post("/v1/capacity-plans", json=bad, headers=planner)
    assert {d["field"] for d in answer.json()["detail"]} == {"hiring.profiles[1].skills[0]"}
    from_file = _scenario()
    from_file["history"] = {"source": "file", "path": "/etc/passwd"}
    answer = client.post("/v1/capacity-plans", json=from_file, headers=planner)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "history.source"
    assert client.get("/v1/capacity-plans", headers=planner).json()["plans"] == []

    # Nothing stored: refused before a job is queued, naming each queue without history.
    unstored = client.post("/v1/capacity-plans", json=_scenario(), headers=planner)
    assert unstored.status_code == 422
    assert {d["field"] for d in unstored.json()["detail"]} == {"queues.billing", "queues.sales"}
    assert client.get("/v1/capacity-plans", headers=planner).json()["plans"] == []

    # A plan whose job failed says so.
    failed = uuid.uuid4().hex
    app.state.service_store.create_job(failed, "capacity", {}, owner="tests", key_id=None)
    app.state.service_store.finish_job(failed, "failed", error="no stored contacts")
    plan = client.get(f"/v1/capacity-plans/{failed}", headers=planner).json()
    assert plan["state"] == "failed" and plan["report"] is None

    other = uuid.uuid4().hex
    app.state.service_store.create_job(other, "forecast", {}, owner="tests", key_id=None)
    missing = client.get(f"/v1/capacity-plans/{other}", headers=planner)
    assert missing.status_code == 404
