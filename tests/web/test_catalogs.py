"""Every text people read — pages, API problems, card agents — has a Spanish translation in the
gettext catalogs, and no catalog entry is left unused, fuzzy or in two files."""

from __future__ import annotations

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from redangel.web import i18n
from tests.conftest import ROOT


def _extracted() -> dict[str, list[str]]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "gettext": None,
                                                           "ngettext": (1, 2), "translate": (2,),
                                                           "plural": (1, 2)}):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural: its singular
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _translated(entry: object) -> bool:
    strings = getattr(entry, "string", None)
    forms = strings if isinstance(strings, tuple) else (strings,)
    return all(forms)


def test_pages_have_texts_to_translate() -> None:
    assert len(_extracted()) > 20


def test_every_page_text_has_a_spanish_translation() -> None:
    catalog = i18n.read_catalog("es")
    missing = {m: where for m, where in _extracted().items()
               if not _translated(catalog.get(m))}
    assert not missing, f"texts without a Spanish translation: {missing}"


def test_no_fuzzy_or_unused_entries() -> None:
    catalog = i18n.read_catalog("es")
    used = set(_extracted())
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    unused = [m.id for m in catalog if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not unused, f"catalog entries no page uses: {unused}"


def test_spanish_is_the_default_and_english_the_ids() -> None:
    assert i18n.translate("es", "Sign in") == "Entrar"
    assert i18n.translate("en", "Sign in") == "Sign in"


def test_each_text_lives_in_one_catalog() -> None:
    seen: dict[str, str] = {}
    twice = []
    for path in i18n.catalog_files("es"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.id in seen:
                    twice.append((message.id, seen[message.id], path.name))
                seen.setdefault(message.id, path.name)
    assert not twice, f"texts in two catalogs (keep shared ones in common.po): {twice}"
