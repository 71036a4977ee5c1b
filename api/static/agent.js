/* Agent workbench: my schedule, today's goals, my results beside my team's median, my personal
   report and adherence. An agent's key shows only that agent; others pick one in their scope. */
"use strict";

const KPI_FORMAT = {
  contacts_handled: (x) => SW.num(x), aht_s: SW.secs, acw_s: SW.secs, csat: (x) => SW.num(x, 2),
  transfer_rate: SW.pct, occupancy: SW.pct, adherence: SW.pct, script_compliance: SW.pct,
  empathy: SW.pct,
};

function weekTraces(rows, days) {
  const byActivity = new Map();
  for (const r of rows) {
    const key = r.activity === "work" ? `work:${r.queue || ""}` : r.activity;
    if (!byActivity.has(key)) byActivity.set(key, []);
    byActivity.get(key).push(r);
  }
  const colors = { break: "#9ca3af", lunch: "#6b7280", training: "#9333ea", meeting: "#0891b2" };
  return [...byActivity.entries()].map(([key, items], i) => ({
    type: "bar", orientation: "h", meta: "schedule",
    name: key.startsWith("work:") ? `${SW.t("work")}: ${key.slice(5)}` : SW.t(key),
    y: items.map((r) => days[SW.weekday(SW.wall(r.start))] + " " + SW.wall(r.start).slice(5, 10)),
    base: items.map((r) => `2000-01-01T${SW.wall(r.start).slice(11)}`),
    x: items.map((r) => Date.parse(`${SW.wall(r.end)}Z`) - Date.parse(`${SW.wall(r.start)}Z`)),
    marker: { color: key.startsWith("work:") ? SW.COLORS[i % SW.COLORS.length] : colors[key] },
    hovertemplate: "%{y} %{base|%H:%M}<extra>%{fullData.name}</extra>",
  }));
}

function goals(todayRows, performance) {
  const items = [];
  const work = todayRows.filter((r) => r.activity === "work");
  if (todayRows.length) {
    const first = todayRows[0]; const last = todayRows[todayRows.length - 1];
    const breaks = todayRows.filter((r) => r.activity !== "work").map((r) => `${SW.t(r.activity)} ${SW.clock(r.start)}`);
    const queues = [...new Set(work.map((r) => r.queue).filter(Boolean))].join(", ");
    items.push(`${SW.t("goal_shift")}: ${SW.clock(first.start)}–${SW.clock(last.end)} · ${queues}${breaks.length ? " · " + breaks.join(", ") : ""}`);
  }
  items.push(SW.t("goal_adherence"));
  const kpis = performance ? performance.kpis : {};
  if (kpis.aht_s && kpis.aht_s.team_median !== null) items.push(`${SW.t("goal_aht")} (${SW.secs(kpis.aht_s.team_median)})`);
  if (kpis.acw_s && kpis.acw_s.team_median !== null) items.push(`${SW.t("goal_acw")} (${SW.secs(kpis.acw_s.team_median)})`);
  return SW.el("ul", { class: "plain", id: "goals" }, items.map((text) => SW.el("li", { text })));
}

function strip(values) {
  return SW.el("div", { class: "kpi-strip", id: "today-kpis" }, values.map(([label, value]) =>
    SW.el("div", { class: "figure" }, [SW.el("span", { class: "value", text: value }), SW.el("span", { class: "label", text: SW.t(label) })])));
}

SW.start("agent", async (me) => {
  const at = SW.at(me.timezone);
  const day = at.slice(0, 10);
  const week = SW.monday(day);
  let agentId = me.agent_id;
  const controls = document.getElementById("controls");
  if (me.role !== "agent") {
    const people = (await SW.can("/v1/schedules"))
      ? (await SW.api("/v1/schedules", { start: `${week}T00:00:00`, end: `${SW.addDays(week, 7)}T00:00:00` })).agents
      : [];
    agentId = SW.param("agent", people.length ? people[0].agent_id : "");
    controls.replaceChildren(SW.el("label", {}, [SW.t("agent"), SW.select("agent",
      people.map((p) => ({ value: p.agent_id, label: `${p.name || p.agent_id} (${p.agent_id})` })), agentId,
      (event) => { const url = new URL(window.location.href); url.searchParams.set("agent", event.target.value); window.location.assign(url); })]));
  }
  const content = document.getElementById("content");
  if (!agentId) {
    content.replaceChildren(SW.empty("empty_agent"));
    return;
  }
  const base = `/v1/agents/${encodeURIComponent(agentId)}`;
  const [canPerformance, canAdherence] = await Promise.all([
    SW.can("/v1/agents/{agent_id}/performance"), SW.can("/v1/adherence"),
  ]);
  const [schedule, kpis, performance, adherence] = await Promise.all([
    SW.api(`${base}/schedule`, { start: `${week}T00:00:00`, end: `${SW.addDays(week, 7)}T00:00:00` }),
    SW.api("/v1/kpis", { level: "agent", id: agentId, start: `${day}T00:00:00`, end: at }),
    canPerformance ? SW.optional(SW.api(`${base}/performance`, { start: `${SW.addDays(day, -7)}T00:00:00`, end: at })) : null,
    canAdherence ? SW.optional(SW.api("/v1/adherence", { date: day, agent_id: agentId })) : null,
  ]);
  const todayRows = schedule.rows.filter((r) => SW.wall(r.start).slice(0, 10) === day);
  const mine = adherence ? adherence.agents.find((a) => a.agent_id === agentId) : null;
  const k = kpis.kpis;
  const scheduleChart = SW.el("div", { class: "chart", id: "schedule-chart" });
  const kpiRows = performance ? Object.entries(performance.kpis) : [];
  content.replaceChildren(
    SW.el("p", { class: "muted", id: "agent-id", text: `${SW.t("per_agent")} ${agentId}${performance ? " · " + SW.t("team") + " " + performance.team : ""}` }),
    SW.el("div", { class: "grid-wide" }, [
      SW.el("section", { class: "card" }, [
        SW.el("h2", { text: `${SW.t("my_schedule")} · ${SW.t("this_week")}` }),
        schedule.rows.length ? scheduleChart : SW.empty("empty_agent"),
      ]),
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("goals") }), goals(todayRows, performance)]),
    ]),
    SW.el("section", { class: "card" }, [
      SW.el("h2", { text: SW.t("today") }),
      strip([
        ["handled", SW.num(k.handled)], ["aht", SW.secs(k.aht_s)], ["occupancy", SW.pct(k.occupancy)],
        ["adherence", SW.pct(mine ? mine.adherence : null)], ["conformance", SW.pct(mine ? mine.conformance : null)],
      ]),
      mine && adherence.exceptions.length ? SW.el("ul", { class: "plain", id: "exceptions" },
        adherence.exceptions.filter((e) => e.agent_id === agentId).map((e) => SW.el("li", { text: e.message }))) : null,
    ]),
    performance ? SW.el("div", { class: "grid-wide" }, [
      SW.el("section", { class: "card" }, [
        SW.el("h2", { text: SW.t("my_kpis") }),
        SW.table([
          { label: "kpi", value: ([name]) => SW.t(name) },
          { label: "me", numeric: true, value: ([name, v]) => (KPI_FORMAT[name] || SW.num)(v.value) },
          { label: "team_median", numeric: true, value: ([name, v]) => (KPI_FORMAT[name] || SW.num)(v.team_median) },
          { label: "percentile", numeric: true, value: ([, v]) => SW.num(v.percentile) },
        ], kpiRows),
      ]),
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("suggestions") }),
        SW.el("ul", { class: "plain", id: "suggestions" }, performance.suggestions.map((s) => SW.el("li", { text: s })))]),
    ]) : null,
  );
  if (schedule.rows.length) {
    const days = SW.t("weekdays").split(",");
    scheduleChart.style.height = "320px";
    await SW.plot(scheduleChart, weekTraces(schedule.rows, days), {
      barmode: "overlay", margin: { l: 90, r: 12, t: 8, b: 40 },
      xaxis: { type: "date", tickformat: "%H:%M", range: ["2000-01-01T06:00:00", "2000-01-01T22:00:00"] },
      yaxis: { type: "category", autorange: "reversed" },
    });
  }
});
