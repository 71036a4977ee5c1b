"""The roster scenario: one week's whole planning problem, as pydantic v2 models.

The same models are the body of ``POST /v1/rosters``. :func:`load_scenario` parses a JSON-like
dict, then checks the rules that span fields (known queues, templates and skills, grid-aligned
times), and raises :class:`~features.errors.InvalidInput` listing every broken field by its JSON
path (``agents[3].contract.min_minutes``).

Time conventions: clock times (``"07:30"``) are local wall-clock times of ``timezone``; a
template's break window ``[earliest_after_start_minutes, latest_after_start_minutes]`` is
measured from the shift's start and the break must lie whole inside it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from features.calendar import is_timezone
from features.errors import FieldError, InvalidInput, pydantic_field_errors
from features.schema import (
    ALLOWED_INTERVAL_MINUTES,
    CHANNELS,
    DEFAULT_CHANNEL,
    DEFAULT_SL_THRESHOLD_S,
)
from scheduling.risk import DEFAULT_CONFIDENCE

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
BreakActivity = Literal["break", "lunch", "training", "meeting"]
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
ClockTime = str


def clock_minutes(text: str) -> int:
    """Minutes after local midnight of a ``HH:MM`` clock time (``24:00`` is 1440)."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"clock time must be HH:MM, got {text!r}")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > 1440:
        raise ValueError(f"clock time must be at most 24:00, got {text!r}")
    return minutes


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Queue(_Strict):
    """A queue to staff; `priority` weighs its under-coverage (higher = more important)."""

    name: str = Field(min_length=1)
    priority: float = Field(default=1.0, gt=0, le=100)


class RequirementRow(_Strict):
    """Agents needed on one queue in one interval (fractions are rounded up)."""

    queue: str
    interval_start: dt.datetime
    agents: float = Field(ge=0)


class ForecastRow(_Strict):
    """One forecast row (the forecast format): contacts per interval and handle time (s)."""

    queue: str
    interval_start: dt.datetime
    volume: float = Field(ge=0)
    aht_s: float = Field(ge=0)


class ServiceTarget(_Strict):
    """Service targets of a queue, used to turn a forecast into requirements (Erlang C/A)."""

    service_level: float = Field(default=0.8, gt=0, lt=1)
    threshold_s: float = Field(default=DEFAULT_SL_THRESHOLD_S, gt=0)
    asa_s: float | None = Field(default=None, gt=0)
    max_occupancy: float = Field(default=0.85, gt=0, le=1)
    shrinkage: float = Field(default=0.3, ge=0, lt=1)
    patience_s: float | None = Field(default=None, gt=0)
    channel: str = DEFAULT_CHANNEL
    concurrency: int = Field(default=1, ge=1)
    confidence: float | None = Field(default=DEFAULT_CONFIDENCE, gt=0, lt=1)

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"must be one of {list(CHANNELS)}")
        return value


class BreakRule(_Strict):
    """A break of a shift template, placed whole inside its window (minutes after shift start)."""

    activity: BreakActivity = "break"
    minutes: int = Field(gt=0)
    earliest_after_start_minutes: int = Field(ge=0)
    latest_after_start_minutes: int = Field(gt=0)


class ShiftTemplate(_Strict):
    """A shift shape: its length (minutes, breaks included), start window and breaks."""

    name: str = Field(min_length=1)
    length_minutes: int = Field(gt=0, le=24 * 60)
    earliest_start: ClockTime
    latest_start: ClockTime
    start_step_minutes: int = Field(default=30, gt=0)
    breaks: list[BreakRule] = Field(default_factory=list)


DEFAULT_MIN_QUEUE_BLOCK_MINUTES = 60
"""Shortest stint on one queue of a multi-skilled agent unless the scenario allows shorter."""


class Rules(_Strict):
    """Week-wide hard rules and the clock times that make a shift 'early' or 'late'.

    `min_queue_block_minutes`: a multi-skilled agent serves one queue for at least this long
    (shift time, breaks included) before changing queue; a multiple of ``interval_minutes``
    (0 or one interval: may change every interval).
    """

    min_rest_minutes: int = Field(default=660, ge=0)
    max_consecutive_days: int = Field(default=6, ge=1, le=7)
    early_start_before: ClockTime = "08:00"
    late_end_after: ClockTime = "20:00"
    min_queue_block_minutes: int = Field(default=DEFAULT_MIN_QUEUE_BLOCK_MINUTES, ge=0, le=1440)


class Contract(_Strict):
    """Weekly minutes (shift minutes, breaks included), days and allowed templates."""

    min_minutes: int = Field(default=0, ge=0)
    max_minutes: int = Field(default=2400, ge=0)
    max_days: int = Field(default=5, ge=0, le=7)
    templates: list[str] = Field(min_length=1)


class Preferences(_Strict):
    """Soft wishes: weekdays off and a preferred start window (local clock)."""

    days_off: list[Weekday] = Field(default_factory=list)
    start_after: ClockTime | None = None
    start_before: ClockTime | None = None


class Agent(_Strict):
    """A named agent: skills (queue -> proficiency 1..5), contract, availability, time off."""

    agent_id: str = Field(min_length=1)
    name: str | None = None
    team: str | None = None
    skills: dict[str, int] = Field(min_length=1)
    contract: Contract
    availability: dict[Weekday, list[tuple[ClockTime, ClockTime]]] = Field(default_factory=dict)
    time_off: list[dt.date] = Field(default_factory=list)
    preferences: Preferences = Field(default_factory=Preferences)


EXAMPLE_SCENARIO: dict[str, Any] = {
    "timezone": "Europe/Berlin",
    "week_start": "2026-11-30",
    "interval_minutes": 15,
    "queues": [{"name": "billing", "priority": 1.0}],
    "requirements": [
        {"queue": "billing", "interval_start": "2026-11-30T08:00:00+01:00", "agents": 1}
    ],
    "shift_templates": [
        {
            "name": "day8",
            "length_minutes": 480,
            "earliest_start": "07:00",
            "latest_start": "11:00",
            "start_step_minutes": 30,
            "breaks": [
                {
                    "activity": "lunch",
                    "minutes": 30,
                    "earliest_after_start_minutes": 180,
                    "latest_after_start_minutes": 300,
                }
            ],
        }
    ],
    "rules": {"min_rest_minutes": 660, "max_consecutive_days": 5},
    "agents": [
        {
            "agent_id": "a001",
            "team": "t1",
            "skills": {"billing": 5},
            "contract": {
                "min_minutes": 1920,
                "max_minutes": 2400,
                "max_days": 5,
                "templates": ["day8"],
            },
            "availability": {"mon": [["07:00", "19:00"]]},
            "time_off": ["2026-12-02"],
            "preferences": {"days_off": ["sat", "sun"], "start_after": "08:00"},
        }
    ],
}


class Scenario(_Strict):
    """One week's planning problem: queues, requirements (or forecast + service), templates,
    rules and agents. See DESIGN.md, section Scenario.

    When both `requirements` and `forecast` rows are given, the requirements say how many agents
    each interval needs and the forecast (with `service`) says what each agent is worth in
    expected service there (the objective's valuation); a forecast alone gives both."""

    model_config = ConfigDict(
        extra="allow", str_strip_whitespace=True, json_schema_extra={"examples": [EXAMPLE_SCENARIO]}
    )

    timezone: str = "UTC"
    week_start: dt.date
    interval_minutes: int = 15
    queues: list[Queue] = Field(min_length=1)
    requirements: list[RequirementRow] | None = None
    forecast: list[ForecastRow] | None = None
    service: ServiceTarget | dict[str, ServiceTarget] | None = None
    shift_templates: list[ShiftTemplate] = Field(min_length=1)
    rules: Rules = Field(default_factory=Rules)
    agents: list[Agent] = Field(min_length=1)

    def queue_block_intervals(self) -> int:
        """`rules.min_queue_block_minutes` in grid intervals (at least 1)."""
        return max(1, -(-self.rules.min_queue_block_minutes // self.interval_minutes))

    def queue_names(self) -> list[str]:
        """Queue names in scenario order."""
        return [q.name for q in self.queues]

    def template(self, name: str) -> ShiftTemplate:
        """The shift template called `name`."""
        return next(t for t in self.shift_templates if t.name == name)

    def service_for(self, queue: str) -> ServiceTarget:
        """Service targets of `queue` (defaults when none are given)."""
        if isinstance(self.service, dict):
            return self.service.get(queue) or self.service.get("*") or ServiceTarget()
        return self.service or ServiceTarget()


def _clock_errors(value: str | None, path: str, step: int, errors: list[FieldError]) -> None:
    if value is None:
        return
    try:
        minutes = clock_minutes(value)
    except ValueError as exc:
        errors.append(FieldError(None, path, str(exc), value))
        return
    if step and minutes % step:
        errors.append(FieldError(None, path, f"must be a multiple of {step} minutes", value))


def _check_templates(scenario: Scenario, errors: list[FieldError]) -> None:
    step = scenario.interval_minutes
    seen: set[str] = set()
    for i, t in enumerate(scenario.shift_templates):
        base = f"shift_templates[{i}]"
        if t.name in seen:
            errors.append(FieldError(None, f"{base}.name", "template names must be unique", t.name))
        seen.add(t.name)
        _clock_errors(t.earliest_start, f"{base}.earliest_start", step, errors)
        _clock_errors(t.latest_start, f"{base}.latest_start", step, errors)
        for name in ("length_minutes", "start_step_minutes"):
            if getattr(t, name) % step:
                rule = f"must be a multiple of interval_minutes ({step})"
                errors.append(FieldError(None, f"{base}.{name}", rule, getattr(t, name)))
        try:
            if clock_minutes(t.latest_start) < clock_minutes(t.earliest_start):
                rule = "latest_start must not be before earliest_start"
                errors.append(FieldError(None, f"{base}.latest_start", rule, t.latest_start))
        except ValueError:
            pass
        windows: list[tuple[int, int]] = []
        for j, b in enumerate(t.breaks):
            bpath = f"{base}.breaks[{j}]"
            if b.minutes % step:
                rule = f"must be a multiple of interval_minutes ({step})"
                errors.append(FieldError(None, f"{bpath}.minutes", rule, b.minutes))
            if b.latest_after_start_minutes - b.earliest_after_start_minutes < b.minutes:
                rule = "window (latest - earliest after start) must hold the whole break"
                errors.append(
                    FieldError(None, f"{bpath}.latest_after_start_minutes", rule, b.minutes)
                )
            if b.latest_after_start_minutes > t.length_minutes:
                rule = "break window must end within the shift"
                errors.append(
                    FieldError(None, f"{bpath}.latest_after_start_minutes", rule, t.length_minutes)
                )
            window = (b.earliest_after_start_minutes, b.latest_after_start_minutes)
            if any(window[0] < w[1] and w[0] < window[1] for w in windows):
                rule = "break windows of one template must not overlap"
                errors.append(FieldError(None, f"{bpath}.earliest_after_start_minutes", rule))
            windows.append(window)


def _check_agents(scenario: Scenario, errors: list[FieldError]) -> None:
    queues = set(scenario.queue_names())
    templates = {t.name for t in scenario.shift_templates}
    week = {scenario.week_start + dt.timedelta(days=d) for d in range(7)}
    seen: set[str] = set()
    for i, a in enumerate(scenario.agents):
        base = f"agents[{i}]"
        if a.agent_id in seen:
            rule = "agent ids must be unique"
            errors.append(FieldError(None, f"{base}.agent_id", rule, a.agent_id))
        seen.add(a.agent_id)
        for q, level in a.skills.items():
            if q not in queues:
                errors.append(FieldError(None, f"{base}.skills.{q}", "unknown queue", q))
            if not 1 <= level <= 5:
                errors.append(
                    FieldError(None, f"{base}.skills.{q}", "proficiency must be 1..5", level)
                )
        c = a.contract
        if c.min_minutes > c.max_minutes:
            rule = "min_minutes must not exceed max_minutes"
            errors.append(FieldError(None, f"{base}.contract.min_minutes", rule, c.min_minutes))
        for j, name in enumerate(c.templates):
            if name not in templates:
                rule = "unknown shift template"
                errors.append(FieldError(None, f"{base}.contract.templates[{j}]", rule, name))
        for day, windows in a.availability.items():
            for j, (start, end) in enumerate(windows):
                path = f"{base}.availability.{day}[{j}]"
                _clock_errors(start, path, 0, errors)
                _clock_errors(end, path, 0, errors)
                try:
                    if clock_minutes(end) <= clock_minutes(start):
                        errors.append(
                            FieldError(None, path, "window end must be after its start", end)
                        )
                except ValueError:
                    pass
        for j, off_day in enumerate(a.time_off):
            if off_day not in week:
                rule = "time off must fall in the scenario's week"
                errors.append(FieldError(None, f"{base}.time_off[{j}]", rule, str(off_day)))
        p = a.preferences
        _clock_errors(p.start_after, f"{base}.preferences.start_after", 0, errors)
        _clock_errors(p.start_before, f"{base}.preferences.start_before", 0, errors)


def _check_timed_rows(
    scenario: Scenario,
    rows: Sequence[RequirementRow | ForecastRow],
    field: str,
    errors: list[FieldError],
) -> None:
    queues = set(scenario.queue_names())
    tz = ZoneInfo(scenario.timezone)
    start = pd.Timestamp(scenario.week_start).tz_localize(tz)
    end = (pd.Timestamp(scenario.week_start) + pd.Timedelta(days=7)).tz_localize(tz)
    step = pd.Timedelta(minutes=scenario.interval_minutes)
    seen: set[tuple[str, pd.Timestamp]] = set()
    for i, row in enumerate(rows):
        base = f"{field}[{i}]"
        if row.queue not in queues:
            errors.append(FieldError(None, f"{base}.queue", "unknown queue", row.queue))
        if row.interval_start.tzinfo is None:
            rule = "interval_start needs an offset"
            errors.append(FieldError(None, f"{base}.interval_start", rule, str(row.interval_start)))
            continue
        at = pd.Timestamp(row.interval_start).tz_convert(tz)
        if not start <= at < end:
            rule = "interval_start must fall in the scenario's week"
            errors.append(FieldError(None, f"{base}.interval_start", rule, str(row.interval_start)))
        elif (at - start) % step:
            rule = f"interval_start must be on the {scenario.interval_minutes}-minute grid"
            errors.append(FieldError(None, f"{base}.interval_start", rule, str(row.interval_start)))
        key = (row.queue, at)
        if key in seen:
            rule = "one row per (queue, interval_start)"
            errors.append(FieldError(None, f"{base}.interval_start", rule, str(row.interval_start)))
        seen.add(key)


def scenario_errors(scenario: Scenario) -> list[FieldError]:
    """Every cross-field rule `scenario` breaks, each naming its JSON path."""
    errors: list[FieldError] = []
    if not is_timezone(scenario.timezone):
        errors.append(FieldError(None, "timezone", "unknown IANA timezone", scenario.timezone))
        return errors
    if scenario.interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        rule = f"must be one of {list(ALLOWED_INTERVAL_MINUTES)}"
        errors.append(FieldError(None, "interval_minutes", rule, scenario.interval_minutes))
        return errors
    names = scenario.queue_names()
    for i, name in enumerate(names):
        if name in names[:i]:
            errors.append(FieldError(None, f"queues[{i}].name", "queue names must be unique", name))
    if scenario.requirements is None and scenario.forecast is None:
        rule = "give either requirements or forecast rows (with service targets)"
        errors.append(FieldError(None, "requirements", rule))
    if scenario.requirements is not None:
        _check_timed_rows(scenario, scenario.requirements, "requirements", errors)
    if scenario.forecast is not None:
        _check_timed_rows(scenario, scenario.forecast, "forecast", errors)
        if isinstance(scenario.service, dict):
            for q in scenario.service:
                if q != "*" and q not in names:
                    errors.append(FieldError(None, f"service.{q}", "unknown queue", q))
    block = scenario.rules.min_queue_block_minutes
    if block % scenario.interval_minutes:
        rule = f"must be a multiple of interval_minutes ({scenario.interval_minutes})"
        errors.append(FieldError(None, "rules.min_queue_block_minutes", rule, block))
    _check_templates(scenario, errors)
    _check_agents(scenario, errors)
    return errors


def load_scenario(data: dict[str, Any] | Scenario) -> Scenario:
    """Parse and check a scenario.

    Parameters
    ----------
    data:
        The scenario as decoded JSON (or an already parsed :class:`Scenario`).

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    InvalidInput
        With one :class:`~features.errors.FieldError` per broken rule; its ``field`` is the
        JSON path (``agents[3].contract.min_minutes``).
    """
    if isinstance(data, Scenario):
        scenario = data
    else:
        if not isinstance(data, dict) or not data:
            raise InvalidInput(
                "scenario is empty or not a JSON object",
                [FieldError(None, "scenario", "must be a non-empty JSON object", type(data))],
            )
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as exc:
            errors = pydantic_field_errors(exc, whole="scenario")
            raise InvalidInput(f"scenario has {len(errors)} invalid field(s)", errors) from exc
    errors = scenario_errors(scenario)
    if errors:
        raise InvalidInput(f"scenario has {len(errors)} invalid field(s)", errors)
    return scenario


def required_agents(value: float) -> int:
    """Agents to schedule for a (possibly fractional) requirement: rounded up, 1e-9 tolerant."""
    return max(0, math.ceil(value - 1e-9))
