"""A civil registry to test against: builds the DCI `notify` messages a civil registry sends
(births, deaths, death reversals, data modifications), signs them with its Ed25519 key and
posts them to a running redangel over HTTP: the same path a real civil registry takes.

Used by `redangel crvs simulate`, the tests and the benchmark. It knows the registry's persons
only by what a civil registry knows: their CURP, name and dates.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from redangel.dci import signature
from redangel.person import curp as curp_rules

RECORD_TYPE = "spdci-extensions-dci:Person"
REG_TYPE = "ns:org:RegistryType:Civil"
SEX = {"H": "male", "M": "female", "X": "other"}


def new_key() -> Ed25519PrivateKey:
    """A fresh signing key for a civil registry."""
    return Ed25519PrivateKey.generate()


def public_text(key: Ed25519PrivateKey) -> str:
    """The public half as `redangel crvs source add` takes it (base64 of 32 bytes)."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def private_text(key: Ed25519PrivateKey) -> str:
    """The private half as a key file keeps it (base64 of 32 bytes)."""
    return base64.b64encode(key.private_bytes_raw()).decode()


def key_from_text(text: str) -> Ed25519PrivateKey:
    """A key read back from `private_text`."""
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text.strip()))


def _id(kind: str, value: str) -> dict[str, str]:
    return {"identifier_type": kind, "identifier_value": value}


def _name(given: str, first: str, second: str | None) -> dict[str, str]:
    return {"given_name": given, "surname": f"{first}/{second}" if second else first}


def child_curp(*, given: str, first: str, second: str | None, sex: str, born: date,
               homonymy: str = "A") -> str:
    """The CURP the civil registry assigns a newborn (by the CURP's own rules)."""
    return curp_rules.build(given_names=given, first_surname=first, second_surname=second,
                            birth_date=born, sex=sex, birth_state="DF", homonymy=homonymy)


def birth(*, reference_id: str, curp: str, given: str, first: str, second: str | None, sex: str,
          born: date, mother_curp: str | None, mother: dict[str, Any] | None = None,
          borough: str | None = None, at: datetime) -> dict[str, Any]:
    """A live birth: the child, and the mother by CURP (or by name and birth date)."""
    record: dict[str, Any] = {"identifier": [_id("UIN", curp)], "name": _name(given, first, second),
                              "sex": SEX[sex], "birth_date": born.isoformat()}
    if borough:
        record["address"] = [{"sub_region_code": borough}]
    if mother_curp:
        record["parent1_identifier"] = _id("UIN", mother_curp)
    if mother:
        record["parents"] = [mother]
    return _event(reference_id, "BIRTH_REGISTERED", record, at)


def death(*, reference_id: str, curp: str, died_on: date, at: datetime) -> dict[str, Any]:
    """A death, on the day it happened."""
    return _event(reference_id, "DEATH_REGISTERED",
                  {"identifier": [_id("UIN", curp)], "death_date": died_on.isoformat()}, at)


def reversal(*, reference_id: str, curp: str, at: datetime) -> dict[str, Any]:
    """A death registered by mistake, reversed."""
    return _event(reference_id, "DEATH_REVERSAL", {"identifier": [_id("UIN", curp)]}, at)


def modification(*, reference_id: str, curp: str, given: str, first: str, second: str | None,
                 at: datetime) -> dict[str, Any]:
    """A corrected name."""
    return _event(reference_id, "DATA_MODIFICATION",
                  {"identifier": [_id("UIN", curp)], "name": _name(given, first, second)}, at)


def _event(reference_id: str, event_type: str, record: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {"reference_id": reference_id, "timestamp": at.isoformat(timespec="seconds"),
            "data": {"version": "1.0.0", "reg_type": REG_TYPE, "reg_event_type": event_type,
                     "reg_record_type": RECORD_TYPE, "reg_records": record}}


@dataclass(frozen=True)
class CivilRegistry:
    """A civil registry: who it is, its key, and who it writes to."""

    sender_id: str
    key: Ed25519PrivateKey
    receiver_id: str = "redangel"
    key_id: str = "k1"

    def envelope(self, events: list[dict[str, Any]], *, at: datetime | None = None,
                 message_id: str | None = None, transaction_id: str | None = None) -> dict[str, Any]:
        """A signed `notify` carrying these events."""
        at = at or datetime.now(UTC)
        header = {"version": "1.0.0", "message_id": message_id or str(uuid.uuid4()),
                  "message_ts": at.isoformat(timespec="milliseconds"), "action": "notify",
                  "status": "succ", "total_count": len(events), "completed_count": len(events),
                  "sender_id": self.sender_id, "receiver_id": self.receiver_id,
                  "is_msg_encrypted": False}
        message = {"transaction_id": transaction_id or str(uuid.uuid4()), "notify_event": events}
        return {"signature": self.sign(header, message, at), "header": header, "message": message}

    def sign(self, header: dict[str, Any], message: dict[str, Any], at: datetime) -> str:
        """The signature over a header and a message."""
        return signature.sign(self.key, sender_id=self.sender_id, key_id=self.key_id,
                              header=header, message=message, now=int(at.timestamp()))

    def request(self, action: str, message: dict[str, Any], *, count: int,
                at: datetime | None = None, message_id: str | None = None) -> dict[str, Any]:
        """A signed request envelope (`on-subscribe`, `on-unsubscribe`, `txn-status`)."""
        at = at or datetime.now(UTC)
        header = {"version": "1.0.0", "message_id": message_id or str(uuid.uuid4()),
                  "message_ts": at.isoformat(timespec="milliseconds"), "action": action,
                  "sender_id": self.sender_id, "receiver_id": self.receiver_id,
                  "total_count": count, "is_msg_encrypted": False}
        return {"signature": self.sign(header, message, at), "header": header, "message": message}

    def on_subscribe(self, subscribe: dict[str, Any], *, refuse: tuple[str, ...] = (),
                     at: datetime | None = None) -> dict[str, Any]:
        """The answer to a `subscribe`: a code for each request, or a refusal of the event
        types in `refuse` (`rjct.notify_types.invalid`)."""
        at = at or datetime.now(UTC)
        stamp = at.isoformat(timespec="seconds")
        answered = []
        for item in subscribe["message"]["subscribe_request"]:
            criteria = item["subscribe_criteria"]
            if criteria["reg_event_type"] in refuse:
                answered.append({"reference_id": item["reference_id"], "timestamp": stamp,
                                 "status": "rjct", "status_reason_code": "rjct.notify_types.invalid",
                                 "status_reason_message": "event type not offered"})
                continue
            code = f"sub-{uuid.uuid4()}"
            answered.append({"reference_id": item["reference_id"], "timestamp": stamp,
                             "status": "succ", "subscriptions": [{
                                 "version": "1.0.0", "code": code, "subscription_code": code,
                                 "status": "subscribe", "timestamp": stamp,
                                 "subscribe_criteria": criteria, **criteria}]})
        message = {"transaction_id": subscribe["message"]["transaction_id"],
                   "correlation_id": str(uuid.uuid4()), "subscribe_response": answered}
        return self.request("on-subscribe", message, count=len(answered), at=at)

    def on_unsubscribe(self, unsubscribe: dict[str, Any], *, at: datetime | None = None
                       ) -> dict[str, Any]:
        """The answer to an `unsubscribe`: every code ended."""
        at = at or datetime.now(UTC)
        codes = unsubscribe["message"]["subscription_codes"]
        message = {"transaction_id": unsubscribe["message"]["transaction_id"],
                   "correlation_id": str(uuid.uuid4()), "timestamp": at.isoformat(timespec="seconds"),
                   "status": "succ",
                   "subscription_status": [{"code": c, "status": "unsubscribe"} for c in codes]}
        return self.request("on-unsubscribe", message, count=len(codes), at=at)

    def txn_status(self, *, transaction_id: str | None = None,
                   reference_ids: list[str] | None = None) -> dict[str, Any]:
        """Ask the state of what was notified, by transaction id or by reference ids."""
        value: str | list[str] = transaction_id if transaction_id else list(reference_ids or [])
        message = {"transaction_id": str(uuid.uuid4()), "txnstatus_request": {
            "reference_id": str(uuid.uuid4()), "txn_type": "subscribe",
            "attribute_type": "transaction_id" if transaction_id else "reference_id_list",
            "attribute_value": value}}
        return self.request("txn-status", message, count=1)

    def send(self, client: httpx.Client, envelope: dict[str, Any]) -> httpx.Response:
        """Post a `notify` to redangel (`client` has the service's base URL)."""
        return client.post("/api/v1/crvs/registry/notify", json=envelope)


@dataclass(frozen=True)
class Known:
    """A registered person as the civil registry knows them."""

    curp: str
    birth_date: date


SYLLABLES = ("ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "zo",
             "ja", "ke", "lu", "mi", "no", "pe")
HOMONYMY = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def surname_for(index: int) -> str:
    """A made-up surname per index; two indices' surnames are at least two typos apart, so the
    registry's duplicate check never takes two simulated babies for one. The first syllable
    changes from one index to the next: it is the part of the surname a CURP spells."""
    digits = [(index // 20 ** k) % 20 for k in (0, 1, 2)]
    return "".join(SYLLABLES[d] * 2 for d in digits).capitalize()


def births_for(mothers: list[Known], *, today: date, at: datetime) -> list[dict[str, Any]]:
    """One newborn for each mother, born two days ago, with CURPs distinct from each other
    (when a CURP's homonymy letters are all taken, the next baby was born a day earlier)."""
    events, taken = [], set()
    for index, mother in enumerate(mothers):
        first, sex = surname_for(index), "H" if index % 2 else "M"
        born, curp = today - timedelta(days=2), None
        while curp is None:
            curp = next((c for c in (child_curp(given="Nuevo", first=first, second="Civil",
                                                sex=sex, born=born, homonymy=letter)
                                     for letter in HOMONYMY) if c not in taken), None)
            if curp is None:
                born -= timedelta(days=1)
        taken.add(curp)
        events.append(birth(reference_id=str(uuid.uuid4()), curp=curp, given="Nuevo", first=first,
                            second="Civil", sex=sex, born=born, mother_curp=mother.curp, at=at))
    return events


def play(registry: CivilRegistry, client: httpx.Client, *, mothers: list[Known],
         deceased: list[Known], reverse_first: bool, today: date) -> list[httpx.Response]:
    """The civil registry's day: the births, then the deaths (five days ago), then the reversal
    of the first death; one signed message each. Returns the answers."""
    at = datetime.now(UTC)
    answers = []
    if mothers:
        answers.append(registry.send(client, registry.envelope(births_for(mothers, today=today, at=at))))
    if deceased:
        died = [death(reference_id=str(uuid.uuid4()), curp=d.curp,
                      died_on=max(today - timedelta(days=5), d.birth_date), at=at) for d in deceased]
        answers.append(registry.send(client, registry.envelope(died)))
        if reverse_first:
            answers.append(registry.send(client, registry.envelope(
                [reversal(reference_id=str(uuid.uuid4()), curp=deceased[0].curp, at=at)])))
    return answers


def misspelt(surname: str) -> str:
    """A surname as a hurried clerk writes it: its last letter lost (or an s added)."""
    return surname[:-1] if len(surname) > 3 else surname + "s"


def births_for_review(*, named: tuple[str, str, str | None, date] | None, today: date,
                      at: datetime) -> list[dict[str, Any]]:
    """Two births a data steward reviews: one whose mother (given names, surnames, birth date)
    is described with her last surname misspelt and no CURP, so the registry's linkage finds
    nobody but shows her as a candidate; one whose mother nobody registered."""
    born = today - timedelta(days=1)
    events = []
    if named is not None:
        given, first, second, mother_born = named
        surname = f"{first}/{misspelt(second)}" if second else misspelt(first)
        events.append(birth(
            reference_id=str(uuid.uuid4()), given="Valentina", first=first, second=second,
            sex="M", born=born, mother_curp=None, at=at,
            curp=child_curp(given="Valentina", first=first, second=second, sex="M", born=born,
                            homonymy="R"),
            mother={"name": {"given_name": given, "surname": surname},
                    "birth_date": mother_born.isoformat()}))
    stranger = child_curp(given="Rocío", first="Sinregistro", second="Ninguno", sex="M",
                          born=date(today.year - 29, 5, 17), homonymy="0")
    events.append(birth(
        reference_id=str(uuid.uuid4()), given="Emiliano", first="Sinregistro", second="Ninguno",
        sex="H", born=born, mother_curp=stranger, at=at,
        curp=child_curp(given="Emiliano", first="Sinregistro", second="Ninguno", sex="H",
                        born=born, homonymy="R")))
    return events
