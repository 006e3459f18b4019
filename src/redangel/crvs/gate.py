"""The checks every signed message from a civil registry passes, in the standard's order and
words, whatever its action (`notify`, `on-subscribe`, `on-unsubscribe`, `txn-status`):

1. The body is a DCI envelope (`err.request.bad` otherwise, HTTP 400).
2. Its header is of the expected kind and action, version 1.0.0 (`rjct` envelope with the
   header's reason code, HTTP 400).
3. Its sender is a civil registry an admin registered (`err.sender_id.invalid`, 403) and it is
   addressed to us (`err.receiver_id.invalid`, 400).
4. Its signature verifies with that registry's key (`err.signature.missing` / `.invalid`, 401).
5. Its `message_id` was not taken before from that sender (`rjct.message_id.duplicate`, 409).

Every refusal is kept (`crvs_message`, outcome `refused`, with its code); a message taken is
kept too (outcome `taken`), which is what makes a replay known.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from sqlalchemy.orm import Session

from redangel.crvs import repository
from redangel.crvs.models import CrvsMessage, CrvsSource
from redangel.db import utcnow
from redangel.dci import answers, signature
from redangel.dci.check import Refused, read_header
from redangel.dci.codes import HeaderReason, TransportError
from redangel.dci.envelope import Envelope, Header


@dataclass(frozen=True)
class Answer:
    """The HTTP status and JSON body to answer with."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Admitted:
    """A message that passed steps 1 to 4: its sender, header and message as sent."""

    source: CrvsSource
    header: Header
    raw_header: dict[str, Any]
    message: dict[str, Any]
    digest: str
    action: str
    replayed: bool
    """Whether the sender's `message_id` was taken before (read with the sender, step 5)."""


def first_error(exc: ValidationError, prefix: str) -> str:
    """The first validation error as `prefix.path: reason`."""
    first = exc.errors()[0]
    return f"{prefix}.{'.'.join(map(str, first['loc']))}: {first['msg']}"


def _refuse(session: Session, *, action: str, header: dict[str, Any], known: bool, code: str,
            digest: str) -> None:
    sender = header.get("sender_id")
    message_id = header.get("message_id")
    session.add(CrvsMessage(
        id=uuid.uuid4(), sender_id=sender[:99] if isinstance(sender, str) else "",
        known_sender=known, message_id=message_id[:99] if isinstance(message_id, str) else "",
        action=action, digest=digest, outcome="refused", code=code[:48], events=0))
    session.flush()


def transport(session: Session, action: str, header: dict[str, Any], known: bool, digest: str,
              code: TransportError, why: str) -> Answer:
    """Refuse with the standard's transport error, and keep the refusal."""
    _refuse(session, action=action, header=header, known=known, code=code, digest=digest)
    status, body = answers.transport_error(code, why)
    return Answer(status, body)


def rjct(session: Session, action: str, header: dict[str, Any], known: bool, digest: str,
         now: datetime, reason: HeaderReason, why: str, *, receiver: str,
         status: int = 400) -> Answer:
    """Refuse with the `rjct` envelope naming the header's reason code, and keep the refusal."""
    _refuse(session, action=action, header=header, known=known, code=reason, digest=digest)
    sender, count = header.get("sender_id"), header.get("total_count")
    body = answers.rjct(action=action, reason=reason, message=why, at=now,
                        sender_id=receiver, receiver_id=sender if isinstance(sender, str) else None,
                        total_count=count if isinstance(count, int) and count >= 0 else 0)
    return Answer(status, body)


def admit(session: Session, raw: Any, *, action: str, header_model: type[Header], now: datetime,
          receiver: str) -> Admitted | Answer:
    """Steps 1 to 4; the admitted message, or the refusal to answer with."""
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        header = raw.get("header") if isinstance(raw, dict) else None
        return transport(session, action, header if isinstance(header, dict) else {}, False, "",
                         "err.request.bad", first_error(exc, "envelope"))
    raw_header, message = envelope.header, envelope.message
    digest = signature.digest(raw_header, message)
    try:
        header = read_header(raw_header, header_model, action=action)
    except Refused as refused:
        if refused.reason is None:
            return transport(session, action, raw_header, False, digest, "err.request.bad",
                             refused.message)
        return rjct(session, action, raw_header, False, digest, now, refused.reason,
                    refused.message, receiver=receiver)
    source, replayed_before = (repository.source_and_taken(session, header.sender_id,
                                                           header.message_id)
                               if header.sender_id else (None, False))
    if source is None or not source.active:
        return transport(session, action, raw_header, False, digest, "err.sender_id.invalid",
                         "the sender is not a registered civil registry")
    if header.receiver_id is not None and header.receiver_id != source.receiver_id:
        return transport(session, action, raw_header, True, digest, "err.receiver_id.invalid",
                         "the message is addressed to another receiver")
    try:
        signature.verify(signature.parse(envelope.signature),
                         _public_key(source.public_key),
                         header=raw_header, message=message, now=int(now.timestamp()))
    except signature.SignatureError as error:
        return transport(session, action, raw_header, True, digest,
                         error.code,  # type: ignore[arg-type]
                         error.reason)
    return Admitted(source=source, header=header, raw_header=raw_header, message=message or {},
                    digest=digest, action=action, replayed=replayed_before)


@lru_cache(maxsize=64)
def _public_key(text: str) -> Ed25519PublicKey:
    """A registered key, parsed once per process (keyed by its text: a new key is parsed anew)."""
    return signature.public_key_from_text(text)


def duplicate(session: Session, admitted: Admitted, now: datetime) -> Answer:
    """The answer to a `message_id` taken before (step 5)."""
    return rjct(session, admitted.action, admitted.raw_header, True, admitted.digest, now,
                "rjct.message_id.duplicate", "this message_id was already received",
                receiver=admitted.source.receiver_id, status=409)


def replayed(session: Session, admitted: Admitted, now: datetime) -> Answer | None:
    """Step 5 before reading the message: the refusal of a replay, or None."""
    return duplicate(session, admitted, now) if admitted.replayed else None


def message_row(admitted: Admitted, *, transaction_id: str | None, events: int) -> dict[str, Any]:
    """The row that keeps an admitted message as taken."""
    return {"id": uuid.uuid4(), "sender_id": admitted.source.sender_id, "known_sender": True,
            "message_id": admitted.header.message_id, "action": admitted.action,
            "transaction_id": transaction_id, "digest": admitted.digest, "outcome": "taken",
            "code": None, "events": events, "received_at": utcnow()}


def take(session: Session, admitted: Admitted, *, transaction_id: str | None,
         events: int = 0) -> CrvsMessage | None:
    """Keep the message as taken; None when a concurrent request took the same one first (the
    unique index on a taken `message_id` decides, in the one INSERT)."""
    row = message_row(admitted, transaction_id=transaction_id, events=events)
    if not repository.take_message(session, row):
        return None
    return CrvsMessage(**row)
