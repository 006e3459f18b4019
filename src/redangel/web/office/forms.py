"""What the office pages share: the posted form, the services' errors in words, small helpers.

Pages take their input from HTML forms and answer with HTML: a refused value is shown beside its
field in the page's language, with the same message codes the API uses (`redangel.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse

from redangel.common import clock
from redangel.errors import AppError, validation_to_app_error
from redangel.i18n import message
from redangel.web import i18n
from redangel.web.templating import render

MAX_VALUE = 256


async def _form(request: Request) -> FormData:
    """The posted form (already read, and cached, by the CSRF check)."""
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def text(form: FormData, name: str, limit: int = MAX_VALUE) -> str:
    """A form field as trimmed text ('' when absent), cut to a sane length."""
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def texts(form: FormData, name: str, limit: int = 64) -> list[str]:
    """Every value of a repeated form field (checkboxes, hidden lists)."""
    return [v.strip()[:limit] for v in form.getlist(name)[:50] if isinstance(v, str) and v.strip()]


@dataclass
class Problems:
    """Why a form was refused: one sentence for the page and one reason per field."""

    summary: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.summary or self.fields)


def problems_of(error: AppError | ValidationError, lang: i18n.Lang) -> Problems:
    """A service error or a refused payload, in the page's language."""
    if isinstance(error, ValidationError):
        error = validation_to_app_error(RequestValidationError(error.errors()))
    found = Problems(message(error.code, lang, **error.params))
    for item in error.fields:  # keyed by the form's field name: `address.borough` -> `borough`
        found.fields.setdefault(item.field.rsplit(".", 1)[-1],
                                message(item.code, lang, **item.params))
    return found


def age_of(born: date | None, today: date | None = None) -> int | None:
    """Completed years since a birth date."""
    if born is None:
        return None
    today = today or clock.city_today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def city_day(value: date) -> date:
    """The day, on the city's clock, of a date or of a moment the services give in UTC."""
    if isinstance(value, datetime):
        return clock.city_day(value)
    return value


def message_page(request: Request, *, status: int, detail: str, home: str = "/office",
                 fields: list[tuple[str, str]] | None = None) -> HTMLResponse:
    """The plain error page with a sentence the clerk can act on, and the way back."""
    return render(request, "error.html", {"status": status, "detail": detail, "fields": fields or [],
                                          "home": home}, status_code=status)


def strip_empty(data: dict[str, Any]) -> dict[str, Any]:
    """A payload without the fields the clerk left blank (nested dicts too)."""
    out: dict[str, Any] = {}
    for key, raw in data.items():
        value = strip_empty(raw) if isinstance(raw, dict) else raw
        if value not in ("", None, {}):
            out[key] = value
    return out
