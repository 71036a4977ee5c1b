/* The planner's and supervisor's inbox: time-off requests with the published work each would
   take away, accepted swaps with their coverage change, and (planners) re-planning a published
   week, its changes per agent and publishing it. */
"use strict";

async function workLost(request) {
  const end = SW.addDays(request.last_day, 1);
  const rows = (await SW.api(`/v1/agents/${request.agent_id}/schedule`, {
    start: `${request.first_day}T00:00:00`, end: `${end}T00:00:00` })).rows;
  const minutes = rows.filter((r) => r.activity === "work")
    .reduce((sum, r) => sum + (Date.parse(r.end) - Date.parse(r.start)) / 60000, 0);
  return `${SW.num(minutes / 60, 1)} ${SW.t("hours")}`;
}

function decideButtons(path, id, redraw) {
  const reason = SW.el("input", { type: "text", id: `reason-${id}`, placeholder: SW.t("reason") });
  const message = PEOPLE.status(`decided-${id}`);
  const decide = (approve) => async () => {
    if (!reason.value.trim()) { message.textContent = SW.t("reason_needed"); return; }
    try {
      await PEOPLE.send("POST", path, { approve, reason: reason.value.trim() });
      await redraw();
    } catch (error) {
      message.textContent = error.message;
    }
  };
  return SW.el("div", { class: "controls" }, [
    reason,
    SW.el("button", { type: "button", id: `approve-${id}`, text: SW.t("approve"), onclick: decide(true) }),
    SW.el("button", { type: "button", id: `deny-${id}`, text: SW.t("deny"), onclick: decide(false) }),
    message,
  ]);
}

async function requestsPart(redraw) {
  const page = await SW.api("/v1/time-off-requests", { state: ["pending", "waitlisted"] });
  const title = SW.el("h2", { text: SW.t("requests_to_decide") });
  if (!page.items.length) return [title, SW.el("p", { id: "requests", class: "muted", text: SW.t("nothing_to_decide") })];
  const lost = await Promise.all(page.items.map(workLost));
  const rows = page.items.map((r, i) => ({ ...r, lost: lost[i] }));
  const columns = [
    { label: "agent", value: (r) => r.agent_id },
    { label: "days", value: (r) => PEOPLE.days(r) },
    { label: "state", value: (r) => PEOPLE.stateLabel(r) },
    { label: "shift_lost", value: (r) => r.lost },
    { label: "note", value: (r) => r.note },
    { label: "reason", value: (r) => decideButtons(`/v1/time-off-requests/${r.id}/decision`, `r${r.id}`, redraw) },
  ];
  const wrap = SW.table(columns, rows, (r) => ({ "data-request": r.id }));
  wrap.id = "requests";
  return [title, wrap];
}

async function swapsPart(redraw) {
  const swaps = await SW.api("/v1/swaps", { state: ["accepted"] });
  if (!swaps.length) return [];
  const columns = [
    { label: "agent", value: (s) => `${s.from_agent} → ${s.taken_by}` },
    { label: "day", value: (s) => s.date },
    { label: "coverage_change", value: (s) => String((s.coverage_change || []).length) },
    { label: "reason", value: (s) => decideButtons(`/v1/swaps/${s.id}/decision`, `s${s.id}`, redraw) },
  ];
  return [SW.el("h2", { text: SW.t("swaps_to_decide") }), SW.table(columns, swaps)];
}

async function waitForJob(url) {
  for (;;) {
    const job = await SW.api(url);
    if (job.state === "done" || job.state === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function replanPart() {
  const input = SW.el("input", { type: "text", id: "replan-roster", value: SW.param("roster", "") });
  const message = PEOPLE.status("replan-status");
  const result = SW.el("div", { id: "replan-result" });
  const run = async () => {
    message.textContent = SW.t("replanning");
    result.replaceChildren();
    try {
      const accepted = await PEOPLE.send("POST", `/v1/rosters/${input.value.trim()}/replan`, {});
      const job = await waitForJob(accepted.url);
      if (job.state !== "done") throw new SW.ApiError(500, job.error || job.message);
      const changes = await SW.api(accepted.changes_url);
      const spans = (list) => list.map((s) => `${s.start.slice(0, 10)} ${SW.clock(s.start)}–${SW.clock(s.end)}`).join(", ");
      const columns = [
        { label: "agent", value: (c) => c.agent_id },
        { label: "changed_intervals", numeric: true, value: (c) => String(c.changed_intervals) },
        { label: "removed", value: (c) => spans(c.removed) },
        { label: "added", value: (c) => spans(c.added) },
      ];
      const table = SW.table(columns, changes, (c) => ({ "data-agent": c.agent_id }));
      table.id = "replan-changes";
      const publish = SW.el("button", { type: "button", id: "publish-replan", text: SW.t("publish"), onclick: async () => {
        await PEOPLE.send("POST", `/v1/rosters/${accepted.roster_id}/publish`);
        message.textContent = SW.t("published");
        message.dataset.published = accepted.roster_id;
      } });
      message.textContent = "";
      result.replaceChildren(SW.el("h3", { text: SW.t("changes") }), table, publish);
    } catch (error) {
      message.textContent = error.message;
    }
  };
  return SW.el("section", { id: "replan-part" }, [
    SW.el("h2", { text: SW.t("replan") }),
    SW.el("div", { class: "controls" }, [SW.el("label", {}, [SW.t("roster_id"), input]),
      SW.el("button", { type: "button", id: "start-replan", text: SW.t("start_replan"), onclick: run })]),
    message, result,
  ]);
}

SW.start("inbox", async () => {
  const content = document.getElementById("content");
  const decisions = SW.el("section", { id: "decisions" });
  const redraw = async () => {
    const parts = [...(await requestsPart(redraw)), ...(await swapsPart(redraw))];
    decisions.replaceChildren(...parts);
    document.body.dataset.drawn = String(Date.now());
  };
  content.append(decisions);
  if (await SW.can("/v1/rosters/{roster_id}/replan", "post")) content.append(replanPart());
  await redraw();
});
