"""Request limits: bodies past ``SEATWISE_MAX_BODY_BYTES`` are 413 with a JSON error (declared or
streamed), paths with control characters are 404, and days or instants outside 1970-2200 in the
query of adherence, reforecast, recommendations, anomalies and intervals are 422 naming the
parameter (SQLite and PostgreSQL; the store is unchanged)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import make_key
from api.settings import DEFAULT_MAX_BODY_BYTES, Settings

LIMIT = 4096
"""The body limit of the small app, bytes."""


def _contacts(count: int, start: int = 0) -> list[dict[str, object]]:
    return [
        {
            "contact_id": f"c{i:06d}",
            "queue": "billing",
            "arrived_at": "2026-11-30T08:00:00Z",
            "talk_s": 100,
        }
        for i in range(start, start + count)
    ]


@pytest.fixture
def small(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """An app that reads bodies of at most :data:`LIMIT` bytes, and an admin's header."""
    settings = Settings(
        database_url=database_url,
        mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        max_body_bytes=LIMIT,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        key = make_key()
        app.state.service_store.add_key(key.key_id, key.key_hash, "admin", None, [])
        yield client, {"Authorization": f"Bearer {key.key}"}


def _count(client: TestClient) -> int:
    return int(client.app.state.store.counts()["contacts"])  # type: ignore[attr-defined]


def _too_large(response: object) -> None:
    assert response.status_code == 413, response.text  # type: ignore[attr-defined]
    detail = json.loads(response.text)["detail"]  # type: ignore[attr-defined]
    assert detail[0]["field"] == "body"
    assert f"at most {LIMIT:,} bytes" in detail[0]["rule"]


def test_a_body_within_the_limit_is_read(small: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = small
    rows = _contacts(20)
    assert len(json.dumps(rows)) < LIMIT
    response = client.post("/v1/contacts", json=rows, headers=headers)
    assert response.status_code == 200, response.text
    assert _count(client) == 20


def test_a_declared_large_body_is_413(small: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = small
    rows = _contacts(200)
    assert len(json.dumps(rows)) > LIMIT
    _too_large(client.post("/v1/contacts", json=rows, headers=headers))
    _too_large(
        client.post(
            "/v1/contacts",
            content="contact_id,queue,arrived_at\n" + "c1,billing,2026-11-30T08:00:00Z\n" * 200,
            headers={**headers, "content-type": "text/csv"},
        )
    )
    _too_large(client.post("/v1/staffing", content=b"{" + b" " * LIMIT + b"}", headers=headers))
    assert _count(client) == 0


def test_a_streamed_large_body_is_413(small: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = small

    def chunks() -> Iterator[bytes]:
        text = json.dumps(_contacts(200)).encode()
        for at in range(0, len(text), 1000):
            yield text[at : at + 1000]

    response = client.post(
        "/v1/contacts", content=chunks(), headers={**headers, "content-type": "application/json"}
    )
    _too_large(response)
    assert _count(client) == 0


def test_the_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEATWISE_MAX_BODY_BYTES", "65536")
    assert Settings().max_body_bytes == 65536
    monkeypatch.delenv("SEATWISE_MAX_BODY_BYTES")
    assert Settings().max_body_bytes == DEFAULT_MAX_BODY_BYTES


def test_ten_megabytes_are_refused_by_default(client: TestClient, auth: object) -> None:
    headers = auth("admin")  # type: ignore[operator]
    body = json.dumps(_contacts(1)).encode()[:-1] + b"," + b" " * (10 * 1000 * 1000) + b"]"
    response = client.post(
        "/v1/contacts", content=body, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert json.loads(response.text)["detail"][0]["field"] == "body"
    assert client.app.state.store.counts()["contacts"] == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/static/app.js%00.js", "/static/%00", "/v1/agents/a%00b"])
def test_paths_with_control_characters_are_404(
    small: tuple[TestClient, dict[str, str]], path: str
) -> None:
    client, headers = small
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    assert json.loads(response.text)["detail"] == "no such resource"
    assert client.get("/static/app.js").status_code == 200


DAY_ROUTES = ["/v1/adherence", "/v1/forecasts/reforecast", "/v1/recommendations"]
RANGE_ROUTES = ["/v1/anomalies", "/v1/intervals", "/v1/kpis?level=center&"]


@pytest.mark.parametrize("route", DAY_ROUTES)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31", "2200-01-01"])
def test_days_outside_the_window_are_422_naming_the_parameter(
    small: tuple[TestClient, dict[str, str]], route: str, day: str
) -> None:
    client, headers = small
    response = client.get(f"{route}?date={day}", headers=headers)
    assert response.status_code == 422, response.text
    detail = json.loads(response.text)["detail"]
    assert [item["field"] for item in detail] == ["date"]
    assert "1970-01-02 and 2199-12-30" in detail[0]["rule"]


@pytest.mark.parametrize("day", ["1970-01-02", "2199-12-30"])
def test_days_at_the_edges_of_the_window_are_answered(
    small: tuple[TestClient, dict[str, str]], day: str
) -> None:
    client, headers = small
    response = client.get(f"/v1/adherence?date={day}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["agents"] == []


@pytest.mark.parametrize("route", RANGE_ROUTES)
@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("0001-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "start"),
        ("2026-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "end"),
        ("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z", "start"),
    ],
)
def test_instants_outside_the_window_are_422_naming_the_parameter(
    small: tuple[TestClient, dict[str, str]], route: str, start: str, end: str, field: str
) -> None:
    client, headers = small
    glue = "" if route.endswith("&") else "?"
    response = client.get(f"{route}{glue}start={start}&end={end}", headers=headers)
    assert response.status_code == 422, response.text
    detail = json.loads(response.text)["detail"]
    assert field in [item["field"] for item in detail]
    assert _count(client) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/v1/forecasts/reforecast?date=2026-11-30&high_bound=inf", "high_bound"),
        (
            "/v1/anomalies?start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z&threshold=Infinity",
            "threshold",
        ),
        ("/v1/adherence?date=2026-11-30&grace_minutes=NaN", "grace_minutes"),
        ("/v1/recommendations?date=2026-11-30&threshold_s=-inf", "threshold_s"),
        (
            "/v1/intervals?start=2026-11-30T00:00:00Z&end=2026-12-01T00:00:00Z&threshold_s=+inf",
            "threshold_s",
        ),
    ],
)
def test_non_finite_query_numbers_are_422_naming_the_parameter(
    small: tuple[TestClient, dict[str, str]], query: str, field: str
) -> None:
    client, headers = small
    response = client.get(query, headers=headers)
    assert response.status_code == 422, response.text
    detail = json.loads(response.text)["detail"]
    assert [item["field"] for item in detail] == [field]
    assert "finite" in detail[0]["rule"]
    assert _count(client) == 0
