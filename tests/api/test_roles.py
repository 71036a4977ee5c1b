"""The resource → roles table: complete, valid, and what each route declares."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.roles import ADMITTED, Resource, admitted
from api.security import ROLES


def test_every_resource_admits_known_roles_and_admin() -> None:
    assert set(ADMITTED) == set(Resource)
    for resource, roles in ADMITTED.items():
        assert set(roles) <= set(ROLES), resource
        assert "admin" in roles, resource
        assert len(set(roles)) == len(roles), resource


def test_table_rows() -> None:
    assert admitted(Resource.ROUTING) == ("admin", "routing")
    assert admitted(Resource.ROSTERS_PLAN) == ("admin", "planner")
    assert admitted(Resource.STAFFING_COMPUTE) == ("admin", "planner", "supervisor")
    assert admitted(Resource.AGENT_SCHEDULE_READ) == ("admin", "planner", "supervisor", "agent")
    assert admitted(Resource.ALERT_DELIVERIES_READ) == ("admin",)
    assert admitted(Resource.ME_READ) == ROLES


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_routes_declare_the_roles_of_their_resource(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    declared = {
        f"{method.upper()} {path}": tuple(operation["x-roles"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    assert declared["POST /v1/rosters"] == admitted(Resource.ROSTERS_PLAN)
    assert declared["POST /v1/rosters/{roster_id}/publish"] == admitted(Resource.ROSTERS_PLAN)
    assert declared["GET /v1/schedules"] == admitted(Resource.ROSTERS_READ)
    assert declared["GET /v1/forecasts/reforecast"] == admitted(Resource.FORECASTS_READ)
    assert declared["GET /v1/anomalies"] == admitted(Resource.FORECASTS_READ)
    assert declared["POST /v1/routing/assign"] == admitted(Resource.ROUTING)
    assert declared["GET /v1/me"] == ROLES
    assert declared["GET /healthz"] == ()
    used = set(declared.values()) - {()}
    assert used == {admitted(r) for r in Resource}
