"""Validation of the other sources a centre sends: tickets, knowledge-base events and quality
evaluations (script compliance, empathy, keywords and emotion from speech analytics).

The same contract as :mod:`features.records.validation`: raw rows in (a frame read from a file,
or the API's JSON), a clean typed frame out, or :class:`~features.errors.InvalidInput` listing
every broken rule with its row (0-based data row), field and value. The bounds of
:mod:`features.records.plausibility` apply to every field, nested ones included: an error in a
list names the item, e.g. ``status_changes[2].at`` or ``emotion[0].score``. A cell of a nested
field may hold the list itself (JSON, the API, Parquet) or its JSON text (CSV); ``keywords`` may
also be ``;``-separated text.

In the clean frames instants are timezone-aware timestamps in `timezone` (UTC when None).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.records.plausibility import (
    MAX_DURATION_S,
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    check_instants,
    check_numbers,
    check_range,
    check_text,
)
from features.records.validation import (
    MAX_REPORTED_ERRORS,
    ErrorCollector,
    _booleans,
    _duplicates,
    _missing,
    _required_columns,
    parse_instant_column,
)
from features.schema import (
    EMOTION_LABELS,
    KB_EVENT_COLUMNS,
    KB_EVENT_REQUIRED,
    QUALITY_COLUMNS,
    QUALITY_REQUIRED,
    QUALITY_SCORES,
    QUALITY_SOURCES,
    RESOLVED_STATUSES,
    TICKET_COLUMNS,
    TICKET_PRIORITIES,
    TICKET_REQUIRED,
    TICKET_STATUSES,
)

MAX_STATUS_CHANGES = 1000
"""Most status changes one ticket may carry."""
MAX_KEYWORDS = 100
"""Most keywords one evaluation may carry."""
MAX_EMOTION_SEGMENTS = 10_000
"""Most emotion segments one evaluation may carry (a two-hour call in 1-second segments)."""
STATUS_CHANGE_FIELDS = ("at", "status")
EMOTION_FIELDS = ("start_s", "end_s", "label", "score")
_ROW, _POS = "_row", "_pos"


def _brief(value: Any) -> Any:
    """A value as an error shows it: scalars as they are, containers by their type."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return type(value).__name__


def _column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column]
    return pd.Series(None, index=frame.index, dtype=object)


def _text_field(
    frame: pd.DataFrame,
    column: str,
    errors: ErrorCollector,
    *,
    max_chars: int,
    required: bool = False,
) -> pd.Series:
    raw = _column(frame, column)
    text = check_text(raw, column, errors, max_chars=max_chars)
    if required:
        errors.add(_missing(raw), column, "required field is missing")
    return text.astype("str")


def _choice(
    frame: pd.DataFrame,
    column: str,
    allowed: Sequence[str],
    errors: ErrorCollector,
    *,
    required: bool = False,
) -> pd.Series:
    """A lower-cased text column whose values must be one of `allowed`."""
    raw = _column(frame, column)
    given = check_text(raw, column, errors, max_chars=MAX_NAME_CHARS).str.lower()
    if required:
        errors.add(given.isna(), column, "required field is missing")
    unknown = given.notna() & ~given.isin(list(allowed)).fillna(False).astype(bool)
    errors.add(unknown, column, f"must be one of {', '.join(allowed)}", raw)
    return given.astype("str")


def _instants(
    frame: pd.DataFrame,
    column: str,
    timezone: str | None,
    errors: ErrorCollector,
    now: pd.Timestamp | None,
    *,
    required: bool = False,
) -> pd.Series:
    """A column of instants in UTC (NaT when missing or broken), every bad cell recorded."""
    raw = _column(frame, column)
    if raw.isna().all() and not required:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    parsed = parse_instant_column(raw, column, timezone, errors)
    checked = check_instants(parsed, column, errors, now=now)
    if required:
        errors.add(_missing(raw), column, "required field is missing")
    return checked


def _scores(frame: pd.DataFrame, column: str, errors: ErrorCollector) -> pd.Series:
    """A share in [0, 1] (NaN when missing)."""
    raw = _column(frame, column)
    numbers = check_numbers(raw, column, errors)
    return check_range(
        numbers, column, errors, low=0.0, high=1.0, high_inclusive=True, raw=raw
    ).astype("float64")


def _as_list(value: Any) -> tuple[list[Any] | None, str | None]:
    """A nested cell as a list (None when empty), or the rule it breaks."""
    if isinstance(value, np.ndarray):
        return list(value), None
    if isinstance(value, (list, tuple)):
        return list(value), None
    if value is None or (not isinstance(value, (str, Mapping)) and pd.isna(value)):
        return None, None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None, None
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError:
            return None, "must be a JSON array"
        if isinstance(decoded, list):
            return decoded, None
    return None, "must be a JSON array"


def _lists(
    frame: pd.DataFrame,
    column: str,
    errors: ErrorCollector,
    *,
    max_items: int,
    split_text: bool = False,
) -> list[list[Any] | None]:
    """Each cell of a nested column as a list (None when missing); broken cells recorded."""
    out: list[list[Any] | None] = []
    for row, value in enumerate(_column(frame, column)):
        if split_text and isinstance(value, str) and not value.strip().startswith("["):
            items: list[Any] | None = [p for p in value.split(";") if p.strip()] or None
            rule = None
        else:
            items, rule = _as_list(value)
        if rule is not None:
            errors.add_one(row, column, rule, _brief(value))
        elif items is not None and len(items) > max_items:
            errors.add_one(row, column, f"must hold at most {max_items} items", len(items))
            items = None
        out.append(items)
    return out


def _item_frame(
    lists: list[list[Any] | None],
    column: str,
    fields: Sequence[str],
    errors: ErrorCollector,
) -> pd.DataFrame:
    """One row per item of a list of objects: its parent row, position and `fields`."""
    records: list[dict[str, Any]] = []
    for row, items in enumerate(lists):
        for pos, item in enumerate(items or []):
            if not isinstance(item, Mapping):
                rule = f"must be an object with {', '.join(fields)}"
                errors.add_one(row, f"{column}[{pos}]", rule, _brief(item))
                continue
            for key in item:
                if key not in fields:
                    errors.add_one(row, f"{column}[{pos}].{key}", "unknown field")
            records.append({_ROW: row, _POS: pos, **{f: item.get(f) for f in fields}})
    return pd.DataFrame.from_records(records, columns=[_ROW, _POS, *fields])


def _merge_item_errors(
    errors: ErrorCollector, items: ErrorCollector, frame: pd.DataFrame, column: str
) -> None:
    """Move the errors found on an item frame to their parent rows (``column[pos].field``)."""
    rows, positions = frame[_ROW].to_numpy(), frame[_POS].to_numpy()
    for error in items.errors:
        where = int(error.row) if error.row is not None else 0
        field = f"{column}[{positions[where]}]"
        if error.field != column:
            field += f".{error.field}"
        errors.add_one(int(rows[where]), field, error.rule, error.value)
    errors.total += items.total - len(items.errors)


def _status_changes(
    frame: pd.DataFrame,
    opened: pd.Series,
    timezone: str | None,
    errors: ErrorCollector,
    now: pd.Timestamp | None,
) -> list[list[dict[str, Any]]]:
    """Each ticket's status changes, checked and in time order (empty list when none)."""
    column = "status_changes"
    lists = _lists(frame, column, errors, max_items=MAX_STATUS_CHANGES)
    items = _item_frame(lists, column, STATUS_CHANGE_FIELDS, errors)
    result: list[list[dict[str, Any]]] = [[] for _ in range(len(frame))]
    if items.empty:
        return result
    found = ErrorCollector(limit=errors.limit)
    at = parse_instant_column(items["at"], "at", timezone, found)
    at = check_instants(at, "at", found, now=now)
    found.add(_missing(items["at"]), "at", "required field is missing")
    status = check_text(items["status"], "status", found, max_chars=MAX_NAME_CHARS).str.lower()
    found.add(status.isna(), "status", "required field is missing")
    unknown = status.notna() & ~status.isin(list(TICKET_STATUSES)).fillna(False).astype(bool)
    found.add(unknown, "status", f"must be one of {', '.join(TICKET_STATUSES)}", items["status"])
    parent_opened = opened.iloc[items[_ROW].to_numpy()].reset_index(drop=True)
    found.add(at < parent_opened, "at", "must not be before the ticket's opened_at", at)
    _merge_item_errors(errors, found, items, column)
    local = at.dt.tz_convert(timezone or "UTC")
    ordered = pd.DataFrame({_ROW: items[_ROW], _POS: items[_POS], "at": local, "status": status})
    ordered = ordered.sort_values([_ROW, "at", _POS], kind="stable")
    for row, at_value, status_value in zip(
        ordered[_ROW], ordered["at"], ordered["status"], strict=True
    ):
        result[int(row)].append({"at": at_value, "status": status_value})
    return result


def final_resolution(changes: Sequence[Mapping[str, Any]]) -> pd.Timestamp | None:
    """When a ticket was resolved for good: the first change of its last unbroken run of
    resolved/closed statuses (``resolved`` then ``closed`` resolves at ``resolved``); None when
    its last status leaves it unresolved or it has no change."""
    start = None
    for change in changes:
        if change["status"] in RESOLVED_STATUSES:
            start = change["at"] if start is None else start
        else:
            start = None
    return start


def validate_tickets(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Check tickets against the record contract and return them clean and typed.

    Parameters
    ----------
    frame:
        Raw tickets, one row per ticket: ``ticket_id``, ``queue``, ``category``, ``opened_at``
        and optional ``contact_id``, ``agent_id`` (the ticket's owner), ``priority`` (low,
        normal, high, urgent), ``status_changes`` (list of ``{at, status}``; statuses open,
        pending, resolved, closed, reopened), ``resolved_at`` and ``reopened`` (bool).
    timezone:
        IANA zone of naive timestamps and of the returned instants (UTC when None; naive
        timestamps are then rejected).
    max_errors:
        How many broken rules to list in full (all are counted).
    now:
        The server's clock (UTC) for the one-day-ahead bound; the real clock when None.

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.TICKET_COLUMNS`. ``status_changes`` is a time-ordered list of
        ``{"at": Timestamp, "status": str}``; ``status`` the last change's status (``resolved``
        when there is none but ``resolved_at``, else ``open``); ``resolved_at`` is derived when
        absent (see :func:`final_resolution`); ``reopened`` is derived when absent (a
        ``reopened`` change). Exact repeats of a row are dropped.

    Raises
    ------
    InvalidInput
        Missing required fields, unparseable or naive instants, a status change before
        ``opened_at`` or with an unknown status, ``resolved_at`` before ``opened_at`` or set while
        the last status leaves the ticket unresolved, ``reopened`` false despite a reopened
        change, an unknown priority, a duplicate ``ticket_id`` with different content, and every
        plausibility bound.
    """
    what = "tickets"
    _required_columns(frame, TICKET_REQUIRED, what)
    errors = ErrorCollector(limit=max_errors)
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    out["ticket_id"] = _text_field(
        frame, "ticket_id", errors, max_chars=MAX_ID_CHARS, required=True
    )
    out["queue"] = _text_field(frame, "queue", errors, max_chars=MAX_NAME_CHARS, required=True)
    out["category"] = _text_field(
        frame, "category", errors, max_chars=MAX_TEXT_CHARS, required=True
    )
    opened = _instants(frame, "opened_at", timezone, errors, now, required=True)
    out["opened_at"] = opened
    for column in ("contact_id", "agent_id"):
        out[column] = _text_field(frame, column, errors, max_chars=MAX_ID_CHARS)
    out["priority"] = _choice(frame, "priority", TICKET_PRIORITIES, errors)
    changes = _status_changes(frame, opened, timezone, errors, now)
    resolved = _instants(frame, "resolved_at", timezone, errors, now)
    errors.add(resolved < opened, "resolved_at", "must not be before opened_at", resolved)
    last = pd.Series([c[-1]["status"] if c else None for c in changes], index=frame.index)
    unresolved = last.notna() & ~last.isin(list(RESOLVED_STATUSES))
    rule = "must be empty while the ticket's last status leaves it unresolved"
    errors.add(resolved.notna() & unresolved, "resolved_at", rule, last)
    has_reopen = pd.Series([any(c["status"] == "reopened" for c in x) for x in changes])
    if "reopened" in frame.columns:
        given = _booleans(frame, "reopened", errors)
        denied = (given == False).fillna(False).astype(bool) & has_reopen  # noqa: E712
        errors.add(denied, "reopened", "must be true: a status change reopens the ticket", given)
        reopened = given.fillna(has_reopen).astype(bool)
    else:
        reopened = has_reopen.astype(bool)
    derived = pd.Series(
        [final_resolution(c) for c in changes], index=frame.index, dtype="datetime64[us, UTC]"
    )
    out["status_changes"] = pd.Series(changes, index=frame.index, dtype=object)
    out["resolved_at"] = resolved.where(resolved.notna(), derived)
    out["reopened"] = reopened
    no_change = last.isna()
    out["status"] = last.where(~no_change, np.where(resolved.notna(), "resolved", "open"))
    out["status"] = out["status"].astype("str")
    clean = _dedupe_nested(out, "ticket_id", ["status_changes"], errors, "ticket_id")
    errors.raise_if_any(what)
    return _in_zone(clean, ["opened_at", "resolved_at"], timezone)[TICKET_COLUMNS]


def _dedupe_nested(
    out: pd.DataFrame, key: str, nested: Sequence[str], errors: ErrorCollector, what: str
) -> pd.DataFrame:
    """Drop exact repeats of a row (nested lists compared as JSON); flag a key repeated with
    different content."""
    present = out[out[key].notna()]
    repeated = present.duplicated(subset=[key], keep=False)
    if not repeated.any():
        return present.reset_index(drop=True)
    # Nested lists are hashed as JSON only for the rows whose key repeats: cheap on clean batches.
    hashable = present.copy()
    for column in nested:
        hashable.loc[repeated, column] = hashable.loc[repeated, column].map(
            lambda v: json.dumps(v, default=str, sort_keys=True)
        )
        hashable.loc[~repeated, column] = ""
    kept = _duplicates(hashable, [key], errors, what)
    return out.loc[kept.index].reset_index(drop=True)


def _in_zone(clean: pd.DataFrame, columns: Sequence[str], timezone: str | None) -> pd.DataFrame:
    zone = timezone or "UTC"
    for column in columns:
        clean[column] = clean[column].dt.tz_convert(zone)
    return clean


def validate_kb_events(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Check knowledge-base events (an agent viewed an article) and return them clean.

    Parameters
    ----------
    frame:
        Raw rows with ``event_id``, ``agent_id``, ``article_id``, ``topic``, ``viewed_at`` and
        an optional ``contact_id`` (the contact during which the article was read; empty when
        the agent read it outside a contact, e.g. while learning).
    timezone, max_errors, now:
        As for :func:`validate_tickets`.

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.KB_EVENT_COLUMNS`; exact repeats dropped.

    Raises
    ------
    InvalidInput
        Missing required fields, unparseable or naive ``viewed_at``, a duplicate ``event_id``
        with different content, and every plausibility bound.
    """
    what = "knowledge-base events"
    _required_columns(frame, KB_EVENT_REQUIRED, what)
    errors = ErrorCollector(limit=max_errors)
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for column in ("event_id", "agent_id", "article_id"):
        out[column] = _text_field(frame, column, errors, max_chars=MAX_ID_CHARS, required=True)
    out["contact_id"] = _text_field(frame, "contact_id", errors, max_chars=MAX_ID_CHARS)
    out["topic"] = _text_field(frame, "topic", errors, max_chars=MAX_TEXT_CHARS, required=True)
    out["viewed_at"] = _instants(frame, "viewed_at", timezone, errors, now, required=True)
    present = out["event_id"].notna()
    clean = _duplicates(out[present], ["event_id"], errors, "event_id").reset_index(drop=True)
    errors.raise_if_any(what)
    return _in_zone(clean, ["viewed_at"], timezone)[KB_EVENT_COLUMNS]


def _keywords(frame: pd.DataFrame, errors: ErrorCollector) -> list[list[str]]:
    column = "keywords"
    lists = _lists(frame, column, errors, max_items=MAX_KEYWORDS, split_text=True)
    records = [
        {_ROW: row, _POS: pos, column: item}
        for row, items in enumerate(lists)
        for pos, item in enumerate(items or [])
    ]
    items = pd.DataFrame.from_records(records, columns=[_ROW, _POS, column])
    result: list[list[str]] = [[] for _ in range(len(frame))]
    if items.empty:
        return result
    found = ErrorCollector(limit=errors.limit)
    text = check_text(items[column], column, found, max_chars=MAX_NAME_CHARS)
    _merge_item_errors(errors, found, items, column)
    for row, word in zip(items[_ROW], text.str.lower(), strict=True):
        if isinstance(word, str) and word not in result[int(row)]:
            result[int(row)].append(word)
    return result


def _emotion(frame: pd.DataFrame, errors: ErrorCollector) -> list[list[dict[str, Any]]]:
    column = "emotion"
    lists = _lists(frame, column, errors, max_items=MAX_EMOTION_SEGMENTS)
    items = _item_frame(lists, column, EMOTION_FIELDS, errors)
    result: list[list[dict[str, Any]]] = [[] for _ in range(len(frame))]
    if items.empty:
        return result
    found = ErrorCollector(limit=errors.limit)
    bounds = {}
    for name in ("start_s", "end_s"):
        seconds = check_numbers(items[name], name, found)
        found.add(seconds.isna() & items[name].isna(), name, "required field is missing")
        bounds[name] = check_range(
            seconds, name, found, low=0.0, high=MAX_DURATION_S, unit=" s", raw=items[name]
        )
    start, end = bounds["start_s"], bounds["end_s"]
    found.add(end < start, "end_s", "must not be before start_s", items["end_s"])
    label = check_text(items["label"], "label", found, max_chars=MAX_NAME_CHARS).str.lower()
    found.add(label.isna(), "label", "required field is missing")
    unknown = label.notna() & ~label.isin(list(EMOTION_LABELS)).fillna(False).astype(bool)
    found.add(unknown, "label", f"must be one of {', '.join(EMOTION_LABELS)}", items["label"])
    score = check_numbers(items["score"], "score", found)
    found.add(score.isna() & items["score"].isna(), "score", "required field is missing")
    score = check_range(
        score, "score", found, low=0.0, high=1.0, high_inclusive=True, raw=items["score"]
    )
    _merge_item_errors(errors, found, items, column)
    ordered = pd.DataFrame(
        {_ROW: items[_ROW], _POS: items[_POS], "start_s": start, "end_s": end,
         "label": label, "score": score}
    ).sort_values([_ROW, "start_s", _POS], kind="stable")  # fmt: skip
    for row, s, e, name, value in zip(
        ordered[_ROW], ordered["start_s"], ordered["end_s"], ordered["label"], ordered["score"],
        strict=True,
    ):  # fmt: skip
        result[int(row)].append(
            {"start_s": float(s), "end_s": float(e), "label": str(name), "score": float(value)}
        )
    return result


def validate_quality(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    max_errors: int = MAX_REPORTED_ERRORS,
    now: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Check quality evaluations of contacts (manual reviews or speech analytics).

    Parameters
    ----------
    frame:
        Raw rows with ``evaluation_id``, ``contact_id``, ``evaluated_at``, ``source`` (manual or
        speech) and at least one of ``script_compliance`` and ``empathy`` (shares 0..1),
        ``keywords`` (list of text) and ``emotion`` (list of ``{start_s, end_s, label,
        score}``: seconds from the contact's start, a label of
        :data:`features.schema.EMOTION_LABELS`, a score 0..1).
    timezone, max_errors, now:
        As for :func:`validate_tickets`.

    Returns
    -------
    pandas.DataFrame
        :data:`features.schema.QUALITY_COLUMNS`: scores float (NaN when not given), keywords a
        list of lower-cased distinct words, emotion a list of segments in time order; exact
        repeats dropped.

    Raises
    ------
    InvalidInput
        Missing required fields, an unknown source or emotion label, scores outside 0..1, a
        segment ending before it starts or lasting beyond 24 h, an evaluation without any score,
        keyword or emotion, a duplicate ``evaluation_id`` with different content, and every
        plausibility bound.
    """
    what = "quality evaluations"
    _required_columns(frame, QUALITY_REQUIRED, what)
    errors = ErrorCollector(limit=max_errors)
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    for column in ("evaluation_id", "contact_id"):
        out[column] = _text_field(frame, column, errors, max_chars=MAX_ID_CHARS, required=True)
    out["evaluated_at"] = _instants(frame, "evaluated_at", timezone, errors, now, required=True)
    out["source"] = _choice(frame, "source", QUALITY_SOURCES, errors, required=True)
    for column in QUALITY_SCORES:
        out[column] = _scores(frame, column, errors)
    out["keywords"] = pd.Series(_keywords(frame, errors), index=frame.index, dtype=object)
    out["emotion"] = pd.Series(_emotion(frame, errors), index=frame.index, dtype=object)
    empty = (
        out["script_compliance"].isna()
        & out["empathy"].isna()
        & (out["keywords"].map(len) == 0)
        & (out["emotion"].map(len) == 0)
    )
    rule = "an evaluation needs a score, keywords or emotion segments"
    errors.add(empty, "scores", rule)
    clean = _dedupe_nested(out, "evaluation_id", ["keywords", "emotion"], errors, "evaluation_id")
    errors.raise_if_any(what)
    return _in_zone(clean, ["evaluated_at"], timezone)[QUALITY_COLUMNS]


ALIAS_KINDS = ("queue", "team", "agent")
"""What an alias may name."""
ALIAS_COLUMNS = ["kind", "alias", "name"]


def validate_aliases(rows: pd.DataFrame | Sequence[Mapping[str, Any]] | Any) -> pd.DataFrame:
    """Check aliases: other names of queues, teams and agents (``账单`` for ``billing``) that
    questions in plain language may use.

    Parameters
    ----------
    rows:
        Rows with ``kind`` (queue, team or agent), ``name`` (the queue, team or agent id) and
        ``alias``.

    Returns
    -------
    pandas.DataFrame
        ``kind, alias, name``; exact repeats dropped.

    Raises
    ------
    InvalidInput
        Missing fields, an unknown kind, text with control characters or too long, and one
        (kind, alias) naming two different things.
    """
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    what = "aliases"
    _required_columns(frame, ALIAS_COLUMNS, what)
    errors = ErrorCollector()
    frame = frame.reset_index(drop=True)
    out = pd.DataFrame(index=frame.index)
    out["kind"] = _choice(frame, "kind", ALIAS_KINDS, errors, required=True)
    out["alias"] = _text_field(frame, "alias", errors, max_chars=MAX_NAME_CHARS, required=True)
    out["name"] = _text_field(frame, "name", errors, max_chars=MAX_ID_CHARS, required=True)
    present = out["kind"].notna() & out["alias"].notna()
    clean = _duplicates(out[present], ["alias", "kind"], errors, "alias")
    errors.raise_if_any(what)
    return clean.reset_index(drop=True)[ALIAS_COLUMNS]
