"""Load test of ``seatwise serve`` as the README starts it: mixed reads, overload, routing.

Builds the demo centre into a throw-away SQLite store (``seatwise demo --no-serve``: 6 weeks,
6 queues, 60 agents, a published week), starts ``seatwise serve`` in a subprocess (several
worker processes by default) and drives, open loop (request i is sent at t0 + i / rate whatever
happened to the others; its latency is measured from that instant, so queueing anywhere is
counted), for a bounded time each:

1. ``nominal``: mixed reads at ``--rate`` (intervals of a day for one queue, KPIs of the centre
   or a queue for a day, the published week's schedules, an agent's week), drawn at random from
   the demo's last two weeks: the questions wallboards, phones and planners ask.
2. ``overload``: the same mix at ``--overload`` times the rate.
3. ``after``: nothing but the probes, for ``--after`` seconds.
4. ``routing``: ``POST /v1/routing/assign`` at ``--routing-rate`` (10 waiting contacts and 20
   available agents per call).

``/healthz`` is probed 20 times a second throughout. Prints, per phase, the achieved rate of
answered requests, p50/p95/p99 of the 200s, 503s (shed, with ``Retry-After``), other errors,
client timeouts, and the probe's latency; ``--results FILE`` also writes the table as Markdown.

Run: ``.venv/bin/python benchmarks/service_load.py [--rate 100 --duration 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from routing_load import Connection, cpu_seconds, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEATWISE = Path(sys.executable).with_name("seatwise")
KEY_LINE = re.compile(r"^\s+(\w+)\s+(\S+)\s+(sw_\S+)\s*$")
SERVER_PID = [0]
"""The ``seatwise serve`` process being measured (set once it runs)."""
QUEUES = ("billing", "sales", "support", "tech", "social", "messaging")
"""The demo centre's queues."""
TARGETS = {"reads_p99_ms": 300.0, "healthz_p99_ms": 50.0, "routing_p99_ms": 5.0}


@dataclass
class Outcome:
    """What happened to the requests of one phase."""

    latencies_ms: list[float] = field(default_factory=list)
    shed: int = 0
    shed_without_retry_after: int = 0
    errors: int = 0
    timeouts: int = 0
    sent: int = 0
    not_sent: int = 0
    per_path: dict[str, list[float]] = field(default_factory=dict)


def tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by process `pid` and its live children (the workers)."""
    total = cpu_seconds(pid)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                total += cpu_seconds(int(entry.name))
    return total


def build_centre(workdir: Path, url: str, time_limit: float) -> dict[str, str]:
    """Run ``seatwise demo --no-serve`` into `url`; return its printed key per role."""
    env = {**os.environ, "SEATWISE_DATABASE_URL": url}
    command = [str(SEATWISE), "demo", "--no-serve", "--time-limit", str(time_limit)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=workdir, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"seatwise demo failed ({done.returncode}):\n{done.stderr[-3000:]}")
    keys = {}
    for line in done.stdout.splitlines():
        match = KEY_LINE.match(line)
        if match:
            keys[match.group(1)] = match.group(3)
    print(f"demo centre built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return keys


def start_serve(workdir: Path, url: str, port: int, workers: int | None) -> subprocess.Popen[bytes]:
    """``seatwise serve --port PORT`` (as the README starts it); wait for /healthz."""
    env = {**os.environ, "SEATWISE_DATABASE_URL": url, "SEATWISE_TIMEZONE": "Europe/Berlin"}
    command = [str(SEATWISE), "serve", "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    server = subprocess.Popen(command, env=env, cwd=workdir, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"seatwise serve exited with code {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError("seatwise serve did not answer /readyz within 180 s")


def read_paths(
    keys: dict[str, str], last_day: pd.Timestamp, week: pd.Timestamp, agent_ids: list[str]
) -> list[tuple[str, str]]:
    """The questions (path with query, key) a control room asks: today's and yesterday's
    intervals and KPIs per queue and for the centre, the last week's intervals per queue, the
    published week (planner and supervisor) and ten agents' weeks."""
    admin, planner, supervisor = keys["admin"], keys["planner"], keys["supervisor"]

    def span(day: pd.Timestamp, days_long: int = 1) -> str:
        end = day + pd.Timedelta(days=days_long)
        return str(httpx.QueryParams({"start": day.isoformat(), "end": end.isoformat()}))

    pool: list[tuple[str, str]] = []
    for queue in QUEUES:
        pool.append((f"/v1/intervals?{span(last_day)}&queue={queue}", admin))
        pool.append(
            (f"/v1/intervals?{span(last_day - pd.Timedelta(days=6), 7)}&queue={queue}", planner)
        )
        for day in (last_day, last_day - pd.Timedelta(days=1)):
            pool.append((f"/v1/kpis?{span(day)}&level=queue&id={queue}", planner))
    pool.append((f"/v1/intervals?{span(last_day)}", supervisor))
    for day in (last_day, last_day - pd.Timedelta(days=1)):
        pool.append((f"/v1/kpis?{span(day)}&level=center", admin))
    pool.append((f"/v1/schedules?{span(week, 7)}", planner))
    pool.append((f"/v1/schedules?{span(week, 7)}", supervisor))
    pool.append((f"/v1/agents/a001/schedule?{span(week, 7)}", keys["agent"]))
    for agent in agent_ids[1:10]:
        pool.append((f"/v1/agents/{agent}/schedule?{span(week, 7)}", planner))
    return pool


def endpoint_of(path: str) -> str:
    """The endpoint a request path belongs to (``/v1/agents/{id}/schedule``, ...)."""
    route = path.split("?")[0]
    if route.startswith("/v1/agents/"):
        return "/v1/agents/{id}/schedule"
    if route == "/v1/kpis":
        return f"/v1/kpis level={'center' if 'level=center' in path else 'queue'}"
    return route


def get_request(path: str, key: str, port: int) -> bytes:
    """A whole HTTP/1.1 GET with the bearer key."""
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\r\n"
    ).encode()


def post_request(path: str, body: bytes, key: str, port: int) -> bytes:
    """A whole HTTP/1.1 POST of a JSON body with the bearer key."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class ClientLimit(Exception):
    """Every connection the client may open is waiting for an answer: the request is not sent
    (counted apart from server errors)."""


class Pool:
    """Keep-alive connections to the server, opened on demand (at most `limit`)."""

    def __init__(self, port: int, limit: int = 1024, *, reuse: bool = True) -> None:
        self.port = port
        self.limit = limit
        self.reuse = reuse
        self.idle: list[Connection] = []
        self.opened = 0

    async def send(self, request: bytes, timeout_s: float) -> tuple[int, bytes, bytes]:
        """(status, head, body) of one request; raises TimeoutError past `timeout_s`."""
        reused = bool(self.idle)
        if self.idle:
            connection = self.idle.pop()
        elif self.opened < self.limit:
            self.opened += 1
            connection = await Connection.open(self.port)
        else:
            raise ClientLimit(f"all {self.limit} client connections are waiting for answers")
        try:
            try:
                status, head, body = await asyncio.wait_for(
                    _exchange(connection, request), timeout_s
                )
            except (ConnectionError, asyncio.IncompleteReadError):
                if not reused:
                    raise
                connection.close()
                connection = await Connection.open(self.port)
                status, head, body = await asyncio.wait_for(
                    _exchange(connection, request), timeout_s
                )
        except BaseException:
            connection.close()
            self.opened -= 1
            raise
        if self.reuse:
            self.idle.append(connection)
        else:
            connection.close()
            self.opened -= 1
        return status, head, body

    def close(self) -> None:
        for connection in self.idle:
            connection.close()


async def _exchange(connection: Connection, request: bytes) -> tuple[int, bytes, bytes]:
    connection.writer.write(request)
    head = await connection.reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, head, await connection.reader.readexactly(length)


async def open_loop(
    pool: Pool, requests: list[tuple[str, bytes]], rate: float, timeout_s: float, ok: bytes
) -> tuple[Outcome, float]:
    """Send `requests` ((label, bytes)) at `rate`/s; return the outcome and elapsed seconds."""
    outcome = Outcome(sent=len(requests))

    async def one(label: str, request: bytes, scheduled: float) -> None:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            status, head, body = await pool.send(request, timeout_s)
        except TimeoutError:
            outcome.timeouts += 1
            return
        except ClientLimit:
            outcome.not_sent += 1
            return
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            outcome.errors += 1
            print(f"{label}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return
        if status == 200 and ok in body:
            latency = (time.perf_counter() - scheduled) * 1000
            outcome.latencies_ms.append(latency)
            outcome.per_path.setdefault(label, []).append(latency)
        elif status == 503:
            outcome.shed += 1
            if b"retry-after" not in head.lower():
                outcome.shed_without_retry_after += 1
        else:
            outcome.errors += 1
            print(f"{label}: HTTP {status}: {body[:200]!r}", file=sys.stderr)

    t0 = time.perf_counter() + 0.1
    tasks = [
        asyncio.create_task(one(label, request, t0 + i / rate))
        for i, (label, request) in enumerate(requests)
    ]
    await asyncio.gather(*tasks)
    return outcome, time.perf_counter() - t0


async def probe(port: int, stop: asyncio.Event, every_s: float = 0.05) -> list[float]:
    """Latencies (ms; NaN for a failure) of ``GET /healthz`` every `every_s` until `stop`."""
    pool = Pool(port, limit=64)
    request = get_request("/healthz", "none", port)
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        try:
            status, _, _ = await pool.send(request, 5.0)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            latencies.append(float("nan"))
            return
        latencies.append((time.perf_counter() - started) * 1000 if status == 200 else float("nan"))

    tasks = []
    while not stop.is_set():
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(every_s)
    await asyncio.gather(*tasks)
    pool.close()
    return latencies


def routing_bodies(count: int, agent_ids: list[str], seed: int) -> list[bytes]:
    """`count` assignment bodies: 10 waiting contacts and 20 available agents each."""
    rng = random.Random(seed)
    queues = list(QUEUES)
    bodies = []
    for n in range(count):
        contacts = [
            {
                "contact_id": f"r{n}-c{k}",
                "queue": rng.choice(queues),
                "wait_s": round(rng.uniform(0, 180), 1),
            }
            for k in range(10)
        ]
        agents = [
            {"agent_id": a, "idle_s": round(rng.uniform(0, 300), 1)}
            for a in rng.sample(agent_ids, 20)
        ]
        bodies.append(json.dumps({"contacts": contacts, "agents": agents}).encode())
    return bodies


@dataclass
class PhaseRow:
    """One printed line."""

    phase: str
    offered_rps: float
    achieved_rps: float
    outcome: Outcome
    healthz_ms: list[float]
    server_cpu_s: float = float("nan")


def _pct(values: list[float], q: float) -> float:
    finite = [v for v in values if v == v]
    return float(np.percentile(finite, q)) if finite else float("nan")


async def run_phase(
    port: int,
    phase: str,
    requests: list[tuple[str, bytes]],
    rate: float,
    timeout_s: float,
    ok: bytes,
    *,
    reuse: bool = True,
) -> PhaseRow:
    """Drive one phase with the health probe running beside it (`reuse`: keep-alive; without
    it every request opens its own connection, so the kernel spreads them over the workers)."""
    stop = asyncio.Event()
    probing = asyncio.create_task(probe(port, stop))
    pool = Pool(port, reuse=reuse)
    cpu_before = tree_cpu_s(SERVER_PID[0])
    outcome, elapsed = await open_loop(pool, requests, rate, timeout_s, ok)
    cpu = tree_cpu_s(SERVER_PID[0]) - cpu_before
    stop.set()
    healthz = await probing
    pool.close()
    return PhaseRow(phase, rate, len(outcome.latencies_ms) / elapsed, outcome, healthz, cpu)


async def quiet_phase(port: int, seconds: float) -> PhaseRow:
    """Only the probes, for `seconds`."""
    stop = asyncio.Event()
    probing = asyncio.create_task(probe(port, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return PhaseRow("after", 0.0, 0.0, Outcome(), await probing)


def table(rows: list[PhaseRow]) -> list[str]:
    """The result table as Markdown lines."""
    lines = [
        "| phase | offered/s | achieved/s | scheduled | not sent (client limit) | 200 p50 ms "
        "| p95 ms | p99 ms | 503 shed "
        "| errors | timeouts | /healthz p50 ms | /healthz p99 ms | /healthz max ms "
        "| /healthz failed | server CPU ms per answered |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        o, h = row.outcome, row.healthz_ms
        failed = sum(1 for v in h if v != v)
        finite = [v for v in h if v == v]
        lines.append(
            f"| {row.phase} | {row.offered_rps:.0f} | {row.achieved_rps:.1f} | {o.sent} "
            f"| {o.not_sent} "
            f"| {_pct(o.latencies_ms, 50):.1f} | {_pct(o.latencies_ms, 95):.1f} "
            f"| {_pct(o.latencies_ms, 99):.1f} | {o.shed} | {o.errors} | {o.timeouts} "
            f"| {_pct(h, 50):.1f} | {_pct(h, 99):.1f} | {max(finite, default=float('nan')):.1f} "
            f"| {failed}/{len(h)} "
            f"| {1000 * row.server_cpu_s / max(len(o.latencies_ms), 1):.1f} |"
        )
    return lines


def per_path_table(row: PhaseRow) -> list[str]:
    """p50/p99 per endpoint of one phase."""
    lines = ["| endpoint | answered | p50 ms | p99 ms |", "|---|---|---|---|"]
    for label, values in sorted(row.outcome.per_path.items()):
        lines.append(
            f"| {label} | {len(values)} | {_pct(values, 50):.1f} | {_pct(values, 99):.1f} |"
        )
    return lines


def verdicts(
    nominal: PhaseRow, overload: PhaseRow, after: PhaseRow, routing: PhaseRow
) -> list[str]:
    """Each target, met or not, with the figure."""
    n, o, r = nominal.outcome, overload.outcome, routing.outcome
    reads_ok = _pct(n.latencies_ms, 99) <= TARGETS["reads_p99_ms"] and not (
        n.errors or n.timeouts or n.shed
    )
    shed_ok = o.shed > 0 and o.timeouts == 0 and o.errors == 0 and o.shed_without_retry_after == 0
    probe_ok = (
        max(_pct(overload.healthz_ms, 99), _pct(after.healthz_ms, 99)) <= TARGETS["healthz_p99_ms"]
    )
    routing_ok = _pct(r.latencies_ms, 99) <= TARGETS["routing_p99_ms"] and not (
        r.errors or r.timeouts or r.shed or r.not_sent
    )

    def mark(flag: bool) -> str:
        return "met" if flag else "NOT met"

    reads_p99, during, after_p99 = (
        _pct(n.latencies_ms, 99),
        _pct(overload.healthz_ms, 99),
        _pct(after.healthz_ms, 99),
    )
    return [
        f"- {nominal.offered_rps:.0f} req/s mixed reads, p99 ≤ 300 ms, no errors: "
        f"**{mark(reads_ok)}** (p99 {reads_p99:.0f} ms; {n.shed} shed, {n.errors} errors, "
        f"{n.timeouts} timeouts)",
        f"- {overload.offered_rps:.0f} req/s (overload): 503 with Retry-After instead of "
        f"timeouts: **{mark(shed_ok)}** ({o.shed} shed, {o.shed_without_retry_after} without "
        f"Retry-After, {o.timeouts} timeouts, {o.errors} errors)",
        f"- /healthz p99 ≤ 50 ms during overload and after: **{mark(probe_ok)}** "
        f"({during:.1f} ms during, {after_p99:.1f} ms after)",
        f"- routing {routing.offered_rps:.0f}/s p99 ≤ 5 ms: **{mark(routing_ok)}** "
        f"(achieved {routing.achieved_rps:.0f}/s, p99 {_pct(r.latencies_ms, 99):.2f} ms, "
        f"{r.shed} shed, {r.errors + r.timeouts} failed, {r.not_sent} not sent)",
    ]


async def drive(args: argparse.Namespace, port: int, keys: dict[str, str], url: str) -> list[str]:
    """Every phase in turn; the report's lines."""
    from features.store.records_store import Store

    store = Store(url)
    contacts = store.read_contacts(queues=["billing"])
    last_day = contacts["arrived_at"].max().tz_convert("Europe/Berlin").normalize()
    week = last_day + pd.Timedelta(days=(7 - last_day.weekday()) % 7 or 7)
    agent_ids = sorted(store.read_agents()["agent_id"].astype(str))
    pool = read_paths(keys, last_day, week, agent_ids)
    rng = random.Random(args.seed)

    def reads(rate: float) -> list[tuple[str, bytes]]:
        count = int(rate * args.duration)
        chosen = [rng.choice(pool) for _ in range(count)]
        return [(endpoint_of(path), get_request(path, key, port)) for path, key in chosen]

    # Warm-up: every question several times, each on a new connection so that both worker
    # processes (each computes its own answers) see it, as the first polls of the wallboards
    # would; reported as the cold phase.
    warm = [(endpoint_of(p), get_request(p, k, port)) for p, k in pool * args.warm_passes]
    rows = [await run_phase(port, "cold (warm-up)", warm, 20.0, args.timeout, b"{", reuse=False)]
    rows.append(await run_phase(port, "nominal", reads(args.rate), args.rate, args.timeout, b"{"))
    rows.append(
        await run_phase(
            port,
            "overload",
            reads(args.rate * args.overload),
            args.rate * args.overload,
            args.timeout,
            b"{",
        )
    )
    rows.append(await quiet_phase(port, args.after))
    count = int(args.routing_rate * args.duration)
    routing = [
        ("/v1/routing/assign", post_request("/v1/routing/assign", body, keys["routing"], port))
        for body in routing_bodies(count + 200, agent_ids, args.seed)
    ]
    await run_phase(
        port, "routing warm-up", routing[:200], 100.0, args.timeout, b'"assignments"', reuse=False
    )
    rows.append(
        await run_phase(
            port, "routing", routing[200:], args.routing_rate, args.timeout, b'"assignments"'
        )
    )
    lines = table(rows)
    for row in (rows[0], rows[1]):
        lines += ["", f"Per endpoint, {row.phase} phase:", "", *per_path_table(row)]
    lines += ["", "Targets:", "", *verdicts(rows[1], rows[2], rows[3], rows[4])]
    return lines


def main() -> None:
    """Build the centre, start the server, drive every phase and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="mixed reads per second")
    parser.add_argument("--overload", type=float, default=3.0, help="overload factor")
    parser.add_argument("--routing-rate", type=float, default=500.0, help="assignments per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase (<= 120)")
    parser.add_argument("--after", type=float, default=10.0, help="seconds probed after overload")
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout, seconds")
    parser.add_argument("--workers", type=int, default=None, help="seatwise serve --workers")
    parser.add_argument("--time-limit", type=float, default=20.0, help="demo roster time limit")
    parser.add_argument("--store", type=Path, default=None, help="reuse this built demo folder")
    parser.add_argument("--results", type=Path, default=None, help="also write Markdown here")
    parser.add_argument("--warm-passes", type=int, default=8, help="warm-up sends per question")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.duration = min(max(args.duration, 1.0), 120.0)
    with tempfile.TemporaryDirectory(prefix="seatwise-service-") as tmp:
        workdir = args.store or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{workdir / 'seatwise.db'}"
        keys_file = workdir / "keys.json"
        if keys_file.exists():
            keys = json.loads(keys_file.read_text())
        else:
            keys = build_centre(workdir, url, args.time_limit)
            keys_file.write_text(json.dumps(keys))
        port = free_port()
        server = start_serve(workdir, url, port, args.workers)
        SERVER_PID[0] = server.pid
        try:
            lines = asyncio.run(drive(args, port, keys, url))
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    header = (
        f"`seatwise serve` ({args.workers or 'default'} workers), demo centre on SQLite, loopback, "
        f"{args.duration:.0f} s per phase, open loop; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    report = [header, "", *lines]
    print("\n".join(report))
    if args.results:
        args.results.write_text("\n".join(report) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
