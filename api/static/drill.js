/* Drill-down: centre → queue → team → agent (GET /v1/kpis and its links) → hour intervals of
   the agent → the contacts behind one interval (GET /v1/contacts). */
"use strict";

const NEXT = { center: "level_queue", queue: "level_team", team: "level_agent", agent: "level_interval" };

function kpiStrip(k) {
  const values = [
    ["offered", SW.num(k.offered)], ["handled", SW.num(k.handled)], ["sl_today", SW.pct(k.service_level)],
    ["asa", SW.secs(k.asa_s)], ["aht", SW.secs(k.aht_s)], ["abandon_rate", SW.pct(k.abandon_rate)],
  ];
  if (k.occupancy !== null && k.occupancy !== undefined) values.push(["occupancy", SW.pct(k.occupancy)]);
  return SW.el("div", { class: "kpi-strip" }, values.map(([label, value]) => SW.el("div", { class: "figure" }, [
    SW.el("span", { class: "value", text: value }),
    SW.el("span", { class: "label", text: label === "sl_today" ? SW.t("service_level") : SW.t(label) }),
  ])));
}

const KPI_COLUMNS = [
  { label: "offered", numeric: true, value: (c) => SW.num(c.kpis.offered) },
  { label: "handled", numeric: true, value: (c) => SW.num(c.kpis.handled) },
  { label: "service_level", numeric: true, value: (c) => SW.pct(c.kpis.service_level) },
  { label: "asa", numeric: true, value: (c) => SW.secs(c.kpis.asa_s) },
  { label: "aht", numeric: true, value: (c) => SW.secs(c.kpis.aht_s) },
  { label: "abandon_rate", numeric: true, value: (c) => SW.pct(c.kpis.abandon_rate) },
];

function hourBuckets(contacts) {
  const buckets = new Map();
  for (const c of contacts) {
    const hour = `${SW.wall(c.arrived_at).slice(0, 13)}:00:00`;
    if (!buckets.has(hour)) buckets.set(hour, []);
    buckets.get(hour).push(c);
  }
  return [...buckets.entries()].sort().map(([hour, items]) => {
    const handled = items.filter((c) => !c.abandoned && c.answered_at);
    const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    return {
      hour, offered: items.length, handled: handled.length,
      aht: mean(handled.map((c) => c.handle_s).filter((x) => x !== null)),
      wait: mean(items.map((c) => c.wait_s).filter((x) => x !== null)),
    };
  });
}

SW.start("drill", async (me) => {
  const at = SW.at(me.timezone);
  const day = SW.param("day", at.slice(0, 10));
  const start = `${day}T00:00:00`;
  const end = day === at.slice(0, 10) ? at : `${SW.addDays(day, 1)}T00:00:00`;
  const dayInput = SW.el("input", { type: "date", id: "day", value: day });
  dayInput.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("day", dayInput.value);
    window.location.assign(url);
  });
  document.getElementById("controls").replaceChildren(SW.el("label", {}, [SW.t("day"), dayInput]));
  const content = document.getElementById("content");
  const trail = [];

  async function rootNode() {
    if (me.role === "agent") {
      return { label: SW.t("level_agent"), load: () => SW.api("/v1/kpis", { level: "agent", id: me.agent_id, start, end }) };
    }
    if (me.role === "supervisor") {
      return {
        label: SW.t("team"),
        load: async () => {
          const teams = await Promise.all(me.teams.map((team) => SW.api("/v1/kpis", { level: "team", id: team, start, end })));
          return { level: "teams", id: null, kpis: teams[0] ? teams[0].kpis : {},
            children: teams.map((t) => ({ level: "team", id: t.id, kpis: t.kpis, url: null, node: t })) };
        },
      };
    }
    return { label: SW.t("level_center"), load: () => SW.api("/v1/kpis", { level: "center", start, end }) };
  }

  function crumbs() {
    return SW.el("nav", { class: "breadcrumbs", id: "breadcrumbs", "aria-label": "drill-down path" },
      trail.flatMap((node, i) => [
        i ? SW.el("span", { class: "sep", text: "›" }) : null,
        SW.el("button", { type: "button", "data-level": node.level || "", text: node.label,
          onclick: () => { trail.splice(i + 1); show().catch(SW.fail); } }),
      ]));
  }

  async function showContacts(node) {
    const data = await SW.api("/v1/contacts", { agent_id: node.agent, start: node.start, end: node.end, limit: 5000 });
    content.replaceChildren(crumbs(), SW.el("section", { class: "card", id: "contacts", "data-count": String(data.rows.length) }, [
      SW.el("h2", { text: `${SW.t("contacts")} · ${node.label}` }),
      SW.table([
        { label: "contact", value: (c) => c.contact_id },
        { label: "queue", value: (c) => c.queue },
        { label: "arrived", value: (c) => SW.wall(c.arrived_at).slice(11) },
        { label: "wait", numeric: true, value: (c) => SW.secs(c.wait_s) },
        { label: "handle", numeric: true, value: (c) => SW.secs(c.handle_s) },
        { label: "abandoned", value: (c) => (c.abandoned ? "✓" : "") },
        { label: "csat", numeric: true, value: (c) => SW.num(c.csat) },
      ], data.rows, () => ({ "data-testid": "contact-row" })),
    ]));
  }

  async function showAgent(node, kpis) {
    const data = await SW.api("/v1/contacts", { agent_id: node.id, start, end, limit: 5000 });
    const hours = hourBuckets(data.rows);
    const chart = SW.el("div", { class: "chart short", id: "interval-chart" });
    content.replaceChildren(crumbs(), kpiStrip(kpis.kpis), SW.el("section", { class: "card", id: "intervals" }, [
      SW.el("h2", { text: `${SW.t("intervals")} · ${node.id}` }),
      chart,
      SW.table([
        { label: "level_interval", value: (h) => h.hour.slice(11, 16) },
        { label: "offered", numeric: true, value: (h) => SW.num(h.offered) },
        { label: "handled", numeric: true, value: (h) => SW.num(h.handled) },
        { label: "aht", numeric: true, value: (h) => SW.secs(h.aht) },
        { label: "wait", numeric: true, value: (h) => SW.secs(h.wait) },
      ], hours, (h) => ({
        class: "clickable", "data-testid": "interval-row", "data-id": h.hour,
        onclick: () => {
          const next = `${h.hour.slice(0, 11)}${String(Number(h.hour.slice(11, 13)) + 1).padStart(2, "0")}:00:00`;
          trail.push({ level: "interval", label: `${node.id} ${h.hour.slice(11, 16)}`, agent: node.id,
            start: h.hour, end: next.slice(11, 13) === "24" ? `${SW.addDays(h.hour, 1)}T00:00:00` : next });
          show().catch(SW.fail);
        },
      })),
    ]));
    await SW.plot(chart, [{ type: "bar", meta: "intervals", name: SW.t("offered"),
      x: hours.map((h) => h.hour), y: hours.map((h) => h.offered), marker: { color: "#2563eb" } }],
    { xaxis: { type: "date", tickformat: "%H:%M" }, yaxis: { rangemode: "tozero" }, showlegend: false });
  }

  async function show() {
    const node = trail[trail.length - 1];
    if (node.level === "interval") return showContacts(node);
    const kpis = await node.load();
    if (kpis.level === "agent") return showAgent({ id: kpis.id }, kpis);
    const children = kpis.children;
    const childLevel = children.length ? children[0].level : null;
    content.replaceChildren(crumbs(), kpiStrip(kpis.kpis), SW.el("section", { class: "card", id: "children", "data-level": childLevel || "" }, [
      SW.el("h2", { text: SW.t(NEXT[kpis.level] || "level_team") }),
      children.length ? SW.table([{ label: NEXT[kpis.level] || "level_team", value: (c) => c.id }, ...KPI_COLUMNS], children, (c) => ({
        class: "clickable", "data-testid": "child-row", "data-level": c.level, "data-id": c.id,
        onclick: () => {
          trail.push({ level: c.level, label: c.id, load: () => (c.node ? Promise.resolve(c.node) : SW.api(c.url)) });
          show().catch(SW.fail);
        },
      })) : SW.empty("empty_drill"),
    ]));
  }

  const root = await rootNode();
  trail.push({ level: "root", label: root.label, load: root.load });
  const queue = SW.param("queue");
  if (queue && me.role !== "agent") {
    // Opened from an alert (the supervisor's phone): start at that queue.
    trail.push({ level: "queue", label: queue, load: () => SW.api("/v1/kpis", { level: "queue", id: queue, start, end }) });
  }
  await show();
});
