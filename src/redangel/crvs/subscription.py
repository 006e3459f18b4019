"""redangel as the subscriber of a civil registry's events (DCI `subscribe`, `on-subscribe`,
`unsubscribe`, `on-unsubscribe`), and its answer to `txn-status` about what was notified.

redangel asks each registered civil registry for four event types (live birth, death, death
reversal, data modification), one `subscribe_request` each, signed with the registry's own key
(`redangel.dci.keys`). The civil registry answers later with `on-subscribe`, signed with its key
and checked like a `notify` (`gate`): each request answered `succ` becomes an active
subscription with the code the civil registry gave it; `rjct` keeps its reason code.

A `notify` does not need a subscription: a civil registry may push events it was never asked
for, and they are taken all the same.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.auth.principal import Principal
from redangel.crvs import gate, repository
from redangel.crvs.gate import Answer
from redangel.crvs.models import CrvsEvent, CrvsSource, CrvsSubscription
from redangel.dci import answers, signature
from redangel.dci.codes import RequestStatus, SubscribeReason
from redangel.dci.envelope import Id, RequestHeader, Timestamp
from redangel.dci.keys import KEY_ID, registry_key
from redangel.errors import Conflict, FieldError, Forbidden, NotFound

SUBSCRIBED_EVENTS = ("BIRTH_REGISTERED", "DEATH_REGISTERED", "DEATH_REVERSAL", "DATA_MODIFICATION")
"""The event types asked for (MOSIP's names, as the civil registry's `notify` carries them)."""
REG_TYPE = "ns:org:RegistryType:Civil"
RECORD_TYPE = "spdci-extensions-dci:Person"
CITY_FILTER = [{"expression1": {"attribute_name": "region_code", "operator": "eq",
                                "attribute_value": "09"}}]
"""Events of Mexico City (INEGI state code 09), as a predicate list."""
STATUS_OF_STATE: dict[str, RequestStatus] = {
    "received": "rcvd", "waiting": "pdng", "needs_review": "pdng", "processed": "succ",
    "rejected": "rjct"}
"""An event's state as the standard's request status."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Info(_Lenient):
    code: Annotated[str, StringConstraints(max_length=99)] | None = None
    subscription_code: Annotated[str, StringConstraints(max_length=99)] | None = None
    status: Literal["subscribe", "unsubscribe"] | None = None


class _Answered(_Lenient):
    reference_id: Id
    timestamp: Timestamp
    status: RequestStatus
    status_reason_code: SubscribeReason | None = None
    subscriptions: list[_Info] = []


class _OnSubscribe(_Lenient):
    transaction_id: Id
    correlation_id: Annotated[str, StringConstraints(max_length=99)]
    subscribe_response: list[_Answered]


class _CodeStatus(_Lenient):
    code: Annotated[str, StringConstraints(max_length=99)]
    status: Literal["subscribe", "unsubscribe"]


class _OnUnsubscribe(_Lenient):
    transaction_id: Id
    correlation_id: Annotated[str, StringConstraints(max_length=99)]
    status: RequestStatus
    subscription_status: list[_CodeStatus] = []


class _TxnQuery(_Lenient):
    reference_id: Id
    txn_type: Literal["search", "subscribe", "unsubscribe"]
    attribute_type: Literal["transaction_id", "reference_id_list", "correlation_id",
                            "subscription_code_list"]
    attribute_value: str | list[Id]


class _TxnStatus(_Lenient):
    transaction_id: Id
    txnstatus_request: _TxnQuery


def _admin(principal: Principal) -> None:
    if principal.kind not in ("staff", "system") or principal.role not in ("admin", "system"):
        raise Forbidden()


def _source(session: Session, sender_id: str) -> CrvsSource:
    source = repository.source(session, sender_id)
    if source is None or not source.active:
        raise NotFound(fields=[FieldError("sender_id", "not_found")])
    return source


def _signed(secret_key: str, source: CrvsSource, action: str, message: dict[str, Any],
            now: datetime, *, count: int, callback: bool = False) -> dict[str, Any]:
    header: dict[str, Any] = {
        "version": "1.0.0", "message_id": str(uuid.uuid4()),
        "message_ts": now.isoformat(timespec="milliseconds"), "action": action,
        "sender_id": source.receiver_id, "receiver_id": source.sender_id,
        "total_count": count, "is_msg_encrypted": False}
    if callback:
        header.update(status="succ", completed_count=count)
    sig = signature.sign(registry_key(secret_key), sender_id=source.receiver_id, key_id=KEY_ID,
                         header=header, message=message, now=int(now.timestamp()))
    return {"signature": sig, "header": header, "message": message}


def subscribe(session: Session, *, principal: Principal, sender_id: str, secret_key: str,
              now: datetime) -> dict[str, Any]:
    """The signed `subscribe` to send a civil registry, its requests recorded as `requested`
    (the event types already requested or active are not asked again)."""
    _admin(principal)
    source = _source(session, sender_id)
    held = {s.reg_event_type for s in repository.subscriptions(
        session, sender_id, states=("requested", "active", "ending"), for_update=True)}
    wanted = [t for t in SUBSCRIBED_EVENTS if t not in held]
    if not wanted:
        raise Conflict("already_subscribed")
    transaction_id = str(uuid.uuid4())
    requests = []
    for event_type in wanted:
        row = CrvsSubscription(id=uuid.uuid4(), sender_id=sender_id, transaction_id=transaction_id,
                               reference_id=str(uuid.uuid4()), reg_event_type=event_type,
                               state="requested", requested_at=now)
        session.add(row)
        requests.append({"reference_id": row.reference_id,
                         "timestamp": now.isoformat(timespec="seconds"), "locale": "spa",
                         "subscribe_criteria": {
                             "version": "1.0.0", "reg_type": REG_TYPE,
                             "reg_event_type": event_type, "filter_type": "predicate",
                             "filter": CITY_FILTER, "notify_record_type": RECORD_TYPE}})
    session.flush()
    audit.record(session, principal=principal, action="crvs.subscribe", person_id=None,
                 purpose="administration", detail={"sender_id": sender_id, "events": wanted})
    return _signed(secret_key, source, "subscribe",
                   {"transaction_id": transaction_id, "subscribe_request": requests}, now,
                   count=len(requests))


def unsubscribe(session: Session, *, principal: Principal, sender_id: str, secret_key: str,
                now: datetime) -> dict[str, Any]:
    """The signed `unsubscribe` of every active subscription of a civil registry (now `ending`).

    The message carries the codes under `subscription_codes` and, as the standard's schema
    requires it spelled, `sunscription_codes`."""
    _admin(principal)
    source = _source(session, sender_id)
    rows = repository.subscriptions(session, sender_id, states=("active",), for_update=True)
    codes = [r.code for r in rows if r.code]
    if not codes:
        raise Conflict("not_subscribed")
    for row in rows:
        row.state = "ending"
    audit.record(session, principal=principal, action="crvs.unsubscribe", person_id=None,
                 purpose="administration", detail={"sender_id": sender_id, "codes": len(codes)})
    message = {"transaction_id": str(uuid.uuid4()), "timestamp": now.isoformat(timespec="seconds"),
               "subscription_codes": codes, "sunscription_codes": codes}
    return _signed(secret_key, source, "unsubscribe", message, now, count=len(codes))


def undelivered(session: Session, *, sender_id: str, envelope: dict[str, Any], code: str) -> None:
    """The civil registry did not take a `subscribe` or `unsubscribe`: its requests go back."""
    message = envelope["message"]
    if envelope["header"]["action"] == "subscribe":
        references = {r["reference_id"] for r in message["subscribe_request"]}
        for row in repository.subscriptions(session, sender_id, states=("requested",)):
            if row.reference_id in references:
                row.state, row.reason = "refused", code[:48]
    else:
        for row in repository.subscriptions(session, sender_id, states=("ending",)):
            if row.code in message["subscription_codes"]:
                row.state = "active"


def _read(session: Session, raw: Any, *, action: str, now: datetime,
          receiver: str) -> gate.Admitted | Answer:
    admitted = gate.admit(session, raw, action=action, header_model=RequestHeader, now=now,
                          receiver=receiver)
    if isinstance(admitted, Answer):
        return admitted
    return gate.replayed(session, admitted, now) or admitted


def _bad(session: Session, admitted: gate.Admitted, why: str) -> Answer:
    return gate.transport(session, admitted.action, admitted.raw_header, True, admitted.digest,
                          "err.request.bad", why)


def on_subscribe(session: Session, *, raw: Any, now: datetime, receiver: str) -> Answer:
    """The civil registry's answer to a `subscribe`: codes of the subscriptions it holds."""
    admitted = _read(session, raw, action="on-subscribe", now=now, receiver=receiver)
    if isinstance(admitted, Answer):
        return admitted
    try:
        answer = _OnSubscribe.model_validate(admitted.message)
    except ValidationError as exc:
        return _bad(session, admitted, gate.first_error(exc, "message"))
    ours = {r.reference_id: r for r in repository.subscriptions(
        session, admitted.source.sender_id, states=("requested",), for_update=True)}
    for index, item in enumerate(answer.subscribe_response):
        row = ours.get(item.reference_id)
        if row is None or row.transaction_id != answer.transaction_id:
            return _bad(session, admitted, f"message.subscribe_response.{index}.reference_id: "
                                           "not a subscription asked for and pending")
        codes = [c.code or c.subscription_code for c in item.subscriptions]
        if item.status == "succ" and not any(codes):
            return _bad(session, admitted, f"message.subscribe_response.{index}.subscriptions: "
                                           "a subscription taken names its code")
    if admitted.header.total_count != len(answer.subscribe_response):
        return gate.rjct(session, admitted.action, admitted.raw_header, True, admitted.digest, now,
                         "rjct.total_count.invalid", "total_count is not the number of answers",
                         receiver=admitted.source.receiver_id)
    taken = gate.take(session, admitted, transaction_id=answer.transaction_id)
    if taken is None:
        return gate.duplicate(session, admitted, now)
    for item in answer.subscribe_response:
        row = ours[item.reference_id]
        if item.status == "succ":
            row.state = "active"
            row.code = next(c for c in (i.code or i.subscription_code for i in item.subscriptions)
                            if c)
        elif item.status == "rjct":
            row.state, row.reason = "refused", item.status_reason_code or "rjct"
        row.answered_at = now
    return Answer(200, answers.ack(correlation_id=str(taken.id), at=now))


def on_unsubscribe(session: Session, *, raw: Any, now: datetime, receiver: str) -> Answer:
    """The civil registry's answer to an `unsubscribe`: which codes it ended."""
    admitted = _read(session, raw, action="on-unsubscribe", now=now, receiver=receiver)
    if isinstance(admitted, Answer):
        return admitted
    try:
        answer = _OnUnsubscribe.model_validate(admitted.message)
    except ValidationError as exc:
        return _bad(session, admitted, gate.first_error(exc, "message"))
    taken = gate.take(session, admitted, transaction_id=answer.transaction_id)
    if taken is None:
        return gate.duplicate(session, admitted, now)
    ended = {c.code for c in answer.subscription_status if c.status == "unsubscribe"}
    for row in repository.subscriptions(session, admitted.source.sender_id, states=("ending",),
                                        for_update=True):
        if answer.status == "succ" and row.code in ended:
            row.state, row.answered_at = "ended", now
        elif answer.status == "rjct":
            row.state = "active"
    return Answer(200, answers.ack(correlation_id=str(taken.id), at=now))


def _event_status(reference_id: str, row: CrvsEvent | None, now: datetime) -> dict[str, Any]:
    if row is None:
        return {"reference_id": reference_id, "timestamp": now.isoformat(timespec="seconds"),
                "status": "rjct", "status_reason_code": "rjct.reference_id.invalid",
                "status_reason_message": "no event was received under this reference_id"}
    said = row.state.replace("_", " ") + (f": {row.reason}" if row.reason else "")
    return {"reference_id": reference_id,
            "timestamp": (row.processed_at or row.received_at).isoformat(timespec="seconds"),
            "status": STATUS_OF_STATE[row.state], "status_reason_message": said}


def txn_status(session: Session, *, raw: Any, now: datetime, receiver: str,
               secret_key: str) -> Answer:
    """The state of the events a civil registry notified (by `transaction_id` or a list of
    `reference_id`), signed: each as a `subscribe_response` item (see docs/crvs.md)."""
    admitted = _read(session, raw, action="txn-status", now=now, receiver=receiver)
    if isinstance(admitted, Answer):
        return admitted
    try:
        asked = _TxnStatus.model_validate(admitted.message)
    except ValidationError as exc:
        return _bad(session, admitted, gate.first_error(exc, "message"))
    query = asked.txnstatus_request
    sender = admitted.source.sender_id
    if query.attribute_type == "transaction_id" and isinstance(query.attribute_value, str):
        items = [_event_status(r.reference_id, r, now)
                 for r in repository.events_of_transaction(session, sender, query.attribute_value)]
    elif query.attribute_type == "reference_id_list" and isinstance(query.attribute_value, list):
        found = {r.reference_id: r for r in repository.events_by_reference(
            session, sender, query.attribute_value)}
        items = [_event_status(ref, found.get(ref), now) for ref in query.attribute_value]
    else:
        return _bad(session, admitted, "message.txnstatus_request.attribute_type: a transaction_id "
                                       "or a reference_id_list of notified events")
    taken = gate.take(session, admitted, transaction_id=asked.transaction_id)
    if taken is None:
        return gate.duplicate(session, admitted, now)
    status = {"transaction_id": asked.transaction_id, "correlation_id": str(taken.id),
              "subscribe_response": items}
    message = {"transaction_id": asked.transaction_id, "correlation_id": str(taken.id),
               "txnstatus_response": {"txn_type": "on-subscribe", "txn_status": status}}
    return Answer(200, _signed(secret_key, admitted.source, "txn-on-status", message, now,
                               count=len(items), callback=True))
