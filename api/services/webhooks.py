"""Pushing alerts to webhooks: POST JSON, retried with exponential backoff, off the request path.

:meth:`WebhookDispatcher.submit` only puts deliveries on an in-memory queue and returns; a few
daemon worker threads send them, so a slow or dead webhook never holds up ingestion. Every
attempt is recorded in ``webhook_deliveries`` (``retrying`` between tries, then ``delivered``
or ``failed``); deliveries left pending by a stopped service are picked up again by
:meth:`WebhookDispatcher.resume`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.encoders import jsonable_encoder

from features.store.alert_store import AlertStore, Delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one delivery.

    Attributes
    ----------
    tries:
        Attempts in all (>= 1).
    backoff_s:
        Seconds before the second attempt; doubled before each further one.
    timeout_s:
        Seconds one HTTP attempt may take (connect and read).
    """

    tries: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 2.0

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (1-based; none before the first)."""
        return 0.0 if attempt <= 1 else self.backoff_s * 2 ** (attempt - 2)


class WebhookDispatcher:
    """Sends alert deliveries from background threads.

    Parameters
    ----------
    store:
        Where alerts are read and attempts recorded.
    policy:
        Retry policy of every delivery.
    workers:
        Number of sender threads (a dead URL occupies one for tries x timeout seconds).
    sleep:
        Sleep function between tries (tests pass a fast one).
    """

    def __init__(
        self,
        store: AlertStore,
        policy: RetryPolicy | None = None,
        *,
        workers: int = 2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._client = httpx.Client(timeout=self.policy.timeout_s)
        self._threads = [
            threading.Thread(target=self._work, name=f"seatwise-webhook-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, deliveries: Sequence[Delivery]) -> None:
        """Queue deliveries for sending; returns at once."""
        for delivery in deliveries:
            self._queue.put(delivery)

    def resume(self) -> int:
        """Queue the deliveries still pending or retrying in the database; returns how many."""
        unfinished = self.store.unfinished_deliveries()
        self.submit(unfinished)
        return len(unfinished)

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Block until every queued delivery is finished (or `timeout_s`); True when idle."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the sender threads after the deliveries already queued."""
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._client.close()

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            try:
                if delivery is None:
                    return
                self._deliver(delivery)
            except Exception:
                logger.exception(
                    "webhook delivery %s crashed", getattr(delivery, "delivery_id", "?")
                )
            finally:
                self._queue.task_done()

    def _payload(self, delivery: Delivery) -> dict[str, Any] | None:
        alerts = self.store.get_alerts([delivery.alert_id])
        if not alerts:
            return None
        payload: dict[str, Any] = jsonable_encoder(
            {"event": "alert", "delivery_id": delivery.delivery_id, "alert": alerts[0]}
        )
        return payload

    def _deliver(self, delivery: Delivery) -> None:
        payload = self._payload(delivery)
        if payload is None:
            self.store.record_attempt(
                delivery.delivery_id, status="failed", attempts=0, error="alert no longer exists"
            )
            return
        tries = max(1, self.policy.tries)
        for attempt in range(1, tries + 1):
            self._sleep(self.policy.delay_before(attempt))
            code: int | None = None
            error: str | None = None
            try:
                response = self._client.post(delivery.url, json=payload)
                code = response.status_code
                if response.is_success:
                    self.store.record_attempt(
                        delivery.delivery_id, status="delivered", attempts=attempt, status_code=code
                    )
                    return
                error = f"HTTP {code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            final = attempt == tries
            self.store.record_attempt(
                delivery.delivery_id,
                status="failed" if final else "retrying",
                attempts=attempt,
                status_code=code,
                error=error,
            )
            if final:
                logger.warning(
                    "webhook %s gave up on alert %s after %d tries: %s",
                    delivery.url,
                    delivery.alert_id,
                    tries,
                    error,
                )
