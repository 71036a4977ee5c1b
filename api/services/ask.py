"""Questions in plain language over the store, within the caller's scope: build the lexicon
from the stored names and aliases, parse (:mod:`features.ask.parser`), check the named queues,
teams and agents against the key's scope, read the records the question needs, answer
(:mod:`features.ask.answer`).

A supervisor's question without a queue, team or agent is about their own teams; an agent's is
about themself; naming anything outside the key's scope is refused (403).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
from sqlalchemy import select

from api.auth import Principal
from api.roles import AGENT, SUPERVISOR
from api.scope import forbid_outside, scoped_agents, scoped_queues
from api.services.sources import Scope
from features.ask.answer import (
    Answer,
    AskContext,
    AskFrames,
    answer_query,
    family_of,
    not_understood,
    span_of,
)
from features.ask.lexicon import Lexicon
from features.ask.parser import NotUnderstood, Query, parse_question
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore
from features.store.tables.records import ContactRow


def known_queues(store: Store, agents: pd.DataFrame) -> list[str]:
    """Every queue name the store knows: in contacts and in agents' skills."""
    with store.engine.connect() as connection:
        stored = set(connection.execute(select(ContactRow.queue).distinct()).scalars())
    skilled = {q for skills in agents["skills"] if isinstance(skills, dict) for q in skills}
    return sorted(str(q) for q in stored | skilled if q)


def _self(query: Query, principal: Principal) -> Query:
    """Fill in "my": the agent's own id, or the supervisor's teams."""
    if principal.role == AGENT and (query.self_scope or not (query.queues or query.teams)):
        return dataclasses.replace(query, agents=query.agents or (principal.agent_id or "",))
    if principal.role == SUPERVISOR and (query.self_scope or not _named(query)):
        return dataclasses.replace(query, teams=query.teams or tuple(principal.teams))
    return query


def _named(query: Query) -> bool:
    return bool(query.queues or query.teams or query.agents)


def _check_scope(query: Query, principal: Principal, store: Store) -> None:
    agents = scoped_agents(principal, store)
    queues = scoped_queues(principal, store)
    for agent in query.agents:
        forbid_outside(agents, agent, "agent")
    if principal.role == AGENT:
        # An agent's questions are about their own contacts: a queue may narrow them, but a
        # queue's or team's figures as a whole are outside the key's scope.
        if not query.agents:
            for queue in query.queues:
                forbid_outside(set(), queue, "queue")
        for team in query.teams:
            forbid_outside(set(), team, "team")
        if query.group_by == "team":
            forbid_outside(set(), "every team", "grouping")
        return
    for queue in query.queues:
        forbid_outside(queues, queue, "queue")
    if principal.role == SUPERVISOR:
        for team in query.teams:
            forbid_outside(set(principal.teams), team, "team")


def _frames(
    query: Query, store: Store, service: ServiceStore, scope: Scope, timezone: str
) -> AskFrames:
    low, high = span_of(query)
    family = family_of(query)
    sources = SourcesStore(store)
    queues = sorted(scope.queues) if scope.queues is not None else None
    agents = sorted(scope.agents) if scope.agents is not None else None
    if family == "contacts":
        contacts = store.read_contacts(low, high, queues)
        return AskFrames(contacts=_local(contacts, ("arrived_at", "answered_at", "ended_at"),
                                         timezone))  # fmt: skip
    if family == "occupancy":
        return AskFrames(agent_states=store.read_agent_states(low, high, agents))
    if family == "tickets":
        return AskFrames(tickets=scope.owned(sources.read_tickets(low, high, queues=queues)))
    if family == "quality":
        return AskFrames(quality=scope.owned(sources.read_quality(low, high, queues=queues)))
    if family == "knowledge":
        return AskFrames(kb_events=sources.read_kb_events(low, high, agent_ids=agents))
    roster = service.read_schedule(agents, low.to_pydatetime(), high.to_pydatetime())
    return AskFrames(roster=_local(roster, ("start", "end"), timezone))


def _local(frame: pd.DataFrame, columns: tuple[str, ...], timezone: str) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column], utc=True).dt.tz_convert(timezone)
    return out


def ask(
    question: str,
    principal: Principal,
    store: Store,
    service: ServiceStore,
    *,
    timezone: str,
    now: pd.Timestamp | None = None,
) -> Answer:
    """Answer a question in plain language for `principal`.

    Parameters
    ----------
    question:
        English or Chinese text.
    principal:
        The caller; its role and scope decide what may be named and what is counted.
    store, service:
        The records and service stores.
    timezone:
        The site's zone (relative dates and local days).
    now:
        The instant "today" and "now" refer to (the clock's when None).

    Raises
    ------
    fastapi.HTTPException
        403 when the question names a queue, team or agent outside the key's scope.
    """
    moment = pd.Timestamp.now(tz=timezone) if now is None else pd.Timestamp(now)
    agents = store.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    aliases = SourcesStore(store).read_aliases()
    queues = known_queues(store, agents)
    teams = sorted({str(t) for t in agents["team"].dropna()})
    lexicon = Lexicon(
        queues=queues,
        teams=teams,
        agents=dict(zip(agents["agent_id"], agents["name"].fillna(""), strict=True)),
        aliases=list(aliases.itertuples(index=False, name=None)),
    )
    parsed = parse_question(question, lexicon, now=moment, timezone=timezone)
    if isinstance(parsed, NotUnderstood):
        return not_understood(parsed)
    query = _self(parsed, principal)
    _check_scope(query, principal, store)
    scope = Scope.of(principal, store)
    visible = agents if scope.agents is None else agents[agents["agent_id"].isin(scope.agents)]
    ctx = AskContext(
        timezone=timezone,
        agents=visible.reset_index(drop=True),
        queues=[q for q in queues if scope.queues is None or q in scope.queues],
        teams=sorted(scope.teams) if scope.teams is not None else teams,
        scope_en="the whole centre" if scope.agents is None else "your scope",
        scope_zh="全中心" if scope.agents is None else "您的范围",
        zh_names={
            (k, n): a
            for k, a, n in aliases.itertuples(index=False, name=None)
            if any("\u3400" <= ch <= "\u9fff" for ch in a)
        },  # fmt: skip
    )
    frames = _frames(query, store, service, scope, timezone)
    return answer_query(query, frames, ctx)
