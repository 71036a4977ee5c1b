"""The other sources of the demo centre: tickets from its contacts, knowledge-base reads by its
agents, quality evaluations of their contacts, and Chinese aliases of its queues and teams.

Drawn after the contacts from a generator of their own (seeded by the centre's seed), so adding
them leaves the contacts, agent states and agents byte-identical. Everything follows the
simulated contacts and a latent **skill** per agent (0..1, from their main-skill proficiency and
tenure; about a fifth of the agents are new, hired in the weeks before the history starts):

- **Tickets**: a share of handled contacts (35 % of calls, half the chats, most e-mails) opens a
  ticket of one of the queue's categories. It is resolved in the contact (first-contact
  resolution) with a probability that grows with skill and an article read, and falls with a
  transfer; otherwise it waits (``pending``) a log-normal time before it is resolved. Some
  tickets are reopened (fewer with skill and an article read) and resolved again; resolved
  tickets close two days later. Changes after the history's end are not there yet, so the
  last days leave a backlog.
- **Knowledge base**: an agent reads an article of the contact's topic on a share of contacts
  that is higher for new agents, for long contacts (looking things up takes time) and lower on
  transferred ones (agents who find the answer keep the contact); new agents also read basic
  topics outside contacts. The effect on tickets above makes reads go with fewer reopens — an
  association the knowledge view can show, not a causal effect it may claim.
- **Quality**: speech analytics scores 60 % of handled calls and messaging contacts minutes
  after they end; supervisors review 5 % of all handled contacts by hand two days later. Script
  compliance centres on ``0.55 + 0.4 × skill``, empathy follows skill and the customer's
  satisfaction; emotion segments turn negative when the contact's sentiment does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.schema import KB_EVENT_COLUMNS, QUALITY_COLUMNS
from features.synthetic.profiles import QueueProfile

SOURCE_STREAM = 16
"""Second word of the sources' random seed (``default_rng([seed, 16])``)."""
NEW_AGENT_SHARE = 0.2
"""Share of the agents hired shortly before the history starts."""
TOPICS: dict[str, tuple[tuple[str, str, float, bool], ...]] = {
    "billing": (("refund", "refunds", 0.3, True), ("invoice question", "invoices", 0.35, True),
                ("payment failed", "payments", 0.2, False),
                ("address change", "account data", 0.15, True)),
    "sales": (("new contract", "tariffs", 0.35, True), ("upgrade", "tariffs", 0.25, False),
              ("cancellation", "cancellation", 0.25, False), ("pricing", "pricing", 0.15, True)),
    "support": (("login problem", "login", 0.35, True),
                ("app error", "app troubleshooting", 0.35, False),
                ("how-to", "how-to guides", 0.3, True)),
    "tech": (("outage", "outages", 0.25, False), ("configuration", "configuration", 0.45, True),
             ("bug report", "known issues", 0.3, False)),
    "retention": (("cancellation", "cancellation", 0.5, False),
                  ("discount", "retention offers", 0.5, True)),
    "orders": (("order status", "orders", 0.5, True), ("return", "returns", 0.5, True)),
    "social": (("complaint", "complaints", 0.5, False), ("question", "faq", 0.35, True),
               ("praise", "faq", 0.15, True)),
    "messaging": (("order status", "orders", 0.4, True), ("delivery", "delivery", 0.35, True),
                  ("return", "returns", 0.25, True)),
}  # fmt: skip
"""Per queue template: (ticket category, knowledge-base topic, share, basic topic?)."""
TICKET_SHARE = {"voice": 0.35, "chat": 0.5, "email": 0.85, "social": 0.6, "messaging": 0.45}
"""Share of handled contacts that open a ticket, per channel."""
PENDING_DAYS = {"voice": 1.0, "chat": 0.8, "email": 1.5, "social": 1.0, "messaging": 0.7}
"""Mean days a ticket not resolved in its contact waits before resolution."""
ZH_QUEUES = {
    "billing": "账单", "sales": "销售", "support": "支持", "tech": "技术", "retention": "挽留",
    "orders": "订单", "social": "社交媒体", "messaging": "消息",
}  # fmt: skip
"""Chinese names of the queue templates (aliases for questions in Chinese)."""
ZH_DIGITS = "零一二三四五六七八九十"
SPEECH_CHANNELS = ("voice", "messaging")
ARTICLES_PER_TOPIC = 4


@dataclass
class Sources:
    """The other sources of a generated centre.

    Attributes
    ----------
    tickets:
        Ticket records (JSON-ready dicts, instants ISO 8601 with offset).
    kb_events:
        :data:`features.schema.KB_EVENT_COLUMNS` (instants tz-aware).
    quality:
        :data:`features.schema.QUALITY_COLUMNS` (instants tz-aware; keywords and emotion
        lists).
    aliases:
        ``{kind, name, alias}`` records: Chinese names of the queues and teams.
    skills:
        Agent id -> latent skill 0..1 (the truth behind the quality scores).
    """

    tickets: list[dict[str, Any]]
    kb_events: pd.DataFrame
    quality: pd.DataFrame
    aliases: list[dict[str, str]]
    skills: dict[str, float]


def template_of(queue: str) -> str:
    """The catalogue name a queue was made from (``billing_2`` -> ``billing``)."""
    return queue.rsplit("_", 1)[0] if queue.rsplit("_", 1)[-1].isdigit() else queue


def assign_start_dates(
    agents: list[dict[str, Any]], first_day: dt.date, rng: np.random.Generator
) -> None:
    """Give every agent record a ``contract.start_date``: a fifth hired in the six weeks
    before `first_day` (new agents), the others one to eight years earlier."""
    for agent in agents:
        if rng.random() < NEW_AGENT_SHARE:
            start = first_day - dt.timedelta(days=int(rng.integers(1, 43)))
        else:
            start = first_day - dt.timedelta(days=int(rng.integers(365, 8 * 365)))
        agent["contract"] = {**agent["contract"], "start_date": start.isoformat()}


def agent_skills(
    agents: Sequence[dict[str, Any]], first_day: dt.date, rng: np.random.Generator
) -> dict[str, float]:
    """Latent skill 0..1 per agent: main-skill proficiency, tenure and personal spread."""
    skills = {}
    for agent in agents:
        proficiency = max(agent["skills"].values())
        start = dt.date.fromisoformat(agent["contract"]["start_date"])
        experienced = (first_day - start).days >= 180
        value = 0.45 + 0.08 * (proficiency - 4) + (0.25 if experienced else 0.0)
        skills[agent["agent_id"]] = float(np.clip(value + rng.normal(0.0, 0.07), 0.15, 0.97))
    return skills


def _aliases(agents: Sequence[dict[str, Any]], queues: Sequence[str]) -> list[dict[str, str]]:
    found = []
    for queue in queues:
        name = ZH_QUEUES.get(template_of(queue))
        if name is not None:
            suffix = queue.rsplit("_", 1)[-1] if queue != template_of(queue) else ""
            found.append({"kind": "queue", "name": queue, "alias": f"{name}{suffix}"})
    for team in sorted({str(a["team"]) for a in agents if a.get("team")}):
        queue, _, number = team.rpartition("-")
        name = ZH_QUEUES.get(template_of(queue))
        if name is None or not number.isdigit():
            continue
        found.append({"kind": "team", "name": team, "alias": f"{name}{number}组"})
        if int(number) <= 10:
            found.append(
                {"kind": "team", "name": team, "alias": f"{name}{ZH_DIGITS[int(number)]}组"}
            )
    return found


def generate_sources(
    contacts: pd.DataFrame,
    agents: list[dict[str, Any]],
    profiles: Sequence[QueueProfile],
    *,
    first_day: dt.date,
    end: pd.Timestamp,
    timezone: str,
    seed: int,
) -> Sources:
    """Tickets, knowledge-base events, quality evaluations and aliases of a generated centre
    (see the module docstring); sets ``contract.start_date`` on the agent records.

    Parameters
    ----------
    contacts:
        The centre's contacts (:data:`features.schema.CONTACT_COLUMNS`, instants tz-aware).
    agents:
        The centre's agent records (changed in place: start dates).
    profiles:
        The queue profiles the centre was made from.
    first_day:
        The history's first local date.
    end:
        The history's end (tz-aware): nothing happens at or after it.
    timezone:
        The site's zone.
    seed:
        The centre's seed.
    """
    rng = np.random.default_rng([seed, SOURCE_STREAM])
    assign_start_dates(agents, first_day, rng)
    skills = agent_skills(agents, first_day, rng)
    new = {
        a["agent_id"]
        for a in agents
        if (first_day - dt.date.fromisoformat(a["contract"]["start_date"])).days < 90
    }
    handled = contacts[contacts["answered_at"].notna() & contacts["agent_id"].notna()]
    handled = handled.reset_index(drop=True)
    channel_of = {p.name: p.channel for p in profiles}
    topics = _topics(handled, rng)
    reads = _reads(handled, topics, skills, new, rng)
    kb_events = _kb_events(handled, topics, reads, agents, new, first_day, end, timezone, rng)
    tickets = _tickets(handled, topics, reads, skills, channel_of, end, rng)
    quality = _quality(handled, skills, channel_of, end, rng)
    aliases = _aliases(agents, [p.name for p in profiles])
    return Sources(tickets, kb_events, quality, aliases, skills)


def _topics(handled: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each handled contact's ticket category and knowledge-base topic."""
    categories, topics, basic = [], [], []
    for queue in handled["queue"]:
        catalogue = TOPICS.get(template_of(str(queue)), (("general", "general", 1.0, True),))
        weights = np.array([c[2] for c in catalogue])
        pick = catalogue[int(rng.choice(len(catalogue), p=weights / weights.sum()))]
        categories.append(pick[0])
        topics.append(pick[1])
        basic.append(pick[3])
    return pd.DataFrame({"category": categories, "topic": topics, "basic": basic})


def _reads(
    handled: pd.DataFrame,
    topics: pd.DataFrame,
    skills: dict[str, float],
    new: set[str],
    rng: np.random.Generator,
) -> np.ndarray:
    """Whether the agent read an article on each handled contact."""
    skill = handled["agent_id"].map(skills).fillna(0.6).to_numpy(dtype=float)
    handle = pd.to_numeric(handled["handle_s"], errors="coerce")
    median = handle.groupby(handled["queue"]).transform("median")
    longer = (handle > median).to_numpy()
    transferred = (pd.to_numeric(handled["transfers"], errors="coerce").fillna(0) > 0).to_numpy()
    fresh = handled["agent_id"].isin(sorted(new)).to_numpy()
    rate = 0.08 + 0.25 * (1.0 - skill) + np.where(fresh, 0.1, 0.0)
    rate = rate * np.where(longer, 1.6, 0.7) * np.where(transferred, 0.5, 1.0)
    rate = rate * np.where(topics["basic"].to_numpy(), 1.0, 1.2)
    return rng.random(len(handled)) < np.clip(rate, 0.0, 0.9)


def _kb_events(
    handled: pd.DataFrame,
    topics: pd.DataFrame,
    reads: np.ndarray,
    agents: Sequence[dict[str, Any]],
    new: set[str],
    first_day: dt.date,
    end: pd.Timestamp,
    timezone: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    picked = handled[reads]
    for index, contact in zip(np.flatnonzero(reads), picked.itertuples(index=False), strict=True):
        topic = str(topics.at[index, "topic"])
        talk = max(float(contact.talk_s or 0.0), 30.0)
        for _ in range(int(rng.integers(1, 4))):
            offset = float(rng.uniform(0.1, 0.9)) * talk
            rows.append(
                {
                    "contact_id": contact.contact_id,
                    "agent_id": contact.agent_id,
                    "topic": topic,
                    "viewed_at": contact.answered_at + pd.Timedelta(seconds=round(offset)),
                }
            )
    # New agents also study basic topics of their queue between contacts.
    days = pd.date_range(first_day, end.tz_convert(timezone).date() - dt.timedelta(days=1))
    for agent in agents:
        if agent["agent_id"] not in new:
            continue
        queue = max(agent["skills"], key=agent["skills"].get)
        basics = [t[1] for t in TOPICS.get(template_of(queue), ()) if t[3]] or ["general"]
        for day in days:
            if day.day_of_week >= 5 or rng.random() < 0.5:
                continue
            at = pd.Timestamp(day).tz_localize(timezone) + pd.Timedelta(
                minutes=int(rng.integers(8 * 60, 17 * 60))
            )
            rows.append(
                {
                    "contact_id": None,
                    "agent_id": agent["agent_id"],
                    "topic": basics[int(rng.integers(len(basics)))],
                    "viewed_at": at,
                }
            )
    frame = pd.DataFrame(rows, columns=["contact_id", "agent_id", "topic", "viewed_at"])
    frame = frame.sort_values(["viewed_at", "agent_id"], kind="stable", ignore_index=True)
    slug = frame["topic"].str.replace(" ", "-", regex=False)
    article = rng.integers(1, ARTICLES_PER_TOPIC + 1, len(frame))
    frame["article_id"] = "kb-" + slug + "-" + pd.Series(article).astype(str)
    frame["event_id"] = [f"kb{i + 1:07d}" for i in range(len(frame))]
    frame["viewed_at"] = pd.to_datetime(frame["viewed_at"]).dt.tz_convert(timezone)
    frame["contact_id"] = frame["contact_id"].astype("str")
    return frame[KB_EVENT_COLUMNS]


def _tickets(
    handled: pd.DataFrame,
    topics: pd.DataFrame,
    reads: np.ndarray,
    skills: dict[str, float],
    channel_of: dict[str, str],
    end: pd.Timestamp,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    tickets: list[dict[str, Any]] = []
    priorities = np.array(["normal", "high", "low", "urgent"])
    for index, contact in enumerate(handled.itertuples(index=False)):
        channel = channel_of.get(str(contact.queue), str(contact.channel))
        if rng.random() >= TICKET_SHARE.get(channel, 0.3):
            continue
        skill = skills.get(str(contact.agent_id), 0.6)
        read = bool(reads[index])
        transferred = (contact.transfers or 0) > 0
        opened = contact.answered_at + pd.Timedelta(seconds=int(rng.integers(5, 60)))
        done = contact.ended_at + pd.Timedelta(seconds=float(contact.acw_s or 0.0))
        first = 0.35 + 0.4 * skill + (0.1 if read else 0.0) - (0.25 if transferred else 0.0)
        p_first = np.clip(first, 0.05, 0.95)
        p_reopen = np.clip(0.16 - 0.12 * skill - (0.06 if read else 0.0), 0.01, 0.5)
        changes: list[tuple[pd.Timestamp, str]] = []
        if rng.random() < p_first:
            changes.append((max(done, opened), "resolved"))
        else:
            changes.append((max(done, opened), "pending"))
            wait = rng.lognormal(np.log(PENDING_DAYS.get(channel, 1.0) * 86400) - 0.5, 1.0)
            changes.append((changes[-1][0] + pd.Timedelta(seconds=round(wait)), "resolved"))
        if rng.random() < p_reopen:
            reopen = changes[-1][0] + pd.Timedelta(hours=float(rng.uniform(6, 72)))
            changes.append((reopen, "reopened"))
            fix = rng.lognormal(np.log(0.5 * 86400), 0.8)
            changes.append((reopen + pd.Timedelta(seconds=round(fix)), "resolved"))
        changes.append((changes[-1][0] + pd.Timedelta(days=2), "closed"))
        seen = [(at, status) for at, status in changes if at < end]
        tickets.append(
            {
                "ticket_id": f"t{len(tickets) + 1:07d}",
                "queue": str(contact.queue),
                "category": str(topics.at[index, "category"]),
                "opened_at": opened.isoformat(),
                "contact_id": str(contact.contact_id),
                "agent_id": str(contact.agent_id),
                "priority": str(priorities[int(rng.choice(4, p=[0.7, 0.2, 0.08, 0.02]))]),
                "status_changes": [{"at": at.isoformat(), "status": status} for at, status in seen],
            }
        )
    return tickets


def _quality(
    handled: pd.DataFrame,
    skills: dict[str, float],
    channel_of: dict[str, str],
    end: pd.Timestamp,
    rng: np.random.Generator,
) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for contact in handled.itertuples(index=False):
        channel = channel_of.get(str(contact.queue), str(contact.channel))
        speech = channel in SPEECH_CHANNELS and rng.random() < 0.6
        manual = rng.random() < 0.05
        if not (speech or manual):
            continue
        skill = skills.get(str(contact.agent_id), 0.6)
        csat = float(contact.csat) if pd.notna(contact.csat) else 3.5 + 1.0 * (skill - 0.6)
        mood = float(contact.sentiment) if pd.notna(contact.sentiment) else (csat - 3.0) / 2.0
        for source in ("speech", "manual"):
            if not (speech if source == "speech" else manual):
                continue
            delay = pd.Timedelta(minutes=5) if source == "speech" else pd.Timedelta(days=2)
            evaluated = contact.ended_at + delay
            if evaluated >= end:
                continue
            compliance = _beta(0.55 + 0.4 * skill, 30.0, rng)
            empathy = _beta(float(np.clip(0.45 + 0.3 * skill + 0.08 * (csat - 3.0), 0.05, 0.95)),
                            25.0, rng)  # fmt: skip
            rows.append(
                {
                    "evaluation_id": f"q{len(rows) + 1:07d}-{source[0]}",
                    "contact_id": str(contact.contact_id),
                    "evaluated_at": evaluated,
                    "source": source,
                    "script_compliance": round(compliance, 3),
                    "empathy": round(empathy, 3),
                    "keywords": _keywords(str(contact.queue), mood, rng) if speech else [],
                    "emotion": _segments(float(contact.talk_s or 60.0), mood, rng)
                    if source == "speech"
                    else [],
                }
            )
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    frame["evaluated_at"] = pd.to_datetime(frame["evaluated_at"])
    return frame


def _beta(mean: float, strength: float, rng: np.random.Generator) -> float:
    mean = float(np.clip(mean, 0.02, 0.98))
    return float(rng.beta(mean * strength, (1.0 - mean) * strength))


def _keywords(queue: str, mood: float, rng: np.random.Generator) -> list[str]:
    words = [t[0] for t in TOPICS.get(template_of(queue), ())]
    chosen = [words[int(rng.integers(len(words)))]] if words else []
    if mood < -0.3:
        chosen.append(["complaint", "manager", "cancel"][int(rng.integers(3))])
    if mood > 0.4:
        chosen.append("thank you")
    return chosen


def _segments(talk_s: float, mood: float, rng: np.random.Generator) -> list[dict[str, Any]]:
    """Emotion segments over the talk time: the customer's mood shows in one or two of them."""
    count = int(rng.integers(3, 7))
    cuts = np.sort(rng.uniform(0, talk_s, count - 1))
    bounds = np.concatenate([[0.0], cuts, [talk_s]])
    negative = ("frustrated", "angry", "negative")
    positive = ("positive", "satisfied", "happy")
    segments = []
    for k in range(count):
        if mood < -0.3 and rng.random() < 0.6:
            label, score = negative[int(rng.integers(3))], rng.uniform(0.55, 0.95)
        elif mood > 0.3 and rng.random() < 0.5:
            label, score = positive[int(rng.integers(3))], rng.uniform(0.5, 0.9)
        else:
            label, score = "neutral", rng.uniform(0.4, 0.8)
        segments.append(
            {
                "start_s": round(float(bounds[k]), 1),
                "end_s": round(float(bounds[k + 1]), 1),
                "label": label,
                "score": round(float(score), 2),
            }
        )
    return segments
