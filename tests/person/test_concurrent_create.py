"""Clerks entering one CURP at the same moment: one record, the rest told it is a duplicate, and
nothing about the person in any log line (bound parameters and constraint details included)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
import pytest

from tests.builders import person_payload
from tests.conftest import LiveServer, unique_suffix

PARALLEL = 8


def test_parallel_creates_with_one_curp_are_one_201_and_409s_and_log_nothing(
    live: LiveServer, clerk: httpx.Client, keyring: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = person_payload(unique_suffix(), given_names="Canaria Rosalba")
    barrier = threading.Barrier(PARALLEL)
    answers: list[httpx.Response] = []

    def post() -> None:
        with httpx.Client(base_url=clerk.base_url, headers=clerk.headers, timeout=60) as client:
            barrier.wait()
            answers.append(client.post("/persons", json=payload))

    threads = [threading.Thread(target=post) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (PARALLEL - 1), [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"duplicate_curp"}
    canaries = [payload["first_surname"], "Canaria", payload["curp"], payload["birth_date"],
                keyring.blind_index("curp", payload["curp"])]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert not [c for c in canaries if c in logged], logged[-3000:]


def test_the_engine_hides_bound_parameters(live: LiveServer) -> None:
    assert live.app.state.engine.hide_parameters is True  # type: ignore[attr-defined]
