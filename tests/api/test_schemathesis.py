"""Property-based requests generated from the live OpenAPI document: no endpoint answers 5xx.

Every operation of ``/openapi.json`` gets a bounded number of generated requests (valid and
edge-case parameters and bodies) sent in-process with an admin key; a 5xx fails the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err

from api.deps import get_jobs
from api.services.jobs import JobRunner
from features.store.tables.service import Job
from forecasting import registry

KeyFactory = Callable[..., dict[str, str]]

EXAMPLES_PER_OPERATION = 15


class QueueOnlyRunner(JobRunner):
    """Records submitted jobs as queued without running them: generated training requests
    (62 days, every model) would otherwise keep both cores busy for minutes."""

    def submit(
        self,
        kind: str,
        params: dict[str, Any],
        key_id: str | None = None,
        job_id: str | None = None,
    ) -> Job:
        return self.store.create_job(job_id or uuid.uuid4().hex, kind, params, self.owner, key_id)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_server_errors(client: TestClient, auth: KeyFactory) -> None:
    headers = auth("admin")
    app = client.app
    runner = QueueOnlyRunner(app.state.settings, app.state.service_store)  # type: ignore[attr-defined]
    app.dependency_overrides[get_jobs] = lambda: runner  # type: ignore[attr-defined]
    # Creating MLflow's schema takes seconds on a loaded machine (longer than the transport's
    # 10 s read timeout at worst): build the throw-away registry before the generated calls.
    registry.list_models(uri=app.state.settings.mlflow_uri)  # type: ignore[attr-defined]
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    failures: dict[str, str] = {}
    tested = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures[f"invalid schema #{len(failures)}"] = str(result.err())
            continue
        operation = result.ok()
        tested.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:2000]
    assert len(tested) >= 15, tested
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
