"""The demo centre brought up to today: history start, the cut at an instant, the worked roster."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from features.measures.realtime import main_queue
from features.synthetic.generator import Centre, generate_centre
from features.synthetic.live import MAX_AHEAD, history_start, split_at, worked_roster

TZ = "Europe/Berlin"


@pytest.fixture(scope="module")
def centre() -> Centre:
    return generate_centre(weeks=2, agents=10, queues=2, seed=5, start="2026-11-16", timezone=TZ)


def test_history_start_is_the_monday_weeks_before_this_week() -> None:
    assert history_start(dt.date(2026, 12, 1), 2) == dt.date(2026, 11, 16)
    assert history_start(dt.date(2026, 11, 30), 1) == dt.date(2026, 11, 23)
    assert history_start(dt.date(2026, 12, 6), 6) == dt.date(2026, 10, 19)


def test_same_seed_same_centre_whatever_the_week() -> None:
    one = generate_centre(weeks=1, agents=6, queues=1, seed=9, start="2026-11-16", timezone=TZ)
    two = generate_centre(weeks=1, agents=6, queues=1, seed=9, start="2026-11-23", timezone=TZ)
    shift = pd.Timedelta(days=7)
    assert len(one.contacts) == len(two.contacts)
    assert (two.contacts["arrived_at"] - one.contacts["arrived_at"]).eq(shift).all()


def test_split_keeps_the_past_and_today_rest_in_order(centre: Centre) -> None:
    at = pd.Timestamp("2026-11-25 11:30", tz=TZ)
    past, pending = split_at(centre, at)
    assert (past.contacts["arrived_at"] <= at).all()
    assert (past.agent_states["started_at"] <= at).all()
    assert (past.agent_states["ended_at"] <= at + MAX_AHEAD).all()
    midnight = pd.Timestamp("2026-11-26", tz=TZ)
    later = centre.contacts[(centre.contacts["arrived_at"] > at)]
    assert len(pending.contacts) == int((later["arrived_at"] < midnight).sum()) > 0
    assert pending.contacts["arrived_at"].is_monotonic_increasing
    assert pending.agent_states["started_at"].is_monotonic_increasing
    assert len(past.contacts) + len(later) == len(centre.contacts)
    assert all(pd.Timestamp(t["opened_at"]) <= at for t in past.tickets)
    assert (pd.to_datetime(past.quality["evaluated_at"]) <= at).all()


def test_worked_roster_follows_the_states(centre: Centre) -> None:
    rows = worked_roster(centre.agent_states, centre.agents)
    assert set(rows["activity"]) <= {"work", "break", "lunch", "training", "meeting"}
    assert "work" in set(rows["activity"])
    work = rows[rows["activity"] == "work"]
    mains = {a["agent_id"]: main_queue(a["skills"]) for a in centre.agents}
    assert all(q == mains[a] for a, q in zip(work["agent_id"], work["queue"], strict=True))
    assert rows[rows["activity"] != "work"]["queue"].isna().all()
    # rostered time equals the time in work, break and lunch states
    kept = centre.agent_states[centre.agent_states["state"] != "offline"]
    worked = (kept["ended_at"] - kept["started_at"]).sum()
    assert (rows["end"] - rows["start"]).sum() == worked
    # contiguous work states make one row: an agent's rows never touch with the same activity
    for _, mine in rows.sort_values("start").groupby("agent_id"):
        touching = mine["start"].eq(mine["end"].shift()) & mine["activity"].eq(
            mine["activity"].shift()
        )
        assert not touching.any()
    assert (rows["date"] == rows["start"].dt.strftime("%Y-%m-%d")).all()
