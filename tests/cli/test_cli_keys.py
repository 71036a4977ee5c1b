"""`seatwise keys create|list|revoke`: the printed key works once stored, and stops when revoked."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from features.store.records_store import Store

runner = CliRunner()


def _store_agents(url: str, teams: dict[str, str]) -> None:
    """Agents (id -> team) in the store at `url`, so keys may name them."""
    store = Store(url)
    store.migrate()
    store.upsert_agents(
        [
            {"agent_id": agent, "name": agent.upper(), "team": team, "skills": {"billing": 3}}
            for agent, team in teams.items()
        ]
    )


def test_create_list_revoke_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seatwise.db'}"
    _store_agents(url, {"a1": "t1", "a2": "t2"})
    created = runner.invoke(
        cli,
        [
            "keys",
            "create",
            "--role",
            "supervisor",
            "--team",
            "t1",
            "--team",
            "t2",
            "--database-url",
            url,
        ],
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("sw_")
    key_id = key.split("_")[1]

    listed = runner.invoke(cli, ["keys", "list", "--database-url", url])
    assert listed.exit_code == 0
    assert key_id in listed.stdout
    assert "t1,t2" in listed.stdout
    assert key not in listed.stdout

    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert (
            client.get(
                "/v1/kpis",
                params={
                    "start": "2026-11-30T00:00:00Z",
                    "end": "2026-12-01T00:00:00Z",
                    "level": "team",
                    "id": "t2",
                },
                headers=headers,
            ).status_code
            == 200
        )
        revoked = runner.invoke(cli, ["keys", "revoke", key_id, "--database-url", url])
        assert revoked.exit_code == 0
        assert client.get("/v1/kpis", headers=headers).status_code == 401


def test_bad_key_requests_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seatwise.db'}"
    wrong_role = runner.invoke(cli, ["keys", "create", "--role", "boss", "--database-url", url])
    assert wrong_role.exit_code == 2
    assert "role" in wrong_role.output
    agent = runner.invoke(cli, ["keys", "create", "--role", "agent", "--database-url", url])
    assert agent.exit_code == 2
    assert "--agent-id" in agent.output
    missing = runner.invoke(cli, ["keys", "revoke", "000000000000", "--database-url", url])
    assert missing.exit_code == 2


def test_keys_for_unknown_agents_or_teams_exit_2_naming_the_field(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seatwise.db'}"
    _store_agents(url, {"a1": "t1"})
    agent = runner.invoke(
        cli, ["keys", "create", "--role", "agent", "--agent-id", "a9", "--database-url", url]
    )
    assert agent.exit_code == 2
    assert "field 'agent_id'" in agent.output
    assert "'a9'" in agent.output
    team = runner.invoke(
        cli,
        ["keys", "create", "--role", "supervisor", "--team", "t1", "--team", "t7"]
        + ["--database-url", url],
    )
    assert team.exit_code == 2
    assert "field 'team'" in team.output
    assert "'t7'" in team.output
    assert "'t1'" not in team.output
    listed = runner.invoke(cli, ["keys", "list", "--database-url", url])
    assert "supervisor" not in listed.stdout
    assert "a9" not in listed.stdout

    known = runner.invoke(
        cli, ["keys", "create", "--role", "agent", "--agent-id", "a1", "--database-url", url]
    )
    assert known.exit_code == 0, known.output
    assert known.stdout.strip().startswith("sw_")


def test_force_creates_a_key_for_an_unknown_team_with_a_warning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'seatwise.db'}"
    forced = runner.invoke(
        cli,
        ["keys", "create", "--role", "supervisor", "--team", "new-team", "--force"]
        + ["--database-url", url],
    )
    assert forced.exit_code == 0, forced.output
    assert "warning" in forced.stderr
    assert "new-team" in forced.stderr
    key = forced.stdout.strip()
    assert key.startswith("sw_")
    listed = runner.invoke(cli, ["keys", "list", "--database-url", url])
    assert key.split("_")[1] in listed.stdout
    assert "new-team" in listed.stdout


def test_serve_help() -> None:
    answer = runner.invoke(cli, ["serve", "--help"])
    assert answer.exit_code == 0
    assert "--port" in answer.stdout
    assert "--workers" in answer.stdout
