/* Questions in plain language (GET /v1/ask): the question box, the answer with the query that
   ran, a chart of its rows (groups, days, periods) or the agents on shift, and the way on. */
"use strict";

function askUrl(question) {
  const url = new URL(window.location.href);
  url.searchParams.set("q", question);
  return url.toString();
}

function shown(value, unit) {
  if (value === null || value === undefined) return "–";
  if (unit === "share" || unit === "score") return SW.pct(value);
  if (unit === "seconds") return SW.secs(value);
  if (unit === "rating") return `${Number(value).toFixed(2)} / 5`;
  return SW.num(value);
}

function examples(list) {
  return SW.el("section", { class: "card", id: "examples" }, [
    SW.el("h2", { text: SW.t("ask_examples") }),
    SW.el("ul", { class: "examples" }, list.map((q) => SW.el("li", {},
      SW.el("a", { href: askUrl(q), "data-testid": "example", text: q })))),
  ]);
}

function queryTable(query) {
  const period = query.period ? `${query.period.dates} (${query.period.label})` : null;
  const versus = query.compared_with ? `${query.compared_with.dates} (${query.compared_with.label})` : null;
  const filters = Object.entries(query.filters || {})
    .filter(([, v]) => (Array.isArray(v) ? v.length : v))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`).join("; ");
  const items = [
    ["ask_measure", query.measure || query.intent], ["ask_filters", filters || SW.t("all")],
    ["ask_period", period], ["ask_compared", versus], ["ask_at", query.at],
    ["ask_group", query.group_by], ["ask_rank", query.rank],
    ["ask_threshold", query.threshold ? `${query.threshold.op} ${query.threshold.value}` : null],
  ].filter(([, v]) => v);
  return SW.el("dl", { class: "query", id: "query" }, items.flatMap(([k, v]) => [
    SW.el("dt", { text: SW.t(k) }), SW.el("dd", { "data-field": k, text: String(v) })]));
}

SW.start("ask", async () => {
  const question = SW.param("q", "");
  const input = SW.el("input", {
    type: "search", id: "question", name: "q", value: question, autocomplete: "off",
    placeholder: SW.t("ask_placeholder"), "aria-label": SW.t("ask_title"),
  });
  const form = SW.el("form", { class: "ask-form", id: "ask-form", role: "search" }, [
    input, SW.el("button", { type: "submit", id: "ask-submit", text: SW.t("ask_go") }),
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) window.location.assign(askUrl(input.value.trim()));
  });
  document.getElementById("controls").replaceChildren(form);
  const content = document.getElementById("content");
  const hints = SW.t("ask_example_list").split("|");
  if (!question) {
    content.replaceChildren(SW.empty("empty_ask"), examples(hints));
    return;
  }
  const params = { q: question };
  if (SW.replaying()) params.at = SW.param("at");
  const answer = await SW.api("/v1/ask", params);
  const card = SW.el("section", { class: "card answer", id: "answer", "data-understood": String(answer.understood) }, [
    SW.el("p", { class: "answer-text", "data-testid": "answer-text", role: answer.understood ? null : "alert", text: answer.text }),
  ]);
  content.replaceChildren(card);
  if (!answer.understood) {
    content.append(examples(answer.examples.length ? answer.examples : hints));
    return;
  }
  if (answer.value !== null && answer.unit !== "agents") {
    card.append(SW.el("div", { class: "figure" }, SW.el("span", {
      class: "value", "data-testid": "answer-value", text: shown(answer.value, answer.unit),
    })));
  }
  card.append(SW.el("h2", { text: SW.t("ask_query") }), queryTable(answer.query));
  if (answer.drill_url) {
    card.append(SW.el("p", {}, SW.el("a", { href: answer.drill_url, id: "drill-link", text: SW.t("ask_drill") })));
  }
  if (answer.unit === "agents") {
    content.append(SW.el("section", { class: "card", id: "shift" }, [
      SW.el("h2", { text: SW.t("ask_on_shift") }),
      SW.table([
        { label: "agent", value: (r) => r.name },
        { label: "team", value: (r) => r.team || "–" },
        { label: "activity", value: (r) => (r.activity ? SW.t(r.activity) : "–") },
        { label: "start", value: (r) => SW.clock(r.start) },
        { label: "end", value: (r) => SW.clock(r.end) },
      ], answer.rows, () => ({ "data-testid": "shift-row" })),
    ]));
    return;
  }
  const rows = answer.rows.filter((r) => r.value !== null && r.value !== undefined);
  if (!rows.length) return;
  const percent = answer.unit === "share" || answer.unit === "score";
  const chart = SW.el("div", { class: "chart", id: "answer-chart" });
  content.append(SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("ask_chart") }), chart]));
  await SW.plot(chart, [{
    type: "bar", meta: "answer", x: rows.map((r) => r.name || r.label), y: rows.map((r) => (percent ? 100 * r.value : r.value)),
    text: rows.map((r) => shown(r.value, answer.unit)), textposition: "auto", marker: { color: "#2563eb" },
  }], { yaxis: { rangemode: "tozero", ticksuffix: percent ? "%" : "" }, showlegend: false });
});
