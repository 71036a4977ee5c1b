"""Jobs sent to a Dask cluster (SEATWISE_DASK_ADDRESS) report progress and results the same way."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator

import pytest
from dask.distributed import LocalCluster
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas.rosters import SCENARIO_EXAMPLE
from api.security import make_key
from api.settings import Settings


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as local:
        yield local


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roster_job_runs_on_dask(database_url: str, cluster: LocalCluster) -> None:
    settings = Settings(database_url=database_url, dask_address=cluster.scheduler_address)
    app = create_app(settings)
    new = make_key()
    with TestClient(app) as client:
        assert app.state.jobs._client is not None
        app.state.service_store.add_key(new.key_id, new.key_hash, "planner", None, [])
        headers = {"Authorization": f"Bearer {new.key}"}
        accepted = client.post(
            "/v1/rosters",
            json=copy.deepcopy(SCENARIO_EXAMPLE),
            headers=headers,
            params={"time_limit_s": 3},
        ).json()
        deadline = time.monotonic() + 30
        job = client.get(accepted["url"], headers=headers).json()
        while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
            job = client.get(accepted["url"], headers=headers).json()
        assert job["state"] == "done", job
        assert job["percent"] == 100.0
        roster = client.get(accepted["result_url"], headers=headers).json()
        assert roster["status"] == "solved"
        assert roster["objective_terms"]["under_coverage"] == 0.0
        assert {r["agent_id"] for r in roster["rows"]} == {"a001"}
