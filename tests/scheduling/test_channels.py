"""Channels: chat agents hold several chats, e-mail is deferred work worked off a backlog —
hand-computed requirements, backlog recursion and fluid service."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.backlog import deferred_agents, deferred_service, response_window
from scheduling.channels import CHANNEL_STANDARDS, channel_threshold_s, queue_channels
from scheduling.requirements import ServiceTargets, compute_requirements

STARTS = pd.date_range("2026-11-30T08:00:00", periods=5, freq="30min", tz="Europe/Berlin")


def one_queue(volumes: list[float], aht: float, queue: str = "q") -> pd.DataFrame:
    return pd.DataFrame(
        {"queue": queue, "interval_start": STARTS[: len(volumes)], "volume": volumes, "aht_s": aht}
    )


def erlang_c_service_level(agents: int, load: float, aht: float, threshold: float) -> float:
    """Textbook Erlang C, by the sums of Poisson terms."""
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    below = sum(load**k / math.factorial(k) for k in range(agents))
    return 1.0 - top / (below + top) * math.exp(-(agents - load) * threshold / aht)


def test_channel_standards_are_defined_once() -> None:
    assert channel_threshold_s("voice") == 20.0
    assert channel_threshold_s("chat") == 60.0
    assert channel_threshold_s("email") == 4 * 3600.0
    email = ServiceTargets.for_channel("email")
    assert (email.service_level, email.threshold_s, email.deferred) == (0.95, 14400.0, True)
    chat = ServiceTargets.for_channel("chat", concurrency=3)
    assert (chat.threshold_s, chat.concurrency) == (60.0, 3)
    assert CHANNEL_STANDARDS["voice"].concurrency == 1
    with pytest.raises(InvalidInput, match="concurrency must be 1"):
        ServiceTargets(concurrency=2)  # voice
    with pytest.raises(InvalidInput, match="patience_s must be None for deferred work"):
        ServiceTargets.for_channel("email", patience_s=60.0)
    with pytest.raises(InvalidInput, match="unknown channel"):
        ServiceTargets.for_channel("fax")


def test_chat_slots_are_divided_by_concurrency() -> None:
    # 3 chats per 30 min at 600 s: 1 Erlang. 60 s threshold: 2 slots give
    # 1 - (1/3) e^-0.1 = 69.8%, 3 slots 1 - (1/11) e^-0.2 = 92.6%, so 3 slots.
    assert erlang_c_service_level(2, 1.0, 600.0, 60.0) == pytest.approx(0.698387, abs=1e-6)
    assert erlang_c_service_level(3, 1.0, 600.0, 60.0) == pytest.approx(0.925570, abs=1e-6)
    forecast = one_queue([3.0, 3.0], 600.0, "chat")
    alone = ServiceTargets.for_channel("chat", concurrency=1, shrinkage=0.0)
    two = ServiceTargets.for_channel("chat", concurrency=2, shrinkage=0.0)
    three = ServiceTargets.for_channel("chat", concurrency=3, shrinkage=0.0)
    assert compute_requirements(forecast, alone)["agents"].tolist() == [3, 3]
    paired = compute_requirements(forecast, two)
    assert paired["agents"].tolist() == [2, 2]  # ceil(3 slots / 2)
    # Two agents hold four slots: the expected service is Erlang C at 4 slots, occupancy 1/4.
    assert paired["expected_service_level"].iloc[0] == pytest.approx(
        erlang_c_service_level(4, 1.0, 600.0, 60.0)
    )
    assert paired["expected_occupancy"].iloc[0] == pytest.approx(0.25)
    trio = compute_requirements(forecast, three)
    assert trio["agents"].tolist() == [1, 1]
    assert trio["expected_service_level"].iloc[0] == pytest.approx(0.925570, abs=1e-6)


def test_email_backlog_recursion_by_hand() -> None:
    # 30-minute intervals, a 1-hour target (window 2), every e-mail due: 10 e-mails of 600 s
    # arrive in interval 0, 20 in interval 3. Agent capacity 1800 s per interval.
    # t0: due by end of t1 is 6000 -> pace 3000 -> 2 agents, 3600 done.
    # t1: 2400 due now -> 2 agents, all 6000 done.  t2: nothing -> 0.
    # t3: 12000 due by end of t4 -> 6000 -> 4 agents (7200).  t4: 4800 due -> 3 agents.
    plan = deferred_agents(np.array([6000.0, 0, 0, 12000.0, 0]), np.ones(5, bool), 2, 1.0, 1800.0)
    assert plan.agents[0].tolist() == [2, 2, 0, 4, 3, 0, 0]
    assert plan.done_s[0, :5].tolist() == [3600.0, 2400.0, 0.0, 7200.0, 4800.0]
    assert plan.backlog_s[0, :5].tolist() == [2400.0, 0.0, 0.0, 4800.0, 0.0]
    # Interval 4 closed: interval 3 must do all 12000 s itself (7 agents).
    shut = deferred_agents(
        np.array([6000.0, 0, 0, 12000.0, 0]), np.array([1, 1, 1, 1, 0], bool), 2, 1.0, 1800.0
    )
    assert shut.agents[0, :5].tolist() == [2, 2, 0, 7, 0]


def test_email_requirements_with_a_share_due_by_hand() -> None:
    # Same arrivals, 50% due within the hour: due(u + 1) = W(u - 1) + 0.5 w(u).
    # t0: 3000 due by end of t1 -> pace 1500 -> 1 agent (1800 done).
    # t1: 1200 due now, 4200 by end of t2 -> pace 2100 -> 2 agents (5400 done).
    # t2: 600 due -> 1 agent (6000 done).  t3: 6000 by end of t4 -> 3000 -> 2 agents (9600).
    # t4: 2400 due now, 8400 by end of t5 -> 4200 -> 3 agents (15000).
    targets = ServiceTargets.for_channel(
        "email", threshold_s=3600.0, service_level=0.5, max_occupancy=1.0, shrinkage=0.0
    )
    req = compute_requirements(
        one_queue([10.0, 0, 0, 20.0, 0], 600.0, "mail"), targets, details=True
    )
    assert req["agents"].tolist() == [1, 2, 1, 2, 3]
    assert req["agents_scheduled"].tolist() == [1, 2, 1, 2, 3]
    assert req["channel"].unique().tolist() == ["email"]
    assert req["meet_probability"].isna().all()
    # E-mails waiting at each interval's end (fluid FIFO): 6000 s arrive over t0 while one
    # agent does 1800 (7 e-mails left); two agents do 3600 in t1 (1 left), one clears it in t2;
    # t3 brings 12000 s against 3600 done (14 left); three agents do 5400 in t4 (5 left).
    assert req["backlog"].tolist() == pytest.approx([7.0, 1.0, 0.0, 14.0, 5.0])
    # Even so every e-mail is answered within the hour (the last of t0's at 2400 s).
    assert req["expected_service_level"].tolist() == pytest.approx([1.0] * 5)


def test_email_is_not_staffed_like_a_call() -> None:
    forecast = one_queue([30.0] * 5, 300.0, "mail")
    voice = compute_requirements(forecast, ServiceTargets(shrinkage=0.0))
    email = compute_requirements(forecast, ServiceTargets.for_channel("email", shrinkage=0.0))
    # 30 x 300 s per 30 min is 5 agent-equivalents of work: e-mail needs about that, spread;
    # voice at 80/20 needs the queueing margin on top.
    assert email["agents"].sum() < voice["agents"].sum()
    assert email["agents"].max() <= math.ceil(30 * 300 / (1800 * 0.85))
    assert (email["expected_service_level"] >= 0.95).all()


def test_fluid_service_by_hand() -> None:
    # 3600 s of work arrives evenly over interval 0 (2 s of work per second); one agent does
    # 1 s per second from time 0. Work at position x arrives at x/2 and is done at x: a wait of
    # x/2, 0..1800 s, mean 900 s; within 600 s: x <= 1200, a third.
    service = deferred_service(np.array([3600.0, 0.0]), np.array([[1, 1]]), 1800.0, 600.0, 1800.0)
    assert service.service_level[0].tolist() == pytest.approx([1 / 3, 1.0])
    assert service.response_s[0].tolist() == pytest.approx([900.0, 0.0])
    assert service.done_s[0].tolist() == pytest.approx([1800.0, 1800.0])
    assert service.backlog_s[0].tolist() == pytest.approx([1800.0, 0.0])
    # Work never answered has no response time.
    stuck = deferred_service(np.array([3600.0]), np.array([[0]]), 1800.0, 600.0, 1800.0)
    assert stuck.service_level[0, 0] == 0.0 and np.isnan(stuck.response_s[0, 0])


def test_initial_backlog_is_worked_first() -> None:
    targets = ServiceTargets.for_channel(
        "email", threshold_s=3600.0, service_level=0.9, max_occupancy=1.0, shrinkage=0.0
    )
    quiet = one_queue([0.0, 0.0, 0.0, 1.0], 600.0, "mail")
    req = compute_requirements(quiet, targets, initial_backlog={"mail": 12.0})
    # 12 x 600 s = 7200 s due by the end of interval 1: 3600 s a pace -> 2 agents twice.
    assert req["agents"].tolist()[:2] == [2, 2]
    assert req["agents"].iloc[2] == 0
    with pytest.raises(InvalidInput, match="backlog"):
        compute_requirements(quiet, targets, initial_backlog={"mail": -1.0})


def test_channel_rules_and_errors() -> None:
    assert response_window(14400.0, 1800.0) == 8
    with pytest.raises(InvalidInput, match="shorter than one"):
        response_window(600.0, 1800.0)
    forecast = one_queue([10.0, 10.0], 300.0).assign(channel=["email", "email"])
    with pytest.raises(InvalidInput) as caught:
        compute_requirements(forecast, ServiceTargets())
    assert "for_channel('email')" in caught.value.errors[0].rule
    fine = compute_requirements(forecast, ServiceTargets.for_channel("email"))
    assert len(fine) == 2
    frame = pd.DataFrame(
        {"queue": ["a", "a", "b", "c"], "channel": ["chat", "chat", None, "email"]}
    )
    assert queue_channels(frame) == {"a": "chat", "b": "voice", "c": "email"}
    with pytest.raises(InvalidInput, match="one channel"):
        queue_channels(pd.DataFrame({"queue": ["a", "a"], "channel": ["chat", "voice"]}))
