"""`seatwise serve`: how many worker processes, from the option, the environment or the CPU."""

from __future__ import annotations

import os
from typing import Any

import pytest
from typer.testing import CliRunner

import api.cli.service as service
from api.cli import app as cli
from api.settings import Settings

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The arguments `seatwise serve` hands to the server (which is not started)."""
    calls: list[dict[str, Any]] = []

    def record(settings: Settings, host: str, port: int, workers: int, **kwargs: Any) -> None:
        calls.append({"host": host, "port": port, "workers": workers, **kwargs})

    monkeypatch.setattr(service, "run_server", record)
    monkeypatch.delenv("SEATWISE_WORKERS", raising=False)
    return calls


def test_several_workers_by_default(served: list[dict[str, Any]]) -> None:
    assert runner.invoke(cli, ["serve", "--port", "8123"]).exit_code == 0
    workers = max(2, os.cpu_count() or 1)
    assert served == [{"host": "127.0.0.1", "port": 8123, "workers": workers, "access_log": False}]
    assert service.default_workers() >= 2


def test_workers_from_the_option_then_the_environment(
    served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEATWISE_WORKERS", "3")
    assert runner.invoke(cli, ["serve"]).exit_code == 0
    assert runner.invoke(cli, ["serve", "--workers", "5", "--access-log"]).exit_code == 0
    assert [(c["workers"], c["access_log"]) for c in served] == [(3, False), (5, True)]


def test_bad_worker_counts_exit_2(served: list[dict[str, Any]]) -> None:
    answer = runner.invoke(cli, ["serve", "--workers", "0"])
    assert answer.exit_code == 2
    assert "--workers" in answer.output
    assert served == []
