"""A birth's child registered by someone else between the birth's look for the CURP and its
insert: the event goes to review as a duplicate CURP, the notify is acknowledged, and nothing of
the birth stays; on SQLite and PostgreSQL. A lone event runs without savepoints and the child's
row without its own (`vital.run`, `person.service.create(savepoint=False)`): the race spoils
the transaction, which is rolled back and the event run again, guarded."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from redangel.crvs import repository, simulator
from redangel.person.models import Person
from tests.conftest import LiveServer, login
from tests.crvs.helpers import acked, event_of, newborn, person, register, send


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


@pytest.fixture
def admin(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    client = login(live, world.admin, world.password)
    yield client
    client.close()


def test_a_child_registered_meanwhile_sends_the_birth_to_review_and_leaves_nothing(
    live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
    admin: httpx.Client, sessions: Any, keyring: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    mother = person(clerk, sex="M", birth_date="1991-07-08")
    ref = str(uuid.uuid4())
    event, curp = newborn(mother["curp"], ref=ref)
    # Someone else now holds the child's CURP; the birth's look is made not to see them, as
    # though they were registered just after it.
    holder = person(clerk, sex="H", birth_date="1980-01-02")
    index = keyring.blind_index("curp", curp)
    with sessions() as session:
        session.execute(update(Person).where(Person.id == uuid.UUID(holder["id"]))
                        .values(curp_index=index))
        session.commit()
    looked = repository.birth_subjects

    def unseen(session: Any, **given: Any) -> repository.BirthSubjects:
        return dataclasses.replace(looked(session, **given), child=None)

    monkeypatch.setattr(repository, "birth_subjects", unseen)
    acked(send(live.url, registry, [event]))
    seen = event_of(admin, ref)
    assert (seen["state"], seen["reason"], seen["person_id"]) == (
        "needs_review", "duplicate_curp", None), seen
    with sessions() as session:
        holders = session.scalar(select(func.count()).select_from(Person)
                                 .where(Person.curp_index == index))
    assert holders == 1
