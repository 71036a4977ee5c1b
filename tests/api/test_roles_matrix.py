"""Every endpoint × every role: 401 without a key, 403 for roles outside its ``x-roles``, and
never a role refusal for the roles it declares.

The endpoints are walked from the app's OpenAPI document, which FastAPI builds from every
route of the app (this FastAPI keeps included routers as lazy branches of ``app.routes``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.security import ROLES

KeyFactory = Callable[..., dict[str, str]]

ROLE_REFUSAL = "may not call this endpoint"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_operation_declares_roles(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) >= 18
    undeclared = [f"{m} {p}" for m, p, op in operations if "x-roles" not in op]
    assert undeclared == []
    for method, path, operation in operations:
        assert set(operation["x-roles"]) <= set(ROLES), (method, path)
        if operation["x-roles"]:
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
            assert "admin" in operation["x-roles"], (method, path)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roles_matrix(client: TestClient, auth: KeyFactory) -> None:
    keys = {
        role: auth(
            role,
            agent_id="a1" if role == "agent" else None,
            teams=["t1"] if role == "supervisor" else None,
        )
        for role in ROLES
    }
    checked = 0
    problems: list[str] = []
    for method, template, operation in _operations(client):
        allowed = set(operation["x-roles"])
        path = _concrete(template)
        anonymous = client.request(method, path)
        if not allowed:
            if anonymous.status_code in (401, 403):
                problems.append(f"{method} {path}: public yet {anonymous.status_code}")
            continue
        if anonymous.status_code != 401:
            problems.append(f"{method} {path}: no key gave {anonymous.status_code}")
        for role, headers in keys.items():
            answer = client.request(method, path, headers=headers)
            refused = answer.status_code == 403 and ROLE_REFUSAL in answer.text
            checked += 1
            if role in allowed and (refused or answer.status_code == 401):
                problems.append(f"{method} {path}: {role} refused ({answer.status_code})")
            if role not in allowed and not refused:
                problems.append(f"{method} {path}: {role} admitted ({answer.status_code})")
    assert problems == []
    assert checked >= 16 * len(ROLES)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_declared_scopes_of_agents_and_routing(client: TestClient) -> None:
    roles = {f"{m} {p}": set(op["x-roles"]) for m, p, op in _operations(client)}
    agent_ops = {name for name, allowed in roles.items() if "agent" in allowed}
    assert {"GET /v1/agents/{agent_id}/schedule", "GET /v1/kpis"} <= agent_ops
    assert "POST /v1/rosters" not in agent_ops
    routing_ops = {name for name, allowed in roles.items() if "routing" in allowed}
    assert routing_ops - {"GET /v1/me"}
    assert all(" /v1/routing/" in name for name in routing_ops - {"GET /v1/me"})
