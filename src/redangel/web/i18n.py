"""Page texts through gettext catalogs: English message ids, Spanish (the default) translated.

The catalogs are the `.po` files under `redangel/locale/<lang>/LC_MESSAGES/`, one per surface
(`common.po`, `office.po`, `kiosk.po`, `public.po`) so each surface's texts are reviewed in one
place; the API's problem texts (`api.po`) and the card agents' (`card.po`) sit beside them and
are read by the same loader (`redangel.common.catalogs`), once, compiled in memory.
`tests/web/test_catalogs.py` proves every text has a Spanish translation and that no catalog
entry is left unused. This module adds what pages need: the language of a request and the
translations of the page being rendered.
"""

from __future__ import annotations

import contextvars
import gettext as gettext_module
from typing import Literal

from starlette.requests import Request

from redangel.common.catalogs import ENGLISH as _ENGLISH
from redangel.common.catalogs import _, catalog_files, read_catalog, translations

__all__ = ["LANGS", "LANG_COOKIE", "Lang", "_", "catalog_files", "gettext", "ngettext",
           "page_lang", "read_catalog", "reset", "translate", "translations", "use"]

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")
LANG_COOKIE = "redangel_lang"

_current: contextvars.ContextVar[gettext_module.NullTranslations | None] = contextvars.ContextVar(
    "redangel_translations", default=None)


def use(lang: str) -> contextvars.Token[gettext_module.NullTranslations | None]:
    """Make `lang` the language of `gettext` in this context (returns the token to reset)."""
    return _current.set(translations(lang))


def reset(token: contextvars.Token[gettext_module.NullTranslations | None]) -> None:
    """Undo `use`."""
    _current.reset(token)


def gettext(message: str) -> str:
    """Translate a text into the current language."""
    return (_current.get() or _ENGLISH).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a text with a count into the current language."""
    return (_current.get() or _ENGLISH).ngettext(singular, plural, n)


def translate(lang: str, message: str) -> str:
    """Translate a text into a given language (for texts built outside a page render)."""
    return translations(lang).gettext(message)


def page_lang(request: Request) -> Lang:
    """The language of a page: `?lang=`, then the language cookie, then the city's default.

    The browser's Accept-Language is not consulted: kiosks and office desktops are shared
    machines whose browser settings say nothing about the person in front of them.
    """
    asked = request.query_params.get("lang", "")
    if asked in LANGS:
        return "en" if asked == "en" else "es"
    cookie = request.cookies.get(LANG_COOKIE, "")
    if cookie in LANGS:
        return "en" if cookie == "en" else "es"
    default: Lang = getattr(request.app.state, "default_lang", "es")
    return default
