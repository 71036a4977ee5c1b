"""`seatwise demo --speed N` serves a centre brought up to today and replays the rest of the
day through the API: contacts keep arriving, and agents on shift show non-zero adherence
against the published roster of the current week."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app

TZ = "Europe/Berlin"
START = "10:00"
SPEED = 120
STARTUP_S = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_demo_replays_today_live(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SEATWISE_DATABASE_URL": f"sqlite:///{tmp_path / 'seatwise.db'}",
        "SEATWISE_MLFLOW_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "SEATWISE_TIMEZONE": TZ,
    }
    command = [
        str(Path(sys.executable).parent / "seatwise"),
        *("demo", "--weeks", "2", "--agents", "16", "--time-limit", "5"),
        *("--from-time", START, "--speed", str(SPEED), "--port", str(port)),
    ]
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        admin = None
        while time.monotonic() < deadline and demo.poll() is None:
            text = Path(log.name).read_text()
            found = [
                line.split()[-1] for line in text.splitlines() if line.strip().startswith("admin ")
            ]
            if found and "Live at 120x" in " ".join(text.split()):
                admin = found[0]
                break
            time.sleep(2)
        assert admin is not None, Path(log.name).read_text()[-3000:]
        headers = {"Authorization": f"Bearer {admin}"}
        today = pd.Timestamp.now(tz=TZ).normalize()
        end_of_day = (today + pd.Timedelta(hours=23, minutes=59)).isoformat()

        def offered() -> int:
            for _ in range(60):
                try:
                    got = httpx.get(
                        f"{base}/v1/realtime", params={"at": end_of_day}, headers=headers
                    )
                    got.raise_for_status()
                    return sum(q["offered_today"] for q in got.json()["queues"])
                except httpx.HTTPError:
                    time.sleep(1)
            pytest.fail("the demo server does not answer")

        first = offered()
        time.sleep(20)
        later = offered()
        # 20 s at 120x replays 40 minutes of the morning: many more contacts
        assert later > first > 0
        adherence = httpx.get(
            f"{base}/v1/adherence", params={"date": today.date().isoformat()}, headers=headers
        ).json()
        schedule = httpx.get(
            f"{base}/v1/schedules",
            params={"start": today.isoformat(), "end": (today + pd.Timedelta(days=1)).isoformat()},
            headers=headers,
        ).json()
        cut = today + pd.Timedelta(hours=10)
        on_shift = {
            r["agent_id"]
            for r in schedule["rows"]
            if r["activity"] == "work" and pd.Timestamp(r["start"]) <= cut < pd.Timestamp(r["end"])
        }
        assert on_shift, "nobody rostered at 10:00 today"
        shares = {a["agent_id"]: a["adherence"] for a in adherence["agents"]}
        assert all((shares.get(a) or 0) > 0 for a in on_shift), shares
    finally:
        demo.terminate()
        demo.wait(timeout=30)
        log.close()


def test_from_time_must_be_a_clock_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SEATWISE_DATABASE_URL", f"sqlite:///{tmp_path / 'seatwise.db'}")
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--from-time", "25:99"])
    assert result.exit_code == 2
    assert "--from-time" in result.output and "HH:MM" in result.output
