"""Training and backtest jobs over stored contacts; forecasts read back with actuals; registry."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

KeyFactory = Callable[..., dict[str, str]]


def _contacts(days: int, first_day: str = "2026-11-02") -> list[dict[str, Any]]:
    """One billing contact in every 15-minute interval from 08:00 to 12:00 UTC, plus one more
    at 08:00 on Mondays: a weekly pattern the seasonal-naive model repeats exactly."""
    rows = []
    for day in pd.date_range(first_day, periods=days, freq="D", tz="UTC"):
        starts = list(pd.date_range(day + pd.Timedelta(hours=8), periods=16, freq="15min"))
        if day.dayofweek == 0:
            starts.append(day + pd.Timedelta(hours=8, minutes=5))
        for n, start in enumerate(starts):
            rows.append(
                {
                    "contact_id": f"{day:%Y%m%d}-{n}",
                    "queue": "billing",
                    "arrived_at": start.isoformat(),
                    "answered_at": (start + pd.Timedelta(seconds=10)).isoformat(),
                    "ended_at": (start + pd.Timedelta(seconds=250)).isoformat(),
                    "handle_s": 240,
                }
            )
    return rows


def wait_for_job(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(url, headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {url} did not finish: {job}")


def test_training_job_then_latest_forecast_with_actuals(
    client: TestClient, auth: KeyFactory
) -> None:
    planner = auth("planner")
    assert client.post("/v1/contacts", json=_contacts(28), headers=planner).status_code == 200
    body = {"start": "2026-11-23", "days": 1, "model": "seasonal_naive", "queues": ["billing"]}
    accepted = client.post("/v1/forecasts", json=body, headers=planner)
    assert accepted.status_code == 202, accepted.text
    job = wait_for_job(client, accepted.json()["url"], planner)
    assert job["state"] == "done", job
    assert job["percent"] == 100.0
    assert job["result"]["rows"] == 96

    answer = client.get(job["result_url"], headers=planner)
    assert answer.status_code == 200
    rows = {r["interval_start"]: r for r in answer.json()["rows"]}
    assert len(rows) == 96
    monday_8 = rows["2026-11-23T08:00:00+00:00"]
    assert monday_8["volume"] == pytest.approx(2.0)
    assert monday_8["actual_offered"] == 2
    assert monday_8["actual_aht_s"] == 240.0
    assert rows["2026-11-23T09:00:00+00:00"]["volume"] == pytest.approx(1.0)
    assert rows["2026-11-23T03:00:00+00:00"]["volume"] == pytest.approx(0.0)
    assert rows["2026-11-23T03:00:00+00:00"]["actual_offered"] == 0
    assert {r["run_id"] for r in rows.values()} == {job["job_id"]}

    supervisor = auth("supervisor", teams=["t9"])
    assert client.get(job["result_url"], headers=supervisor).json()["rows"] == []


@pytest.mark.parametrize("country", ["XX", "Narnia", ""])
def test_unknown_holiday_country_is_refused_up_front(
    client: TestClient, auth: KeyFactory, country: str
) -> None:
    body = {"start": "2026-11-23", "days": 1, "country": country}
    answer = client.post("/v1/forecasts", json=body, headers=auth("planner"))
    assert answer.status_code == 422, answer.text
    assert "country" in answer.text


def test_training_without_history_fails_the_job(client: TestClient, auth: KeyFactory) -> None:
    scientist = auth("data_scientist")
    accepted = client.post(
        "/v1/forecasts", json={"start": "2026-11-23", "days": 1}, headers=scientist
    )
    job = wait_for_job(client, accepted.json()["url"], scientist)
    assert job["state"] == "failed"
    assert "no stored contacts" in job["error"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backtest_job_and_registry(client: TestClient, auth: KeyFactory) -> None:
    scientist = auth("data_scientist")
    assert client.post("/v1/contacts", json=_contacts(28), headers=auth("admin")).status_code == 200
    body = {"horizon_days": 7, "folds": 2, "models": ["seasonal_naive", "seasonal_average"]}
    accepted = client.post("/v1/backtests", json=body, headers=scientist)
    assert accepted.status_code == 202
    job = wait_for_job(client, accepted.json()["url"], scientist)
    assert job["state"] == "done", job
    summary = {row["model"]: row for row in job["result"]["summary"]}
    assert summary["seasonal_naive"]["wape"] == pytest.approx(0.0)
    assert set(job["result"]["mlflow_runs"]) == {"seasonal_naive", "seasonal_average"}
    assert {row["fold"] for row in job["result"]["picks"]} == {0, 1}
    assert {row["horizon_day"] for row in job["result"]["coverage_by_horizon"]} == set(range(1, 8))

    every = {
        "horizon_days": 7,
        "min_train_days": 14,
        "models": ["seasonal_naive"],
        "register_as": "bt-winner",
    }
    every_job = wait_for_job(
        client,
        client.post("/v1/backtests", json=every, headers=scientist).json()["url"],
        scientist,
    )
    assert every_job["state"] == "done", every_job["error"]
    assert every_job["result"]["registered_model"] == "seasonal_naive"
    listed = {m["name"]: m for m in client.get("/v1/models", headers=scientist).json()}
    spread = listed["bt-winner"]["versions"][0]["metrics"]
    assert (
        spread["backtest_folds"] == 2 == len({row["fold"] for row in every_job["result"]["picks"]})
    )
    assert spread["backtest_wape_best"] <= spread["backtest_wape_median"]
    assert spread["backtest_wape_median"] <= spread["backtest_wape_worst"]

    train = {
        "start": "2026-11-30",
        "days": 1,
        "model": "seasonal_naive",
        "register_as": "billing-volume",
    }
    trained = wait_for_job(
        client,
        client.post("/v1/forecasts", json=train, headers=scientist).json()["url"],
        scientist,
    )
    assert trained["state"] == "done", trained
    assert trained["result"]["registered_version"] == 1
    promoted = client.post(
        "/v1/models/billing-volume/aliases",
        json={"alias": "champion", "version": 1},
        headers=scientist,
    )
    assert promoted.status_code == 200
    models = client.get("/v1/models", headers=auth("planner")).json()
    aliases = {m["name"]: m["aliases"] for m in models}
    assert aliases == {"billing-volume": {"champion": 1}, "bt-winner": {}}
    missing = client.post(
        "/v1/models/billing-volume/aliases",
        json={"alias": "champion", "version": 9},
        headers=scientist,
    )
    assert missing.status_code == 404
