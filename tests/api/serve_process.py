"""`seatwise serve` as its own process (group) over a given database, for tests that need a
real second process: killed with SIGKILL, or revoked-at from the test's process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SEATWISE = Path(sys.executable).with_name("seatwise")
STARTUP_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_process(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`seatwise serve` on a free port in a new process group; killed (group) on exit."""
    port = free_port()
    env = {
        **os.environ,
        "SEATWISE_DATABASE_URL": database_url,
        "SEATWISE_MLFLOW_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "SEATWISE_TIMEZONE": "UTC",
    }
    log = (tmp_path / f"serve-{port}.log").open("wb")
    server = subprocess.Popen(
        [str(SEATWISE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if server.poll() is not None:
                raise AssertionError(f"seatwise serve exited: {log.name}")
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"seatwise serve did not answer in {STARTUP_S} s")
            time.sleep(0.2)
        yield client, server
    finally:
        client.close()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
        log.close()
