"""API messages read aloud: a count of one takes the singular sentence."""

from __future__ import annotations

from redangel.i18n import message


def test_one_second_is_said_in_the_singular() -> None:
    assert message("rate_limited", "es", retry_after=1) == (
        "Demasiadas solicitudes. Espere un segundo e intente de nuevo.")
    assert message("rate_limited", "en", retry_after=1) == "Too many requests. Wait one second and try again."


def test_other_counts_keep_the_number() -> None:
    assert message("rate_limited", "es", retry_after=4) == (
        "Demasiadas solicitudes. Espere 4 segundos e intente de nuevo.")
