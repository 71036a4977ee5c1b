"""Security headers on every response (pages, API, errors), and the API docs served from the
installed package: ``/docs`` and ``/redoc`` load no CDN and render in a real Chromium with no
network beyond the server and no policy violation."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from api.app import create_app
from api.middleware.headers import CONTENT_SECURITY_POLICY
from api.settings import Settings
from tests.api.conftest import KeyFactory

REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
"""ReDoc's "API docs by Redocly" badge: the one foreign load it tries; the policy blocks it and
the page works without it."""
EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _secured(response: object, policy: str = CONTENT_SECURITY_POLICY) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    for name, value in EXPECTED.items():
        assert headers[name] == value, name
    assert headers["content-security-policy"] == policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-eval" not in policy


def test_every_kind_of_response_carries_the_headers(
    client: TestClient, auth: KeyFactory, tmp_path: Path
) -> None:
    headers = auth("admin")
    answers = [
        client.get("/"),
        client.get("/dashboard/forecast"),
        client.get("/static/app.js"),
        client.get("/static/plotly.min.js"),
        client.get("/healthz"),
        client.get("/openapi.json"),
        client.get("/v1/me", headers=headers),
        client.get("/v1/me"),
        client.get(
            "/v1/intervals?start=0001-01-01T00:00:00Z&end=2026-01-01T00:00:00Z", headers=headers
        ),
        client.get("/no/such/page"),
        client.get("/static/app.js%00.js"),
        client.post("/v1/staffing", content="[" * 100 + "]" * 100, headers=headers),
        client.post(
            "/v1/contacts", content=b"[" + b" " * (6 * 1024 * 1024) + b"]", headers=headers
        ),
    ]
    assert [a.status_code for a in answers] == [
        200,
        200,
        200,
        200,
        200,
        200,
        200,
        401,
        422,
        404,
        404,
        422,
        413,
    ]
    for answer in answers:
        _secured(answer)


def test_docs_pages_use_only_local_assets(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        assert "cdn" not in page.text.lower() and "https://" not in page.text
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        for source in sources:
            asset = client.get(source)
            assert asset.status_code == 200, source
            assert len(asset.content) > 1000
            _secured(asset)
        scripts = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
        digests = [
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in scripts
        ]
        policy = page.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self'")
        for digest in digests:
            assert digest in policy
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert client.get("/docs/assets/../../settings.py").status_code == 404
    assert client.get("/docs/assets/core.py").status_code == 404


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def docs_server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn server over an empty SQLite store; yields its base URL."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'seatwise.db'}",
        mlflow_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
        job_workers=1,
    )
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id^='tag/']")],
)
def test_docs_render_offline_under_the_policy(
    browser: Browser,  # noqa: F811
    docs_server: str,
    path: str,
    rendered: str,
) -> None:
    context = browser.new_context()
    foreign: list[str] = []
    problems: list[str] = []

    def route(request: object) -> None:
        url = request.request.url  # type: ignore[attr-defined]
        if url.startswith(docs_server) or url.startswith(("data:", "blob:")):
            request.continue_()  # type: ignore[attr-defined]
        else:
            foreign.append(url)
            request.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            problems.append(m.text) if m.type == "error" and REDOC_LOGO not in m.text else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(docs_server + path)
    page.wait_for_selector(rendered, timeout=30_000)
    context.close()
    assert set(foreign) <= {REDOC_LOGO}
    assert problems == []
