/* The agent's workbench: my published week, a time-off request form, my requests and their
   state, and my leave balance. An agent's key shows only that agent. */
"use strict";

function weekTable(rows) {
  if (!rows.length) return SW.el("p", { id: "my-week", class: "muted", text: SW.t("no_shifts") });
  const columns = [
    { label: "day", value: (r) => r.date },
    { label: "activity", value: (r) => (r.queue ? `${SW.t(r.activity)}: ${r.queue}` : SW.t(r.activity)) },
    { label: "start", value: (r) => SW.clock(r.start) },
    { label: "end", value: (r) => SW.clock(r.end) },
  ];
  const wrap = SW.table(columns, rows, (r) => ({ "data-date": r.date }));
  wrap.id = "my-week";
  return wrap;
}

function requestForm(agentId, onSent) {
  const field = (id, label, type) => SW.el("label", {}, [SW.t(label), SW.el("input", { id, type, name: id })]);
  const message = PEOPLE.status("request-status");
  const form = SW.el("form", { id: "time-off-form", class: "controls" }, [
    field("first-day", "first_day", "date"),
    field("last-day", "last_day", "date"),
    field("start-time", "from_time", "time"),
    field("end-time", "to_time", "time"),
    field("note", "note", "text"),
    SW.el("button", { type: "submit", id: "send-request", text: SW.t("send_request") }),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (id) => document.getElementById(id).value || null;
    const body = { agent_id: agentId, first_day: value("first-day"), last_day: value("last-day"),
      start_time: value("start-time"), end_time: value("end-time"), note: value("note") || "" };
    try {
      await PEOPLE.send("POST", "/v1/time-off-requests", body);
      message.textContent = SW.t("sent");
      await onSent();
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return SW.el("section", {}, [SW.el("h2", { text: SW.t("request_time_off") }), form, message]);
}

async function requestsTable(agentId, redraw) {
  const page = await SW.api("/v1/time-off-requests", { agent_id: agentId });
  const columns = [
    { label: "days", value: (r) => PEOPLE.days(r) },
    { label: "state", value: (r) => SW.el("span", { class: `state-${r.state}`, text: PEOPLE.stateLabel(r) }) },
    { label: "reason", value: (r) => r.decision_reason || "" },
    { label: "cancel", value: (r) => (["pending", "waitlisted", "approved"].includes(r.state)
      ? SW.el("button", { type: "button", text: SW.t("cancel"), onclick: async () => {
        await PEOPLE.send("POST", `/v1/time-off-requests/${r.id}/cancel`); await redraw();
      } }) : "") },
  ];
  const wrap = SW.table(columns, page.items, (r) => ({ "data-request": r.id, "data-state": r.state }));
  wrap.id = "my-requests";
  return wrap;
}

SW.start("workbench", async (me) => {
  const content = document.getElementById("content");
  const agentId = me.agent_id || SW.param("agent");
  if (!agentId) {
    content.append(SW.el("p", { class: "muted", text: SW.t("forbidden") }));
    return;
  }
  const week = SW.param("week") || SW.monday(SW.at(me.timezone).slice(0, 10));
  const redraw = async () => {
    const [schedule, balance] = await Promise.all([
      SW.api(`/v1/agents/${agentId}/schedule`, { start: `${week}T00:00:00`, end: `${SW.addDays(week, 7)}T00:00:00` }),
      SW.optional(SW.api(`/v1/agents/${agentId}/time-off-balance`)),
    ]);
    const requests = await requestsTable(agentId, redraw);
    const news = (await SW.optional(SW.api(`/v1/agents/${agentId}/notifications`))) || [];
    document.getElementById("news-part").replaceChildren(
      SW.el("h2", { text: SW.t("notifications") }),
      SW.el("ul", { class: "plain", id: "notifications" }, news.map((n) =>
        SW.el("li", { "data-action": n.action, text: `${n.at.slice(0, 16).replace("T", " ")} · ${SW.t(`action_${n.action.replace(".", "_")}`)} · ${n.detail.state ? SW.t(`state_${n.detail.state}`) : ""}` }))));
    const left = balance ? `${SW.t("balance")}: ${SW.num(balance.remaining_minutes / 60, 1)} ${SW.t("hours")}` : "";
    document.getElementById("week-part").replaceChildren(
      SW.el("h2", { text: `${SW.t("my_week")} · ${week}` }), weekTable(schedule.rows));
    document.getElementById("requests-part").replaceChildren(
      SW.el("h2", { text: SW.t("my_requests") }), SW.el("p", { id: "balance", text: left }), requests);
    document.body.dataset.drawn = String(Date.now());
  };
  content.append(
    SW.el("section", { id: "week-part" }),
    requestForm(agentId, redraw),
    SW.el("section", { id: "requests-part" }),
    SW.el("section", { id: "news-part" }),
  );
  await redraw();
});
