"""Ingestion: read a records file (CSV, Parquet, JSON) or an API batch, validate it, store it.

A file or batch is all-or-nothing: validation runs on the whole of it before anything is
written, and the write is one transaction. Re-sending records already stored changes nothing.
Besides contacts, agent states and agents, the other sources are ingested the same way: tickets,
knowledge-base events and quality evaluations (:mod:`features.records.sources`,
:mod:`features.store.sources_store`); their nested fields (status changes, keywords, emotion
segments) are JSON arrays in JSON files and JSON text in CSV cells.
A file may opt in to a *rejects file* instead (``rejects=PATH``): the valid rows are stored and
every broken row is written to PATH with its source row number and reasons; a problem with the
file as a whole (a missing column) still stops everything.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from features.errors import FieldError, InvalidInput, json_path
from features.records.json_text import REPEATED_KEY_RULE, json_problems, load_json
from features.records.mapping import (
    BUILTIN_MAPPINGS,
    SOURCE_ROWS_ATTR,
    SourceMapping,
    load_mapping,
    read_mapped,
    to_source_rows,
)
from features.records.sources import validate_kb_events, validate_quality, validate_tickets
from features.records.validation import validate_agent_states, validate_agents, validate_contacts
from features.schema import ProgressCallback, no_progress
from features.store.records_store import IngestReport, Store
from features.store.sources_store import SourceIngestReport, SourcesStore

RecordKind = Literal["contacts", "agent-states", "agents", "tickets", "kb-events", "quality"]
RECORD_KINDS: tuple[RecordKind, ...] = (
    "contacts",
    "agent-states",
    "agents",
    "tickets",
    "kb-events",
    "quality",
)
SOURCE_VALIDATORS = {
    "tickets": validate_tickets,
    "kb-events": validate_kb_events,
    "quality": validate_quality,
}
"""Validation of the other sources, by record kind."""
FILE_FORMATS = ("csv", "parquet", "json")
CSV_MISSING = ("", "NULL", "null", "NA", "N/A", "n/a", "#N/A")
"""Cells a CSV file may use for a missing value; ``NaN`` and ``inf`` are not among them (they
are refused as numbers that are not finite, not taken for missing)."""
_TEXT_COLUMNS = (
    "contact_id",
    "queue",
    "agent_id",
    "channel",
    "state",
    "name",
    "team",
    "site",
    "ticket_id",
    "category",
    "priority",
    "event_id",
    "article_id",
    "topic",
    "evaluation_id",
    "source",
)


def file_format(path: str | Path, declared: str | None = None) -> str:
    """The file format to read: `declared` when given, else from the suffix (csv by default)."""
    if declared is not None:
        if declared not in FILE_FORMATS:
            rule = f"must be one of {', '.join(FILE_FORMATS + BUILTIN_MAPPINGS)}"
            raise InvalidInput(
                f"unknown format {declared!r}", [FieldError(None, "format", rule, declared)]
            )
        return declared
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".json", ".jsonl", ".ndjson"):
        return "json"
    return "csv"


def _json_rows(path: Path, kind: RecordKind) -> list[Any]:
    """The records of a JSON (or JSON lines) file; NaN, Infinity and overflowing numbers are
    kept as their text so validation refuses them by row and field (Python's reader would make
    them floats, and NaN a missing value)."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            rows: Any = [load_json(line) for line in text.splitlines() if line.strip()]
        else:
            rows = _records_of(load_json(text), kind)
    except json.JSONDecodeError as exc:
        rule = f"must be JSON ({exc.msg} at line {exc.lineno})"
        raise InvalidInput(f"{path} is not JSON", [FieldError(None, "file", rule)]) from exc
    except RecursionError as exc:
        rule = "must be JSON of bounded depth"
        raise InvalidInput(f"{path} nests too deeply", [FieldError(None, "file", rule)]) from exc
    if rows is None:
        rule = f"must be a JSON array of records (or an object with a '{kind}' array)"
        raise InvalidInput(f"{path}: no records found", [FieldError(None, "file", rule)])
    repeated = [
        FieldError(row, json_path(loc[1:]) or "record", rule, value)
        for row, item in enumerate(rows)
        for loc, rule, value in json_problems([item])
        if rule == REPEATED_KEY_RULE
    ]
    if repeated:
        raise InvalidInput(f"{path}: records repeat keys", repeated)
    return list(rows)


def _records_of(document: Any, kind: RecordKind) -> list[Any] | None:
    if isinstance(document, dict):
        for key in (kind, kind.replace("-", "_"), "records", "data"):
            if isinstance(document.get(key), list):
                return list(document[key])
    if isinstance(document, list):
        return document
    return None


def check_unique_header(names: Sequence[str], what: str = "CSV") -> None:
    """Refuse a header that names a column twice (which of the two cells would count?).

    Raises
    ------
    InvalidInput
        Naming every repeated column.
    """
    repeated = {name: count for name, count in Counter(str(n) for n in names).items() if count > 1}
    if repeated:
        errors = [
            FieldError(None, name, f"appears {count} times in the header; give it once", name)
            for name, count in repeated.items()
        ]
        raise InvalidInput(f"{what} header repeats column(s): {', '.join(repeated)}", errors)


def read_csv_body(body: bytes) -> pd.DataFrame:
    """A CSV request body as a frame of text cells (empty cells missing); validation interprets
    the values.

    Raises
    ------
    InvalidInput
        When the body is not readable as CSV or its header repeats a column.
    """
    try:
        header = pd.read_csv(io.BytesIO(body), nrows=1, header=None, dtype=str)
        check_unique_header([str(name) for name in header.iloc[0].tolist()] if len(header) else [])
        return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            "unreadable body",
            [FieldError(None, "body", f"not readable as CSV: {exc}")],
        ) from exc


def read_records(path: str | Path, kind: RecordKind, *, fmt: str | None = None) -> Any:
    """Read a records file without interpreting values (validation does that).

    Returns a frame for contacts and agent states, a list of dicts for agents read from JSON.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"file not found: {path}", [FieldError(None, "path", "file must exist", str(path))]
        )
    chosen = file_format(path, fmt)
    if chosen == "parquet":
        return pd.read_parquet(path)
    if chosen == "json":
        rows = _json_rows(path, kind)
        return rows if kind == "agents" else pd.DataFrame.from_records(rows)
    try:
        # Arrow's multi-threaded reader also parses ISO 8601 instants (with offset or Z) in C;
        # columns it cannot parse stay text and validation reports their bad cells. Ids stay
        # text so "007" keeps its zeros.
        options = pa_csv.ConvertOptions(
            column_types={column: pa.string() for column in _TEXT_COLUMNS},
            strings_can_be_null=True,
            null_values=list(CSV_MISSING),
        )
        table = pa_csv.read_csv(path, convert_options=options)
    except (ValueError, UnicodeDecodeError) as exc:
        rule = f"must be a readable CSV ({exc})"
        raise InvalidInput(
            f"{path} is not a readable CSV", [FieldError(None, "file", rule)]
        ) from exc
    check_unique_header(table.column_names, f"{path}:")
    return _with_given_nan(table)


def _with_given_nan(table: pa.Table) -> pd.DataFrame:
    """The table as a frame in which a NaN the file wrote (not an empty cell) stays the text
    ``NaN``, so validation refuses it instead of taking it for a missing value."""
    frame = table.to_pandas()
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_floating(column.type):
            given = pc.fill_null(pc.is_nan(column), False).to_numpy(zero_copy_only=False)
            if given.any():
                frame[name] = frame[name].astype(object).mask(given, "NaN")
    return frame


def _resolve_mapping(fmt: str | None, mapping: str | Path | None) -> SourceMapping | None:
    if mapping is not None:
        return load_mapping(mapping)
    if fmt is not None and fmt in BUILTIN_MAPPINGS:
        return load_mapping(fmt)
    return None


def ingest_file(
    store: Store,
    kind: RecordKind,
    path: str | Path,
    *,
    timezone: str | None = None,
    fmt: str | None = None,
    mapping: str | Path | None = None,
    progress: ProgressCallback | None = None,
    rejects: str | Path | None = None,
) -> IngestReport:
    """Read, validate and store one file; nothing is stored when any row is broken, unless
    `rejects` names a file to receive the broken rows.

    Parameters
    ----------
    store:
        The destination (already migrated).
    kind:
        ``contacts``, ``agent-states``, ``agents``, ``tickets``, ``kb-events`` or ``quality``.
    path:
        CSV, Parquet or JSON (array, ``{"<kind>": [...]}`` or JSON lines); or, with a mapping,
        any export the mapping describes.
    timezone:
        The site's IANA zone, used for naive timestamps (rejected without it). A mapping's own
        timezone applies when this is None.
    fmt:
        ``csv``, ``parquet``, ``json`` (default: from the suffix), or a built-in mapping name
        such as ``technion``.
    mapping:
        A JSON mapping file (see :mod:`features.records.mapping`); contacts only.
    progress:
        Receives (fraction 0..1, message).
    rejects:
        Opt-in: store the valid rows and write every broken row to this CSV (columns
        ``source_row``, ``reasons``, then the row as read). Without it the file is all or
        nothing.

    Returns
    -------
    IngestReport
        Rows received (after a mapping's drops), newly stored, already known, and rejected.

    Raises
    ------
    InvalidInput
        With every broken rule; the store is left untouched (with `rejects`: only for problems
        of the file as a whole, such as a missing required column).
    """
    report = progress or no_progress
    if kind not in RECORD_KINDS:
        rule = f"must be one of {', '.join(RECORD_KINDS)}"
        raise InvalidInput(f"unknown record kind {kind!r}", [FieldError(None, "kind", rule, kind)])
    source_mapping = _resolve_mapping(fmt, mapping)
    report(0.0, "reading")
    if source_mapping is not None:
        if kind != "contacts":
            rule = "mappings describe contacts exports only"
            raise InvalidInput(rule, [FieldError(None, "mapping", rule, source_mapping.name)])
        mapped = read_mapped(path, source_mapping)
        report(0.2, f"validating {len(mapped):,} rows")
        zone = timezone or source_mapping.timezone
        try:
            if rejects is not None:
                return _store_valid_rows(store, kind, mapped, zone, report, Path(rejects))
            return _validate_and_store(store, kind, mapped, zone, report)
        except InvalidInput as exc:
            raise to_source_rows(exc, mapped) from exc
    raw = read_records(path, kind, fmt=fmt)
    report(0.2, f"validating {len(raw):,} rows")
    if rejects is not None:
        return _store_valid_rows(store, kind, raw, timezone, report, Path(rejects))
    return _validate_and_store(store, kind, raw, timezone, report)


def ingest_records(
    store: Store,
    kind: RecordKind,
    records: Iterable[Mapping[str, Any]] | pd.DataFrame,
    *,
    timezone: str | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Validate and store a batch given as a list of dicts (the API's JSON body) or a frame.

    Same rules and all-or-nothing behaviour as :func:`ingest_file`.
    """
    report = progress or no_progress
    if kind == "agents":
        raw: Any = records if isinstance(records, pd.DataFrame) else list(records)
    else:
        raw = records if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(records)
    return _validate_and_store(store, kind, raw, timezone, report)


def _validate_and_store(
    store: Store, kind: RecordKind, raw: Any, timezone: str | None, report: ProgressCallback
) -> IngestReport:
    received = len(raw)

    def storing(fraction: float, message: str) -> None:
        report(0.4 + 0.6 * fraction, message)

    if kind == "contacts":
        clean = validate_contacts(raw, timezone=timezone)
        report(0.4, f"storing {len(clean):,} contacts")
        done = store.ingest_contacts(clean, validated=True, progress=storing)
    elif kind == "agent-states":
        clean = validate_agent_states(raw, timezone=timezone)
        report(0.4, f"storing {len(clean):,} agent states")
        done = store.ingest_agent_states(clean, validated=True, progress=storing)
    elif kind in SOURCE_VALIDATORS:
        clean = SOURCE_VALIDATORS[kind](raw, timezone=timezone)
        report(0.4, f"storing {len(clean):,} {kind}")
        done = _store_source(store, kind, clean, storing)
        report(1.0, f"{done.inserted:,} new, {done.updated:,} updated")
        return SourceIngestReport(
            received, done.inserted, received - done.inserted, updated=done.updated
        )
    else:
        agents = validate_agents(raw, timezone=timezone)
        report(0.4, f"storing {len(agents):,} agents")
        done = store.upsert_agents(agents, validated=True)
    report(1.0, f"{done.inserted:,} new, {received - done.inserted:,} already known")
    return IngestReport(received, done.inserted, received - done.inserted)


def _store_source(
    store: Store, kind: RecordKind, clean: pd.DataFrame, progress: ProgressCallback
) -> SourceIngestReport:
    sources = SourcesStore(store)
    if kind == "tickets":
        return sources.ingest_tickets(clean, validated=True, progress=progress)
    if kind == "kb-events":
        return sources.ingest_kb_events(clean, validated=True, progress=progress)
    return sources.ingest_quality(clean, validated=True, progress=progress)


def _validate(kind: RecordKind, raw: Any, timezone: str | None, max_errors: int) -> Any:
    if kind == "contacts":
        return validate_contacts(raw, timezone=timezone, max_errors=max_errors)
    if kind == "agent-states":
        return validate_agent_states(raw, timezone=timezone, max_errors=max_errors)
    if kind in SOURCE_VALIDATORS:
        return SOURCE_VALIDATORS[kind](raw, timezone=timezone, max_errors=max_errors)
    return validate_agents(raw, timezone=timezone, max_errors=max_errors)


def _store_valid_rows(
    store: Store,
    kind: RecordKind,
    raw: Any,
    timezone: str | None,
    report: ProgressCallback,
    rejects: Path,
) -> IngestReport:
    """Store the rows that pass validation; write the others, with their reasons, to `rejects`."""
    rows = raw if isinstance(raw, pd.DataFrame) else pd.DataFrame.from_records(list(raw))
    try:
        _validate(kind, raw, timezone, max_errors=max(1, 50 * len(rows)))
        broken: dict[int, list[str]] = {}
    except InvalidInput as exc:
        whole = [e for e in exc.errors if e.row is None]
        if whole:
            raise InvalidInput(f"{exc.args[0]} (the file as a whole)", whole) from exc
        broken = {}
        for error in exc.errors:
            shown = "" if error.value is None else f" (got {str(error.value)[:80]!r})"
            broken.setdefault(int(error.row or 0), []).append(f"{error.field}: {error.rule}{shown}")
    bad = sorted(broken)
    write_rejects(rows, bad, [broken[r] for r in bad], rejects)
    keep = rows.drop(index=rows.index[bad]).reset_index(drop=True)
    if kind == "agents":
        kept: Any = keep.to_dict(orient="records")
    else:
        kept = keep
    if keep.empty:
        report(1.0, f"0 new, {len(bad):,} rejected")
        return IngestReport(len(rows), 0, 0, len(bad))
    done = _validate_and_store(store, kind, kept, timezone, report)
    if isinstance(done, SourceIngestReport):
        return SourceIngestReport(
            len(rows), done.inserted, done.duplicates, len(bad), updated=done.updated
        )
    return IngestReport(len(rows), done.inserted, done.duplicates, len(bad))


def write_rejects(
    rows: pd.DataFrame, positions: list[int], reasons: list[list[str]], path: Path
) -> None:
    """Write the rejected rows as CSV: ``source_row`` (0-based data row of the file as read, or
    of the mapping's source file), ``reasons`` (every broken rule, ``; ``-separated) and the row's
    own cells (nested values as JSON)."""
    chosen = rows.iloc[positions].copy()
    source = rows.attrs.get(SOURCE_ROWS_ATTR)
    numbers = [int(source[p]) for p in positions] if source is not None else positions
    for column in chosen.columns:
        if chosen[column].map(lambda v: isinstance(v, (dict, list))).any():
            chosen[column] = chosen[column].map(
                lambda v: json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
            )
    chosen.insert(0, "reasons", ["; ".join(r) for r in reasons])
    chosen.insert(0, "source_row", numbers)
    path.parent.mkdir(parents=True, exist_ok=True)
    chosen.to_csv(path, index=False)
