"""The words questions are made of, English and Chinese: measures, grouping, ranking and
comparison words, fillers, and the centre's own names (queues, teams, agents and their aliases,
which come from the store).

A :class:`Lexicon` is built once per request from the names in scope; the parser matches its
phrases longest first, so ``abandon rate`` wins over ``abandon`` and ``billing-1`` over
``billing``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

Family = Literal["contacts", "occupancy", "tickets", "quality", "knowledge"]
Unit = Literal["share", "seconds", "count", "score", "rating"]
Side = Literal["queue", "agent"]


@dataclass(frozen=True)
class Measure:
    """A measure a question may ask for.

    Attributes
    ----------
    key:
        Its name in the API (``service_level``) and in the answer's query description.
    family:
        What is read to compute it.
    unit:
        ``share`` (0..1, shown as %), ``seconds``, ``count``, ``score`` (0..1) or ``rating``
        (1-5).
    higher_is_better:
        Which way "best" and "worst" point.
    side:
        For contact measures: ``queue`` when the contact counts for the queue whether or not an
        agent took it (offered, abandoned, service level, speed of answer), ``agent`` when it
        belongs to the agent who handled it (handled, handle time, satisfaction).
    en, zh:
        Labels in answers.
    words:
        Phrases that name it (English and Chinese).
    """

    key: str
    family: Family
    unit: Unit
    higher_is_better: bool
    side: Side
    en: str
    zh: str
    words: tuple[str, ...]


MEASURES: tuple[Measure, ...] = (
    Measure("service_level", "contacts", "share", True, "queue", "service level", "服务水平",
            ("service level", "service-level", "sl", "服务水平", "服务级别")),
    Measure("offered", "contacts", "count", True, "queue", "contacts offered", "呼入量",
            ("offered", "contacts offered", "calls offered", "calls", "contacts", "volume",
             "call volume", "contact volume", "incoming calls", "inbound calls", "呼入量",
             "来电量", "来电", "话务量", "联系量", "进线量", "呼入")),
    Measure("handled", "contacts", "count", True, "agent", "contacts handled", "处理量",
            ("handled", "answered", "calls answered", "answered calls", "calls handled",
             "handled calls", "contacts handled", "handled contacts", "接听量", "处理量",
             "接听数", "接通量", "接听")),
    Measure("abandoned", "contacts", "count", False, "queue", "abandoned contacts", "放弃量",
            ("abandoned", "abandoned calls", "abandoned contacts", "abandons", "calls abandoned",
             "放弃的电话", "放弃电话", "放弃量", "放弃数", "呼损量", "放弃")),
    Measure("abandon_rate", "contacts", "share", False, "queue", "abandon rate", "放弃率",
            ("abandon rate", "abandonment rate", "abandonment", "abandoned rate", "放弃率",
             "呼损率")),
    Measure("aht_s", "contacts", "seconds", False, "agent", "average handle time",
            "平均处理时长",
            ("average handle time", "average handling time", "handle time", "handling time",
             "aht", "平均处理时长", "处理时长", "平均处理时间", "处理时间")),
    Measure("asa_s", "contacts", "seconds", False, "queue", "average speed of answer",
            "平均应答速度",
            ("average speed of answer", "speed of answer", "asa", "average wait",
             "average waiting time", "average wait time", "wait time", "waiting time",
             "平均应答速度", "应答速度", "平均等待时间", "平均等待时长", "等待时间", "等待时长")),
    Measure("csat", "contacts", "rating", True, "agent", "customer satisfaction", "客户满意度",
            ("csat", "customer satisfaction", "satisfaction", "satisfaction score",
             "客户满意度", "满意度")),
    Measure("occupancy", "occupancy", "share", True, "agent", "occupancy", "占用率",
            ("occupancy", "占用率", "利用率")),
    Measure("tickets", "tickets", "count", True, "queue", "tickets opened", "新建工单数",
            ("tickets", "tickets opened", "new tickets", "opened tickets", "工单量", "工单数",
             "新建工单", "新工单", "工单")),
    Measure("backlog", "tickets", "count", False, "queue", "tickets in the backlog", "积压工单数",
            ("backlog", "ticket backlog", "open tickets", "unresolved tickets", "积压工单",
             "积压", "未解决工单", "待处理工单", "未结工单")),
    Measure("first_contact_resolution", "tickets", "share", True, "queue",
            "first-contact resolution", "首次解决率",
            ("first contact resolution", "first-contact resolution", "fcr",
             "first call resolution", "首次解决率", "一次解决率", "首次联系解决率", "首解率")),
    Measure("resolution_rate", "tickets", "share", True, "queue", "resolution rate", "解决率",
            ("resolution rate", "resolved rate", "解决率", "工单解决率")),
    Measure("resolution_s", "tickets", "seconds", False, "queue", "mean resolution time",
            "平均解决时长",
            ("resolution time", "average resolution time", "mean resolution time",
             "time to resolve", "time to resolution", "平均解决时长", "解决时长", "平均解决时间",
             "解决时间")),
    Measure("reopen_rate", "tickets", "share", False, "queue", "reopen rate", "重开率",
            ("reopen rate", "reopened rate", "reopening rate", "重开率", "重新打开率", "重启率")),
    Measure("script_compliance", "quality", "score", True, "agent", "script compliance",
            "话术合规率",
            ("script compliance", "compliance", "script adherence", "话术合规率", "话术合规",
             "合规率", "话术遵从率")),
    Measure("empathy", "quality", "score", True, "agent", "empathy score", "同理心得分",
            ("empathy", "empathy score", "同理心得分", "同理心", "共情")),
    Measure("negative_emotion_rate", "quality", "share", False, "agent",
            "share of contacts with negative emotion", "负面情绪占比",
            ("negative emotion", "negative emotions", "negative emotion rate",
             "negative sentiment", "负面情绪占比", "负面情绪比例", "负面情绪")),
    Measure("kb_views", "knowledge", "count", True, "agent", "knowledge-base article views",
            "知识库查阅次数",
            ("knowledge base views", "knowledge-base views", "kb views", "article views",
             "knowledge base use", "knowledge-base use", "knowledge base usage", "articles read",
             "知识库查阅次数", "知识库使用次数", "知识库查阅", "知识库使用", "知识库浏览")),
)  # fmt: skip
MEASURE_BY_KEY: Mapping[str, Measure] = {m.key: m for m in MEASURES}

SHIFT_WORDS = (
    "on shift", "on duty", "working", "scheduled", "at work", "rostered", "on the roster",
    "on the schedule", "上班", "在班", "值班", "当班", "在岗", "排班",
)  # fmt: skip
GROUP_WORDS: Mapping[str, tuple[str, ...]] = {
    "queue": ("which queue", "what queue", "which queues", "each queue", "every queue",
              "per queue", "by queue", "all queues", "queues", "哪个队列", "哪条队列", "哪些队列",
              "各队列", "各个队列", "每个队列", "所有队列", "哪个业务线"),
    "team": ("which team", "what team", "which teams", "each team", "every team", "per team",
             "by team", "all teams", "teams", "哪个班组", "哪个组", "哪组", "哪些班组",
             "哪个团队", "各班组", "各个班组", "每个班组", "所有班组", "各组", "各团队"),
    "agent": ("which agent", "what agent", "which agents", "each agent", "every agent",
              "per agent", "by agent", "all agents", "who", "whom", "哪位座席", "哪个座席",
              "哪些座席", "哪位坐席", "哪个坐席", "哪位客服", "各座席", "每个座席", "谁", "哪些人",
              "哪位"),
}  # fmt: skip
RANK_WORDS: Mapping[str, tuple[str, ...]] = {
    "max": ("the most", "most", "highest", "the highest", "largest", "biggest", "top", "more",
            "higher", "longest", "最多", "最高", "最大", "最长", "更多", "更高", "更长"),
    "min": ("the least", "least", "fewest", "lowest", "the lowest", "smallest", "less", "lower",
            "shortest", "fewer", "最少", "最低", "最小", "最短", "更少", "更低", "更短"),
    "best": ("best", "the best", "最好", "最佳", "更好"),
    "worst": ("worst", "the worst", "最差", "最糟", "更差"),
}  # fmt: skip
COMPARE_WORDS: Mapping[str, tuple[str, ...]] = {
    ">": ("above", "over", "more than", "greater than", "higher than", "exceed", "exceeded",
          "高于", "超过", "大于", "多于"),
    ">=": ("at least", "not below", "no less than", "达到", "不低于", "不少于", "至少"),
    "<": ("below", "under", "less than", "lower than", "fewer than", "低于", "少于", "小于",
          "不到"),
    "<=": ("at most", "not above", "no more than", "不高于", "不超过", "不多于", "最多不超过"),
}  # fmt: skip
SELF_WORDS = ("my", "me", "mine", "i", "我的", "我")
PERIOD_COMPARE_WORDS = ("compared with", "compared to", "versus", "vs", "vs.", "than",
                        "与", "和", "跟", "相比", "比", "对比")  # fmt: skip
FILLERS_EN = frozenset(
    [
        "what",
        "what's",
        "whats",
        "was",
        "were",
        "is",
        "are",
        "be",
        "been",
        "the",
        "a",
        "an",
        "of",
        "for",
        "in",
        "on",
        "at",
        "during",
        "did",
        "does",
        "do",
        "has",
        "have",
        "had",
        "how",
        "many",
        "much",
        "tell",
        "me",
        "show",
        "give",
        "please",
        "'s",
        "’s",
        "queue",
        "queues",
        "team",
        "teams",
        "agent",
        "agents",
        "centre",
        "center",
        "whole",
        "overall",
        "total",
        "number",
        "level",
        "rate",
        "our",
        "we",
        "us",
        "it",
        "its",
        "and",
        "or",
        "with",
        "to",
        "from",
        "by",
        "this",
        "that",
        "there",
        "any",
        "all",
        "get",
        "got",
        "value",
        "figure",
        "figures",
        "were",
        "up",
        "so",
        "far",
        "today's",
        "yesterday's",
        "call",
        "contact",
        "during",
        "about",
        "average",
        "mean",
        "did",
        "were",
        "which",
        "compare",
        "s",
    ]
)
"""English words that carry no meaning of their own in a question."""
FILLERS_ZH = (
    "请问", "请告诉我", "告诉我", "帮我查", "查询", "查一下", "看一下", "一下", "多少", "什么",
    "怎么样", "如何", "是否", "有没有", "是不是", "队列", "班组", "团队", "座席", "坐席", "客服",
    "全中心", "中心", "整体", "总共", "一共", "总", "的", "是", "吗", "呢", "了", "在", "有",
    "个", "几", "哪", "时", "和", "与", "及", "跟", "都", "所", "呀", "啊", "吧", "共", "为",
    "里", "中", "内", "期间", "时候", "时段", "业务", "组", "情况", "数据", "人", "名", "位",
    "多", "少", "平均", "及其", "？", "?", "，", ",", "。", ".", "！", "!", "、", "：", ":",
)  # fmt: skip
"""Chinese fillers, removed after every meaningful phrase was matched."""

Kind = Literal["measure", "queue", "team", "agent", "group", "rank", "compare", "shift", "self",
               "versus"]  # fmt: skip


@dataclass(frozen=True)
class Phrase:
    """One phrase of the lexicon and what it means (``value``: a measure key, a name, a group
    level, a rank or comparison operator)."""

    text: str
    kind: Kind
    value: str


def normalise(text: str) -> str:
    """Lower case, full-width characters folded (NFKC), curly quotes straightened, blanks
    collapsed."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", folded).strip()


def is_ascii_word(text: str) -> bool:
    """True for phrases written in Latin letters/digits (matched on word boundaries)."""
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9 .'\-_/&]*", text))


@dataclass
class Lexicon:
    """Every phrase a question may use, with the centre's names.

    Parameters
    ----------
    queues, teams:
        Queue and team names.
    agents:
        Agent id -> display name (may be empty).
    aliases:
        (kind, alias, name) triples: another name of a queue, team or agent.
    """

    queues: Iterable[str] = ()
    teams: Iterable[str] = ()
    agents: Mapping[str, str] = field(default_factory=dict)
    aliases: Iterable[tuple[str, str, str]] = ()

    def phrases(self) -> list[Phrase]:
        """Every phrase, longest first (ties: measures before names, then alphabetical)."""
        found: dict[tuple[str, str], Phrase] = {}

        def add(text: str, kind: Kind, value: str) -> None:
            key = normalise(text)
            if key:
                found.setdefault((key, kind), Phrase(key, kind, value))

        for measure in MEASURES:
            for word in measure.words:
                add(word, "measure", measure.key)
        for word in SHIFT_WORDS:
            add(word, "shift", "on_shift")
        for level, words in GROUP_WORDS.items():
            for word in words:
                add(word, "group", level)
        for rank, words in RANK_WORDS.items():
            for word in words:
                add(word, "rank", rank)
        for op, words in COMPARE_WORDS.items():
            for word in words:
                add(word, "compare", op)
        for word in SELF_WORDS:
            add(word, "self", "self")
        for word in PERIOD_COMPARE_WORDS:
            add(word, "versus", "versus")
        for name in self.queues:
            self._add_named(add, "queue", name, name)
        for name in self.teams:
            self._add_named(add, "team", name, name)
        for agent_id, name in self.agents.items():
            self._add_named(add, "agent", agent_id, agent_id)
            if name:
                self._add_named(add, "agent", name, agent_id)
        for kind, alias, name in self.aliases:
            if kind in ("queue", "team", "agent"):
                self._add_named(add, cast(Kind, kind), alias, name)
        order = {"measure": 0, "shift": 0, "queue": 1, "team": 1, "agent": 1}
        return sorted(
            found.values(), key=lambda p: (-len(p.text), order.get(p.kind, 2), p.text, p.kind)
        )

    @staticmethod
    def _add_named(add: Callable[[str, Kind, str], None], kind: Kind, text: str, name: str) -> None:
        """A name alone and with its kind's word (``billing queue``, ``账单队列``)."""
        suffixes = {
            "queue": (" queue", "队列", "业务"),
            "team": (" team", "班组", "组", "团队"),
            "agent": ("",),
        }[kind]
        prefixes = {"queue": ("queue ",), "team": ("team ",), "agent": ("agent ",)}[kind]
        add(text, kind, name)
        ascii_name = is_ascii_word(normalise(text))
        for suffix in suffixes:
            if suffix and suffix.startswith(" ") == ascii_name:
                add(text + suffix, kind, name)
        for prefix in prefixes:
            if ascii_name:
                add(prefix + text, kind, name)
