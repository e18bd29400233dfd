"""schemathesis against the server's own OpenAPI document: whatever it sends, within
the schema (positive) or not (negative), no answer is a 5xx and every answer matches
the documented status codes, media types, headers and response schemas.

Bounded: 30 examples per operation and mode, a deadline per example, one server on
127.0.0.1. (Driven through hypothesis directly: schemathesis' lazy pytest fixture
does not run on pytest 9.)
"""

from __future__ import annotations

import secrets

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode, checks

from cscore.server import ServerSettings, create_app
from cscore.testing.server import serving_app

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
BOUNDS = settings(
    max_examples=30,
    deadline=10_000,  # ms: a rule check or a replay builds a kernel of its own
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    db = tmp_path_factory.mktemp("schema") / "log.db"
    # A token no fuzzer guesses: the reload endpoint answers it 401/403.
    app = create_app(ServerSettings(db=str(db), admin_token=secrets.token_urlsafe(32)))
    with serving_app(app) as url:
        case = {"industry": "ecommerce", "kind": "return", "facts": {"order_channel": "online"}}
        for _ in range(3):  # logged decisions, so that some generated ids exist
            assert httpx.post(f"{url}/v1/decisions", json=case).status_code == 200
        yield url, schemathesis.openapi.from_url(f"{url}/openapi.json")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_every_answer_as_documented(api, mode):
    url, schema = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    calls: dict[str, int] = {}
    for operation in operations:
        raw = operation.definition.raw
        if mode is GenerationMode.NEGATIVE and not ("parameters" in raw or "requestBody" in raw):
            continue  # nothing in the request to get wrong (/healthz, /metrics)

        @BOUNDS
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case) -> None:
            case.call_and_validate(base_url=url, checks=CHECKS, timeout=30)
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1

        run()
    assert url.startswith("http://127.0.0.1:")
    # every operation was exercised (negative: those with something to get wrong)
    assert len(calls) >= (10 if mode is GenerationMode.POSITIVE else 5), calls
