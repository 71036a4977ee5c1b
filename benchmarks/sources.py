"""Benchmark: the other sources of the six-week demo centre (six queues, 60 agents) through
validation and the store, re-sent once, and three questions in plain language over them.

Run: ``.venv/bin/python benchmarks/sources.py [--database-url URL]`` (default: a throw-away
SQLite file). Generating the centre is not timed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from api.auth import Principal
from api.services.ask import ask
from features.records.sources import validate_kb_events, validate_quality, validate_tickets
from features.store.records_store import Store
from features.store.service_store import ServiceStore
from features.store.sources_store import SourcesStore
from features.synthetic.generator import generate_centre
from features.synthetic.profiles import CATALOGUE

QUEUES = ("billing", "sales", "support", "tech", "social", "messaging")
QUESTIONS = (
    "what was billing's service level yesterday?",
    "上周哪个班组的放弃量最多?",
    "what was the first contact resolution last week?",
)
TIMEZONE = "Europe/Berlin"


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """The call's result and its wall time, seconds."""
    began = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="seatwise-sources-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    profiles = [p for p in CATALOGUE if p.name in QUEUES]
    centre = generate_centre(weeks=6, agents=60, seed=7, profiles=profiles)
    store = Store(url)
    store.migrate()
    store.upsert_agents(centre.agents)
    store.ingest_contacts(centre.contacts)
    sources = SourcesStore(store)
    print(f"{store.dialect}: {len(centre.contacts):,} contacts")
    print("| source | rows | validate s | store s | re-send s | new on re-send |")
    print("|---|---:|---:|---:|---:|---:|")
    kinds = (
        ("tickets", pd.DataFrame(centre.tickets), validate_tickets, sources.ingest_tickets),
        ("kb events", centre.kb_events, validate_kb_events, sources.ingest_kb_events),
        ("quality", centre.quality, validate_quality, sources.ingest_quality),
    )
    for name, raw, validate, ingest in kinds:
        clean, checking = timed(validate, raw)
        _, storing = timed(ingest, clean, validated=True)
        again, resending = timed(ingest, clean, validated=True)
        print(
            f"| {name} | {len(raw):,} | {checking:.2f} | {storing:.2f} | {resending:.2f} "
            f"| {again.inserted} |"
        )
    sources.put_aliases(centre.aliases)
    service = ServiceStore(store.engine)
    admin = Principal("bench", "admin")
    now = pd.Timestamp("2026-11-20 12:00", tz=TIMEZONE)
    for question in QUESTIONS:
        answer, seconds = timed(ask, question, admin, store, service, timezone=TIMEZONE, now=now)
        print(f"ask {seconds:.2f} s: {answer.text}")
    store.dispose()


if __name__ == "__main__":
    main()
