"""Bad input of every class is refused with a 4xx whose body is valid JSON naming the field, and
the store is left as it was (SQLite and PostgreSQL): NaN/Infinity anywhere in a JSON body,
numbers beyond any column, booleans for numbers, objects for text, NUL bytes, text longer than
its column, instants outside 1970-2200, repeated CSV headers, deep JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import KeyFactory

GOOD_CONTACT = {
    "contact_id": "c-good",
    "queue": "billing",
    "arrived_at": "2026-11-30T08:00:00Z",
    "answered_at": "2026-11-30T08:00:20Z",
    "ended_at": "2026-11-30T08:05:00Z",
    "talk_s": 240,
    "agent_id": "a001",
}
GOOD_STATE = {
    "agent_id": "a001",
    "state": "available",
    "started_at": "2026-11-30T08:00:00Z",
    "ended_at": "2026-11-30T09:00:00Z",
}
GOOD_AGENT = {"agent_id": "a001", "name": "Ada Quinn", "team": "t1", "skills": {"billing": 4}}


def _strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"error body holds {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def _snapshot(client: TestClient) -> dict[str, Any]:
    store = client.app.state.store  # type: ignore[attr-defined]
    return {
        "counts": store.counts(),
        "contacts": store.read_contacts().to_json(orient="records", date_format="iso"),
        "agents": store.read_agents().to_json(orient="records"),
    }


@pytest.fixture
def seeded(client: TestClient, auth: KeyFactory) -> tuple[TestClient, dict[str, str]]:
    """A store with one contact, one agent state and one agent; an admin's header."""
    headers = auth("admin")
    assert client.put("/v1/agents", json=[GOOD_AGENT], headers=headers).status_code == 200
    assert client.post("/v1/contacts", json=[GOOD_CONTACT], headers=headers).status_code == 200
    assert client.post("/v1/agent-states", json=[GOOD_STATE], headers=headers).status_code == 200
    return client, headers


def _refused(
    client: TestClient, response: Any, before: dict[str, Any], field: str, status: int = 422
) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    detail = _strict(response.text)["detail"]
    assert any(item["field"] == field for item in detail), detail
    assert _snapshot(client) == before
    return list(detail)


NON_FINITE_BODIES = [
    ("POST", "/v1/contacts", f'[{json.dumps(GOOD_CONTACT)[:-1]}, "talk_s": NaN}}]', "talk_s"),
    ("POST", "/v1/contacts", f'[{json.dumps(GOOD_CONTACT)[:-1]}, "csat": -Infinity}}]', "csat"),
    ("POST", "/v1/agent-states", '[{"agent_id": NaN, "state": "available"}]', "agent_id"),
    (
        "PUT",
        "/v1/agents",
        '[{"agent_id": "a002", "skills": {"billing": 3}, "contract": {"min_hours": NaN}}]',
        "contract.min_hours",
    ),
    (
        "PUT",
        "/v1/agents",
        '[{"agent_id": "a002", "skills": {"billing": 3}, "preferences": {"x": [1, Infinity]}}]',
        "preferences.x",
    ),
    (
        "POST",
        "/v1/staffing",
        '{"forecast": [{"queue": "billing", "interval_start": "2026-11-30T08:00:00Z",'
        ' "volume": NaN, "aht_s": 300}]}',
        "forecast.volume",
    ),
    (
        "POST",
        "/v1/staffing",
        '{"forecast": [{"queue": "billing", "interval_start": "2026-11-30T08:00:00Z",'
        ' "volume": 1e400, "aht_s": 300}]}',
        "forecast.volume",
    ),
    (
        "POST",
        "/v1/staffing",
        '{"forecast": [{"queue": "billing", "interval_start": "2026-11-30T08:00:00Z",'
        ' "volume": 10}], "targets": {"threshold_s": Infinity}}',
        "targets.threshold_s",
    ),
    (
        "POST",
        "/v1/routing/assign",
        '{"contacts": [{"contact_id": "c1", "queue": "billing", "wait_s": Infinity}],'
        ' "agents": [{"agent_id": "a001"}]}',
        "contacts.wait_s",
    ),
    (
        "POST",
        "/v1/routing/assign",
        '{"contacts": [], "agents": [{"agent_id": "a001", "idle_s": NaN}]}',
        "agents.idle_s",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NON_FINITE_BODIES)
def test_nan_and_infinity_anywhere_are_422_with_a_json_body(
    seeded: tuple[TestClient, dict[str, str]], method: str, path: str, body: str, field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    response = client.request(
        method, path, content=body, headers={**headers, "content-type": "application/json"}
    )
    detail = _refused(client, response, before, field)
    assert any("finite" in item["rule"] for item in detail if item["field"] == field)


CONTACT_CASES = [
    ({"transfers": 1e20}, "transfers"),
    ({"transfers": 2**63}, "transfers"),
    ({"csat": 2**63}, "csat"),
    ({"csat": 2**64}, "csat"),
    ({"talk_s": 10**400}, "talk_s"),
    ({"talk_s": 1e300}, "talk_s"),
    ({"talk_s": True}, "talk_s"),
    ({"hold_s": "false"}, "hold_s"),
    ({"queue": {"a": 1}}, "queue"),
    ({"queue": ["billing"]}, "queue"),
    ({"agent_id": {"id": "a001"}}, "agent_id"),
    ({"contact_id": "c\x00nul"}, "contact_id"),
    ({"queue": "bil\x00ling"}, "queue"),
    ({"contact_id": "c" * 201}, "contact_id"),
    ({"queue": "q" * 101}, "queue"),
    ({"agent_id": "a" * 101}, "agent_id"),
    ({"channel": "v" * 500}, "channel"),
    ({"arrived_at": "9999-12-31T00:00:00Z"}, "arrived_at"),
    ({"arrived_at": "0001-01-01T00:00:00Z"}, "arrived_at"),
    ({"arrived_at": "2062-01-01T00:00:00Z"}, "arrived_at"),
    ({"ended_at": "9999-12-31T23:59:59Z"}, "ended_at"),
    ({"abandoned": 2}, "abandoned"),
]


@pytest.mark.parametrize(("change", "field"), CONTACT_CASES)
def test_implausible_contacts_as_json_are_refused(
    seeded: tuple[TestClient, dict[str, str]], change: dict[str, Any], field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    row = {**GOOD_CONTACT, "contact_id": "c-new", **change}
    fine = {**GOOD_CONTACT, "contact_id": "c-fine"}
    body = json.dumps([fine, row])
    response = client.post(
        "/v1/contacts", content=body, headers={**headers, "content-type": "application/json"}
    )
    detail = _refused(client, response, before, field)
    assert {item["row"] for item in detail if item["field"] == field} == {1}


CSV_CASES = [
    ("transfers", "1e20"),
    ("csat", "9223372036854775808"),
    ("talk_s", "true"),
    ("talk_s", "NaN"),
    ("talk_s", "Infinity"),
    ("queue", "q" * 101),
    ("agent_id", "a" * 101),
    ("arrived_at", "9999-12-31T00:00:00Z"),
]


@pytest.mark.parametrize(("field", "cell"), CSV_CASES)
def test_implausible_contacts_as_csv_are_refused(
    seeded: tuple[TestClient, dict[str, str]], field: str, cell: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    columns = list(GOOD_CONTACT) + (["transfers", "csat"] if field in ("transfers", "csat") else [])
    row = {**GOOD_CONTACT, "contact_id": "c-new", "transfers": "", "csat": "", field: cell}
    text = ",".join(columns) + "\n" + ",".join(str(row[c]) for c in columns) + "\n"
    response = client.post(
        "/v1/contacts", content=text, headers={**headers, "content-type": "text/csv"}
    )
    _refused(client, response, before, field)


def test_nul_byte_in_a_csv_body_is_refused(seeded: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = seeded
    before = _snapshot(client)
    text = "contact_id,queue,arrived_at\nc-nul,bill\x00ing,2026-11-30T08:00:00Z\n"
    response = client.post(
        "/v1/contacts", content=text, headers={**headers, "content-type": "text/csv"}
    )
    _refused(client, response, before, "queue")


@pytest.mark.parametrize("path", ["/v1/contacts", "/v1/agent-states"])
def test_a_repeated_csv_header_is_refused(
    seeded: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    if path == "/v1/contacts":
        text = "contact_id,queue,arrived_at,queue\nc-dup,billing,2026-11-30T08:00:00Z,sales\n"
        field = "queue"
    else:
        text = (
            "agent_id,state,started_at,ended_at,state\n"
            "a001,available,2026-11-30T10:00:00Z,2026-11-30T11:00:00Z,break\n"
        )
        field = "state"
    response = client.post(path, content=text, headers={**headers, "content-type": "text/csv"})
    _refused(client, response, before, field)


STATE_CASES = [
    ({"ended_at": "9999-12-31T00:00:00Z"}, "ended_at"),
    ({"started_at": "0001-01-01T00:00:00Z"}, "started_at"),
    ({"agent_id": "a" * 101}, "agent_id"),
    ({"agent_id": "a\x00"}, "agent_id"),
    ({"state": {"a": 1}}, "state"),
    ({"agent_id": True}, "agent_id"),
]


@pytest.mark.parametrize(("change", "field"), STATE_CASES)
def test_implausible_agent_states_are_refused(
    seeded: tuple[TestClient, dict[str, str]], change: dict[str, Any], field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    counts = before["counts"]["agent_states"]
    row = {**GOOD_STATE, "started_at": "2026-11-30T10:00:00Z", "ended_at": "2026-11-30T11:00:00Z"}
    response = client.post("/v1/agent-states", json=[{**row, **change}], headers=headers)
    _refused(client, response, before, field)
    assert client.app.state.store.counts()["agent_states"] == counts  # type: ignore[attr-defined]


AGENT_CASES = [
    ({"agent_id": "a" * 101}, "agent_id"),
    ({"name": "n" * 101}, "name"),
    ({"team": "t\x00"}, "team"),
    ({"name": {"first": "Ada"}}, "name"),
    ({"skills": {"billing": True}}, "skills.billing"),
    ({"skills": {"billing": 2**63}}, "skills"),
    ({"contract": {"max_days": 2**63}}, "contract.max_days"),
    ({"contract": {"min_hours": True}}, "contract.min_hours"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
]


@pytest.mark.parametrize(("change", "field"), AGENT_CASES)
def test_implausible_agents_are_refused(
    seeded: tuple[TestClient, dict[str, str]], change: dict[str, Any], field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    rows = [{**GOOD_AGENT, "name": "Bea Rowe"}, {**GOOD_AGENT, "agent_id": "a002", **change}]
    response = client.put("/v1/agents", json=rows, headers=headers)
    detail = _refused(client, response, before, field)
    assert "Bea Rowe" not in response.text
    assert {item["row"] for item in detail if item["field"] == field} == {1}


@pytest.mark.parametrize("depth", [33, 2_000, 200_000])
def test_deep_json_is_422_not_a_recursion_error(
    seeded: tuple[TestClient, dict[str, str]], depth: int
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    body = "[" * depth + "]" * depth
    for method, path in (("POST", "/v1/contacts"), ("POST", "/v1/staffing"), ("PUT", "/v1/agents")):
        response = client.request(
            method, path, content=body, headers={**headers, "content-type": "application/json"}
        )
        detail = _refused(client, response, before, "body")
        assert "deeper than 32" in detail[0]["rule"]


def test_json_as_deep_as_allowed_reaches_the_route(
    seeded: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = seeded
    body = "[" * 32 + "]" * 32
    response = client.post(
        "/v1/contacts", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert _strict(response.text)["detail"][0]["rule"] == "must be a JSON object"


def test_text_that_looks_like_nan_inside_strings_is_fine(
    seeded: tuple[TestClient, dict[str, str]],
) -> None:
    client, headers = seeded
    row = {**GOOD_CONTACT, "contact_id": 'NaN-Infinity-1e999-"[[[', "queue": "NaN"}
    response = client.post("/v1/contacts", json=[row], headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 1


NUL_BODIES = [
    ("PUT", "/v1/agents", [{**GOOD_AGENT, "agent_id": "a002", "skills": {"bil\x00": 3}}], "skills"),
    ("PUT", "/v1/agents", [{**GOOD_AGENT, "agent_id": "a002", "name": "Ada\x00"}], "name"),
    (
        "POST",
        "/v1/staffing",
        {"forecast": [{"queue": "b\x00", "interval_start": "2026-11-30T08:00:00Z", "volume": 3}]},
        "forecast.queue",
    ),
    (
        "POST",
        "/v1/routing/assign",
        {"contacts": [{"contact_id": "c\x00", "queue": "billing", "wait_s": 3}], "agents": []},
        "contacts.contact_id",
    ),
    ("POST", "/v1/agent-states", [{**GOOD_STATE, "state": "available\x00"}], "state"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), NUL_BODIES)
def test_nul_in_any_json_text_is_422_naming_the_field(
    seeded: tuple[TestClient, dict[str, str]], method: str, path: str, body: Any, field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    response = client.request(method, path, json=body, headers=headers)
    detail = _refused(client, response, before, field)
    assert any("NUL" in item["rule"] for item in detail)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/v1/schedules?start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z&team=t%00", "team"),
        ("/v1/kpis?level=team&id=t1%00&start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z", "id"),
        (
            "/v1/intervals?queue=bill%00ing&start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z",
            "queue",
        ),
        ("/v1/adherence?date=2026-11-30&agent_id=a%00", "agent_id"),
    ],
)
def test_nul_in_a_query_parameter_is_422_naming_it(
    seeded: tuple[TestClient, dict[str, str]], query: str, field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    _refused(client, client.get(query, headers=headers), before, field)


REPEATED_KEYS = [
    (
        "POST",
        "/v1/contacts",
        '[{"contact_id": "c-2", "queue": "billing", "queue": "sales"}]',
        "queue",
    ),
    (
        "POST",
        "/v1/staffing",
        '{"forecast": [{"queue": "b", "interval_start": "2026-11-30T08:00:00Z",'
        ' "volume": 3, "volume": 300}]}',
        "forecast.volume",
    ),
    ("PUT", "/v1/agents", '[{"agent_id": "a002", "skills": {"b": 3, "b": 5}}]', "skills.b"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), REPEATED_KEYS)
def test_a_key_given_twice_in_one_object_is_422_naming_it(
    seeded: tuple[TestClient, dict[str, str]], method: str, path: str, body: str, field: str
) -> None:
    client, headers = seeded
    before = _snapshot(client)
    response = client.request(
        method, path, content=body, headers={**headers, "content-type": "application/json"}
    )
    detail = _refused(client, response, before, field)
    assert any("more than once" in item["rule"] for item in detail)
