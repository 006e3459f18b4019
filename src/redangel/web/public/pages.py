"""The public screening page at /screening: a few questions, no identity, nothing stored.

Anyone (at home, or at a kiosk without a card) answers an age, where and since when they live
in the city and a few facts; the life-event engine says which programs might apply, with its
reasons, and where to go. No name, CURP or birth date is asked; the answers are not stored and
are sent by POST, so they never appear in an address. Works without JavaScript.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from redangel.common.clock import city_today
from redangel.errors import AppError
from redangel.i18n import message
from redangel.lifeevent import service as lifeevents
from redangel.lifeevent.schemas import ScreeningRequest
from redangel.web import answers, i18n
from redangel.web.i18n import _
from redangel.web.public.choices import BOROUGHS, CHOICES, FACT_FIELDS
from redangel.web.templating import render

router = APIRouter(prefix="/screening", include_in_schema=False)

Short = Annotated[str, Form(max_length=40)]
MAX_CHILDREN = 10
REQUIRED = _("Please answer this question for the life event you chose.")


def _events(catalog: Any) -> list[dict[str, Any]]:
    return [e.to_dict() for e in sorted(catalog.events.values(), key=lambda e: e.label.es)]


def _page(request: Request, *, values: dict[str, str], errors: dict[str, str],
          results: list[dict[str, Any]] | None, status_code: int = 200) -> Response:
    catalog = request.app.state.catalog
    return render(request, "public/screening.html", {
        "values": values, "errors": errors, "results": results, "events": _events(catalog),
        "boroughs": BOROUGHS, "choices": CHOICES, "kiosk": values.get("kiosk") == "1",
    }, status_code=status_code)


@router.get("")
def form(request: Request) -> Response:
    """The questions, empty."""
    kiosk = "1" if request.query_params.get("kiosk") == "1" else ""
    return _page(request, values={"kiosk": kiosk, "event": ""}, errors={}, results=None)


def _whole(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return None
    number = int(text)
    return number if low <= number <= high else None


def _person(values: dict[str, str], errors: dict[str, str], lang: str) -> dict[str, Any]:
    """The person's facts from the form; what is wrong goes into `errors` by field."""
    person: dict[str, Any] = {}
    if not values["age"].strip():
        errors["age"] = i18n.translate(lang, "Tell us the age, a whole number from 0 to 120.")
    elif (age := _whole(values["age"], 0, 120)) is None:
        errors["age"] = i18n.translate(lang, "The age must be a whole number from 0 to 120.")
    else:
        person["age"] = age
    if values["lives_in_city"] not in ("yes", "no"):
        errors["lives_in_city"] = i18n.translate(lang, "Say whether the person lives in Mexico City.")
    elif values["lives_in_city"] == "yes":
        if values["borough"] not in BOROUGHS:
            errors["borough"] = i18n.translate(lang, "Choose the borough where the person lives.")
        else:
            person["borough"] = values["borough"]
        if values["since"].strip():
            year = _whole(values["since"], 1900, city_today().year)
            if year is None:
                errors["since"] = i18n.translate(
                    lang, "Write a year from 1900 to this year, or leave it empty.")
            else:
                person["resident_since"] = date(year, 1, 1)
    income, reason = answers.parse("money", values["income"])
    if reason is not None or (income is not None and not 0 <= income <= 10_000_000):
        errors["income"] = i18n.translate(
            lang, "Write the monthly income in pesos, for example 4500, or leave it empty.")
    elif income is not None:
        person["monthly_income"] = income
    for name, fact in FACT_FIELDS.items():
        chosen = values.get(name, "")
        if chosen in ("yes", "no") and name in ("studying", "pregnant"):
            person[fact] = chosen == "yes"
        elif chosen and chosen in dict(CHOICES.get(name, ())):
            person[fact] = chosen
    return person


def _children(values: dict[str, str], errors: dict[str, str], lang: str) -> list[dict[str, Any]]:
    text = values["children"].strip()
    if not text:
        return []
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    ages = [_whole(p, 0, 120) for p in parts]
    if len(parts) > MAX_CHILDREN or any(a is None for a in ages):
        errors["children"] = i18n.translate(
            lang, "Write the ages as numbers separated by commas, for example 3, 7 (10 at most).")
        return []
    return [{"age": a, "relationship": "child"} for a in ages]


def _answers(event: Any, form: Any, values: dict[str, str], errors: dict[str, str],
             lang: i18n.Lang) -> dict[str, Any]:
    """The life event's answers, read by the one form-answer parser the office uses too."""
    asked = [answers.Asked(f"q_{q.name}", answers.kind_of(q.type, q.options), q.options, q.required)
             for q in (event.questions if event is not None else [])]

    def get(name: str) -> str:
        raw = form.get(name, "")
        return raw.strip()[:40] if isinstance(raw, str) else ""

    typed_answers, typed, refused = answers.read(asked, get, lang, required=REQUIRED)
    values.update(typed)
    errors.update(refused)
    return {name.removeprefix("q_"): str(value) if isinstance(value, Decimal) else value
            for name, value in typed_answers.items()}


@router.post("")
async def screen(request: Request, age: Short = "", lives_in_city: Short = "", borough: Short = "",
                 since: Short = "", income: Short = "", children: Annotated[str, Form(max_length=60)] = "",
                 event: Annotated[str, Form(max_length=48)] = "", kiosk: Short = "",
                 sex: Short = "", marital_status: Short = "", employment_status: Short = "",
                 studying: Short = "", schooling_level: Short = "", school_sector: Short = "",
                 disability: Short = "", health_coverage: Short = "", pregnant: Short = "") -> Response:
    """Screen the answers: the programs that might apply, with reasons; nothing is stored."""
    lang = i18n.page_lang(request)
    catalog = request.app.state.catalog
    values = {"age": age, "lives_in_city": lives_in_city, "borough": borough, "since": since,
              "income": income, "children": children, "event": event, "kiosk": kiosk,
              "sex": sex, "marital_status": marital_status, "employment_status": employment_status,
              "studying": studying, "schooling_level": schooling_level,
              "school_sector": school_sector, "disability": disability,
              "health_coverage": health_coverage, "pregnant": pregnant}
    errors: dict[str, str] = {}
    if event and event not in catalog.events:
        errors["event"] = i18n.translate(lang, "Choose a life event from the list.")
    person = _person(values, errors, lang)
    household = _children(values, errors, lang)
    given = _answers(catalog.events.get(event), await request.form(), values, errors, lang)
    if errors:
        return _page(request, values=values, errors=errors, results=None, status_code=422)
    try:
        data = ScreeningRequest(event_code=event or None, person=person, household=household,
                                answers=given)
        result = lifeevents.screen(catalog=catalog, data=data).to_dict()
    except ValidationError as exc:
        for problem in exc.errors():
            field = str(problem["loc"][1]) if len(problem["loc"]) > 1 else "form"
            errors[field if field in values else "form"] = i18n.translate(
                lang, "This answer is not valid; please check it.")
        return _page(request, values=values, errors=errors, results=None, status_code=422)
    except AppError as error:
        errors["form"] = "; ".join(message(f.code, lang, **f.params) for f in error.fields) or \
            message(error.code, lang, **error.params)
        return _page(request, values=values, errors=errors, results=None, status_code=422)
    return _page(request, values=values, errors={}, results=result.get("results", []))
