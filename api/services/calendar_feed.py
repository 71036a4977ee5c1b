"""Each agent's private calendar feed: their published schedule as iCalendar (RFC 5545).

The feed's URL carries a random token (``?token=``); only its SHA-256 is stored, a new token
replaces the old one and revoking forgets it, so a leaked URL is closed by either. Events are
written in UTC (``DTSTART:...Z``), which every calendar shows in its own zone, so a DST change
between two shifts moves nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import pandas as pd
from icalendar import Calendar, Event

from features.store.people_store import PeopleStore

FEED_PAST_DAYS = 60
"""Days of past schedule a feed holds by default."""
FEED_FUTURE_DAYS = 180
"""Days ahead a feed holds by default."""
PRODUCT_ID = "-//Seatwise//Agent schedule//EN"
LABELS = {
    "work": "Work",
    "break": "Break",
    "lunch": "Lunch",
    "training": "Training",
    "meeting": "Meeting",
}
"""Event summary of each roster activity."""


def token_digest(token: str) -> str:
    """The SHA-256 (hex) a feed token is stored as."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_feed_token(people: PeopleStore, agent_id: str) -> str:
    """A new random token for `agent_id`'s feed (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    people.set_feed_token(agent_id, token_digest(token))
    return token


def token_opens(people: PeopleStore, agent_id: str, token: str) -> bool:
    """Whether `token` is `agent_id`'s current feed token (compared in constant time)."""
    stored = people.feed_token_hash(agent_id)
    return stored is not None and hmac.compare_digest(stored, token_digest(token))


def default_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The span a feed covers when none is asked for: :data:`FEED_PAST_DAYS` back to
    :data:`FEED_FUTURE_DAYS` ahead of `now`."""
    return now - dt.timedelta(days=FEED_PAST_DAYS), now + dt.timedelta(days=FEED_FUTURE_DAYS)


def schedule_calendar(agent_id: str, rows: pd.DataFrame, stamp: dt.datetime) -> bytes:
    """An iCalendar document with one event per published row of `agent_id`.

    Parameters
    ----------
    rows:
        Published roster rows (ROSTER_COLUMNS, tz-aware ``start``/``end``).
    stamp:
        The ``DTSTAMP`` of every event (when the feed was made), tz-aware.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Seatwise schedule {agent_id}")
    for row in rows.itertuples(index=False):
        start = pd.Timestamp(row.start).tz_convert("UTC").to_pydatetime()
        end = pd.Timestamp(row.end).tz_convert("UTC").to_pydatetime()
        event = Event()
        queue = "" if pd.isna(row.queue) or not row.queue else f": {row.queue}"
        event.add("uid", f"{agent_id}-{start:%Y%m%dT%H%M%SZ}-{row.activity}@seatwise")
        event.add("dtstamp", stamp.astimezone(dt.UTC))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"{LABELS.get(str(row.activity), str(row.activity))}{queue}")
        event.add("categories", [str(row.activity)])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
