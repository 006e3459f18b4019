"""redangel subscribes to a civil registry's events, the civil registry answers `on-subscribe`
and `on-unsubscribe`, and asks `txn-status` about what it notified: over real HTTP, every
message and answer checked against the standard's schemas, refusals with its codes."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from redangel.auth.principal import SYSTEM
from redangel.cli.crvs import deliver
from redangel.common.clock import city_today
from redangel.config import Settings
from redangel.crvs import service, simulator
from redangel.dci import keys, signature
from tests.conftest import LiveServer
from tests.crvs.helpers import ACK, CALLBACK_HEADER, TRANSPORT, acked, newborn, person, register, send
from tests.dci.standard import errors, request_body, validator

SUBSCRIBE = request_body("registry", "/registry/subscribe")
ON_SUBSCRIBE = request_body("registry", "/registry/on-subscribe")
UNSUBSCRIBE = request_body("registry", "/registry/unsubscribe")
ON_UNSUBSCRIBE = request_body("registry", "/registry/on-unsubscribe")
TXN_STATUS = request_body("registry", "/registry/sync/txn/status")
TRANSACTION_ID = validator("registry", "#/components/schemas/TransactionId")
REFERENCE_IDS = validator("registry", "#/components/schemas/ReferenceIdList")
TXN_ON_STATUS = validator("registry", "#/paths/~1registry~1sync~1txn~1status/post/responses/"
                                      "default/content/application~1json/schema")


def txn_request_errors(body: dict[str, Any]) -> list[str]:
    """A `txn-status` request checked against the standard. Its `attribute_value` is a `oneOf`
    whose branches overlap (a transaction id is also a correlation id; `SubscriptionCodeList`
    has no type), so no real value satisfies it: the value is checked against the branch its
    `attribute_type` names, and the rest of the message with a stand-in the `oneOf` takes."""
    query = body["message"]["txnstatus_request"]
    branch = TRANSACTION_ID if query["attribute_type"] == "transaction_id" else REFERENCE_IDS
    stand_in = dict(body, message=dict(body["message"], txnstatus_request=dict(
        query, attribute_value="x" * 100)))
    return errors(TXN_STATUS, stand_in) + errors(branch, query["attribute_value"])


class CivilRegistryServer:
    """The civil registry's DCI door, played in the test: it keeps what redangel posts and
    acknowledges it (or refuses with 503 when told to)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.refuse = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.received.append((self.path, body))
                status = 503 if outer.refuse else 200
                answer = json.dumps({"message": {"ack_status": "ACK", "timestamp": datetime.now(
                    UTC).isoformat(), "correlation_id": str(uuid.uuid4())}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        for port in range(18350, 18400):
            try:
                self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def civil() -> Iterator[CivilRegistryServer]:
    server = CivilRegistryServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


def post(live: LiveServer, path: str, body: Any) -> httpx.Response:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        return client.post(f"/api/v1/crvs/registry/{path}", json=body)


def subscribed(sessions: Any, settings: Settings, civil: CivilRegistryServer,
               registry: simulator.CivilRegistry) -> dict[str, Any]:
    """redangel signs a `subscribe` and posts it to the civil registry; the message it sent."""
    with sessions() as session:
        envelope = service.subscribe(session, principal=SYSTEM, sender_id=registry.sender_id,
                                     secret_key=settings.secret_key, now=datetime.now(UTC))
        session.commit()
    deliver(civil.url, registry.sender_id, envelope, sessions)
    path, sent = civil.received[-1]
    assert path == "/registry/subscribe"
    return sent


def states(sessions: Any, sender_id: str) -> dict[str, tuple[str, str | None]]:
    with sessions() as session:
        return {s.reg_event_type: (s.state, s.code) for s in service.subscriptions(session, sender_id)}


def registry_public(settings: Settings) -> Any:
    return signature.public_key_from_text(keys.public_text(settings.secret_key))


class TestSubscribe:
    def test_redangel_subscribes_the_civil_registry_answers_and_redangel_unsubscribes(
        self, live: LiveServer, sessions: Any, settings: Settings, civil: CivilRegistryServer,
    ) -> None:
        registry = register(sessions)
        sent = subscribed(sessions, settings, civil, registry)
        assert errors(SUBSCRIBE, sent) == []
        assert sent["header"]["sender_id"] == "redangel"
        assert sent["header"]["receiver_id"] == registry.sender_id
        asked = [r["subscribe_criteria"]["reg_event_type"] for r in sent["message"]["subscribe_request"]]
        assert asked == ["BIRTH_REGISTERED", "DEATH_REGISTERED", "DEATH_REVERSAL", "DATA_MODIFICATION"]
        # the civil registry verifies redangel's signature with the key redangel gave it
        signature.verify(signature.parse(sent["signature"]), registry_public(settings),
                         header=sent["header"], message=sent["message"],
                         now=int(datetime.now(UTC).timestamp()))
        assert set(states(sessions, registry.sender_id).values()) == {("requested", None)}

        answer = registry.on_subscribe(sent, refuse=("DATA_MODIFICATION",))
        assert errors(ON_SUBSCRIBE, answer) == []
        taken = post(live, "on-subscribe", answer)
        assert taken.status_code == 200, taken.text
        assert errors(ACK, taken.json()) == []
        now = states(sessions, registry.sender_id)
        assert {k: v[0] for k, v in now.items()} == {
            "BIRTH_REGISTERED": "active", "DEATH_REGISTERED": "active", "DEATH_REVERSAL": "active",
            "DATA_MODIFICATION": "refused"}
        assert all(v[1] and v[1].startswith("sub-") for k, v in now.items() if v[0] == "active")

        again = post(live, "on-subscribe", answer)
        assert again.status_code == 409
        assert errors(CALLBACK_HEADER, again.json()["header"]) == []
        assert again.json()["header"]["status_reason_code"] == "rjct.message_id.duplicate"

        # asking again asks only for what is not held
        resent = subscribed(sessions, settings, civil, registry)
        assert [r["subscribe_criteria"]["reg_event_type"]
                for r in resent["message"]["subscribe_request"]] == ["DATA_MODIFICATION"]

        with sessions() as session:
            leave = service.unsubscribe(session, principal=SYSTEM, sender_id=registry.sender_id,
                                        secret_key=settings.secret_key, now=datetime.now(UTC))
            session.commit()
        assert errors(UNSUBSCRIBE, leave) == []
        deliver(civil.url, registry.sender_id, leave, sessions)
        assert civil.received[-1][0] == "/registry/unsubscribe"
        confirmed = registry.on_unsubscribe(leave)
        assert errors(ON_UNSUBSCRIBE, confirmed) == []
        acked(post(live, "on-unsubscribe", confirmed))
        assert {v[0] for k, v in states(sessions, registry.sender_id).items()
                if k != "DATA_MODIFICATION"} == {"ended"}

    def test_a_subscribe_the_civil_registry_does_not_take_is_marked_refused(
        self, live: LiveServer, sessions: Any, settings: Settings, civil: CivilRegistryServer,
    ) -> None:
        registry = register(sessions)
        civil.refuse = True
        try:
            with pytest.raises(Exception):  # noqa: B017 (the command exits non-zero)
                subscribed(sessions, settings, civil, registry)
        finally:
            civil.refuse = False
        assert set(states(sessions, registry.sender_id).values()) == {("refused", None)}

    def test_on_subscribe_refusals(
        self, live: LiveServer, sessions: Any, settings: Settings, civil: CivilRegistryServer,
    ) -> None:
        registry = register(sessions)
        sent = subscribed(sessions, settings, civil, registry)
        answer = registry.on_subscribe(sent)

        forged = simulator.CivilRegistry(sender_id=registry.sender_id, key=simulator.new_key())
        bad = post(live, "on-subscribe", forged.on_subscribe(sent))
        assert bad.status_code == 401
        assert errors(TRANSPORT, bad.json()) == []
        assert bad.json()["errors"][0]["code"] == "err.signature.invalid"

        stranger = simulator.CivilRegistry(sender_id=f"nobody-{uuid.uuid4().hex[:8]}",
                                           key=registry.key)
        unknown = post(live, "on-subscribe", stranger.on_subscribe(sent))
        assert unknown.status_code == 403
        assert unknown.json()["errors"][0]["code"] == "err.sender_id.invalid"

        other = dict(answer["message"], subscribe_response=[
            dict(answer["message"]["subscribe_response"][0], reference_id="not-ours")])
        malformed = post(live, "on-subscribe", registry.request("on-subscribe", other, count=1))
        assert malformed.status_code == 400
        assert errors(TRANSPORT, malformed.json()) == []
        assert "reference_id" in malformed.json()["errors"][0]["message"]

        assert set(states(sessions, registry.sender_id).values()) == {("requested", None)}
        acked(post(live, "on-subscribe", answer))


class TestTxnStatus:
    def test_the_civil_registry_learns_the_state_of_what_it_notified(
        self, live: LiveServer, sessions: Any, settings: Settings, clerk: httpx.Client,
    ) -> None:
        registry = register(sessions)  # never subscribed: its notify is taken all the same
        died = person(clerk)
        at = datetime.now(UTC)
        death = simulator.death(reference_id=str(uuid.uuid4()), curp=died["curp"],
                                died_on=city_today() - timedelta(days=2), at=at)
        _, unborn = newborn(None, ref="x")
        early = simulator.death(reference_id=str(uuid.uuid4()), curp=unborn,
                                died_on=city_today() - timedelta(days=1), at=at)
        transaction = str(uuid.uuid4())
        acked(send(live.url, registry, [death, early], transaction_id=transaction))

        asked = registry.txn_status(transaction_id=transaction)
        assert txn_request_errors(asked) == []
        answer = post(live, "txn/status", asked)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert errors(TXN_ON_STATUS, body) == []
        signature.verify(signature.parse(body["signature"]), registry_public(settings),
                         header=body["header"], message=body["message"],
                         now=int(datetime.now(UTC).timestamp()))
        assert body["header"]["action"] == "txn-on-status"
        assert body["header"]["receiver_id"] == registry.sender_id
        items = {i["reference_id"]: i for i in
                 body["message"]["txnstatus_response"]["txn_status"]["subscribe_response"]}
        assert items[death["reference_id"]]["status"] == "succ"
        assert items[early["reference_id"]]["status"] == "pdng"
        assert items[early["reference_id"]]["status_reason_message"].startswith("waiting")

        by_reference_asked = registry.txn_status(reference_ids=[death["reference_id"], "never-sent"])
        assert txn_request_errors(by_reference_asked) == []
        by_reference = post(live, "txn/status", by_reference_asked).json()
        assert errors(TXN_ON_STATUS, by_reference) == []
        listed = by_reference["message"]["txnstatus_response"]["txn_status"]["subscribe_response"]
        assert [i["status"] for i in listed] == ["succ", "rjct"]
        assert listed[1]["status_reason_code"] == "rjct.reference_id.invalid"

        replay = post(live, "txn/status", asked)
        assert replay.status_code == 409
        assert replay.json()["header"]["status_reason_code"] == "rjct.message_id.duplicate"

    def test_txn_status_refusals(self, live: LiveServer, sessions: Any) -> None:
        registry = register(sessions)
        forged = simulator.CivilRegistry(sender_id=registry.sender_id, key=simulator.new_key())
        bad = post(live, "txn/status", forged.txn_status(transaction_id="t-1"))
        assert bad.status_code == 401
        assert bad.json()["errors"][0]["code"] == "err.signature.invalid"
        stranger = simulator.CivilRegistry(sender_id=f"nobody-{uuid.uuid4().hex[:8]}",
                                           key=registry.key)
        unknown = post(live, "txn/status", stranger.txn_status(transaction_id="t-1"))
        assert unknown.status_code == 403
        assert errors(TRANSPORT, unknown.json()) == []
        asked = registry.txn_status(transaction_id="t-1")
        asked_message = dict(asked["message"], txnstatus_request=dict(
            asked["message"]["txnstatus_request"], attribute_type="correlation_id"))
        unanswerable = post(live, "txn/status", registry.request("txn-status", asked_message, count=1))
        assert unanswerable.status_code == 400
        assert errors(TRANSPORT, unanswerable.json()) == []
