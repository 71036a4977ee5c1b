/* Wallboard: per queue the contacts waiting, the longest wait, service level this interval and
   today (against the queue's channel standard), agents available / on contact / in after-call
   work; today's service level per interval and contacts waiting as charts; alerts and anomalies
   newest first, optionally spoken. Refreshes itself in place every 15 s (no redraw, no flicker).
   At phone width the same data becomes the supervisor's floor view: alerts pop up as in-page
   notifications with one-tap actions. */
"use strict";

const REFRESH_MS = 15000;
const MAX_ITEMS = 10;
const SPEAK_KEY = "seatwise.speak";

function level(sl, target) {
  if (sl === null || sl === undefined || target === null || target === undefined) return "";
  if (sl >= target) return "good";
  return sl >= target - 0.1 ? "warn" : "bad";
}

function waitLevel(q) {
  if (q.waiting === 0) return "good";
  return (q.longest_wait_s || 0) > q.threshold_s ? "bad" : "warn";
}

/** One figure: a value over its label; `update(text, cls)` changes it in place. */
function makeFigure(labelKey, testid, extraLabel) {
  const value = SW.el("span", { class: "value", "data-testid": testid, text: "–" });
  const label = SW.el("span", { class: "label", text: SW.t(labelKey) + (extraLabel || "") });
  const node = SW.el("div", { class: "figure", "data-figure": testid }, [value, label]);
  return {
    node,
    label,
    update(text, cls) {
      if (value.textContent !== text) value.textContent = text;
      const wanted = `value ${cls || ""}`.trim();
      if (value.className !== wanted) value.className = wanted;
    },
  };
}

function standardText(q) {
  const share = q.service_level_target === null ? "–" : `${Math.round(100 * q.service_level_target)}%`;
  const standard = SW.t("standard").replace("{share}", share).replace("{time}", SW.duration(q.threshold_s));
  return `${SW.t(`channel_${q.channel}`)} · ${standard}`;
}

function makeTile(q) {
  const f = {
    waiting: makeFigure("waiting", "waiting"),
    longest: makeFigure("longest_wait", "longest-wait"),
    slInterval: makeFigure("sl_interval", "sl-interval"),
    slToday: makeFigure("sl_today", "sl-today"),
    available: makeFigure("agents_available", "available"),
    onContact: makeFigure("agents_on_contact", "on-contact"),
    acw: makeFigure("agents_acw", "acw"),
    asa: makeFigure("asa", "asa"),
    abandon: makeFigure("abandoned", "abandon"),
    offered: makeFigure("offered", "offered"),
  };
  const standard = SW.el("span", { class: "standard", "data-testid": "standard" });
  const node = SW.el("section", { class: "card tile", "data-queue": q.queue }, [
    SW.el("h2", {}, [SW.el("span", { class: "queue-name", text: q.queue }), standard]),
    SW.el("div", { class: "figs figs-main" }, [f.waiting.node, f.longest.node, f.slInterval.node, f.slToday.node]),
    SW.el("div", { class: "figs figs-agents" }, [f.available.node, f.onContact.node, f.acw.node]),
    SW.el("div", { class: "figs figs-small" }, [f.asa.node, f.abandon.node, f.offered.node]),
  ]);
  return {
    node,
    update(q) {
      const agents = q.agents || {};
      if (standard.textContent !== standardText(q)) standard.textContent = standardText(q);
      f.waiting.update(String(q.waiting), waitLevel(q));
      f.longest.update(SW.duration(q.longest_wait_s), waitLevel(q));
      f.slInterval.update(SW.pct(q.service_level_interval), level(q.service_level_interval, q.service_level_target));
      f.slToday.update(SW.pct(q.service_level_today), level(q.service_level_today, q.service_level_target));
      f.available.update(String(agents.available || 0));
      f.onContact.update(String(agents.on_contact || 0));
      f.acw.update(String(agents.acw || 0));
      f.asa.update(SW.duration(q.asa_s_today));
      f.abandon.update(SW.pct(q.abandon_rate_today));
      f.abandon.label.textContent = `${SW.t("abandoned")} (${q.abandoned_today})`;
      f.offered.update(String(q.offered_today));
    },
  };
}

/** Alerts and flagged anomalies as one list, newest first (at most MAX_ITEMS). */
function alertEntries(alerts, anomalies) {
  const items = [];
  for (const a of anomalies) {
    items.push({
      id: `anomaly:${a.queue}:${a.interval_start}`, kind: "anomaly", at: a.interval_start,
      queue: a.queue, high: Math.abs(a.score) >= 5, text: `${a.queue} · ${a.reason}`,
    });
  }
  for (const a of alerts) {
    items.push({
      id: `alert:${a.alert_id}`, kind: "alert", alertId: a.alert_id, at: a.at, queue: a.queue,
      team: a.team, agent: a.agent_id, high: true, text: `${a.queue || a.team || ""} · ${a.message}`,
      acknowledged: Boolean(a.acknowledged_at),
    });
  }
  items.sort((x, y) => new Date(y.at) - new Date(x.at));
  return items.slice(0, MAX_ITEMS);
}

/* ---- spoken alerts (语音播报) ---- */
const speech = {
  on: localStorage.getItem(SPEAK_KEY) === "1",
  spoken: new Set(),
  primed: false,
  say(entry) {
    const text = SW.t("spoken_alert").replace("{text}", entry.text);
    if ("speechSynthesis" in window && window.SpeechSynthesisUtterance) {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = SW.lang() === "zh" ? "zh-CN" : "en-GB";
      window.speechSynthesis.speak(utterance);
      document.body.dataset.spoken = String(Number(document.body.dataset.spoken || 0) + 1);
    } else if (entry.alertId) {
      SW.audio(`/v1/alerts/${entry.alertId}/audio`, { lang: SW.lang() })
        .then((url) => new Audio(url).play())
        .catch((error) => { document.body.dataset.speechError = error.message; });
    }
  },
  /** Speak the entries not seen before (none on the first refresh: only what is new). */
  announce(entries) {
    const fresh = entries.filter((e) => !this.spoken.has(e.id));
    for (const e of fresh) this.spoken.add(e.id);
    if (this.primed && this.on) for (const e of fresh.reverse()) this.say(e);
    this.primed = true;
  },
};

function speechToggle() {
  const button = SW.el("button", { type: "button", id: "speak-toggle", class: "toggle", "aria-pressed": String(speech.on) });
  const draw = () => {
    button.textContent = SW.t(speech.on ? "speak_on" : "speak_off");
    button.setAttribute("aria-pressed", String(speech.on));
  };
  button.addEventListener("click", () => {
    speech.on = !speech.on;
    localStorage.setItem(SPEAK_KEY, speech.on ? "1" : "0");
    if (!speech.on && "speechSynthesis" in window) window.speechSynthesis.cancel();
    draw();
  });
  draw();
  return button;
}

/* ---- charts: today's service level per interval vs target, and contacts waiting ---- */
/** Today's intervals from the first one with contacts offered or waiting in any queue. */
function activeSpan(queues) {
  let first = Infinity;
  for (const q of queues) {
    const i = q.trend.findIndex((p) => p.offered > 0 || p.waiting > 0);
    if (i >= 0) first = Math.min(first, i);
  }
  return Number.isFinite(first) ? first : 0;
}

function drawCharts(queues, slDiv, waitDiv) {
  const from = activeSpan(queues);
  queues = queues.map((q) => ({ ...q, trend: q.trend.slice(from) }));
  const sl = [];
  const targets = new Map();
  const waiting = [];
  queues.forEach((q, i) => {
    const color = SW.COLORS[i % SW.COLORS.length];
    const x = q.trend.map((p) => SW.wall(p.interval_start));
    sl.push({
      x, y: q.trend.map((p) => p.service_level), name: q.queue, meta: `sl:${q.queue}`, type: "scatter",
      mode: "lines+markers", connectgaps: false, line: { color, width: 2 }, marker: { size: 4 },
    });
    if (q.service_level_target !== null) targets.set(q.service_level_target, x.length ? [x[0], x[x.length - 1]] : []);
    waiting.push({
      x, y: q.trend.map((p) => p.waiting), name: q.queue, meta: `waiting:${q.queue}`, type: "scatter",
      mode: "lines", line: { color, width: 2, shape: "hv" },
    });
  });
  for (const [target, x] of targets) {
    sl.push({
      x, y: x.map(() => target), name: `${SW.t("target")} ${Math.round(100 * target)}%`, meta: "target",
      mode: "lines", line: { color: "#94a3b8", dash: "dash", width: 1.5 }, hoverinfo: "name",
    });
  }
  const size = SW.chartFont();
  const dark = {
    font: { color: "#e5e7eb", family: "system-ui, 'Noto Sans SC', sans-serif", size },
    xaxis: { gridcolor: "#1f2a44", tickformat: "%H:%M", automargin: true },
    legend: { orientation: "h", y: -0.2, yanchor: "top" },
    margin: { l: 4 * size, r: size, t: 3.2 * size, b: 3 * size },
  };
  SW.plot(slDiv, sl, { ...dark, title: { text: SW.t("sl_by_interval") },
    yaxis: { tickformat: ".0%", range: [0, 1.05], gridcolor: "#1f2a44", automargin: true } });
  const most = Math.max(0, ...waiting.flatMap((t) => t.y));
  SW.plot(waitDiv, waiting, { ...dark, title: { text: SW.t("waiting_over_time") },
    yaxis: { range: [0, Math.max(4, 1.15 * most)], dtick: most < 8 ? 1 : null, gridcolor: "#1f2a44",
      automargin: true, title: { text: SW.t("contacts") } } });
}

/* ---- the supervisor's phone: alerts as in-page notifications with one-tap actions ---- */
function notification(entry, actions) {
  const buttons = [];
  if (entry.alertId && actions.canAck) {
    buttons.push(SW.el("button", { type: "button", class: "ack", "data-action": "ack", text: SW.t("acknowledge"),
      onclick: async (event) => {
        event.currentTarget.disabled = true;
        await SW.post(`/v1/alerts/${entry.alertId}/acknowledge`);
        card.remove();
        actions.dismissed.add(entry.id);
      } }));
  }
  if (entry.queue && actions.canDrill) {
    const url = new URL("/dashboard/drill", window.location.origin);
    url.searchParams.set("queue", entry.queue);
    const replay = SW.param("at");
    if (replay) url.searchParams.set("at", replay);
    buttons.push(SW.el("a", { class: "button-link", "data-action": "drill", href: url.pathname + url.search, text: SW.t("open_drill") }));
  }
  buttons.push(SW.el("button", { type: "button", "data-action": "who", text: SW.t("who_available"),
    onclick: () => actions.showAvailable(entry.queue) }));
  buttons.push(SW.el("button", { type: "button", class: "dismiss", "data-action": "dismiss", "aria-label": SW.t("dismiss"), text: "×",
    onclick: () => { card.remove(); actions.dismissed.add(entry.id); } }));
  const card = SW.el("div", { class: `toast ${entry.high ? "high" : ""}`, role: "status", "data-entry": entry.id }, [
    SW.el("p", { class: "toast-text", text: `${SW.clockIn(entry.at, actions.timezone)} · ${entry.text}` }),
    SW.el("div", { class: "toast-actions" }, buttons),
  ]);
  return card;
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
  const canAck = await SW.can("/v1/alerts/{alert_id}/acknowledge", "post");
  const canDrill = await SW.can("/v1/kpis");
  const canStates = await SW.can("/v1/realtime/agents");
  const phone = window.matchMedia("(max-width: 700px)");
  const content = document.getElementById("content");

  const mode = SW.el("strong", { "data-testid": "mode" });
  const updated = SW.el("span", { class: "muted", "data-testid": "updated" });
  const centre = SW.el("span", { class: "muted", "data-testid": "centre-agents" });
  const tilesBox = SW.el("div", { class: "tiles", id: "tiles" });
  const empty = SW.empty("empty_wallboard");
  empty.hidden = true;
  const alertList = SW.el("ul", { id: "alert-list" });
  const noAlerts = SW.el("p", { class: "muted", id: "no-alerts", text: SW.t("no_alerts") });
  const slChart = SW.el("div", { class: "chart wall-chart", id: "sl-chart" });
  const waitChart = SW.el("div", { class: "chart wall-chart", id: "waiting-chart" });
  const toasts = SW.el("div", { class: "toasts", id: "toasts", "aria-live": "polite" });
  const availableBox = SW.el("section", { class: "card available-list", id: "available-list", hidden: true });
  content.replaceChildren(
    SW.el("div", { class: "status-line" }, [mode, updated, centre, speechToggle()]),
    toasts,
    availableBox,
    SW.el("div", { class: "wall-grid" }, [
      SW.el("div", { class: "wall-queues" }, [empty, tilesBox]),
      SW.el("section", { class: "card alerts", id: "alerts" }, [SW.el("h2", { text: SW.t("alerts") }), noAlerts, alertList]),
    ]),
    SW.el("div", { class: "wall-charts" }, [
      SW.el("section", { class: "card" }, slChart),
      SW.el("section", { class: "card" }, waitChart),
    ]),
  );
  const tiles = new Map();
  let shownAlerts = "";
  const dismissed = new Set();

  async function showAvailable(queue) {
    availableBox.hidden = false;
    availableBox.replaceChildren(SW.el("h2", { text: `${SW.t("who_available")}${queue ? ` · ${queue}` : ""}` }),
      SW.el("p", { class: "muted", text: SW.t("loading") }));
    if (!canStates) {
      availableBox.replaceChildren(SW.el("p", { class: "muted", text: SW.t("forbidden") }));
      return;
    }
    const found = await SW.api("/v1/realtime/agents", { at: SW.at(me.timezone), queue });
    const free = found.agents.filter((a) => a.state === "available");
    availableBox.replaceChildren(
      SW.el("h2", { text: `${SW.t("who_available")}${queue ? ` · ${queue}` : ""} (${free.length})` }),
      free.length
        ? SW.el("ul", { class: "plain", "data-testid": "available-agents" }, free.map((a) =>
          SW.el("li", { text: `${a.name || a.agent_id} · ${a.team || ""} · ${SW.t("since")} ${SW.clockIn(a.since, me.timezone)}` })))
        : SW.el("p", { class: "muted", "data-testid": "available-agents", text: SW.t("nobody_available") }),
      SW.el("button", { type: "button", text: SW.t("close"), onclick: () => { availableBox.hidden = true; } }),
    );
  }

  async function refresh() {
    const now = await SW.api("/v1/realtime", { at: SW.at(me.timezone) });
    const offset = now.at.slice(19);
    const dayStart = `${now.at.slice(0, 10)}T00:00:00${offset}`;
    const [alerts, anomalies] = await Promise.all([
      canAlerts ? SW.optional(SW.api("/v1/alerts", { since: dayStart, limit: 20 })) : null,
      canAnomalies ? SW.optional(SW.api("/v1/anomalies", { start: dayStart, end: now.at })) : null,
    ]).then(([a, n]) => [a || { alerts: [] }, n || { rows: [] }]);
    const agents = now.agents || {};
    mode.textContent = SW.replaying() ? `${SW.t("replay")} ${SW.wall(now.at).replace("T", " ")}` : SW.t("live");
    updated.textContent = `${SW.t("updated")} ${SW.clock(now.at)}`;
    centre.textContent = `${SW.t("centre")}: ${SW.t("agents_available")} ${agents.available || 0} · ${SW.t("agents_on_contact")} ${agents.on_contact || 0} · ${SW.t("agents_acw")} ${agents.acw || 0}`;
    empty.hidden = now.queues.some((q) => q.offered_today > 0 || q.waiting > 0);
    const seen = new Set();
    for (const q of now.queues) {
      seen.add(q.queue);
      if (!tiles.has(q.queue)) {
        tiles.set(q.queue, makeTile(q));
        tilesBox.append(tiles.get(q.queue).node);
      }
      tiles.get(q.queue).update(q);
    }
    for (const [name, tile] of tiles) {
      if (!seen.has(name)) {
        tile.node.remove();
        tiles.delete(name);
      }
    }
    const flagged = anomalies.rows.filter((r) => r.is_anomaly);
    const entries = alertEntries(alerts.alerts, flagged);
    const signature = entries.map((e) => e.id).join("|");
    if (signature !== shownAlerts) {
      alertList.replaceChildren(...entries.map((e) => SW.el("li", {
        class: e.high ? "high" : "", "data-kind": e.kind, "data-entry": e.id,
      }, `${SW.clockIn(e.at, me.timezone)} · ${e.text}`)));
      shownAlerts = signature;
    }
    noAlerts.hidden = entries.length > 0;
    speech.announce(entries);
    if (phone.matches) {
      const fresh = entries.filter((e) => e.kind === "alert" && !e.acknowledged && !dismissed.has(e.id)
        && !toasts.querySelector(`[data-entry="${CSS.escape(e.id)}"]`));
      for (const e of fresh.slice(0, 3).reverse()) {
        toasts.prepend(notification(e, { canAck, canDrill, dismissed, showAvailable, timezone: me.timezone }));
      }
    }
    if (window.Plotly) drawCharts(now.queues, slChart, waitChart);
    document.body.dataset.refreshed = now.at;
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  }

  await refresh();
  const every = Number(SW.param("refresh_ms", REFRESH_MS));
  window.setInterval(() => refresh().catch(SW.fail), every);
});
