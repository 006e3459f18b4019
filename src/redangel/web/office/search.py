"""The search-first home: one box for a CURP, a name or a folio, posted (CURPs never in URLs).

What the clerk typed decides the search: a folio (`RA-7K3M-9QXT-Z`) opens the person it belongs
to, 18 letters and digits are a CURP, anything else is a name. Look-alike results are pointed
out, since a person registered twice is the registry's most expensive mistake.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from redangel.common.names import fold, within_one_edit
from redangel.common.types import BOROUGHS
from redangel.crypto.dependencies import KeyringDep
from redangel.db import DbSession
from redangel.errors import AppError
from redangel.person import search as person_search
from redangel.person.schemas import PersonBrief, SearchRequest
from redangel.program import service as programs
from redangel.web import i18n
from redangel.web.auth import OfficeUser
from redangel.web.office.forms import Form, Problems, problems_of, text
from redangel.web.templating import render

router = APIRouter()

_FOLIO = re.compile(r"^RA[0-9A-Z*~$=]{9}$")
_CURP = re.compile(r"^[A-ZÑ0-9]{18}$")


def kind_of(query: str) -> str:
    """What a clerk typed: 'folio', 'curp', 'name', 'unknown' (digits but neither) or ''."""
    compact = re.sub(r"[\s-]+", "", query.upper())
    if not compact:
        return ""
    if _FOLIO.match(compact):
        return "folio"
    if _CURP.match(compact) and any(ch.isdigit() for ch in compact):
        return "curp"
    if any(ch.isdigit() for ch in compact):
        return "unknown"
    return "name"


def look_alikes(items: list[PersonBrief]) -> list[tuple[PersonBrief, PersonBrief]]:
    """Pairs of results that may be one person registered twice: names one typo apart, or the
    same birth date with the same surnames."""
    keys = [fold(item.full_name) for item in items]
    pairs = []
    for i, first in enumerate(items):
        for j in range(i + 1, len(items)):
            second = items[j]
            same_words = sorted(keys[i].split()) == sorted(keys[j].split())
            if within_one_edit(keys[i], keys[j]) or same_words or (
                first.birth_date == second.birth_date
                and keys[i].split()[-2:] == keys[j].split()[-2:]
            ):
                pairs.append((first, second))
    return pairs


def _page(request: Request, *, query: dict[str, str], problems: Problems | None = None,
          results: list[PersonBrief] | None = None, more: bool = False,
          status: int = 200) -> Response:
    pairs = look_alikes(results or [])
    similar = {p.id for pair in pairs for p in pair}
    context: dict[str, Any] = {
        "nav": "search", "query": query, "problems": problems or Problems(),
        "results": results, "more": more, "pairs": pairs, "similar": similar,
        "boroughs": BOROUGHS,
    }
    return render(request, "office/home.html", context, status_code=status)


def home(request: Request) -> Response:
    """The search-first home page (routed at /office by `pages`)."""
    return _page(request, query={"q": "", "birth_date": "", "borough": ""})


@router.post("/search")
def search(request: Request, session: DbSession, principal: OfficeUser, keyring: KeyringDep,
           form: Form) -> Response:
    """Find a person by CURP, name or folio (with birth date and borough to narrow)."""
    lang = i18n.page_lang(request)
    query = {"q": text(form, "q", 200), "birth_date": text(form, "birth_date", 10),
             "borough": text(form, "borough", 32)}
    kind = kind_of(query["q"])
    if kind == "folio":
        try:
            app = programs.find_application(session, principal=principal, folio=query["q"])
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
    if kind == "unknown":
        return _page(request, query=query, status=422, problems=Problems(
            fields={"q": i18n.translate(
                lang, "This is not a CURP (18 letters and digits), a folio (RA-XXXX-XXXX-X) "
                      "or a name. Check what was typed.")}))
    body: dict[str, Any] = {"birth_date": query["birth_date"] or None,
                            "borough": query["borough"] or None}
    if kind == "curp":
        body["curp"] = re.sub(r"[\s-]+", "", query["q"].upper())
    elif kind == "name":
        body["name"] = query["q"]
    try:
        request_body = SearchRequest.model_validate(body)
        page = person_search.search(session, keyring=keyring, principal=principal,
                                    query=request_body)
    except (AppError, ValidationError) as error:
        problems = problems_of(error, lang)
        if "curp" in problems.fields or "name" in problems.fields:
            problems.fields["q"] = problems.fields.pop("curp", "") or problems.fields.pop("name", "")
        if "body" in problems.fields:
            problems = Problems(i18n.translate(
                lang, "Type a CURP, a name or a folio, or give a birth date or a borough."))
        return _page(request, query=query, problems=problems, status=422)
    return _page(request, query=query, results=page.items, more=page.next_cursor is not None)
