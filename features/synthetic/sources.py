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

from features.calendar import iso_instants
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
    tickets = _tickets(handled, topics, reads, skills, channel_of, end, timezone, rng)
    quality = _quality(handled, skills, channel_of, end, timezone, rng)
    aliases = _aliases(agents, [p.name for p in profiles])
    return Sources(tickets, kb_events, quality, aliases, skills)


def _seconds(values: pd.Series) -> np.ndarray:
    """Tz-aware instants as whole seconds since the epoch (int64)."""
    return (
        values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[s]").astype(np.int64)
    )


def _local(seconds: np.ndarray, timezone: str) -> pd.Series:
    """Seconds since the epoch as tz-aware instants in `timezone`."""
    return pd.Series(pd.to_datetime(seconds, unit="s", utc=True)).dt.tz_convert(timezone)


def _topics(handled: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each handled contact's ticket category and knowledge-base topic."""
    categories = np.empty(len(handled), dtype=object)
    topics = np.empty(len(handled), dtype=object)
    basic = np.zeros(len(handled), dtype=bool)
    templates = handled["queue"].astype(str).map(template_of).to_numpy()
    for template in sorted(set(templates)):
        rows = np.flatnonzero(templates == template)
        catalogue = TOPICS.get(template, (("general", "general", 1.0, True),))
        weights = np.array([c[2] for c in catalogue])
        picks = rng.choice(len(catalogue), size=len(rows), p=weights / weights.sum())
        categories[rows] = [catalogue[k][0] for k in picks]
        topics[rows] = [catalogue[k][1] for k in picks]
        basic[rows] = [catalogue[k][3] for k in picks]
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
    rate = rate * np.where(topics["basic"].to_numpy(dtype=bool), 1.0, 1.2)
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
    picked = np.flatnonzero(reads)
    repeats = rng.integers(1, 4, len(picked))
    rows = np.repeat(picked, repeats)
    talk = np.maximum(pd.to_numeric(handled["talk_s"], errors="coerce").fillna(0).to_numpy(), 30.0)
    offsets = np.round(rng.uniform(0.1, 0.9, len(rows)) * talk[rows]).astype(np.int64)
    during = pd.DataFrame(
        {
            "contact_id": handled["contact_id"].to_numpy()[rows],
            "agent_id": handled["agent_id"].to_numpy()[rows],
            "topic": topics["topic"].to_numpy()[rows],
            "viewed_at": _local(_seconds(handled["answered_at"])[rows] + offsets, timezone),
        }
    )
    # New agents also study basic topics of their queue between contacts.
    days = pd.date_range(first_day, end.tz_convert(timezone).date() - dt.timedelta(days=1))
    study: list[dict[str, Any]] = []
    for agent in agents:
        if agent["agent_id"] not in new:
            continue
        queue = max(agent["skills"], key=agent["skills"].get)
        basics = [t[1] for t in TOPICS.get(template_of(queue), ()) if t[3]] or ["general"]
        for day in days:
            if day.day_of_week >= 5 or rng.random() < 0.5:
                continue
            minute = int(rng.integers(8 * 60, 17 * 60))
            study.append(
                {
                    "contact_id": None,
                    "agent_id": agent["agent_id"],
                    "topic": basics[int(rng.integers(len(basics)))],
                    "viewed_at": pd.Timestamp(day).tz_localize(timezone)
                    + pd.Timedelta(minutes=minute),
                }
            )
    frame = pd.concat(
        [during, pd.DataFrame(study, columns=list(during.columns))], ignore_index=True
    )
    frame["viewed_at"] = pd.to_datetime(frame["viewed_at"], utc=True).dt.tz_convert(timezone)
    frame = frame.sort_values(["viewed_at", "agent_id"], kind="stable", ignore_index=True)
    slug = frame["topic"].astype(str).str.replace(" ", "-", regex=False)
    article = rng.integers(1, ARTICLES_PER_TOPIC + 1, len(frame))
    frame["article_id"] = "kb-" + slug + "-" + pd.Series(article).astype(str)
    frame["event_id"] = [f"kb{i + 1:07d}" for i in range(len(frame))]
    frame["contact_id"] = frame["contact_id"].astype("str")
    return frame[KB_EVENT_COLUMNS]


def _tickets(
    handled: pd.DataFrame,
    topics: pd.DataFrame,
    reads: np.ndarray,
    skills: dict[str, float],
    channel_of: dict[str, str],
    end: pd.Timestamp,
    timezone: str,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    channel = handled["queue"].astype(str).map(channel_of).fillna(handled["channel"]).to_numpy()
    share = pd.Series(channel).map(TICKET_SHARE).fillna(0.3).to_numpy(dtype=float)
    rows = np.flatnonzero(rng.random(len(handled)) < share)
    count = len(rows)
    skill = handled["agent_id"].map(skills).fillna(0.6).to_numpy(dtype=float)[rows]
    read = reads[rows]
    transfers = pd.to_numeric(handled["transfers"], errors="coerce").fillna(0).to_numpy()
    transferred = transfers[rows] > 0
    opened = _seconds(handled["answered_at"])[rows] + rng.integers(5, 60, count)
    acw = pd.to_numeric(handled["acw_s"], errors="coerce").fillna(0).to_numpy()[rows]
    done = np.maximum(_seconds(handled["ended_at"])[rows] + np.round(acw).astype(np.int64), opened)
    first = 0.35 + 0.4 * skill + np.where(read, 0.1, 0.0) - np.where(transferred, 0.25, 0.0)
    settled = rng.random(count) < np.clip(first, 0.05, 0.95)
    mean_wait = pd.Series(channel[rows]).map(PENDING_DAYS).fillna(1.0).to_numpy() * 86400
    wait = np.round(rng.lognormal(np.log(mean_wait) - 0.5, 1.0)).astype(np.int64)
    resolved = np.where(settled, done, done + wait)
    reopen = rng.random(count) < np.clip(0.16 - 0.12 * skill - np.where(read, 0.06, 0.0), 0.01, 0.5)
    reopened = resolved + np.round(rng.uniform(6, 72, count) * 3600).astype(np.int64)
    fixed = reopened + np.round(rng.lognormal(np.log(0.5 * 86400), 0.8, count)).astype(np.int64)
    closed = np.where(reopen, fixed, resolved) + 2 * 86400
    priority = np.array(["normal", "high", "low", "urgent"])[
        rng.choice(4, size=count, p=[0.7, 0.2, 0.08, 0.02])
    ]
    horizon = int(end.tz_convert("UTC").timestamp())
    text = {
        name: iso_instants(_local(values, timezone)).to_numpy()
        for name, values in (("opened", opened), ("done", done), ("resolved", resolved),
                             ("reopened", reopened), ("fixed", fixed), ("closed", closed))
    }  # fmt: skip
    ids, queues = handled["contact_id"].to_numpy(), handled["queue"].astype(str).to_numpy()
    agents, categories = handled["agent_id"].to_numpy(), topics["category"].to_numpy()
    tickets = []
    for k, row in enumerate(rows):
        steps = [("done", "resolved" if settled[k] else "pending", done[k])]
        if not settled[k]:
            steps.append(("resolved", "resolved", resolved[k]))
        if reopen[k]:
            steps += [("reopened", "reopened", reopened[k]), ("fixed", "resolved", fixed[k])]
        steps.append(("closed", "closed", closed[k]))
        tickets.append(
            {
                "ticket_id": f"t{k + 1:07d}",
                "queue": queues[row],
                "category": str(categories[row]),
                "opened_at": text["opened"][k],
                "contact_id": str(ids[row]),
                "agent_id": str(agents[row]),
                "priority": str(priority[k]),
                "status_changes": [
                    {"at": text[name][k], "status": status}
                    for name, status, at in steps
                    if at < horizon
                ],
            }
        )
    return tickets


def _quality(
    handled: pd.DataFrame,
    skills: dict[str, float],
    channel_of: dict[str, str],
    end: pd.Timestamp,
    timezone: str,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(handled)
    channel = handled["queue"].astype(str).map(channel_of).fillna(handled["channel"]).to_numpy()
    speech = np.isin(channel, SPEECH_CHANNELS) & (rng.random(n) < 0.6)
    manual = rng.random(n) < 0.05
    skill = handled["agent_id"].map(skills).fillna(0.6).to_numpy(dtype=float)
    csat = pd.to_numeric(handled["csat"], errors="coerce").to_numpy(dtype=float)
    csat = np.where(np.isnan(csat), 3.5 + (skill - 0.6), csat)
    sentiment = pd.to_numeric(handled["sentiment"], errors="coerce").to_numpy(dtype=float)
    mood = np.where(np.isnan(sentiment), (csat - 3.0) / 2.0, sentiment)
    ended = _seconds(handled["ended_at"])
    horizon = int(end.tz_convert("UTC").timestamp())
    parts = []
    for source, chosen, delay in (("speech", speech, 300), ("manual", manual, 2 * 86400)):
        rows = np.flatnonzero(chosen & (ended + delay < horizon))
        compliance = _beta(0.55 + 0.4 * skill[rows], 30.0, rng)
        warmth = np.clip(0.45 + 0.3 * skill[rows] + 0.08 * (csat[rows] - 3.0), 0.05, 0.95)
        empathy = _beta(warmth, 25.0, rng)
        talk = pd.to_numeric(handled["talk_s"], errors="coerce").fillna(60.0).to_numpy()[rows]
        spoken = source == "speech"
        parts.append(
            pd.DataFrame(
                {
                    "row": rows,
                    "source": source,
                    "evaluated_at": ended[rows] + delay,
                    "script_compliance": np.round(compliance, 3),
                    "empathy": np.round(empathy, 3),
                    "keywords": _keywords(handled["queue"].to_numpy()[rows], mood[rows], rng)
                    if spoken
                    else [[] for _ in rows],
                    "emotion": _segments(talk, mood[rows], rng) if spoken else [[] for _ in rows],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).sort_values(["row", "source"], ignore_index=True)
    frame["evaluation_id"] = [
        f"q{i + 1:07d}-{source[0]}" for i, source in enumerate(frame["source"])
    ]
    frame["contact_id"] = handled["contact_id"].to_numpy()[frame["row"].to_numpy()]
    frame["evaluated_at"] = _local(frame["evaluated_at"].to_numpy(dtype=np.int64), timezone)
    return frame[QUALITY_COLUMNS]


def _beta(mean: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    mean = np.clip(mean, 0.02, 0.98)
    return rng.beta(mean * strength, (1.0 - mean) * strength)


def _keywords(queues: np.ndarray, mood: np.ndarray, rng: np.random.Generator) -> list[list[str]]:
    upset, glad = ("complaint", "manager", "cancel"), "thank you"
    picks = rng.random(len(queues))
    angry = rng.integers(0, len(upset), len(queues))
    found = []
    for queue, pick, feeling, word in zip(queues, picks, mood, angry, strict=True):
        words = [t[0] for t in TOPICS.get(template_of(str(queue)), ())]
        chosen = [words[int(pick * len(words))]] if words else []
        if feeling < -0.3:
            chosen.append(upset[word])
        if feeling > 0.4:
            chosen.append(glad)
        found.append(chosen)
    return found


NEGATIVE_LABELS = ("frustrated", "angry", "negative")
POSITIVE_LABELS = ("positive", "satisfied", "happy")


def _segments(talk: np.ndarray, mood: np.ndarray, rng: np.random.Generator) -> list[list[dict]]:
    """Emotion segments over each contact's talk time: the customer's mood shows in some."""
    counts = rng.integers(3, 7, len(talk))
    owner = np.repeat(np.arange(len(talk)), counts)
    cuts = rng.uniform(0.0, 1.0, len(owner))
    order = np.lexsort((cuts, owner))
    cuts = cuts[order]
    first = np.r_[0, np.cumsum(counts)[:-1]]
    cuts[first] = 0.0  # each contact's first segment starts at 0 s
    ends = np.r_[cuts[1:], 1.0]
    ends[np.cumsum(counts) - 1] = 1.0
    feeling = mood[owner]
    draw = rng.random(len(owner))
    kind = rng.integers(0, 3, len(owner))
    negative = (feeling < -0.3) & (draw < 0.6)
    positive = (feeling > 0.3) & (draw < 0.5) & ~negative
    labels = np.where(
        negative,
        np.array(NEGATIVE_LABELS)[kind],
        np.where(positive, np.array(POSITIVE_LABELS)[kind], "neutral"),
    )
    scores = np.where(negative, rng.uniform(0.55, 0.95, len(owner)),
                      np.where(positive, rng.uniform(0.5, 0.9, len(owner)),
                               rng.uniform(0.4, 0.8, len(owner))))  # fmt: skip
    seconds = talk[owner]
    result: list[list[dict]] = [[] for _ in range(len(talk))]
    for who, start, stop, label, score, length in zip(
        owner, cuts, ends, labels, scores, seconds, strict=True
    ):
        result[int(who)].append(
            {
                "start_s": round(float(start * length), 1),
                "end_s": round(float(stop * length), 1),
                "label": str(label),
                "score": round(float(score), 2),
            }
        )
    return result
