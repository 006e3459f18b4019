"""Races through real HTTP: parallel retries and parallel updates never double or lose a write."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.builders import person_payload
from tests.conftest import LiveServer, login, unique_suffix


def test_parallel_retries_with_one_key_create_exactly_one_person(live: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    payload = person_payload(unique_suffix())
    key = str(uuid.uuid4())
    clients = [login(live, world.clerk, world.password) for _ in range(6)]

    def post(client: httpx.Client) -> httpx.Response:
        return client.post("/persons", json=payload, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(post, clients))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    created = {a.json()["id"] for a in answers if a.status_code == 201}
    assert len(created) == 1
    found = clients[0].post("/persons/search", json={"curp": payload["curp"]}).json()["items"]
    assert [p["id"] for p in found] == list(created)
    for client in clients:
        client.close()


def test_parallel_updates_with_one_etag_let_exactly_one_through(live: LiveServer, world) -> None:  # type: ignore[no-untyped-def]
    clients = [login(live, world.clerk, world.password) for _ in range(6)]
    created = clients[0].post("/persons", json=person_payload(unique_suffix()))
    pid, tag = created.json()["id"], created.headers["etag"]

    def patch(pair: tuple[int, httpx.Client]) -> httpx.Response:
        index, client = pair
        return client.patch(f"/persons/{pid}", json={"phone": f"55000000{index:02d}"},
                            headers={"If-Match": tag})

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(patch, enumerate(clients)))
    winners = [a for a in answers if a.status_code == 200]
    assert len(winners) == 1, [a.status_code for a in answers]
    assert all(a.status_code == 412 for a in answers if a.status_code != 200)
    final = clients[0].get(f"/persons/{pid}").json()
    assert final["phone"] == winners[0].json()["phone"] and final["version"] == 2
    for client in clients:
        client.close()
