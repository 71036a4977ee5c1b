/* Wallboard: per queue the contacts waiting, service level, speed of answer, abandonment and
   agents by state, with today's alerts and anomalies; refreshes itself every 15 s. */
"use strict";

const REFRESH_MS = 15000;
const SL_TARGET = 0.8;

function level(sl) {
  if (sl === null || sl === undefined) return "";
  if (sl >= SL_TARGET) return "good";
  return sl >= SL_TARGET - 0.1 ? "warn" : "bad";
}

function figure(label, value, cls, testid) {
  return SW.el("div", { class: "figure" }, [
    SW.el("span", { class: `value ${cls || ""}`, "data-testid": testid, text: value }),
    SW.el("span", { class: "label", text: SW.t(label) }),
  ]);
}

function queueTile(q) {
  const agents = q.agents || {};
  const waitClass = q.waiting === 0 ? "good" : (q.longest_wait_s || 0) > 60 ? "bad" : "warn";
  return SW.el("section", { class: "card tile", "data-queue": q.queue }, [
    SW.el("h2", { text: q.queue }),
    SW.el("div", { class: "big" }, [
      figure("waiting", String(q.waiting), waitClass, "waiting"),
      figure("sl_today", SW.pct(q.service_level_today), level(q.service_level_today), "sl-today"),
      figure("sl_interval", SW.pct(q.service_level_interval), level(q.service_level_interval), "sl-interval"),
    ]),
    SW.el("div", { class: "big" }, [
      SW.el("div", { class: "figure small" }, [
        SW.el("span", { class: "value", "data-testid": "asa", text: SW.secs(q.asa_s_today) }),
        SW.el("span", { class: "label", text: SW.t("asa") }),
      ]),
      SW.el("div", { class: "figure small" }, [
        SW.el("span", { class: "value", "data-testid": "abandon", text: SW.pct(q.abandon_rate_today) }),
        SW.el("span", { class: "label", text: `${SW.t("abandoned")} (${q.abandoned_today})` }),
      ]),
      SW.el("div", { class: "figure small" }, [
        SW.el("span", { class: "value", text: String(q.offered_today) }),
        SW.el("span", { class: "label", text: SW.t("offered") }),
      ]),
    ]),
    SW.el("div", { class: "agents-row" }, [
      figure("agents_available", String(agents.available || 0), "", "available"),
      figure("agents_on_contact", String(agents.on_contact || 0), "", "on-contact"),
      figure("agents_acw", String(agents.acw || 0), "", "acw"),
      figure("agents_break", String((agents.break || 0) + (agents.lunch || 0)), "", "break"),
    ]),
  ]);
}

function alertItems(alerts, anomalies, timezone) {
  const items = [];
  for (const a of anomalies) {
    items.push(SW.el("li", { class: Math.abs(a.score) >= 5 ? "high" : "", "data-kind": "anomaly" },
      `${SW.clock(a.interval_start)} · ${a.queue} · ${a.reason}`));
  }
  for (const a of alerts) {
    const when = SW.clockIn(a.at, timezone);
    const text = a.message;
    items.push(SW.el("li", { class: "high", "data-kind": "alert" }, `${when} · ${a.queue || a.team || ""} · ${text}`));
  }
  return items;
}

SW.start("wallboard", async (me) => {
  if (!(await SW.can("/v1/realtime"))) {
    const page = await SW.firstPage();
    if (!page) throw new SW.ApiError(403, SW.t("forbidden"));
    window.location.replace(page + window.location.search);
    return;
  }
  const canAlerts = await SW.can("/v1/alerts");
  const canAnomalies = await SW.can("/v1/anomalies");
  const content = document.getElementById("content");

  async function refresh() {
    const now = await SW.api("/v1/realtime", { at: SW.at(me.timezone) });
    const offset = now.at.slice(19);
    const dayStart = `${now.at.slice(0, 10)}T00:00:00${offset}`;
    const [alerts, anomalies] = await Promise.all([
      canAlerts ? SW.optional(SW.api("/v1/alerts", { since: dayStart, limit: 20 })) : null,
      canAnomalies ? SW.optional(SW.api("/v1/anomalies", { start: dayStart, end: now.at })) : null,
    ]).then(([a, n]) => [a || { alerts: [] }, n || { rows: [] }]);
    const flagged = anomalies.rows.filter((r) => r.is_anomaly).slice(-10).reverse();
    const items = alertItems(alerts.alerts.slice(0, 10), flagged, me.timezone);
    const agents = now.agents || {};
    content.replaceChildren(
      SW.el("div", { class: "status-line" }, [
        SW.el("strong", { text: SW.replaying() ? `${SW.t("replay")} ${SW.wall(now.at).replace("T", " ")}` : SW.t("live") }),
        SW.el("span", { class: "muted", text: `${SW.t("updated")} ${SW.clock(now.at)}` }),
        SW.el("span", { class: "muted", "data-testid": "centre-agents",
          text: `${SW.t("centre")}: ${SW.t("agents_available")} ${agents.available || 0} · ${SW.t("agents_on_contact")} ${agents.on_contact || 0} · ${SW.t("agents_acw")} ${agents.acw || 0}` }),
      ]),
      SW.el("div", { class: "tiles", id: "tiles" }, now.queues.map(queueTile)),
      SW.el("section", { class: "card alerts", id: "alerts" }, [
        SW.el("h2", { text: SW.t("alerts") }),
        items.length ? SW.el("ul", {}, items) : SW.el("p", { class: "muted", text: SW.t("no_alerts") }),
      ]),
    );
    document.body.dataset.refreshed = now.at;
  }

  await refresh();
  window.setInterval(() => refresh().catch(SW.fail), REFRESH_MS);
});
