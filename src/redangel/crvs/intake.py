"""Receiving a civil registry's `notify`: the checks, in the standard's order and words, then
the events.

1. The body is a DCI envelope (`err.request.bad` otherwise, HTTP 400).
2. Its header is a callback header of action `notify`, version 1.0.0 (`rjct` envelope with the
   header's reason code, HTTP 400).
3. Its sender is a civil registry an admin registered (`err.sender_id.invalid`, 403) and it is
   addressed to us (`err.receiver_id.invalid`, 400).
4. Its signature verifies with that registry's key (`err.signature.missing` / `.invalid`, 401).
5. Its `message_id` was not taken before from that sender (`rjct.message_id.duplicate`, 409).
6. Its message is a `NotifyEventRequest` whose every event can be read (`err.request.bad`
   naming the field, 400; `rjct.total_count.invalid` when the count is not the events').

Every refusal is kept (`crvs_message`, outcome `refused`, with its code). A message that passes
is taken; each event is stored sealed and run (`vital.run`) in the same transaction, so the
acknowledgement (`ACK`, HTTP 200) is sent only once all of it is committed. An event whose
`reference_id` the sender already notified is not run again: delivering an event twice has
one effect.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redangel.crvs import repository, vital
from redangel.crvs.models import CrvsEvent, CrvsMessage
from redangel.crvs.schemas import EVENT_TYPES, NotifyEvent, NotifyMessage
from redangel.crypto.keyring import Keyring
from redangel.dci import answers, signature
from redangel.dci.check import Refused, read_header
from redangel.dci.codes import HeaderReason, TransportError
from redangel.dci.envelope import CallbackHeader, Envelope

CURP = re.compile(r"^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$")
REQUIRED = {
    "birth": ("name", "sex", "birth_date"),
    "death": ("death_date",),
    "death_reversal": (),
    "data_modification": (),
}
"""What each kind of event must carry besides the CURP (`UIN`)."""


@dataclass(frozen=True)
class Answer:
    """The HTTP status and JSON body to answer with."""

    status: int
    body: dict[str, Any]


class _Bad(Exception):
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")


def _first_error(exc: ValidationError, prefix: str) -> str:
    first = exc.errors()[0]
    return f"{prefix}.{'.'.join(map(str, first['loc']))}: {first['msg']}"


def _check_event(index: int, item: NotifyEvent) -> None:
    where = f"message.notify_event.{index}.data.reg_records"
    record = item.data.reg_records
    curp = record.id_of("UIN")
    if curp is None or not CURP.match(curp):
        raise _Bad(f"{where}.identifier", "a CURP is required as the UIN identifier")
    kind = EVENT_TYPES[item.data.reg_event_type]
    for name in REQUIRED[kind]:
        if getattr(record, name) is None:
            raise _Bad(f"{where}.{name}", f"required for a {kind.replace('_', ' ')}")
    if kind == "birth" and record.parent1_identifier is None and not record.parents:
        raise _Bad(f"{where}.parent1_identifier", "a birth names its mother")
    if kind == "data_modification" and record.name is None and record.sex is None \
            and record.birth_date is None:
        raise _Bad(where, "a data modification changes the name, sex or birth date")


def _refuse(session: Session, *, header: dict[str, Any], known: bool, code: str,
            digest: str) -> None:
    sender = header.get("sender_id")
    message_id = header.get("message_id")
    session.add(CrvsMessage(
        id=uuid.uuid4(), sender_id=sender[:99] if isinstance(sender, str) else "",
        known_sender=known, message_id=message_id[:99] if isinstance(message_id, str) else "",
        action="notify", digest=digest, outcome="refused", code=code[:48], events=0))
    session.flush()


def _transport(session: Session, header: dict[str, Any], known: bool, digest: str,
               code: TransportError, why: str) -> Answer:
    _refuse(session, header=header, known=known, code=code, digest=digest)
    status, body = answers.transport_error(code, why)
    return Answer(status, body)


def _rjct(session: Session, header: dict[str, Any], known: bool, digest: str, now: datetime,
          reason: HeaderReason, why: str, *, receiver: str, status: int = 400) -> Answer:
    _refuse(session, header=header, known=known, code=reason, digest=digest)
    sender, count = header.get("sender_id"), header.get("total_count")
    body = answers.rjct(action="notify", reason=reason, message=why, at=now,
                        sender_id=receiver, receiver_id=sender if isinstance(sender, str) else None,
                        total_count=count if isinstance(count, int) and count >= 0 else 0)
    return Answer(status, body)


def receive(session: Session, *, keyring: Keyring, catalog: Any, raw: Any, now: datetime,
            receiver: str) -> Answer:
    """Check a `notify` as the standard says, then take and run its events."""
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        header = raw.get("header") if isinstance(raw, dict) else None
        return _transport(session, header if isinstance(header, dict) else {}, False, "",
                          "err.request.bad", _first_error(exc, "envelope"))
    raw_header, message = envelope.header, envelope.message
    digest = signature.digest(raw_header, message)
    try:
        header = read_header(raw_header, CallbackHeader, action="notify")
    except Refused as refused:
        if refused.reason is None:
            return _transport(session, raw_header, False, digest, "err.request.bad", refused.message)
        return _rjct(session, raw_header, False, digest, now, refused.reason, refused.message,
                     receiver=receiver)
    source = repository.source(session, header.sender_id) if header.sender_id else None
    if source is None or not source.active:
        return _transport(session, raw_header, False, digest, "err.sender_id.invalid",
                          "the sender is not a registered civil registry")
    if header.receiver_id is not None and header.receiver_id != source.receiver_id:
        return _transport(session, raw_header, True, digest, "err.receiver_id.invalid",
                          "the message is addressed to another receiver")
    try:
        signature.verify(signature.parse(envelope.signature),
                         signature.public_key_from_text(source.public_key),
                         header=raw_header, message=message, now=int(now.timestamp()))
    except signature.SignatureError as error:
        return _transport(session, raw_header, True, digest, error.code,  # type: ignore[arg-type]
                          error.reason)
    if repository.taken_message(session, source.sender_id, header.message_id) is not None:
        return _rjct(session, raw_header, True, digest, now, "rjct.message_id.duplicate",
                     "this message_id was already received", receiver=source.receiver_id,
                     status=409)
    try:
        notified = NotifyMessage.model_validate(message or {})
        references = [e.reference_id for e in notified.notify_event]
        if len(set(references)) != len(references):
            raise _Bad("message.notify_event", "a reference_id appears twice")
        for index, item in enumerate(notified.notify_event):
            _check_event(index, item)
    except ValidationError as exc:
        return _transport(session, raw_header, True, digest, "err.request.bad",
                          _first_error(exc, "message"))
    except _Bad as bad:
        return _transport(session, raw_header, True, digest, "err.request.bad", str(bad))
    if header.total_count is not None and header.total_count != len(notified.notify_event):
        return _rjct(session, raw_header, True, digest, now, "rjct.total_count.invalid",
                     "total_count is not the number of events", receiver=source.receiver_id)
    taken = CrvsMessage(id=uuid.uuid4(), sender_id=source.sender_id, known_sender=True,
                        message_id=header.message_id, action="notify",
                        transaction_id=notified.transaction_id, digest=digest, outcome="taken",
                        events=len(notified.notify_event))
    try:
        with session.begin_nested():
            session.add(taken)
            session.flush()
    except IntegrityError:  # the same message, taken by a concurrent request that committed
        return _rjct(session, raw_header, True, digest, now, "rjct.message_id.duplicate",
                     "this message_id was already received", receiver=source.receiver_id,
                     status=409)
    _run_events(session, keyring=keyring, catalog=catalog, source_id=source.sender_id,
                taken=taken, notified=notified)
    return Answer(200, answers.ack(correlation_id=str(taken.id), at=now))


def _run_events(session: Session, *, keyring: Keyring, catalog: Any, source_id: str,
                taken: CrvsMessage, notified: NotifyMessage) -> None:
    ctx = vital.Context(session=session, keyring=keyring, catalog=catalog, sender_id=source_id)
    seen = repository.known_references(session, source_id,
                                       [e.reference_id for e in notified.notify_event])
    for item in notified.notify_event:
        if item.reference_id in seen:
            continue
        record = item.data.reg_records
        curp = record.id_of("UIN")
        assert curp is not None
        kind = EVENT_TYPES[item.data.reg_event_type]
        event = CrvsEvent(
            id=uuid.uuid4(), sender_id=source_id, message_id=taken.id,
            transaction_id=notified.transaction_id, reference_id=item.reference_id, kind=kind,
            state="received", registered_on=record.death_date if kind == "death" else
            record.birth_date if kind == "birth" else None,
            subject_index=ctx.curp_index(curp), outcome={}, attempts=1)
        event.record_sealed = keyring.seal(record.model_dump_json().encode(), table="crvs_event",
                                           column="record", row_id=event.id)
        session.add(event)
        session.flush()
        vital.run(ctx, event, record)
