"""Load test of ``POST /v1/routing/assign`` for a 300-agent centre, on loopback.

Builds a throw-away SQLite store (300 agents with skills on 5 queues, a published roster
covering now, a routing key), starts ``uvicorn`` in a subprocess on 127.0.0.1:<free port>, and
drives a constant open-loop arrival rate (default 200 requests/s for 20 s): request i is sent
at t0 + i / rate whatever happened to the others, and its latency is measured from that
scheduled instant (so queueing inside the client or server is counted). Each request carries
10 waiting contacts and 20 available agents. Prints p50/p95/p99 latency and the achieved
throughput. Target: p99 < 20 ms at 200 rps on a 2-core machine.

Run: ``.venv/bin/python benchmarks/routing_load.py [--rate 200 --duration 20]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from api.app import migrate_database
from api.security import make_key
from features.store.engine import shared_engine
from features.store.records_store import Store
from features.store.service_store import ServiceStore

QUEUES = ["billing", "sales", "support", "retention", "tech"]
TARGET_P99_MS = 20.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nothing listens on right now (loopback)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build_centre(url: str, agents: int, seed: int) -> tuple[str, list[str]]:
    """Store agents, a published roster covering now and a routing key; return (key, ids)."""
    rng = random.Random(seed)
    engine = shared_engine(url)
    migrate_database(engine)
    ids = [f"a{i:04d}" for i in range(agents)]
    records = []
    for i, agent_id in enumerate(ids):
        main = QUEUES[i % len(QUEUES)]
        others = rng.sample([q for q in QUEUES if q != main], k=rng.randint(0, 2))
        skills = {main: rng.randint(3, 5), **{q: rng.randint(1, 4) for q in others}}
        records.append(
            {"agent_id": agent_id, "name": f"Agent {i}", "team": f"t{i % 10}", "skills": skills}
        )
    Store(url).upsert_agents(records)

    now = pd.Timestamp.now(tz="UTC").floor("15min")
    rows = []
    for i, record in enumerate(records):
        start = now - pd.Timedelta(hours=4) + pd.Timedelta(minutes=15 * (i % 8))
        lunch = start + pd.Timedelta(hours=4)
        queues = list(record["skills"])
        rows += [
            (record["agent_id"], "work", queues[0], start, lunch),
            (record["agent_id"], "lunch", None, lunch, lunch + pd.Timedelta(minutes=30)),
            (
                record["agent_id"],
                "work",
                queues[-1],
                lunch + pd.Timedelta(minutes=30),
                start + pd.Timedelta(hours=8, minutes=30),
            ),
        ]
    roster = pd.DataFrame(rows, columns=["agent_id", "activity", "queue", "start", "end"])
    roster.insert(1, "date", str(now.date()))
    service = ServiceStore(engine)
    scenario = {"queues": [{"name": q, "priority": 1.0 + (q == "retention")} for q in QUEUES]}
    service.create_roster("bench", scenario, None)
    service.publish_roster("bench", roster)
    key = make_key()
    service.add_key(key.key_id, key.key_hash, "routing", None, [])
    engine.dispose()
    return key.key, ids


def make_bodies(ids: list[str], count: int, seed: int) -> list[bytes]:
    """`count` JSON request bodies: 10 waiting contacts and 20 available agents each."""
    rng = random.Random(seed)
    bodies = []
    for n in range(count):
        contacts = [
            {
                "contact_id": f"r{n}-c{k}",
                "queue": rng.choice(QUEUES),
                "wait_s": round(rng.uniform(0, 180), 1),
            }
            for k in range(10)
        ]
        agents = [
            {"agent_id": agent_id, "idle_s": round(rng.uniform(0, 300), 1)}
            for agent_id in rng.sample(ids, 20)
        ]
        bodies.append(json.dumps({"contacts": contacts, "agents": agents}).encode())
    return bodies


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """Start uvicorn with the app factory on 127.0.0.1:`port`; wait until /healthz answers."""
    env = {**os.environ, "SEATWISE_DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with code {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("uvicorn did not answer /healthz within 60 s")


class Connection:
    """One keep-alive HTTP/1.1 connection sending pre-encoded requests.

    A load generator written on asyncio streams costs a few tens of microseconds per request,
    so on a 2-core machine the client does not steal the CPU the server is measured on (a
    general-purpose client such as httpx costs about as much per request as the server).
    Responses from uvicorn always carry Content-Length, which is all this reader relies on.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request; return (status code, body)."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def encode_request(body: bytes, key: str, port: int) -> bytes:
    """The whole HTTP/1.1 request of one assignment call."""
    head = (
        f"POST /v1/routing/assign HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def drive(
    port: int, key: str, bodies: list[bytes], rate: float, timeout_s: float
) -> tuple[np.ndarray, int, float]:
    """Send `bodies` open-loop at `rate`/s; return (latencies ms of 200s, failures, seconds).

    A request waits for an idle keep-alive connection, opening a new one when none is idle
    (at most 256), so a slow answer never delays the next scheduled send.
    """
    requests = [encode_request(body, key, port) for body in bodies]
    idle: list[Connection] = [await Connection.open(port) for _ in range(8)]
    opened = len(idle)
    for request in requests[:50]:  # warm-up: caches, first-request imports
        status, _ = await idle[0].send(request)
        if status != 200:
            raise RuntimeError(f"warm-up request answered {status}")
    latencies = np.full(len(requests), np.nan)
    failures = 0

    async def one(i: int, scheduled: float) -> None:
        nonlocal failures, opened
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        reused = bool(idle)
        if idle:
            connection = idle.pop()
        elif opened < 256:
            opened += 1
            connection = await Connection.open(port)
        else:
            failures += 1
            return
        try:
            try:
                status, body = await asyncio.wait_for(connection.send(requests[i]), timeout_s)
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                # The server closed this keep-alive connection while it sat idle: like any
                # HTTP client, send again once on a fresh connection.
                connection.close()
                connection = await Connection.open(port)
                status, body = await asyncio.wait_for(connection.send(requests[i]), timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            print(f"request {i}: {type(exc).__name__}: {exc}", file=sys.stderr)
            failures += 1
            connection.close()
            opened -= 1
            return
        if status == 200 and b'"assignments"' in body:
            latencies[i] = (time.perf_counter() - scheduled) * 1000
        else:
            failures += 1
            print(f"request {i}: HTTP {status}: {body[:200]!r}", file=sys.stderr)
        idle.append(connection)

    t0 = time.perf_counter() + 0.2
    tasks = [asyncio.create_task(one(i, t0 + i / rate)) for i in range(len(requests))]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    for connection in idle:
        connection.close()
    return latencies[~np.isnan(latencies)], failures, elapsed


def main() -> None:
    """Build the centre, start the server, drive the load and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (<= 120)")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 120.0)
    if not 1 <= args.rate <= 2_000:
        parser.error("--rate must be within [1, 2000] requests per second")
    count = int(round(args.rate * duration))
    with tempfile.TemporaryDirectory(prefix="seatwise-routing-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'seatwise.db'}"
        key, ids = build_centre(url, args.agents, args.seed)
        bodies = make_bodies(ids, count, args.seed)
        port = free_port()
        server = start_server(url, port)
        try:
            run = drive(port, key, bodies, args.rate, timeout_s=5.0)
            cpu_before = cpu_seconds(server.pid)
            latencies, failures, elapsed = asyncio.run(asyncio.wait_for(run, duration + 60))
            # Includes the 50 warm-up requests; at this rate they are noise.
            server_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / (count + 50)
        finally:
            server.terminate()
            server.wait(timeout=15)
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if latencies.size else [np.nan] * 3
    achieved = latencies.size / elapsed
    load = os.getloadavg()[0]
    print(
        f"routing load: {args.agents} agents, 10 contacts + 20 agents per request, loopback, "
        f"{duration:.0f} s open loop; machine load average {load:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'offered rps':>12} {'achieved rps':>13} {'requests':>9} {'failed':>7} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'srv cpu ms/req':>15} "
        f"{'p99<20ms':>9}"
    )
    print(
        f"{args.rate:>12.0f} {achieved:>13.1f} {count:>9d} {failures:>7d} {p50:>7.2f} "
        f"{p95:>7.2f} {p99:>7.2f} {latencies.max() if latencies.size else np.nan:>7.2f} "
        f"{server_cpu_ms:>15.2f} "
        f"{'yes' if p99 < TARGET_P99_MS and failures == 0 else 'NO':>9}"
    )


if __name__ == "__main__":
    main()
