"""Jobs are checked when they are submitted: unknown models, queues that are not stored, bad
registered names and backtests past their work bounds are refused with 422 naming the field,
and no job is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.services.job_checks import (
    MAX_BACKTEST_FITS,
    MAX_BACKTEST_TEST_DAYS,
    check_backtest_work,
    implied_folds,
)
from features.errors import InvalidInput
from forecasting.names import FORECASTER_NAMES
from forecasting.selection import FORECASTERS
from tests.api.test_api_capacity import _scenario as capacity_scenario

KeyFactory = Callable[..., dict[str, str]]


def _contacts(days: int) -> list[dict[str, Any]]:
    """One billing contact at 09:00 UTC on each of `days` days from 2026-09-01."""
    rows = []
    for n in range(days):
        day = f"2026-{9 + (n >= 30):02d}-{n % 30 + 1:02d}"
        rows.append(
            {
                "contact_id": f"c{n}",
                "queue": "billing",
                "arrived_at": f"{day}T09:00:00Z",
                "answered_at": f"{day}T09:00:10Z",
                "ended_at": f"{day}T09:04:10Z",
                "handle_s": 240,
            }
        )
    return rows


def _fields(answer: Any) -> set[str]:
    return {d["field"] for d in answer.json()["detail"]}


def _no_jobs(client: TestClient, admin: dict[str, str]) -> None:
    listing = client.get("/v1/jobs", headers=admin)
    assert listing.status_code == 200, listing.text
    assert listing.json()["jobs"] == []


def test_forecaster_names_are_the_registry(database_url: str) -> None:
    assert tuple(FORECASTERS) == FORECASTER_NAMES
    assert all(cls.name == name for name, cls in FORECASTERS.items())


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "model": "bogus"}, "model"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "queues": ["nowhere"]}, "queues[0]"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "queues": []}, "queues"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 63}, "days"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "register_as": "a b/c"}, "register_as"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "register_as": ""}, "register_as"),
    ("/v1/forecasts", {"start": "0001-01-01", "days": 1}, "start"),
    ("/v1/forecasts", {"start": "9999-12-01", "days": 62}, "start"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "queues": ["a\u0000b"]}, "queues"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1, "queues": ["q" * 101]}, "queues"),
    (
        "/v1/forecasts",
        {"start": "2026-11-23", "days": 1, "history_start": "0001-01-01T00:00:00Z"},
        "history_start",
    ),
    (
        "/v1/forecasts",
        {
            "start": "2026-11-23",
            "days": 1,
            "history_start": "2026-11-01T00:00:00+01:00",
            "history_end": "2026-10-31T23:00:00Z",
        },
        "history_end",
    ),
    ("/v1/backtests", {"horizon_days": 7, "folds": 2, "models": ["bogus"]}, "models"),
    ("/v1/backtests", {"horizon_days": 7, "folds": 2, "models": ["ets", "ets"]}, "models"),
    ("/v1/backtests", {"horizon_days": 7, "folds": 2, "models": []}, "models"),
    ("/v1/backtests", {"horizon_days": 62, "folds": 52}, "folds"),
    ("/v1/backtests", {"horizon_days": 7, "folds": 2, "queues": ["billing", "x"]}, "queues[1]"),
    ("/v1/backtests", {"horizon_days": 7, "folds": 2, "register_as": "-x"}, "register_as"),
    ("/v1/backtests", {"horizon_days": 63, "folds": 2}, "horizon_days"),
    ("/v1/plans", {"week_start": "2026-12-07", "model": "bogus"}, "model"),
    ("/v1/plans", {"week_start": "2026-12-07", "queues": ["nowhere"]}, "queues[0]"),
    ("/v1/plans", {"week_start": "9999-12-27"}, "week_start"),
    ("/v1/plans", {"week_start": "2026-12-07", "time_limit_s": True}, "time_limit_s"),
    ("/v1/plans", {"week_start": "2026-12-07", "seed": "3"}, "seed"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": True}, "days"),
    ("/v1/forecasts", {"start": "2026-11-23", "days": 1.5}, "days"),
    ("/v1/backtests", {"horizon_days": 7, "folds": True}, "folds"),
    ("/v1/backtests", {"horizon_days": "7", "folds": 2}, "horizon_days"),
]


@pytest.mark.parametrize(("path", "body", "field"), REFUSED)
def test_bad_job_parameters_are_refused_and_nothing_is_queued(
    client: TestClient, auth: KeyFactory, path: str, body: dict[str, Any], field: str
) -> None:
    admin = auth("admin")
    assert client.post("/v1/contacts", json=_contacts(3), headers=admin).status_code == 200
    answer = client.post(path, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert field in _fields(answer), answer.text
    _no_jobs(client, admin)


def test_every_origin_backtest_is_bounded_by_the_stored_history(
    client: TestClient, auth: KeyFactory
) -> None:
    admin = auth("admin")
    assert client.post("/v1/contacts", json=_contacts(60), headers=admin).status_code == 200
    body = {"horizon_days": 1, "min_train_days": 7, "models": list(FORECASTER_NAMES)}
    answer = client.post("/v1/backtests", json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert [d["field"] for d in detail] == ["folds"]
    assert detail[0]["value"] == implied_folds(60, 1, 7) == 53
    assert "every origin" in detail[0]["rule"]
    _no_jobs(client, admin)
    fewer = {**body, "models": ["seasonal_naive"]}
    accepted = client.post("/v1/backtests", json=fewer, headers=admin)
    assert accepted.status_code == 202, accepted.text


def test_a_known_model_and_stored_queue_are_accepted(client: TestClient, auth: KeyFactory) -> None:
    planner = auth("planner")
    assert client.post("/v1/contacts", json=_contacts(3), headers=planner).status_code == 200
    for name in FORECASTER_NAMES:
        body = {"start": "2026-11-23", "days": 1, "model": name, "queues": ["billing"]}
        answer = client.post("/v1/forecasts", json=body, headers=planner)
        assert answer.status_code == 202, (name, answer.text)
    assert len(client.get("/v1/jobs", headers=planner).json()["jobs"]) == len(FORECASTER_NAMES)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backtest_work_bounds(database_url: str) -> None:
    check_backtest_work(52, 7, 3, 28, 0)
    with pytest.raises(InvalidInput) as fold_days:
        check_backtest_work(MAX_BACKTEST_TEST_DAYS // 10 + 1, 10, 1, 28, 0)
    assert [e.field for e in fold_days.value.errors] == ["folds"]
    with pytest.raises(InvalidInput) as fits:
        check_backtest_work(MAX_BACKTEST_FITS // 2 + 1, 1, 2, 28, 0)
    assert "folds × models" in fits.value.errors[0].rule
    check_backtest_work(None, 7, 3, 28, 10)
    assert implied_folds(10, 7, 28) == 0


def test_capacity_plans_need_stored_contacts_for_every_queue(
    client: TestClient, auth: KeyFactory
) -> None:
    admin = auth("admin")
    assert client.post("/v1/contacts", json=_contacts(3), headers=admin).status_code == 200
    scenario = capacity_scenario()
    scenario["queues"] = {"billing": {"aht_s": 300}, "nowhere": {"aht_s": 240}}
    scenario["hiring"]["profiles"] = scenario["hiring"]["profiles"][:1]
    answer = client.post("/v1/capacity-plans", json=scenario, headers=admin)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == {"queues.nowhere"}
    scenario["queues"] = {"billing": {"aht_s": 300}}
    scenario["history"]["queues"] = ["billing", "elsewhere"]
    answer = client.post("/v1/capacity-plans", json=scenario, headers=admin)
    assert answer.status_code == 422, answer.text
    assert _fields(answer) == {"history.queues[1]"}
    _no_jobs(client, admin)
