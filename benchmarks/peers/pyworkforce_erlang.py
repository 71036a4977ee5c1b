"""Peer half of benchmarks/erlang.py: pyworkforce 0.5.1's ErlangC over the same cells.

Runs in its own virtual environment (``.venv-peers``: pyworkforce 0.5.1 needs Python 3.11 and
pandas < 3) and exchanges files only: it reads the cells CSV written by benchmarks/erlang.py and
writes one result row per cell it solved, plus a JSON timing summary.

pyworkforce takes minutes for the handle time, the threshold (its ``asa``) and the interval.
Cells are solved in the file's order, one ``ErlangC(...).required_positions(...)`` call each, as a
user would loop over a table. When ``--budget-s`` runs out the remaining cells are not solved and
the summary says how many were timed, so the caller can extrapolate honestly.

Usage: ``.venv-peers/bin/python benchmarks/peers/pyworkforce_erlang.py CELLS.csv OUT.csv
[--budget-s 300]``
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from pyworkforce.queuing import ErlangC


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("cells", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--budget-s", type=float, default=300.0)
    args = parser.parse_args()

    with args.cells.open() as handle:
        cells = list(csv.DictReader(handle))
    rows = []
    began = time.perf_counter()
    for cell in cells:
        if time.perf_counter() - began > args.budget_s:
            break
        started = time.perf_counter()
        try:
            erlang = ErlangC(
                transactions=float(cell["volume"]),
                aht=float(cell["aht_s"]) / 60.0,
                asa=float(cell["threshold_s"]) / 60.0,
                interval=float(cell["interval_minutes"]),
                shrinkage=float(cell["shrinkage"]),
            )
            result = erlang.required_positions(
                service_level=float(cell["service_level"]),
                max_occupancy=float(cell["max_occupancy"]),
            )
            error = ""
        except Exception as exc:  # the peer's own errors are results to report
            result = {}
            error = f"{type(exc).__name__}: {exc}"
        rows.append(
            {
                "cell": cell["cell"],
                "raw_positions": result.get("raw_positions", ""),
                "positions": result.get("positions", ""),
                "service_level": result.get("service_level", ""),
                "occupancy": result.get("occupancy", ""),
                "seconds": time.perf_counter() - started,
                "error": error,
            }
        )
    elapsed = time.perf_counter() - began
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["cell"])
        writer.writeheader()
        writer.writerows(rows)
    summary = {"cells_total": len(cells), "cells_solved": len(rows), "seconds": elapsed}
    args.out.with_suffix(".json").write_text(json.dumps(summary))


if __name__ == "__main__":
    main()
