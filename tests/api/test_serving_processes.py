"""Several real ``seatwise serve`` processes over one database agree on shared state.

Server A is ``seatwise serve --workers 2`` (two worker processes behind one port), server B a
second ``seatwise serve --workers 1`` on another port (another machine behind a load
balancer). A key revoked through the CLI (a third process) is refused by the next request to
either; a contact posted through B shows in A's KPIs on A's next request, whichever worker
answers it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.app import migrate_database
from api.auth import KeyCache
from api.security import make_key
from features.store.engine import release_engine, shared_engine
from features.store.service_store import ServiceStore
from tests.api.test_serving_read_cache import AGENTS, RANGE, _contact

SEATWISE = Path(sys.executable).with_name("seatwise")
START_TIMEOUT_S = 300.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Worker processes uvicorn spawned under `pid` (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def _start(url: str, port: int, workers: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SEATWISE_DATABASE_URL": url,
        "SEATWISE_MLFLOW_URI": f"sqlite:///{tmp / 'mlflow.db'}",
        "SEATWISE_TIMEZONE": "UTC",
    }
    command = [str(SEATWISE), "serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(
        command,
        env=env,
        cwd=tmp,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_ready(server: subprocess.Popen[bytes], base: str, workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"seatwise serve exited with {server.returncode}"
        try:
            ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready and len(_children(server.pid)) >= (workers if workers > 1 else 0):
            return
        time.sleep(0.5)
    pytest.fail(f"seatwise serve at {base} not ready within {START_TIMEOUT_S:.0f} s")


@pytest.fixture
def servers(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[str, str, subprocess.Popen[bytes]]]:
    """(base URL of A, base URL of B, A's process), both over `database_url`."""
    migrate_database(shared_engine(database_url))
    release_engine(database_url)
    ports = (_free_port(), _free_port())
    started = [
        _start(database_url, ports[0], 2, tmp_path),
        _start(database_url, ports[1], 1, tmp_path),
    ]
    try:
        bases = tuple(f"http://127.0.0.1:{p}" for p in ports)
        _wait_ready(started[0], bases[0], 2)
        _wait_ready(started[1], bases[1], 1)
        yield bases[0], bases[1], started[0]
    finally:
        for server in started:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
        for server in started:
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


def _key(url: str, role: str) -> tuple[str, str]:
    new = make_key()
    ServiceStore(shared_engine(url)).add_key(new.key_id, new.key_hash, role, None, [])
    return new.key_id, new.key


def _assign(base: str, key: str) -> int:
    body = {
        "contacts": [{"contact_id": "c-1", "queue": "billing", "wait_s": 3}],
        "agents": [{"agent_id": "a1"}],
    }
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.post(
        f"{base}/v1/routing/assign", json=body, headers=headers, timeout=30
    ).status_code


def test_revocation_and_writes_hold_across_processes(
    servers: tuple[str, str, subprocess.Popen[bytes]], database_url: str
) -> None:
    a, b, server_a = servers
    assert len(_children(server_a.pid)) == 2
    _, admin = _key(database_url, "admin")
    doomed_id, doomed = _key(database_url, "admin")
    routing_id, routing = _key(database_url, "routing")
    admin_h = {"Authorization": f"Bearer {admin}"}
    doomed_h = {"Authorization": f"Bearer {doomed}"}
    with httpx.Client(timeout=60) as client:
        assert client.put(f"{b}/v1/agents", json=AGENTS, headers=admin_h).status_code == 200
        first = [_contact("c1", "billing", 1, "a1"), _contact("c2", "sales", 2, "b1")]
        assert client.post(f"{b}/v1/contacts", json=first, headers=admin_h).status_code == 200

        # Every worker of A answers (and caches) the KPIs; then B stores one more contact.
        for _ in range(6):
            kpis = client.get(f"{a}/v1/kpis", params=RANGE, headers=admin_h).json()
            assert kpis["kpis"]["offered"] == 2
        more = [_contact("c3", "billing", 3, "a1")]
        assert client.post(f"{b}/v1/contacts", json=more, headers=admin_h).status_code == 200
        for _ in range(6):
            kpis = client.get(f"{a}/v1/kpis", params=RANGE, headers=admin_h).json()
            assert kpis["kpis"]["offered"] == 3

        # The doomed keys work on both servers (and sit in their key caches) ...
        for base in (a, b):
            assert client.get(f"{base}/v1/kpis", params=RANGE, headers=doomed_h).status_code == 200
            assert _assign(base, routing) == 200
        # ... until revoked through another process: the next request is refused.
        for key_id in (doomed_id, routing_id):
            revoked = subprocess.run(
                [str(SEATWISE), "keys", "revoke", key_id, "--database-url", database_url],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert revoked.returncode == 0, revoked.stderr
        for base in (b, a, a):
            answer = client.get(f"{base}/v1/kpis", params=RANGE, headers=doomed_h)
            assert answer.status_code == 401
        # Routing keys are checked through each process's key cache: refused within its
        # lifetime on this branch (at once where the cache asks the store on every request).
        started = time.monotonic()
        while _assign(b, routing) != 401:
            assert time.monotonic() - started <= KeyCache().ttl_s + 1.0
            time.sleep(0.2)
        time.sleep(max(0.0, KeyCache().ttl_s + 0.5 - (time.monotonic() - started)))
        assert [_assign(a, routing) for _ in range(4)] == [401] * 4
