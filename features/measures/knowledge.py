"""Knowledge-base use: how often articles are read per topic and agent, whether contacts with an
article read go with shorter handle times or fewer transfers and reopens, and which topics new
agents look up most (what training should cover).

The effectiveness view is an **association**, never an effect: agents read articles on harder
contacts, and new agents read more, so a difference between contacts with and without an article
read says how they differ, not what reading did. Each comparison states its sample sizes, a 95 %
confidence interval of the difference and a test's p-value, and refuses to compare groups smaller
than ``min_group`` contacts.

Handled contacts (answered, not abandoned, with an agent) are compared within the same queues:
for a topic, the contacts on which an article of that topic was read against the handled
contacts of the same queues on which no article was read at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from features.errors import FieldError, InvalidInput

ALL_TOPICS = "(all topics)"
"""The topic label of the comparison over every article read."""
MIN_GROUP = 10
"""Fewest contacts per group for a comparison to be reported."""
NEW_AGENT_DAYS = 90
"""An agent is new for this many days after their first day (contract start date)."""
EFFECT_COLUMNS = [
    "topic",
    "measure",
    "n_with",
    "n_without",
    "mean_with",
    "mean_without",
    "difference",
    "ci_low",
    "ci_high",
    "p_value",
    "test",
    "note",
]
"""One row per (topic, measure) of :func:`kb_effectiveness`."""
MEASURES = {
    "handle_s": "Welch t interval; Mann-Whitney U test",
    "transferred": "Wald interval; Fisher exact test",
    "reopened": "Wald interval; Fisher exact test",
}
"""Compared measures: seconds of handle time, share transferred, share of tickets reopened."""


@dataclass(frozen=True)
class Comparison:
    """One measure on contacts with an article read against contacts without.

    Attributes
    ----------
    n_with, n_without:
        Contacts in each group.
    mean_with, mean_without:
        Mean handle time (seconds) or share (0..1) per group.
    difference:
        ``mean_with - mean_without``.
    ci_low, ci_high:
        95 % confidence interval of the difference (None when a group is too small).
    p_value:
        Of the test named in :data:`MEASURES` (None when a group is too small).
    """

    n_with: int
    n_without: int
    mean_with: float | None
    mean_without: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


def _handled(contacts: pd.DataFrame) -> pd.DataFrame:
    abandoned = contacts["abandoned"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    agent = contacts["agent_id"]
    keep = contacts["answered_at"].notna().to_numpy() & ~abandoned & agent.notna().to_numpy()
    return contacts[keep].reset_index(drop=True)


def kb_usage(events: pd.DataFrame, contacts: pd.DataFrame | None, by: str) -> pd.DataFrame:
    """How often articles are read, per topic, agent or article.

    Parameters
    ----------
    events:
        Knowledge-base events (:data:`features.schema.KB_EVENT_COLUMNS`) of the period.
    contacts:
        Contacts of the period (``contact_id``, ``agent_id``, ``answered_at``, ``abandoned``);
        with ``by="agent_id"`` each agent's handled contacts give the share of them on which an
        article was read. None leaves those columns empty.
    by:
        ``topic``, ``agent_id`` or ``article_id``.

    Returns
    -------
    pandas.DataFrame
        One row per label, most views first: ``views``, ``articles`` (distinct), ``agents``
        (distinct), ``contacts`` (distinct contacts with a view), and for agents ``handled``
        and ``share_with_article`` (0..1).
    """
    if by not in ("topic", "agent_id", "article_id"):
        raise InvalidInput(
            "cannot group knowledge-base use",
            [FieldError(None, "by", "must be topic, agent_id or article_id", by)],
        )
    grouped = events.groupby(by)
    table = pd.DataFrame(
        {
            "views": grouped.size(),
            "articles": grouped["article_id"].nunique(),
            "agents": grouped["agent_id"].nunique(),
            "contacts": grouped["contact_id"].nunique(),
        }
    )
    if by == "agent_id" and contacts is not None:
        handled = _handled(contacts)
        with_view = handled["contact_id"].isin(events["contact_id"].dropna().tolist())
        per_agent = handled.assign(with_view=with_view.to_numpy()).groupby("agent_id")
        table = table.join(
            pd.DataFrame(
                {
                    "handled": per_agent.size(),
                    "share_with_article": per_agent["with_view"].mean(),
                }
            ),
            how="outer",
        )
        table[["views", "articles", "agents", "contacts"]] = table[
            ["views", "articles", "agents", "contacts"]
        ].fillna(0)
    table = table.reset_index().rename(columns={"index": by})
    for column in ("views", "articles", "agents", "contacts", "handled"):
        if column in table:
            table[column] = table[column].fillna(0).astype("int64")
    return table.sort_values(["views", by], ascending=[False, True], ignore_index=True)


def compare_means(
    with_: np.ndarray, without: np.ndarray, *, min_group: int = MIN_GROUP
) -> Comparison:
    """Difference of mean handle times (seconds) with a Welch 95 % interval and a Mann-Whitney U
    test (two-sided)."""
    n1, n0 = len(with_), len(without)
    m1 = float(np.mean(with_)) if n1 else None
    m0 = float(np.mean(without)) if n0 else None
    if n1 < min_group or n0 < min_group:
        return Comparison(n1, n0, m1, m0, _diff(m1, m0), None, None, None)
    welch = stats.ttest_ind(with_, without, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    test = stats.mannwhitneyu(with_, without, alternative="two-sided")
    return Comparison(n1, n0, m1, m0, _diff(m1, m0), float(low), float(high), float(test.pvalue))


def compare_shares(
    with_: np.ndarray, without: np.ndarray, *, min_group: int = MIN_GROUP
) -> Comparison:
    """Difference of two shares (0..1) with a Wald 95 % interval and Fisher's exact test."""
    n1, n0 = len(with_), len(without)
    p1 = float(np.mean(with_)) if n1 else None
    p0 = float(np.mean(without)) if n0 else None
    if n1 < min_group or n0 < min_group or p1 is None or p0 is None:
        return Comparison(n1, n0, p1, p0, _diff(p1, p0), None, None, None)
    half = stats.norm.ppf(0.975) * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    hits1, hits0 = int(np.sum(with_)), int(np.sum(without))
    table = [[hits1, n1 - hits1], [hits0, n0 - hits0]]
    p_value = float(stats.fisher_exact(table).pvalue)
    return Comparison(n1, n0, p1, p0, p1 - p0, p1 - p0 - half, p1 - p0 + half, p_value)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def kb_effectiveness(
    events: pd.DataFrame,
    contacts: pd.DataFrame,
    tickets: pd.DataFrame | None = None,
    *,
    min_group: int = MIN_GROUP,
) -> pd.DataFrame:
    """Handle time, transfers and reopens of contacts with an article read against those
    without, over all topics and per topic (an association; see the module docstring).

    Parameters
    ----------
    events:
        Knowledge-base events of the period (:data:`features.schema.KB_EVENT_COLUMNS`).
    contacts:
        Contacts of the period (``contact_id``, ``queue``, ``agent_id``, ``answered_at``,
        ``abandoned``, ``handle_s`` seconds, ``transfers``).
    tickets:
        Tickets with ``contact_id`` and ``reopened``; the reopen comparison uses the contacts
        that opened a ticket. None skips it.
    min_group:
        Fewest contacts per group for an interval and a test.

    Returns
    -------
    pandas.DataFrame
        :data:`EFFECT_COLUMNS`, one row per (topic, measure), the all-topics rows first;
        ``note`` says when a group was too small.
    """
    handled = _handled(contacts)
    rows: list[dict[str, object]] = []
    if handled.empty:
        return pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    linked = events[events["contact_id"].isin(handled["contact_id"].tolist())]
    any_view = handled["contact_id"].isin(linked["contact_id"].tolist()).to_numpy()
    values = {
        "handle_s": pd.to_numeric(handled["handle_s"], errors="coerce").to_numpy(dtype=float),
        "transferred": (
            pd.to_numeric(handled["transfers"], errors="coerce").fillna(0).to_numpy() > 0
        ).astype(float),
    }
    if tickets is not None and not tickets.empty:
        reopened = tickets.drop_duplicates("contact_id").set_index("contact_id")["reopened"]
        values["reopened"] = handled["contact_id"].map(reopened.astype(float)).to_numpy(dtype=float)
    topics = [(ALL_TOPICS, any_view)]
    for topic, group in linked.groupby("topic", sort=True):
        topics.append(
            (str(topic), handled["contact_id"].isin(group["contact_id"].tolist()).to_numpy())
        )
    for topic, used in topics:
        queues = handled["queue"].isin(handled.loc[used, "queue"].unique()).to_numpy()
        baseline = queues & ~any_view
        for measure, series in values.items():
            known = ~np.isnan(series)
            compare = compare_means if measure == "handle_s" else compare_shares
            result = compare(series[used & known], series[baseline & known], min_group=min_group)
            small = result.ci_low is None
            rows.append(
                {
                    "topic": topic,
                    "measure": measure,
                    **result.__dict__,
                    "test": MEASURES[measure],
                    "note": f"fewer than {min_group} contacts in a group" if small else "",
                }
            )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def is_new_agent(
    tenure_start: Mapping[str, dt.date], as_of: dt.date, *, new_agent_days: int = NEW_AGENT_DAYS
) -> dict[str, bool]:
    """Agent id -> whether their first day lies less than `new_agent_days` before `as_of`."""
    return {
        str(agent): (as_of - start).days < new_agent_days for agent, start in tenure_start.items()
    }


def new_agent_topics(
    events: pd.DataFrame,
    tenure_start: Mapping[str, dt.date],
    as_of: dt.date,
    *,
    new_agent_days: int = NEW_AGENT_DAYS,
    top: int = 10,
) -> pd.DataFrame:
    """The topics new agents look up most: what training for them should cover.

    Parameters
    ----------
    events:
        Knowledge-base events of the period.
    tenure_start:
        Agent id -> first day with the centre (agents missing here are left out).
    as_of:
        The day tenure is measured at (the period's last day).
    new_agent_days:
        An agent is new for this many days after their first day.
    top:
        Most topics returned.

    Returns
    -------
    pandas.DataFrame
        ``topic``, ``views_new`` (views by new agents), ``new_agents`` (distinct new agents who
        read it), ``share_new`` (of all new agents' views), ``share_experienced`` (of the
        experienced agents' views), ``lift`` (share_new / share_experienced; None when the
        experienced never read it); most views by new agents first.
    """
    new = is_new_agent(tenure_start, as_of, new_agent_days=new_agent_days)
    status = events["agent_id"].astype(str).map(new)
    known = events[status.notna().to_numpy()].assign(new=status.dropna().astype(bool).to_numpy())
    newbies, seniors = known[known["new"]], known[~known["new"]]
    columns = ["topic", "views_new", "new_agents", "share_new", "share_experienced", "lift"]
    if newbies.empty:
        return pd.DataFrame(columns=columns)
    table = newbies.groupby("topic").agg(
        views_new=("event_id", "size"), new_agents=("agent_id", "nunique")
    )
    table["share_new"] = table["views_new"] / len(newbies)
    if len(seniors):
        shares = seniors.groupby("topic").size() / len(seniors)
        table["share_experienced"] = shares.reindex(table.index).fillna(0.0)
    else:
        table["share_experienced"] = np.nan
    lift = table["share_new"] / table["share_experienced"]
    table["lift"] = lift.where(np.isfinite(lift))
    table = table.reset_index().sort_values(["views_new", "topic"], ascending=[False, True])
    return table.head(top).reset_index(drop=True)[columns]
