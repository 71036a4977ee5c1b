/* Editing a roster (?roster=ID): its fairness table (weekend days, early starts and late ends
   of each agent against their team's mean) and a form that moves, shortens, adds or deletes a
   row; a published roster's edited agents are published again at once. */
"use strict";

function fairnessTable(report) {
  const rows = (report && report.fairness) || [];
  const against = (mine, team) => `${mine} (${SW.num(team, 1)})`;
  const columns = [
    { label: "agent", value: (a) => a.agent_id },
    { label: "team", value: (a) => a.team },
    { label: "weekend", numeric: true, value: (a) => against(a.weekend, a.team_weekend) },
    { label: "early", numeric: true, value: (a) => against(a.early, a.team_early) },
    { label: "late", numeric: true, value: (a) => against(a.late, a.team_late) },
  ];
  const wrap = SW.table(columns, rows, (a) => ({ "data-agent": a.agent_id }));
  wrap.id = "fairness";
  return SW.el("section", {}, [SW.el("h2", { text: SW.t("fairness") }), wrap]);
}

function editForm(rosterId, zone, redraw) {
  const input = (id, label, type) => SW.el("label", {}, [SW.t(label), SW.el("input", { id, name: id, type })]);
  const ops = SW.select("edit-op", ["change", "add", "delete"].map((o) => ({ value: o, label: SW.t(`op_${o}`) })), "change");
  const message = PEOPLE.status("edit-status");
  const form = SW.el("form", { id: "edit-form", class: "controls" }, [
    SW.el("label", {}, [SW.t("op"), ops]),
    input("edit-agent", "agent", "text"),
    input("edit-start", "row_start", "datetime-local"),
    input("edit-new-start", "new_start", "datetime-local"),
    input("edit-new-end", "new_end", "datetime-local"),
    input("edit-activity", "activity", "text"),
    input("edit-queue", "queue", "text"),
    SW.el("label", {}, [SW.el("input", { id: "edit-force", type: "checkbox" }), SW.t("force")]),
    SW.el("button", { type: "submit", id: "apply-edit", text: SW.t("apply") }),
  ]);
  const local = (id) => {
    const value = document.getElementById(id).value;
    return value ? `${value}:00` : null;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const op = document.getElementById("edit-op").value;
    const edit = { op, agent_id: document.getElementById("edit-agent").value, start: local("edit-start"),
      activity: document.getElementById("edit-activity").value || null,
      queue: document.getElementById("edit-queue").value || null };
    if (op === "add") edit.end = local("edit-new-end");
    if (op === "change") { edit.new_start = local("edit-new-start"); edit.new_end = local("edit-new-end"); }
    try {
      const offsetted = await withOffsets(edit, zone);
      await PEOPLE.send("PATCH", `/v1/rosters/${rosterId}/rows`,
        { edits: [offsetted], force: document.getElementById("edit-force").checked });
      message.textContent = SW.t("saved");
      message.dataset.saved = String(Date.now());
      await redraw();
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return SW.el("section", {}, [SW.el("h2", { text: SW.t("edit_row") }), form, message]);
}

/** The edit's local wall-clock times with the roster's zone offset at that moment. */
async function withOffsets(edit, zone) {
  const out = { ...edit };
  for (const name of ["start", "end", "new_start", "new_end"]) {
    const value = out[name];
    if (!value) { delete out[name]; continue; }
    const guess = new Date(`${value}Z`);
    const shown = new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(guess);
    const part = (type) => shown.find((p) => p.type === type).value;
    const wall = Date.parse(`${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}:00Z`);
    const minutes = Math.round((wall - guess.getTime()) / 60000);
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    out[name] = `${value}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  }
  return out;
}

SW.start("roster_edit", async (me) => {
  const rosterId = SW.param("roster");
  const content = document.getElementById("content");
  if (!rosterId) {
    content.append(SW.el("p", { class: "muted", text: SW.t("no_data") }));
    return;
  }
  const fairness = SW.el("div", { id: "fairness-part" });
  const redraw = async () => {
    const roster = await SW.api(`/v1/rosters/${rosterId}`);
    fairness.replaceChildren(fairnessTable(roster.report));
  };
  content.append(fairness, editForm(rosterId, me.timezone, redraw));
  await redraw();
});
