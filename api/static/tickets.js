/* Tickets and quality: which queues resolve at the first contact, how long the rest take, what
   waits in the backlog, which categories need attention (drill to their tickets and contacts),
   and how the contacts score on script compliance, empathy and negative emotion.
   Reads GET /v1/tickets/kpis, /v1/tickets and /v1/quality/kpis. */
"use strict";

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

function setParams(values) {
  const url = new URL(window.location.href);
  for (const [name, value] of Object.entries(values)) {
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  }
  window.location.assign(url);
}

function figures(k, q) {
  const values = [
    ["tickets", SW.num(k.tickets)], ["fcr", SW.pct(k.first_contact_resolution)],
    ["resolution_rate", SW.pct(k.resolution_rate)], ["resolution_time", duration(k.resolution_s)],
    ["backlog", SW.num(k.backlog)], ["reopen_rate", SW.pct(k.reopen_rate)],
  ];
  if (q && q.evaluations) {
    values.push(["script_compliance", SW.pct(q.script_compliance)], ["empathy", SW.pct(q.empathy)],
      ["negative_emotion", SW.pct(q.negative_emotion_rate)]);
  }
  return SW.el("div", { class: "kpi-strip", id: "ticket-kpis" }, values.map(([label, value]) =>
    SW.el("div", { class: "figure", "data-kpi": label }, [
      SW.el("span", { class: "value", text: value }), SW.el("span", { class: "label", text: SW.t(label) }),
    ])));
}

const TICKET_COLUMNS = [
  { label: "tickets", numeric: true, value: (c) => SW.num(c.kpis.tickets) },
  { label: "fcr", numeric: true, value: (c) => SW.pct(c.kpis.first_contact_resolution) },
  { label: "resolution_time", numeric: true, value: (c) => duration(c.kpis.resolution_s) },
  { label: "backlog", numeric: true, value: (c) => SW.num(c.kpis.backlog) },
  { label: "reopen_rate", numeric: true, value: (c) => SW.pct(c.kpis.reopen_rate) },
];

function rootNode(me, queue) {
  if (queue) return { level: "queue", id: queue };
  if (me.role === "agent") return { level: "agent", id: me.agent_id };
  if (me.role === "supervisor") return { level: "team", id: SW.param("team", me.teams[0]) };
  return { level: "center" };
}

SW.start("tickets", async (me) => {
  const at = SW.at(me.timezone);
  const last = SW.param("end", SW.addDays(at.slice(0, 10), -1));
  const first = SW.param("start", SW.addDays(last, -6));
  const queue = SW.param("queue", "");
  const range = { start: `${first}T00:00:00`, end: `${SW.addDays(last, 1)}T00:00:00` };
  const from = SW.el("input", { type: "date", id: "from", value: first });
  const to = SW.el("input", { type: "date", id: "to", value: last });
  from.addEventListener("change", () => setParams({ start: from.value }));
  to.addEventListener("change", () => setParams({ end: to.value }));
  const controls = [SW.el("label", {}, [SW.t("start"), from]), SW.el("label", {}, [SW.t("end"), to])];
  if (queue) controls.push(SW.el("button", { type: "button", id: "all-queues", text: SW.t("all"), onclick: () => setParams({ queue: "" }) }));
  document.getElementById("controls").replaceChildren(...controls);
  const node = rootNode(me, queue);
  const [tickets, quality] = await Promise.all([
    SW.api("/v1/tickets/kpis", { ...range, ...node }),
    SW.optional(SW.api("/v1/quality/kpis", { ...range, ...node })),
  ]);
  const content = document.getElementById("content");
  if (!tickets.children.length && !tickets.categories.length) {
    content.replaceChildren(SW.empty("empty_tickets"));
    return;
  }
  const scores = new Map(((quality && quality.children) || []).map((c) => [c.id, c.kpis]));
  const title = node.id ? `${SW.t(`level_${node.level}`)} ${node.id}` : SW.t("centre");
  const childCard = SW.el("section", { class: "card", id: "children" }, [
    SW.el("h2", { text: SW.t("tickets_by") }),
    tickets.children.length ? SW.table([
      { label: `level_${tickets.children[0].level}`, value: (c) => c.id }, ...TICKET_COLUMNS,
      { label: "script_compliance", numeric: true, value: (c) => SW.pct((scores.get(c.id) || {}).script_compliance) },
      { label: "negative_emotion", numeric: true, value: (c) => SW.pct((scores.get(c.id) || {}).negative_emotion_rate) },
    ], tickets.children, (c) => ({
      "data-testid": "child-row", "data-id": c.id,
      class: c.level === "queue" ? "clickable" : null,
      onclick: c.level === "queue" ? () => setParams({ queue: c.id }) : null,
    })) : SW.el("p", { class: "muted", text: SW.t("no_data") }),
  ]);
  const list = SW.el("section", { class: "card", id: "ticket-list", hidden: true });
  const categories = SW.el("section", { class: "card", id: "categories" }, [
    SW.el("h2", { text: SW.t("categories") }),
    tickets.categories.length ? SW.table([{ label: "category", value: (c) => c.id }, ...TICKET_COLUMNS],
      tickets.categories, (c) => ({
        class: "clickable", "data-testid": "category-row", "data-id": c.id,
        onclick: () => showTickets(c).catch(SW.fail),
      })) : SW.el("p", { class: "muted", text: SW.t("no_data") }),
  ]);

  async function showTickets(category) {
    const data = await SW.api(category.url);
    list.hidden = false;
    list.replaceChildren(
      SW.el("h2", { text: `${SW.t("tickets")} · ${category.id}` }),
      SW.table([
        { label: "ticket", value: (r) => r.ticket_id },
        { label: "queue", value: (r) => r.queue },
        { label: "arrived", value: (r) => SW.wall(r.opened_at).replace("T", " ").slice(0, 16) },
        { label: "status", value: (r) => r.status },
        { label: "fcr", value: (r) => (r.first_contact_resolved ? "✓" : "") },
        { label: "resolution_time", numeric: true, value: (r) => duration(r.resolution_s) },
        { label: "agent", value: (r) => r.agent_id || "–" },
        { label: "contact", value: (r) => (r.contact ? r.contact.contact_id : "–") },
        { label: "handle", numeric: true, value: (r) => SW.secs(r.contact && r.contact.handle_s) },
        { label: "csat", numeric: true, value: (r) => SW.num(r.contact && r.contact.csat) },
      ], data.rows, () => ({ "data-testid": "ticket-row" })),
    );
    list.scrollIntoView({ block: "nearest" });
  }

  content.replaceChildren(
    SW.el("h2", { id: "node-title", text: `${title} · ${first} – ${last}` }),
    figures(tickets.kpis, quality && quality.kpis), childCard, categories, list,
  );
});
