"""Every text people read, in Spanish (the default) and English, through gettext catalogs.

One mechanism for every surface: message ids are the English texts; Spanish lives in
`redangel/locale/es/LC_MESSAGES/*.po` — the pages' (`common`, `office`, `kiosk`, `public`), the
API's problem answers (`api`) and the card agents' (`card`). All of a language's files are read
once with Babel and compiled in memory (no build step, no `.mo` file to keep in step), with the
plural rule their headers declare. `tests/web/test_catalogs.py` proves every text has its
Spanish and no entry is unused, fuzzy or in two files.

The card agent imports this module (and only it, besides the card format and the city's clock),
so it stays small: the standard library and Babel.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
ENGLISH = gettext_module.NullTranslations()


def _(message: str) -> str:
    """Mark a text for translation where it is defined; it is translated when shown."""
    return message


def plural(singular: str, plural_text: str) -> tuple[str, str]:
    """Mark a text with a count for translation: the singular and the plural English ids."""
    return singular, plural_text


def catalog_files(lang: str) -> list[Path]:
    """The `.po` files of a language, in a stable order."""
    return sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po"))


def read_catalog(lang: str) -> Catalog:
    """Every entry of a language's `.po` files, merged into one catalog."""
    merged = Catalog(locale=lang, domain="messages")
    for path in catalog_files(lang):
        with path.open("rb") as handle:
            part = read_po(handle, locale=lang)
        if any(name.lower() == "plural-forms" for name, _ in part.mime_headers):
            merged.mime_headers = part.mime_headers  # the files' own plural rule, not Babel's CLDR one
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The compiled translations of a language (English: the message ids themselves)."""
    if lang == "en":
        return ENGLISH
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang))
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def gettext(lang: str, message: str) -> str:
    """A text in a language."""
    return translations(lang).gettext(message)


def ngettext(lang: str, forms: tuple[str, str], count: int) -> str:
    """A text with a count in a language: its singular or plural form, as the language says."""
    return translations(lang).ngettext(forms[0], forms[1], count)
