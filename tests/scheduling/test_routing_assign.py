"""Routing rules: priority, longest wait, proficiency, idle fairness, plan respected."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from scheduling.routing.assign import (
    REASON_AGENTS_BUSY,
    REASON_NO_SKILLED_AGENT,
    AvailableAgent,
    PlanIndex,
    WaitingContact,
    assign_contacts,
    route_contacts,
)

SKILLS = {
    "a1": {"billing": 5, "sales": 2},
    "a2": {"billing": 3},
    "a3": {"sales": 4},
}


def pairs(assignments) -> list[tuple[str, str]]:
    return [(a.contact_id, a.agent_id) for a in assignments]


def test_best_proficiency_wins() -> None:
    contacts = [WaitingContact("c1", "billing", 10.0)]
    agents = [AvailableAgent("a2", idle_s=500.0), AvailableAgent("a1", idle_s=1.0)]
    result = assign_contacts(contacts, agents, {}, SKILLS)
    assert pairs(result) == [("c1", "a1")]
    assert result[0].proficiency == 5
    assert result[0].queue == "billing"


def test_longest_idle_breaks_proficiency_tie() -> None:
    skills = {"x": {"billing": 3}, "y": {"billing": 3}, "z": {"billing": 3}}
    agents = [AvailableAgent("x", 30.0), AvailableAgent("y", 90.0), AvailableAgent("z", 60.0)]
    contacts = [WaitingContact("c1", "billing", 5.0), WaitingContact("c2", "billing", 1.0)]
    result = assign_contacts(contacts, agents, {}, skills)
    assert pairs(result) == [("c1", "y"), ("c2", "z")]


def test_longest_waiting_contact_served_first() -> None:
    agents = [AvailableAgent("a2")]
    contacts = [WaitingContact("short", "billing", 5.0), WaitingContact("long", "billing", 80.0)]
    decision = route_contacts(contacts, agents, {}, SKILLS)
    assert pairs(decision.assignments) == [("long", "a2")]
    assert [(u.contact_id, u.reason) for u in decision.unassigned] == [
        ("short", REASON_AGENTS_BUSY)
    ]


def test_priority_before_wait_and_queue_priority_default() -> None:
    agents = [AvailableAgent("a1")]
    contacts = [
        WaitingContact("old_sales", "sales", 300.0),
        WaitingContact("new_billing", "billing", 1.0),
    ]
    by_queue = assign_contacts(contacts, agents, {}, SKILLS, {"billing": 2.0, "sales": 1.0})
    assert pairs(by_queue) == [("new_billing", "a1")]
    own_priority = [
        WaitingContact("old_sales", "sales", 300.0, priority=5.0),
        WaitingContact("new_billing", "billing", 1.0),
    ]
    by_contact = assign_contacts(own_priority, agents, {}, SKILLS, {"billing": 2.0})
    assert pairs(by_contact) == [("old_sales", "a1")]
    assert by_contact[0].proficiency == 2


def test_plan_respected_and_fallback_without_plan() -> None:
    contacts = [WaitingContact("c1", "sales", 50.0)]
    agents = [AvailableAgent("a1", idle_s=100.0), AvailableAgent("a3", idle_s=0.0)]
    # a1 is planned on billing now: it may not take sales even though it is idle longer.
    planned = assign_contacts(contacts, agents, {"a1": "billing", "a3": "sales"}, SKILLS)
    assert pairs(planned) == [("c1", "a3")]
    # a3 is planned on billing (no skill there) -> only a1 can serve; a1 has no plan -> any skill
    fallback = assign_contacts(contacts, agents, {"a1": None, "a3": "billing"}, SKILLS)
    assert pairs(fallback) == [("c1", "a1")]


def test_each_agent_at_most_once_and_unskilled_reason() -> None:
    contacts = [
        WaitingContact("c1", "billing", 40.0),
        WaitingContact("c2", "billing", 30.0),
        WaitingContact("c3", "billing", 20.0),
        WaitingContact("c4", "email", 99.0),
    ]
    agents = [AvailableAgent("a1"), AvailableAgent("a2"), AvailableAgent("a3")]
    decision = route_contacts(contacts, agents, {}, SKILLS)
    assert pairs(decision.assignments) == [("c1", "a1"), ("c2", "a2")]
    reasons = {u.contact_id: u.reason for u in decision.unassigned}
    assert reasons == {"c3": REASON_AGENTS_BUSY, "c4": REASON_NO_SKILLED_AGENT}
    agent_ids = [a.agent_id for a in decision.assignments]
    assert len(agent_ids) == len(set(agent_ids))


def test_unknown_agent_serves_nothing() -> None:
    decision = route_contacts(
        [WaitingContact("c1", "billing", 1.0)], [AvailableAgent("zz")], {}, SKILLS
    )
    assert decision.assignments == []
    assert decision.unassigned[0].reason == REASON_NO_SKILLED_AGENT


def test_bad_input_lists_every_error() -> None:
    contacts = [WaitingContact("c1", "billing", -1.0), WaitingContact("c1", "billing", 2.0)]
    agents = [AvailableAgent("a1", idle_s=float("nan")), AvailableAgent("a1")]
    with pytest.raises(InvalidInput) as info:
        assign_contacts(contacts, agents, {}, SKILLS)
    found = {(e.row, e.field) for e in info.value.errors}
    assert found == {(0, "wait_s"), (1, "contact_id"), (0, "idle_s"), (1, "agent_id")}


def test_plan_index_lookup() -> None:
    tz = "Europe/Berlin"
    roster = pd.DataFrame(
        {
            "agent_id": ["a1", "a1", "a1", "a2"],
            "date": ["2026-11-30"] * 4,
            "activity": ["work", "lunch", "work", "work"],
            "queue": ["billing", None, "sales", "billing"],
            "start": pd.to_datetime(
                ["2026-11-30 08:00", "2026-11-30 12:00", "2026-11-30 12:30", "2026-11-30 10:00"]
            ).tz_localize(tz),
            "end": pd.to_datetime(
                ["2026-11-30 12:00", "2026-11-30 12:30", "2026-11-30 16:00", "2026-11-30 18:00"]
            ).tz_localize(tz),
        }
    )
    index = PlanIndex(roster)
    assert len(index) == 4
    at = pd.Timestamp("2026-11-30 12:10", tz=tz)
    assert index.queues_at(at) == {"a1": None, "a2": "billing"}
    assert index.at(at)["a1"].activity == "lunch"
    # Same instant expressed in UTC; the end bound is exclusive.
    assert index.queues_at(pd.Timestamp("2026-11-30 11:30", tz="UTC")) == {
        "a1": "sales",
        "a2": "billing",
    }
    assert index.queues_at(pd.Timestamp("2026-11-30 07:59", tz=tz)) == {}
    # Answers are cached per segment between row boundaries; moving back and forth is exact.
    assert index.queues_at(pd.Timestamp("2026-11-30 12:29:59", tz=tz)) == {
        "a1": None,
        "a2": "billing",
    }
    assert index.queues_at(pd.Timestamp("2026-11-30 12:30", tz=tz))["a1"] == "sales"
    assert index.queues_at(pd.Timestamp("2026-11-30 12:00", tz=tz))["a1"] is None
    assert index.queues_at(pd.Timestamp("2026-11-30 11:59:59", tz=tz))["a1"] == "billing"
    assert index.queues_at(pd.Timestamp("2026-11-30 09:59", tz=tz)) == {"a1": "billing"}
    assert index.queues_at(pd.Timestamp("2026-11-30 18:00", tz=tz)) == {}
    with pytest.raises(InvalidInput):
        index.at(pd.Timestamp("2026-11-30 12:10"))
    assert PlanIndex(roster.iloc[0:0]).queues_at(at) == {}
