"""Server-rendered pages: one Jinja environment, texts through gettext, safe by default.

Autoescaping is on for every template; texts are marked `{{ _("…") }}` (or `{% trans %}`) and
translated into the page's language at render time. `render` is the only way a page answers.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from redangel.common.clock import CITY_TZ
from redangel.web import i18n

TEMPLATES = Path(__file__).resolve().parent / "templates"

MONTHS = {
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


def long_date(value: date | datetime | str | None, lang: str) -> str:
    """A date as people write it: '3 de marzo de 2027' / 'March 3, 2027'."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    month = MONTHS["en" if lang == "en" else "es"][value.month - 1]
    if lang == "en":
        return f"{month} {value.day}, {value.year}"
    return f"{value.day} de {month} de {value.year}"


def long_datetime(value: datetime | str | None, lang: str) -> str:
    """A moment as '3 de marzo de 2027, 14:05' on the city's clock."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(CITY_TZ)
    return f"{long_date(value, lang)}, {value:%H:%M}"


def money(value: object, lang: str) -> str:
    """An amount in pesos: '$1,234.50'."""
    try:
        amount = float(str(value))
    except ValueError:
        return str(value)
    return f"${amount:,.2f}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True)
    return env


ENV = _environment()


def lang_url(request: Request, lang: str) -> str:
    """This page's address in another language."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page in the request's language; remembers a language chosen with `?lang=`."""
    lang = i18n.page_lang(request)
    token = i18n.use(lang)
    try:
        values: dict[str, Any] = {
            "request": request,
            "lang": lang,
            "other_lang": "en" if lang == "es" else "es",
            "lang_url": lambda other: lang_url(request, other),
            "long_date": lambda value: long_date(value, lang),
            "long_datetime": lambda value: long_datetime(value, lang),
            "money": lambda value: money(value, lang),
            "name_in": lambda names: (names or {}).get(lang) or (names or {}).get("es", ""),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "principal": getattr(request.state, "principal", None),
            **(context or {}),
        }
        body = ENV.get_template(template).render(values)
    finally:
        i18n.reset(token)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers["Content-Language"] = lang
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(i18n.LANG_COOKIE, lang, httponly=True, samesite="strict", path="/",
                            max_age=365 * 24 * 3600)
    return response
