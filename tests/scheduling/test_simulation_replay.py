"""A roster replayed on real contacts, beside what the records say happened; and the Anonymous
Bank week replayed end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.loaders import load_technion
from scheduling.requirements import ServiceTargets
from scheduling.simulation.replay import default_targets, replay_roster

TZ = "Europe/Berlin"
T0 = pd.Timestamp("2026-11-30T08:00:00", tz=TZ)


def contacts() -> pd.DataFrame:
    """Billing: 8 calls a minute apart, answered at once, 120 s each; chat: 2 chats."""
    billing = pd.DataFrame(
        {
            "contact_id": [f"b{i}" for i in range(8)],
            "queue": "billing",
            "channel": "voice",
            "arrived_at": [T0 + pd.Timedelta(minutes=i) for i in range(8)],
        }
    )
    billing["answered_at"] = billing["arrived_at"]
    billing["ended_at"] = billing["arrived_at"] + pd.Timedelta(seconds=120)
    billing["abandoned"] = False
    billing["handle_s"] = 120.0
    chat = pd.DataFrame(
        {
            "contact_id": ["c0", "c1"],
            "queue": "chat",
            "channel": "chat",
            "arrived_at": [T0, T0 + pd.Timedelta(seconds=30)],
            "answered_at": [T0, T0 + pd.Timedelta(seconds=30)],
            "ended_at": [T0 + pd.Timedelta(seconds=600)] * 2,
            "abandoned": False,
            "handle_s": [600.0, 570.0],
        }
    )
    return pd.concat([billing, chat], ignore_index=True)


def roster(billing_agents: int) -> pd.DataFrame:
    rows = [
        {"agent_id": f"b{i}", "activity": "work", "queue": "billing", "start": T0,
         "end": T0 + pd.Timedelta(hours=1)}
        for i in range(billing_agents)
    ]  # fmt: skip
    rows.append(
        {"agent_id": "c", "activity": "work", "queue": "chat", "start": T0,
         "end": T0 + pd.Timedelta(hours=1)}
    )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["date"] = "2026-11-30"
    return frame


def test_replay_on_a_thinner_roster_and_the_records_beside_it() -> None:
    calls = contacts()
    full = replay_roster(calls, roster(2), interval_minutes=15)
    real = full.observed.set_index("queue")
    assert real.loc["billing", "service_level"] == 1.0 and real.loc["billing", "offered"] == 8
    replayed = full.totals.set_index("queue")
    # Two agents for calls a minute apart lasting two minutes: nobody waits.
    assert replayed.loc["billing", "asa_s"] == 0.0
    # One agent: each call waits one minute more than the one before (0, 60, ..., 420 s) unless
    # its customer gives up; patience comes from the records (nobody abandoned: never).
    thin = replay_roster(calls, roster(1), interval_minutes=15).totals.set_index("queue")
    assert thin.loc["billing", "asa_s"] == pytest.approx(np.mean([60 * i for i in range(8)]))
    assert thin.loc["billing", "service_level"] == pytest.approx(1 / 8)
    # The chat agent holds both chats at once (chat's standard concurrency 2, 60 s threshold).
    assert thin.loc["chat", "asa_s"] == 0.0 and thin.loc["chat", "service_level"] == 1.0
    assert full.targets["chat"].concurrency == 2 and full.targets["chat"].threshold_s == 60.0
    assert set(full.patience["queue"]) == {"billing", "chat"}


def test_scoped_result_keeps_only_the_callers_queues() -> None:
    result = replay_roster(contacts(), roster(1), interval_minutes=15)
    mine = result.for_queues(["chat"])
    assert set(mine.intervals["queue"]) == {"chat"}
    assert mine.totals["queue"].tolist() == ["chat", "*"]
    assert mine.totals.set_index("queue").loc["*", "offered"] == 2
    assert set(mine.patience["queue"]) == {"chat"}


def test_targets_and_errors() -> None:
    chosen = default_targets(contacts(), {"billing": ServiceTargets(threshold_s=30.0)})
    assert chosen["billing"].threshold_s == 30.0 and chosen["chat"].channel == "chat"
    with pytest.raises(InvalidInput, match="no contacts"):
        replay_roster(contacts().iloc[0:0], roster(1))


def test_anonymous_bank_week_replays_on_its_own_staffing(shared_data: Path) -> None:
    """A day of the real bank replayed on agents present whenever they served calls: every call
    is offered once, and the replay's abandonment stays in the records' range."""
    calls = load_technion(shared_data / "anonymous_bank" / "january_1999.txt")
    zone = "Asia/Jerusalem"
    day = (pd.Timestamp("1999-01-25", tz=zone), pd.Timestamp("1999-01-26", tz=zone))
    week = calls[(calls["arrived_at"] >= day[0]) & (calls["arrived_at"] < day[1])]
    served = week[week["answered_at"].notna() & ~week["abandoned"] & week["agent_id"].notna()]
    spans = served.groupby("agent_id").agg(start=("answered_at", "min"), end=("ended_at", "max"))
    rows = pd.DataFrame(
        {
            "agent_id": spans.index,
            "date": "1999-01-25",
            "activity": "work",
            "queue": None,
            "start": spans["start"],
            "end": spans["end"],
        }
    )
    skills = {a: dict.fromkeys(part["queue"].unique(), 1) for a, part in served.groupby("agent_id")}
    result = replay_roster(
        week, rows, start=day[0], end=day[1], interval_minutes=30, skills=skills, seed=3
    )
    totals = result.totals.set_index("queue")
    assert totals.loc["*", "offered"] == len(week) == result.observed["offered"].iloc[-1]
    assert 0.0 <= totals.loc["*", "abandon_rate"] <= 0.2
    assert len(result.intervals) == 48 * week["queue"].nunique()
