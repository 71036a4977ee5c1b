"""Validation of tickets, knowledge-base events, quality evaluations and aliases: every rule
names its row, field (nested items included) and value; derived fields are right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from features.errors import InvalidInput
from features.records.sources import (
    final_resolution,
    validate_aliases,
    validate_kb_events,
    validate_quality,
    validate_tickets,
)
from features.schema import KB_EVENT_COLUMNS, QUALITY_COLUMNS, TICKET_COLUMNS

NOW = pd.Timestamp("2026-12-01T12:00:00Z")


def ticket(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "ticket_id": "t1",
        "queue": "billing",
        "category": "refund",
        "opened_at": "2026-11-30T09:00:00+01:00",
        "status_changes": [
            {"at": "2026-11-30T09:20:00+01:00", "status": "resolved"},
            {"at": "2026-11-30T09:10:00+01:00", "status": "pending"},
        ],
    }
    row.update(overrides)
    return row


def rules(call: object, rows: list[dict[str, object]], **options: object) -> set[tuple]:
    with pytest.raises(InvalidInput) as caught:
        call(pd.DataFrame(rows), now=NOW, **options)  # type: ignore[operator]
    return {(e.row, e.field, e.rule) for e in caught.value.errors}


def test_clean_ticket_is_ordered_and_derived() -> None:
    clean = validate_tickets(pd.DataFrame([ticket()]), timezone="Europe/Berlin", now=NOW)
    assert list(clean.columns) == TICKET_COLUMNS
    row = clean.iloc[0]
    assert [c["status"] for c in row["status_changes"]] == ["pending", "resolved"]
    assert row["status_changes"][0]["at"] == pd.Timestamp("2026-11-30T08:10:00Z")
    assert row["status"] == "resolved"
    assert row["resolved_at"] == pd.Timestamp("2026-11-30T08:20:00Z")
    assert not row["reopened"]
    assert str(row["opened_at"].tz) == "Europe/Berlin"


def test_final_resolution_is_the_start_of_the_last_resolved_run() -> None:
    at = [pd.Timestamp(f"2026-11-30T0{h}:00Z") for h in range(1, 6)]
    changes = [
        {"at": at[0], "status": "resolved"},
        {"at": at[1], "status": "reopened"},
        {"at": at[2], "status": "resolved"},
        {"at": at[3], "status": "closed"},
    ]
    assert final_resolution(changes) == at[2]
    assert final_resolution([*changes, {"at": at[4], "status": "reopened"}]) is None
    assert final_resolution([]) is None


def test_ticket_without_changes_but_resolved_at_is_resolved() -> None:
    rows = [
        ticket(ticket_id="t1", status_changes=None, resolved_at="2026-11-30T10:00:00+01:00"),
        ticket(ticket_id="t2", status_changes=None),
        ticket(ticket_id="t3", status_changes="", reopened="true"),
    ]
    clean = validate_tickets(pd.DataFrame(rows), now=NOW).set_index("ticket_id")
    assert clean.loc["t1", "status"] == "resolved"
    assert clean.loc["t2", "status"] == "open" and pd.isna(clean.loc["t2", "resolved_at"])
    assert clean.loc["t3", "reopened"] and clean.loc["t3", "status_changes"] == []


def test_status_changes_as_json_text_in_a_csv_cell() -> None:
    cell = json.dumps([{"at": "2026-11-30T09:05:00+01:00", "status": "Resolved"}])
    clean = validate_tickets(pd.DataFrame([ticket(status_changes=cell)]), now=NOW)
    assert clean.loc[0, "status"] == "resolved"


def test_status_changes_as_parquet_arrays() -> None:
    items = np.array([{"at": pd.Timestamp("2026-11-30T08:05:00Z"), "status": "resolved"}])
    clean = validate_tickets(pd.DataFrame([ticket(status_changes=items)]), now=NOW)
    assert clean.loc[0, "resolved_at"] == pd.Timestamp("2026-11-30T08:05:00Z")


def test_ticket_rules_name_row_and_nested_field() -> None:
    found = rules(
        validate_tickets,
        [
            ticket(),
            ticket(
                ticket_id="t2",
                status_changes=[
                    {"at": "2026-11-30T08:00:00+01:00", "status": "gone", "by": "x"},
                    "resolved",
                ],
            ),
            ticket(ticket_id="t3", category="", priority="p1", opened_at="yesterday"),
            ticket(ticket_id="t4", status_changes="[{not json"),
            ticket(
                ticket_id="t5",
                resolved_at="2026-11-30T10:00:00+01:00",
                status_changes=[{"at": "2026-11-30T09:30:00+01:00", "status": "pending"}],
            ),
            ticket(
                ticket_id="t6",
                reopened=False,
                status_changes=[{"at": "2026-11-30T09:30:00+01:00", "status": "reopened"}],
            ),
            ticket(ticket_id="t7", status_changes=[{"status": "open"}]),
        ],
    )
    assert (1, "status_changes[0].at", "must not be before the ticket's opened_at") in found
    assert (
        1,
        "status_changes[0].status",
        "must be one of open, pending, resolved, closed, reopened",
    ) in found
    assert (1, "status_changes[0].by", "unknown field") in found
    assert (1, "status_changes[1]", "must be an object with at, status") in found
    assert (2, "category", "required field is missing") in found
    assert (2, "priority", "must be one of low, normal, high, urgent") in found
    assert (2, "opened_at", "unparseable timestamp") in found
    assert (3, "status_changes", "must be a JSON array") in found
    assert (
        4,
        "resolved_at",
        "must be empty while the ticket's last status leaves it unresolved",
    ) in found
    assert (5, "reopened", "must be true: a status change reopens the ticket") in found
    assert (6, "status_changes[0].at", "required field is missing") in found


def test_ticket_plausibility_bounds() -> None:
    found = rules(
        validate_tickets,
        [
            ticket(ticket_id="t\x00", opened_at="2026-12-03T09:00:00Z"),
            ticket(
                ticket_id="t2",
                queue="q" * 101,
                status_changes=[{"at": "2226-11-30T09:00:00Z", "status": "resolved"}],
            ),
            ticket(ticket_id="x" * 201, category="c" * 1001),
        ],
    )
    assert (0, "ticket_id", "must not contain control characters") in found
    assert (0, "opened_at", "must not be more than 1 day after the server's clock") in found
    assert (1, "queue", "must be at most 100 characters") in found
    assert (1, "status_changes[0].at", "must be between 1970-01-01 and 2200-01-01") in found
    assert (2, "ticket_id", "must be at most 200 characters") in found
    assert (2, "category", "must be at most 1000 characters") in found


def test_ticket_repeats_are_dropped_and_conflicts_flagged() -> None:
    clean = validate_tickets(pd.DataFrame([ticket(), ticket()]), now=NOW)
    assert len(clean) == 1
    found = rules(validate_tickets, [ticket(), ticket(category="invoice")])
    assert (0, "ticket_id", "duplicate ticket_id with different content") in found
    assert (1, "ticket_id", "duplicate ticket_id with different content") in found


def test_missing_required_column_is_the_input_as_a_whole() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_tickets(pd.DataFrame([ticket()]).drop(columns=["category"]))
    assert [(e.row, e.field) for e in caught.value.errors] == [(None, "category")]


def kb(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "event_id": "k1",
        "contact_id": "c1",
        "agent_id": "a1",
        "article_id": "kb-refunds-1",
        "topic": "refunds",
        "viewed_at": "2026-11-30T09:05:00+01:00",
    }
    row.update(overrides)
    return row


def test_kb_events_clean_and_rules() -> None:
    clean = validate_kb_events(
        pd.DataFrame([kb(), kb(event_id="k2", contact_id=None), kb()]), now=NOW
    )
    assert list(clean.columns) == KB_EVENT_COLUMNS
    assert len(clean) == 2 and pd.isna(clean.loc[1, "contact_id"])
    found = rules(
        validate_kb_events,
        [
            kb(agent_id=None),
            kb(event_id="k2", topic=7.5, viewed_at="2026-11-30 09:00"),
            kb(event_id="k3", article_id=True),
            kb(event_id="k4", viewed_at="1969-12-31T23:00:00Z"),
        ],
    )
    assert (0, "agent_id", "required field is missing") in found
    assert (1, "topic", "must be text") in found
    assert (1, "viewed_at", "timestamp needs an offset or a timezone") in found
    assert (2, "article_id", "must be text") in found
    assert (3, "viewed_at", "must be between 1970-01-01 and 2200-01-01") in found


def evaluation(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "evaluation_id": "e1",
        "contact_id": "c1",
        "evaluated_at": "2026-11-30T10:00:00+01:00",
        "source": "speech",
        "script_compliance": 0.8,
        "empathy": 0.6,
        "keywords": ["Refund", "refund", "cancel"],
        "emotion": [
            {"start_s": 20, "end_s": 35, "label": "Angry", "score": 0.9},
            {"start_s": 0, "end_s": 20, "label": "neutral", "score": 0.7},
        ],
    }
    row.update(overrides)
    return row


def test_quality_clean_is_typed_and_sorted() -> None:
    clean = validate_quality(pd.DataFrame([evaluation()]), now=NOW)
    assert list(clean.columns) == QUALITY_COLUMNS
    row = clean.iloc[0]
    assert row["keywords"] == ["refund", "cancel"]
    assert [s["label"] for s in row["emotion"]] == ["neutral", "angry"]
    assert row["emotion"][1] == {"start_s": 20.0, "end_s": 35.0, "label": "angry", "score": 0.9}
    text = validate_quality(pd.DataFrame([evaluation(keywords="late; fee")]), now=NOW)
    assert text.loc[0, "keywords"] == ["late", "fee"]


def test_quality_rules_name_row_and_nested_field() -> None:
    found = rules(
        validate_quality,
        [
            evaluation(source="robot", script_compliance=1.5, empathy="high"),
            evaluation(
                evaluation_id="e2",
                emotion=[
                    {"start_s": 30, "end_s": 10, "label": "bored", "score": 2},
                    {"start_s": -1, "end_s": 90000, "label": "sad"},
                ],
            ),
            evaluation(
                evaluation_id="e3",
                script_compliance=None,
                empathy=None,
                keywords=None,
                emotion=None,
            ),
            evaluation(evaluation_id="e4", keywords=["ok", "x" * 101], contact_id=""),
        ],
    )
    assert (0, "source", "must be one of manual, speech") in found
    assert (0, "script_compliance", "must not be above 1") in found
    assert (0, "empathy", "must be a number") in found
    assert (1, "emotion[0].end_s", "must not be before start_s") in found
    assert (
        1,
        "emotion[0].label",
        "must be one of neutral, positive, happy, satisfied, negative, angry, frustrated, sad, "
        "anxious",
    ) in found
    assert (1, "emotion[0].score", "must not be above 1") in found
    assert (1, "emotion[1].start_s", "must not be below 0 s") in found
    assert (1, "emotion[1].end_s", "must not be at or above 86400 s") in found
    assert (1, "emotion[1].score", "required field is missing") in found
    assert (2, "scores", "an evaluation needs a score, keywords or emotion segments") in found
    assert (3, "keywords[1]", "must be at most 100 characters") in found
    assert (3, "contact_id", "required field is missing") in found


def test_aliases() -> None:
    rows = [
        {"kind": "queue", "name": "billing", "alias": "账单"},
        {"kind": "Team", "name": "billing-1", "alias": "账单一组"},
        {"kind": "queue", "name": "billing", "alias": "账单"},
    ]
    clean = validate_aliases(rows)
    assert clean.to_dict("records") == [
        {"kind": "queue", "alias": "账单", "name": "billing"},
        {"kind": "team", "alias": "账单一组", "name": "billing-1"},
    ]
    with pytest.raises(InvalidInput) as caught:
        validate_aliases(
            [
                {"kind": "queue", "name": "billing", "alias": "账单"},
                {"kind": "queue", "name": "sales", "alias": "账单"},
                {"kind": "site", "name": "berlin", "alias": "柏林"},
            ]
        )
    found = {(e.row, e.field, e.rule) for e in caught.value.errors}
    assert (1, "alias", "duplicate alias with different content") in found
    assert (2, "kind", "must be one of queue, team, agent") in found
