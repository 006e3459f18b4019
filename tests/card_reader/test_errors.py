"""Every refusal has a code and a Spanish and an English message; format errors map onto them."""

from __future__ import annotations

import inspect

import pytest

from card_reader import desk_agent, errors, pcsc
from redangel.card import format as card_format
from redangel.common import catalogs

ALL = [cls for _, cls in inspect.getmembers(errors, inspect.isclass)
       if issubclass(cls, errors.CardError)]


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_each_error_speaks_both_languages(kind: type[errors.CardError]) -> None:
    error = kind(tries=2, sw="6F00", detail="x")
    assert error.message("es") and error.message("en")
    assert error.message("es") != error.message("en")
    assert "{" not in error.message("es") + error.message("en")
    assert error.message() == error.message("es")


def test_codes_are_unique() -> None:
    codes = [kind.code for kind in ALL]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(("error", "kind"), [
    (card_format.Tampered(), errors.TamperedCard), (card_format.Malformed(), errors.MalformedCard),
    (card_format.UnknownKid("k9"), errors.UnknownIssuerKey),
    (card_format.Revoked(1), errors.CardRevoked),
])
def test_format_errors_map_to_card_errors(error: card_format.CardFormatError,
                                          kind: type[errors.CardError]) -> None:
    mapped = errors.from_format(error)
    assert type(mapped) is kind
    assert mapped.message("es") == error.message("es") and mapped.message("en") == error.message("en")


@pytest.mark.parametrize(("code", "kind"), [
    (0x8010001D, errors.PcscdNotRunning), (0x8010002E, errors.NoReader),
    (0x80100009, errors.NoReader), (0x80100069, errors.CardRemoved),
    (0x80100016, errors.CardRemoved), (0x80100067, errors.CardRemoved),
    (0x8010000B, errors.ReaderBusy),
])
def test_pcsc_codes_map_to_typed_errors(code: int, kind: type[errors.CardError]) -> None:
    assert type(pcsc.error_for(code)) is kind
    assert type(pcsc.error_for(code - 2**32)) is kind  # pyscard may hand them back signed


@pytest.mark.parametrize(("kind", "one", "two"), [
    (errors.WrongPin, "NIP incorrecto. Le queda 1 intento.", "NIP incorrecto. Le quedan 2 intentos."),
    (errors.WrongPuk, "PUK incorrecto. Queda 1 intento.", "PUK incorrecto. Quedan 2 intentos."),
])
def test_one_try_left_is_said_in_the_singular(kind: type[errors.CardError], one: str,
                                              two: str) -> None:
    assert kind(tries=1).message("es") == one
    assert kind(tries=2).message("es") == two
    assert kind(tries=1).message("en").endswith("1 try left.")


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_the_spanish_comes_from_the_shared_catalogs(kind: type[errors.CardError]) -> None:
    catalog = catalogs.read_catalog("es")
    entry = catalog.get(kind.text[0] if isinstance(kind.text, tuple) else kind.text)
    assert entry is not None and entry.string, kind.text


def test_the_agents_own_answers_speak_both_languages() -> None:
    said = errors.both(desk_agent._UNEXPECTED)
    assert said["es"].startswith("Ocurrió un error inesperado en el programa del lector.")
    assert said["en"] == desk_agent._UNEXPECTED
