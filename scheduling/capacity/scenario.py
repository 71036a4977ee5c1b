"""The capacity scenario: a long-range planning problem, as pydantic v2 models.

The same models are the body of ``POST /v1/capacity-plans`` and the file of ``seatwise capacity``
(docs/capacity.md documents every field). :func:`load_capacity_scenario` parses a JSON-like dict,
then checks the rules that span fields (Mondays, known queues and profiles, shrinkage under
100 %), and raises :class:`~features.errors.InvalidInput` listing every broken field by its JSON
path (``hiring.profiles[0].max_class_size``). Unknown fields are errors too: a misspelt key
would otherwise be silently ignored.

What-if scenarios (``scenarios``) are the base scenario with changes: a JSON merge patch
(``overrides``, RFC 7396) and shorthands for the usual questions (``volume_factor``,
``aht_factor``, ``attrition_pts``, ``new_queues``). :func:`what_if_scenario` builds each one
and validates it like the base.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.calendar import is_timezone
from features.errors import FieldError, InvalidInput, pydantic_field_errors
from features.schema import ALLOWED_INTERVAL_MINUTES, DEFAULT_SL_THRESHOLD_S

Quantile = Literal["p10", "p50", "p90"]
SHRINKAGE_PARTS = ("holidays", "sickness", "training", "meetings", "breaks", "other")
"""Components of shrinkage, each a share of paid time; their sum is the week's shrinkage."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HistorySource(_Model):
    """Where the history comes from: the stored contacts, or an interval-history file (CLI)."""

    source: Literal["contacts", "file"] = "contacts"
    path: str | None = Field(default=None, min_length=1)
    start: dt.date | None = None
    end: dt.date | None = None
    queues: list[str] | None = None
    country: str | None = Field(default=None, min_length=2, max_length=3)
    interval_minutes: int | None = None
    holiday_factor: float | None = Field(default=None, ge=0, le=1.5)


class QueueTargets(_Model):
    """Service targets of a queue (the staffing maths') and its handle time when the history
    has none."""

    service_level: float = Field(default=0.8, gt=0, lt=1)
    threshold_s: float = Field(default=DEFAULT_SL_THRESHOLD_S, ge=0)
    asa_s: float | None = Field(default=None, gt=0)
    max_occupancy: float = Field(default=0.85, gt=0, le=1)
    patience_s: float | None = Field(default=None, gt=0)
    aht_s: float | None = Field(default=None, gt=0, le=86_400)


class EventSpec(_Model):
    """A known event: daily volume and handle time of a queue (or all) multiplied from `start`
    to `end` (inclusive local dates)."""

    name: str = Field(min_length=1, max_length=100)
    start: dt.date
    end: dt.date
    queue: str | None = None
    volume_factor: float = Field(default=1.0, ge=0, le=100)
    aht_factor: float = Field(default=1.0, gt=0, le=100)


class Shrinkage(_Model):
    """Shrinkage by component, shares of paid time (summed)."""

    holidays: float = Field(default=0.08, ge=0, lt=1)
    sickness: float = Field(default=0.04, ge=0, lt=1)
    training: float = Field(default=0.03, ge=0, lt=1)
    meetings: float = Field(default=0.03, ge=0, lt=1)
    breaks: float = Field(default=0.08, ge=0, lt=1)
    other: float = Field(default=0.02, ge=0, lt=1)

    def total(self) -> float:
        """The summed shrinkage (share of paid time)."""
        return float(sum(getattr(self, part) for part in SHRINKAGE_PARTS))


class ShrinkagePeriod(_Model):
    """Components that differ in the weeks whose Monday falls in ``[start, end]``."""

    start: dt.date
    end: dt.date
    holidays: float | None = Field(default=None, ge=0, lt=1)
    sickness: float | None = Field(default=None, ge=0, lt=1)
    training: float | None = Field(default=None, ge=0, lt=1)
    meetings: float | None = Field(default=None, ge=0, lt=1)
    breaks: float | None = Field(default=None, ge=0, lt=1)
    other: float | None = Field(default=None, ge=0, lt=1)


class ShrinkagePlan(_Model):
    """Shrinkage per week: the default components, changed in the listed periods (a later
    period wins where two overlap)."""

    default: Shrinkage = Field(default_factory=Shrinkage)
    weeks: list[ShrinkagePeriod] = Field(default_factory=list)


class LeavePeriod(_Model):
    """A named absence of an agent (parental leave, sabbatical), inclusive local dates."""

    start: dt.date
    end: dt.date


class AgentSpec(_Model):
    """An agent as capacity planning sees them."""

    agent_id: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    skills: dict[str, int] | list[str] = Field(min_length=1)
    hours_per_week: float | None = Field(default=None, gt=0, le=168)
    start_date: dt.date | None = None
    profile: str | None = None
    leaves_on: dt.date | None = None
    leave: list[LeavePeriod] = Field(default_factory=list)

    def skill_names(self) -> list[str]:
        """The queues the agent can work."""
        return list(self.skills)


class TeamSpec(_Model):
    """A team's monthly attrition rate (share of its agents leaving per month)."""

    attrition_monthly: float = Field(ge=0, lt=1)


class HiringProfile(_Model):
    """A kind of hiring class: skills taught, lead time, training, ramp-up, size and cost."""

    name: str = Field(min_length=1, max_length=100)
    skills: list[str] = Field(min_length=1)
    team: str | None = None
    lead_time_weeks: int = Field(default=6, ge=0, le=104)
    training_weeks: int = Field(default=4, ge=0, le=52)
    ramp: list[float] = Field(default_factory=lambda: [0.5, 0.75, 0.9], max_length=52)
    hours_per_week: float | None = Field(default=None, gt=0, le=168)
    cost_per_hire: float = Field(default=5000.0, ge=0)
    weekly_cost: float = Field(default=1000.0, ge=0)
    min_class_size: int = Field(default=1, ge=1, le=1000)
    max_class_size: int = Field(default=20, ge=1, le=1000)
    max_classes: int | None = Field(default=None, ge=0)
    start_every_weeks: int = Field(default=1, ge=1, le=52)
    attrition_monthly: float | None = Field(default=None, ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> HiringProfile:
        if self.min_class_size > self.max_class_size:
            raise ValueError(
                f"min_class_size {self.min_class_size} exceeds max_class_size {self.max_class_size}"
            )
        if any(not 0 < r <= 1 for r in self.ramp):
            raise ValueError("ramp values are productivity shares in (0, 1]")
        return self


class PlannedClass(_Model):
    """A class already decided: `size` hires of `profile` starting training on `start_week`."""

    profile: str
    start_week: dt.date
    size: int = Field(ge=1, le=1000)


class HiringSpec(_Model):
    """Hiring profiles the optimiser may use and classes already planned."""

    profiles: list[HiringProfile] = Field(default_factory=list)
    planned: list[PlannedClass] = Field(default_factory=list)


class OvertimeSpec(_Model):
    """Overtime: at most `max_share` of a skill's staffed time, at `cost_per_hour`."""

    max_share: float = Field(default=0.0, ge=0, le=1)
    cost_per_hour: float = Field(default=40.0, ge=0)


class BudgetSpec(_Model):
    """Caps over the horizon: cost of recommended hiring (one-off and wages) plus overtime,
    and recommended hires."""

    max_cost: float | None = Field(default=None, ge=0)
    max_hires: int | None = Field(default=None, ge=0)


class NewQueue(_Model):
    """A queue the history does not have yet (a what-if): its normal weekly volume, handle
    time and the existing queue whose weekly and intraday shape it takes."""

    name: str = Field(min_length=1, max_length=100)
    like: str
    weekly_volume: float = Field(gt=0)
    aht_s: float = Field(gt=0, le=86_400)
    start_week: dt.date | None = None
    ramp_weeks: int = Field(default=0, ge=0, le=52)
    uncertainty: float = Field(default=0.2, ge=0, lt=1)
    targets: QueueTargets = Field(default_factory=QueueTargets)


class WhatIf(_Model):
    """A what-if scenario: the base scenario with these changes."""

    name: str = Field(min_length=1, max_length=100)
    volume_factor: float | dict[str, float] | None = None
    aht_factor: float | dict[str, float] | None = None
    attrition_pts: float | None = Field(default=None, ge=-100, le=100)
    new_queues: list[NewQueue] = Field(default_factory=list)
    overrides: dict[str, Any] = Field(default_factory=dict)


EXAMPLE_SCENARIO: dict[str, Any] = {
    "name": "2027 hiring plan",
    "timezone": "Europe/Berlin",
    "start_week": "2026-12-07",
    "horizon_weeks": 52,
    "history": {"source": "contacts", "country": "DE"},
    "queues": {"billing": {"service_level": 0.8, "threshold_s": 20, "aht_s": 300}},
    "fte_hours": 40,
    "agents": "stored",
    "attrition_monthly": 0.02,
    "hiring": {
        "profiles": [
            {
                "name": "billing class",
                "skills": ["billing"],
                "lead_time_weeks": 6,
                "training_weeks": 4,
                "ramp": [0.5, 0.75, 0.9],
                "min_class_size": 4,
                "max_class_size": 15,
            }
        ]
    },
    "overtime": {"max_share": 0.1, "cost_per_hour": 45},
    "budget": {"max_cost": 400000},
    "scenarios": [{"name": "volume +10%", "volume_factor": 1.1}],
}


class CapacityScenario(_Model):
    """A long-range capacity planning problem (docs/capacity.md)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [EXAMPLE_SCENARIO]},
    )

    name: str = Field(default="capacity plan", min_length=1, max_length=200)
    timezone: str = "UTC"
    start_week: dt.date | None = None
    horizon_weeks: int = Field(default=52, ge=1, le=104)
    history: HistorySource = Field(default_factory=HistorySource)
    queues: dict[str, QueueTargets] = Field(min_length=1)
    model: Literal["ets", "naive"] = "ets"
    plan_to: Quantile = "p50"
    events: list[EventSpec] = Field(default_factory=list)
    shrinkage: ShrinkagePlan = Field(default_factory=ShrinkagePlan)
    fte_hours: float = Field(default=40.0, gt=0, le=80)
    agents: list[AgentSpec] | Literal["stored"] = "stored"
    attrition_monthly: float = Field(default=0.02, ge=0, lt=1)
    teams: dict[str, TeamSpec] = Field(default_factory=dict)
    hiring: HiringSpec = Field(default_factory=HiringSpec)
    overtime: OvertimeSpec = Field(default_factory=OvertimeSpec)
    understaffing_cost_per_fte_week: float = Field(default=10_000.0, ge=0)
    budget: BudgetSpec = Field(default_factory=BudgetSpec)
    scenarios: list[WhatIf] = Field(default_factory=list, max_length=10)
    time_limit_s: float = Field(default=30.0, gt=0, le=600)

    def profile(self, name: str) -> HiringProfile:
        """The hiring profile called `name`."""
        return next(p for p in self.hiring.profiles if p.name == name)

    def attrition_of(self, team: str | None) -> float:
        """Monthly attrition rate of `team` (the scenario's default for unlisted teams)."""
        spec = self.teams.get(team) if team is not None else None
        return spec.attrition_monthly if spec is not None else self.attrition_monthly


def _monday(day: dt.date | None, path: str, errors: list[FieldError]) -> None:
    if day is not None and day.weekday() != 0:
        errors.append(FieldError(None, path, f"must be a Monday (got a {day:%A})", day.isoformat()))


def _ordered(start: dt.date, end: dt.date, path: str, errors: list[FieldError]) -> None:
    if end < start:
        errors.append(FieldError(None, f"{path}.end", "must not be before start", end.isoformat()))


def _check_history(scenario: CapacityScenario, errors: list[FieldError]) -> None:
    history = scenario.history
    if history.source == "file" and history.path is None:
        errors.append(FieldError(None, "history.path", "a file source needs a path"))
    if history.source == "contacts" and history.path is not None:
        rule = "a path is only read with source 'file'"
        errors.append(FieldError(None, "history.path", rule, history.path))
    if history.start and history.end:
        _ordered(history.start, history.end, "history", errors)
    if history.interval_minutes is not None and (
        history.interval_minutes not in ALLOWED_INTERVAL_MINUTES
    ):
        rule = f"must be one of {list(ALLOWED_INTERVAL_MINUTES)}"
        errors.append(FieldError(None, "history.interval_minutes", rule, history.interval_minutes))
    if history.country is not None:
        from features.calendar import holiday_dates

        try:
            holiday_dates(history.country, [2000])
        except InvalidInput:
            rule = "must be a country code known to the holidays package"
            errors.append(FieldError(None, "history.country", rule, history.country))


def _check_shrinkage(scenario: CapacityScenario, errors: list[FieldError]) -> None:
    base = scenario.shrinkage.default
    if base.total() >= 1:
        rule = "components must sum to less than 1"
        errors.append(FieldError(None, "shrinkage.default", rule, round(base.total(), 6)))
    for i, period in enumerate(scenario.shrinkage.weeks):
        path = f"shrinkage.weeks[{i}]"
        _ordered(period.start, period.end, path, errors)
        total = sum(
            getattr(base, part) if getattr(period, part) is None else getattr(period, part)
            for part in SHRINKAGE_PARTS
        )
        if total >= 1:
            rule = "components (with the default for those not given) must sum to less than 1"
            errors.append(FieldError(None, path, rule, round(total, 6)))


def _check_people(
    scenario: CapacityScenario, errors: list[FieldError], extra_queues: set[str]
) -> None:
    queues = set(scenario.queues) | extra_queues
    profiles = [p.name for p in scenario.hiring.profiles]
    for i, profile in enumerate(scenario.hiring.profiles):
        path = f"hiring.profiles[{i}]"
        if profile.name in profiles[:i]:
            errors.append(FieldError(None, f"{path}.name", "must be unique", profile.name))
        for j, skill in enumerate(profile.skills):
            if skill not in queues:
                errors.append(FieldError(None, f"{path}.skills[{j}]", "unknown queue", skill))
    for i, planned in enumerate(scenario.hiring.planned):
        path = f"hiring.planned[{i}]"
        if planned.profile not in profiles:
            rule = "unknown hiring profile"
            errors.append(FieldError(None, f"{path}.profile", rule, planned.profile))
        _monday(planned.start_week, f"{path}.start_week", errors)
    if isinstance(scenario.agents, list):
        seen: set[str] = set()
        for i, agent in enumerate(scenario.agents):
            path = f"agents[{i}]"
            if agent.agent_id in seen:
                errors.append(
                    FieldError(None, f"{path}.agent_id", "must be unique", agent.agent_id)
                )
            seen.add(agent.agent_id)
            if isinstance(agent.skills, dict):
                for queue, level in agent.skills.items():
                    if not 1 <= level <= 5:
                        rule = "proficiency must be 1..5"
                        errors.append(FieldError(None, f"{path}.skills.{queue}", rule, level))
            if agent.profile is not None and agent.profile not in profiles:
                rule = "unknown hiring profile"
                errors.append(FieldError(None, f"{path}.profile", rule, agent.profile))
            for j, leave in enumerate(agent.leave):
                _ordered(leave.start, leave.end, f"{path}.leave[{j}]", errors)


def _check_what_ifs(scenario: CapacityScenario, errors: list[FieldError]) -> None:
    names = [w.name for w in scenario.scenarios]
    for i, what_if in enumerate(scenario.scenarios):
        path = f"scenarios[{i}]"
        if what_if.name in names[:i] or what_if.name == scenario.name:
            rule = "must be unique (and differ from the base scenario's name)"
            errors.append(FieldError(None, f"{path}.name", rule, what_if.name))
        for field in ("volume_factor", "aht_factor"):
            value = getattr(what_if, field)
            factors = value if isinstance(value, dict) else {"": value}
            for queue, factor in factors.items():
                where = f"{path}.{field}" + (f".{queue}" if queue else "")
                if factor is not None and not 0 < factor <= 100:
                    errors.append(FieldError(None, where, "must be in (0, 100]", factor))
                if queue and queue not in scenario.queues:
                    errors.append(FieldError(None, where, "unknown queue", queue))
        for j, queue in enumerate(what_if.new_queues):
            where = f"{path}.new_queues[{j}]"
            if queue.name in scenario.queues:
                errors.append(FieldError(None, f"{where}.name", "queue exists", queue.name))
            if queue.like not in scenario.queues:
                errors.append(FieldError(None, f"{where}.like", "unknown queue", queue.like))
            _monday(queue.start_week, f"{where}.start_week", errors)
        if "scenarios" in what_if.overrides:
            rule = "a what-if cannot hold what-ifs"
            errors.append(FieldError(None, f"{path}.overrides.scenarios", rule))


def capacity_scenario_errors(
    scenario: CapacityScenario, extra_queues: set[str] | None = None
) -> list[FieldError]:
    """Every cross-field rule `scenario` breaks, each naming its JSON path; `extra_queues` are
    queues a what-if adds (its hiring profiles and events may name them)."""
    extra = set(extra_queues or ())
    errors: list[FieldError] = []
    if not is_timezone(scenario.timezone):
        errors.append(FieldError(None, "timezone", "unknown IANA timezone", scenario.timezone))
    _monday(scenario.start_week, "start_week", errors)
    _check_history(scenario, errors)
    for i, event in enumerate(scenario.events):
        _ordered(event.start, event.end, f"events[{i}]", errors)
        known = (
            set(scenario.queues)
            | extra
            | {q.name for w in scenario.scenarios for q in w.new_queues}
        )
        if event.queue is not None and event.queue not in known:
            errors.append(FieldError(None, f"events[{i}].queue", "unknown queue", event.queue))
    _check_shrinkage(scenario, errors)
    _check_people(scenario, errors, extra)
    _check_what_ifs(scenario, errors)
    return errors


def load_capacity_scenario(data: dict[str, Any] | CapacityScenario) -> CapacityScenario:
    """Parse and check a capacity scenario (its what-ifs included).

    Parameters
    ----------
    data:
        The scenario as decoded JSON, or an already parsed :class:`CapacityScenario`.

    Returns
    -------
    CapacityScenario

    Raises
    ------
    InvalidInput
        One :class:`~features.errors.FieldError` per broken rule, its ``field`` the JSON path
        (``hiring.profiles[0].max_class_size``; ``scenarios[1].overrides.budget.max_cost`` for
        a what-if whose changes break a rule).
    """
    if isinstance(data, CapacityScenario):
        scenario = data
    else:
        if not isinstance(data, dict) or not data:
            raise InvalidInput(
                "capacity scenario is empty or not a JSON object",
                [FieldError(None, "scenario", "must be a non-empty JSON object", type(data))],
            )
        try:
            scenario = CapacityScenario.model_validate(data)
        except ValidationError as exc:
            errors = pydantic_field_errors(exc, whole="scenario")
            raise InvalidInput(
                f"capacity scenario has {len(errors)} invalid field(s)", errors
            ) from exc
    errors = capacity_scenario_errors(scenario)
    known = {e.field for e in errors}
    base = scenario.model_dump(mode="json")
    for i in range(len(scenario.scenarios)):
        root = f"scenarios[{i}].overrides."
        try:
            what_if_scenario(scenario, i, base)
        except InvalidInput as exc:
            # A rule the base already breaks is reported once, for the base.
            errors.extend(e for e in exc.errors if e.field.removeprefix(root) not in known)
    if errors:
        raise InvalidInput(f"capacity scenario has {len(errors)} invalid field(s)", errors)
    return scenario


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply a JSON merge patch (RFC 7396): objects merge key by key, ``null`` deletes a key,
    anything else replaces. Neither argument is changed."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def what_if_scenario(
    scenario: CapacityScenario, index: int, base: dict[str, Any] | None = None
) -> CapacityScenario:
    """The full scenario of what-if number `index`: the base with its ``overrides`` merged in
    and its name, without what-ifs of its own (shorthands are applied by the plan).

    Raises
    ------
    InvalidInput
        When the merged scenario breaks a rule; fields read ``scenarios[i].overrides.<path>``.
    """
    what_if = scenario.scenarios[index]
    document = base if base is not None else scenario.model_dump(mode="json")
    merged = merge_patch(document, what_if.overrides)
    merged["name"] = what_if.name
    merged["scenarios"] = []
    root = f"scenarios[{index}].overrides"
    try:
        variant = CapacityScenario.model_validate(merged)
    except ValidationError as exc:
        errors = pydantic_field_errors(exc, root=root)
        raise InvalidInput(f"what-if {what_if.name!r} breaks the scenario's rules", errors) from exc
    errors = [
        FieldError(e.row, f"{root}.{e.field}", e.rule, e.value)
        for e in capacity_scenario_errors(variant, {q.name for q in what_if.new_queues})
    ]
    if errors:
        raise InvalidInput(f"what-if {what_if.name!r} breaks the scenario's rules", errors)
    return variant
