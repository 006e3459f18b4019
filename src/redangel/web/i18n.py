"""Page texts through gettext catalogs: English message ids, Spanish (the default) translated.

The catalogs are the `.po` files under `redangel/locale/<lang>/LC_MESSAGES/`, one per surface
(`common.po`, `office.po`, `kiosk.po`) so each surface's texts are reviewed in one place. They are
read once at startup with Babel and compiled in memory: there is no build step and no binary
`.mo` file to keep in step. `tests/web/test_catalogs.py` proves every text a page can show has a
Spanish translation and that no catalog entry is left unused.
"""

from __future__ import annotations

import contextvars
import gettext as gettext_module
import io
from functools import cache
from pathlib import Path
from typing import Literal

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request

Lang = Literal["es", "en"]
LANGS: tuple[Lang, ...] = ("es", "en")
LANG_COOKIE = "redangel_lang"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

_ENGLISH = gettext_module.NullTranslations()
_current: contextvars.ContextVar[gettext_module.NullTranslations | None] = contextvars.ContextVar(
    "redangel_translations", default=None)


def catalog_files(lang: str) -> list[Path]:
    """The `.po` files of a language, in a stable order."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def read_catalog(lang: str) -> Catalog:
    """Every entry of a language's `.po` files, merged into one catalog."""
    merged = Catalog(locale=lang, domain="messages")
    for path in catalog_files(lang):
        with path.open("rb") as handle:
            part = read_po(handle, locale=lang)
        merged.mime_headers = part.mime_headers  # the files' own plural rule, not Babel's CLDR one
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled translations of a language (English: the message ids themselves)."""
    if lang == "en":
        return _ENGLISH
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang))
    buffer.seek(0)
    return Translations(buffer, domain="messages")


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


def _(message: str) -> str:
    """Mark a text for translation where it is defined; `gettext` translates it when shown."""
    return message


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
