"""The week's interval grid and every shift an agent may work (pre-filtered by the hard rules
that concern one shift alone: template window and step, availability, time off).

Instants are indexed on one absolute grid from ``week_start`` 00:00 local, ``interval_minutes``
apart: a DST week has 668 or 676 fifteen-minute intervals in its seven local days. Shifts that
start on the last day may run past the week's end; the grid carries one extra day for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from features.calendar import WEEKDAYS
from scheduling.roster.scenario import Agent, Scenario, ShiftTemplate, clock_minutes


@dataclass(frozen=True)
class WeekGrid:
    """Intervals of the local week (plus one spill-over day) on an absolute grid.

    Attributes
    ----------
    starts:
        Interval starts (tz-aware, local zone) for the 7 days and the spill-over day.
    week_intervals:
        How many of `starts` belong to the week itself.
    day_starts:
        Index in `starts` of each local midnight, days 0..7 (day 7 = the next Monday).
    """

    timezone: str
    week_start: dt.date
    interval_minutes: int
    starts: pd.DatetimeIndex
    week_intervals: int
    day_starts: tuple[int, ...]

    def index_of(self, instant: pd.Timestamp) -> int:
        """Grid index of an instant on the grid."""
        delta = instant - self.starts[0]
        return int(delta / pd.Timedelta(minutes=self.interval_minutes))

    def day_of(self, index: int) -> int:
        """Local day (0..7) holding grid index `index`."""
        day = 0
        while day + 1 < len(self.day_starts) and self.day_starts[day + 1] <= index:
            day += 1
        return day

    def date(self, day: int) -> dt.date:
        """Local date of day `day`."""
        return self.week_start + dt.timedelta(days=day)


def build_week_grid(scenario: Scenario) -> WeekGrid:
    """The interval grid of the scenario's week in its local zone."""
    tz = ZoneInfo(scenario.timezone)
    midnights = [
        pd.Timestamp(scenario.week_start + dt.timedelta(days=d)).tz_localize(tz) for d in range(9)
    ]
    freq = pd.Timedelta(minutes=scenario.interval_minutes)
    starts = pd.date_range(midnights[0], midnights[8], freq=freq, inclusive="left")
    step = freq
    day_starts = tuple(int((m - midnights[0]) / step) for m in midnights[:8])
    return WeekGrid(
        timezone=scenario.timezone,
        week_start=scenario.week_start,
        interval_minutes=scenario.interval_minutes,
        starts=starts,
        week_intervals=day_starts[7],
        day_starts=day_starts,
    )


@dataclass(frozen=True)
class BreakSlots:
    """Possible starts of one break of a shift, as grid offsets from the shift's start."""

    activity: str
    length: int
    offsets: tuple[int, ...]


@dataclass(frozen=True)
class ShiftOption:
    """One shift an agent may work: local day, template, start and end (grid indices)."""

    day: int
    template: str
    start: int
    end: int
    minutes: int
    start_clock: int
    end_clock: int

    @property
    def key(self) -> tuple[int, str, int]:
        """(day, template, start index): the anonymous shift slot."""
        return (self.day, self.template, self.start)


@dataclass
class ShiftCatalogue:
    """Every shift slot of the week and, per agent, the slots that agent may work.

    Attributes
    ----------
    queue_block:
        The scenario's queue block in intervals (``rules.min_queue_block_minutes``).
    separated:
        Per template, its breaks with windows cut so that no two can fall in one queue block
        (:func:`separate_breaks`), None when that is impossible.
    """

    grid: WeekGrid
    slots: dict[tuple[int, str, int], ShiftOption] = field(default_factory=dict)
    by_agent: dict[str, list[ShiftOption]] = field(default_factory=dict)
    breaks: dict[str, list[BreakSlots]] = field(default_factory=dict)
    queue_block: int = 1
    separated: dict[str, list[BreakSlots] | None] = field(default_factory=dict)

    def phase_routed(self, option: ShiftOption, multi_skilled: bool) -> bool:
        """Whether a multi-skilled agent's shift is routed on its phase's block grid: queue
        blocks longer than one interval, a length that is a whole number of blocks (so its blocks
        are those of the week grid's phase ``start mod block``) and separable breaks."""
        return (
            multi_skilled
            and self.queue_block > 1
            and (option.end - option.start) % self.queue_block == 0
            and self.separated.get(option.template) is not None
        )

    def breaks_of(self, option: ShiftOption, multi_skilled: bool) -> list[BreakSlots]:
        """The breaks a shift takes: separated ones when it is phase-routed."""
        if self.phase_routed(option, multi_skilled):
            return self.separated[option.template] or []
        return self.breaks[option.template]


def queue_blocks(length: int, block: int) -> tuple[tuple[int, int], ...]:
    """Queue blocks of a shift `length` intervals long, as shift-relative ``[start, end)`` offsets.

    Blocks are `block` intervals long from the shift's start and the last takes the remainder,
    so when a shift has several blocks each lasts at least `block` intervals; a multi-skilled
    agent serves one queue per block.
    """
    count = max(1, length // max(1, block))
    return tuple((j * block, (j + 1) * block if j < count - 1 else length) for j in range(count))


def _blocks_touched(rule: BreakSlots, block: int) -> set[int]:
    return {k // block for o in rule.offsets for k in range(o, o + rule.length)}


def _cut(rule: BreakSlots, banned: set[int], block: int) -> BreakSlots:
    """The break without the offsets reaching into the `banned` blocks."""
    offsets = tuple(
        o for o in rule.offsets if not {k // block for k in range(o, o + rule.length)} & banned
    )
    return BreakSlots(rule.activity, rule.length, offsets)


def separate_breaks(breaks: list[BreakSlots], block: int) -> list[BreakSlots] | None:
    """The breaks with their offsets cut so that no two breaks can reach into the same queue
    block of the shift (blocks of `block` intervals from its start), so each agent takes at
    most one break per block; None when some window would be left empty.

    Breaks are taken in time order; a later break whose window shares a block with an earlier
    one gives up the offsets reaching into the earlier one's blocks, or, when that leaves it
    none, the earlier one gives up those reaching into the later one's.
    """
    kept = list(breaks)
    order = sorted(range(len(kept)), key=lambda n: kept[n].offsets[0])
    for position, j in enumerate(order):
        for i in order[:position]:
            shared = _blocks_touched(kept[i], block) & _blocks_touched(kept[j], block)
            if not shared:
                continue
            later = _cut(kept[j], _blocks_touched(kept[i], block), block)
            if later.offsets:
                kept[j] = later
                continue
            earlier = _cut(kept[i], _blocks_touched(kept[j], block), block)
            if not earlier.offsets:
                return None
            kept[i] = earlier
    for position, j in enumerate(order):
        if any(
            _blocks_touched(kept[i], block) & _blocks_touched(kept[j], block)
            for i in order[:position]
        ):
            return None
    return kept


def template_breaks(template: ShiftTemplate, interval_minutes: int) -> list[BreakSlots]:
    """Break start offsets (in intervals from the shift start) keeping each break whole in its
    window."""
    out = []
    for rule in template.breaks:
        length = rule.minutes // interval_minutes
        first = -(-rule.earliest_after_start_minutes // interval_minutes)
        last = (rule.latest_after_start_minutes - rule.minutes) // interval_minutes
        out.append(BreakSlots(rule.activity, length, tuple(range(first, last + 1))))
    return out


def _template_slots(template: ShiftTemplate, grid: WeekGrid, day: int) -> list[ShiftOption]:
    tz = ZoneInfo(grid.timezone)
    date = pd.Timestamp(grid.date(day))
    out = []
    step = template.start_step_minutes
    first, last = clock_minutes(template.earliest_start), clock_minutes(template.latest_start)
    for clock in range(first, last + 1, step):
        if clock >= 1440:
            break
        wall = date + pd.Timedelta(minutes=clock)
        start = wall.tz_localize(tz, nonexistent="NaT", ambiguous=True)
        if pd.isna(start):
            continue
        end = start + pd.Timedelta(minutes=template.length_minutes)
        end_local = end.tz_convert(tz)
        end_clock = (
            (end_local.date() - grid.date(day)).days * 1440 + end_local.hour * 60 + end_local.minute
        )
        out.append(
            ShiftOption(
                day=day,
                template=template.name,
                start=grid.index_of(start),
                end=grid.index_of(end),
                minutes=template.length_minutes,
                start_clock=clock,
                end_clock=end_clock,
            )
        )
    return out


def agent_allows(agent: Agent, option: ShiftOption, grid: WeekGrid) -> bool:
    """Whether `option` keeps `agent`'s availability and time off (hard rules of one shift)."""
    date = grid.date(option.day)
    off = set(agent.time_off)
    last_day = grid.day_of(max(option.end - 1, option.start))
    if any(grid.date(d) in off for d in range(option.day, last_day + 1)):
        return False
    windows = agent.availability.get(WEEKDAYS[date.weekday()])  # type: ignore[call-overload]
    if windows is None:
        return True
    return any(
        clock_minutes(a) <= option.start_clock and option.end_clock <= clock_minutes(b)
        for a, b in windows
    )


def build_catalogue(scenario: Scenario, grid: WeekGrid | None = None) -> ShiftCatalogue:
    """All shift slots of the week, and per agent the ones its contract, availability and time
    off allow."""
    grid = grid or build_week_grid(scenario)
    catalogue = ShiftCatalogue(grid=grid, queue_block=scenario.queue_block_intervals())
    per_template: dict[str, list[ShiftOption]] = {}
    for template in scenario.shift_templates:
        options = [o for d in range(7) for o in _template_slots(template, grid, d)]
        per_template[template.name] = options
        for option in options:
            catalogue.slots[option.key] = option
        catalogue.breaks[template.name] = template_breaks(template, scenario.interval_minutes)
        catalogue.separated[template.name] = separate_breaks(
            catalogue.breaks[template.name], catalogue.queue_block
        )
    for agent in scenario.agents:
        allowed: list[ShiftOption] = []
        for name in agent.contract.templates:
            allowed.extend(o for o in per_template[name] if agent_allows(agent, o, grid))
        allowed.sort(key=lambda o: (o.day, o.start, o.template))
        catalogue.by_agent[agent.agent_id] = allowed
    return catalogue
