"""Wallboard figures (features.measures.realtime) at one instant, on hand-computed records."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from features.measures.realtime import (
    QueueFigures,
    count_states,
    current_states,
    main_queue,
    realtime_snapshot,
    resolved_today,
    waiting_contacts,
)

TZ = "Europe/Berlin"
AT = pd.Timestamp("2026-11-10 10:05", tz=TZ)


def contacts(rows: list[tuple]) -> pd.DataFrame:
    """Rows (queue, arrived, answered, ended, abandoned, handle_s), local Berlin times of
    2026-11-10 (or a full date), stored in UTC as the store returns them."""

    def instant(text: str | None) -> pd.Timestamp:
        if text is None:
            return pd.NaT
        full = text if " " in text else f"2026-11-10 {text}"
        return pd.Timestamp(full, tz=TZ).tz_convert("UTC")

    data = pd.DataFrame(
        [
            {
                "queue": queue,
                "arrived_at": instant(arrived),
                "answered_at": instant(answered),
                "ended_at": instant(ended),
                "abandoned": abandoned,
                "handle_s": handle,
            }
            for queue, arrived, answered, ended, abandoned, handle in rows
        ]
    )
    for column in ("arrived_at", "answered_at", "ended_at"):
        data[column] = pd.to_datetime(data[column], utc=True)
    return data


def day() -> pd.DataFrame:
    return contacts(
        [
            # current interval 10:00-10:15: answered after 10 s (in SL)
            ("billing", "10:00:00", "10:00:10", "10:03:00", False, 170.0),
            # 09:30 interval: answered after 40 s (missed SL)
            ("billing", "09:40:00", "09:40:40", "09:45:00", False, 260.0),
            # 09:45 interval: abandoned after 60 s
            ("billing", "09:50:00", None, "09:51:00", True, None),
            # waiting since 10:02 (180 s at 10:05)
            ("billing", "10:02:00", None, None, None, None),
            # answered only after the instant: still waiting at 10:05, not resolved
            ("sales", "10:04:00", "10:06:00", "10:09:00", False, 180.0),
            # yesterday evening, never ended: too old to be waiting, not today
            ("sales", "2026-11-09 23:00:00", None, None, None, None),
        ]
    )


def test_waiting_contacts_at_the_instant() -> None:
    data = day()
    local = data.assign(
        **{c: data[c].dt.tz_convert(TZ) for c in ("arrived_at", "answered_at", "ended_at")}
    )
    waiting = waiting_contacts(local, AT)
    assert list(waiting.index) == [3, 4]
    assert waiting_contacts(local, AT, lookback=pd.Timedelta(hours=12)).index.tolist() == [3, 4, 5]


def test_resolved_today_are_answered_or_ended_by_the_instant() -> None:
    data = day()
    day_start = AT.normalize()
    assert resolved_today(data, day_start, AT).index.tolist() == [0, 1, 2]
    later = AT + pd.Timedelta(minutes=5)
    assert resolved_today(data, day_start, later).index.tolist() == [0, 1, 2, 4]


def test_main_queue_is_the_highest_skill_then_the_first_name() -> None:
    assert main_queue({"sales": 2, "billing": 1}) == "sales"
    assert main_queue({"b": 2, "a": 2, "c": 1}) == "a"
    assert main_queue({}) is None
    assert main_queue(None) is None


def test_current_states_latest_span_wins_and_missing_is_offline() -> None:
    spans = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a2"],
            "state": ["available", "on_contact", "break"],
            "started_at": pd.to_datetime(
                ["2026-11-10 10:00", "2026-11-10 10:04", "2026-11-10 09:00"]
            ).tz_localize(TZ),
        }
    )
    states = current_states(spans, ["a1", "a2", "a3"])
    assert states == {"a1": "on_contact", "a2": "break", "a3": "offline"}


def test_count_states_per_main_queue_and_in_total() -> None:
    by_queue, totals = count_states(
        {"a1": "available", "a2": "available", "a3": "break"},
        {"a1": "billing", "a2": "sales", "a3": None},
    )
    assert by_queue == {"billing": {"available": 1}, "sales": {"available": 1}}
    assert totals == {"available": 2, "break": 1}


def agents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": ["a1", "a2", "a3"],
            "skills": [{"billing": 1}, {"sales": 2, "billing": 1}, {"support": 1}],
        }
    )


def test_snapshot_hand_computed() -> None:
    states = {"a1": "available", "a2": "on_contact", "a3": "offline"}
    snapshot = realtime_snapshot(day(), agents(), states, AT, TZ)
    assert snapshot.interval_start == pd.Timestamp("2026-11-10 10:00", tz=TZ)
    assert snapshot.agents == {"available": 1, "on_contact": 1, "offline": 1}
    assert [q.queue for q in snapshot.queues] == ["billing", "sales", "support"]
    billing, sales, support = snapshot.queues
    assert billing.waiting == 1
    assert billing.longest_wait_s == 180.0
    assert (billing.offered_today, billing.handled_today, billing.abandoned_today) == (3, 2, 1)
    # intervals 09:30 (SL 0), 09:45 (abandoned, SL 0), 10:00 (SL 1), one contact each
    assert billing.service_level_today == pytest.approx(1 / 3)
    assert billing.service_level_interval == pytest.approx(1.0)
    assert billing.asa_s_today == pytest.approx((40 + 10) / 2)
    assert billing.abandon_rate_today == pytest.approx(1 / 3)
    assert billing.agents == {"available": 1}
    assert dataclasses.replace(sales, trend=[]) == QueueFigures(
        queue="sales", waiting=1, longest_wait_s=60.0, agents={"on_contact": 1}
    )
    assert dataclasses.replace(support, trend=[]) == QueueFigures(
        queue="support", waiting=0, agents={"offline": 1}
    )


def test_snapshot_limited_to_allowed_queues_and_without_contacts() -> None:
    snapshot = realtime_snapshot(day(), agents(), {}, AT, TZ, allowed_queues={"billing"})
    assert [q.queue for q in snapshot.queues] == ["billing"]
    assert snapshot.agents == {}
    assert snapshot.queues[0].agents == {}
    empty = realtime_snapshot(day().iloc[:0], agents().iloc[:0], {}, AT, TZ)
    assert empty.queues == [] and empty.agents == {}
    assert empty.at == AT


def test_trend_has_every_interval_of_today_with_service_and_waiting() -> None:
    billing, sales, _ = realtime_snapshot(day(), agents(), {}, AT, TZ).queues
    starts = [p.interval_start for p in billing.trend]
    assert starts[0] == AT.normalize() and starts[-1] == pd.Timestamp("2026-11-10 10:00", tz=TZ)
    assert len(starts) == 41
    by_start = {p.interval_start.strftime("%H:%M"): p for p in billing.trend}
    assert (by_start["09:30"].offered, by_start["09:30"].service_level) == (1, 0.0)
    assert (by_start["10:00"].offered, by_start["10:00"].service_level) == (1, 1.0)
    assert by_start["09:00"].service_level is None and by_start["09:00"].offered == 0
    # waiting at each interval's end: at 09:45 nobody; at 10:00 the contact arriving at that
    # instant (answered 10 s later); at 10:05 (now) the one that arrived at 10:02
    assert [by_start[t].waiting for t in ("09:30", "09:45", "10:00")] == [0, 1, 1]
    # yesterday's 23:00 contact never ended: waiting until four hours after it arrived
    sales_waiting = {p.interval_start.strftime("%H:%M"): p.waiting for p in sales.trend}
    assert (sales_waiting["00:00"], sales_waiting["02:30"], sales_waiting["02:45"]) == (1, 1, 0)
    assert sales_waiting["10:00"] == 1


def test_queue_channel_sets_threshold_and_target() -> None:
    mail = day().assign(channel="email", queue="mail")
    (figures,) = realtime_snapshot(
        mail, agents().iloc[:0], {}, AT, TZ, targets={"email": 0.95, "voice": 0.8}
    ).queues
    assert (figures.channel, figures.threshold_s, figures.service_level_target) == (
        "email",
        4 * 3600.0,
        0.95,
    )
    # answered after 40 s is within e-mail's four hours: every answered contact is in service
    assert figures.service_level_today == pytest.approx(2 / 3)


def test_agents_now_state_since_team_and_main_queue() -> None:
    from features.measures.realtime import AgentNow, agents_now

    spans = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a2"],
            "state": ["on_contact", "available", "break"],
            "started_at": pd.to_datetime(
                ["2026-11-10 10:00", "2026-11-10 10:04", "2026-11-10 09:55"]
            ).tz_localize(TZ),
        }
    )
    people = agents().assign(name=["Ann", None, "Cy"], team=["t1", "t1", "t2"])
    found = agents_now(spans, people)
    assert found == [
        AgentNow(
            "a1", "Ann", "t1", "billing", "available", pd.Timestamp("2026-11-10 10:04", tz=TZ)
        ),
        AgentNow("a2", None, "t1", "sales", "break", pd.Timestamp("2026-11-10 09:55", tz=TZ)),
        AgentNow("a3", "Cy", "t2", "support", "offline", None),
    ]
