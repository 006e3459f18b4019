"""The reader side through pcscd: reader names, refusals, the virtual card as a process."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from card_reader import apdu, cli, pcsc
from card_reader.cli import app
from card_reader.connection import Card
from card_reader.errors import NoCard, NoReader
from redangel.card import format as card_format
from tests.card_reader.fake_service import FakeService
from tests.card_reader.fixtures import ROOT, CardSlot

pytestmark = pytest.mark.pcsc


def test_readers_are_listed_and_chosen_by_name(pcscd: int | None) -> None:
    names = pcsc.list_readers()
    assert "Virtual PCD 00 00" in names and "Virtual PCD 00 01" in names
    assert pcsc.PcscReader("PCD 00 01").name == "Virtual PCD 00 01"
    with pytest.raises(NoReader) as missing:
        pcsc.PcscReader("Lector inexistente").wait_for_card(0.1)
    assert missing.value.message("es").startswith("No se encontró el lector")


def test_waiting_for_a_card_times_out_with_a_message(card_slot: CardSlot) -> None:
    started = time.monotonic()
    with pytest.raises(NoCard) as error:
        pcsc.wait_for_card(card_slot.reader, 0.3)
    assert 0.25 < time.monotonic() - started < 2
    assert "Acerque la tarjeta" in error.value.message("es")


def test_presence_follows_insertion_and_removal(card_slot: CardSlot) -> None:
    assert not pcsc.card_present(card_slot.reader)
    card_slot.insert()
    assert pcsc.card_present(card_slot.reader)
    card_slot.remove()
    assert not pcsc.card_present(card_slot.reader)


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")
def test_cli_lists_readers_in_both_languages(pcscd: int | None) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["readers"])
    assert result.exit_code == 0 and "Virtual PCD 00 00" in result.output
    refused = runner.invoke(app, ["unblock", "--reader", "nope", "--lang", "en"],
                            input="12345678\n1234\n1234\n")
    assert refused.exit_code == 1 and "No card reader was found" in refused.output
    spanish = runner.invoke(app, ["unblock", "--reader", "nope"], input="12345678\n1234\n1234\n")
    assert "No se encontró el lector" in spanish.output
    english = runner.invoke(app, ["unblock", "--reader", "nope"], input="12345678\n1234\n1234\n",
                            env={"REDANGEL_LANG": "en"})
    assert "No card reader was found" in english.output
    mismatch = runner.invoke(app, ["unblock", "--reader", "nope"], input="12345678\n1234\n4321\n")
    assert mismatch.exit_code == 1 and "coincidir" in mismatch.output


def test_virtual_card_process_keeps_its_memory_in_a_file(card_slot: CardSlot, tmp_path: Path) -> None:
    state = tmp_path / "card.json"
    command = [sys.executable, "-m", "card_reader.virtual_card", "--port", str(card_slot.port),
               "--state", str(state)]
    for attempt in range(2):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert process.stdout is not None and "vpcd" in process.stdout.readline()
            with card_slot.connect() as connection:
                card = Card(connection)
                card.select()
                if attempt == 0:
                    key = card.run(apdu.generate_key())
                else:  # the same chip after removal and a new process: it signs with the same key
                    assert card.run(apdu.get_lifecycle()) == bytes([apdu.LCS_PERSONALIZING])
                    signature = card.run(apdu.internal_authenticate(b"n" * 32))
                    assert card_format.verify_challenge(key, b"n" * 32, signature)
        finally:
            process.terminate()
            process.wait(5)
        assert pcsc.wait_for_removal(card_slot.reader, 5)


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")
def test_cli_issues_the_card_on_the_reader(card_slot: CardSlot, service: FakeService,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    card = card_slot.insert()
    monkeypatch.setattr(cli, "_client", lambda url, token: service)
    result = CliRunner().invoke(app, ["issue", "--person-id", str(uuid.uuid4()), "--token", "t",
                                      "--reader", card_slot.reader], input="2468\n2468\n")
    assert result.exit_code == 0, result.output
    assert "Tarjeta activada" in result.output and card.memory.lifecycle == apdu.LCS_ACTIVATED
