"""Exports for BI tools, shared by ``GET /v1/exports/{kind}`` and ``seatwise export``.

Each kind is one flat table computed by the same functions as the API's own views, so an
export's numbers are the API's numbers: ``intervals`` are ``GET /v1/intervals`` rows, ``kpis``
one row per drill-down node of ``GET /v1/kpis`` (center, every queue, team and agent in scope),
``ticket-kpis`` the same for ``GET /v1/tickets/kpis``, ``performance`` the table behind
``GET /v1/agents/{id}/performance``. Instants are ISO 8601 with the site's offset in CSV and
timezone-aware timestamps in Parquet; nested fields (skills, status changes, emotion segments)
are JSON text so every column is flat.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, Final

import pandas as pd

# The KPI endpoints' own cut of agent states, so exported occupancy is theirs to the digit.
from api.routers.history import _clipped_states
from api.services.people import team_performance
from api.services.site import Site
from api.services.sources import Scope, read_tickets, team_map
from features.measures.intervals import build_intervals
from features.measures.kpis import KpiTotals, contact_totals, grouped_totals, state_occupancy
from features.measures.performance import PERFORMANCE_COLUMNS
from features.measures.tickets import (
    TICKET_KPIS,
    TicketTotals,
    grouped_ticket_totals,
    ticket_totals,
    tickets_in_period,
)
from features.records.frame_io import format_instants
from features.schema import (
    CONTACT_COLUMNS,
    HISTORY_COLUMNS,
    KB_EVENT_COLUMNS,
    QUALITY_COLUMNS,
    ProgressCallback,
    no_progress,
)
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore

EXPORT_KINDS: Final = (
    "intervals",
    "kpis",
    "contacts",
    "agents",
    "performance",
    "tickets",
    "ticket-kpis",
    "kb",
    "quality",
)
"""What ``seatwise export`` and ``GET /v1/exports/{kind}`` can write."""
EXPORT_FORMATS: Final = ("csv", "parquet")
AGENT_ONLY_KINDS: Final = tuple(k for k in EXPORT_KINDS if k not in ("intervals", "contacts"))
"""The kinds an agent key may export (their own rows); intervals and contacts of queues are not
theirs."""
KPI_EXPORT_COLUMNS: Final = [
    "level", "id", "offered", "handled", "abandoned", "aht_s", "asa_s", "service_level",
    "abandon_rate", "occupancy",
]  # fmt: skip
TICKET_KPI_EXPORT_COLUMNS: Final = ["level", "id", *TICKET_KPIS]
CSV_CHUNK_ROWS = 5000


def _nodes(
    scope: Scope, queues: list[str], teams: list[str], agents: list[str]
) -> dict[str, list[str]]:
    """The drill-down nodes a scope may read (as ``GET /v1/kpis`` admits them)."""
    if scope.own_only:
        return {"agent": sorted(scope.agents or [])}
    nodes: dict[str, list[str]] = {} if scope.agents is not None else {"center": [""]}
    nodes["queue"] = [q for q in queues if scope.queues is None or q in scope.queues]
    nodes["team"] = [t for t in teams if scope.teams is None or t in scope.teams]
    nodes["agent"] = [a for a in agents if scope.agents is None or a in scope.agents]
    return nodes


def _kpi_row(level: str, node: str, totals: KpiTotals) -> dict[str, Any]:
    return {"level": level, "id": node or None, **asdict(totals)}


def _kpis(
    store: Store, low: pd.Timestamp, high: pd.Timestamp, tz: str, scope: Scope
) -> pd.DataFrame:
    agents = store.read_agents()
    team_of = team_map(store)
    contacts = store.read_contacts(low, high)
    contacts["team"] = contacts["agent_id"].map(team_of)
    states = _clipped_states(store, low, high)
    nodes = _nodes(
        scope,
        sorted(contacts["queue"].astype(str).unique()),
        sorted(set(team_of.values())),
        sorted(agents["agent_id"].astype(str)),
    )
    rows = [_kpi_row("center", "", contact_totals(contacts, tz))] if "center" in nodes else []
    keys = {"queue": contacts["queue"], "team": contacts["team"], "agent": contacts["agent_id"]}
    for level in ("queue", "team", "agent"):
        totals = grouped_totals(contacts, keys[level], tz) if not contacts.empty else {}
        for node in nodes.get(level, []):
            values = totals.get(node, KpiTotals())
            if level == "team":
                members = {a for a, t in team_of.items() if t == node}
                values.occupancy = state_occupancy(states, members, tz)
            elif level == "agent":
                values.occupancy = state_occupancy(states, {node}, tz)
            rows.append(_kpi_row(level, node, values))
    return pd.DataFrame(rows, columns=KPI_EXPORT_COLUMNS)


def _ticket_kpis(store: Store, low: pd.Timestamp, high: pd.Timestamp, scope: Scope) -> pd.DataFrame:
    tickets = read_tickets(store, low, high, scope)
    team_of = team_map(store)
    nodes = _nodes(
        scope,
        sorted(tickets["queue"].astype(str).unique()),
        sorted(set(team_of.values())),
        sorted(store.read_agents()["agent_id"].astype(str)),
    )
    rows = (
        [{"level": "center", "id": None, **asdict(ticket_totals(tickets, low, high))}]
        if ("center" in nodes)
        else []
    )
    columns = {"queue": "queue", "team": "team", "agent": "agent_id"}
    for level, column in columns.items():
        totals = grouped_ticket_totals(tickets, low, high, column) if not tickets.empty else {}
        for node in nodes.get(level, []):
            rows.append({"level": level, "id": node, **asdict(totals.get(node, TicketTotals()))})
    return pd.DataFrame(rows, columns=TICKET_KPI_EXPORT_COLUMNS)


def _performance(
    store: Store, service: ServiceStore, low: pd.Timestamp, high: pd.Timestamp, tz: str,
    scope: Scope,
) -> pd.DataFrame:  # fmt: skip
    agents = store.read_agents()
    agents["agent_id"] = agents["agent_id"].astype(str)
    if scope.agents is not None:
        # Medians and percentiles are within each team: compute over the visible agents' teams.
        teams = set(agents.loc[agents["agent_id"].isin(scope.agents), "team"].dropna())
        agents = agents[agents["team"].isin(teams) | agents["agent_id"].isin(scope.agents)]
    table = team_performance(Site(service, store, tz), agents, low, high)
    if scope.agents is not None:
        table = table[table["agent_id"].isin(scope.agents)]
    return table[PERFORMANCE_COLUMNS].reset_index(drop=True)


def export_frame(
    kind: str,
    store: Store,
    service: ServiceStore,
    low: pd.Timestamp,
    high: pd.Timestamp,
    *,
    timezone: str,
    scope: Scope | None = None,
    freq_minutes: int = 15,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """One export as a flat frame (see the module docstring for what each kind holds).

    Parameters
    ----------
    kind:
        One of :data:`EXPORT_KINDS`.
    store, service:
        The records and service stores.
    low, high:
        The range ``[low, high)`` (tz-aware); records by arrival, view or opening time.
    timezone:
        The site's zone: local intervals and days, instants shown in it.
    scope:
        What the caller may read (None: everything).
    freq_minutes:
        Interval length of ``intervals``, minutes.
    progress:
        Receives (fraction 0..1, message).

    Returns
    -------
    pandas.DataFrame
        Flat columns; instants tz-aware in `timezone`.
    """
    report = progress or no_progress
    scope = scope or Scope()
    report(0.05, f"reading {kind}")
    if kind == "intervals":
        queues = sorted(scope.queues) if scope.queues is not None else None
        contacts = store.read_contacts(low, high, queues)
        states = _clipped_states(store, low, high)
        frame = (
            build_intervals(
                contacts, freq_minutes=freq_minutes, timezone=timezone,
                agent_states=None if states.empty else states,
            )
            if not contacts.empty
            else pd.DataFrame(columns=HISTORY_COLUMNS)
        )  # fmt: skip
    elif kind == "kpis":
        frame = _kpis(store, low, high, timezone, scope)
    elif kind == "contacts":
        frame = scope.owned(store.read_contacts(low, high))[CONTACT_COLUMNS]
    elif kind == "agents":
        agents = store.read_agents()
        if scope.agents is not None:
            agents = agents[agents["agent_id"].astype(str).isin(scope.agents)]
        frame = agents.reset_index(drop=True)
    elif kind == "performance":
        frame = _performance(store, service, low, high, timezone, scope)
    elif kind == "tickets":
        tickets = read_tickets(store, low, high, scope, opened_only=True)
        frame = tickets_in_period(tickets, low, high).drop(columns=["changed_at"])
    elif kind == "ticket-kpis":
        frame = _ticket_kpis(store, low, high, scope)
    elif kind == "kb":
        agents_in = sorted(scope.agents) if scope.agents is not None else None
        frame = SourcesStore(store).read_kb_events(low, high, agent_ids=agents_in)[KB_EVENT_COLUMNS]
    elif kind == "quality":
        quality = SourcesStore(store).read_quality(low, high, by="evaluated")
        frame = scope.owned(quality)[[*QUALITY_COLUMNS, "negative_emotion", "queue", "agent_id",
                                       "channel", "arrived_at"]]  # fmt: skip
    else:
        raise ValueError(f"unknown export kind {kind!r}")
    report(0.9, f"{len(frame):,} rows")
    return _in_zone(frame.reset_index(drop=True), timezone)


def _in_zone(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert(timezone)
    return out


def flat(frame: pd.DataFrame, *, text_instants: bool) -> pd.DataFrame:
    """Nested cells (dicts, lists) as JSON text; with `text_instants`, instants as ISO 8601
    with offset (CSV)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            if text_instants:
                out[column] = format_instants(values)
        elif values.dtype == object and values.map(lambda v: isinstance(v, (dict, list))).any():
            out[column] = values.map(
                lambda v: (
                    json.dumps(v, default=_json_default, ensure_ascii=False)
                    if isinstance(v, (dict, list))
                    else v
                )
            )
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def csv_chunks(frame: pd.DataFrame, chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[bytes]:
    """A frame as CSV, in chunks of `chunk_rows` rows (the header first)."""
    table = flat(frame, text_instants=True)
    yield table.iloc[0:0].to_csv(index=False).encode("utf-8")
    for start in range(0, len(table), chunk_rows):
        yield (
            table.iloc[start : start + chunk_rows].to_csv(index=False, header=False).encode("utf-8")
        )


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as one Parquet file."""
    buffer = io.BytesIO()
    flat(frame, text_instants=False).to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_export(frame: pd.DataFrame, path: str, fmt: str) -> None:
    """Write an export frame as CSV or Parquet."""
    if fmt == "parquet":
        with open(path, "wb") as handle:
            handle.write(parquet_bytes(frame))
        return
    with open(path, "wb") as handle:
        for chunk in csv_chunks(frame):
            handle.write(chunk)
