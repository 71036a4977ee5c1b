"""The demo's live feeder: today's remaining contacts and agent states posted through the API as
they happen, so the wallboard, alerts, adherence and the intraday views move as in a real centre.

The feeder keeps a replay clock that starts at the instant the demo's history was cut and runs
`speed` times faster than the wall clock. Every `tick_s` seconds it posts, in batches through
``POST /v1/contacts`` and ``POST /v1/agent-states`` (the same validation, storage and alerting
as any client), the contacts that arrived and the state spans that started by the replay clock.
A contact is posted whole at its arrival: until its ``answered_at`` the live figures count it as
waiting. The feeder ends when everything of the day is posted or :meth:`LiveFeeder.stop` is
called; a failed post is logged and retried on the next tick (a re-sent contact is a no-op).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import pandas as pd

from features.synthetic.live import Pending

logger = logging.getLogger(__name__)
BATCH: Final = 500
"""Most records in one request."""
INSTANTS: Final = {
    "contacts": ("arrived_at", "answered_at", "ended_at"),
    "agent-states": ("started_at", "ended_at"),
}


def records_json(frame: pd.DataFrame, instants: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: instants ISO 8601 with offset, missing values dropped."""
    out = []
    for row in frame.to_dict(orient="records"):
        record = {}
        for name, value in row.items():
            if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
                continue
            if name in instants:
                value = pd.Timestamp(value).isoformat()
            elif hasattr(value, "item"):
                value = value.item()
            record[name] = value
        out.append(record)
    return out


@dataclass
class ReplayClock:
    """Replay time: `origin` at wall-clock `started` (monotonic seconds), `speed` times faster."""

    origin: pd.Timestamp
    speed: float = 1.0
    started: float = field(default_factory=time.monotonic)

    def now(self) -> pd.Timestamp:
        """The replay instant (tz-aware, the origin's zone)."""
        return self.origin + pd.Timedelta(seconds=(time.monotonic() - self.started) * self.speed)


class LiveFeeder:
    """Posts `pending` records through the API at `base_url` with `key` as the replay clock
    reaches them (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        key: str,
        pending: Pending,
        clock: ReplayClock,
        *,
        tick_s: float = 1.0,
        on_post: Callable[[str, int], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.clock = clock
        self.tick_s = tick_s
        self.on_post = on_post
        self.queues = {
            "contacts": (pending.contacts, "arrived_at"),
            "agent-states": (pending.agent_states, "started_at"),
        }
        self.posted = {"contacts": 0, "agent-states": 0}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Feed from a daemon thread."""
        self._thread = threading.Thread(target=self.run, name="seatwise-live-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop feeding and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def done(self) -> bool:
        """True when every pending record is posted."""
        return all(self.posted[kind] >= len(frame) for kind, (frame, _) in self.queues.items())

    def run(self) -> None:
        """Post what is due every tick until done or stopped."""
        with httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {self.key}"}, timeout=60
        ) as client:
            while not self._stop.is_set() and not self.done():
                self.post_due(client, self.clock.now())
                self._stop.wait(self.tick_s)

    def post_due(self, client: httpx.Client, now: pd.Timestamp) -> None:
        """Post the records of each kind released by `now` (in batches of :data:`BATCH`)."""
        for kind, (frame, released) in self.queues.items():
            start = self.posted[kind]
            due = int((frame[released] <= now).sum())
            while start < due:
                batch = frame.iloc[start : min(due, start + BATCH)]
                try:
                    response = client.post(f"/v1/{kind}", json=records_json(batch, INSTANTS[kind]))
                except httpx.HTTPError as error:
                    logger.warning("live feed: posting %s failed: %s", kind, error)
                    return
                if response.status_code >= 300:
                    logger.warning(
                        "live feed: %s answered %s: %s", kind, response.status_code, response.text
                    )
                    return
                start += len(batch)
                self.posted[kind] = start
                if self.on_post is not None:
                    self.on_post(kind, len(batch))
