"""Dates and times in questions, English and Chinese: relative days, weeks and months, the last
N days, weekdays, absolute dates, date ranges and clock times, resolved against the site's local
clock.

Each pattern is a regular expression over the normalised question (lower case, NFKC) and a
resolver turning its match into a :class:`Period` (local midnight to local midnight, so DST days
keep their 23 or 25 hours) or a clock time. Weeks start on Monday. "Yesterday", "last week",
"last 7 days" and the like are whole days; "today" and "this week" end at the next midnight and
the measures only see what has happened so far.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from features.calendar import local_midnight

MONTHS_EN = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS_EN = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}  # fmt: skip
ZH_NUMBER = r"[零〇一二两三四五六七八九十百\d]+"
MAX_DAYS = 366
"""Longest period a question may name (days)."""


@dataclass(frozen=True)
class Period:
    """A local period ``[start, end)`` with the words it came from.

    Attributes
    ----------
    start, end:
        Tz-aware local midnights (end exclusive).
    label:
        How the question named it (``yesterday``, ``上周``) ...
    """

    start: pd.Timestamp
    end: pd.Timestamp
    label: str

    @property
    def first_day(self) -> dt.date:
        """The period's first local date."""
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        """The period's last local date (inclusive)."""
        return (self.end - pd.Timedelta(hours=1)).date()

    def describe(self, language: str = "en") -> str:
        """``2026-11-29`` or ``2026-11-23 to 2026-11-29`` (``至`` in Chinese)."""
        first, last = self.first_day, self.last_day
        if first == last:
            return first.isoformat()
        word = "至" if language == "zh" else "to"
        return f"{first.isoformat()} {word} {last.isoformat()}"


@dataclass(frozen=True)
class DateHit:
    """A date or time expression found in a question: its span and what it means."""

    start: int
    end: int
    period: Period | None = None
    clock: dt.time | None = None
    now: bool = False
    weekday: int | None = None
    weekday_when: str = ""


class DateError(ValueError):
    """A date expression that names no real date (30 February) or too long a range."""


def zh_number(text: str) -> int:
    """A number written in digits or Chinese numerals (``七``, ``十五``, ``三十``, ``12``)."""
    if text.isdigit():
        return int(text)
    if "百" in text:
        head, _, tail = text.partition("百")
        return (zh_number(head) if head else 1) * 100 + (zh_number(tail) if tail else 0)
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = ZH_DIGITS[head] if head else 1
        return tens * 10 + (ZH_DIGITS[tail] if tail else 0)
    value = 0
    for char in text:
        value = value * 10 + ZH_DIGITS[char]
    return value


def _days(first: dt.date, count: int, timezone: str, label: str) -> Period:
    if not 1 <= count <= MAX_DAYS:
        raise DateError(f"a question may cover 1 to {MAX_DAYS} days, not {count}")
    return Period(
        local_midnight(first, timezone),
        local_midnight(first + dt.timedelta(days=count), timezone),
        label,
    )


def _span(first: dt.date, last: dt.date, timezone: str, label: str) -> Period:
    if last < first:
        raise DateError(f"{last.isoformat()} is before {first.isoformat()}")
    return _days(first, (last - first).days + 1, timezone, label)


def _month(year: int, month: int, timezone: str, label: str) -> Period:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return _span(first, following - dt.timedelta(days=1), timezone, label)


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"{year:04d}-{month:02d}-{day:02d} is not a date") from exc


def _recent_year(month: int, day: int, today: dt.date) -> int:
    """The year of the most recent (month, day) not after today (a question about history)."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _clock(hour: int, minute: int, meridiem: str) -> dt.time:
    if meridiem in ("pm", "下午", "晚上", "傍晚") and hour < 12:
        hour += 12
    if meridiem in ("am", "凌晨", "早上", "上午", "早晨") and hour == 12:
        hour = 0
    if meridiem == "中午" and hour < 11:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise DateError(f"{hour}:{minute:02d} is not a time of day")
    return dt.time(hour, minute)


Resolver = Callable[[re.Match[str], dt.date, str], DateHit]


def _hit(match: re.Match[str], **fields: object) -> DateHit:
    return DateHit(match.start(), match.end(), **fields)  # type: ignore[arg-type]


def _relative_day(offset: int) -> Resolver:
    def resolve(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
        day = today + dt.timedelta(days=offset)
        return _hit(match, period=_days(day, 1, tz, match.group(0).strip()))

    return resolve


def _relative_week(offset: int) -> Resolver:
    def resolve(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
        return _hit(match, period=_days(monday, 7, tz, match.group(0).strip()))

    return resolve


def _relative_month(offset: int) -> Resolver:
    def resolve(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
        index = today.year * 12 + today.month - 1 + offset
        return _hit(match, period=_month(index // 12, index % 12 + 1, tz, match.group(0).strip()))

    return resolve


def _last_days(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    count = zh_number(match.group("n"))
    first = today - dt.timedelta(days=count)
    return _hit(match, period=_days(first, count, tz, match.group(0).strip()))


def _iso_date(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    day = _date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
    return _hit(match, period=_days(day, 1, tz, match.group(0).strip()))


def _iso_range(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    first = _date(int(match.group("y1")), int(match.group("m1")), int(match.group("d1")))
    last = _date(int(match.group("y2")), int(match.group("m2")), int(match.group("d2")))
    return _hit(match, period=_span(first, last, tz, match.group(0).strip()))


def _month_day_en(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    month = MONTHS_EN[match.group("mon")]
    day = int(match.group("d"))
    year = int(match.group("y")) if match.group("y") else _recent_year(month, day, today)
    return _hit(match, period=_days(_date(year, month, day), 1, tz, match.group(0).strip()))


def _month_en(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    month = MONTHS_EN[match.group("mon")]
    year = int(match.group("y")) if match.group("y") else _recent_year(month, 1, today)
    return _hit(match, period=_month(year, month, tz, match.group(0).strip()))


def _date_zh(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    month, day = zh_number(match.group("m")), zh_number(match.group("d"))
    year = zh_number(match.group("y")) if match.group("y") else _recent_year(month, day, today)
    return _hit(match, period=_days(_date(year, month, day), 1, tz, match.group(0).strip()))


def _month_zh(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    month = zh_number(match.group("m"))
    if not 1 <= month <= 12:
        raise DateError(f"{month} is not a month")
    year = zh_number(match.group("y")) if match.group("y") else _recent_year(month, 1, today)
    return _hit(match, period=_month(year, month, tz, match.group(0).strip()))


def _weekday_en(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    which = (match.group("which") or "").strip()
    return _hit(match, weekday=WEEKDAYS_EN[match.group("day")], weekday_when=which)


def _weekday_zh(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    which = {"上": "last", "下": "next", "本": "this", "这": "this"}.get(
        match.group("which") or "", ""
    )
    return _hit(match, weekday=WEEKDAYS_ZH[match.group("day")], weekday_when=which)


def _clock_en(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    if match.group("noon"):
        return _hit(match, clock=dt.time(12, 0))
    hour, minute = int(match.group("h")), int(match.group("min") or 0)
    return _hit(match, clock=_clock(hour, minute, match.group("ampm") or ""))


def _clock_zh(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    hour = zh_number(match.group("h"))
    minute = 30 if match.group("half") else zh_number(match.group("min") or "0")
    return _hit(match, clock=_clock(hour, minute, match.group("part") or ""))


def _now(match: re.Match[str], today: dt.date, tz: str) -> DateHit:
    return _hit(match, now=True)


_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"
PATTERNS: tuple[tuple[str, Resolver], ...] = (
    (
        r"(?:from|between)\s+(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})\s+(?:to|and|until)\s+"
        r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})",
        _iso_range,
    ),
    (
        r"(?P<y1>\d{4})-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})\s*(?:至|到|-|~)\s*"
        r"(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})",
        _iso_range,
    ),
    (rf"{_B}(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_E}", _iso_date),
    (
        rf"(?:(?P<y>{ZH_NUMBER})年)?(?P<m>{ZH_NUMBER})月(?P<d>{ZH_NUMBER})(?:日|号)",
        _date_zh,
    ),
    (rf"(?:(?P<y>\d{{4}})年)?(?P<m>{ZH_NUMBER})月份?", _month_zh),
    (
        rf"{_B}(?P<mon>{'|'.join(MONTHS_EN)})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,?\s+(?P<y>\d{{4}}))?{_E}",
        _month_day_en,
    ),
    (
        rf"{_B}(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{'|'.join(MONTHS_EN)})\.?"
        rf"(?:,?\s+(?P<y>\d{{4}}))?{_E}",
        _month_day_en,
    ),
    (rf"{_B}(?:in\s+)?(?P<mon>{'|'.join(MONTHS_EN)})(?:\s+(?P<y>\d{{4}}))?{_E}", _month_en),
    (r"(?:the\s+)?day\s+before\s+yesterday", _relative_day(-2)),
    (r"(?:the\s+)?day\s+after\s+tomorrow", _relative_day(2)),
    (rf"{_B}(?:yesterday|yday){_E}", _relative_day(-1)),
    (rf"{_B}today{_E}|{_B}so\s+far\s+today{_E}", _relative_day(0)),
    (rf"{_B}tomorrow{_E}", _relative_day(1)),
    (r"大前天", _relative_day(-3)),
    (r"前天", _relative_day(-2)),
    (r"昨天|昨日", _relative_day(-1)),
    (r"今天|今日", _relative_day(0)),
    (r"大后天", _relative_day(3)),
    (r"后天", _relative_day(2)),
    (r"明天|明日", _relative_day(1)),
    (
        rf"{_B}(?:in\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>\d{{1,3}})\s+days?{_E}",
        _last_days,
    ),
    (rf"(?:最近|过去|近|前)(?P<n>{ZH_NUMBER})(?:天|日)", _last_days),
    (rf"{_B}(?:last|previous)\s+week{_E}|{_B}the\s+week\s+before{_E}", _relative_week(-1)),
    (rf"{_B}this\s+week{_E}", _relative_week(0)),
    (rf"{_B}next\s+week{_E}", _relative_week(1)),
    (r"上上周|上上个?星期|上上个?礼拜", _relative_week(-2)),
    (
        r"上周(?![一二三四五六日天])|上个?星期(?![一二三四五六日天])|上个?礼拜(?![一二三四五六日天])",
        _relative_week(-1),
    ),  # fmt: skip
    (r"(?:本周|这周|本星期|这个?星期|这个?礼拜)(?![一二三四五六日天])", _relative_week(0)),
    (
        r"下周(?![一二三四五六日天])|下个?星期(?![一二三四五六日天])|下个?礼拜(?![一二三四五六日天])",
        _relative_week(1),
    ),  # fmt: skip
    (rf"{_B}(?:last|previous)\s+month{_E}", _relative_month(-1)),
    (rf"{_B}this\s+month{_E}", _relative_month(0)),
    (rf"{_B}next\s+month{_E}", _relative_month(1)),
    (r"上个?月", _relative_month(-1)),
    (r"本月|这个?月", _relative_month(0)),
    (r"下个?月", _relative_month(1)),
    (
        rf"{_B}(?:on\s+)?(?P<which>last\s+|next\s+|this\s+)?(?P<day>{'|'.join(WEEKDAYS_EN)}){_E}",
        _weekday_en,
    ),  # fmt: skip
    (r"(?P<which>上|下|本|这)?(?:个)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天七])", _weekday_zh),
    (
        rf"{_B}(?:at\s+)?(?:(?P<noon>noon|midday)|(?P<h>\d{{1,2}})(?::(?P<min>\d{{2}}))?\s*"
        rf"(?P<ampm>am|pm|a\.m\.|p\.m\.|o'clock|h)?){_E}",
        _clock_en,
    ),
    (
        rf"(?P<part>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)?(?P<h>{ZH_NUMBER})(?:点|:|：|时)"
        rf"(?:(?P<half>半)|(?P<min>{ZH_NUMBER})分?)?",
        _clock_zh,
    ),
    (rf"{_B}(?:right\s+)?now{_E}|现在|目前|此刻|当前", _now),
)
"""(regex, resolver), most specific first: a span claimed by one is not matched again."""
COMPILED = tuple((re.compile(pattern), resolve) for pattern, resolve in PATTERNS)


def find_dates(text: str, today: dt.date, timezone: str) -> list[DateHit]:
    """Every date and time expression of a normalised question, left to right.

    Parameters
    ----------
    text:
        The question, lower-cased and NFKC-normalised.
    today:
        The site's local date now.
    timezone:
        The site's zone.

    Raises
    ------
    DateError
        An expression that names no real date or a range longer than :data:`MAX_DAYS`.
    """
    claimed = [False] * len(text)
    hits: list[DateHit] = []
    for pattern, resolve in COMPILED:
        for match in pattern.finditer(text):
            if match.end() == match.start() or any(claimed[match.start() : match.end()]):
                continue
            if resolve is _clock_en and not _looks_like_clock(match):
                continue
            hits.append(resolve(match, today, timezone))
            for index in range(match.start(), match.end()):
                claimed[index] = True
    return sorted(hits, key=lambda h: h.start)


def _looks_like_clock(match: re.Match[str]) -> bool:
    """A bare number is a clock time only after "at" or with ":MM", am/pm or o'clock (so
    "80%" or "3 agents" are not times)."""
    text = match.group(0)
    if match.group("noon"):
        return True
    return text.startswith("at") or bool(match.group("min")) or bool(match.group("ampm"))


def resolve_weekday(hit: DateHit, today: dt.date, timezone: str, *, future: bool) -> Period:
    """The day a weekday expression names: ``last``/``上`` the one in last week, ``next``/``下``
    in next week, ``this``/``本`` in this week; a bare weekday the most recent one before today
    (questions about results) or the next one from today on (questions about shifts)."""
    assert hit.weekday is not None
    monday = today - dt.timedelta(days=today.weekday())
    if hit.weekday_when.startswith("last"):
        day = monday - dt.timedelta(weeks=1) + dt.timedelta(days=hit.weekday)
    elif hit.weekday_when.startswith("next"):
        day = monday + dt.timedelta(weeks=1, days=hit.weekday)
    elif hit.weekday_when.startswith("this"):
        day = monday + dt.timedelta(days=hit.weekday)
    elif future:
        day = today + dt.timedelta(days=(hit.weekday - today.weekday()) % 7)
    else:
        day = today - dt.timedelta(days=(today.weekday() - hit.weekday - 1) % 7 + 1)
    return _days(day, 1, timezone, day.strftime("%A"))
