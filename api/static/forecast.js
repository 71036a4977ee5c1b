/* Forecast vs actual: one queue and day — forecast with its p10–p90 band, actuals so far, the
   intraday reforecast, staffing required vs scheduled, and the day's recommendations. */
"use strict";

function setParams(values) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
  window.history.replaceState(null, "", url);
}

function volumeTraces(rows, at, reforecast) {
  const x = rows.map((r) => SW.wall(r.interval_start));
  const seen = rows.filter((r) => r.actual_offered !== null && SW.wall(r.interval_start) <= at);
  const traces = [
    { meta: "p10", x, y: rows.map((r) => r.volume_p10), mode: "lines", line: { width: 0 },
      hoverinfo: "skip", showlegend: false, type: "scatter" },
    { meta: "band", name: SW.t("band"), x, y: rows.map((r) => r.volume_p90), mode: "lines",
      line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(37,99,235,0.15)", type: "scatter" },
    { meta: "forecast", name: SW.t("forecast"), x, y: rows.map((r) => r.volume), mode: "lines",
      line: { color: "#2563eb", width: 2 }, type: "scatter" },
    { meta: "actual", name: SW.t("actual"), x: seen.map((r) => SW.wall(r.interval_start)),
      y: seen.map((r) => r.actual_offered), mode: "markers", marker: { color: "#111827", size: 6 },
      type: "scatter" },
  ];
  if (reforecast.length) {
    traces.push({ meta: "reforecast", name: SW.t("reforecast"),
      x: reforecast.map((r) => SW.wall(r.interval_start)), y: reforecast.map((r) => r.volume),
      mode: "lines", line: { color: "#d97706", width: 2, dash: "dash" }, type: "scatter" });
  }
  return traces;
}

function staffingTraces(coverage, reforecast) {
  const traces = [
    { meta: "required", name: SW.t("required"), x: coverage.map((c) => SW.wall(c.interval_start)),
      y: coverage.map((c) => c.required), mode: "lines", line: { shape: "hv", color: "#dc2626" }, type: "scatter" },
    { meta: "scheduled", name: SW.t("scheduled"), x: coverage.map((c) => SW.wall(c.interval_start)),
      y: coverage.map((c) => c.scheduled), mode: "lines", line: { shape: "hv", color: "#16a34a" },
      fill: "tozeroy", fillcolor: "rgba(22,163,74,0.10)", type: "scatter" },
  ];
  if (reforecast.length) {
    traces.push({ meta: "required_reforecast", name: SW.t("required_reforecast"),
      x: reforecast.map((r) => SW.wall(r.interval_start)), y: reforecast.map((r) => r.agents_scheduled),
      mode: "lines", line: { shape: "hv", color: "#d97706", dash: "dash" }, type: "scatter" });
  }
  return traces;
}

function recommendationList(recommendations) {
  if (!recommendations.length) return SW.el("p", { class: "muted", text: SW.t("no_recommendations") });
  return SW.el("ul", { class: "plain", id: "recommendations" }, recommendations.map((r) =>
    SW.el("li", { "data-kind": r.kind }, [SW.el("strong", { text: `${r.severity} · ` }), r.message])));
}

SW.start("forecast", async (me) => {
  const at = SW.at(me.timezone);
  const day = SW.param("day", at.slice(0, 10));
  const [canReforecast, canSchedules, canRecommend] = await Promise.all([
    SW.can("/v1/forecasts/reforecast"), SW.can("/v1/schedules"), SW.can("/v1/recommendations"),
  ]);
  const range = { start: `${day}T00:00:00`, end: `${SW.addDays(day, 1)}T00:00:00` };
  const forecast = await SW.api("/v1/forecasts", range);
  const queues = [...new Set(forecast.rows.map((r) => r.queue))].sort();
  const queue = SW.param("queue", queues[0] || "");
  const controls = document.getElementById("controls");
  const dayInput = SW.el("input", { type: "date", id: "day", value: day });
  dayInput.addEventListener("change", () => { setParams({ day: dayInput.value }); window.location.reload(); });
  controls.replaceChildren(
    SW.el("label", {}, [SW.t("queue"), SW.select("queue", queues.map((q) => ({ value: q, label: q })), queue,
      (event) => { setParams({ queue: event.target.value }); window.location.reload(); })]),
    SW.el("label", {}, [SW.t("day"), dayInput]),
  );
  const content = document.getElementById("content");
  const rows = forecast.rows.filter((r) => r.queue === queue);
  if (!rows.length) {
    content.replaceChildren(SW.empty("empty_forecast"));
    return;
  }
  const sameDay = at.slice(0, 10) === day;
  const [reforecast, schedules, recommendations] = await Promise.all([
    canReforecast && sameDay ? SW.optional(SW.api("/v1/forecasts/reforecast", { date: day, queue, now: at })) : null,
    canSchedules ? SW.optional(SW.api("/v1/schedules", range)) : null,
    canRecommend ? SW.optional(SW.api("/v1/recommendations", { date: day })) : null,
  ]).then(([r, s, m]) => [r, s || { coverage: [] }, m || { recommendations: [] }]);
  const future = reforecast ? reforecast.rows.filter((r) => r.queue === queue && SW.wall(r.interval_start) >= at.slice(0, 16)) : [];
  const ratio = reforecast ? reforecast.ratios.find((r) => r.queue === queue) : null;
  const coverage = schedules.coverage.filter((c) => c.queue === queue);
  const volumeChart = SW.el("div", { class: "chart", id: "forecast-chart" });
  const staffingChart = SW.el("div", { class: "chart short", id: "staffing-chart" });
  content.replaceChildren(
    SW.el("div", { class: "grid-wide" }, [
      SW.el("section", { class: "card" }, [
        SW.el("h2", { text: `${queue} · ${SW.t("contacts_per_interval")}` }),
        ratio ? SW.el("p", { class: "muted", id: "ratio", text: `${SW.t("ratio_note")} ${SW.pct(ratio.ratio)} ${SW.t("of_forecast")}` }) : null,
        volumeChart,
        SW.el("h2", { text: SW.t("staffing_title") }),
        staffingChart,
      ]),
      SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t("recommendations") }),
        recommendationList(recommendations.recommendations.filter((r) => !r.queue || r.queue.split("+").includes(queue)))]),
    ]),
  );
  const axis = { type: "date", tickformat: "%H:%M" };
  await SW.plot(volumeChart, volumeTraces(rows, at, future), {
    xaxis: axis, yaxis: { title: { text: SW.t("contacts_per_interval") }, rangemode: "tozero" },
    shapes: sameDay ? [{ type: "line", x0: at, x1: at, yref: "paper", y0: 0, y1: 1, line: { color: "#6b7280", dash: "dot" } }] : [],
  });
  await SW.plot(staffingChart, staffingTraces(coverage, future), {
    xaxis: axis, yaxis: { title: { text: SW.t("agents") }, rangemode: "tozero" },
  });
});
