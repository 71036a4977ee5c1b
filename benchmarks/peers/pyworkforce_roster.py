"""Peer half of benchmarks/roster.py: pyworkforce 0.5.1 shift scheduling (runs in .venv-peers).

Usage: .venv-peers/bin/python benchmarks/peers/pyworkforce_roster.py IN.json OUT.json

IN holds num_days, periods, shifts_coverage ({name: 0/1 per period}), required_resources
(days x periods), max_period_concurrency, max_shift_concurrency, time_limit_s, workers.
OUT holds, per solver (MinAbsDifference, MinRequiredResources): status, cost, seconds and the
resources per (day, shift).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources


def main(src: str, dst: str) -> None:
    spec = json.loads(Path(src).read_text())
    common = {
        "num_days": spec["num_days"],
        "periods": spec["periods"],
        "shifts_coverage": spec["shifts_coverage"],
        "required_resources": spec["required_resources"],
        "max_period_concurrency": spec["max_period_concurrency"],
        "max_shift_concurrency": spec["max_shift_concurrency"],
        "max_search_time": spec["time_limit_s"],
        "num_search_workers": spec["workers"],
    }
    out = {}
    for name, cls in (
        ("MinAbsDifference", MinAbsDifference),
        ("MinRequiredResources", MinRequiredResources),
    ):
        started = time.perf_counter()
        solution = cls(**common).solve()
        out[name] = {
            "status": solution["status"],
            "cost": solution["cost"],
            "seconds": time.perf_counter() - started,
            "resources_shifts": solution["resources_shifts"],
        }
    Path(dst).write_text(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
