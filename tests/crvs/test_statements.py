"""What a death costs the database does not grow with the household it leaves nor with what the
person was enrolled in: the survivors are evaluated and offered together, in a fixed number of
statements (`lifeevent.evaluate_many`), not one round of lookups per survivor; the enrollments
end, and enter their agencies' feeds, in one batch however many."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from redangel.common.clock import city_today
from redangel.crvs import simulator
from redangel.history.models import HistoryEntry
from redangel.person.models import Person
from tests.card.test_card_service import SoftCard, issue
from tests.conftest import LiveServer, login
from tests.crvs.helpers import acked, enrol, event_of, household, person, register, send


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


@pytest.fixture
def admin(live: LiveServer, world: Any) -> Iterator[httpx.Client]:
    client = login(live, world.admin, world.password)
    yield client
    client.close()


@pytest.fixture
def notify_statements(live: LiveServer) -> Iterator[list[list[str]]]:
    """Per notification taken while the test watches, the statements its transaction ran (on
    its own connection, from the INSERT that took the message to its end), but for the audit
    trail's (its signed checkpoints come when their time is due, whatever the request) and the
    read of the programs on the books (every few seconds, whichever event comes then)."""
    engine = live.app.state.engine  # type: ignore[attr-defined]
    taken: list[list[str]] = []
    connection: list[Any] = [None]

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        text = " ".join(statement.split()).upper()
        # the message is taken alone, or with its one event (`repository.take_message_and_event`)
        if text.startswith(("INSERT INTO CRVS_MESSAGE", "WITH TAKEN_MESSAGE AS (INSERT INTO CRVS_MESSAGE")):
            connection[0] = conn.connection.dbapi_connection
            taken.append([])
        if taken and conn.connection.dbapi_connection is connection[0] and "AUDIT" not in text \
                and not text.startswith("SELECT PROGRAM.CODE FROM PROGRAM"):
            taken[-1].append(text[:60])

    def done(conn: Any) -> None:
        if conn.connection.dbapi_connection is connection[0]:
            connection[0] = None

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "commit", done)
    yield taken
    event.remove(engine, "commit", done)
    event.remove(engine, "before_cursor_execute", seen)


def _family(clerk: httpx.Client, children: int) -> dict[str, Any]:
    """A head, a spouse and `children` children, in one household."""
    head = person(clerk, sex="H", birth_date="1960-04-04")
    spouse = person(clerk, sex="M", birth_date="1962-06-06")
    kids = [person(clerk, birth_date=f"20{10 + i:02d}-03-0{1 + i}") for i in range(children)]
    household(clerk, [(head["id"], "head"), (spouse["id"], "spouse")]
              + [(k["id"], "child") for k in kids])
    return head


def test_a_deaths_statements_do_not_grow_with_its_survivors(
    live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
    admin: httpx.Client, notify_statements: list[list[str]],
) -> None:
    small, large = _family(clerk, 1), _family(clerk, 4)
    outcomes = []
    for head in (small, large):
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.death(
            reference_id=ref, curp=head["curp"], died_on=city_today() - timedelta(days=1),
            at=datetime.now(UTC))]))
        outcomes.append(event_of(admin, ref))
    assert [e["state"] for e in outcomes] == ["processed", "processed"]
    assert [len(e["outcome"]["offers"]) for e in outcomes] == [2, 5]  # every survivor evaluated
    assert len(notify_statements) == 2
    few, many = notify_statements
    assert sum(s.startswith("INSERT INTO EVALUATION") for s in many) == 1  # the cascade watched
    assert len(few) == len(many), (few, many)


PROGRAMS = ("servicios_medicos_gratuitos", "comedores_comunitarios", "becas_cultura")


def test_a_deaths_statements_do_not_grow_with_its_enrollments(
    live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
    supervisor: httpx.Client, admin: httpx.Client, notify_statements: list[list[str]],
) -> None:
    """One enrollment or three, each in its own agency's feed, with a card: the same statements;
    and every one of the three ends on the day of death, not the day the death was notified."""
    died_on = city_today() - timedelta(days=6)
    enrolled: list[list[str]] = []
    for programs in (PROGRAMS[:1], PROGRAMS):
        head = person(clerk, sex="H", given_names="Juan Carlos", birth_date="1970-02-03")
        spouse = person(clerk, birth_date="1972-04-05")
        household(clerk, [(head["id"], "head"), (spouse["id"], "spouse")])
        enrolled.append([enrol(clerk, supervisor, head["id"], code) for code in programs])
        issue(clerk, head["id"], SoftCard())
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.death(reference_id=ref, curp=head["curp"],
                                                        died_on=died_on, at=datetime.now(UTC))]))
        seen = event_of(admin, ref)
        assert seen["state"] == "processed", seen
        assert len(seen["outcome"]["programs"]["enrollments"]) == len(programs)
        assert seen["outcome"]["card_revoked"] is True
    for enrollment in enrolled[1]:
        row = supervisor.get(f"/enrollments/{enrollment}").json()
        assert (row["status"], row["ended_on"], row["exit_reason"]) == (
            "exited", died_on.isoformat(), "death")
    assert len(notify_statements) == 2
    one, three = notify_statements
    assert sum(s.startswith("UPDATE ENROLLMENT") for s in three) == 1  # the cascade watched
    assert len(one) == len(three), (Counter(three) - Counter(one), Counter(one) - Counter(three))
    # the person's, the enrollments' and the household's history rows: one INSERT
    assert sum(s.startswith("INSERT INTO HISTORY_ENTRY") for s in three) == 1, three


def test_a_death_keeps_the_sealed_fields_and_writes_every_history_row(
    live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
    supervisor: httpx.Client, admin: httpx.Client, sessions: Any,
) -> None:
    """A death changes no sealed field, so the person's sealed columns stay as they were (not
    opened and sealed again), while the version moves on; the history rows gathered during the
    event are all there: the person's, each enrollment's and the household's."""
    head = person(clerk, sex="H", given_names="Ramiro", birth_date="1958-08-09",
                  phone="5512345678")
    spouse = person(clerk, birth_date="1961-01-02")
    home = household(clerk, [(head["id"], "head"), (spouse["id"], "spouse")])
    enrolled = [enrol(clerk, supervisor, head["id"], code) for code in PROGRAMS[:2]]
    head_id = uuid.UUID(head["id"])
    with sessions() as session:
        before = session.execute(select(Person.curp_sealed, Person.contact_sealed,
                                        Person.sensitive_sealed, Person.version)
                                 .where(Person.id == head_id)).one()
    ref = str(uuid.uuid4())
    acked(send(live.url, registry, [simulator.death(
        reference_id=ref, curp=head["curp"], died_on=city_today() - timedelta(days=3),
        at=datetime.now(UTC))]))
    assert event_of(admin, ref)["state"] == "processed"
    with sessions() as session:
        after = session.execute(select(Person.curp_sealed, Person.contact_sealed,
                                       Person.sensitive_sealed, Person.version)
                                .where(Person.id == head_id)).one()
        written = set(session.execute(
            select(HistoryEntry.entity, HistoryEntry.entity_id, HistoryEntry.action)
            .where(HistoryEntry.actor_id == f"crvs:{registry.sender_id}"[:64])).all())
    assert tuple(after[:3]) == tuple(before[:3])
    assert after.version == before.version + 1
    assert ("person", head_id, "update") in written
    assert {("enrollment", uuid.UUID(e), "exited") for e in enrolled} <= written
    assert ("household", uuid.UUID(home), "member_died") in written
    assert clerk.get(f"/persons/{head['id']}").json()["phone"] == "5512345678"
