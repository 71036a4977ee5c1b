"""Intraday endpoints end to end: anomalies, recommendations, adherence, performance and the
reforecast, with each role's scope."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scheduling.requirements import ServiceTargets, compute_requirements

KeyFactory = Callable[..., dict[str, str]]

DAY = "2026-11-16"
STARTS = pd.date_range(f"{DAY} 08:00", periods=8, freq="15min", tz="UTC")
AGENTS = [
    {"agent_id": "a1", "name": "Anna", "team": "t1", "skills": {"billing": 5}},
    {"agent_id": "a2", "name": "Ben", "team": "t1", "skills": {"billing": 4}},
    {"agent_id": "b1", "name": "Clara", "team": "t2", "skills": {"sales": 5}},
]
ARRIVALS = [20, 20, 20, 20, 60, 20, 20, 20]
"""Contacts per interval 08:00-10:00; the 09:00 interval is a spike (forecast 20)."""


def _contacts() -> pd.DataFrame:
    rows = []
    for start, count in zip(STARTS, ARRIVALS, strict=True):
        for i in range(count):
            arrived = start + pd.Timedelta(seconds=10 * i)
            agent = "a1" if i % 2 == 0 else "a2"
            rows.append(
                {
                    "contact_id": f"c{start:%H%M}-{i}",
                    "queue": "billing",
                    "arrived_at": arrived,
                    "answered_at": arrived + pd.Timedelta(seconds=5),
                    "ended_at": arrived + pd.Timedelta(seconds=245),
                    "handle_s": 240.0,
                    "acw_s": 60.0 if agent == "a1" else 30.0,
                    "agent_id": agent,
                    "csat": 4,
                }
            )
    return pd.DataFrame(rows)


def _forecast() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue": "billing",
            "interval_start": STARTS,
            "volume": 20.0,
            "volume_p10": 14.0,
            "volume_p50": 20.0,
            "volume_p90": 26.0,
            "aht_s": 240.0,
            "model": "seasonal_average",
            "model_version": "v1",
        }
    )


def _at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"{DAY} {clock}", tz="UTC")


@pytest.fixture
def loaded(app: FastAPI, client: TestClient) -> TestClient:
    store, service = app.state.store, app.state.service_store
    store.upsert_agents(AGENTS)
    store.ingest_contacts(_contacts())
    store.ingest_agent_states(
        pd.DataFrame(
            {
                "agent_id": ["a1", "a2", "a2"],
                "state": ["available", "offline", "available"],
                "started_at": [_at("08:00"), _at("07:00"), _at("08:20")],
                "ended_at": [_at("10:00"), _at("08:20"), _at("10:00")],
            }
        )
    )
    service.add_forecast("run1", _forecast())
    service.create_roster("r1", {}, None)
    service.publish_roster(
        "r1",
        pd.DataFrame(
            [
                {
                    "agent_id": a,
                    "date": DAY,
                    "activity": "work",
                    "queue": "billing",
                    "start": _at("08:00"),
                    "end": _at("10:00"),
                }
                for a in ("a1", "a2")
            ]
        ),  # fmt: skip
    )
    return client


RANGE = {"start": f"{DAY}T00:00:00Z", "end": "2026-11-17T00:00:00Z"}


def test_anomalies_find_the_spike_within_scope(loaded: TestClient, auth: KeyFactory) -> None:
    answer = loaded.get("/v1/anomalies", params=RANGE, headers=auth("supervisor", teams=["t1"]))
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    assert [(r["measure"], r["interval_start"]) for r in rows] == [
        ("volume", "2026-11-16T09:00:00+00:00")
    ]
    assert rows[0]["actual"] == 60 and rows[0]["expected"] == 20
    assert rows[0]["reason"].startswith("volume 200% above forecast (z=")
    every = loaded.get(
        "/v1/anomalies", params={**RANGE, "include_normal": True}, headers=auth("planner")
    ).json()["rows"]
    assert len([r for r in every if r["measure"] == "volume"]) == 8
    other = loaded.get("/v1/anomalies", params=RANGE, headers=auth("supervisor", teams=["t2"]))
    assert other.json()["rows"] == []
    assert loaded.get("/v1/anomalies", params=RANGE, headers=auth("agent", "a1")).status_code == 403


def test_recommendations_shortfall_and_drift(loaded: TestClient, auth: KeyFactory) -> None:
    answer = loaded.get(
        "/v1/recommendations", params={"date": DAY, "backtest_wape": 0.05}, headers=auth("planner")
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()["recommendations"]
    need = compute_requirements(_forecast(), ServiceTargets(), interval_minutes=15)
    short = [r for r in found if r["kind"] == "understaffed"]
    assert len(short) == 1
    assert short[0]["start"] == "2026-11-16T08:00:00+00:00"
    assert short[0]["end"] == "2026-11-16T10:00:00+00:00"
    assert short[0]["agents"] == int(need["agents_scheduled"].max()) - 2
    # Today: |60 - 20| / 200 contacts = 20 % WAPE vs 5 % in backtests (4x) -> high.
    retrain = [r for r in found if r["kind"] == "retrain"]
    assert retrain[0]["severity"] == "high"
    assert "20% WAPE against 5%" in retrain[0]["message"]
    assert (
        loaded.get(
            "/v1/recommendations", params={"date": DAY}, headers=auth("agent", "a1")
        ).status_code
        == 403
    )


def test_training_windows_carry_what_new_agents_look_up(
    app: FastAPI, loaded: TestClient, auth: KeyFactory
) -> None:
    from features.store.sources_store import SourcesStore

    store, service = app.state.store, app.state.service_store
    crowd = [{"agent_id": f"n{i}", "team": "t1", "skills": {"billing": 3}} for i in range(24)]
    crowd[0]["contract"] = {"start_date": "2026-11-02"}
    crowd[1]["contract"] = {"start_date": "2020-01-06"}
    store.upsert_agents(crowd)
    service.create_roster("r2", {}, None)
    service.publish_roster(
        "r2",
        pd.DataFrame(
            [
                {
                    "agent_id": a["agent_id"],
                    "date": DAY,
                    "activity": "work",
                    "queue": "billing",
                    "start": _at("08:00"),
                    "end": _at("10:00"),
                }
                for a in crowd
            ]
        ),
    )
    views = [("n0", "refunds")] * 3 + [("n0", "roaming"), ("n1", "roaming")]
    SourcesStore(store).ingest_kb_events(
        pd.DataFrame(
            {
                "event_id": [f"e{i}" for i in range(len(views))],
                "contact_id": None,
                "agent_id": [a for a, _ in views],
                "article_id": [f"kb-{t}" for _, t in views],
                "topic": [t for _, t in views],
                "viewed_at": [_at("08:30") - pd.Timedelta(days=3)] * len(views),
            }
        )
    )
    answer = loaded.get("/v1/recommendations", params={"date": DAY}, headers=auth("planner"))
    assert answer.status_code == 200, answer.text
    training = [r for r in answer.json()["recommendations"] if r["kind"] == "training"]
    assert training, answer.json()
    # Only n0 is new (joined two weeks before): refunds (3 views) then roaming (1).
    assert training[0]["topics"] == ["refunds", "roaming"]
    assert "look up most: refunds, roaming" in training[0]["message"]


def test_adherence_by_role(loaded: TestClient, auth: KeyFactory) -> None:
    mine = loaded.get("/v1/adherence", params={"date": DAY}, headers=auth("agent", "a2"))
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert [a["agent_id"] for a in body["agents"]] == ["a2"]
    assert body["agents"][0]["adherence"] == pytest.approx(100 / 120)
    assert [(e["kind"], e["minutes"]) for e in body["exceptions"]] == [("late_login", 20.0)]
    team = loaded.get(
        "/v1/adherence", params={"date": DAY, "team": "t1"}, headers=auth("admin")
    ).json()
    assert team["teams"][0]["adherence"] == pytest.approx(220 / 240)
    blocked = loaded.get(
        "/v1/adherence",
        params={"date": DAY, "agent_id": "a1"},
        headers=auth("supervisor", teams=["t2"]),
    )
    assert blocked.status_code == 403


def test_performance_scopes_and_values(loaded: TestClient, auth: KeyFactory) -> None:
    own = loaded.get("/v1/agents/a1/performance", params=RANGE, headers=auth("agent", "a1"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["team"] == "t1"
    assert body["kpis"]["contacts_handled"]["value"] == 100
    assert body["kpis"]["acw_s"] == {"value": 60.0, "team_median": 45.0, "percentile": 100.0}
    assert body["kpis"]["adherence"]["value"] == pytest.approx(1.0)
    assert body["suggestions"][0].startswith(
        "Your after-call work averages 60 s; the team's median is 45 s."
    )
    other = loaded.get("/v1/agents/a2/performance", params=RANGE, headers=auth("agent", "a1"))
    assert other.status_code == 403
    boss = auth("supervisor", teams=["t1"])
    assert loaded.get("/v1/agents/a2/performance", params=RANGE, headers=boss).status_code == 200
    missing = loaded.get("/v1/agents/zz/performance", params=RANGE, headers=auth("admin"))
    assert missing.status_code == 404


def test_reforecast_and_staffing_effect(loaded: TestClient, auth: KeyFactory) -> None:
    answer = loaded.get(
        "/v1/forecasts/reforecast",
        params={"date": DAY, "now": f"{DAY}T09:30:00Z"},
        headers=auth("planner"),
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Seen 08:00-09:15: 160 contacts vs 120 forecast; weight 120 / 160 -> ratio 1.25.
    ratio = body["ratios"][0]
    assert (ratio["actual_so_far"], ratio["forecast_so_far"]) == (160, 120)
    assert ratio["ratio"] == pytest.approx(1.25)
    rows = body["rows"]
    assert [r["volume"] for r in rows] == pytest.approx([20.0] * 6 + [25.0] * 2)
    assert rows[4]["actual_offered"] == 60
    assert rows[7]["actual_offered"] is None
    after = compute_requirements(
        _forecast().assign(volume=25.0).iloc[:1], ServiceTargets(), interval_minutes=15
    )
    assert rows[7]["agents_scheduled"] == int(after["agents_scheduled"].iloc[0])
    assert rows[7]["agents_delta"] == rows[7]["agents_scheduled"] - rows[0]["agents_scheduled"]
    assert rows[7]["agents_delta"] > 0
    denied = loaded.get(
        "/v1/forecasts/reforecast", params={"date": DAY}, headers=auth("agent", "a1")
    )
    assert denied.status_code == 403
