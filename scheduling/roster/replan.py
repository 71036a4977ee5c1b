"""Non-disruptive re-planning: the published week as shifts to keep, and what a new roster
changes.

A re-plan solves the week's scenario again with the published shifts under the scenario's
``keep`` field (DESIGN.md allows added fields): ``[{"agent_id", "start", "end", "locked"}]``,
one entry per published shift (its contiguous rows, breaks included; instants with offsets).
The model (:func:`scheduling.roster.model.add_change_penalty`) charges
:data:`scheduling.roster.objective.CHANGE_WEIGHT` for every agent-interval whose at-work state
differs from the kept shifts, so a shift moves only when the coverage it buys is worth more,
and a ``locked`` shift is not moved at all (when the rules still allow it where it is).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scheduling.roster.options import WeekGrid
from scheduling.roster.scenario import Scenario

KEEP_FIELD = "keep"
"""Scenario field holding the published shifts a re-plan keeps."""


@dataclass(frozen=True)
class KeptShift:
    """One published shift to keep: its agent, span and whether it is locked."""

    agent_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    locked: bool = False


def shift_spans(rows: pd.DataFrame) -> pd.DataFrame:
    """Contiguous roster rows of each agent merged into shifts: ``agent_id, start, end``
    (tz-aware), ordered by agent and start."""
    if rows.empty:
        return pd.DataFrame(columns=["agent_id", "start", "end"])
    frame = rows[["agent_id", "start", "end"]].sort_values(["agent_id", "start"])
    spans: list[dict[str, Any]] = []
    for row in frame.itertuples(index=False):
        last = spans[-1] if spans else None
        if last is not None and last["agent_id"] == row.agent_id and last["end"] == row.start:
            last["end"] = row.end
        else:
            spans.append({"agent_id": str(row.agent_id), "start": row.start, "end": row.end})
    return pd.DataFrame(spans, columns=["agent_id", "start", "end"])


def keep_entries(rows: pd.DataFrame, locked: Sequence[Mapping[str, Any]] = ()) -> list[dict]:
    """The ``keep`` field for a scenario from published roster rows (tz-aware instants); a
    shift is locked when an entry of `locked` (``agent_id`` and ``start``) names it."""
    locks = {(str(x["agent_id"]), pd.Timestamp(x["start"])) for x in locked}
    return [
        {
            "agent_id": s.agent_id,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "locked": (s.agent_id, s.start) in locks,
        }
        for s in shift_spans(rows).itertuples(index=False)
    ]


def kept_shifts(scenario: Scenario) -> list[KeptShift]:
    """The scenario's ``keep`` entries (none for a plain solve)."""
    entries = (scenario.model_extra or {}).get(KEEP_FIELD) or []
    return [
        KeptShift(
            str(e["agent_id"]),
            pd.Timestamp(e["start"]),
            pd.Timestamp(e["end"]),
            bool(e.get("locked", False)),
        )
        for e in entries
    ]


def kept_intervals(scenario: Scenario, grid: WeekGrid) -> dict[str, set[int]]:
    """Agent id -> grid interval indices at work in the kept shifts."""
    out: dict[str, set[int]] = {}
    for shift in kept_shifts(scenario):
        first, last = grid.index_of(shift.start), grid.index_of(shift.end)
        out.setdefault(shift.agent_id, set()).update(range(first, last))
    return out


def _at_work(rows: pd.DataFrame, interval_minutes: int) -> dict[str, set[int]]:
    step = pd.Timedelta(minutes=interval_minutes)
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    out: dict[str, set[int]] = {}
    for row in rows.itertuples(index=False):
        first = int((pd.Timestamp(row.start) - epoch) // step)
        last = -int(-(pd.Timestamp(row.end) - epoch) // step)
        out.setdefault(str(row.agent_id), set()).update(range(first, last))
    return out


def changed_agent_intervals(
    before: pd.DataFrame, after: pd.DataFrame, interval_minutes: int
) -> dict[str, int]:
    """Per agent, the intervals whose at-work state differs between two rosters (rows of any
    activity count as at work); agents without a change are left out."""
    was, now = _at_work(before, interval_minutes), _at_work(after, interval_minutes)
    changed = {a: len(was.get(a, set()) ^ now.get(a, set())) for a in sorted({*was, *now})}
    return {a: n for a, n in changed.items() if n}


def shift_changes(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, dict[str, list]]:
    """Per agent whose shifts differ: ``removed`` and ``added`` shifts (``start``, ``end``
    ISO instants)."""
    old, new = shift_spans(before), shift_spans(after)

    def spans(frame: pd.DataFrame, agent: str) -> set[tuple[str, str]]:
        mine = frame[frame["agent_id"] == agent]
        return {
            (s.isoformat(), e.isoformat()) for s, e in zip(mine["start"], mine["end"], strict=True)
        }

    out: dict[str, dict[str, list]] = {}
    for agent in sorted({*old["agent_id"], *new["agent_id"]}):
        was, now = spans(old, agent), spans(new, agent)
        if was != now:
            out[agent] = {
                "removed": [{"start": s, "end": e} for s, e in sorted(was - now)],
                "added": [{"start": s, "end": e} for s, e in sorted(now - was)],
            }
    return out
