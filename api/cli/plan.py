"""`seatwise plan`: the week's plan from what is stored (or an interval-history file).

History → forecast → risk-aware requirements → roster → simulated check
(:func:`api.services.planning.plan_week`). Writes ``forecast.csv``, ``requirements.csv``,
``scenario.json``, ``roster.csv``, ``coverage.csv`` and ``report.json`` to --out and prints the
expected service per queue, the agent-hours and the roster's plain-English summary. Exit 2 on
bad input, 3 when the roster's hard rules cannot all hold.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import DatabaseOpt, console, exits_on_bad_input, progress_bar, store_url
from api.cli.roster import read_scenario_file
from api.services.plan_tasks import DEFAULT_HISTORY_WEEKS, stored_plan_inputs
from api.services.planning import PlanOptions, WeekPlan, plan_week
from features.calendar import check_timezone
from features.errors import FieldError, InvalidInput
from features.records.frame_io import read_frame, write_frame
from features.schema import INTERVAL_START, QUEUE
from scheduling.risk import DEFAULT_CONFIDENCE


def _week_start(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"--week-start must be a date YYYY-MM-DD, got {text!r}",
            [FieldError(None, "week_start", "must be a date YYYY-MM-DD", text)],
        ) from exc


def _print_report(plan: WeekPlan, out: Path) -> None:
    report = plan.report
    table = Table(title=f"Plan for the week of {report['week_start']} ({report['model']})")
    for column in ("queue", "contacts", "intervals met", "SL", "ASA s", "abandon", "short h"):
        table.add_column(column, justify="left" if column == "queue" else "right")

    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    for row in report["queues"]:
        table.add_row(
            row["queue"],
            f"{row['forecast_contacts']:,.0f}",
            share(row["intervals_meeting_target"]),
            share(row["service_level"]),
            "–" if row["asa_s"] is None else f"{row['asa_s']:.0f}",
            share(row["abandon_rate"]),
            f"{row['shortfall_agent_hours']:.1f}",
        )
    expected = report["expected"]
    table.add_row(
        "[bold]centre",
        f"{sum(r['forecast_contacts'] for r in report['queues']):,.0f}",
        share(expected["intervals_meeting_target"]),
        share(expected["service_level"]),
        "–" if expected["asa_s"] is None else f"{expected['asa_s']:.0f}",
        share(expected["abandon_rate"]),
        f"{sum(r['shortfall_agent_hours'] for r in report['queues']):.1f}",
    )
    console.print(table)
    console.print(f"agent-hours {report['agent_hours']:,.1f}, roster {report['status']}")
    if report.get("missing_days"):
        console.print(
            "days treated as missing data (not zero): " + ", ".join(report["missing_days"]),
            highlight=False,
        )
    if report.get("summary"):
        console.print(report["summary"], highlight=False)
    console.print(f"wrote {', '.join(sorted(p.name for p in out.iterdir()))} to {out}")


def write_plan(plan: WeekPlan, out: Path) -> None:
    """Write a plan's files (:data:`api.services.planning.PLAN_FILES`) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    write_frame(plan.forecast, out / "forecast.csv")
    write_frame(plan.requirements, out / "requirements.csv")
    (out / "scenario.json").write_text(json.dumps(plan.scenario, indent=1, default=str))
    write_frame(plan.result.roster, out / "roster.csv")
    write_frame(plan.result.coverage, out / "coverage.csv")
    (out / "report.json").write_text(json.dumps(plan.report, indent=1, default=str))


@exits_on_bad_input
def plan(
    scenario: Annotated[
        Path,
        typer.Option(
            "--scenario",
            help="Base scenario JSON: agents, shift templates, rules (no requirements).",
        ),
    ],
    week_start: Annotated[str, typer.Option("--week-start", help="First local day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write the plan into.")],
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            help="Interval-history CSV/Parquet (queue, interval_start, offered, aht_s); "
            "else the stored contacts.",
        ),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="ISO country of public holidays (e.g. US).")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="Forecaster (auto by default).")] = "auto",
    service_level: Annotated[
        float | None,
        typer.Option(
            "--service-level",
            help="Target share for live queues (channel default).",
            min=0,
            max=0.999,
        ),
    ] = None,
    threshold_s: Annotated[
        float | None,
        typer.Option(
            "--threshold-s", help="Service-level threshold, seconds (live queues).", min=0
        ),
    ] = None,
    confidence: Annotated[
        float,
        typer.Option(
            "--confidence",
            help="Probability each interval meets its target given the forecast band; 0 staffs "
            "the point forecast.",
            min=0,
            max=0.999,
        ),
    ] = DEFAULT_CONFIDENCE,
    shrinkage: Annotated[
        float,
        typer.Option(
            "--shrinkage", help="Absence the roster does not show, share.", min=0, max=0.95
        ),
    ] = 0.0,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Roster solver time limit, seconds.", min=1)
    ] = 60.0,
    workers: Annotated[int, typer.Option("--workers", help="CP-SAT search workers.", min=1)] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Solver and simulation seed.")] = 0,
    history_weeks: Annotated[
        int, typer.Option("--history-weeks", help="Weeks of stored history to use.", min=1)
    ] = DEFAULT_HISTORY_WEEKS,
    timezone: Annotated[
        str | None,
        typer.Option("--timezone", help="Zone of naive times in --history (the scenario's)."),
    ] = None,
    database_url: DatabaseOpt = None,
) -> None:
    """The week's plan: forecast, requirements, roster, simulated check (see DESIGN.md)."""
    base = read_scenario_file(scenario)
    week = _week_start(week_start)
    options = PlanOptions(
        week_start=week,
        model=model,
        country=country,
        service_level=service_level,
        threshold_s=threshold_s,
        confidence=confidence or None,
        shrinkage=shrinkage,
        time_limit_s=time_limit,
        workers=workers,
        seed=seed,
    )
    contacts = None
    if history is not None:
        zone = timezone or str(base.get("timezone") or "UTC")
        frame = read_frame(history, timezone=check_timezone(zone))
        missing = [c for c in (QUEUE, INTERVAL_START, "offered") if c not in frame.columns]
        if missing:
            raise InvalidInput(
                f"{history}: not an interval history (missing {', '.join(missing)})",
                [FieldError(None, c, "required column is missing") for c in missing],
            )
        intervals = frame
    else:
        queues = [str(q.get("name")) for q in base.get("queues", []) if isinstance(q, dict)]
        intervals, contacts = stored_plan_inputs(
            store_url(database_url),
            queues or None,
            week,
            history_weeks,
            str(base.get("timezone") or "UTC"),
            int(base.get("interval_minutes") or 15),
        )
    with progress_bar("plan") as report:
        result = plan_week(intervals, options, base=base, contacts=contacts, progress=report)
    write_plan(result, out)
    _print_report(result, out)


def register(app: typer.Typer) -> None:
    """Add `seatwise plan` to the app."""
    app.command("plan")(plan)
