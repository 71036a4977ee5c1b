"""Ticket KPIs on hand-computed tickets: as of the period's end, per group."""

from __future__ import annotations

import pandas as pd
import pytest

from features.errors import InvalidInput
from features.measures.tickets import (
    ticket_kpis,
    ticket_outcomes,
    ticket_totals,
    tickets_in_period,
)
from features.records.sources import validate_tickets

T = "2026-11-30T"
START = pd.Timestamp("2026-11-30", tz="UTC")
END = pd.Timestamp("2026-12-01", tz="UTC")


def _tickets() -> pd.DataFrame:
    rows = [
        # resolved in the contact: first-contact resolution, 600 s
        {"ticket_id": "t1", "queue": "billing", "category": "refund", "opened_at": T + "08:00:00Z",
         "agent_id": "a1", "status_changes": [{"at": T + "08:10:00Z", "status": "resolved"}]},
        # pending first: resolved, not at first contact, 7200 s
        {"ticket_id": "t2", "queue": "billing", "category": "refund", "opened_at": T + "08:00:00Z",
         "agent_id": "a2", "status_changes": [{"at": T + "08:10:00Z", "status": "pending"},
                                              {"at": T + "10:00:00Z", "status": "resolved"}]},
        # resolved at 09:00, reopened at 12:00: in the backlog at the end of the day
        {"ticket_id": "t3", "queue": "billing", "category": "invoice", "opened_at": T + "08:00:00Z",
         "agent_id": "a1", "status_changes": [{"at": T + "09:00:00Z", "status": "resolved"},
                                              {"at": T + "12:00:00Z", "status": "reopened"}]},
        {"ticket_id": "t4", "queue": "sales", "category": "invoice", "opened_at": T + "09:00:00Z"},
        # opened the day before, still open: backlog, not in the period's counts
        {"ticket_id": "t5", "queue": "sales", "category": "invoice",
         "opened_at": "2026-11-29T09:00:00Z"},
        # only resolved_at: resolved at 09:30, 1800 s
        {"ticket_id": "t6", "queue": "sales", "category": "other", "opened_at": T + "09:00:00Z",
         "resolved_at": T + "09:30:00Z"},
        # resolved the day before: nothing to count
        {"ticket_id": "t7", "queue": "sales", "category": "other",
         "opened_at": "2026-11-28T09:00:00Z", "resolved_at": "2026-11-28T10:00:00Z"},
    ]  # fmt: skip
    return validate_tickets(pd.DataFrame(rows))


def test_outcomes_over_the_whole_history() -> None:
    outcomes = ticket_outcomes(_tickets())
    assert outcomes["status"].tolist() == [
        "resolved", "resolved", "reopened", "open", "open", "resolved", "resolved",
    ]  # fmt: skip
    assert outcomes["first_contact_resolved"].tolist()[:3] == [True, False, pd.NA]
    assert outcomes["ever_resolved"].tolist() == [True, True, True, False, False, True, True]
    assert outcomes["resolved_at"].iloc[1] == pd.Timestamp(T + "10:00:00Z")


def test_totals_of_the_day() -> None:
    totals = ticket_totals(_tickets(), START, END)
    assert totals.tickets == 5
    assert totals.resolved == 3
    assert totals.resolution_rate == pytest.approx(3 / 5)
    assert totals.resolution_s == pytest.approx((600 + 7200 + 1800) / 3)
    assert totals.resolution_p50_s == pytest.approx(1800)
    assert totals.first_contact_resolution == pytest.approx(2 / 3)
    assert totals.reopened == 1
    assert totals.reopen_rate == pytest.approx(1 / 4)
    assert totals.backlog == 3


def test_as_of_the_period_end() -> None:
    """At 11:00 t3 is still resolved (reopened at 12:00) and t2 resolved (at 10:00)."""
    morning = ticket_totals(_tickets(), START, pd.Timestamp(T + "11:00:00Z"))
    assert morning.resolved == 4
    assert morning.reopened == 0
    assert morning.backlog == 2
    early = ticket_totals(_tickets(), START, pd.Timestamp(T + "09:05:00Z"))
    assert (early.resolved, early.backlog) == (2, 4)


def test_per_queue_and_category() -> None:
    by_queue = ticket_kpis(_tickets(), START, END, by="queue").set_index("queue")
    assert by_queue.loc["billing", "tickets"] == 3
    assert by_queue.loc["billing", "first_contact_resolution"] == pytest.approx(0.5)
    assert by_queue.loc["sales", "backlog"] == 2
    assert by_queue.loc["sales", "resolution_s"] == pytest.approx(1800)
    by_category = ticket_kpis(_tickets(), START, END, by="category").set_index("category")
    assert by_category.loc["invoice", "tickets"] == 2
    assert by_category.loc["invoice", "backlog"] == 3
    assert pd.isna(by_category.loc["invoice", "resolution_s"])


def test_the_tickets_behind_a_category() -> None:
    rows = tickets_in_period(_tickets(), START, END, ["refund"])
    assert rows["ticket_id"].tolist() == ["t1", "t2"]
    assert rows["resolution_s"].tolist() == [600.0, 7200.0]
    assert rows["first_contact_resolved"].tolist() == [True, False]


def test_naive_or_empty_period_is_refused() -> None:
    with pytest.raises(InvalidInput):
        ticket_kpis(_tickets(), pd.Timestamp("2026-11-30"), END)
    with pytest.raises(InvalidInput):
        ticket_kpis(_tickets(), END, START)
    with pytest.raises(InvalidInput):
        ticket_kpis(_tickets(), START, END, by="team")
