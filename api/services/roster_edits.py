"""A planner's edits of a roster's rows: move, shorten, add or delete a shift, break or
activity (training, meeting), checked against the scenario's hard rules and, for a published
roster, published at once for the agents edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from api.auth import Principal
from api.schemas.common import frame_records
from api.services.audit import audit_event
from api.services.swaps import roster_frame
from features.errors import FieldError, InvalidInput
from features.schema import ROSTER_ACTIVITIES
from features.store.people_store import PeopleStore
from features.store.service_store import ServiceStore
from scheduling.roster.checks import check_roster, coverage_table
from scheduling.roster.scenario import load_scenario


def _instant(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).tz_convert("UTC")


def apply_edits(
    rows: pd.DataFrame, edits: Sequence[Mapping[str, Any]], timezone: str
) -> pd.DataFrame:
    """`rows` (ROSTER_COLUMNS, UTC instants) with `edits` applied in order.

    Raises
    ------
    InvalidInput
        An edit naming no row, an unknown activity, a row ending before it starts (row = the
        edit's index).
    """
    out = rows.copy()
    errors: list[FieldError] = []
    for n, edit in enumerate(edits):
        activity = edit.get("activity")
        if activity is not None and activity not in ROSTER_ACTIVITIES:
            rule = f"must be one of {', '.join(ROSTER_ACTIVITIES)}"
            errors.append(FieldError(n, "activity", rule, activity))
            continue
        start = _instant(edit["start"])
        if edit["op"] == "add":
            if edit.get("end") is None or activity is None:
                errors.append(FieldError(n, "end", "add needs end and activity", None))
                continue
            end = _instant(edit["end"])
            new = {
                "agent_id": edit["agent_id"],
                "date": start.tz_convert(timezone).date(),
                "activity": activity,
                "queue": edit.get("queue") or "",
                "start": start,
                "end": end,
            }
            out = pd.concat([out, pd.DataFrame([new])], ignore_index=True)
            continue
        match = (out["agent_id"] == edit["agent_id"]) & (out["start"] == start)
        if not match.any():
            rule = f"no row of {edit['agent_id']} starts at {start.isoformat()}"
            errors.append(FieldError(n, "start", rule, str(edit["start"])))
            continue
        if edit["op"] == "delete":
            out = out[~match]
            continue
        index = out.index[match][0]
        if edit.get("new_start") is not None:
            out.at[index, "start"] = _instant(edit["new_start"])
        if edit.get("new_end") is not None:
            out.at[index, "end"] = _instant(edit["new_end"])
        if activity is not None:
            out.at[index, "activity"] = activity
            if activity != "work":
                out.at[index, "queue"] = ""
        if edit.get("queue") is not None:
            out.at[index, "queue"] = edit["queue"]
        out.at[index, "date"] = pd.Timestamp(out.at[index, "start"]).tz_convert(timezone).date()
    bad = out[out["end"] <= out["start"]]
    for row in bad.itertuples(index=False):
        errors.append(FieldError(None, "end", f"{row.agent_id}: must be after start", str(row.end)))
    if errors:
        raise InvalidInput(f"{len(errors)} edit(s) cannot be applied", errors)
    return out.sort_values(["agent_id", "start"], ignore_index=True)


def edit_roster(
    service: ServiceStore,
    people: PeopleStore,
    principal: Principal,
    roster_id: str,
    edits: Sequence[Mapping[str, Any]],
    force: bool,
) -> dict[str, Any]:
    """Apply `edits` to a solved or published roster: refused (422 naming each rule) when the
    result breaks a hard rule the roster kept, unless `force`; coverage recounted; the edited
    agents' rows published again when the roster is published; audited."""
    roster = service.get_roster(roster_id)
    scenario = load_scenario(roster.scenario)
    zone = str(scenario.timezone)
    before = roster_frame(roster.rows or [])
    after = apply_edits(before, edits, zone)
    agents = sorted({str(e["agent_id"]) for e in edits})
    old = set(check_roster(scenario, before))
    new = [m for m in check_roster(scenario, after) if m not in old]
    if new and not force:
        raise InvalidInput(
            f"the edits break {len(new)} hard rule(s); send force to keep them anyway",
            [
                FieldError(None, m.partition(": ")[2].split(" ")[0], m, m.partition(":")[0])
                for m in new
            ],
        )
    required = pd.DataFrame(roster.coverage or [], columns=["queue", "interval_start", "required"])
    required["interval_start"] = pd.to_datetime(required["interval_start"], utc=True)
    coverage = coverage_table(after, scenario, required)
    local = after.copy()
    local["start"] = local["start"].dt.tz_convert(zone)
    local["end"] = local["end"].dt.tz_convert(zone)
    service.update_roster(roster_id, rows=frame_records(local), coverage=frame_records(coverage))
    republished = roster.published_at is not None
    if republished:
        low = min(before["start"].min(), after["start"].min())
        high = max(before["end"].max(), after["end"].max())
        theirs = after[after["agent_id"].isin(agents)]
        people.replace_published(
            roster_id,
            agents,
            low.to_pydatetime(),
            high.to_pydatetime(),
            [
                {**r, "start": r["start"].to_pydatetime(), "end": r["end"].to_pydatetime()}
                for r in theirs.to_dict("records")
            ],
        )
    people.add_audit(
        [
            audit_event(
                principal,
                "roster.edit",
                f"roster:{roster_id}",
                agent,
                {
                    "edits": [dict(e) for e in edits if str(e["agent_id"]) == agent],
                    "forced": bool(new),
                },
            )
            for agent in agents
        ]
    )
    return {
        "roster_id": roster_id,
        "agents": agents,
        "rows": len(after),
        "republished": republished,
        "violations": new,
    }
