"""Declarative source mappings: turn someone else's export into Seatwise contact records.

A mapping is a small JSON document (validated with pydantic) that says how to read the file,
which rows to drop, and, for every record field, where its value comes from:

.. code-block:: json

    {
      "name": "my_acd",
      "source": {"format": "csv", "separator": ";"},
      "timezone": "Europe/Berlin",
      "date": {"column": "day", "format": "%d.%m.%Y"},
      "roll_over": {"anchor": "start_time"},
      "drop": [{"column": "status", "equals": "TEST"}],
      "fields": {
        "contact_id": {"template": "{day}-{call}"},
        "queue": {"column": "skill"},
        "arrived_at": {"time": ["start_time"]},
        "answered_at": {"time": ["pickup"], "null_values": ["-"], "not_before": "arrived_at"},
        "abandoned": {"condition": {"column": "status", "equals": "ABANDONED"}},
        "handle_s": {"column": "duration", "type": "number"},
        "agent_id": {"column": "agent", "null_values": ["NONE"]},
        "channel": {"value": "voice"}
      }
    }

Field sources (exactly one per rule): ``column`` (copied), ``template`` (``{column}`` pieces
joined), ``value`` (a constant), ``condition`` (true where the condition holds), ``time`` (a list
of time-of-day columns ``[H]H:MM[:SS]``, the first non-null one wins, on the row's ``date``) or
``instant`` (a column of full timestamps, parsed with an optional ``format``). Options:
``null_values`` (cells meaning "none"), ``when`` (a condition; a field may be a list of rules,
the first whose ``when`` holds gives the value), ``type`` (``string`` or ``number``) and, for
times, ``not_before`` (raise the value to another time field when the source's clocks disagree by
a few seconds). Conditions are ``{"column", "equals" | "not_equals" | "in" | "not_in"}`` or
``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``.

``roll_over`` fixes exports that write only a time of day per stage of a call: a time more
than ``max_back_hours`` (12) earlier than the anchor column is on the next day.

Naive wall-clock times come out of :func:`apply_mapping`;
:func:`features.records.validation.validate_contacts` then localises them to the mapping's
timezone, rejecting non-existent or ambiguous ones.
"""

from __future__ import annotations

import json
import string
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from features.errors import FieldError, InvalidInput
from features.records.types import TimezoneName
from features.schema import CONTACT_COLUMNS

SOURCE_ROWS_ATTR = "source_rows"
"""``frame.attrs`` key: the source row of each mapped row (rows dropped by the mapping skipped)."""

BUILTIN_MAPPINGS = ("technion",)
"""Mappings shipped in ``features/records/mappings/*.json`` (usable as ``--format NAME``)."""


class Condition(BaseModel):
    """A row filter: compare one column, or combine conditions with all/any/not."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    column: str | None = None
    equals: str | None = None
    not_equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    not_in: list[str] | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        tests = [self.equals, self.not_equals, self.in_, self.not_in]
        combined = [self.all, self.any, self.not_]
        given_tests = sum(t is not None for t in tests)
        given_combined = sum(c is not None for c in combined)
        if self.column is not None and given_tests == 1 and given_combined == 0:
            return self
        if self.column is None and given_tests == 0 and given_combined == 1:
            return self
        raise ValueError(
            "a condition is a column with one of equals/not_equals/in/not_in, "
            "or exactly one of all/any/not"
        )

    def columns(self) -> set[str]:
        """Every source column the condition reads."""
        found = {self.column} if self.column else set()
        for child in (self.all or []) + (self.any or []) + ([self.not_] if self.not_ else []):
            found |= child.columns()
        return found

    def evaluate(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean mask over `frame` (missing cells never equal anything)."""
        if self.all is not None:
            mask = pd.Series(True, index=frame.index)
            for child in self.all:
                mask &= child.evaluate(frame)
            return mask
        if self.any is not None:
            mask = pd.Series(False, index=frame.index)
            for child in self.any:
                mask |= child.evaluate(frame)
            return mask
        if self.not_ is not None:
            return ~self.not_.evaluate(frame)
        values = frame[str(self.column)].astype("string").str.strip()
        if self.equals is not None:
            result = values == self.equals
        elif self.not_equals is not None:
            result = values != self.not_equals
        elif self.in_ is not None:
            result = values.isin(self.in_)
        else:
            result = ~values.isin(self.not_in or [])
        return result.fillna(False).astype(bool)


class FieldRule(BaseModel):
    """Where one record field comes from (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    template: str | None = None
    value: Any = None
    condition: Condition | None = None
    time: list[str] | None = None
    instant: str | None = None
    format: str | None = None
    null_values: list[str] = Field(default_factory=list)
    when: Condition | None = None
    type: Literal["string", "number"] = "string"
    not_before: str | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _time_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        sources = [self.column, self.template, self.value, self.condition, self.time, self.instant]
        if sum(s is not None for s in sources) != 1:
            raise ValueError(
                "give exactly one of column, template, value, condition, time, instant"
            )
        if self.not_before is not None and self.time is None and self.instant is None:
            raise ValueError("not_before applies to time or instant fields only")
        return self

    def columns(self) -> set[str]:
        """Every source column the rule reads."""
        found: set[str] = set()
        if self.column:
            found.add(self.column)
        if self.instant:
            found.add(self.instant)
        if self.time:
            found |= set(self.time)
        if self.template:
            found |= {name for _, name, _, _ in string.Formatter().parse(self.template) if name}
        for condition in (self.condition, self.when):
            if condition is not None:
                found |= condition.columns()
        return found


class DateSpec(BaseModel):
    """The column giving each row's date, and its strptime format."""

    model_config = ConfigDict(extra="forbid")

    column: str
    format: str = "%Y-%m-%d"


class RollOver(BaseModel):
    """Times more than `max_back_hours` before the anchor time are on the next day."""

    model_config = ConfigDict(extra="forbid")

    anchor: str
    max_back_hours: float = Field(12.0, gt=0, lt=24)


class SourceSpec(BaseModel):
    """How to read the source file."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "parquet", "json"] = "csv"
    separator: str = ","
    encoding: str = "utf-8"


class SourceMapping(BaseModel):
    """A whole mapping document."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    record: Literal["contacts"] = "contacts"
    source: SourceSpec = Field(default_factory=SourceSpec)
    timezone: TimezoneName | None = None
    date: DateSpec | None = None
    roll_over: RollOver | None = None
    drop: list[Condition] = Field(default_factory=list)
    fields: dict[str, FieldRule | list[FieldRule]]

    @field_validator("fields")
    @classmethod
    def _known_fields(
        cls, fields: dict[str, FieldRule | list[FieldRule]]
    ) -> dict[str, FieldRule | list[FieldRule]]:
        unknown = sorted(set(fields) - set(CONTACT_COLUMNS))
        if unknown:
            raise ValueError(f"unknown record field(s) {unknown}; known: {CONTACT_COLUMNS}")
        return fields

    @model_validator(mode="after")
    def _dates_for_times(self) -> SourceMapping:
        uses_time = any(rule.time for rule in self._rules())
        if uses_time and self.date is None:
            raise ValueError("fields with 'time' need a 'date' column")
        return self

    def _rules(self) -> list[FieldRule]:
        rules: list[FieldRule] = []
        for spec in self.fields.values():
            rules.extend(spec if isinstance(spec, list) else [spec])
        return rules

    def columns(self) -> set[str]:
        """Every source column the mapping reads (checked against the file's header)."""
        found: set[str] = set()
        for rule in self._rules():
            found |= rule.columns()
        for condition in self.drop:
            found |= condition.columns()
        if self.date:
            found.add(self.date.column)
        if self.roll_over:
            found.add(self.roll_over.anchor)
        return found


def _mapping_errors(exc: ValidationError, origin: str) -> InvalidInput:
    errors = [
        FieldError(None, ".".join(str(p) for p in e["loc"]) or "mapping", e["msg"])
        for e in exc.errors()
    ]
    return InvalidInput(f"mapping {origin} is not valid", errors)


def load_mapping(source: str | Path | dict[str, Any]) -> SourceMapping:
    """Load a mapping from a built-in name (``technion``), a JSON file, or a dict.

    Raises
    ------
    InvalidInput
        When the file is missing, is not JSON, or breaks the mapping schema.
    """
    if isinstance(source, dict):
        try:
            return SourceMapping.model_validate(source)
        except ValidationError as exc:
            raise _mapping_errors(exc, "given") from exc
    if str(source) in BUILTIN_MAPPINGS:
        text = resources.files("features.records.mappings").joinpath(f"{source}.json").read_text()
        origin = f"'{source}'"
    else:
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(
                f"mapping file not found: {path}",
                [FieldError(None, "mapping", "must be a built-in name or a JSON file", str(path))],
            )
        text = path.read_text(encoding="utf-8")
        origin = str(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        rule = f"must be JSON ({exc.msg} at line {exc.lineno})"
        raise InvalidInput(
            f"mapping {origin} is not JSON", [FieldError(None, "mapping", rule)]
        ) from exc
    try:
        return SourceMapping.model_validate(document)
    except ValidationError as exc:
        raise _mapping_errors(exc, origin) from exc


def read_source(path: str | Path, mapping: SourceMapping) -> pd.DataFrame:
    """Read the raw export as strings (no type guessing), as the mapping's `source` says."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(
            f"file not found: {path}", [FieldError(None, "path", "must exist", str(path))]
        )
    spec = mapping.source
    if spec.format == "parquet":
        return pd.read_parquet(path)
    if spec.format == "json":
        return pd.DataFrame.from_records(json.loads(path.read_text(encoding=spec.encoding)))
    return pd.read_csv(
        path,
        sep=spec.separator,
        dtype="str",
        encoding=spec.encoding,
        keep_default_na=False,
        na_values=[""],
    )


def _time_of_day(values: pd.Series) -> pd.Series:
    return pd.to_timedelta(values.astype("string").str.strip(), errors="coerce")


def _apply_rule(
    rule: FieldRule,
    frame: pd.DataFrame,
    dates: pd.Series | None,
    anchor: pd.Series | None,
    max_back: pd.Timedelta,
) -> pd.Series:
    nulls = set(rule.null_values)

    def cleaned(column: str) -> pd.Series:
        values = frame[column].astype("string").str.strip()
        return values.mask(values.isin(nulls)) if nulls else values

    if rule.value is not None:
        return pd.Series([rule.value] * len(frame), index=frame.index, dtype="object")
    if rule.condition is not None:
        return rule.condition.evaluate(frame).astype("object")
    if rule.template is not None:
        pieces = list(string.Formatter().parse(rule.template))
        result = pd.Series("", index=frame.index, dtype="string")
        for literal, name, _, _ in pieces:
            result = result + literal
            if name:
                result = result + cleaned(name)
        return result.astype("object")
    if rule.instant is not None:
        raw = cleaned(rule.instant)
        if rule.format is None:
            return raw.astype("object")
        return pd.to_datetime(raw, format=rule.format, errors="coerce").astype("object")
    if rule.time is not None:
        offset = pd.Series(pd.NaT, index=frame.index, dtype="timedelta64[us]")
        for column in rule.time:
            offset = offset.fillna(_time_of_day(cleaned(column)))
        if anchor is not None:
            offset = offset + pd.to_timedelta((offset < anchor - max_back).astype(int), unit="D")
        if dates is None:
            raise InvalidInput("time fields need the mapping's 'date' column")
        return dates + offset
    values = cleaned(str(rule.column))
    if rule.type == "number":
        return pd.to_numeric(values, errors="coerce").where(values.notna()).astype("object")
    return values.astype("object")


def apply_mapping(raw: pd.DataFrame, mapping: SourceMapping) -> pd.DataFrame:
    """Map a raw export (all cells as read) to contact records.

    Parameters
    ----------
    raw:
        The source rows, typically from :func:`read_source`.
    mapping:
        The declarative mapping.

    Returns
    -------
    pandas.DataFrame
        One row per kept source row, with the record fields the mapping defines; time fields are
        naive wall-clock timestamps in the mapping's timezone (validate with that timezone).

    Raises
    ------
    InvalidInput
        When the file lacks columns the mapping reads, or dates cannot be parsed.
    """
    missing = sorted(mapping.columns() - set(raw.columns))
    if missing:
        raise InvalidInput(
            f"the file lacks column(s) the mapping '{mapping.name}' reads: {', '.join(missing)}",
            [FieldError(None, column, "column required by the mapping") for column in missing],
        )
    keep = pd.Series(True, index=raw.index)
    for condition in mapping.drop:
        keep &= ~condition.evaluate(raw)
    frame = raw[keep.to_numpy()].reset_index(drop=True)
    dates: pd.Series | None = None
    if mapping.date is not None:
        text = frame[mapping.date.column].astype("string").str.strip()
        dates = pd.to_datetime(text, format=mapping.date.format, errors="coerce")
        bad = dates.isna().to_numpy()
        if bad.any():
            rows = np.flatnonzero(bad)[:1000]
            rule = f"date must match {mapping.date.format}"
            errors = [
                FieldError(int(r), mapping.date.column, rule, text.iloc[int(r)]) for r in rows
            ]
            raise InvalidInput(f"{int(bad.sum())} row(s) have unparseable dates", errors)
    anchor = _time_of_day(frame[mapping.roll_over.anchor]) if mapping.roll_over else None
    max_back = pd.Timedelta(hours=mapping.roll_over.max_back_hours if mapping.roll_over else 12)
    out = pd.DataFrame(index=frame.index)
    pending_floor: list[tuple[str, str]] = []
    for field_name, spec in mapping.fields.items():
        rules = spec if isinstance(spec, list) else [spec]
        result = pd.Series(None, index=frame.index, dtype="object")
        decided = pd.Series(False, index=frame.index)
        for field_rule in rules:
            applies = (
                field_rule.when.evaluate(frame)
                if field_rule.when is not None
                else pd.Series(True, index=frame.index)
            )
            take = applies & ~decided
            if take.any():
                values = _apply_rule(field_rule, frame, dates, anchor, max_back)
                result = result.where(~take, values.astype("object"))
                decided |= take
            if field_rule.not_before is not None:
                pending_floor.append((field_name, field_rule.not_before))
        out[field_name] = _tidy(result)
    for field_name, floor in dict.fromkeys(pending_floor):
        if floor in out.columns:
            later = out[floor].notna() & out[field_name].notna() & (out[field_name] < out[floor])
            out[field_name] = out[field_name].mask(later, out[floor])
    out.attrs[SOURCE_ROWS_ATTR] = np.flatnonzero(keep.to_numpy())
    return out


def to_source_rows(error: InvalidInput, mapped: pd.DataFrame) -> InvalidInput:
    """The same error with row numbers of the source file (0-based data rows) instead of
    positions among the rows the mapping kept."""
    source_rows = mapped.attrs.get(SOURCE_ROWS_ATTR)
    if source_rows is None:
        return error
    errors = [
        e if e.row is None else FieldError(int(source_rows[e.row]), e.field, e.rule, e.value)
        for e in error.errors
    ]
    return InvalidInput(f"{error.args[0]} (rows of the source file)", errors)


def _tidy(values: pd.Series) -> pd.Series:
    """Give a mapped column a proper dtype (datetimes, numbers, booleans or strings)."""
    present = values.dropna()
    if present.empty:
        return values
    sample = present.iloc[0]
    if isinstance(sample, pd.Timestamp):
        return pd.to_datetime(values)
    if isinstance(sample, (bool, np.bool_)):
        return values.astype("boolean")
    if isinstance(sample, (int, float, np.number)):
        return pd.to_numeric(values)
    return values.astype("str")


def read_mapped(path: str | Path, mapping: SourceMapping | str | Path) -> pd.DataFrame:
    """Read `path` and apply `mapping` (a SourceMapping, built-in name or mapping file)."""
    resolved = mapping if isinstance(mapping, SourceMapping) else load_mapping(mapping)
    return apply_mapping(read_source(path, resolved), resolved)
