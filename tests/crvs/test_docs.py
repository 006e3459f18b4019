"""The examples of docs/crvs.md are what the standard accepts and what redangel reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

from redangel.crvs.schemas import NotifyEvent, NotifyMessage, PersonRecord
from tests.crvs.test_subscribe import TXN_ON_STATUS, txn_request_errors
from tests.dci.standard import errors, request_body, validator

DOC = Path(__file__).resolve().parents[2] / "docs" / "crvs.md"


def _examples() -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def test_the_documented_examples_follow_the_standard() -> None:
    envelope, death, reversal, described = _examples()[:4]
    assert errors(request_body("registry", "/registry/notify"), envelope) == []
    NotifyMessage.model_validate(envelope["message"])
    event = validator("registry", "#/components/schemas/NotifyEventRequest")
    for item in (death, reversal):
        assert errors(event, {"transaction_id": "t", "notify_event": [item]}) == []
        NotifyEvent.model_validate(item)
    assert PersonRecord.model_validate(described).parents[0].birth_date is not None


def test_an_event_without_its_record_is_not_the_standards() -> None:
    _, death, _, _ = _examples()[:4]
    event = validator("registry", "#/components/schemas/NotifyEventRequest")
    broken = {**death, "data": {k: v for k, v in death["data"].items() if k != "reg_records"}}
    assert errors(event, {"transaction_id": "t", "notify_event": [broken]})
    assert errors(event, {"transaction_id": "t" * 100, "notify_event": [death]})


def test_the_documented_subscription_and_status_messages_follow_the_standard() -> None:
    subscribe, on_subscribe, txn_status, txn_answer = _examples()[4:]
    assert errors(request_body("registry", "/registry/subscribe"), subscribe) == []
    assert errors(request_body("registry", "/registry/on-subscribe"), on_subscribe) == []
    assert txn_request_errors(txn_status) == []
    assert errors(TXN_ON_STATUS, txn_answer) == []
