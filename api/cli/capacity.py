"""`seatwise capacity`: a long-term capacity plan (weekly FTE required vs available, hiring
classes) from a scenario file (docs/capacity.md).

The history is the file given with ``--history``, else the scenario's ``history.path`` (relative
to the scenario file), else the interval history of the stored contacts
(``SEATWISE_DATABASE_URL``); ``"agents": "stored"`` reads the stored agents. Writes
``weekly_plan.csv``, ``hiring_classes.csv``, ``forecast_weekly.csv`` and ``report.json`` to
``--out`` and prints each scenario's totals. Exit 2 on a malformed scenario (every broken field
named by its JSON path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from api.cli.common import console, exits_on_bad_input, progress_bar
from api.cli.forecasting import load_history
from api.cli.roster import read_scenario_file
from api.services.capacity_tasks import capacity_report, stored_agents, stored_history
from api.settings import Settings
from features.records.frame_io import write_frame

if TYPE_CHECKING:
    from scheduling.capacity import CapacityPlan, CapacityScenario

ScenarioArg = Annotated[
    Path, typer.Argument(metavar="SCENARIO.json", help="Capacity scenario (docs/capacity.md).")
]
OutOpt = Annotated[Path, typer.Option("--out", help="Folder to write the plan to.")]
HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Interval-history file (CSV or Parquet); overrides the scenario's history source.",
    ),
]

OUTPUTS = ("weekly_plan.csv", "hiring_classes.csv", "forecast_weekly.csv", "report.json")


def scenario_history(
    scenario: CapacityScenario, history: Path | None, folder: Path, database_url: str
) -> pd.DataFrame:
    """The interval history a scenario plans from (see the module docstring)."""
    if history is None and scenario.history.source == "file" and scenario.history.path:
        history = Path(scenario.history.path)
        if not history.is_absolute():
            history = folder / history
    if history is not None:
        return load_history(history, scenario.timezone, None)
    return stored_history(scenario, database_url)


def _money(value: float) -> str:
    return f"{value:,.0f}"


def summary_table(plan: CapacityPlan) -> Table:
    """One row per scenario: hires, classes, cost, overtime, FTE-weeks short, worst gap."""
    table = Table(title=f"{plan.name}: {plan.horizon_weeks} weeks from {plan.start_week}")
    for column in (
        "scenario",
        "hires",
        "classes",
        "total cost",
        "overtime h",
        "FTE-weeks short",
        "worst gap before hiring",
    ):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for scenario in plan.scenarios:
        s = scenario.summary
        worst = (
            f"{s['worst_gap_fte']:+.1f} FTE {s['worst_gap_skill']} {s['worst_gap_week']}"
            if s["worst_gap_week"]
            else "-"
        )
        table.add_row(
            escape(scenario.name),
            str(s["hires"]),
            str(s["classes"]),
            _money(s["total_cost"]),
            f"{s['overtime_hours']:,.0f}",
            f"{s['short_fte_weeks']:.1f}",
            escape(worst),
        )
    return table


def write_plan(plan: CapacityPlan, out: Path) -> list[Path]:
    """Write the plan's files into `out` (created when missing); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        write_frame(plan.weekly_plan(), out / OUTPUTS[0]),
        write_frame(plan.hiring_classes(), out / OUTPUTS[1]),
        write_frame(plan.forecast, out / OUTPUTS[2]),
    ]
    report = out / OUTPUTS[3]
    report.write_text(json.dumps(capacity_report(plan), indent=2), encoding="utf-8")
    return [*paths, report]


@exits_on_bad_input
def capacity(scenario: ScenarioArg, out: OutOpt, history: HistoryOpt = None) -> None:
    """Long-term capacity plan: weekly FTE required vs available per skill, hiring classes."""
    from scheduling.capacity import load_capacity_scenario, plan_capacity

    parsed = load_capacity_scenario(read_scenario_file(scenario))
    database_url = Settings().database_url
    frame = scenario_history(parsed, history, scenario.parent, database_url)
    agents = stored_agents(parsed, database_url)
    with progress_bar("capacity") as report:
        plan = plan_capacity(parsed, frame, agents, progress=report)
    paths = write_plan(plan, out)
    console.print(summary_table(plan))
    for item in plan.scenarios:
        if item.explanation:
            console.print(f"[bold]{escape(item.name)}:[/] {escape(item.explanation['message'])}")
        for row in item.classes.itertuples(index=False):
            kind = "planned" if row.planned else "hire"
            console.print(
                f"  {kind} {row.size} x {escape(str(row.profile))} starting {row.start_week} "
                f"(recruit by {row.requisition_by}, productive from {row.productive_from})",
                highlight=False,
            )
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(f"wrote {', '.join(str(p) for p in paths)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `seatwise capacity` to the app."""
    app.command("capacity")(capacity)
