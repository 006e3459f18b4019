"""The search-first home: one box for a CURP, a name or a folio, posted (CURPs never in URLs).

What the clerk typed is recognised by the person service (`person.search.recognise`): a folio
opens the person it belongs to, a CURP or a name is searched. This page only formats: exact
matches before approximate ones (each saying why it was found), how many persons match, and the
previous and next pages, walked with the service's keyset cursor (carried in the posted form,
since the search itself is posted).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from redangel.common.types import BOROUGHS
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.person import search as person_search
from redangel.person.schemas import SearchPage, SearchRequest
from redangel.program import service as programs
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.office.forms import Form, Problems, problems_of, text, texts
from redangel.web.templating import render

router = APIRouter()

PAGE_SIZE = 10
FIRST = "-"  # the first page's place in the trail of pages already seen (it has no cursor)


def _page(request: Request, *, query: dict[str, str], problems: Problems | None = None,
          found: SearchPage | None = None, trail: list[str] | None = None,
          status: int = 200, queue: dict[str, Any] | None = None) -> Response:
    trail = trail or []
    names = {item.id: item.full_name for item in found.items} if found else {}
    context: dict[str, Any] = {
        "nav": "search", "query": query, "problems": problems or Problems(),
        "found": found, "results": found.items if found else None, "names": names,
        "similar": {i for pair in (found.look_alikes if found else []) for i in
                    (pair.first, pair.second)},
        "boroughs": BOROUGHS, "trail": trail, "page_number": len(trail) + 1,
        "pages": -(-found.total // PAGE_SIZE) if found else 0, "queue": queue,
    }
    return render(request, "office/home.html", context, status_code=status)


def home(request: Request, *, queue: dict[str, Any] | None = None) -> Response:
    """The search-first home page (routed at /office by `pages`), with a supervisor's counts of
    the office's queue (`queue`: counts, kinds and more_than, as `program.service.queue` says)."""
    return _page(request, query={"q": "", "birth_date": "", "borough": "", "cursor": ""},
                 queue=queue)


def _trail(form: FormData) -> list[str]:
    return texts(form, "trail", 600)


@router.post("/search")
def search(request: Request, session: DbSession, principal: OfficeUser, keyring: KeyringDep,
           form: Form) -> Response:
    """Find a person by CURP, name or folio (with birth date and borough to narrow)."""
    lang = i18n.page_lang(request)
    query = {"q": text(form, "q", 200), "birth_date": text(form, "birth_date", 10),
             "borough": text(form, "borough", 32), "cursor": text(form, "cursor", 600)}
    typed = person_search.recognise(query["q"])
    if typed.kind == "folio":
        try:
            app = programs.find_application(session, principal=principal, folio=typed.value)
        except AppError as error:
            problems = problems_of(error, lang)
            if not error.fields:
                problems = Problems(i18n.translate(
                    lang, "No application has this folio, or it belongs to a person another "
                          "office attends. Check the folio with the citizen."))
            else:
                problems.fields = {"q": problems.fields.get("folio", "")}
            return _page(request, query=query, problems=problems, status=404)
        return RedirectResponse(f"/office/persons/{app.person_id}?suggest=follow_up", status_code=303)
    if typed.kind == "unknown":
        return _page(request, query=query, status=422, problems=Problems(
            fields={"q": i18n.translate(
                lang, "This is not a CURP (18 letters and digits), a folio (RA-XXXX-XXXX-X) "
                      "or a name. Check what was typed.")}))
    body: dict[str, Any] = {"birth_date": query["birth_date"] or None,
                            "borough": query["borough"] or None,
                            "cursor": query["cursor"] or None, "limit": PAGE_SIZE,
                            typed.kind or "name": typed.value or None}
    try:
        request_body = SearchRequest.model_validate(body)
        found = person_search.search(session, keyring=keyring, principal=principal,
                                     query=request_body)
    except (AppError, ValidationError) as error:
        problems = problems_of(error, lang)
        if "curp" in problems.fields or "name" in problems.fields:
            problems.fields["q"] = problems.fields.pop("curp", "") or problems.fields.pop("name", "")
        if "body" in problems.fields:
            problems = Problems(i18n.translate(
                lang, "Type a CURP, a name or a folio, or give a birth date or a borough."))
        return _page(request, query=query, problems=problems, status=422)
    return _page(request, query=query, found=found, trail=_trail(form))
