"""Overload shedding and request timeouts: a worker answers 503 at once instead of queueing.

Without a bound, a worker under more load than it can serve queues requests until clients give
up, then keeps working through the abandoned ones (minutes of unanswered health checks). This
middleware keeps at most ``max_in_flight`` requests per worker process: the next one is
answered 503 with ``Retry-After`` straight away. A request that takes longer than
``timeout_s`` is answered 503 with ``Retry-After`` at its deadline; its work keeps its slot until
it really ends (a thread cannot be stopped), so work abandoned this way is still counted and the
worker sheds rather than piling more on top.

Probes (``/healthz``, ``/readyz``) bypass both checks and are answered from the event loop in
milliseconds whatever the load, as long as the process is alive.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Collection, MutableMapping
from typing import Any

from fastapi import FastAPI

from api.settings import Settings

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PROBE_PATHS = frozenset({"/healthz", "/readyz"})
"""Paths never shed nor timed out."""


class SheddingMiddleware:
    """Bound in-flight requests per worker and time out slow ones (both answered 503).

    Parameters
    ----------
    app:
        The ASGI app behind.
    max_in_flight:
        Requests admitted at once in this process (running or waiting for a thread).
    timeout_s:
        Seconds after which a request still unanswered is answered 503.
    retry_after_s:
        Seconds sent in ``Retry-After`` with each 503.
    bypass:
        Paths that skip the middleware (the probes).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_in_flight: int,
        timeout_s: float,
        retry_after_s: int,
        bypass: Collection[str] = PROBE_PATHS,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        self.app = app
        self.max_in_flight = max_in_flight
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.bypass = frozenset(bypass)
        self.in_flight = 0
        self.shed = 0
        self.timed_out = 0
        self._background: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.bypass:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self.shed += 1
            await self._unavailable(send, "server overloaded; retry later")
            return
        self.in_flight += 1
        started = False
        answered_by_us = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered_by_us:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded_send))
        task.add_done_callback(self._release)
        try:
            await asyncio.wait_for(asyncio.shield(task), self.timeout_s)
        except TimeoutError:
            if started:
                # Headers are out: the answer can only be finished by the app itself.
                await task
                return
            answered_by_us = True
            self.timed_out += 1
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            await self._unavailable(send, f"request timed out after {self.timeout_s:g} s")

    def _release(self, task: asyncio.Task[None]) -> None:
        self.in_flight -= 1
        if not task.cancelled() and task.exception() is not None and task in self._background:
            logger.warning("request abandoned at its deadline failed: %r", task.exception())

    async def _unavailable(self, send: Send, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"retry-after", str(self.retry_after_s).encode("ascii")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_shedding(app: FastAPI, settings: Settings) -> None:
    """Install :class:`SheddingMiddleware` on a FastAPI `app` with the limits of `settings`
    (:class:`api.settings.Settings`: ``max_in_flight``, ``request_timeout_s``,
    ``retry_after_s``)."""
    app.add_middleware(
        SheddingMiddleware,  # type: ignore[arg-type]
        max_in_flight=settings.max_in_flight,
        timeout_s=settings.request_timeout_s,
        retry_after_s=settings.retry_after_s,
    )
