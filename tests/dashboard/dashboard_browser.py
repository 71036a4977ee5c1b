"""Helpers of the dashboard browser tests: the demo store's description, opening a page in
Chromium with a stored key, reading Plotly traces, screenshots and API calls."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from playwright.sync_api import Browser, ConsoleMessage, Page

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
KEY_STORAGE = "seatwise.key"
READY_TIMEOUT_MS = 30_000


@dataclass
class DemoStore:
    """What the pages are tested against: the store's URL, the rostered week, a replay instant
    inside it, and one key per role (agent a001; supervisor of a001's team)."""

    url: str
    mlflow_uri: str
    week_start: dt.date
    at: pd.Timestamp
    agents: list[dict[str, Any]]
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class OpenedPage:
    """A page with the console errors and uncaught exceptions it produced."""

    page: Page
    errors: list[str]


def open_page(
    browser: Browser, url: str, key: str | None, viewport: dict[str, int] = WALL
) -> OpenedPage:
    """Open `url` in a fresh context whose localStorage already holds `key`."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    if key is not None:
        context.add_init_script(f"window.localStorage.setItem({KEY_STORAGE!r}, {key!r});")
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    return OpenedPage(page, errors)


def screenshot(opened: OpenedPage, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    opened.page.screenshot(path=str(path), full_page=True)
    return path


def api(server: str, key: str, path: str, **params: Any) -> Any:
    """GET an API path with `key`; the JSON answer (fails the test on an error status)."""
    response = httpx.get(
        f"{server}{path}", params=params, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )
    response.raise_for_status()
    return response.json()


def load(browser: Browser, url: str, key: str | None, viewport: dict[str, int]) -> OpenedPage:
    """Open a page and wait until its script marked it drawn (or failed)."""
    opened = open_page(browser, url, key, viewport)
    opened.page.wait_for_selector(
        "body[data-ready='1'], body[data-state='error']", state="attached", timeout=READY_TIMEOUT_MS
    )
    assert opened.page.get_attribute("body", "data-state") != "error", opened.page.inner_text(
        "#main"
    )
    return opened


def trace_lengths(opened: OpenedPage, chart_id: str) -> dict[str, int]:
    """Points per trace (by its `meta` tag) of a Plotly graph div, summed over equal tags."""
    lengths: dict[str, int] = opened.page.evaluate(
        """(id) => {
            const out = {};
            for (const trace of document.getElementById(id).data) {
              const n = (trace.x || []).length;
              out[trace.meta] = (out[trace.meta] || 0) + n;
            }
            return out;
        }""",
        chart_id,
    )
    return lengths


def finish(opened: OpenedPage, name: str) -> None:
    """Screenshot the page, then check it logged no console error."""
    screenshot(opened, name)
    errors = list(opened.errors)
    opened.page.context.close()
    assert errors == [], errors
