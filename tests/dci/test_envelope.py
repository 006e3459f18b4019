"""The DCI envelope, signature and answers, checked against the standard's own schemas."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from redangel.dci import answers, signature
from redangel.dci.check import Refused, read_header
from redangel.dci.envelope import CallbackHeader, RequestHeader
from tests.dci.standard import errors, request_body, validator

NOW = 1_800_000_000
HEADER = {"version": "1.0.0", "message_id": "m-1", "message_ts": "2026-12-07T10:00:00.000-06:00",
          "action": "notify", "status": "rcvd", "total_count": 1, "sender_id": "civil.cdmx",
          "receiver_id": "redangel.cdmx", "is_msg_encrypted": False}
MESSAGE = {"transaction_id": "t-1", "notify_event": [{
    "reference_id": "r-1", "timestamp": "2026-12-07T10:00:00-06:00",
    "data": {"reg_record_type": "spdci-extensions-dci:Person", "reg_records": {"sex": "female"}}}]}


def signed(key: Ed25519PrivateKey, header: dict = HEADER, message: dict = MESSAGE) -> str:
    return signature.sign(key, sender_id="civil.cdmx", key_id="k1", header=header,
                          message=message, now=NOW)


class TestSignature:
    def test_a_signed_message_verifies_and_names_its_sender(self) -> None:
        key = Ed25519PrivateKey.generate()
        parsed = signature.parse(signed(key))
        assert (parsed.sender_id, parsed.key_id) == ("civil.cdmx", "k1")
        signature.verify(parsed, key.public_key(), header=HEADER, message=MESSAGE, now=NOW + 5)

    def test_the_signature_matches_the_standards_string(self) -> None:
        text = signed(Ed25519PrivateKey.generate())
        assert errors(validator("registry", "#/components/schemas/MsgSignature"), text) == []
        assert text.startswith('Signature: namespace="dci", kidId="civil.cdmx|k1|ed25519", '
                               'algorithm="ed25519", created="1800000000", expires="1800000600", '
                               'headers="(created) (expires) digest", signature="')

    def test_key_order_and_spacing_do_not_matter(self) -> None:
        key = Ed25519PrivateKey.generate()
        reordered = dict(reversed(list(HEADER.items())))
        signature.verify(signature.parse(signed(key)), key.public_key(), header=reordered,
                         message=MESSAGE, now=NOW)

    @pytest.mark.parametrize("where", ["header", "message"])
    def test_any_changed_value_fails(self, where: str) -> None:
        key = Ed25519PrivateKey.generate()
        header, message = copy.deepcopy(HEADER), copy.deepcopy(MESSAGE)
        if where == "header":
            header["receiver_id"] = "someone.else"
        else:
            message["notify_event"][0]["data"]["reg_records"]["sex"] = "male"
        with pytest.raises(signature.SignatureError) as caught:
            signature.verify(signature.parse(signed(key)), key.public_key(), header=header,
                             message=message, now=NOW)
        assert caught.value.code == "err.signature.invalid"

    def test_another_key_fails(self) -> None:
        with pytest.raises(signature.SignatureError):
            signature.verify(signature.parse(signed(Ed25519PrivateKey.generate())),
                             Ed25519PrivateKey.generate().public_key(), header=HEADER,
                             message=MESSAGE, now=NOW)

    def test_another_senders_signature_fails(self) -> None:
        key = Ed25519PrivateKey.generate()
        text = signature.sign(key, sender_id="other", key_id="k1", header=HEADER, message=MESSAGE,
                              now=NOW)
        with pytest.raises(signature.SignatureError, match="another sender"):
            signature.verify(signature.parse(text), key.public_key(), header=HEADER,
                             message=MESSAGE, now=NOW)

    @pytest.mark.parametrize("now", [NOW - 120, NOW + 600 + 120])
    def test_outside_its_window_fails(self, now: int) -> None:
        key = Ed25519PrivateKey.generate()
        with pytest.raises(signature.SignatureError, match="window"):
            signature.verify(signature.parse(signed(key)), key.public_key(), header=HEADER,
                             message=MESSAGE, now=now)

    @pytest.mark.parametrize(("text", "code"), [
        (None, "err.signature.missing"), ("", "err.signature.missing"),
        ("Bearer x", "err.signature.invalid"),
        ('Signature: kidId="a|b|rsa", algorithm="rsa"', "err.signature.invalid"),
        ('Signature: kidId="a|b|ed25519", algorithm="ed25519", created="x", expires="1", '
         'headers="(created) (expires) digest", signature="AA=="', "err.signature.invalid"),
    ])
    def test_malformed_strings_are_named(self, text: str | None, code: str) -> None:
        with pytest.raises(signature.SignatureError) as caught:
            signature.parse(text)
        assert caught.value.code == code

    def test_public_keys_are_32_base64_bytes(self) -> None:
        with pytest.raises(ValueError, match="Ed25519"):
            signature.public_key_from_text("AAAA")


class TestHeader:
    def test_the_standards_callback_header_is_read(self) -> None:
        header = read_header(HEADER, CallbackHeader, action="notify")
        assert header.message_ts.utcoffset() is not None
        assert errors(request_body("registry", "/registry/notify"),
                      {"header": HEADER, "message": MESSAGE}) == []

    @pytest.mark.parametrize(("field", "value", "reason"), [
        ("version", "2.0.0", "rjct.version.invalid"),
        ("message_ts", "2026-12-07T10:00:00", "rjct.message_ts.invalid"),
        ("action", "search", "rjct.action.invalid"),
        ("total_count", "1", "rjct.total_count.invalid"),
        ("total_count", -1, "rjct.total_count.invalid"),
        ("status_reason_message", "x" * 1000, None),
        ("unknown_field", 1, None),
        ("message_id", "x" * 100, None),
    ])
    def test_bad_fields_earn_the_standards_reason(self, field: str, value: object,
                                                  reason: str | None) -> None:
        with pytest.raises(Refused) as caught:
            read_header({**HEADER, field: value}, CallbackHeader, action="notify")
        assert caught.value.reason == reason

    def test_a_request_header_needs_its_sender_and_count(self) -> None:
        bare = {k: v for k, v in HEADER.items() if k not in ("sender_id", "total_count")}
        with pytest.raises(Refused):
            read_header({**bare, "action": "subscribe"}, RequestHeader, action="subscribe")

    def test_the_standards_schema_refuses_what_the_model_refuses(self) -> None:
        body = request_body("registry", "/registry/notify")
        assert errors(body, {"header": {**HEADER, "message_ts": "2026-12-07T10:00:00"},
                             "message": MESSAGE})
        assert errors(body, {"header": {**HEADER, "status": "ok"}, "message": MESSAGE})


class TestAnswers:
    def test_the_rjct_envelope_is_the_standards(self) -> None:
        body = answers.rjct(action="on-notify", reason="rjct.message_id.duplicate",
                            message="already received", at=datetime.now(UTC),
                            sender_id="redangel.cdmx", receiver_id="civil.cdmx")
        header = validator("registry", "#/components/schemas/MsgCallbackHeader_V1.0.0")
        assert errors(header, body["header"]) == []
        assert body["header"]["status"] == "rjct"
        assert errors(header, {**body["header"], "status_reason_code": "rjct.query_type.invalid"})

    def test_the_acknowledgement_is_the_standards(self) -> None:
        body = answers.ack(correlation_id="c-1", at=datetime.now(UTC))
        schema = validator("registry", "#/components/responses/Response/content/"
                                       "application~1json/schema")
        assert errors(schema, body) == []
        assert errors(schema, {"message": {**body["message"], "ack_status": "OK"}})

    def test_transport_errors_are_the_standards(self) -> None:
        status, body = answers.transport_error("err.signature.invalid", "does not verify")
        schema = validator("registry", "#/components/responses/HttpErrorResponse/content/"
                                       "application~1json/schema")
        assert status == 401
        assert errors(schema, body) == []
