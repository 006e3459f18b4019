"""The DCI social-registry search over real HTTP, held to the standard's own schemas.

Every answer — found records, a search refused, a whole message refused, a transport error — is
validated against `social_api_v1.0.0.yaml` (vendored, pinned), and the registry's signature on it
is verified with its public key. The standard's two sample requests are posted as they are and
as a partner fills them in.
"""

from __future__ import annotations

import base64
import copy
import json
import random
import string
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from redangel.agency import service as agency_service
from redangel.auth import service as auth
from redangel.config import Settings
from redangel.dci import keys, signature
from tests.conftest import LiveServer, login
from tests.dci.standard import errors, validator
from tests.program.helpers import agency_client, folio_of, new_person

SEARCH = "/agency/dci/registry/sync/search"
SAMPLES = Path(__file__).resolve().parent / "dci_samples"
ANSWER = validator("social", "#/paths/~1registry~1sync~1search/post/responses/default/content/"
                             "application~1json/schema")
TRANSPORT = validator("social", "#/components/schemas/Error")
REQUEST = validator("social", "#/paths/~1registry~1sync~1search/post/requestBody/content/"
                              "application~1json/schema")


@pytest.fixture
def styfe(live: LiveServer, sessions: Any) -> Iterator[httpx.Client]:
    client = agency_client(live, sessions, "styfe")
    yield client
    client.close()


def envelope(*searches: dict[str, Any], **header: Any) -> dict[str, Any]:
    """A well-formed sync search carrying these searches."""
    return {
        "header": {"version": "1.0.0", "message_id": f"m-{uuid.uuid4()}",
                   "message_ts": "2026-12-07T10:00:00.000-06:00", "action": "search",
                   "sender_id": "styfe.cdmx.gob.mx", "receiver_id": "redangel",
                   "total_count": len(searches), "is_msg_encrypted": False, **header},
        "message": {"transaction_id": f"t-{uuid.uuid4().hex[:8]}", "search_request": list(searches)},
    }


def by_curp(curp: str, ref: str = "r-1", **extra: Any) -> dict[str, Any]:
    return {"reference_id": ref, "timestamp": "2026-12-07T10:00:00-06:00", "locale": "spa",
            "search_criteria": {"version": "1.0.0", "reg_event_type": "REGISTER",
                                "query_type": "idtype-value",
                                "query": {"type": "CURP", "value": curp}, **extra}}


def by_predicates(steps: list[dict[str, Any]], ref: str = "r-1", **extra: Any) -> dict[str, Any]:
    return {"reference_id": ref, "timestamp": "2026-12-07T10:00:00-06:00",
            "search_criteria": {"query_type": "predicate", "query": steps, **extra}}


def predicate(name: str, operator: str, value: Any) -> dict[str, Any]:
    return {"attribute_name": name, "operator": operator, "attribute_value": value}


def checked(answer: httpx.Response, settings: Settings) -> dict[str, Any]:
    """The answer, after checking it against the standard's schema and the registry's signature."""
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 200, answer.text
    assert errors(ANSWER, body) == []
    assert "null" not in json.dumps(body)
    parsed = signature.parse(body["signature"])
    assert (parsed.sender_id, parsed.key_id) == (settings.dci_sender_id, keys.KEY_ID)
    public = signature.public_key_from_text(keys.public_text(settings.secret_key))
    signature.verify(parsed, public, header=body["header"], message=body.get("message"),
                     now=int(time.time()))
    return body


def answers(body: dict[str, Any]) -> list[dict[str, Any]]:
    return list(body["message"]["search_response"])


@pytest.fixture(scope="module")
def family(live: LiveServer, world: Any) -> list[dict[str, Any]]:
    """Three persons of one unusual surname, applicants of styfe's unemployment insurance
    (made once: the searches only read them)."""
    clerk = login(live, world.clerk, world.password)
    surname = "".join(random.choices(string.ascii_uppercase, k=8)).capitalize() + "ríguez"
    people = []
    for born in (f"1961-03-{random.randint(1, 28):02}", f"1975-07-{random.randint(1, 28):02}",
                 f"1990-11-{random.randint(1, 28):02}"):
        person = new_person(clerk, first_surname=surname, birth_date=born)
        folio_of(clerk, person["id"], "seguro_desempleo")
        people.append(person)
    clerk.close()
    return people


class TestTheStandardsSamples:
    def test_the_samples_as_published_get_the_standards_answer_not_a_422(
        self, styfe: httpx.Client, settings: Settings
    ) -> None:
        first = json.loads((SAMPLES / "social-processflow1-1req.json").read_text())
        body = checked(styfe.post(SEARCH, json=first), settings)
        # The sample writes total_count as text ("1"): the header's own reason code answers.
        assert body["header"]["status"] == "rjct"
        assert body["header"]["status_reason_code"] == "rjct.total_count.invalid"

    def test_the_samples_filled_in_are_answered_search_by_search(
        self, styfe: httpx.Client, settings: Settings, family: list[dict[str, Any]]
    ) -> None:
        first = json.loads((SAMPLES / "social-processflow1-1req.json").read_text())
        second = json.loads((SAMPLES / "social-processflow2req.json").read_text())
        for sample in (first, second):
            sample["header"].update(total_count=1, meta={}, sender_uri="https://styfe.example")
            sample["message"]["transaction_id"] = "t-sample"
            item = sample["message"]["search_request"][0]
            item.update(reference_id="r-sample", locale="spa")
            item["search_criteria"].update(consent={}, authorize={})
            sample.pop("signature")
        first["message"]["search_request"][0]["search_criteria"]["reg_event_type"] = "REGISTER"
        step = second["message"]["search_request"][0]["search_criteria"]["query"][0]
        step.update(seq_num=1, expression1=predicate("UIN", "eq", family[0]["curp"]))
        del step["condition"], step["expression2"]
        # CURPs are kept sealed, so they order nothing: the sample's sort by UIN becomes one by
        # birth date (a sort by UIN is refused with the sort's code, naming what can be sorted).
        second["message"]["search_request"][0]["search_criteria"]["sort"] = [
            {"attribute_name": "birth_date", "sort_order": "asc"}]
        # Neither filled-in sample can be checked against the standard's schema itself: an
        # expression query matches two branches of its `oneOf`, and the predicate list's value
        # points to a part of the file that does not exist (see dci/standard/README.md).
        group = answers(checked(styfe.post(SEARCH, json=first), settings))[0]
        assert (group["status"], group["status_reason_code"]) == (
            "rjct", "rjct.search_criteria.invalid")
        assert "Member" in group["status_reason_message"]
        found = answers(checked(styfe.post(SEARCH, json=second), settings))[0]
        assert found["status"] == "succ", found
        person = found["data"]["reg_records"][0]
        assert person["@type"] == "Member"
        ids = {i["identifier_type"]: i["identifier_value"]
               for i in person["demographic_info"]["identifier"]}
        assert ids["CURP"] == family[0]["curp"]


class TestRecords:
    def test_a_curp_search_answers_a_member_in_the_standards_shape(
        self, styfe: httpx.Client, settings: Settings, family: list[dict[str, Any]]
    ) -> None:
        body = checked(styfe.post(SEARCH, json=envelope(by_curp(family[1]["curp"]))), settings)
        assert body["header"]["action"] == "on-search" and body["header"]["completed_count"] == 1
        (answer,) = answers(body)
        assert answer["pagination"]["total_count"] == 1
        info = answer["data"]["reg_records"][0]["demographic_info"]
        assert info["name"]["given_name"] == family[1]["given_names"]
        assert info["name"]["surname"].startswith(family[1]["first_surname"])
        assert (info["sex"], info["birth_date"]) == ("female", family[1]["birth_date"])
        extra = {a["name"] for a in answer["data"]["reg_records"][0]["additional_attributes"]}
        # styfe's allowlist: the borough, but no street, postal code, disability or health
        # coverage ever leaves.
        assert info["address"] == [{"@type": "Address", "sub_region_code": "Iztapalapa",
                                    "country_code": "MX"}]
        assert not extra & {"disability", "health_coverage", "postal_code"}

    def test_predicates_page_and_sort_within_the_agencys_reach(
        self, clerk: httpx.Client, styfe: httpx.Client, settings: Settings,
        family: list[dict[str, Any]]
    ) -> None:
        surname = family[0]["first_surname"]
        outsider = new_person(clerk, first_surname=surname, birth_date="1980-01-01")
        steps = [{"seq_num": 1, "expression1": predicate("surname", "eq", surname)},
                 {"seq_num": 2, "expression1": predicate("YOB", "ge", 1960), "condition": "and",
                  "expression2": predicate("sex", "eq", "female")}]
        seen = []
        for page in (1, 2):
            item = by_predicates(steps, sort=[{"attribute_name": "birth_date", "sort_order": "desc"}],
                                 pagination={"page_size": 2, "page_number": page})
            (answer,) = answers(checked(styfe.post(SEARCH, json=envelope(item)), settings))
            assert answer["status"] == "succ", answer
            assert answer["pagination"] == {"page_size": 2, "page_number": page, "total_count": 3}
            seen += [r["demographic_info"]["birth_date"] for r in answer["data"]["reg_records"]]
        assert seen == [p["birth_date"] for p in reversed(family)]
        assert outsider["birth_date"] not in seen  # no application to styfe: out of its reach
        either = by_predicates([{"expression1": predicate("birth_date", "lt", "1970-01-01"),
                                 "condition": "or",
                                 "expression2": predicate("birth_date", "gt", "1985-01-01")},
                                {"expression1": predicate("surname", "eq", surname)}])
        (answer,) = answers(checked(styfe.post(SEARCH, json=envelope(either)), settings))
        assert sorted(r["demographic_info"]["birth_date"]
                      for r in answer["data"]["reg_records"]) == [family[0]["birth_date"],
                                                                   family[2]["birth_date"]]

    def test_a_field_outside_the_allowlist_can_neither_filter_nor_sort(
        self, styfe: httpx.Client, settings: Settings, family: list[dict[str, Any]]
    ) -> None:
        # styfe does not receive postal codes: filtering on one would tell it what it may not see.
        hidden = by_predicates([{"expression1": predicate("postal_code", "eq", "09000")}])
        (answer,) = answers(checked(styfe.post(SEARCH, json=envelope(hidden)), settings))
        assert answer["status_reason_code"] == "rjct.search_criteria.invalid"
        assert "postal_code cannot be searched" in answer["status_reason_message"]


BAD_SEARCHES: list[tuple[str, dict[str, Any], str]] = [
    ("a timestamp without its zone",
     {"timestamp": "2026-12-07T10:00:00"}, "rjct.timestamp.invalid"),
    ("a two-letter locale", {"locale": "es"}, "rjct.search_criteria.invalid"),
    ("an unknown registry type",
     {"search_criteria": {"reg_type": "ns:org:RegistryType:Civil"}}, "rjct.search_criteria.invalid"),
    ("an unknown query type",
     {"search_criteria": {"query_type": "sql"}}, "rjct.search_criteria.invalid"),
    ("a query language", {"search_criteria": {"query_type": "expression", "query": {
        "type": "ns:org:QueryType:NoSql", "value": {"expression": {"collection": "Group"}}}}},
     "rjct.search_criteria.invalid"),
    ("another identifier", {"search_criteria": {"query": {"type": "MOBILE", "value": "55"}}},
     "rjct.search_criteria.invalid"),
    ("a CURP that is not one", {"search_criteria": {"query": {"type": "CURP", "value": "X1"}}},
     "rjct.search_criteria.invalid"),
    ("a sort on an unknown attribute",
     {"search_criteria": {"sort": [{"attribute_name": "poverty_score"}]}}, "rjct.sort.invalid"),
    ("a page of nothing", {"search_criteria": {"pagination": {"page_size": 0}}},
     "rjct.pagination.invalid"),
    ("a page too large", {"search_criteria": {"pagination": {"page_size": 5000}}},
     "rjct.pagination.invalid"),
    ("an over-long reference", {"reference_id": "r" * 100}, "rjct.reference_id.invalid"),
]


def _merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in change.items():
        nested = isinstance(value, dict) and isinstance(out.get(key), dict) and key != "query"
        out[key] = _merged(out[key], value) if nested else value
    return out


class TestBadSearches:
    @pytest.mark.parametrize(("what", "change", "code"), BAD_SEARCHES, ids=[b[0] for b in BAD_SEARCHES])
    def test_a_bad_search_is_refused_alone_with_its_reason(
        self, styfe: httpx.Client, settings: Settings, family: list[dict[str, Any]],
        what: str, change: dict[str, Any], code: str
    ) -> None:
        good, bad = by_curp(family[0]["curp"], "r-good"), _merged(by_curp("x", "r-bad"), change)
        if "query" not in change.get("search_criteria", {}):
            bad["search_criteria"]["query"]["value"] = family[0]["curp"]
        body = checked(styfe.post(SEARCH, json=envelope(good, bad)), settings)
        first, second = answers(body)
        assert first["status"] == "succ" and first["data"]["reg_records"]
        assert (second["status"], second["status_reason_code"]) == ("rjct", code), second
        assert second["status_reason_message"]
        assert body["header"]["completed_count"] == 1

    def test_a_repeated_reference_is_refused(self, styfe: httpx.Client, settings: Settings,
                                             family: list[dict[str, Any]]) -> None:
        item = by_curp(family[0]["curp"])
        first, second = answers(checked(styfe.post(SEARCH, json=envelope(item, item)), settings))
        assert first["status"] == "succ"
        assert second["status_reason_code"] == "rjct.reference_id.duplicate"


BAD_HEADERS: list[tuple[str, dict[str, Any], str]] = [
    ("another version", {"version": "2.0.0"}, "rjct.version.invalid"),
    ("a time without its zone", {"message_ts": "2026-12-07T10:00:00"}, "rjct.message_ts.invalid"),
    ("another action", {"action": "subscribe"}, "rjct.action.invalid"),
    ("a count written as text", {"total_count": "1"}, "rjct.total_count.invalid"),
    ("a count that is not the message's", {"total_count": 2}, "rjct.total_count.invalid"),
    ("more searches than a message may carry", {"total_count": 101},
     "rjct.total_count.limit_exceeded"),
]


class TestBadMessages:
    @pytest.mark.parametrize(("what", "change", "code"), BAD_HEADERS, ids=[b[0] for b in BAD_HEADERS])
    def test_a_bad_header_answers_the_rjct_envelope(
        self, styfe: httpx.Client, settings: Settings, what: str, change: dict[str, Any],
        code: str
    ) -> None:
        body = checked(styfe.post(SEARCH, json=envelope(by_curp("X"), **change)), settings)
        assert body["header"]["status"] == "rjct"
        assert body["header"]["status_reason_code"] == code
        assert "message" not in body

    @pytest.mark.parametrize("bad", [
        "not json", "[1, 2]", '{"header": {}}', '{"header": {}, "message": {}, "extra": 1}',
    ])
    def test_a_body_that_is_no_dci_message_is_a_bad_request(self, styfe: httpx.Client,
                                                            bad: str) -> None:
        answer = styfe.post(SEARCH, content=bad, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0]["code"] == "err.request.bad"
        assert errors(TRANSPORT, answer.json()["errors"][0]) == []

    def test_an_over_long_transaction_is_a_bad_request(self, styfe: httpx.Client) -> None:
        message = envelope(by_curp("X"))
        message["message"]["transaction_id"] = "t" * 100
        answer = styfe.post(SEARCH, json=message)
        assert answer.status_code == 400
        assert "transaction_id" in answer.json()["errors"][0]["message"]

    def test_an_encrypted_message_is_not_taken(self, styfe: httpx.Client) -> None:
        answer = styfe.post(SEARCH, json=envelope(by_curp("X"), is_msg_encrypted=True))
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == "err.encryption.invalid"


class TestSignedAgencies:
    @pytest.fixture
    def signing(self, live: LiveServer, sessions: Any) -> Iterator[tuple[httpx.Client, Ed25519PrivateKey]]:
        key = Ed25519PrivateKey.generate()
        with sessions() as session:
            client, secret = auth.create_agency_client(session, agency_code="styfe")
            agency_service.register_dci_key(
                session, client_id=client.client_id, sender_id="styfe.signed",
                public_key=base64.b64encode(key.public_key().public_bytes_raw()).decode())
            session.commit()
        http = httpx.Client(base_url=live.url + "/api/v1", timeout=60)
        token = http.post("/auth/token", data={"grant_type": "client_credentials",
                                               "client_id": client.client_id,
                                               "client_secret": secret})
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield http, key
        http.close()

    def _signed(self, key: Ed25519PrivateKey, message: dict[str, Any],
                sender: str = "styfe.signed") -> dict[str, Any]:
        message["header"]["sender_id"] = sender
        message["signature"] = signature.sign(key, sender_id=sender, key_id="k1",
                                              header=message["header"],
                                              message=message["message"], now=int(time.time()))
        return message

    def test_a_signed_search_is_answered(self, signing: tuple[httpx.Client, Ed25519PrivateKey],
                                         settings: Settings, family: list[dict[str, Any]]) -> None:
        http, key = signing
        message = self._signed(key, envelope(by_curp(family[0]["curp"])))
        assert errors(REQUEST, message) == []
        body = checked(http.post(SEARCH, json=message), settings)
        assert answers(body)[0]["status"] == "succ"

    def test_unsigned_forged_or_changed_searches_are_refused(
        self, signing: tuple[httpx.Client, Ed25519PrivateKey], family: list[dict[str, Any]]
    ) -> None:
        http, key = signing
        unsigned = envelope(by_curp(family[0]["curp"]), sender_id="styfe.signed")
        forged = self._signed(Ed25519PrivateKey.generate(), envelope(by_curp(family[0]["curp"])))
        other = self._signed(key, envelope(by_curp(family[0]["curp"])), sender="someone.else")
        changed = self._signed(key, envelope(by_curp(family[0]["curp"])))
        changed["message"]["search_request"][0]["search_criteria"]["query"]["value"] = (
            family[1]["curp"])
        for message, code in ((unsigned, "err.signature.missing"),
                              (forged, "err.signature.invalid"),
                              (other, "err.signature.invalid"),
                              (changed, "err.signature.invalid")):
            answer = http.post(SEARCH, json=message)
            assert answer.status_code == 401, answer.text
            assert answer.json()["errors"][0]["code"] == code
