"""The civil registry's notifications over real HTTP: births, deaths and their reversals drive
the registry; what the standard refuses is refused with its codes, and recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from redangel.audit.models import AuditEvent
from redangel.auth import service as auth
from redangel.card.models import Card
from redangel.common.clock import city_today
from redangel.crvs import simulator
from redangel.crvs.models import CrvsEvent, CrvsMessage
from redangel.history.models import HistoryEntry
from redangel.person.models import Person
from tests.card.test_card_service import SoftCard, issue
from tests.conftest import LiveServer, login
from tests.crvs.helpers import (
    CALLBACK_HEADER,
    TRANSPORT,
    acked,
    enrol,
    event_of,
    household,
    newborn,
    person,
    post_raw,
    register,
    send,
)
from tests.dci.standard import errors
from tests.program.helpers import agency_client


@pytest.fixture(scope="module")
def registry(sessions: Any, live: LiveServer) -> simulator.CivilRegistry:
    return register(sessions)


@pytest.fixture
def admin(live: LiveServer, world: Any) -> httpx.Client:
    client = login(live, world.admin, world.password)
    yield client
    client.close()


COMEDORES_AGENCY = "sedeso"


def now() -> datetime:
    return datetime.now(UTC)


class TestBirth:
    def test_a_signed_birth_creates_the_child_and_an_offer_the_mother_accepts(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client, world: Any,
    ) -> None:
        mother = person(clerk, birth_date="1996-03-04")
        home = household(clerk, [(mother["id"], "head")])
        ref = str(uuid.uuid4())
        event, curp = newborn(mother["curp"], ref=ref)
        acked(send(live.url, registry, [event]))

        seen = event_of(admin, ref)
        assert seen["state"] == "processed", seen
        child = seen["person_id"]
        assert seen["outcome"]["mother"] == mother["id"]
        assert seen["outcome"]["household"] == home
        assert "bebe_seguro" in seen["outcome"]["offers"]

        read = clerk.get(f"/persons/{child}", headers={"X-Purpose": "registration"})
        assert read.status_code == 200, read.text
        assert read.json()["curp"] == curp
        assert read.json()["birth_date"] == event["data"]["reg_records"]["birth_date"]
        members = clerk.get(f"/households/{home}", headers={"X-Purpose": "registration"}).json()
        assert {(m["person_id"], m["relationship"]) for m in members["members"]} == {
            (mother["id"], "head"), (child, "child")}

        offers = clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()
        assert {o["state"] for o in offers} == {"offered"}
        bebe = next(o for o in offers if o["program"] == "bebe_seguro")
        mine = clerk.get(f"/persons/{mother['id']}/programs").json()
        assert not mine.get("applications")  # nothing applied for without consent

        accepted = clerk.post(f"/crvs/offers/{bebe['id']}/decision", json={"accept": True})
        assert accepted.status_code == 200, accepted.text
        body = accepted.json()
        assert body["state"] == "accepted" and body["folio"]
        assert body["decided_by"] and body["decided_where"] == f"office:{world.office_id}"
        application = clerk.get(f"/applications/{body['folio']}").json()
        assert application["channel"] == "proactive"
        again = clerk.post(f"/crvs/offers/{bebe['id']}/decision", json={"accept": True})
        assert again.status_code == 409

    def test_another_offices_clerk_cannot_see_or_take_the_offer(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        other_clerk: httpx.Client, admin: httpx.Client,
    ) -> None:
        mother = person(clerk, birth_date="1994-05-06")
        household(clerk, [(mother["id"], "head")])
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [newborn(mother["curp"], ref=ref)[0]]))
        offers = clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()
        assert offers
        assert other_clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json() == []
        taken = other_clerk.post(f"/crvs/offers/{offers[0]['id']}/decision", json={"accept": True})
        assert taken.status_code == 404

    def test_a_mother_without_a_household_gets_one_with_her_baby(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        mother = person(clerk, birth_date="1998-07-08")
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [newborn(mother["curp"], ref=ref)[0]]))
        seen = event_of(admin, ref)
        assert seen["state"] == "processed"
        assert seen["outcome"]["household_created"] is True

    def test_the_same_event_twice_has_one_effect(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        mother = person(clerk, birth_date="1993-01-02")
        home = household(clerk, [(mother["id"], "head")])
        ref = str(uuid.uuid4())
        event = newborn(mother["curp"], ref=ref)[0]
        acked(send(live.url, registry, [event]))
        acked(send(live.url, registry, [event]))  # a new message carrying the same event
        members = clerk.get(f"/households/{home}", headers={"X-Purpose": "registration"}).json()
        assert len(members["members"]) == 2
        offers = clerk.get("/crvs/offers", params={"person_id": mother["id"]}).json()
        assert len(offers) == len({o["program"] for o in offers})

    def test_an_unknown_mother_goes_to_the_stewards_review(
        self, live: LiveServer, registry: simulator.CivilRegistry, world: Any, sessions: Any,
    ) -> None:
        ref = str(uuid.uuid4())
        stranger = simulator.child_curp(given="Ana", first="Nadie", second="Nunca", sex="M",
                                        born=city_today() - timedelta(days=9000))
        acked(send(live.url, registry, [newborn(stranger, ref=ref)[0]]))
        steward = _steward(live, world, sessions)
        queue = steward.get("/crvs/events", params={"state": "needs_review", "limit": 200}).json()
        found = [e for e in queue["items"] if e["reference_id"] == ref]
        assert found and found[0]["reason"] == "mother_not_found"
        assert found[0]["person_id"] is None

    def test_a_mother_found_by_name_and_birth_date(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        mother = person(clerk, birth_date="1991-09-10", with_curp=False)
        ref = str(uuid.uuid4())
        described = {"name": {"given_name": mother["given_names"],
                              "surname": f"{mother['first_surname']}/{mother['second_surname']}"},
                     "birth_date": mother["birth_date"],
                     "address": [{"sub_region_code": "iztapalapa"}]}
        acked(send(live.url, registry, [newborn(None, ref=ref, mother=described)[0]]))
        assert event_of(admin, ref)["outcome"]["mother"] == mother["id"]


def _steward(live: LiveServer, world: Any, sessions: Any) -> httpx.Client:
    name = f"steward-{uuid.uuid4().hex[:8]}"
    with sessions() as session:
        auth.create_user(session, username=name, password=world.password, role="steward",
                         display_name=name, office_id=None)
        session.commit()
    return login(live, name, world.password)


class TestDeath:
    def test_a_death_ends_enrollments_revokes_the_card_reheads_and_offers(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        supervisor: httpx.Client, admin: httpx.Client, sessions: Any,
    ) -> None:
        father = person(clerk, sex="H", given_names="Juan Carlos", birth_date="1970-02-03")
        mother = person(clerk, birth_date="1972-04-05")
        son = person(clerk, sex="H", given_names="Luis", birth_date="2014-06-07",
                     attributes={"studying": True, "schooling_level": "primary"})
        home = household(clerk, [(father["id"], "head"), (mother["id"], "spouse"),
                                 (son["id"], "child")])
        enrolled = [enrol(clerk, supervisor, father["id"], code) for code in
                    ("servicios_medicos_gratuitos", "comedores_comunitarios", "becas_cultura")]
        issue(clerk, father["id"], SoftCard())
        agency = agency_client(live, sessions, COMEDORES_AGENCY)
        paid = agency.post(f"/enrollments/{enrolled[1]}/deliveries", json={
            "delivered_on": city_today().isoformat(), "kind": "meal"})
        assert paid.status_code == 201, paid.text
        died_on = city_today() - timedelta(days=10)
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.death(reference_id=ref, curp=father["curp"],
                                                        died_on=died_on, at=now())]))

        seen = event_of(admin, ref)
        assert seen["state"] == "processed", seen
        assert seen["outcome"]["deliveries_after_death"] == 1
        flagged = agency.get("/crvs/deliveries-after-death").json()
        assert [(f["delivery_id"], f["died_on"]) for f in flagged if f["person_id"] == father["id"]] == [
            (paid.json()["id"], died_on.isoformat())]
        assert all(f["program"] == "comedores_comunitarios" for f in flagged)
        changes, cursor = [], None
        for _ in range(50):  # the whole feed of the agency, page by page
            page = agency.get("/agency/changes", params={"limit": 1000, "cursor": cursor} if cursor
                              else {"limit": 1000}).json()
            changes += page["changes"]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        exits = [c for c in changes if c["id"] == enrolled[1] and c["action"] == "exited"]
        assert [c["data"]["ended_on"] for c in exits] == [died_on.isoformat()]
        for enrollment in enrolled:
            row = supervisor.get(f"/enrollments/{enrollment}").json()
            assert (row["status"], row["ended_on"], row["exit_reason"]) == (
                "exited", died_on.isoformat(), "death")
        with sessions() as session:
            card = session.scalar(select(Card).where(Card.person_id == uuid.UUID(father["id"])))
            assert card is not None and card.status == "revoked"
        members = clerk.get(f"/households/{home}", headers={"X-Purpose": "registration"}).json()
        current = {(m["person_id"], m["relationship"]) for m in members["members"] if m["until"] is None}
        assert current == {(mother["id"], "head"), (son["id"], "child")}
        assert "educacion_garantizada" in seen["outcome"]["offers"][son["id"]]
        offers = clerk.get("/crvs/offers", params={"person_id": son["id"]}).json()
        assert "educacion_garantizada" in {o["program"] for o in offers}

        # The reversal puts back what the death ended, except the card.
        back = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.reversal(reference_id=back, curp=father["curp"],
                                                           at=now())]))
        undone = event_of(admin, back)
        assert undone["state"] == "processed", undone
        assert sorted(undone["outcome"]["restored"]) == sorted(
            ["servicios_medicos_gratuitos", "comedores_comunitarios", "becas_cultura"])
        assert {"what": "card", "why": "new_card_needed"} in undone["outcome"]["not_restored"]
        for enrollment in enrolled:
            row = supervisor.get(f"/enrollments/{enrollment}").json()
            assert (row["status"], row["ended_on"], row["exit_reason"]) == ("active", None, None)
        members = clerk.get(f"/households/{home}", headers={"X-Purpose": "registration"}).json()
        current = {(m["person_id"], m["relationship"]) for m in members["members"] if m["until"] is None}
        assert current == {(father["id"], "head"), (mother["id"], "spouse"), (son["id"], "child")}
        with sessions() as session:
            card = session.scalar(select(Card).where(Card.person_id == uuid.UUID(father["id"])))
            assert card is not None and card.status == "revoked"

    def test_a_death_before_its_birth_waits_and_runs_when_the_birth_arrives(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        mother = person(clerk, birth_date="1990-11-12")
        household(clerk, [(mother["id"], "head")])
        birth_ref, death_ref = str(uuid.uuid4()), str(uuid.uuid4())
        born = city_today() - timedelta(days=20)
        event, curp = newborn(mother["curp"], ref=birth_ref, born=born)
        acked(send(live.url, registry, [simulator.death(
            reference_id=death_ref, curp=curp, died_on=born + timedelta(days=2), at=now())]))
        assert event_of(admin, death_ref)["state"] == "waiting"
        acked(send(live.url, registry, [event]))
        assert event_of(admin, birth_ref)["outcome"]["retried"] == 1
        death = event_of(admin, death_ref)
        assert death["state"] == "processed" and death["attempts"] == 2


class TestRefusals:
    def _count(self, sessions: Any, code: str, sender: str) -> int:
        with sessions() as session:
            return len(session.scalars(select(CrvsMessage).where(
                CrvsMessage.code == code, CrvsMessage.sender_id == sender)).all())

    def test_a_replayed_message_id_is_refused_and_recorded(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        sessions: Any,
    ) -> None:
        mother = person(clerk, birth_date="1992-12-01")
        household(clerk, [(mother["id"], "head")])
        body = registry.envelope([newborn(mother["curp"], ref=str(uuid.uuid4()))[0]])
        acked(post_raw(live.url, body))
        replay = post_raw(live.url, body)
        assert replay.status_code == 409
        answer = replay.json()
        assert errors(CALLBACK_HEADER, answer["header"]) == []
        assert (answer["header"]["status"], answer["header"]["status_reason_code"]) == (
            "rjct", "rjct.message_id.duplicate")
        assert self._count(sessions, "rjct.message_id.duplicate", registry.sender_id) >= 1

    def test_a_bad_signature_is_refused(self, live: LiveServer, registry: simulator.CivilRegistry,
                                        sessions: Any) -> None:
        body = registry.envelope([simulator.death(reference_id=str(uuid.uuid4()),
                                                  curp="HEGM500101MDFRRR09",
                                                  died_on=city_today(), at=now())])
        body["message"]["notify_event"][0]["data"]["reg_records"]["death_date"] = "2020-01-01"
        answer = post_raw(live.url, body)
        assert answer.status_code == 401
        assert errors(TRANSPORT, answer.json()) == []
        assert answer.json()["errors"][0]["code"] == "err.signature.invalid"
        assert self._count(sessions, "err.signature.invalid", registry.sender_id) >= 1

    def test_another_key_is_refused(self, live: LiveServer, registry: simulator.CivilRegistry) -> None:
        impostor = simulator.CivilRegistry(sender_id=registry.sender_id, key=simulator.new_key())
        answer = send(live.url, impostor, [simulator.reversal(
            reference_id=str(uuid.uuid4()), curp="HEGM500101MDFRRR09", at=now())])
        assert answer.status_code == 401

    def test_a_missing_signature_is_refused(self, live: LiveServer,
                                            registry: simulator.CivilRegistry) -> None:
        body = registry.envelope([simulator.reversal(reference_id=str(uuid.uuid4()),
                                                     curp="HEGM500101MDFRRR09", at=now())])
        del body["signature"]
        answer = post_raw(live.url, body)
        assert (answer.status_code, answer.json()["errors"][0]["code"]) == (
            401, "err.signature.missing")

    def test_an_unknown_sender_is_refused_and_recorded(self, live: LiveServer, sessions: Any) -> None:
        stranger = simulator.CivilRegistry(sender_id=f"nobody-{uuid.uuid4().hex[:8]}",
                                           key=simulator.new_key())
        answer = send(live.url, stranger, [simulator.reversal(
            reference_id=str(uuid.uuid4()), curp="HEGM500101MDFRRR09", at=now())])
        assert (answer.status_code, answer.json()["errors"][0]["code"]) == (
            403, "err.sender_id.invalid")
        assert self._count(sessions, "err.sender_id.invalid", stranger.sender_id) == 1

    @pytest.mark.parametrize(("field", "value", "reason"), [
        ("message_ts", "2026-12-07T10:00:00", "rjct.message_ts.invalid"),
        ("version", "9.9.9", "rjct.version.invalid"),
        ("action", "search", "rjct.action.invalid"),
        ("total_count", "1", "rjct.total_count.invalid"),
    ])
    def test_a_bad_header_earns_the_standards_reason(
        self, live: LiveServer, registry: simulator.CivilRegistry, field: str, value: Any,
        reason: str,
    ) -> None:
        body = registry.envelope([simulator.reversal(reference_id=str(uuid.uuid4()),
                                                     curp="HEGM500101MDFRRR09", at=now())])
        body["header"][field] = value
        answer = post_raw(live.url, body)
        assert answer.status_code == 400
        assert answer.json()["header"]["status_reason_code"] == reason
        assert errors(CALLBACK_HEADER, answer.json()["header"]) == []

    def test_a_malformed_event_is_refused_naming_the_field(
        self, live: LiveServer, registry: simulator.CivilRegistry,
    ) -> None:
        event = simulator.death(reference_id=str(uuid.uuid4()), curp="HEGM500101MDFRRR09",
                                died_on=city_today(), at=now())
        del event["data"]["reg_records"]["death_date"]
        answer = send(live.url, registry, [event])
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == "err.request.bad"
        assert "death_date" in answer.json()["errors"][0]["message"]

    def test_a_body_that_is_not_json_is_a_bad_request(self, live: LiveServer) -> None:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            answer = client.post("/api/v1/crvs/registry/notify", content=b"\xff{",
                                 headers={"Content-Type": "application/json"})
        assert (answer.status_code, answer.json()["errors"][0]["code"]) == (400, "err.request.bad")

    def test_events_are_for_admins_and_stewards_only(self, clerk: httpx.Client,
                                                     supervisor: httpx.Client) -> None:
        assert clerk.get("/crvs/events").status_code == 403
        assert supervisor.get("/crvs/events").status_code == 403


class TestMoreEvents:
    def test_a_correction_changes_the_name_through_history(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client, sessions: Any,
    ) -> None:
        someone = person(clerk, given_names="Maria Guadalupe", birth_date="1985-10-11")
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.modification(
            reference_id=ref, curp=someone["curp"], given="María Guadalupe",
            first=someone["first_surname"], second=someone["second_surname"], at=now())]))
        seen = event_of(admin, ref)
        assert (seen["state"], seen["outcome"]["fields"]) == (
            "processed", ["first_surname", "given_names", "second_surname"])
        read = clerk.get(f"/persons/{someone['id']}", headers={"X-Purpose": "registration"})
        assert read.json()["given_names"] == "María Guadalupe"
        with sessions() as session:
            rows = session.scalars(select(HistoryEntry).where(
                HistoryEntry.entity_id == uuid.UUID(someone["id"]),
                HistoryEntry.action == "update")).all()
        assert [(r.changes["source"], r.changes["reason"], r.actor_id) for r in rows] == [
            ("civil_registry", "document_shown", f"crvs:{registry.sender_id}")]

    def test_a_death_without_a_clear_new_head_asks_a_supervisor(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        head = person(clerk, sex="H", given_names="Pedro", birth_date="1950-02-03")
        twins = [person(clerk, given_names=name, birth_date="1980-05-05")
                 for name in ("Ana Sofía", "Luz Elena")]
        home = household(clerk, [(head["id"], "head"), (twins[0]["id"], "child"),
                                 (twins[1]["id"], "child")])
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.death(
            reference_id=ref, curp=head["curp"], died_on=city_today() - timedelta(days=1), at=now())]))
        seen = event_of(admin, ref)
        assert seen["outcome"]["household"]["head_to_confirm"] is True
        members = clerk.get(f"/households/{home}", headers={"X-Purpose": "registration"}).json()
        assert not [m for m in members["members"] if m["until"] is None and m["relationship"] == "head"]

    def test_a_death_sent_to_review_leaves_no_audit_of_what_it_rolled_back(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client, sessions: Any,
    ) -> None:
        """A rule that refuses an event after part of its work was done (here a survivor whose
        record a cancellation blocked cannot be evaluated) rolls that work back: the person is
        not deceased, and the audit trail does not say they were, nor that they left."""
        head = person(clerk, sex="H", given_names="Ramiro", birth_date="1951-03-04")
        spouse = person(clerk, birth_date="1953-07-08")
        household(clerk, [(head["id"], "head"), (spouse["id"], "spouse")])
        def block(at: datetime | None) -> None:
            with sessions() as session:
                session.execute(update(Person).where(Person.id == uuid.UUID(spouse["id"]))
                                .values(blocked_at=at))
                session.commit()

        block(now())
        ref = str(uuid.uuid4())
        try:
            acked(send(live.url, registry, [simulator.death(
                reference_id=ref, curp=head["curp"], died_on=city_today() - timedelta(days=1),
                at=now())]))
        finally:
            block(None)  # the other tests' simulated deaths may choose this family
        seen = event_of(admin, ref)
        assert (seen["state"], seen["reason"]) == ("needs_review", "not_found")
        read = clerk.get(f"/persons/{head['id']}", headers={"X-Purpose": "registration"}).json()
        assert read["deceased_on"] is None
        with sessions() as session:
            actions = set(session.scalars(select(AuditEvent.action).where(
                AuditEvent.person_id == uuid.UUID(head["id"]),
                AuditEvent.actor_id == f"crvs:{registry.sender_id}")))
        assert actions.isdisjoint({"person.update", "household.leave", "life_event.evaluate"}), actions
        with sessions() as session:  # the work undone, the message and its event kept once
            taken = session.scalars(select(CrvsEvent.message_id).where(
                CrvsEvent.sender_id == registry.sender_id, CrvsEvent.reference_id == ref)).all()
            assert len(taken) == 1
            assert session.get(CrvsMessage, taken[0]) is not None

    def test_a_death_in_the_future_is_rejected(
        self, live: LiveServer, registry: simulator.CivilRegistry, clerk: httpx.Client,
        admin: httpx.Client,
    ) -> None:
        someone = person(clerk, birth_date="1960-01-01")
        ref = str(uuid.uuid4())
        acked(send(live.url, registry, [simulator.death(
            reference_id=ref, curp=someone["curp"], died_on=city_today() + timedelta(days=3), at=now())]))
        seen = event_of(admin, ref)
        assert (seen["state"], seen["reason"]) == ("rejected", "death_date_invalid")
        read = clerk.get(f"/persons/{someone['id']}", headers={"X-Purpose": "registration"}).json()
        assert read["deceased_on"] is None
