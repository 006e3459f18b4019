"""Readiness names the failed check and nothing more; metrics are by route template and not
public; every answer carries a request id, and log lines are masked JSON carrying it."""

from __future__ import annotations

import base64
import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request

from redangel.config import Settings
from redangel.db import make_engine
from redangel.logging_setup import REQUEST_ID, JsonFormatter, PiiMaskingFilter, RequestIdFilter
from redangel.ops.install import metrics_allowed
from tests.builders import person_payload
from tests.conftest import LiveServer, login, make_settings, migrate, start_server, unique_suffix


@pytest.fixture
def own(fresh_url: str, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    """A server on a database of its own, which the test may break."""
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    server = start_server(settings)
    yield server, fresh_url
    server.stop()


def test_readiness_names_the_failed_check_only(own) -> None:  # type: ignore[no-untyped-def]
    server, url = own
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok"}}
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    broken = httpx.get(server.url + "/readyz")
    assert broken.status_code == 503
    assert broken.json() == {"status": "unavailable",
                             "checks": {"database": "ok", "schema": "failed"}}
    assert "alembic" not in broken.text and "SQL" not in broken.text


def test_metrics_by_route_template_with_request_ids(live: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    clerk = login(live, world.clerk, world.password)
    person = clerk.post("/persons", json=person_payload(unique_suffix())).json()
    read = clerk.get(f"/persons/{person['id']}", headers={"X-Request-ID": "desk-7.check_1"})
    assert read.headers["x-request-id"] == "desk-7.check_1"
    odd = clerk.get(f"/persons/{person['id']}", headers={"X-Request-ID": "a b\"<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    assert clerk.get(f"/persons/{uuid.uuid4()}").headers["x-request-id"]
    clerk.close()
    metrics = httpx.get(live.url + "/metrics")
    assert metrics.status_code == 200
    body = metrics.text
    assert 'route="/api/v1/persons/{person_id}"' in body
    assert re.search(r'redangel_request_seconds_count\{method="GET",'
                     r'route="/api/v1/persons/\{person_id\}",status="200"\} [1-9]', body)
    assert person["id"] not in body  # never the raw path
    assert "redangel_audit_unsealed_events" in body
    assert "redangel_job_runs_total" in body


def _request(host: str, authorization: str | None = None) -> Request:
    headers = [(b"authorization", authorization.encode())] if authorization else []
    return Request({"type": "http", "method": "GET", "path": "/metrics", "headers": headers,
                    "client": (host, 5000), "query_string": b""})


def test_metrics_are_not_public_in_production(tmp_path: Path) -> None:
    keys = {"secret_key": "s" * 40,
            "key_encryption_key": base64.b64encode(b"k" * 32).decode(),
            "blind_index_key": base64.b64encode(b"b" * 32).decode()}
    production = Settings(environment="production", data_dir=tmp_path, **keys)  # type: ignore[arg-type]
    assert not metrics_allowed(production, _request("127.0.0.1"))  # a local proxy looks local
    scraped = Settings(environment="production", data_dir=tmp_path, metrics_token="t" * 32, **keys)  # type: ignore[arg-type]
    assert not metrics_allowed(scraped, _request("10.0.0.5"))
    assert not metrics_allowed(scraped, _request("10.0.0.5", "Bearer wrong"))
    assert metrics_allowed(scraped, _request("10.0.0.5", "Bearer " + "t" * 32))
    development = Settings(environment="development", data_dir=tmp_path)
    assert metrics_allowed(development, _request("127.0.0.1"))
    assert not metrics_allowed(development, _request("192.168.1.9"))


def test_log_lines_are_masked_json_with_the_request_id() -> None:
    record = logging.LogRecord("redangel.test", logging.WARNING, __file__, 1,
                               "lookup of %s failed", ("GOMA800101HDFRRN09",), None)
    token = REQUEST_ID.set("req-42")
    try:
        for item in (PiiMaskingFilter(), RequestIdFilter()):
            item.filter(record)
    finally:
        REQUEST_ID.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42"
    assert line["message"] == "lookup of [masked] failed"
    assert line["level"] == "WARNING" and line["logger"] == "redangel.test"
