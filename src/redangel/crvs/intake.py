"""Receiving a civil registry's `notify`: the checks, in the standard's order and words, then
the events.

1-5. The checks every signed message passes (`gate`): envelope, header (a callback header of
   action `notify`), sender, receiver, signature, and a `message_id` not taken before.
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
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from redangel.audit import service as audit
from redangel.crvs import gate, repository, vital
from redangel.crvs.gate import Answer
from redangel.crvs.models import CrvsEvent
from redangel.crvs.schemas import EVENT_TYPES, NotifyEvent, NotifyMessage
from redangel.crypto.keyring import Keyring
from redangel.db import utcnow
from redangel.dci import answers
from redangel.dci.envelope import CallbackHeader

CURP = re.compile(r"^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$")
REQUIRED = {
    "birth": ("name", "sex", "birth_date"),
    "death": ("death_date",),
    "death_reversal": (),
    "data_modification": (),
}
"""What each kind of event must carry besides the CURP (`UIN`)."""


class _Bad(Exception):
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")


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


def receive(session: Session, *, keyring: Keyring, catalog: Any, raw: Any, now: datetime,
            receiver: str, guarded: bool = False) -> Answer:
    """Check a `notify` as the standard says (`gate`), then take and run its events (a lone
    event first without its savepoint, unless `guarded`: see `vital`)."""
    mark = audit.queued(session)
    admitted = gate.admit(session, raw, action="notify", header_model=CallbackHeader, now=now,
                          receiver=receiver)
    if isinstance(admitted, Answer):
        return admitted
    source, header = admitted.source, admitted.header
    refused = gate.replayed(session, admitted, now)
    if refused is not None:
        return refused
    try:
        notified = NotifyMessage.model_validate(admitted.message)
        references = [e.reference_id for e in notified.notify_event]
        if len(set(references)) != len(references):
            raise _Bad("message.notify_event", "a reference_id appears twice")
        for index, item in enumerate(notified.notify_event):
            _check_event(index, item)
    except ValidationError as exc:
        return gate.transport(session, "notify", admitted.raw_header, True, admitted.digest,
                              "err.request.bad", gate.first_error(exc, "message"))
    except _Bad as bad:
        return gate.transport(session, "notify", admitted.raw_header, True, admitted.digest,
                              "err.request.bad", str(bad))
    if header.total_count is not None and header.total_count != len(notified.notify_event):
        return gate.rjct(session, "notify", admitted.raw_header, True, admitted.digest, now,
                         "rjct.total_count.invalid", "total_count is not the number of events",
                         receiver=source.receiver_id)
    events = len(notified.notify_event)
    guarded = guarded or events > 1
    ctx = vital.Context(session=session, keyring=keyring, catalog=catalog,
                        sender_id=source.sender_id)
    row = gate.message_row(admitted, transaction_id=notified.transaction_id, events=events)
    try:
        if events == 1:  # the usual message: taken with its event, in one statement if it can
            item = notified.notify_event[0]
            event = _event(ctx, row["id"], notified, item)
            both = repository.take_message_and_event(session, row, event)
            if both is not None:
                if not both[0]:  # the same message, taken by a concurrent request that committed
                    return gate.duplicate(session, admitted, now)
                if both[1]:  # else notified before: one effect only
                    vital.run(ctx, event, item.data.reg_records, guarded=guarded)
                return Answer(200, answers.ack(correlation_id=str(row["id"]), at=now))
        if not repository.take_message(session, row):
            return gate.duplicate(session, admitted, now)
        for item in notified.notify_event:
            event = _event(ctx, row["id"], notified, item)
            if repository.take_event(session, event):  # else notified before: one effect only
                vital.run(ctx, event, item.data.reg_records, guarded=guarded)
    except vital.Unguarded:
        # Its one event did not end processed: undo it all (the message taken too, and what
        # was queued for the audit trail and the change feed) and take the message again.
        session.rollback()
        audit.forget_since(session, mark)
        return receive(session, keyring=keyring, catalog=catalog, raw=raw, now=now,
                       receiver=receiver, guarded=True)
    return Answer(200, answers.ack(correlation_id=str(row["id"]), at=now))


def _event(ctx: vital.Context, message_id: uuid.UUID, notified: NotifyMessage,
           item: NotifyEvent) -> CrvsEvent:
    """A notified event as received, its record sealed (not stored yet)."""
    record = item.data.reg_records
    curp = record.id_of("UIN")
    assert curp is not None
    kind = EVENT_TYPES[item.data.reg_event_type]
    event = CrvsEvent(
        id=uuid.uuid4(), sender_id=ctx.sender_id, message_id=message_id,
        transaction_id=notified.transaction_id, reference_id=item.reference_id, kind=kind,
        state="received", reason=None, registered_on=record.death_date if kind == "death" else
        record.birth_date if kind == "birth" else None, person_id=None,
        subject_index=ctx.curp_index(curp), outcome={}, attempts=1, received_at=utcnow(),
        processed_at=None)
    event.record_sealed = ctx.keyring.seal(record.model_dump_json().encode(), table="crvs_event",
                                           column="record", row_id=event.id)
    return event
