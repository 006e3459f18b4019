"""A page of persons shown at once is audited one event per person; their digests are built from
one canonical form, and each equals the digest of its own event, which `audit verify` recomputes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from redangel.audit import chain


def _event(**overrides: object) -> dict[str, object]:
    return {"at": datetime(2026, 12, 7, 14, 30, 1, 123456, tzinfo=UTC), "actor_kind": "agency",
            "actor_id": "client-7", "actor_role": "agency", "office_id": uuid.uuid4(),
            "agency_code": "dif", "action": "agency.list_enrollments", "person_id": None,
            "purpose": "program_administration", "outcome": "ok", "detail": {"rows": 3},
            **overrides}


@pytest.mark.parametrize("detail", [{"rows": 3}, {}, {"note": "person_id \"x\""}])
def test_each_digest_is_that_of_its_own_event(detail: dict[str, object]) -> None:
    event = _event(detail=detail)
    people = [uuid.uuid4() for _ in range(5)]
    assert chain.digests_per_person(event, [str(p) for p in people]) == [
        chain.digest({**event, "person_id": p}) for p in people]


def test_the_digests_differ_by_person() -> None:
    people = [str(uuid.uuid4()) for _ in range(3)]
    assert len(set(chain.digests_per_person(_event(), people))) == 3
