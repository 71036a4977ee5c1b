"""Knowledge-base use, the association with handle time/transfers/reopens, and the topics new
agents read, on hand-made contacts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from features.measures.knowledge import (
    ALL_TOPICS,
    compare_means,
    compare_shares,
    kb_effectiveness,
    kb_usage,
    new_agent_topics,
)

AT = pd.Timestamp("2026-11-30T09:00:00Z")


def _contacts(n: int = 40) -> pd.DataFrame:
    """n handled billing contacts: even ones 300 + i s (transferred every 4th), odd 200 + i s."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "contact_id": f"c{i}",
                "queue": "billing",
                "agent_id": "a1" if i % 2 else "a2",
                "arrived_at": AT + pd.Timedelta(minutes=i),
                "answered_at": AT + pd.Timedelta(minutes=i, seconds=10),
                "abandoned": False,
                "handle_s": (300.0 if i % 2 == 0 else 200.0) + i,
                "transfers": 1 if i % 4 == 0 else 0,
            }
        )
    rows.append(
        {
            "contact_id": "gone",
            "queue": "billing",
            "agent_id": None,
            "arrived_at": AT,
            "answered_at": pd.NaT,
            "abandoned": True,
            "handle_s": np.nan,
            "transfers": 0,
        }
    )
    return pd.DataFrame(rows)  # fmt: skip


def _events() -> pd.DataFrame:
    """An article read on every even contact (topic refunds) and once outside contacts."""
    rows = [
        {"event_id": f"k{i}", "contact_id": f"c{i}", "agent_id": "a2", "article_id": "kb-r",
         "topic": "refunds", "viewed_at": AT}
        for i in range(0, 40, 2)
    ]  # fmt: skip
    rows.append({"event_id": "k-study", "contact_id": None, "agent_id": "a3",
                 "article_id": "kb-i", "topic": "invoices", "viewed_at": AT})  # fmt: skip
    return pd.DataFrame(rows)


def test_usage_per_topic_and_agent() -> None:
    by_topic = kb_usage(_events(), None, "topic").set_index("topic")
    assert by_topic.loc["refunds", "views"] == 20 and by_topic.loc["refunds", "contacts"] == 20
    assert by_topic.loc["invoices", "contacts"] == 0
    by_agent = kb_usage(_events(), _contacts(), "agent_id").set_index("agent_id")
    assert by_agent.loc["a2", "handled"] == 20
    assert by_agent.loc["a2", "share_with_article"] == pytest.approx(1.0)
    assert by_agent.loc["a1", "views"] == 0 and by_agent.loc["a1", "share_with_article"] == 0.0
    assert by_agent.loc["a3", "views"] == 1


def test_effectiveness_is_an_interval_and_a_test() -> None:
    tickets = pd.DataFrame({"contact_id": [f"c{i}" for i in range(40)],
                            "reopened": [i % 10 == 1 for i in range(40)]})  # fmt: skip
    table = kb_effectiveness(_events(), _contacts(), tickets)
    rows = table[table["topic"] == ALL_TOPICS].set_index("measure")
    handle = rows.loc["handle_s"]
    assert (handle["n_with"], handle["n_without"]) == (20, 20)
    assert handle["difference"] == pytest.approx(99.0)
    evens, odds = 300.0 + np.arange(0, 40, 2), 200.0 + np.arange(1, 40, 2)
    low, high = stats.ttest_ind(evens, odds, equal_var=False).confidence_interval(0.95)
    assert (handle["ci_low"], handle["ci_high"]) == pytest.approx((low, high))
    transfer = rows.loc["transferred"]
    assert transfer["mean_with"] == pytest.approx(0.5) and transfer["mean_without"] == 0.0
    half = 1.959964 * np.sqrt(0.25 / 20)
    assert transfer["ci_low"] == pytest.approx(0.5 - half, rel=1e-4)
    assert transfer["p_value"] == pytest.approx(stats.fisher_exact([[10, 10], [0, 20]]).pvalue)
    reopened = rows.loc["reopened"]
    assert reopened["mean_with"] == 0.0 and reopened["mean_without"] == pytest.approx(4 / 20)
    assert set(table["topic"]) == {ALL_TOPICS, "refunds"}


def test_small_groups_get_no_interval() -> None:
    table = kb_effectiveness(_events().head(3), _contacts(), None)
    handle = table[(table["topic"] == ALL_TOPICS) & (table["measure"] == "handle_s")].iloc[0]
    assert handle["n_with"] == 3 and handle["ci_low"] is None and handle["p_value"] is None
    assert handle["note"] == "fewer than 10 contacts in a group"
    without = np.concatenate([200.0 + np.arange(1, 40, 2), 300.0 + np.arange(6, 40, 2)])
    assert handle["difference"] == pytest.approx(302.0 - without.mean())


def test_compare_means_matches_welch() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(300, 50, 60), rng.normal(280, 40, 80)
    result = compare_means(a, b)
    low, high = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high))
    assert result.p_value == pytest.approx(stats.mannwhitneyu(a, b).pvalue)
    assert compare_shares(np.array([1.0] * 5), np.array([0.0] * 5)).ci_low is None


def test_topics_new_agents_read_most() -> None:
    events = pd.DataFrame(
        {
            "event_id": [f"k{i}" for i in range(7)],
            "agent_id": ["new1", "new1", "new2", "new2", "old", "old", "old"],
            "topic": ["refunds", "refunds", "refunds", "invoices", "invoices", "invoices", "tax"],
            "contact_id": None,
            "article_id": "x",
        }
    )
    starts = {"new1": dt.date(2026, 11, 1), "new2": dt.date(2026, 10, 1),
              "old": dt.date(2020, 1, 1)}  # fmt: skip
    table = new_agent_topics(events, starts, dt.date(2026, 11, 30)).set_index("topic")
    assert table.index.tolist() == ["refunds", "invoices"]
    assert table.loc["refunds", "views_new"] == 3 and table.loc["refunds", "new_agents"] == 2
    assert table.loc["refunds", "share_new"] == pytest.approx(0.75)
    assert table.loc["refunds", "share_experienced"] == 0.0
    assert pd.isna(table.loc["refunds", "lift"])
    assert table.loc["invoices", "lift"] == pytest.approx(0.25 / (2 / 3))
    assert new_agent_topics(events, starts, dt.date(2027, 6, 1)).empty
