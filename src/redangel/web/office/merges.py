"""The data steward's pages at /office/merges: merge two registry records of one person, read a
merge (which record gave each field, what moved), and undo it.

Pages call the linkage service only; it checks the role, refuses what it cannot merge (a pair
said to be different persons, two CURPs, ...) in the same words the API gives, and audits each
merge and undoing. The pages show records by id only: no person's values.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.linkage import service as linkage
from redangel.linkage.schemas import MergeCreate, UnmergeIn
from redangel.web import i18n
from redangel.web.auth import StewardUser
from redangel.web.i18n import _
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.office.roll_labels import FIELDS as ROLL_FIELDS
from redangel.web.templating import render

router = APIRouter(prefix="/merges")

MERGE_REASONS: dict[str, str] = {
    "same_person_confirmed": _("The person confirmed both records are theirs"),
    "duplicate_registration": _("The person was registered twice"),
    "roll_import": _("An agency's roll brought the same person twice"),
    "other": _("Another reason"),
}
UNMERGE_REASONS: dict[str, str] = {
    "different_persons": _("They are two different persons"),
    "merged_by_mistake": _("The records were merged by mistake"),
    "other": _("Another reason"),
}
FIELDS: dict[str, str] = {
    **ROLL_FIELDS, "birth_state": _("State of birth"), "phone": _("Phone"), "email": _("Email"),
    "address": _("Address"), "deceased_on": _("Day of death"),
}
SOURCES: dict[str, str] = {"survivor": _("The record kept"), "absorbed": _("The record merged into it")}
RULES: dict[str, str] = {
    "trusted": _("from the record with the CURP (the more trusted)"),
    "newest": _("from the record changed last"),
    "filled": _("the other record had it empty"),
    "kept": _("the kept record's own"),
    "either": _("the earlier of the two"),
}
MOVED: dict[str, str] = {
    "enrollment": _("Program enrollments"), "application": _("Applications"),
    "delivery": _("Deliveries"), "card": _("Cards"),
    "household_membership": _("Household memberships"), "evaluation": _("Evaluations"),
    "outreach_contact": _("Outreach contacts"), "history_entry": _("History entries"),
}


def _index(request: Request, session: DbSession, principal: StewardUser, *,
           problems: Problems | None = None, values: dict[str, str] | None = None,
           status_code: int = 200) -> Response:
    return render(request, "office/merges.html", {
        "nav": "merges", "merges": linkage.recent(session, principal=principal),
        "reasons": MERGE_REASONS, "problems": problems or Problems(), "values": values or {}},
        status_code=status_code)


@router.get("")
def index(request: Request, session: DbSession, principal: StewardUser) -> Response:
    """The form to merge two records, and the latest merges."""
    return _index(request, session, principal)


@router.post("")
def merge(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
          form: Form) -> Response:
    """Merge the second record into the first; a refusal is shown beside the form."""
    values = {name: text(form, name, 64) for name in ("survivor_id", "absorbed_id", "reason")}
    try:
        data = MergeCreate.model_validate(values)
        row = linkage.merge(session, keyring=keyring, principal=principal, data=data)
    except (AppError, ValidationError) as error:  # refused before anything was written
        session.rollback()
        status = error.status if isinstance(error, AppError) else 422
        return _index(request, session, principal, problems=problems_of(error, i18n.page_lang(request)),
                      values=values, status_code=status)
    return RedirectResponse(f"/office/merges/{row.id}", status_code=303)


def _page(request: Request, session: DbSession, principal: StewardUser, merge_id: uuid.UUID, *,
          problems: Problems | None = None, status_code: int = 200) -> Response:
    found = linkage.read(linkage.get(session, principal=principal, merge_id=merge_id))
    return render(request, "office/merge.html", {
        "nav": "merges", "merge": found, "reasons": MERGE_REASONS, "unreasons": UNMERGE_REASONS,
        "fields": FIELDS, "sources": SOURCES, "rules": RULES, "moved": MOVED,
        "problems": problems or Problems()}, status_code=status_code)


@router.get("/{merge_id}")
def show(request: Request, session: DbSession, principal: StewardUser, merge_id: uuid.UUID) -> Response:
    """A merge: both records by id, which gave each field, what moved, and its undoing."""
    return _page(request, session, principal, merge_id)


@router.post("/{merge_id}/unmerge")
def unmerge(request: Request, session: DbSession, principal: StewardUser, keyring: KeyringDep,
            merge_id: uuid.UUID, form: Form) -> Response:
    """Undo the merge: both records as they were, and never merged again."""
    try:
        data = UnmergeIn.model_validate({"reason": text(form, "reason", 64)})
        linkage.unmerge(session, keyring=keyring, principal=principal, merge_id=merge_id, data=data)
    except (AppError, ValidationError) as error:
        session.rollback()
        status = error.status if isinstance(error, AppError) else 422
        return _page(request, session, principal, merge_id,
                     problems=problems_of(error, i18n.page_lang(request)), status_code=status)
    return RedirectResponse(f"/office/merges/{merge_id}", status_code=303)
