"""`seatwise roster`: a weekly roster and routing plan from a scenario file (CP-SAT).

Writes the roster (ROSTER_COLUMNS: start/end ISO 8601 with offset, local date) to --out and
the coverage table beside it (``<stem>_coverage.csv``); prints the solver status, the objective
by term, the lower bound and the gap. Exit 2 on a malformed scenario, 3 when infeasible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.common import console, err_console, exits_on_bad_input, progress_bar
from features.errors import FieldError, InvalidInput
from features.records.frame_io import write_frame
from scheduling.roster.solver import SolutionProgress, solve_roster

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario JSON file (see DESIGN.md, Scenario).")]
OutOpt = Annotated[Path, typer.Option("--out", help="Roster file to write (.csv/.parquet).")]


def read_scenario_file(path: Path) -> dict[str, Any]:
    """Decode a scenario JSON file; InvalidInput naming the file or the JSON error otherwise."""
    if not path.is_file():
        raise InvalidInput(
            f"scenario file not found: {path}",
            [FieldError(None, "path", "file must exist", str(path))],
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"scenario file is not valid JSON: {exc}",
            [FieldError(None, "scenario", f"must be JSON: {exc}")],
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(
            "scenario must be a JSON object",
            [FieldError(None, "scenario", "must be a JSON object", type(data).__name__)],
        )
    return data


def coverage_path(out: Path) -> Path:
    """Where the coverage table goes: beside the roster, ``<stem>_coverage.csv``."""
    return out.with_name(f"{out.stem}_coverage.csv")


@exits_on_bad_input
def roster(
    scenario: ScenarioArg,
    out: OutOpt,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Solver time limit in seconds.", min=1)
    ] = 60.0,
    workers: Annotated[int, typer.Option("--workers", help="CP-SAT search workers.", min=1)] = 2,
    seed: Annotated[int, typer.Option("--seed", help="CP-SAT random seed.", min=0)] = 0,
    work_limit: Annotated[
        float | None,
        typer.Option(
            "--work-limit",
            help="Search work in CP-SAT deterministic units: the same scenario, seed and work "
            "limit give the same roster on any machine (default: scaled to --time-limit).",
            min=0.01,
        ),
    ] = None,
) -> None:
    """Weekly roster + routing plan for SCENARIO (agents, templates, rules, requirements)."""
    data = read_scenario_file(scenario)

    def show(report: SolutionProgress) -> None:
        err_console.print(
            f"  {report.stage}: solution {report.solutions} objective {report.objective:.0f} "
            f"bound {report.bound:.0f} at {report.elapsed_s:.1f}s",
            highlight=False,
        )

    with progress_bar("roster") as report:
        result = solve_roster(
            data,
            time_limit_s=time_limit,
            workers=workers,
            seed=seed,
            work_limit=work_limit,
            on_solution=show,
            progress=report,
        )
    write_frame(result.roster, out)
    write_frame(result.coverage, coverage_path(out))
    console.print(
        f"status {result.status}  objective {result.objective:.0f}  "
        f"bound {result.lower_bound:.0f}  gap {result.gap:.2%}  "
        f"({result.wall_time_s:.1f}s)",
        highlight=False,
    )
    terms = ", ".join(f"{k} {v:g}" for k, v in result.objective_terms.items())
    console.print(f"terms: {terms}", highlight=False)
    if result.summary:
        console.print(result.summary, highlight=False)
    console.print(
        f"wrote {len(result.roster)} roster rows to {out} and coverage to {coverage_path(out)}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add `seatwise roster` to the app."""
    app.command("roster")(roster)
