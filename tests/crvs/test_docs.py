"""The examples of docs/crvs.md are what the standard accepts and what redangel reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

from redangel.crvs.schemas import NotifyEvent, NotifyMessage, PersonRecord
from tests.dci.standard import errors, request_body, validator

DOC = Path(__file__).resolve().parents[2] / "docs" / "crvs.md"


def _examples() -> list[dict]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC.read_text(), re.S)]


def test_the_documented_examples_follow_the_standard() -> None:
    envelope, death, reversal, described = _examples()
    assert errors(request_body("registry", "/registry/notify"), envelope) == []
    NotifyMessage.model_validate(envelope["message"])
    event = validator("registry", "#/components/schemas/NotifyEventRequest")
    for item in (death, reversal):
        assert errors(event, {"transaction_id": "t", "notify_event": [item]}) == []
        NotifyEvent.model_validate(item)
    assert PersonRecord.model_validate(described).parents[0].birth_date is not None


def test_an_event_without_its_record_is_not_the_standards() -> None:
    _, death, _, _ = _examples()
    event = validator("registry", "#/components/schemas/NotifyEventRequest")
    broken = {**death, "data": {k: v for k, v in death["data"].items() if k != "reg_records"}}
    assert errors(event, {"transaction_id": "t", "notify_event": [broken]})
    assert errors(event, {"transaction_id": "t" * 100, "notify_event": [death]})
