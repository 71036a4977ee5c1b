/* Capacity plan: weekly FTE required (with its p10–p90 band) vs available per skill, the gap
   before and after the plan, hiring classes on a timeline, the weekly volume forecast, and the
   scenarios side by side. Reads GET /v1/capacity-plans and GET /v1/capacity-plans/{id}. */
"use strict";

function setParams(values) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
  window.location.assign(url);
}

/** Weekly rows of one skill, or the sum over skills ("all"). */
function weeklyOf(rows, skill) {
  if (skill !== "all") return rows.filter((r) => r.skill === skill);
  const byWeek = new Map();
  const summed = ["volume", "required_fte", "required_fte_p10", "required_fte_p90", "available_fte",
    "new_hire_fte", "overtime_fte", "overtime_hours", "short_fte", "gap_fte", "gap_after_fte",
    "headcount", "trainees"];
  for (const r of rows) {
    const week = byWeek.get(r.week_start) || { week_start: r.week_start };
    for (const name of summed) week[name] = (week[name] || 0) + (r[name] || 0);
    byWeek.set(r.week_start, week);
  }
  return [...byWeek.values()].sort((a, b) => a.week_start.localeCompare(b.week_start));
}

function fteTraces(rows) {
  const x = rows.map((r) => r.week_start);
  return [
    { meta: "p10", x, y: rows.map((r) => r.required_fte_p10), mode: "lines", line: { width: 0 },
      hoverinfo: "skip", showlegend: false, type: "scatter" },
    { meta: "band", name: SW.t("band_fte"), x, y: rows.map((r) => r.required_fte_p90), mode: "lines",
      line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(220,38,38,0.12)", type: "scatter" },
    { meta: "required", name: SW.t("required_fte"), x, y: rows.map((r) => r.required_fte),
      mode: "lines+markers", line: { color: "#dc2626", width: 2 }, type: "scatter" },
    { meta: "available", name: SW.t("available_fte"), x, y: rows.map((r) => r.available_fte),
      mode: "lines", line: { color: "#2563eb", width: 2 }, type: "scatter" },
    { meta: "planned", name: SW.t("after_plan"), x,
      y: rows.map((r) => r.available_fte + r.new_hire_fte + r.overtime_fte),
      mode: "lines", line: { color: "#16a34a", width: 2, dash: "dash" }, type: "scatter" },
  ];
}

function gapTraces(rows) {
  const x = rows.map((r) => r.week_start);
  return [
    { meta: "gap_before", name: SW.t("gap_before"), x, y: rows.map((r) => r.gap_fte), type: "bar",
      marker: { color: rows.map((r) => (r.gap_fte < 0 ? "#f87171" : "#93c5fd")) } },
    { meta: "gap_after", name: SW.t("gap_after"), x, y: rows.map((r) => r.gap_after_fte), type: "scatter",
      mode: "lines+markers", line: { color: "#16a34a", width: 2 } },
    { meta: "short", name: SW.t("short_fte"), x, y: rows.map((r) => -r.short_fte), type: "scatter",
      mode: "markers", marker: { color: "#991b1b", size: 8, symbol: "x" } },
  ];
}

/** One row per class on a date axis: recruiting, training and ramp-up as consecutive spans. */
function classTraces(classes) {
  const label = (c, i) => `${i + 1}. ${c.size} × ${c.profile}${c.planned ? ` (${SW.t("planned")})` : ""}`;
  const spans = [
    ["recruiting", "requisition_by", "start_week", "#cbd5e1"],
    ["training_phase", "start_week", "productive_from", "#9333ea"],
    ["ramp_phase", "productive_from", "full_productivity_from", "#16a34a"],
  ];
  const day = (text) => Date.parse(`${text}T00:00:00Z`);
  return spans.map(([key, from, to, color]) => ({
    type: "bar", orientation: "h", meta: key, name: SW.t(key),
    y: classes.map(label),
    base: classes.map((c) => c[from]),
    x: classes.map((c) => Math.max(day(c[to]) - day(c[from]), 0)),
    marker: { color },
    customdata: classes.map((c) => `${c[from]} → ${c[to]}`),
    hovertemplate: "%{y}<br>%{fullData.name}: %{customdata}<extra></extra>",
  }));
}

function volumeTraces(forecast, history, skill) {
  const keep = (r) => skill === "all" || r.queue === skill;
  const sum = (rows, key) => {
    const byWeek = new Map();
    for (const r of rows.filter(keep)) byWeek.set(r.week_start, (byWeek.get(r.week_start) || 0) + (r[key] || 0));
    const x = [...byWeek.keys()].sort();
    return { x, y: x.map((w) => byWeek.get(w)) };
  };
  const past = sum(history, "actual");
  const low = sum(forecast, "volume_p10");
  const high = sum(forecast, "volume_p90");
  const mid = sum(forecast, "volume");
  return [
    { meta: "history", name: SW.t("history"), x: past.x.map(SW.wall), y: past.y, mode: "lines",
      line: { color: "#111827", width: 1.5 }, type: "scatter" },
    { meta: "p10", x: low.x.map(SW.wall), y: low.y, mode: "lines", line: { width: 0 }, hoverinfo: "skip",
      showlegend: false, type: "scatter" },
    { meta: "band", name: SW.t("band"), x: high.x.map(SW.wall), y: high.y, mode: "lines", line: { width: 0 },
      fill: "tonexty", fillcolor: "rgba(37,99,235,0.15)", type: "scatter" },
    { meta: "forecast", name: SW.t("forecast"), x: mid.x.map(SW.wall), y: mid.y, mode: "lines",
      line: { color: "#2563eb", width: 2 }, type: "scatter" },
  ];
}

function comparisonTable(scenarios, current) {
  const money = (x) => Number(x).toLocaleString(undefined, { maximumFractionDigits: 0 });
  const columns = [
    { label: "scenario", value: (s) => s.name },
    { label: "hires", numeric: true, value: (s) => String(s.summary.hires) },
    { label: "classes", numeric: true, value: (s) => String(s.summary.classes) },
    { label: "total_cost", numeric: true, value: (s) => money(s.summary.total_cost) },
    { label: "overtime_hours", numeric: true, value: (s) => money(s.summary.overtime_hours) },
    { label: "short_fte_weeks", numeric: true, value: (s) => SW.num(s.summary.short_fte_weeks, 1) },
    { label: "worst_gap", numeric: true, value: (s) => `${SW.num(s.summary.worst_gap_fte, 1)} (${s.summary.worst_gap_skill || "–"}, ${s.summary.worst_gap_week || "–"})` },
  ];
  const wrap = SW.table(columns, scenarios, (s) => ({
    class: "clickable", "data-scenario": s.name, "aria-current": s.name === current ? "true" : null,
    onclick: () => setParams({ scenario: s.name }),
  }));
  wrap.id = "comparison";
  return wrap;
}

SW.start("capacity", async () => {
  const listing = await SW.api("/v1/capacity-plans", { limit: 50 });
  const controls = document.getElementById("controls");
  const content = document.getElementById("content");
  if (!listing.plans.length) {
    content.replaceChildren(SW.empty("empty_capacity"));
    return;
  }
  const done = listing.plans.filter((p) => p.state === "done");
  const planId = SW.param("plan", (done[0] || listing.plans[0]).plan_id);
  const plan = await SW.api(`/v1/capacity-plans/${encodeURIComponent(planId)}`);
  const planSelect = SW.select("plan", listing.plans.map((p) => ({
    value: p.plan_id, label: `${p.name} · ${p.created_at.slice(0, 10)} · ${SW.t(`state_${p.state}`)}`,
  })), planId, (event) => setParams({ plan: event.target.value }));
  if (!plan.report) {
    controls.replaceChildren(SW.el("label", {}, [SW.t("plan"), planSelect]));
    const state = `${SW.t("plan_state")} ${SW.t(`state_${plan.state}`)} (${SW.num(plan.percent)}%)`;
    content.replaceChildren(SW.el("p", { class: "muted", id: "plan-state", text: plan.error ? `${state}: ${plan.error}` : state }));
    return;
  }
  const report = plan.report;
  const names = report.scenarios.map((s) => s.name);
  const scenarioName = names.includes(SW.param("scenario", "")) ? SW.param("scenario", "") : names[0];
  const scenario = report.scenarios.find((s) => s.name === scenarioName);
  const skills = [...new Set(scenario.weekly.map((r) => r.skill))].sort();
  const skill = SW.param("skill", "all");
  controls.replaceChildren(
    SW.el("label", {}, [SW.t("plan"), planSelect]),
    SW.el("label", {}, [SW.t("scenario"), SW.select("scenario", names.map((n) => ({ value: n, label: n })),
      scenarioName, (event) => setParams({ scenario: event.target.value }))]),
    SW.el("label", {}, [SW.t("skill"), SW.select("skill",
      [{ value: "all", label: SW.t("all") }, ...skills.map((s) => ({ value: s, label: s }))], skill,
      (event) => setParams({ skill: event.target.value }))]),
  );
  const rows = weeklyOf(scenario.weekly, skill);
  const classes = scenario.classes.filter((c) => skill === "all" || c.skills.split("+").includes(skill));
  const fteChart = SW.el("div", { class: "chart", id: "fte-chart" });
  const gapChart = SW.el("div", { class: "chart short", id: "gap-chart" });
  const classChart = SW.el("div", { class: "chart short", id: "classes-chart" });
  const volumeChart = SW.el("div", { class: "chart short", id: "volume-chart" });
  const explanation = scenario.explanation
    ? SW.el("p", { class: "error", id: "explanation", role: "status", text: scenario.explanation.message })
    : SW.el("p", { class: "muted", id: "explanation", text: SW.t("no_shortfall") });
  const summary = scenario.summary;
  content.replaceChildren(
    SW.el("p", { class: "muted", id: "plan-meta", text:
      `${report.name} · ${report.horizon_weeks} ${SW.t("weeks_from")} ${report.start_week} · ${SW.t("plan_to")} ${report.plan_to} · ${SW.t("hires")} ${summary.hires} · ${SW.t("total_cost")} ${Number(summary.total_cost).toLocaleString(undefined, { maximumFractionDigits: 0 })}` }),
    explanation,
    SW.el("div", { class: "grid-wide" }, [
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("fte_title") }), fteChart,
        SW.el("h2", { text: SW.t("gap_title") }), gapChart]),
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("comparison_title") }),
        comparisonTable(report.scenarios, scenarioName)]),
    ]),
    SW.el("div", { class: "grid" }, [
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("classes_title") }),
        classes.length ? classChart : SW.el("p", { class: "muted", id: "no-classes", text: SW.t("no_classes") })]),
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("volume_title") }), volumeChart]),
    ]),
  );
  const weekAxis = { type: "date", tickformat: "%d %b %Y" };
  await SW.plot(fteChart, fteTraces(rows), {
    xaxis: weekAxis, yaxis: { title: { text: SW.t("fte") }, rangemode: "tozero" },
  });
  await SW.plot(gapChart, gapTraces(rows), {
    xaxis: weekAxis, yaxis: { title: { text: SW.t("fte") }, zeroline: true }, barmode: "overlay",
  });
  if (classes.length) {
    classChart.style.height = `${Math.max(220, 44 * classes.length + 120)}px`;
    await SW.plot(classChart, classTraces(classes), {
      barmode: "overlay", xaxis: { type: "date", tickformat: "%d %b" },
      yaxis: { type: "category", autorange: "reversed", automargin: true },
      margin: { l: 16, r: 12, t: 12, b: 40 }, legend: { orientation: "h", y: -0.25 },
    });
  }
  await SW.plot(volumeChart, volumeTraces(report.forecast.weekly, report.forecast.history, skill), {
    xaxis: weekAxis, yaxis: { title: { text: SW.t("contacts_per_week") }, rangemode: "tozero" },
  });
});
