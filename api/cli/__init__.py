"""The `seatwise` command line (Typer). Each area registers its commands from its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="seatwise",
    help="Seatwise: workforce management for contact centres.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMAND_MODULES = (
    "records",
    "history",
    "forecasting",
    "staffing",
    "roster",
    "plan",
    "simulate",
    "capacity",
    "service",
    "export",
    "demo",
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"api.cli.{name}")
        module.register(app)


_register_all()


def main() -> None:
    """Entry point of the `seatwise` console script."""
    app()
