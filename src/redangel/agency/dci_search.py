"""The DCI social-registry synchronous search (`POST /agency/dci/registry/sync/search`).

Read in the standard's order, each fault answered as the standard says:

1. a body that is not a DCI envelope, or an unreadable message → `HttpErrorResponse` 400
   (`err.request.bad`); an encrypted message → 400 (`err.encryption.invalid`: not taken);
2. the signature, when the agency registered a signing key → 401 (`err.signature.missing` or
   `err.signature.invalid`) unless it verifies over this header and message;
3. the header (version, timestamp, action, counts) → the `rjct` envelope with its reason code;
4. each search of the batch on its own → that search's `rjct` with its reason code, the
   others answered.

Every answer is signed with the registry's key. Persons are found within the agency's reach
(its programs' applicants and enrollees), shown through its allowlist, and each one shown is
audited; a search that finds nobody leaves one audit event too.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from redangel.agency import dci_query
from redangel.agency import repository as search_sql
from redangel.agency.dci_records import member
from redangel.agency.dci_schemas import (
    PAGE_SIZE_LIMIT,
    REASON_BY_FIELD,
    AnswerHeader,
    AnswerMessage,
    PageOut,
    Pagination,
    Records,
    SearchAnswer,
    SearchCriteria,
    SearchEnvelope,
    SearchItem,
    SearchMessage,
    TransportError,
    TransportErrors,
)
from redangel.audit import service as audit
from redangel.auth import service as auth_service
from redangel.auth.principal import Principal
from redangel.crypto.keyring import Keyring
from redangel.dci import signature
from redangel.dci.check import Refused, read_header
from redangel.dci.codes import TRANSPORT_STATUS
from redangel.dci.envelope import Envelope, RequestHeader, dump
from redangel.dci.keys import KEY_ID, registry_key
from redangel.person import fields as allow
from redangel.program.policy import agency_person_condition

DEFAULT_PAGE_SIZE = 20
MAX_SEARCHES = 100


@dataclass(frozen=True)
class Signer:
    """Who the registry is on the wire, and the secret its signing key comes from."""

    sender_id: str
    secret_key: str


class _Transport(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _verify(session: Session, principal: Principal, envelope: Envelope, now: int) -> None:
    key = auth_service.dci_key(session, client_id=principal.id)
    if key is None:
        return
    sender_id, public_text = key
    try:
        parsed = signature.parse(envelope.signature)
        if parsed.sender_id != sender_id:
            raise signature.SignatureError("err.signature.invalid", "signed by another sender")
        signature.verify(parsed, signature.public_key_from_text(public_text),
                         header=envelope.header, message=envelope.message, now=now)
    except signature.SignatureError as exc:
        raise _Transport(exc.code, f"signature: {exc.reason}") from exc


def _found(session: Session, *, keyring: Keyring, principal: Principal,
           item: SearchItem, at: datetime) -> SearchAnswer:
    fields = allow.allowed(principal.agency_code)
    criteria = SearchCriteria.model_validate(item.search_criteria)
    if criteria.reg_type is not None:
        raise dci_query.Unanswerable("rjct.search_criteria.invalid",
                                     "reg_type: the registry holds persons; leave reg_type out")
    if criteria.reg_event_type == "NewHouseHoldMember":
        raise dci_query.Unanswerable("rjct.search_criteria.invalid",
                                     "reg_event_type: only REGISTER is searched")
    if criteria.response_entity == "Group":
        raise dci_query.Unanswerable("rjct.search_criteria.invalid",
                                     "response_entity: the registry answers Member records")
    raw = item.search_criteria
    order = dci_query.order(raw.get("sort"), fields)
    try:
        paging = (Pagination.model_validate(raw["pagination"]) if raw.get("pagination")
                  else Pagination(page_size=DEFAULT_PAGE_SIZE))
    except ValidationError as exc:
        raise dci_query.Unanswerable(
            "rjct.pagination.invalid",
            f"pagination: page_size 1 to {PAGE_SIZE_LIMIT}, page_number from 1") from exc
    query = dci_query.read(criteria.query, fields)
    where = (search_sql.condition(query, lambda curp: keyring.blind_index("curp", curp))
             & agency_person_condition(principal.agency_code or ""))
    total = search_sql.count(session, where=where)
    rows = search_sql.page(session, where=where, order=order,
                           offset=(paging.page_number - 1) * paging.page_size,
                           limit=paging.page_size)
    records = [member(allow.view(row, person_id=row.id, keyring=keyring, fields=fields))
               for row in rows]
    audit.record_shown(session, principal=principal, action="agency.dci_search",
                       person_ids=[row.id for row in rows], purpose="program_administration")
    return SearchAnswer(reference_id=item.reference_id, timestamp=at, status="succ",
                        data=Records(reg_records=records),
                        pagination=PageOut(page_size=paging.page_size,
                                           page_number=paging.page_number, total_count=total),
                        locale=item.locale or "spa")


def _answer(session: Session, *, keyring: Keyring, principal: Principal, raw: dict[str, Any],
            seen: set[str], at: datetime) -> SearchAnswer:
    given = raw.get("reference_id")
    # The standard requires each answer to name its search: an unreadable reference is echoed
    # cut to the standard's length for identifiers (or empty), beside its reason.
    reference = given[:99] if isinstance(given, str) else ""
    try:
        item = SearchItem.model_validate(raw)
        if item.reference_id in seen:
            raise dci_query.Unanswerable("rjct.reference_id.duplicate",
                                         "reference_id: repeated in this message")
        seen.add(item.reference_id)
        return _found(session, keyring=keyring, principal=principal, item=item, at=at)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        reason = REASON_BY_FIELD.get(name, "rjct.search_criteria.invalid")
        where = ".".join(str(p) for p in first["loc"])
        return SearchAnswer(reference_id=reference, timestamp=at, status="rjct",
                            status_reason_code=reason,
                            status_reason_message=f"{where}: {first['msg']}"[:999])
    except dci_query.Unanswerable as exc:
        return SearchAnswer(reference_id=reference, timestamp=at, status="rjct",
                            status_reason_code=exc.reason, status_reason_message=exc.message)


def _signed(signer: Signer, header: AnswerHeader, message: AnswerMessage | None,
            now: int) -> SearchEnvelope:
    header_wire = dump(header)
    message_wire = dump(message) if message is not None else None
    text = signature.sign(registry_key(signer.secret_key), sender_id=signer.sender_id,
                          key_id=KEY_ID, header=header_wire, message=message_wire, now=now)
    return SearchEnvelope(signature=text, header=header, message=message)


def _rejected(signer: Signer, refused: Refused, header: dict[str, Any], at: datetime) -> SearchEnvelope:
    sender = header.get("sender_id")
    answer = AnswerHeader(
        message_id=str(uuid.uuid4()), message_ts=at, status="rjct",
        status_reason_code=refused.reason, status_reason_message=refused.message[:999],
        total_count=0, completed_count=0, sender_id=signer.sender_id,
        receiver_id=sender if isinstance(sender, str) and 0 < len(sender) <= 99 else None)
    return _signed(signer, answer, None, int(at.timestamp()))


def search(session: Session, *, keyring: Keyring, principal: Principal, signer: Signer,
           body: Any) -> tuple[int, SearchEnvelope | TransportErrors]:
    """Answer a sync search: the HTTP status and the signed `on-search`, or a transport error."""
    at = datetime.now(UTC)
    try:
        if not isinstance(body, dict):
            raise _Transport("err.request.bad", "the body is not a DCI message")
        try:
            envelope = Envelope.model_validate(body)
        except ValidationError as exc:
            raise _Transport("err.request.bad", "the body is not a DCI message: "
                             + ".".join(str(p) for p in exc.errors()[0]["loc"])) from exc
        _verify(session, principal, envelope, int(at.timestamp()))
        try:
            header = read_header(envelope.header, RequestHeader, action="search")
        except Refused as refused:
            if refused.reason is None:
                raise _Transport("err.request.bad", refused.message) from refused
            return 200, _rejected(signer, refused, envelope.header, at)
        if header.is_msg_encrypted:
            raise _Transport("err.encryption.invalid", "encrypted messages are not taken")
        if header.total_count > MAX_SEARCHES:
            return 200, _rejected(signer, Refused("rjct.total_count.limit_exceeded",
                                                  f"header.total_count: at most {MAX_SEARCHES}"),
                                  envelope.header, at)
        try:
            message = SearchMessage.model_validate(envelope.message or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise _Transport("err.request.bad", "message." + ".".join(
                str(p) for p in first["loc"]) + f": {first['msg']}") from exc
        if header.total_count != len(message.search_request):
            return 200, _rejected(signer, Refused(
                "rjct.total_count.invalid",
                "header.total_count: the number of searches in the message"), envelope.header, at)
    except _Transport as exc:
        return TRANSPORT_STATUS[exc.code], TransportErrors(
            errors=[TransportError(code=exc.code, message=exc.message[:999])])
    seen: set[str] = set()
    answers = [_answer(session, keyring=keyring, principal=principal, raw=raw, seen=seen, at=at)
               if isinstance(raw, dict) else
               SearchAnswer(reference_id="", timestamp=at, status="rjct",
                            status_reason_code="rjct.search_criteria.invalid",
                            status_reason_message="a search is a JSON object")
               for raw in message.search_request]
    out_header = AnswerHeader(
        message_id=str(uuid.uuid4()), message_ts=at, status="succ",
        total_count=len(answers), completed_count=sum(a.status == "succ" for a in answers),
        sender_id=signer.sender_id, receiver_id=header.sender_id)
    out_message = AnswerMessage(transaction_id=message.transaction_id,
                                correlation_id=str(uuid.uuid4()), search_response=answers)
    return 200, _signed(signer, out_header, out_message, int(at.timestamp()))
