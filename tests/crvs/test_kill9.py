"""A server killed with SIGKILL in the middle of a death cascade leaves each notification all
done or not done at all: never a person deceased with their household untouched, never an
event recorded without its effects, never a message taken whose events are missing."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from redangel.auth.principal import SYSTEM
from redangel.cli.context import context
from redangel.common.clock import city_today
from redangel.config import get_settings
from redangel.crvs import service, simulator
from redangel.crvs.models import CrvsEvent, CrvsMessage
from redangel.eligibility import load_catalog
from redangel.household import service as households
from redangel.household.schemas import HouseholdCreate, MemberIn
from redangel.person import service as persons
from redangel.person.models import Membership, Person
from redangel.person.schemas import PersonCreate
from redangel.program.service import sync_catalog
from tests.builders import born_in, person_payload
from tests.conftest import make_settings, migrate, unique_suffix
from tests.durability.test_kill9 import _port, _start

FAMILIES = 90
PER_MESSAGE = 30


@pytest.fixture
def isolated(fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings = make_settings(fresh_url, tmp_path)
    migrate(settings)
    monkeypatch.setenv("REDANGEL_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("REDANGEL_ENVIRONMENT", "test")
    get_settings.cache_clear()
    ctx = context()
    get_settings.cache_clear()
    yield settings, ctx
    ctx.engine.dispose()


def _families(ctx: Any) -> list[str]:
    """Heads of two-person households, with their CURPs."""
    keyring = ctx.keyring()
    curps = []
    with ctx.sessions() as session:
        sync_catalog(session, load_catalog(ctx.settings.catalog_path))
        for _ in range(FAMILIES):
            data = [person_payload(unique_suffix(), birth_date=born_in(random.randrange(1940, 1970))),
                    person_payload(unique_suffix(), birth_date=born_in(random.randrange(1970, 1990)))]
            made = [persons.create(session, keyring=keyring, principal=SYSTEM,
                                   data=PersonCreate.model_validate(d)) for d in data]
            since = city_today() - timedelta(days=900)
            households.create(session, principal=SYSTEM, data=HouseholdCreate(
                borough="iztapalapa", members=[
                    MemberIn(person_id=made[0].id, relationship="head", since=since),
                    MemberIn(person_id=made[1].id, relationship="spouse", since=since)]))
            curps.append(data[0]["curp"])
        session.commit()
    return curps


def test_a_cascade_killed_midway_is_all_or_nothing(isolated: Any) -> None:
    settings, ctx = isolated
    curps = _families(ctx)
    registry = simulator.CivilRegistry(sender_id="kill-registry", key=simulator.new_key())
    with ctx.sessions() as session:
        service.add_source(session, principal=SYSTEM, sender_id=registry.sender_id, name="k",
                           public_key=simulator.public_text(registry.key), receiver_id="redangel")
        session.commit()
    port = _port()
    server = _start(settings, port)
    answers: list[int] = []

    def send() -> None:
        died = city_today() - timedelta(days=3)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for start in range(0, FAMILIES, PER_MESSAGE):
                events = [simulator.death(reference_id=str(uuid.uuid4()), curp=c, died_on=died,
                                          at=simulator.datetime.now(simulator.UTC))
                          for c in curps[start:start + PER_MESSAGE]]
                try:
                    answers.append(registry.send(client, registry.envelope(events)).status_code)
                except httpx.HTTPError:
                    return

    sender = threading.Thread(target=send)
    sender.start()
    while not answers:  # the first message acknowledged: the second is being cascaded now
        time.sleep(0.01)
    time.sleep(random.uniform(0.05, 0.4))
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    sender.join()
    assert answers and all(a == 200 for a in answers)

    with ctx.sessions() as session:
        dead = set(session.scalars(select(Person.id).where(Person.deceased_on.isnot(None))).all())
        left = set(session.scalars(select(Membership.person_id).where(
            Membership.end_reason == "death")).all())
        run = set(session.scalars(select(CrvsEvent.person_id).where(
            CrvsEvent.state == "processed")).all())
        taken = session.scalar(select(func.count()).select_from(CrvsMessage).where(
            CrvsMessage.outcome == "taken"))
        events = session.scalar(select(func.count()).select_from(CrvsEvent))
    assert dead == left == run, "a death's cascade was cut in the middle"
    assert events == taken * PER_MESSAGE, "a message was taken without all of its events"
    assert len(dead) >= len(answers) * PER_MESSAGE, "an acknowledged notification was lost"
    assert len(dead) < FAMILIES, "the kill came too late to cut a cascade"
