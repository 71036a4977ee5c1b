/* Heatmaps: volume, service level and occupancy by weekday × time of day over recent weeks. */
"use strict";

function setParam(name, value) {
  const url = new URL(window.location.href);
  url.searchParams.set(name, value);
  window.location.assign(url);
}

/** Weekday × time-of-day grids of mean volume per day, offered-weighted service level and
    mean occupancy, from interval rows (all queues summed). */
function grids(rows, start, end) {
  const daysPerWeekday = new Array(7).fill(0);
  for (let day = start; day < end; day = SW.addDays(day, 1)) daysPerWeekday[SW.weekday(day)] += 1;
  const times = [...new Set(rows.map((r) => SW.wall(r.interval_start).slice(11, 16)))].sort();
  const column = new Map(times.map((time, i) => [time, i]));
  const blank = () => Array.from({ length: 7 }, () => new Array(times.length).fill(0));
  const offered = blank(); const slWeighted = blank(); const slWeight = blank();
  const occSum = blank(); const occCount = blank();
  for (const r of rows) {
    const d = SW.weekday(r.interval_start);
    const c = column.get(SW.wall(r.interval_start).slice(11, 16));
    offered[d][c] += r.offered;
    if (r.service_level !== null) { slWeighted[d][c] += r.service_level * r.offered; slWeight[d][c] += r.offered; }
    if (r.occupancy !== null) { occSum[d][c] += r.occupancy; occCount[d][c] += 1; }
  }
  const map = (f) => Array.from({ length: 7 }, (_, d) => times.map((_, c) => f(d, c)));
  return {
    times,
    volume: map((d, c) => (daysPerWeekday[d] ? offered[d][c] / daysPerWeekday[d] : null)),
    serviceLevel: map((d, c) => (slWeight[d][c] ? slWeighted[d][c] / slWeight[d][c] : null)),
    occupancy: map((d, c) => (occCount[d][c] ? occSum[d][c] / occCount[d][c] : null)),
  };
}

SW.start("heatmaps", async (me) => {
  const at = SW.at(me.timezone);
  const weeks = Number(SW.param("weeks", "4"));
  const queue = SW.param("queue", "all");
  const end = at.slice(0, 10);
  const start = SW.addDays(end, -7 * weeks);
  const data = await SW.api("/v1/intervals", {
    start: `${start}T00:00:00`, end: `${end}T00:00:00`, queue: queue === "all" ? null : queue,
  });
  const queues = queue === "all" ? [...new Set(data.rows.map((r) => r.queue))].sort() : [queue];
  document.getElementById("controls").replaceChildren(
    SW.el("label", {}, [SW.t("queue"), SW.select("queue",
      [{ value: "all", label: SW.t("all") }, ...queues.map((q) => ({ value: q, label: q }))], queue,
      (event) => setParam("queue", event.target.value))]),
    SW.el("label", {}, [SW.t("weeks"), SW.select("weeks",
      [1, 2, 4, 8].map((w) => ({ value: String(w), label: String(w) })), String(weeks),
      (event) => setParam("weeks", event.target.value))]),
  );
  const content = document.getElementById("content");
  if (!data.rows.length) {
    content.replaceChildren(SW.empty("empty_heatmaps"));
    return;
  }
  const g = grids(data.rows, start, end);
  const days = SW.t("weekdays").split(",");
  const charts = [
    { id: "volume-chart", title: "volume", z: g.volume, scale: [[0, "#eff6ff"], [0.5, "#60a5fa"], [1, "#1e3a8a"]], zmin: 0, fmt: ".1f" },
    { id: "sl-chart", title: "service_level", z: g.serviceLevel, scale: [[0, "#b91c1c"], [0.5, "#facc15"], [1, "#15803d"]], zmin: 0.5, zmax: 1, fmt: ".0%" },
    { id: "occupancy-chart", title: "occupancy", z: g.occupancy, scale: [[0, "#fff7ed"], [0.5, "#fb923c"], [1, "#7c2d12"]], zmin: 0, zmax: 1, fmt: ".0%" },
  ];
  content.replaceChildren(SW.el("div", { class: "grid" }, charts.map((c) =>
    SW.el("section", { class: "card" }, [SW.el("h2", { text: SW.t(c.title) }), SW.el("div", { class: "chart", id: c.id })]))));
  for (const c of charts) {
    await SW.plot(c.id, [{
      type: "heatmap", x: g.times, y: days, z: c.z, colorscale: c.scale, zmin: c.zmin, zmax: c.zmax,
      hovertemplate: `%{y} %{x}: %{z:${c.fmt}}<extra></extra>`, colorbar: { tickformat: c.fmt, thickness: 12 },
    }], {
      margin: { l: 48, r: 8, t: 8, b: 56 },
      xaxis: { type: "category", nticks: 12, tickangle: -45 },
      yaxis: { autorange: "reversed", type: "category" },
    });
  }
  document.getElementById("content").dataset.rows = String(data.rows.length);
});
