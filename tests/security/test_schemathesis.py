"""Property-based checks of the whole API against its own OpenAPI schema (Schemathesis).

For every operation, a bounded number of generated requests (valid and invalid), as a
signed-in supervisor, against the real server: no server error, every response conforms to
the schema and its declared status codes, no invalid input accepted, authentication never
ignored. The longer run is `scripts/schemathesis.sh`.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import LiveServer, login

EXAMPLES = int(os.environ.get("REDANGEL_SCHEMATHESIS_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          negative_data_rejection, ignored_auth]


def test_every_operation_conforms(live: LiveServer, world, backend: str) -> None:  # type: ignore[no-untyped-def]
    examples = EXAMPLES if backend == "sqlite" else 2  # same code on both; fewer on the second
    client = login(live, world.supervisor, world.password)
    token = client.headers["Authorization"]
    client.close()
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    ran = 0
    for operation in operations:
        if operation.path.endswith("/logout"):
            continue  # would sign the supervisor out for the operations that follow

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal ran
            case.headers = {**(case.headers or {}), "Authorization": token}
            response = case.call(base_url=live.url)
            case.validate_response(response, checks=CHECKS)
            ran += 1

        check()
    assert ran >= len(operations)
    print(f"schemathesis: {len(operations)} operations, {ran} generated requests, {backend}")
