"""Answers to parsed questions: the number (or numbers), the query that produced them and links
to the dashboard, in the question's language.

Every number comes from the measure modules the rest of the product uses
(:mod:`features.measures.kpis` for contacts — so "billing's service level yesterday" equals
``GET /v1/kpis?level=queue&id=billing`` for that day —, :mod:`features.measures.tickets`,
:mod:`features.measures.quality`); when there is nothing to measure the answer says so and gives
no number.

Attribution to teams: measures that belong to the agent who handled a contact (handled, handle
time, satisfaction, quality, knowledge-base use, occupancy, ticket owners) count for that
agent's team; measures of the queue whatever happened to the contact (offered, abandoned,
service level, speed of answer) count for the queues the team serves first
(:func:`features.measures.kpis.primary_queues`) — abandoned contacts have no agent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np
import pandas as pd

from features.ask.dates import Period
from features.ask.lexicon import MEASURE_BY_KEY, Family, Measure
from features.ask.parser import EXAMPLES, NotUnderstood, Query
from features.measures.kpis import contact_totals, mean_csat, primary_queues, state_occupancy
from features.measures.quality import quality_by
from features.measures.tickets import ticket_totals

MAX_LISTED = 20
"""Most names listed in an answer's sentence (every one is in ``rows``)."""


@dataclass
class AskContext:
    """What the caller may see and how to name it.

    Attributes
    ----------
    timezone:
        The site's zone.
    agents:
        Agent records in scope (``agent_id``, ``name``, ``team``, ``skills``).
    queues:
        Queue names in scope (every queue groups and rankings consider).
    teams:
        Team names in scope.
    scope_en, scope_zh:
        How to name everything the caller may see (``the whole centre``, ``your queues``).
    zh_names:
        (kind, name) -> Chinese alias, to name things in Chinese answers.
    """

    timezone: str
    agents: pd.DataFrame
    queues: Sequence[str]
    teams: Sequence[str]
    scope_en: str = "the whole centre"
    scope_zh: str = "全中心"
    zh_names: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def team_of(self) -> dict[str, str]:
        """Agent id -> team."""
        known = self.agents.dropna(subset=["team"])
        return dict(zip(known["agent_id"].astype(str), known["team"].astype(str), strict=True))


@dataclass
class AskFrames:
    """The records a question needs, read for the span of its periods (instants tz-aware).

    Any may be None when the question's family does not need it.
    """

    contacts: pd.DataFrame | None = None
    agent_states: pd.DataFrame | None = None
    tickets: pd.DataFrame | None = None
    quality: pd.DataFrame | None = None
    kb_events: pd.DataFrame | None = None
    roster: pd.DataFrame | None = None


@dataclass
class Answer:
    """What ``GET /v1/ask`` returns.

    Attributes
    ----------
    understood:
        False when the question (or its combination of parts) cannot be answered without
        guessing; `text` says why and `examples` shows questions that work.
    text:
        The answer in the question's language.
    value:
        The one number asked for (shares 0..1, seconds, counts), when there is one.
    unit:
        ``share``, ``seconds``, ``count``, ``score`` (0..1), ``rating`` (1-5) or ``agents``.
    rows:
        One entry per group, period, day or agent on shift (``label``, ``value``, ...): the
        chart's data.
    query:
        The structured query that ran (measure, filters, period, grouping, ...).
    chart_url, drill_url:
        Dashboard pages: the answer drawn as a chart, and the view to drill into.
    """

    understood: bool
    language: str
    text: str
    value: float | None = None
    unit: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] | None = None
    chart_url: str | None = None
    drill_url: str | None = None
    unknown: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


class Unanswerable(ValueError):
    """A parsed question whose parts do not fit the data model (e.g. abandoned calls of an
    agent); carries the reason in English and Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True)
class Subject:
    """The filters one value is computed for."""

    queues: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()


def family_of(query: Query) -> Family | str:
    """What a query reads: a measure family, or ``roster`` for shift questions."""
    if query.intent == "on_shift" or query.measure is None:
        return "roster"
    return MEASURE_BY_KEY[query.measure].family


def span_of(query: Query) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The range to read: from the earliest period start to the latest period end."""
    return min(p.start for p in query.periods), max(p.end for p in query.periods)


def not_understood(refusal: NotUnderstood) -> Answer:
    """The answer to a question the parser could not read."""
    text = refusal.reason_zh if refusal.language == "zh" else refusal.reason
    lead = "没有理解这个问题：" if refusal.language == "zh" else "Sorry, I cannot answer that: "
    return Answer(
        understood=False,
        language=refusal.language,
        text=lead + text,
        unknown=list(refusal.unknown),
        examples=list(refusal.examples),
    )


def _unanswerable(query: Query, problem: Unanswerable) -> Answer:
    zh = query.language == "zh"
    lead = "无法回答：" if zh else "Sorry, I cannot answer that: "
    return Answer(
        understood=False,
        language=query.language,
        text=lead + (problem.zh if zh else str(problem)),
        query=query.describe(),
        examples=list(EXAMPLES[query.language]),
    )


# -- values ----------------------------------------------------------------------------------
def _within(frame: pd.DataFrame, column: str, period: Period) -> pd.DataFrame:
    instants = pd.to_datetime(frame[column], utc=True)
    low, high = period.start.tz_convert("UTC"), period.end.tz_convert("UTC")
    return frame[((instants >= low) & (instants < high)).to_numpy()]


def _members(ctx: AskContext, teams: Sequence[str]) -> set[str]:
    return {a for a, t in ctx.team_of.items() if t in teams}


def _contact_value(
    measure: Measure, subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    contacts = _within(_need(frames.contacts, "contacts"), "arrived_at", period)
    if subject.queues:
        contacts = contacts[contacts["queue"].isin(list(subject.queues))]
    if subject.teams:
        if measure.side == "agent":
            contacts = contacts[contacts["agent_id"].isin(sorted(_members(ctx, subject.teams)))]
        else:
            served = primary_queues(ctx.agents)
            queues = sorted(set().union(*(served.get(t, set()) for t in subject.teams)))
            contacts = contacts[contacts["queue"].isin(queues)]
    if subject.agents:
        if measure.key in ("abandoned", "abandon_rate"):
            raise Unanswerable(
                "abandoned contacts were handled by nobody, so they have no agent; ask per "
                "queue or team",
                "放弃的联系没有座席处理，无法按座席统计；请按队列或班组询问",
            )
        contacts = contacts[contacts["agent_id"].isin(list(subject.agents))]
    if measure.key == "csat":
        return mean_csat(contacts), len(contacts)
    totals = contact_totals(contacts.reset_index(drop=True), ctx.timezone)
    value = getattr(totals, measure.key)
    return (None if value is None else float(value)), len(contacts)


def _occupancy_value(
    subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    if subject.queues:
        raise Unanswerable(
            "occupancy is measured per agent or team, not per queue",
            "占用率按座席或班组统计，不按队列统计",
        )
    ids = set(subject.agents) if subject.agents else None
    if subject.teams:
        team_ids = _members(ctx, subject.teams)
        ids = team_ids if ids is None else ids & team_ids
    if ids is None:
        ids = set(ctx.agents["agent_id"].astype(str))
    states = _need(frames.agent_states, "agent_states").copy()
    low, high = period.start.tz_convert("UTC"), period.end.tz_convert("UTC")
    states["started_at"] = pd.to_datetime(states["started_at"], utc=True).clip(lower=low)
    states["ended_at"] = pd.to_datetime(states["ended_at"], utc=True).clip(upper=high)
    states = states[states["ended_at"] > states["started_at"]]
    return state_occupancy(states, ids, ctx.timezone), len(ids)


def _ticket_value(
    measure: Measure, subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    tickets = _need(frames.tickets, "tickets")
    tickets = tickets.assign(team=tickets["agent_id"].map(ctx.team_of))
    if subject.queues:
        tickets = tickets[tickets["queue"].isin(list(subject.queues))]
    if subject.teams:
        tickets = tickets[tickets["team"].isin(list(subject.teams))]
    if subject.agents:
        tickets = tickets[tickets["agent_id"].isin(list(subject.agents))]
    totals = ticket_totals(tickets.reset_index(drop=True), period.start, period.end)
    value = getattr(totals, measure.key)
    count = totals.backlog if measure.key == "backlog" else totals.tickets
    return (None if value is None else float(value)), int(count)


def _quality_value(
    measure: Measure, subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    rows = _within(_need(frames.quality, "quality"), "arrived_at", period)
    rows = rows.assign(team=rows["agent_id"].map(ctx.team_of))
    for column, wanted in (("queue", subject.queues), ("team", subject.teams),
                           ("agent_id", subject.agents)):  # fmt: skip
        if wanted:
            rows = rows[rows[column].isin(list(wanted))]
    if rows.empty:
        return None, 0
    totals = quality_by(rows.reset_index(drop=True)).iloc[0]
    value = totals[measure.key]
    return (None if pd.isna(value) else float(value)), int(totals["evaluations"])


def _knowledge_value(
    subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    if subject.queues:
        raise Unanswerable(
            "knowledge-base use is counted per agent or team, not per queue",
            "知识库使用按座席或班组统计，不按队列统计",
        )
    events = _within(_need(frames.kb_events, "kb_events"), "viewed_at", period)
    ids = set(subject.agents) | (_members(ctx, subject.teams) if subject.teams else set())
    if subject.agents or subject.teams:
        events = events[events["agent_id"].isin(sorted(ids))]
    else:
        events = events[events["agent_id"].isin(ctx.agents["agent_id"].astype(str).tolist())]
    return float(len(events)), len(events)


def _need(frame: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if frame is None:
        raise ValueError(f"the answer needs the {name} frame")
    return frame


def measure_value(
    measure: Measure, subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> tuple[float | None, int]:
    """One measure for one subject and period: the value (None when nothing was measured) and
    the count it rests on (contacts, tickets, evaluations, agents or views)."""
    if measure.family == "contacts":
        return _contact_value(measure, subject, period, frames, ctx)
    if measure.family == "occupancy":
        return _occupancy_value(subject, period, frames, ctx)
    if measure.family == "tickets":
        return _ticket_value(measure, subject, period, frames, ctx)
    if measure.family == "quality":
        return _quality_value(measure, subject, period, frames, ctx)
    return _knowledge_value(subject, period, frames, ctx)


# -- wording ---------------------------------------------------------------------------------
def format_value(value: float, unit: str, language: str) -> str:
    """A value as an answer shows it: shares and scores in %, seconds as s/min/h, counts with
    thousands separators, ratings out of 5."""
    zh = language == "zh"
    if unit in ("share", "score"):
        return f"{value:.1%}"
    if unit == "seconds":
        seconds = round(value)
        if seconds < 120:
            return f"{seconds} 秒" if zh else f"{seconds} s"
        if seconds < 3 * 3600:
            minutes, rest = divmod(seconds, 60)
            return f"{minutes} 分 {rest} 秒" if zh else f"{minutes} min {rest} s"
        hours, rest = divmod(seconds, 3600)
        return f"{hours} 小时 {rest // 60} 分" if zh else f"{hours} h {rest // 60} min"
    if unit == "rating":
        return f"{value:.2f} / 5"
    return f"{value:,.0f}"


def _name(kind: str, name: str, ctx: AskContext, zh: bool) -> str:
    if kind == "agent":
        known = ctx.agents[ctx.agents["agent_id"].astype(str) == name]
        shown = (
            str(known["name"].iloc[0]) if len(known) and pd.notna(known["name"].iloc[0]) else name
        )
    else:
        shown = name
    if zh:
        alias = ctx.zh_names.get((kind, name)) or shown
        word = {"queue": "队列", "team": "班组", "agent": ""}[kind]
        return alias if not word or alias.endswith(word) or alias.endswith("组") else alias + word
    return {"queue": f"{shown}", "team": f"team {shown}", "agent": shown}[kind]


def _join(parts: Sequence[str], zh: bool) -> str:
    if zh:
        return "、".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _subject_text(subject: Subject, query: Query, ctx: AskContext) -> str:
    zh = query.language == "zh"
    parts = [_name("queue", q, ctx, zh) for q in subject.queues]
    parts += [_name("team", t, ctx, zh) for t in subject.teams]
    parts += [_name("agent", a, ctx, zh) for a in subject.agents]
    if query.self_scope and not parts:
        return "你" if zh else "you"
    if not parts:
        return ctx.scope_zh if zh else ctx.scope_en
    return _join(parts, zh)


def _when(period: Period, zh: bool) -> str:
    dates = period.describe("zh" if zh else "en")
    label = period.label
    if label == dates or label.replace(" ", "") == dates:
        return dates if zh else f"on {dates}"
    return f"{label}（{dates}）" if zh else f"{label} ({dates})"


def _measure_label(measure: Measure, zh: bool) -> str:
    return measure.zh if zh else measure.en


def _links(query: Query, ctx: AskContext) -> tuple[str, str]:
    chart = f"/dashboard/ask?q={quote(query.question)}"
    period = query.periods[0]
    family = family_of(query)
    if family == "roster":
        monday = period.first_day - dt.timedelta(days=period.first_day.weekday())
        return chart, f"/dashboard/roster?week={monday.isoformat()}"
    if family in ("contacts", "occupancy"):
        return chart, f"/dashboard/drill?day={period.first_day.isoformat()}"
    params: dict[str, str] = {
        "start": period.first_day.isoformat(),
        "end": period.last_day.isoformat(),
    }
    if len(query.queues) == 1:
        params["queue"] = query.queues[0]
    return chart, f"/dashboard/tickets?{urlencode(params)}"


# -- answers ---------------------------------------------------------------------------------
def answer_query(query: Query, frames: AskFrames, ctx: AskContext) -> Answer:
    """Answer a parsed question from the frames read for it.

    Parameters
    ----------
    query:
        From :func:`features.ask.parser.parse_question`, with filters already checked against
        the caller's scope (and the caller's own agent or teams filled in for "my").
    frames:
        The records of :func:`family_of` over :func:`span_of`, already cut to the caller's
        scope.
    ctx:
        The scope's agents, queues and teams, and how to name them.

    Returns
    -------
    Answer
        The number(s) with the query description and links; ``understood=False`` when the
        question's parts do not fit together.
    """
    chart, drill = _links(query, ctx)
    try:
        if query.intent == "on_shift":
            answer = _on_shift(query, frames, ctx)
        elif query.group_by is not None:
            answer = _grouped(query, frames, ctx)
        elif len(query.periods) == 2:
            answer = _two_periods(query, frames, ctx)
        else:
            answer = _single(query, frames, ctx)
    except Unanswerable as problem:
        return _unanswerable(query, problem)
    answer.query = query.describe()
    answer.chart_url, answer.drill_url = chart, drill
    return answer


def _base(query: Query) -> Subject:
    return Subject(query.queues, query.teams, query.agents)


def _no_data(query: Query, measure: Measure, subject_text: str, period: Period) -> str:
    zh = query.language == "zh"
    if zh:
        return f"{subject_text}{_when(period, zh)}没有可计算{measure.zh}的数据。"
    return f"There is no data to compute the {measure.en} of {subject_text} {_when(period, zh)}."


def _single(query: Query, frames: AskFrames, ctx: AskContext) -> Answer:
    assert query.measure is not None
    measure = MEASURE_BY_KEY[query.measure]
    zh = query.language == "zh"
    period = query.periods[0]
    subject = _base(query)
    value, count = measure_value(measure, subject, period, frames, ctx)
    who = _subject_text(subject, query, ctx)
    rows = _daily(measure, subject, period, frames, ctx)
    if value is None:
        return Answer(True, query.language, _no_data(query, measure, who, period), rows=rows)
    shown = format_value(value, measure.unit, query.language)
    if zh:
        text = f"{who}{_when(period, zh)}的{measure.zh}为 {shown}。"
    elif measure.unit == "count":
        text = _capital(f"{who} had {shown} {measure.en} {_when(period, zh)}.")
    else:
        text = f"The {measure.en} of {who} {_when(period, zh)} was {shown}."
    if query.threshold is not None:
        limit = format_value(query.threshold.value, measure.unit, query.language)
        holds = query.threshold.holds(value)
        words = _op_words(query.threshold.op, zh)
        if zh:
            text = (
                f"{'是' if holds else '否'}：{text[:-1]}，{'' if holds else '不'}{words} {limit}。"
            )
        else:
            verdict = "Yes" if holds else "No"
            text = f"{verdict}: {text[:-1]}, {'' if holds else 'not '}{words} {limit}."
    return Answer(True, query.language, text, value=value, unit=measure.unit, rows=rows)


def _op_words(op: str, zh: bool) -> str:
    if zh:
        return {">": "高于", ">=": "不低于", "<": "低于", "<=": "不高于"}[op]
    return {">": "above", ">=": "at least", "<": "below", "<=": "at most"}[op]


def _daily(
    measure: Measure, subject: Subject, period: Period, frames: AskFrames, ctx: AskContext
) -> list[dict[str, Any]]:
    """The measure per local day of a multi-day period (the chart of a single value)."""
    days = (period.last_day - period.first_day).days + 1
    if days <= 1:
        return []
    rows = []
    for offset in range(days):
        day = period.first_day + dt.timedelta(days=offset)
        start = pd.Timestamp(day).tz_localize(ctx.timezone)
        end = pd.Timestamp(day + dt.timedelta(days=1)).tz_localize(ctx.timezone)
        value, count = measure_value(measure, subject, Period(start, end, day.isoformat()),
                                     frames, ctx)  # fmt: skip
        rows.append({"label": day.isoformat(), "value": value, "count": count})
    return rows


def _groups(query: Query, ctx: AskContext) -> list[str]:
    level = query.group_by
    if level == "queue":
        return list(query.queues) or list(ctx.queues)
    if level == "team":
        return list(query.teams) or list(ctx.teams)
    agents = ctx.agents
    if query.teams:
        agents = agents[agents["team"].isin(list(query.teams))]
    return list(query.agents) or sorted(agents["agent_id"].astype(str))


def _grouped(query: Query, frames: AskFrames, ctx: AskContext) -> Answer:
    assert query.measure is not None and query.group_by is not None
    measure = MEASURE_BY_KEY[query.measure]
    zh = query.language == "zh"
    period = query.periods[0]
    level = query.group_by
    if level == "agent" and measure.key in ("abandoned", "abandon_rate"):
        raise Unanswerable(
            "abandoned contacts were handled by nobody, so they have no agent; ask per queue "
            "or team",
            "放弃的联系没有座席处理，无法按座席统计；请按队列或班组询问",
        )
    base = _base(query)
    rows: list[dict[str, Any]] = []
    for label in _groups(query, ctx):
        subject = Subject(
            (label,) if level == "queue" else base.queues,
            (label,) if level == "team" else base.teams,
            (label,) if level == "agent" else base.agents,
        )
        value, count = measure_value(measure, subject, period, frames, ctx)
        rows.append(
            {"label": label, "name": _name(level, label, ctx, zh), "value": value, "count": count}
        )
    measured = [r for r in rows if r["value"] is not None]
    what = {"queue": ("queues", "队列"), "team": ("teams", "班组"), "agent": ("agents", "座席")}
    plural_en, plural_zh = what[level]
    when = _when(period, zh)
    if not measured:
        text = (
            f"{when}没有可计算各{plural_zh}{measure.zh}的数据。"
            if zh
            else f"There is no data to compute the {measure.en} per {level} {when}."
        )
        return Answer(True, query.language, text, rows=rows)
    note = _attribution_note(measure, level, zh)
    if query.rank is not None:
        if query.rank in ("max", "min"):
            highest = query.rank == "max"
        else:
            highest = (query.rank == "best") == measure.higher_is_better
        top = max(r["value"] for r in measured) if highest else min(r["value"] for r in measured)
        winners = [r for r in measured if np.isclose(r["value"], top)]
        shown = format_value(top, measure.unit, query.language)
        names = _join([r["name"] for r in winners], zh)
        word = _rank_words(query.rank, measure.unit, zh)
        if zh:
            total = f"（共 {len(measured)} 个{plural_zh}）"
            text = f"{when}{measure.zh}{word}的是{names}：{shown}{total}。{note}"
        else:
            text = _capital(
                f"{names} had the {word} {measure.en} {when}: {shown} "
                f"(of {len(measured)} {plural_en}).{note}"
            )
        return Answer(True, query.language, text.strip(), value=top, unit=measure.unit, rows=rows)
    if query.threshold is not None:
        limit = format_value(query.threshold.value, measure.unit, query.language)
        words = _op_words(query.threshold.op, zh)
        hits = [r for r in measured if query.threshold.holds(r["value"])]
        listed = (
            _join(
                [
                    f"{r['name']} {format_value(r['value'], measure.unit, query.language)}"
                    for r in hits
                ],
                zh,
            )
            if hits
            else ""
        )
        if zh:
            text = (
                f"{when}{len(measured)} 个{plural_zh}中有 {len(hits)} 个{measure.zh}{words} {limit}"
                + (f"：{listed}。" if hits else "。")
            )
        else:
            text = (
                f"{len(hits)} of {len(measured)} {plural_en} had a {measure.en} {words} {limit} "
                f"{when}" + (f": {listed}." if hits else ".")
            )
        return Answer(True, query.language, text + note, value=float(len(hits)), unit="count",
                      rows=rows)  # fmt: skip
    listed = _join(
        [f"{r['name']} {format_value(r['value'], measure.unit, query.language)}" for r in measured],
        zh,
    )
    if zh:
        text = f"{when}各{plural_zh}的{measure.zh}：{listed}。{note}"
    else:
        text = f"The {measure.en} per {level} {when}: {listed}.{note}"
    return Answer(True, query.language, text.strip(), unit=measure.unit, rows=rows)


def _capital(text: str) -> str:
    """Capitalise a sentence that starts with a common word (names keep their spelling)."""
    if text.startswith(("the ", "team ", "you ")):
        return text[:1].upper() + text[1:]
    return text


def _rank_words(rank: str, unit: str, zh: bool) -> str:
    counted = unit == "count"
    if zh:
        high, low = ("最多", "最少") if counted else ("最高", "最低")
        return {"max": high, "min": low, "best": "最好", "worst": "最差"}[rank]
    high, low = ("most", "fewest") if counted else ("highest", "lowest")
    return {"max": high, "min": low, "best": "best", "worst": "worst"}[rank]


def _attribution_note(measure: Measure, level: str, zh: bool) -> str:
    if level != "team" or measure.family != "contacts" or measure.side != "queue":
        return ""
    if zh:
        return "（队列类指标按各班组主要服务的队列统计。）"
    return " (Counted on the queues each team serves first: these contacts have no agent.)"


def _two_periods(query: Query, frames: AskFrames, ctx: AskContext) -> Answer:
    assert query.measure is not None
    measure = MEASURE_BY_KEY[query.measure]
    zh = query.language == "zh"
    subject = _base(query)
    who = _subject_text(subject, query, ctx)
    rows: list[dict[str, Any]] = []
    for period in query.periods:
        value, count = measure_value(measure, subject, period, frames, ctx)
        dates = period.describe(query.language)
        rows.append({"label": period.label, "dates": dates, "value": value, "count": count})
    first, second = rows
    if first["value"] is None or second["value"] is None:
        missing = query.periods[0] if first["value"] is None else query.periods[1]
        return Answer(True, query.language, _no_data(query, measure, who, missing), rows=rows)
    a = format_value(first["value"], measure.unit, query.language)
    b = format_value(second["value"], measure.unit, query.language)
    change = first["value"] - second["value"]
    if measure.unit in ("share", "score"):
        delta = f"{change * 100:+.1f} " + ("个百分点" if zh else "points")
    else:
        sign = "+" if change >= 0 else "-"
        delta = sign + format_value(abs(change), measure.unit, query.language)
    p1, p2 = (_when(p, zh) for p in query.periods)
    if zh:
        text = f"{who}{p1}的{measure.zh}为 {a}，{p2}为 {b}，变化 {delta}。"
    else:
        text = f"The {measure.en} of {who} was {a} {p1} against {b} {p2}: {delta}."
    return Answer(True, query.language, text, value=first["value"], unit=measure.unit, rows=rows)


def _on_shift(query: Query, frames: AskFrames, ctx: AskContext) -> Answer:
    zh = query.language == "zh"
    period = query.periods[0]
    roster = _need(frames.roster, "roster")
    people = ctx.agents.assign(agent_id=ctx.agents["agent_id"].astype(str))
    if query.teams:
        people = people[people["team"].isin(list(query.teams))]
    if query.agents:
        people = people[people["agent_id"].isin(list(query.agents))]
    rows = roster[roster["agent_id"].astype(str).isin(people["agent_id"].tolist())]
    rows = rows[(rows["end"] > period.start) & (rows["start"] < period.end)]
    if query.queues:
        working = rows[(rows["activity"] == "work") & rows["queue"].isin(list(query.queues))]
        rows = rows[rows["agent_id"].isin(working["agent_id"].unique().tolist())]
    spans = rows.groupby("agent_id").agg(start=("start", "min"), end=("end", "max"))
    if query.at is not None:
        at = query.at
        now_rows = rows[(rows["start"] <= at) & (rows["end"] > at)]
        activity = dict(zip(now_rows["agent_id"], now_rows["activity"], strict=False))
        spans = spans[spans.index.isin(list(activity))]
    else:
        activity = {}
    named = people.set_index("agent_id")
    found = [
        {
            "label": str(agent),
            "name": str(named.loc[agent, "name"]) if pd.notna(named.loc[agent, "name"]) else agent,
            "team": None if pd.isna(named.loc[agent, "team"]) else str(named.loc[agent, "team"]),
            "activity": activity.get(agent),
            "start": span.start.tz_convert(ctx.timezone).isoformat(),
            "end": span.end.tz_convert(ctx.timezone).isoformat(),
            "value": 1.0,
        }
        for agent, span in spans.sort_values(["start"]).iterrows()
    ]
    found.sort(key=lambda r: (r["team"] or "", r["name"]))
    when = _when(period, zh)
    clock = query.at.strftime("%H:%M") if query.at is not None else None
    listed = _join(
        [f"{r['name']} ({r['team']})" if r["team"] else r["name"] for r in found[:MAX_LISTED]],
        zh,
    )
    more = len(found) - MAX_LISTED
    if zh:
        moment = f"{when}{clock}" if clock else when
        text = (
            f"{moment}共有 {len(found)} 名座席在班"
            + (f"：{listed}" if found else "")
            + (f" 等（另有 {more} 名）" if more > 0 else "")
            + "。"
        )
    else:
        moment = f"{when} at {clock}" if clock else when
        text = (
            f"{len(found)} agent{'s' if len(found) != 1 else ''} on shift {moment}"
            + (f": {listed}" if found else "")
            + (f" and {more} more" if more > 0 else "")
            + "."
        )
    return Answer(True, query.language, text, value=float(len(found)), unit="agents", rows=found)
