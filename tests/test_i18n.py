"""API messages read aloud, from the shared gettext catalogs: a count of one takes the singular
sentence."""

from __future__ import annotations

from redangel.common import catalogs
from redangel.i18n import MESSAGES, message


def test_one_second_is_said_in_the_singular() -> None:
    assert message("rate_limited", "es", retry_after=1) == (
        "Demasiadas solicitudes. Espere un segundo e intente de nuevo.")
    assert message("rate_limited", "en", retry_after=1) == "Too many requests. Wait one second and try again."


def test_other_counts_keep_the_number() -> None:
    assert message("rate_limited", "es", retry_after=4) == (
        "Demasiadas solicitudes. Espere 4 segundos e intente de nuevo.")


def test_every_code_is_said_in_spanish_from_the_catalogs() -> None:
    catalog = catalogs.read_catalog("es")
    for code, text in MESSAGES.items():
        entry = catalog.get(text[0] if isinstance(text, tuple) else text)
        assert entry is not None and entry.string, code


def test_a_mistyped_curp_is_explained_in_both_languages() -> None:
    assert message("curp_check_digit", "es").startswith("el último dígito no corresponde")
    assert message("curp_length", "en", length=17) == "the CURP has 17 characters; it must have 18"
