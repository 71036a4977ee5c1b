/* Roster: a Gantt chart of the published week by team (shifts, breaks, lunches, the queue each
   agent works) with coverage vs requirement under it on the same time axis. */
"use strict";

const ACTIVITY_COLORS = { break: "#9ca3af", lunch: "#6b7280", training: "#9333ea", meeting: "#0891b2" };

function setParam(name, value) {
  const url = new URL(window.location.href);
  url.searchParams.set(name, value);
  window.location.assign(url);
}

function ganttTraces(rows, labelOf) {
  const groups = new Map();
  for (const r of rows) {
    const key = r.activity === "work" ? `work:${r.queue || ""}` : r.activity;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const queues = [...groups.keys()].filter((k) => k.startsWith("work:")).sort();
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, items]) => {
    const isWork = key.startsWith("work:");
    const color = isWork ? SW.COLORS[queues.indexOf(key) % SW.COLORS.length] : ACTIVITY_COLORS[key] || "#4b5563";
    return {
      type: "bar", orientation: "h", meta: "gantt",
      name: isWork ? `${SW.t("work")}: ${key.slice(5)}` : SW.t(key),
      y: items.map((r) => labelOf(r.agent_id)),
      base: items.map((r) => SW.wall(r.start)),
      x: items.map((r) => Date.parse(`${SW.wall(r.end)}Z`) - Date.parse(`${SW.wall(r.start)}Z`)),
      marker: { color },
      customdata: items.map((r) => `${SW.clock(r.start)}–${SW.clock(r.end)}`),
      hovertemplate: "%{y}<br>%{fullData.name} %{customdata}<extra></extra>",
    };
  });
}

function coverageTraces(coverage) {
  const required = new Map();
  const scheduled = new Map();
  for (const c of coverage) {
    const x = SW.wall(c.interval_start);
    required.set(x, (required.get(x) || 0) + c.required);
    scheduled.set(x, (scheduled.get(x) || 0) + c.scheduled);
  }
  const x = [...required.keys()].sort();
  return [
    { meta: "required", name: SW.t("required"), x, y: x.map((k) => required.get(k)), type: "scatter",
      mode: "lines", line: { shape: "hv", color: "#dc2626" } },
    { meta: "scheduled", name: SW.t("scheduled"), x, y: x.map((k) => scheduled.get(k)), type: "scatter",
      mode: "lines", line: { shape: "hv", color: "#16a34a" }, fill: "tozeroy", fillcolor: "rgba(22,163,74,0.12)" },
  ];
}

SW.start("roster", async (me) => {
  const at = SW.at(me.timezone);
  const week = SW.monday(SW.param("week", at.slice(0, 10)));
  const team = SW.param("team", "all");
  const data = await SW.api("/v1/schedules", {
    start: `${week}T00:00:00`, end: `${SW.addDays(week, 7)}T00:00:00`, team: team === "all" ? null : team,
  });
  const teams = team === "all" ? [...new Set(data.agents.map((a) => a.team))].sort() : [team];
  const weekInput = SW.el("input", { type: "date", id: "week", value: week });
  weekInput.addEventListener("change", () => setParam("week", SW.monday(weekInput.value)));
  document.getElementById("controls").replaceChildren(
    SW.el("label", {}, [SW.t("week"), weekInput]),
    SW.el("label", {}, [SW.t("team"), SW.select("team",
      [{ value: "all", label: SW.t("all") }, ...teams.map((t) => ({ value: t, label: t }))], team,
      (event) => setParam("team", event.target.value))]),
  );
  const content = document.getElementById("content");
  if (!data.rows.length) {
    content.replaceChildren(SW.empty("empty_roster"));
    return;
  }
  const agents = new Map(data.agents.map((a) => [a.agent_id, a]));
  const narrow = window.matchMedia("(max-width: 700px)").matches;
  const labelOf = (id) => {
    const agent = agents.get(id) || {};
    return narrow ? `${id} ${(agent.name || "").split(" ")[0]}` : `${agent.team || ""} · ${agent.name || id} (${id})`;
  };
  const left = narrow ? 84 : 210;
  const ticks = narrow ? "%a" : "%a %d %H:%M";
  const order = [...new Set(data.rows.map((r) => r.agent_id))]
    .sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
  const gantt = SW.el("div", { class: "chart", id: "gantt-chart" });
  gantt.style.height = `${Math.max(320, 26 * order.length + (narrow ? 170 : 120))}px`;
  const coverageChart = SW.el("div", { class: "chart short", id: "coverage-chart" });
  content.replaceChildren(
    SW.el("section", { class: "card" }, [gantt]),
    SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("coverage_title") }), coverageChart]),
  );
  const range = [`${week}T00:00:00`, `${SW.addDays(week, 7)}T00:00:00`];
  await SW.plot(gantt, ganttTraces(data.rows, labelOf), {
    barmode: "overlay", bargap: 0.25,
    margin: { l: left, r: 12, t: 16, b: 40 },
    xaxis: { type: "date", range, tickformat: ticks },
    yaxis: { type: "category", categoryorder: "array", categoryarray: order.map(labelOf).reverse(), automargin: true },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom" },
  });
  await SW.plot(coverageChart, coverageTraces(data.coverage), {
    margin: { l: left, r: 12, t: 8, b: 40 },
    xaxis: { type: "date", range, tickformat: ticks },
    yaxis: { title: { text: SW.t("agents") }, rangemode: "tozero" },
  });
});
