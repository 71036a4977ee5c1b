"""Overload shedding and request timeouts: 503 with Retry-After at once, probes never refused."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.middleware.shedding import SheddingMiddleware
from api.settings import Settings


def _app(max_in_flight: int, timeout_s: float, release: threading.Event) -> FastAPI:
    app = FastAPI()
    app.add_middleware(
        SheddingMiddleware,  # type: ignore[arg-type]
        max_in_flight=max_in_flight,
        timeout_s=timeout_s,
        retry_after_s=7,
    )

    @app.get("/slow")
    async def slow() -> dict[str, bool]:
        while not release.is_set():
            await asyncio.sleep(0.01)
        return {"ok": True}

    @app.get("/blocking")
    def blocking() -> dict[str, bool]:
        release.wait(10)
        return {"ok": True}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _middleware(app: FastAPI) -> SheddingMiddleware:
    layer = app.middleware_stack
    while not isinstance(layer, SheddingMiddleware):
        layer = layer.app  # type: ignore[union-attr]
    return layer


def run_in_own_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to the end in a fresh event loop on its own thread (the session's
    Playwright keeps a loop running on the main thread), re-raising what it raised."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def test_requests_past_the_bound_are_shed_with_retry_after_and_probes_pass() -> None:
    release = threading.Event()
    app = _app(max_in_flight=2, timeout_s=30, release=release)

    async def scenario() -> None:
        async with _client(app) as client:
            held = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
            await asyncio.sleep(0.1)
            started = time.perf_counter()
            shed = await client.get("/slow")
            assert time.perf_counter() - started < 0.5
            assert shed.status_code == 503
            assert shed.headers["retry-after"] == "7"
            assert "overloaded" in shed.json()["detail"]
            probe = await client.get("/healthz")
            assert probe.status_code == 200
            assert _middleware(app).in_flight == 2
            release.set()
            assert [r.status_code for r in await asyncio.gather(*held)] == [200, 200]
            assert (await client.get("/slow")).status_code == 200
            assert _middleware(app).in_flight == 0
            assert _middleware(app).shed == 1

    run_in_own_loop(scenario)


def test_a_request_past_its_deadline_is_answered_503_and_keeps_its_slot() -> None:
    release = threading.Event()
    app = _app(max_in_flight=1, timeout_s=0.2, release=release)

    async def scenario() -> None:
        async with _client(app) as client:
            started = time.perf_counter()
            late = await client.get("/blocking")
            assert 0.15 < time.perf_counter() - started < 2.0
            assert late.status_code == 503
            assert late.headers["retry-after"] == "7"
            assert "timed out after 0.2 s" in late.json()["detail"]
            # The thread still works on the abandoned request: it still holds the one slot.
            assert _middleware(app).in_flight == 1
            assert (await client.get("/blocking")).status_code == 503
            assert (await client.get("/healthz")).status_code == 200
            release.set()
            for _ in range(100):
                if _middleware(app).in_flight == 0:
                    break
                await asyncio.sleep(0.02)
            assert _middleware(app).in_flight == 0
            assert (await client.get("/blocking")).status_code == 200
            assert _middleware(app).timed_out == 1

    run_in_own_loop(scenario)


def test_bad_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_in_flight"):
        SheddingMiddleware(FastAPI(), max_in_flight=0, timeout_s=1, retry_after_s=1)
    with pytest.raises(ValueError, match="timeout_s"):
        SheddingMiddleware(FastAPI(), max_in_flight=1, timeout_s=0, retry_after_s=1)


def test_the_app_sheds_with_its_settings(tmp_path: object) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/seatwise.db",
        max_in_flight=3,
        request_timeout_s=4.5,
        retry_after_s=9,
    )
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        layer = _middleware(app)
        assert (layer.max_in_flight, layer.timeout_s, layer.retry_after_s) == (3, 4.5, 9)
        assert client.get("/v1/kpis").status_code == 401
        assert layer.in_flight == 0
