"""``GET /v1/ask`` on the small centre (tests/api/small_centre.py, every figure worked out
there): questions in English and Chinese with their expected answers, the questions it must
refuse, the scope of each role, and agreement with ``GET /v1/kpis``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.small_centre import NOW, YESTERDAY, berlin_settings, filled_client

KeyFactory = Callable[..., dict[str, str]]


api_settings = pytest.fixture(name="api_settings")(berlin_settings)
centre = pytest.fixture(name="centre")(filled_client)


# (question, expected value, words the answer must contain)
ANSWERED: list[tuple[str, float | None, tuple[str, ...]]] = [
    ("what was billing's service level yesterday?", 0.5, ("50.0%", "2026-11-24")),
    ("what was sales' service level yesterday?", 1 / 3, ("33.3%",)),
    ("what was the service level yesterday?", 5 / 12, ("whole centre", "41.7%")),
    ("how many calls did billing get yesterday?", 4, ("billing had 4 contacts offered",)),
    ("how many abandoned calls did sales have yesterday?", 2, ("2 abandoned",)),
    ("what was the abandon rate of sales yesterday", 0.5, ("50.0%",)),
    ("billing average handle time yesterday", 200, ("3 min 20 s",)),
    ("what was the average speed of answer for billing yesterday", 55 / 3, ("18 s",)),
    ("which team had the most abandoned calls last week?", 3, ("Team sales-1", "(of 2 teams)")),
    ("which queue had the lowest service level last week?", 0.25, ("sales had the lowest",)),
    ("what was the service level last week?", 3 / 7, ("2026-11-16 to 2026-11-22",)),
    ("what was billing's service level on 2026-11-23?", 0.5, ("on 2026-11-23",)),
    ("billing service level the day before yesterday", 0.5, ("2026-11-23",)),
    (
        "what was billing's service level yesterday compared with the day before yesterday",
        0.5,
        ("against 50.0%", "+0.0 points"),
    ),
    ("was billing's service level above 80% yesterday?", 0.5, ("No:", "not above 80.0%")),
    ("was sales' average handle time above 300 s yesterday?", 500, ("Yes:", "8 min 20 s")),
    ("which queues were below 40% service level yesterday", 1, ("1 of 2 queues", "sales 33.3%")),
    ("what was the customer satisfaction of billing yesterday", 3.0, ("3.00 / 5",)),
    ("what was Anna Becker's handle time yesterday", 200, ("Anna Becker",)),
    ("what was team billing-1's occupancy yesterday", 0.625, ("62.5%",)),
    ("what was the first contact resolution of billing yesterday", 0.5, ("50.0%",)),
    ("what was the ticket backlog yesterday", 2, ("2 tickets in the backlog",)),
    ("reopen rate of sales yesterday", 1.0, ("100.0%",)),
    ("which agent had the lowest script compliance yesterday", 0.4, ("David Jansen", "40.0%")),
    ("who is on shift tomorrow at 9?", 2, ("Anna Becker (billing-1)", "Clara Hoffmann")),
    ("how many agents are working tomorrow at 14:00", 3, ("Ben Fischer",)),
    ("who is on shift now", 1, ("Ben Fischer", "10:00")),
    ("how many knowledge base views did team billing-1 have yesterday", 3, ("3 knowledge",)),
    ("what was the resolution time of billing yesterday", 10_800, ("3 h 0 min",)),
    ("tickets opened yesterday", 4, ("4 tickets opened",)),
    ("billing's handle time this week", 1280 / 6, ("2026-11-23 to 2026-11-29",)),
    ("昨天账单队列的服务水平是多少?", 0.5, ("账单队列", "50.0%")),
    ("昨天销售队列的服务水平是多少?", 1 / 3, ("33.3%",)),
    ("昨天的服务水平是多少？", 5 / 12, ("全中心", "41.7%")),
    ("上周哪个班组的放弃量最多?", 3, ("销售一组", "共 2 个班组")),
    ("上周哪个队列的服务水平最低？", 0.25, ("销售队列", "25.0%")),
    ("昨天账单的呼入量是多少", 4, ("呼入量为 4",)),
    ("昨天销售的放弃率", 0.5, ("50.0%",)),
    ("昨天账单队列的平均处理时长", 200, ("3 分 20 秒",)),
    ("前天账单的服务水平", 0.5, ("2026-11-23",)),
    ("2026年11月23日账单的服务水平是多少", 0.5, ("50.0%",)),
    ("11月23日账单的服务水平", 0.5, ("50.0%",)),
    ("上周的服务水平是多少", 3 / 7, ("2026-11-16 至 2026-11-22",)),
    ("昨天账单的服务水平高于80%吗", 0.5, ("否",)),
    ("昨天销售的平均处理时长超过300秒吗", 500, ("是",)),
    ("昨天账单一组的占用率是多少", 0.625, ("62.5%",)),
    ("昨天账单的首次解决率", 0.5, ("50.0%",)),
    ("昨天的积压工单有多少", 2, ("积压工单数为 2",)),
    ("昨天哪位座席的话术合规率最低", 0.4, ("David Jansen",)),
    ("明天上午9点谁在班?", 2, ("Anna Becker", "Clara Hoffmann", "09:00")),
    ("明天下午2点有多少座席上班", 3, ("14:00",)),
    ("现在谁在值班", 1, ("Ben Fischer", "今天")),
    ("昨天安娜的平均处理时长", 200, ("安娜",)),
    ("昨天销售的客户满意度", 3.0, ("3.00 / 5",)),
    ("昨天账单一组的知识库查阅次数", 3, ("3",)),
    ("昨天账单的平均应答速度", 55 / 3, ("18 秒",)),
    ("本周账单的呼入量", 7, ("呼入量为 7",)),
    ("最近7天销售的放弃量", 5, ("2026-11-18 至 2026-11-24",)),
    ("昨天销售的重开率", 1.0, ("100.0%",)),
    ("昨天账单的平均解决时长", 10_800, ("3 小时 0 分",)),
]
GROUPED: list[tuple[str, dict[str, float]]] = [
    ("service level by queue yesterday", {"billing": 0.5, "sales": 1 / 3}),
    ("billing vs sales handle time yesterday", {"billing": 200.0, "sales": 500.0}),
    ("昨天各队列的服务水平", {"billing": 0.5, "sales": 1 / 3}),
    ("昨天各班组的话术合规率", {"billing-1": 0.7, "sales-1": 0.675}),
]
REFUSED: list[tuple[str, str]] = [
    ("what was foo's service level yesterday?", "'foo'"),
    ("what's the weather tomorrow?", "'weather'"),
    ("昨天天气怎么样", "天气"),
    ("service level and handle time yesterday", "one measure at a time"),
    ("which agent had the most abandoned calls yesterday", "no agent"),
    ("billing's service level on 2026-02-30", "not a date"),
    ("what was billing's service level at 9 yesterday", "time of day"),
    ("上周哪个班组最多", "没有识别到指标"),
    ("what was the highest service level yesterday", "of what"),
    ("billing的服务水平比上周", "两个时间段"),
    ("what was billing's occupancy yesterday", "per agent or team"),
    ("service level between 2026-01-01 and 2027-06-01", "1 to 366 days"),
    ("", "empty"),
]


def _ask(client: TestClient, headers: dict[str, str], question: str) -> dict[str, Any]:
    answer = client.get("/v1/ask", params={"q": question, "at": NOW}, headers=headers)
    assert answer.status_code == 200, (question, answer.text)
    return dict(answer.json())


def test_questions_and_their_answers(centre: TestClient, auth: KeyFactory) -> None:
    assert len(ANSWERED) + len(GROUPED) >= 40
    assert sum(any("\u4e00" <= c <= "\u9fff" for c in q) for q, *_ in ANSWERED + GROUPED) >= 30
    headers = auth("admin")
    wrong = []
    for question, value, words in ANSWERED:
        body = _ask(centre, headers, question)
        ok = body["understood"] and body["value"] == pytest.approx(value)
        ok = ok and all(w in body["text"] for w in words) and body["query"]["period"]
        if not ok:
            wrong.append((question, body["value"], body["text"]))
    for question, values in GROUPED:
        body = _ask(centre, headers, question)
        shown = {r["label"]: r["value"] for r in body["rows"]}
        if not body["understood"] or shown != pytest.approx(values):
            wrong.append((question, shown, body["text"]))
    assert wrong == []


def test_the_answer_describes_its_query_and_links_the_chart(
    centre: TestClient, auth: KeyFactory
) -> None:
    body = _ask(centre, auth("planner"), "what was billing's service level yesterday?")
    assert body["query"]["measure"] == "service_level"
    assert body["query"]["filters"]["queues"] == ["billing"]
    assert body["query"]["period"] == {
        "start": "2026-11-24T00:00:00+01:00",
        "end": "2026-11-25T00:00:00+01:00",
        "label": "yesterday",
        "dates": "2026-11-24",
    }
    assert body["unit"] == "share" and body["language"] == "en"
    assert body["chart_url"].startswith("/dashboard/ask?q=what%20was%20billing")
    assert body["drill_url"] == "/dashboard/drill?day=2026-11-24"
    week = _ask(centre, auth("admin"), "上周的服务水平是多少")
    assert [r["label"] for r in week["rows"]] == [f"2026-11-{d}" for d in range(16, 23)]
    assert week["rows"][1]["value"] == pytest.approx(2 / 3)
    assert week["rows"][0]["value"] is None
    shift = _ask(centre, auth("admin"), "who is on shift tomorrow at 9?")
    assert {r["label"] for r in shift["rows"]} == {"a1", "a3"}
    assert shift["drill_url"] == "/dashboard/roster?week=2026-11-23"


def test_answers_agree_with_the_kpi_endpoint(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    start, end = YESTERDAY
    for queue in ("billing", "sales"):
        kpis = centre.get(
            "/v1/kpis",
            params={"level": "queue", "id": queue, "start": start, "end": end},
            headers=headers,
        ).json()["kpis"]
        for measure, words in (("service_level", "service level"), ("aht_s", "handle time"),
                               ("abandon_rate", "abandon rate")):  # fmt: skip
            body = _ask(centre, headers, f"{queue} {words} yesterday")
            assert body["value"] == pytest.approx(kpis[measure]), (queue, measure)
    centre_kpis = centre.get(
        "/v1/kpis", params={"start": start, "end": end}, headers=headers
    ).json()["kpis"]
    body = _ask(centre, headers, "what was the service level yesterday?")
    assert body["value"] == pytest.approx(centre_kpis["service_level"])


def test_questions_it_must_refuse(centre: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    for question, reason in REFUSED:
        body = _ask(centre, headers, question)
        assert not body["understood"], question
        assert body["value"] is None and body["rows"] == []
        assert reason in body["text"], (question, body["text"])
        assert body["examples"]
    unknown = _ask(centre, headers, "what was foo's service level yesterday?")
    assert unknown["unknown"] == ["foo"]


def test_each_role_answers_within_its_scope(centre: TestClient, auth: KeyFactory) -> None:
    agent = auth("agent", agent_id="a1")
    mine = _ask(centre, agent, "what was my handle time yesterday")
    assert mine["value"] == pytest.approx(200.0) and mine["query"]["filters"]["agents"] == ["a1"]
    plain = _ask(centre, agent, "昨天的平均处理时长")
    assert plain["value"] == pytest.approx(200.0)
    for question in (
        "what was billing's service level yesterday?",
        "what was Ben Fischer's handle time yesterday",
        "which team had the most abandoned calls last week?",
    ):
        refused = centre.get("/v1/ask", params={"q": question, "at": NOW}, headers=agent)
        assert refused.status_code == 403, question
    own_shift = _ask(centre, agent, "who is on shift tomorrow at 9?")
    assert [r["label"] for r in own_shift["rows"]] == ["a1"]
    supervisor = auth("supervisor", teams=["sales-1"])
    scoped = _ask(centre, supervisor, "what was the service level yesterday?")
    assert scoped["value"] == pytest.approx(1 / 3)
    assert scoped["query"]["filters"]["teams"] == ["sales-1"]
    ranked = _ask(centre, supervisor, "which agent had the lowest script compliance yesterday")
    assert {r["label"] for r in ranked["rows"]} == {"a3", "a4"}
    outside = centre.get(
        "/v1/ask",
        params={"q": "what was team billing-1's handle time yesterday", "at": NOW},
        headers=supervisor,
    )
    assert outside.status_code == 403
    assert centre.get("/v1/ask", params={"q": "x"}, headers=auth("routing")).status_code == 403
    assert centre.get("/v1/ask", params={"q": "x"}).status_code == 401
