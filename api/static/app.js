/* Shared dashboard code: sign-in, API calls with the user's key, roles, language, formatting. */
"use strict";

const SW = (() => {
  const KEY = "seatwise.key";
  const LANG = "seatwise.lang";
  const PAGES = [
    { page: "wallboard", href: "/", api: "/v1/realtime" },
    { page: "forecast", href: "/dashboard/forecast", api: "/v1/forecasts" },
    { page: "heatmaps", href: "/dashboard/heatmaps", api: "/v1/intervals" },
    { page: "roster", href: "/dashboard/roster", api: "/v1/schedules" },
    { page: "agent", href: "/dashboard/agent", api: "/v1/agents/{agent_id}/schedule" },
    { page: "drill", href: "/dashboard/drill", api: "/v1/kpis" },
    { page: "capacity", href: "/dashboard/capacity", api: "/v1/capacity-plans" },
    { page: "tickets", href: "/dashboard/tickets", api: "/v1/tickets/kpis" },
    { page: "ask", href: "/dashboard/ask", api: "/v1/ask" },
  ];
  let mePromise = null;
  let specPromise = null;

  function lang() {
    return localStorage.getItem(LANG) === "zh" ? "zh" : "en";
  }

  function t(key) {
    const strings = window.SEATWISE_STRINGS[lang()];
    return key in strings ? strings[key] : window.SEATWISE_STRINGS.en[key] || key;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "onclick") node.addEventListener("click", value);
      else if (name === "onchange") node.addEventListener("change", value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of [].concat(children || [])) {
      if (child !== null && child !== undefined) {
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
    }
    return node;
  }

  function applyI18n(root) {
    document.documentElement.lang = lang() === "zh" ? "zh-Hans" : "en";
    for (const node of (root || document).querySelectorAll("[data-i18n]")) {
      node.textContent = t(node.dataset.i18n);
    }
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(typeof detail === "string" ? detail : JSON.stringify(detail));
      this.status = status;
    }
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params || {})) {
      if (value === null || value === undefined || value === "") continue;
      for (const item of [].concat(value)) search.append(name, item);
    }
    const text = search.toString();
    return text ? `?${text}` : "";
  }

  async function api(path, params) {
    const response = await fetch(path + query(params), {
      headers: { Authorization: `Bearer ${localStorage.getItem(KEY) || ""}` },
    });
    if (response.status === 401) {
      localStorage.removeItem(KEY);
      showLogin(t("bad_key"));
      throw new ApiError(401, t("bad_key"));
    }
    const json = (response.headers.get("content-type") || "").includes("json");
    const body = json ? await response.json() : { detail: `${response.status} ${await response.text()}` };
    if (!response.ok) throw new ApiError(response.status, body.detail);
    return body;
  }

  /** POST to an API path with the user's key (no body); the JSON answer. */
  async function post(path, params) {
    const response = await fetch(path + query(params), {
      method: "POST", headers: { Authorization: `Bearer ${localStorage.getItem(KEY) || ""}` },
    });
    const body = await response.json();
    if (!response.ok) throw new ApiError(response.status, body.detail);
    return body;
  }

  /** An object URL of a binary API answer (audio), fetched with the user's key. */
  async function audio(path, params) {
    const response = await fetch(path + query(params), {
      headers: { Authorization: `Bearer ${localStorage.getItem(KEY) || ""}` },
    });
    if (!response.ok) throw new ApiError(response.status, await response.text());
    return URL.createObjectURL(await response.blob());
  }

  function me() {
    mePromise = mePromise || api("/v1/me");
    return mePromise;
  }

  function spec() {
    specPromise = specPromise || fetch("/openapi.json").then((r) => r.json());
    return specPromise;
  }

  /** True when the caller's role may call `method path` (read from the OpenAPI x-roles). */
  async function can(path, method) {
    const [who, doc] = await Promise.all([me(), spec()]);
    const operation = ((doc.paths || {})[path] || {})[method || "get"];
    return Boolean(operation && (operation["x-roles"] || []).includes(who.role));
  }

  /** The first page the caller's role may open (null when none). */
  async function firstPage() {
    for (const item of PAGES) {
      if (await can(item.api)) return item.href;
    }
    return null;
  }

  function showLogin(message) {
    const box = document.getElementById("login");
    if (!box) return;
    box.hidden = false;
    box.querySelector(".login-message").textContent = message || t("login_hint");
    document.getElementById("main").hidden = true;
  }

  function buildLogin() {
    const input = el("input", {
      type: "password", id: "login-key", autocomplete: "off", "aria-label": t("login_key"),
      placeholder: "sw_…",
    });
    const form = el("form", { class: "login-form" }, [
      el("h1", { text: t("login_title") }),
      el("p", { class: "login-message", text: t("login_hint") }),
      el("label", { for: "login-key", text: t("login_key") }),
      input,
      el("button", { type: "submit", text: t("login_submit") }),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      localStorage.setItem(KEY, input.value.trim());
      window.location.reload();
    });
    return el("section", { id: "login", class: "login", hidden: true }, form);
  }

  async function buildHeader(current) {
    const header = document.getElementById("top");
    const nav = el("nav", { class: "nav", "aria-label": "pages" });
    const tools = el("div", { class: "tools" }, [
      el("button", {
        type: "button", id: "lang-toggle", text: t("language"),
        onclick: () => {
          localStorage.setItem(LANG, lang() === "zh" ? "en" : "zh");
          window.location.reload();
        },
      }),
      el("button", {
        type: "button", id: "sign-out", text: t("sign_out"),
        onclick: () => {
          localStorage.removeItem(KEY);
          window.location.reload();
        },
      }),
    ]);
    header.replaceChildren(el("a", { class: "brand", href: "/", text: t("brand") }), nav, tools);
    header.after(buildLogin());
    if (!localStorage.getItem(KEY)) return null;
    const who = await me();
    for (const item of PAGES) {
      if (await can(item.api)) {
        nav.append(el("a", {
          href: item.href, "data-i18n": `nav_${item.page}`, text: t(`nav_${item.page}`),
          class: item.page === current ? "current" : null,
          "aria-current": item.page === current ? "page" : null,
        }));
      }
    }
    tools.prepend(el("span", { class: "who", text: who.agent_id || who.teams.join(", ") || who.role }));
    if (current !== "ask" && (await can("/v1/ask"))) header.insertBefore(askBox(), tools);
    return who;
  }

  /** The question box in the header: opens the answer page (keeping a replay's ?at=). */
  function askBox() {
    const input = el("input", {
      type: "search", id: "ask-input", name: "q", "aria-label": t("ask_title"),
      placeholder: t("ask_placeholder"), autocomplete: "off",
    });
    const form = el("form", { class: "ask-box", id: "ask-box", role: "search" }, [
      input, el("button", { type: "submit", text: t("ask_go") }),
    ]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!input.value.trim()) return;
      const url = new URL("/dashboard/ask", window.location.origin);
      url.searchParams.set("q", input.value.trim());
      const replay = new URLSearchParams(window.location.search).get("at");
      if (replay) url.searchParams.set("at", replay);
      window.location.assign(url);
    });
    return form;
  }

  /** Run a page: header, sign-in, then `render(me)`; marks body[data-ready] when drawn. */
  async function start(page, render) {
    applyI18n();
    try {
      const who = await buildHeader(page);
      if (!who) {
        showLogin();
        return;
      }
      const entry = PAGES.find((item) => item.page === page);
      if (entry && !(await can(entry.api)) && page !== "wallboard") {
        throw new ApiError(403, t("forbidden"));
      }
      await render(who);
      applyI18n();
      document.body.dataset.ready = "1";
    } catch (error) {
      fail(error);
    }
  }

  /** `promise`'s answer, or null when it fails: a part of the page that may be missing
      (the failure is shown in a note, the rest of the page still draws). */
  function optional(promise) {
    return promise.catch((error) => {
      if (error instanceof ApiError && error.status === 401) throw error;
      const note = document.getElementById("note") || el("p", { id: "note", class: "muted", role: "status" });
      note.textContent = `${t("load_error")}: ${error.message}`;
      document.getElementById("main").append(note);
      return null;
    });
  }

  /** The empty state of a view: what is missing and how to get it (i18n key `key`). */
  function empty(key) {
    return el("p", { class: "empty", "data-testid": "empty", "data-empty": key, role: "status", text: t(key) });
  }

  function fail(error) {
    if (error instanceof ApiError && error.status === 401) return;
    const text = error instanceof ApiError && error.status === 403 ? t("forbidden") : `${t("load_error")}: ${error.message}`;
    const banner = document.getElementById("error") || el("div", { id: "error", class: "error", role: "alert" });
    banner.textContent = text;
    document.getElementById("main").prepend(banner);
    document.body.dataset.state = "error";
  }

  /* ---- time: the site's wall clock, as naive "YYYY-MM-DDTHH:MM:SS" strings ---- */
  function wallNow(timezone) {
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date());
    const part = Object.fromEntries(parts.map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}`;
  }

  const LOADED_MS = Date.now();

  /** The reference instant: ?at= in the URL (replay; with ?speed=N it runs N times faster
      than the wall clock from the page's loading, as the demo's live feed does) or the site's
      clock now. */
  function at(timezone) {
    const search = new URLSearchParams(window.location.search);
    const given = search.get("at");
    if (!given) return wallNow(timezone);
    const speed = Number(search.get("speed") || 0);
    if (!(speed > 0)) return wall(given);
    const moved = Date.parse(`${wall(given)}Z`) + (Date.now() - LOADED_MS) * speed;
    return new Date(moved).toISOString().slice(0, 19);
  }

  function replaying() {
    return new URLSearchParams(window.location.search).has("at");
  }

  function param(name, fallback) {
    return new URLSearchParams(window.location.search).get(name) || fallback;
  }

  /** The wall-clock part of an ISO instant (its offset dropped: times are the site's). */
  function wall(iso) {
    return iso ? String(iso).slice(0, 19) : iso;
  }

  function addDays(day, days) {
    const [y, m, d] = day.slice(0, 10).split("-").map(Number);
    return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
  }

  function weekday(day) {
    const [y, m, d] = day.slice(0, 10).split("-").map(Number);
    return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
  }

  function monday(day) {
    return addDays(day, -weekday(day));
  }

  /* ---- formatting ---- */
  function pct(x) {
    return x === null || x === undefined ? "–" : `${(100 * x).toFixed(1)}%`;
  }
  function secs(x) {
    return x === null || x === undefined ? "–" : `${Math.round(x)} s`;
  }
  /** Seconds as the unit a reader takes in at a glance: "45 s", "12 min", "2 h 05". */
  function duration(x) {
    if (x === null || x === undefined) return "–";
    const s = Math.round(x);
    if (s < 120) return `${s} s`;
    if (s < 3600) return `${Math.round(s / 60)} min`;
    const h = Math.floor(s / 3600);
    return `${h} h ${String(Math.round((s - 3600 * h) / 60)).padStart(2, "0")}`;
  }
  /** Chart font size that follows the root font size (wall screens scale it up), px. */
  function chartFont() {
    return Math.round(0.8 * parseFloat(getComputedStyle(document.documentElement).fontSize));
  }
  function num(x, digits) {
    return x === null || x === undefined ? "–" : Number(x).toFixed(digits || 0);
  }
  function clock(iso) {
    return iso ? wall(iso).slice(11, 16) : "–";
  }
  /** HH:MM of an instant on `timezone`'s wall clock, whatever offset the text carries. */
  function clockIn(iso, timezone) {
    if (!iso) return "–";
    return new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .format(new Date(iso));
  }

  function table(columns, rows, rowAttrs) {
    const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.numeric ? "num" : null, text: t(c.label) })));
    const body = rows.map((row, i) => el("tr", rowAttrs ? rowAttrs(row, i) : {},
      columns.map((c) => el("td", { class: c.numeric ? "num" : null }, c.value(row)))));
    return el("div", { class: "table-wrap" }, el("table", {}, [el("thead", {}, head), el("tbody", {}, body)]));
  }

  const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#dc2626", "#4b5563"];

  function plot(div, traces, layout) {
    const base = {
      margin: { l: 56, r: 16, t: 36, b: 44 },
      font: { family: "system-ui, 'Noto Sans SC', sans-serif", size: 13 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      legend: { orientation: "h", y: -0.18 },
      colorway: COLORS,
    };
    return Plotly.react(div, traces, { ...base, ...layout }, { responsive: true, displaylogo: false });
  }

  function select(id, options, value, onchange) {
    const node = el("select", { id, onchange }, options.map((o) =>
      el("option", { value: o.value, selected: o.value === value ? true : null, text: o.label })));
    return node;
  }

  return {
    t, el, empty, lang, applyI18n, api, post, audio, duration, chartFont, me, can, firstPage, start, optional, fail, at, replaying, param, wall, wallNow,
    addDays, weekday, monday, pct, secs, num, clock, clockIn, table, plot, select, COLORS, ApiError,
  };
})();
