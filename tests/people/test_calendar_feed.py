"""The private calendar feed: parsed with a real iCalendar parser, it matches the published rows
across the end of summer time; its token is the agent's own and revocable."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.people.conftest import KeyFactory

BERLIN = ZoneInfo("Europe/Berlin")
DAYS = ("2026-10-24", "2026-10-25", "2026-10-26")
"""Saturday in summer time, the Sunday it ends (03:00 CEST -> 02:00 CET), Monday in CET."""
WINDOW = {"start": "2026-10-20T00:00:00Z", "end": "2026-10-30T00:00:00Z"}


def _publish_dst_week(app: FastAPI) -> None:
    rows = []
    for day in DAYS:
        begin = pd.Timestamp(f"{day} 08:00", tz=BERLIN)
        lunch = begin + pd.Timedelta(hours=4)
        for activity, start, end, queue in (
            ("work", begin, lunch, "billing"),
            ("lunch", lunch, lunch + pd.Timedelta(minutes=30), ""),
            ("work", lunch + pd.Timedelta(minutes=30), begin + pd.Timedelta(hours=8), "billing"),
        ):
            rows.append(
                {
                    "agent_id": "a1",
                    "date": day,
                    "activity": activity,
                    "queue": queue,
                    "start": start,
                    "end": end,
                }
            )
    service = app.state.service_store
    service.create_roster("dst", {"timezone": "Europe/Berlin"}, None)
    service.update_roster("dst", status="solved")
    service.publish_roster("dst", pd.DataFrame(rows))


def _events(body: bytes) -> list[Any]:
    calendar = Calendar.from_ical(body)
    return sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))


def test_feed_parses_and_matches_the_published_rows_across_dst(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    _publish_dst_week(app)
    a1 = auth("agent", agent_id="a1")
    made = client.post("/v1/agents/a1/calendar-token", headers=a1)
    assert made.status_code == 201, made.text
    feed = client.get(
        "/v1/agents/a1/calendar.ics", params={"token": made.json()["token"], **WINDOW}
    )
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    assert (str(calendar["version"]), str(calendar["prodid"])) == (
        "2.0",
        "-//Seatwise//Agent schedule//EN",
    )
    events = _events(feed.content)
    published = client.get(
        "/v1/agents/a1/schedule",
        params={**WINDOW, "timezone": "Europe/Berlin"},
        headers=a1,
    ).json()["rows"]
    assert len(events) == len(published) == 9
    for event, row in zip(events, published, strict=True):
        assert event.decoded("dtstart") == dt.datetime.fromisoformat(row["start"])
        assert event.decoded("dtend") == dt.datetime.fromisoformat(row["end"])
        assert str(event["summary"]).lower().startswith(row["activity"])
    starts = [e.decoded("dtstart") for e in events if str(e["summary"]).startswith("Work")][::2]
    assert [s.astimezone(BERLIN).strftime("%H:%M") for s in starts] == ["08:00"] * 3
    assert [s.astimezone(dt.UTC).hour for s in starts] == [6, 7, 7]
    assert len({str(e["uid"]) for e in events}) == 9


def test_the_token_is_private_and_revocable(
    app: FastAPI, client: TestClient, auth: KeyFactory, centre: list[Any]
) -> None:
    a1 = auth("agent", agent_id="a1")
    assert (
        client.post(
            "/v1/agents/a1/calendar-token", headers=auth("agent", agent_id="a2")
        ).status_code
        == 403
    )
    first = client.post("/v1/agents/a1/calendar-token", headers=a1).json()
    assert client.get(first["url"]).status_code == 200
    assert (
        client.get("/v1/agents/a2/calendar.ics", params={"token": first["token"]}).status_code
        == 404
    )
    second = client.post("/v1/agents/a1/calendar-token", headers=a1).json()
    assert client.get(first["url"]).status_code == 404
    assert client.get(second["url"]).status_code == 200
    assert client.delete("/v1/agents/a1/calendar-token", headers=a1).status_code == 204
    assert client.get(second["url"]).status_code == 404
    assert client.delete("/v1/agents/a1/calendar-token", headers=a1).status_code == 404
