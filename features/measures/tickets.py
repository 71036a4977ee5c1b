"""Ticket KPIs: first-contact resolution, resolution rate and time, backlog and reopen rate, per
queue, team, agent or category.

Every figure is taken **as of** a cut-off (the end of the period): only status changes before it
count, so last week's figures do not change when a ticket is touched today. For the tickets
opened in ``[start, end)``:

- ``tickets``: opened in the period;
- ``resolved``: of those, resolved as of `end` (last status resolved or closed);
- ``resolution_rate``: resolved / tickets (0..1);
- ``resolution_s`` / ``resolution_p50_s``: mean / median seconds from opening to the final
  resolution (the first change of the last unbroken run of resolved/closed statuses) of the
  resolved ones;
- ``first_contact_resolution``: share of the resolved tickets settled at the first contact —
  resolved with no ``pending`` step (waiting for the customer or someone else means another
  contact) and never reopened (0..1);
- ``reopened`` / ``reopen_rate``: tickets with a ``reopened`` change, over the tickets resolved
  at least once (0..1);

and, over every ticket opened before `end` (not only in the period):

- ``backlog``: tickets not resolved as of `end` (status open, pending or reopened).

A ticket without status changes but with ``resolved_at`` counts as resolved at that instant.
Ratios are None when their denominator is zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from features.errors import FieldError, InvalidInput
from features.schema import RESOLVED_STATUSES

TICKET_KPIS = (
    "tickets",
    "resolved",
    "resolution_rate",
    "resolution_s",
    "resolution_p50_s",
    "first_contact_resolution",
    "reopened",
    "reopen_rate",
    "backlog",
)
"""Columns of :func:`ticket_kpis`, after the grouping column."""
OUTCOME_COLUMNS = (
    "resolved",
    "resolved_at",
    "ever_resolved",
    "reopened",
    "first_contact_resolved",
    "status",
)


@dataclass
class TicketTotals:
    """Ticket KPIs of one group (see the module docstring for the definitions and units)."""

    tickets: int = 0
    resolved: int = 0
    resolution_rate: float | None = None
    resolution_s: float | None = None
    resolution_p50_s: float | None = None
    first_contact_resolution: float | None = None
    reopened: int = 0
    reopen_rate: float | None = None
    backlog: int = 0


def _history(tickets: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    """Every status change as one row (ticket position, instant, status), before `as_of`; a
    ticket without changes but resolved_at gets a ``resolved`` change there."""
    lists = tickets["status_changes"].map(lambda v: v if isinstance(v, list) else [])
    owner = np.repeat(np.arange(len(tickets)), lists.map(len).to_numpy(dtype=np.int64))
    flat = [item for items in lists for item in items]
    changes = pd.DataFrame(
        {
            "ticket": owner,
            "at": pd.to_datetime([item["at"] for item in flat], utc=True),
            "status": [str(item["status"]) for item in flat],
        }
    )
    resolved_at = pd.to_datetime(tickets["resolved_at"], utc=True)
    bare = (lists.map(len) == 0).to_numpy() & resolved_at.notna().to_numpy()
    if bare.any():
        implied = pd.DataFrame(
            {
                "ticket": np.flatnonzero(bare),
                "at": resolved_at[bare].to_numpy(),
                "status": "resolved",
            }
        )
        implied["at"] = pd.to_datetime(implied["at"], utc=True)
        changes = pd.concat([changes, implied], ignore_index=True)
    if as_of is not None:
        changes = changes[changes["at"] < pd.Timestamp(as_of).tz_convert("UTC")]
    changes = changes.sort_values(["ticket", "at"], kind="stable").reset_index(drop=True)
    changes["seq"] = changes.groupby("ticket").cumcount()
    return changes


def ticket_outcomes(tickets: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each ticket's state as of `as_of` (its whole history when None).

    Parameters
    ----------
    tickets:
        Tickets as validated (:data:`features.schema.TICKET_COLUMNS`; ``status_changes`` lists
        of ``{at, status}`` with tz-aware instants).
    as_of:
        The cut-off (tz-aware); changes at or after it are ignored.

    Returns
    -------
    pandas.DataFrame
        Aligned with `tickets` by position: ``resolved`` (bool), ``resolved_at`` (the final
        resolution, UTC, NaT when unresolved), ``ever_resolved``, ``reopened``,
        ``first_contact_resolved`` (bool; NA when unresolved) and ``status`` (``open`` before
        the first change).
    """
    count = len(tickets)
    changes = _history(tickets, as_of)
    is_resolved = changes["status"].isin(list(RESOLVED_STATUSES))
    grouped = changes.groupby("ticket")
    last_status = grouped["status"].last().reindex(range(count)).fillna("open")
    resolved = last_status.isin(list(RESOLVED_STATUSES)).to_numpy()
    # The final resolution: the earliest resolved change after the ticket's last other change.
    last_other = changes["seq"].where(~is_resolved).groupby(changes["ticket"]).max()
    after = changes["seq"] > changes["ticket"].map(last_other).fillna(-1)
    final = changes[is_resolved & after].groupby("ticket")["at"].min()
    ever = changes[is_resolved].groupby("ticket").size().reindex(range(count)).fillna(0) > 0
    reopen = changes["status"] == "reopened"
    reopened = reopen.groupby(changes["ticket"]).any().reindex(range(count), fill_value=False)
    detour = changes["status"].isin(["pending", "reopened"])
    detoured = detour.groupby(changes["ticket"]).any().reindex(range(count), fill_value=False)
    fcr = pd.Series(~detoured.to_numpy(dtype=bool), dtype="boolean").where(resolved)
    resolved_at = pd.Series(final.reindex(range(count)).to_numpy(), dtype="datetime64[us, UTC]")
    return pd.DataFrame(
        {
            "resolved": resolved,
            "resolved_at": resolved_at.where(resolved),
            "ever_resolved": ever.to_numpy(dtype=bool),
            "reopened": reopened.to_numpy(dtype=bool),
            "first_contact_resolved": fcr,
            "status": last_status.astype("str").to_numpy(),
        }
    )


def _check_period(start: pd.Timestamp, end: pd.Timestamp) -> None:
    errors = [
        FieldError(None, name, "must be timezone-aware", str(value))
        for name, value in (("start", start), ("end", end))
        if pd.Timestamp(value).tzinfo is None
    ]
    if not errors and not pd.Timestamp(end) > pd.Timestamp(start):
        errors.append(FieldError(None, "end", "must be after start", str(end)))
    if errors:
        raise InvalidInput("cannot compute ticket KPIs", errors)


def _totals(rows: pd.DataFrame) -> TicketTotals:
    opened_in = rows[rows["_in_period"]]
    resolved = opened_in[opened_in["resolved"]]
    ever = int(opened_in["ever_resolved"].sum())
    seconds = (resolved["resolved_at"] - resolved["opened_at"]).dt.total_seconds()
    fcr = resolved["first_contact_resolved"].astype(bool)
    reopened = int(opened_in["reopened"].sum())
    return TicketTotals(
        tickets=len(opened_in),
        resolved=len(resolved),
        resolution_rate=len(resolved) / len(opened_in) if len(opened_in) else None,
        resolution_s=float(seconds.mean()) if len(resolved) else None,
        resolution_p50_s=float(seconds.median()) if len(resolved) else None,
        first_contact_resolution=float(fcr.mean()) if len(resolved) else None,
        reopened=reopened,
        reopen_rate=reopened / ever if ever else None,
        backlog=int((~rows["resolved"]).sum()),
    )


def ticket_kpis(
    tickets: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    by: str | None = None,
) -> pd.DataFrame:
    """Ticket KPIs of the period ``[start, end)`` as of `end`, in total or per group.

    Parameters
    ----------
    tickets:
        Tickets (:data:`features.schema.TICKET_COLUMNS`, plus the grouping column) opened
        before `end`: those opened in the period and any older one that may still be open
        (for the backlog).
    start, end:
        The period (tz-aware).
    by:
        A column to group by (``queue``, ``team``, ``agent_id``, ``category``); None for one
        row of totals. Tickets with a missing label are left out of the groups.

    Returns
    -------
    pandas.DataFrame
        One row per group (``by`` column first, sorted) with :data:`TICKET_KPIS`: counts of
        tickets, seconds, shares 0..1 (None when undefined).

    Raises
    ------
    InvalidInput
        A naive or empty period, or a missing grouping column.
    """
    _check_period(start, end)
    if by is not None and by not in tickets.columns:
        raise InvalidInput(
            "cannot group ticket KPIs", [FieldError(None, by, "required column is missing")]
        )
    low, high = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    opened = pd.to_datetime(tickets["opened_at"], utc=True)
    rows = tickets[(opened < high).to_numpy()].reset_index(drop=True)
    outcomes = ticket_outcomes(rows, as_of=high)
    frame = pd.DataFrame(
        {
            "opened_at": pd.to_datetime(rows["opened_at"], utc=True),
            "_in_period": (pd.to_datetime(rows["opened_at"], utc=True) >= low).to_numpy(),
            **{c: outcomes[c] for c in ("resolved", "resolved_at", "ever_resolved", "reopened")},
            "first_contact_resolved": outcomes["first_contact_resolved"],
        }
    )
    columns = list(TICKET_KPIS)
    if by is None:
        return pd.DataFrame([asdict(_totals(frame))], columns=columns)
    frame[by] = rows[by].to_numpy()
    frame = frame[frame[by].notna()]
    table = [
        {by: str(name), **asdict(_totals(group))} for name, group in frame.groupby(by, sort=True)
    ]
    return pd.DataFrame(table, columns=[by, *columns])


def ticket_totals(tickets: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> TicketTotals:
    """The totals row of :func:`ticket_kpis` as a :class:`TicketTotals`."""
    row = ticket_kpis(tickets, start, end).iloc[0].to_dict()
    return TicketTotals(**{k: _plain(v) for k, v in row.items()})  # type: ignore[arg-type]


def grouped_ticket_totals(
    tickets: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, by: str
) -> dict[str, TicketTotals]:
    """:func:`ticket_kpis` per group, keyed by the group's label."""
    table = ticket_kpis(tickets, start, end, by=by)
    return {
        str(row[by]): TicketTotals(**{k: _plain(row[k]) for k in TICKET_KPIS})  # type: ignore[arg-type]
        for row in table.to_dict("records")
    }


def _plain(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def tickets_in_period(
    tickets: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, categories: Sequence[str] = ()
) -> pd.DataFrame:
    """The tickets opened in ``[start, end)`` (of `categories` when given) with their state as of
    `end` (:func:`ticket_outcomes` columns ``resolved``, ``first_contact_resolved``, ``status``
    replace the stored ones), oldest first: the rows behind a KPI."""
    _check_period(start, end)
    opened = pd.to_datetime(tickets["opened_at"], utc=True)
    low, high = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    keep = (opened >= low) & (opened < high)
    if categories:
        keep &= tickets["category"].isin(list(categories))
    rows = tickets[keep.to_numpy()].reset_index(drop=True)
    outcomes = ticket_outcomes(rows, as_of=high)
    out = rows.assign(
        status=outcomes["status"].to_numpy(),
        resolved=outcomes["resolved"].to_numpy(),
        first_contact_resolved=outcomes["first_contact_resolved"].to_numpy(),
        resolution_s=(outcomes["resolved_at"] - pd.to_datetime(rows["opened_at"], utc=True))
        .dt.total_seconds()
        .to_numpy(),
    )
    return out.sort_values(["opened_at", "ticket_id"], ignore_index=True)
