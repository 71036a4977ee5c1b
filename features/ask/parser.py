"""Questions in plain language (English or Chinese) to a typed :class:`Query`, deterministically.

Every part of a question must be understood: dates and times (:mod:`features.ask.dates`), then
the lexicon's phrases longest first (:mod:`features.ask.lexicon`), then numbers after a comparison
word. What is left must be filler words; any other word makes the question
:class:`NotUnderstood`, naming the words, so an answer is never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from features.ask.dates import DateError, DateHit, Period, find_dates, resolve_weekday
from features.ask.lexicon import (
    FILLERS_EN,
    FILLERS_ZH,
    MEASURE_BY_KEY,
    Lexicon,
    Phrase,
    is_ascii_word,
    normalise,
)
from features.calendar import day_bounds

MAX_QUESTION_CHARS = 300
Language = Literal["en", "zh"]
Intent = Literal["measure", "on_shift"]
_HAN = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(
    r"(?<![a-z0-9.])(?P<value>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>%|percent|per cent|seconds|second|secs|sec|s|minutes|minute|mins|min|hours|hour|"
    r"h|分钟|秒钟|秒|小时|个|次|通|张)?(?![a-z])"
)
EXAMPLES = {
    "en": (
        "what was billing's service level yesterday?",
        "which team had the most abandoned calls last week?",
        "who is on shift tomorrow at 9?",
        "was sales' average handle time above 300 s last week?",
    ),
    "zh": (
        "昨天账单队列的服务水平是多少?",
        "上周哪个班组的放弃量最多?",
        "明天上午9点谁在班?",
        "上周销售队列的首次解决率是多少?",
    ),
}
"""Questions shown when one is not understood."""


@dataclass(frozen=True)
class Threshold:
    """``measure <op> value`` (value in the measure's unit: shares 0..1, seconds, counts)."""

    op: Literal[">", ">=", "<", "<="]
    value: float

    def holds(self, x: float) -> bool:
        """Whether `x` satisfies the comparison."""
        return {
            ">": x > self.value,
            ">=": x >= self.value,
            "<": x < self.value,
            "<=": x <= self.value,
        }[self.op]


@dataclass(frozen=True)
class Query:
    """What a question asks, fully resolved.

    Attributes
    ----------
    question, language:
        The question as asked and its language (``en`` or ``zh``).
    intent:
        ``measure`` (a number per period, group or filter) or ``on_shift`` (who works when).
    measure:
        A key of :data:`features.ask.lexicon.MEASURE_BY_KEY` (None for shift questions).
    queues, teams, agents:
        Filters (names as stored); empty means no filter.
    self_scope:
        The question said "my"/"我的": the caller's own agent or teams.
    periods:
        The period asked about; a second one when it is compared with another.
    at:
        The instant of a shift question (None: the whole day of ``periods[0]``).
    group_by:
        ``queue``, ``team`` or ``agent`` when the answer is one value per group.
    rank:
        ``max``, ``min``, ``best`` or ``worst``: pick the top group.
    threshold:
        Compare the value (or each group's) with a number.
    """

    question: str
    language: Language
    intent: Intent
    measure: str | None
    queues: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    self_scope: bool = False
    periods: tuple[Period, ...] = ()
    at: pd.Timestamp | None = None
    group_by: str | None = None
    rank: str | None = None
    threshold: Threshold | None = None

    def describe(self) -> dict[str, Any]:
        """The query as structured data (what the answer reports it ran)."""
        described: dict[str, Any] = {
            "intent": self.intent,
            "measure": self.measure,
            "filters": {
                "queues": list(self.queues),
                "teams": list(self.teams),
                "agents": list(self.agents),
                "self": self.self_scope,
            },
            "period": _period(self.periods[0]) if self.periods else None,
            "compared_with": _period(self.periods[1]) if len(self.periods) > 1 else None,
            "at": self.at.isoformat() if self.at is not None else None,
            "group_by": self.group_by,
            "rank": self.rank,
            "threshold": (
                {"op": self.threshold.op, "value": self.threshold.value} if self.threshold else None
            ),
        }
        return described


def _period(period: Period) -> dict[str, str]:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "label": period.label,
        "dates": period.describe(),
    }


@dataclass(frozen=True)
class NotUnderstood:
    """A question that cannot be answered without guessing, and why (English and Chinese)."""

    question: str
    language: Language
    reason: str
    reason_zh: str
    unknown: tuple[str, ...] = ()
    examples: tuple[str, ...] = field(default=())


@dataclass
class _Token:
    start: int
    end: int
    phrase: Phrase


def _refuse(
    question: str, language: Language, reason: str, reason_zh: str, unknown: tuple[str, ...] = ()
) -> NotUnderstood:
    return NotUnderstood(question, language, reason, reason_zh, unknown, EXAMPLES[language])


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (
        not (before.isalnum() and before.isascii())
        and not (after.isalnum() and after.isascii())
        and before not in "-_"
        and after not in "-_"
    )


def _match_phrases(text: str, claimed: list[bool], lexicon: Lexicon) -> list[_Token]:
    tokens: list[_Token] = []
    for phrase in lexicon.phrases():
        start = text.find(phrase.text)
        while start >= 0:
            end = start + len(phrase.text)
            free = not any(claimed[start:end])
            if free and (not is_ascii_word(phrase.text) or _bounded(text, start, end)):
                tokens.append(_Token(start, end, phrase))
                for index in range(start, end):
                    claimed[index] = True
            start = text.find(phrase.text, start + 1)
    return sorted(tokens, key=lambda t: t.start)


def _leftovers(text: str, claimed: list[bool]) -> tuple[str, ...]:
    rest = "".join(" " if done else char for char, done in zip(text, claimed, strict=True))
    for filler in sorted(FILLERS_ZH, key=len, reverse=True):
        rest = rest.replace(filler, " ")
    unknown = []
    for word in re.findall(r"[a-z0-9][a-z0-9'\-]*|[\u3400-\u9fff]+", rest):
        cleaned = word.strip("'-")
        if cleaned and cleaned not in FILLERS_EN and cleaned.removesuffix("'s") not in FILLERS_EN:
            unknown.append(cleaned.removesuffix("'s"))
    return tuple(unknown)


def _threshold(
    text: str, claimed: list[bool], token: _Token, measure: str | None
) -> tuple[Threshold | None, str | None]:
    """The number after a comparison word, in the measure's unit."""
    match = _NUMBER.match(text, token.end) or _NUMBER.match(text, token.end + 1)
    if match is None or any(claimed[match.start() : match.end()]):
        return None, "a comparison word needs a number after it"
    for index in range(match.start(), match.end()):
        claimed[index] = True
    value = float(match.group("value"))
    unit = (match.group("unit") or "").strip()
    kind = MEASURE_BY_KEY[measure].unit if measure else "count"
    if kind in ("share", "score"):
        value = value / 100 if unit in ("%", "percent", "per cent") or value > 1 else value
    elif kind == "seconds":
        if unit in ("minutes", "minute", "mins", "min", "分钟"):
            value *= 60
        elif unit in ("hours", "hour", "h", "小时"):
            value *= 3600
    return Threshold(token.phrase.value, value), None  # type: ignore[arg-type]


def parse_question(
    question: str, lexicon: Lexicon, *, now: pd.Timestamp, timezone: str
) -> Query | NotUnderstood:
    """Parse a question into a :class:`Query`, or say plainly why it cannot be answered.

    Parameters
    ----------
    question:
        The question as typed (English or Chinese).
    lexicon:
        The phrases, with the centre's queue, team and agent names and aliases.
    now:
        The current instant (tz-aware); relative dates are resolved on `timezone`'s calendar.
    timezone:
        The site's IANA zone.

    Returns
    -------
    Query or NotUnderstood
        A query only when every word was understood and the parts fit together.
    """
    text = normalise(question)
    language: Language = "zh" if _HAN.search(text) else "en"
    if not text:
        return _refuse(question, language, "the question is empty", "问题为空")
    if len(text) > MAX_QUESTION_CHARS:
        return _refuse(
            question,
            language,
            f"a question may have at most {MAX_QUESTION_CHARS} characters",
            f"问题最多 {MAX_QUESTION_CHARS} 个字符",
        )
    local_now = pd.Timestamp(now).tz_convert(timezone)
    today = local_now.date()
    try:
        dates = find_dates(text, today, timezone)
    except DateError as exc:
        return _refuse(question, language, str(exc), f"日期无效：{exc}")
    claimed = [False] * len(text)
    for hit in dates:
        for index in range(hit.start, hit.end):
            claimed[index] = True
    tokens = _match_phrases(text, claimed, lexicon)
    kinds: dict[str, list[_Token]] = {}
    for token in tokens:
        kinds.setdefault(token.phrase.kind, []).append(token)
    measures = sorted({t.phrase.value for t in kinds.get("measure", [])})
    if len(measures) > 1:
        return _refuse(
            question,
            language,
            f"ask about one measure at a time (this names {', '.join(measures)})",
            "每次只能问一个指标",
        )
    measure = measures[0] if measures else None
    thresholds = []
    for token in kinds.get("compare", []):
        found, problem = _threshold(text, claimed, token, measure)
        if problem is not None:
            return _refuse(question, language, problem, "比较词后面需要一个数字")
        thresholds.append(found)
    unknown = _leftovers(text, claimed)
    if unknown:
        shown = ", ".join(f"'{w}'" for w in unknown)
        return _refuse(
            question,
            language,
            f"I did not understand {shown}",
            f"无法理解：{'、'.join(unknown)}",
            unknown,
        )
    return _assemble(question, language, kinds, measure, thresholds, dates, local_now, timezone)


def _names(kinds: dict[str, list[_Token]], kind: str) -> tuple[str, ...]:
    seen: list[str] = []
    for token in kinds.get(kind, []):
        if token.phrase.value not in seen:
            seen.append(token.phrase.value)
    return tuple(seen)


def _assemble(
    question: str,
    language: Language,
    kinds: dict[str, list[_Token]],
    measure: str | None,
    thresholds: list[Threshold | None],
    dates: list[DateHit],
    now: pd.Timestamp,
    timezone: str,
) -> Query | NotUnderstood:
    shift = bool(kinds.get("shift"))
    if shift and measure is not None:
        return _refuse(
            question, language, "ask either who is on shift or about a measure, not both",
            "请分别询问排班和指标",
        )  # fmt: skip
    if not shift and measure is None:
        return _refuse(
            question, language,
            "no measure named (e.g. service level, abandoned calls, handle time, backlog)",
            "没有识别到指标（例如服务水平、放弃量、处理时长、积压工单）",
        )  # fmt: skip
    intent: Intent = "on_shift" if shift else "measure"
    groups = _names(kinds, "group")
    ranks = _names(kinds, "rank")
    if len(groups) > 1 or len(ranks) > 1 or len(thresholds) > 1:
        return _refuse(
            question, language, "ask for one grouping, one ranking and one comparison at a time",
            "每次只能有一种分组、一种排序和一个比较",
        )  # fmt: skip
    queues, teams, agents = _names(kinds, "queue"), _names(kinds, "team"), _names(kinds, "agent")
    group_by = groups[0] if groups else None
    rank = ranks[0] if ranks else None
    named = (("queue", queues), ("team", teams), ("agent", agents))
    several = [kind for kind, names in named if len(names) > 1]
    if group_by is None and len(several) == 1:
        # "billing vs sales", "billing and sales": one value each.
        group_by = several[0]
    if group_by is None and rank is not None:
        word = {"max": "highest", "min": "lowest"}.get(rank, rank)
        return _refuse(
            question, language, f"'{word}' of what? ask e.g. 'which queue had the {word} ...'",
            "请说明比较的对象，例如“哪个队列……最多”",
        )  # fmt: skip
    today = now.date()
    periods: list[Period] = []
    clock: dt.time | None = None
    at_now = False
    try:
        for hit in dates:
            if hit.period is not None:
                periods.append(hit.period)
            elif hit.weekday is not None:
                periods.append(resolve_weekday(hit, today, timezone, future=shift))
            elif hit.clock is not None:
                clock = hit.clock
            elif hit.now:
                at_now = True
    except DateError as exc:
        return _refuse(question, language, str(exc), f"日期无效：{exc}")
    if len(periods) > 2 or (shift and len(periods) > 1):
        return _refuse(
            question, language, "name at most one period (and one to compare it with)",
            "最多指定一个时间段（以及一个对比时间段）",
        )  # fmt: skip
    versus = [t for t in kinds.get("versus", [])]
    dated = [h for h in dates if h.period is not None or h.weekday is not None]
    if len(dated) == 1 and any(0 <= dated[0].start - t.end <= 2 for t in versus):
        return _refuse(
            question, language, "name both periods to compare (e.g. 'yesterday compared with "
            "the day before')", "请说明要对比的两个时间段（例如“昨天与前天相比”）",
        )  # fmt: skip
    if len(periods) == 2 and (group_by is not None or thresholds):
        return _refuse(
            question, language, "compare two periods, or groups, or with a number - one at a time",
            "每次只能做一种比较",
        )  # fmt: skip
    if not shift and clock is not None:
        return _refuse(
            question, language, "a time of day is only understood in shift questions",
            "只有排班问题可以指定具体时刻",
        )  # fmt: skip
    if not periods:
        periods = [_today(now, timezone, language)]
    at = None
    if shift:
        if at_now:
            at = now
        elif clock is not None:
            day = periods[0].first_day
            wall = pd.Timestamp(dt.datetime.combine(day, clock))
            try:
                at = wall.tz_localize(timezone, nonexistent="raise", ambiguous="raise")
            except ValueError:
                return _refuse(
                    question, language, f"{wall} does not exist or is ambiguous in {timezone}",
                    f"{wall} 在 {timezone} 不存在或有歧义",
                )  # fmt: skip
    return Query(
        question=question,
        language=language,
        intent=intent,
        measure=measure,
        queues=queues,
        teams=teams,
        agents=agents,
        self_scope=bool(kinds.get("self")),
        periods=tuple(periods),
        at=at,
        group_by=group_by,
        rank=rank,
        threshold=thresholds[0] if thresholds else None,
    )


def _today(now: pd.Timestamp, timezone: str, language: Language) -> Period:
    low, high = day_bounds(now.date(), timezone)
    return Period(low, high, "今天" if language == "zh" else "today")
