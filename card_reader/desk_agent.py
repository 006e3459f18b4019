"""The office desk's card agent: issues cards for the console's page, over loopback HTTP.

Why a process beside the reader (docs/decisions/2026-12-01-card-agents-on-loopback.md): the
browser cannot reach a card reader, and the PIN the citizen chooses must go from the page to the
chip without crossing the network. The page posts `POST /issue {person_id, pin, pin_repeat}`;
the agent runs `issue.issue_card` in a background thread, talking to the service with the
clerk's session (`HttpCardService`), and the page polls `GET /status` for the reader, the card
and the job's progress: waiting for the card → writing → checking → activated (with the serial
and the PUK for the slip), or the error in Spanish and English. One job at a time; the PIN is
held only by the job's thread, never stored in the job nor logged. `LocalApi` refuses any
Origin but the service's.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from card_reader import apdu, pcsc
from card_reader.connection import SmartCardConnection
from card_reader.errors import (
    CardError,
    InvalidPin,
    NoCard,
    ServiceError,
    ServiceUnavailable,
    StaffSessionRefused,
    both,
)
from card_reader.issue import Issued, Journal, check_pin, issue_card
from card_reader.local_http import LocalApi
from card_reader.service_client import HttpCardService, OfficeService
from redangel.common.catalogs import _

log = logging.getLogger(__name__)
STEPS = ("waiting_card", "writing", "checking", "activated")
DEFAULT_PORT = 8791
_ACTIVATE = apdu.activate().ins
_UNEXPECTED = _("The card reader program had an unexpected error. Try again; if it persists, "
                "tell support.")


def words(error: CardError) -> dict[str, str]:
    """A card error as the page shows it: its code and its text in each language."""
    return {"code": error.code, **{lang: error.message(lang) for lang in ("es", "en")}}


class Slot(Protocol):
    """The desk's reader as the agent needs it."""

    def state(self) -> tuple[str | None, bool]:
        """The reader's full name (None when absent) and whether a card is on it."""
        ...

    def connect(self, timeout: float, cancelled: threading.Event) -> contextlib.AbstractContextManager[
            SmartCardConnection]:
        """Wait for a card (NoCard on timeout or when cancelled) and connect to it exclusively."""
        ...


class PcscSlot:
    """The desk's reader through pcscd, chosen by part of its name."""

    def __init__(self, name_part: str) -> None:
        self.name_part = name_part

    def state(self) -> tuple[str | None, bool]:
        """The reader's name and whether a card is on it (NoReader / pcscd errors propagate)."""
        with pcsc.Context() as context:
            name = context.reader(self.name_part)
        return name, pcsc.card_present(self.name_part)

    def connect(self, timeout: float, cancelled: threading.Event) -> contextlib.AbstractContextManager[
            SmartCardConnection]:
        """Wait for a card in one-second slices, so that stopping the agent ends the wait."""
        deadline = time.monotonic() + timeout
        while not cancelled.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                return pcsc.wait_for_card(self.name_part, min(1.0, left), exclusive=True)
            except NoCard:
                continue
        raise NoCard()


@dataclass
class Job:
    """One issuance the page asked for, as the page sees it (no PIN in here)."""

    person_id: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    step: str = "waiting_card"
    state: str = "running"  # running | done | failed
    result: dict[str, Any] | None = None
    error: dict[str, str] | None = None

    def view(self) -> dict[str, Any]:
        """The job as `GET /status` answers it."""
        return {"id": self.id, "person_id": self.person_id, "step": self.step, "state": self.state,
                "steps": list(STEPS), "result": self.result, "error": self.error}


class _Watched:
    """The card connection, telling the job when the card was locked and is being checked."""

    def __init__(self, connection: SmartCardConnection, job: Job) -> None:
        self.connection, self.job = connection, job

    def send_and_receive(self, command: bytes) -> tuple[bytes, int]:
        data, sw = self.connection.send_and_receive(command)
        if len(command) > 1 and command[1] == _ACTIVATE and sw == apdu.SW.OK:
            self.job.step = "checking"
        return data, sw


class DeskAgent:
    """Serves `GET /status` and `POST /issue` to the office console's page, on loopback."""

    def __init__(self, *, service: OfficeService, reader: str | Slot, signed_in_as: dict[str, Any],
                 allowed_origin: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 card_timeout: float = 120.0, journal: Journal | None = None) -> None:
        self.service = service
        self.slot: Slot = PcscSlot(reader) if isinstance(reader, str) else reader
        self.signed_in_as = signed_in_as
        self.card_timeout = card_timeout
        self.journal = journal if journal is not None else Journal()
        self.job: Job | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None
        self.api = LocalApi(allowed_origin=allowed_origin, host=host, port=port, routes={
            ("GET", "/status"): self.status, ("POST", "/issue"): self.issue})

    @property
    def url(self) -> str:
        """Where the page reaches the agent."""
        return self.api.url

    def start(self) -> DeskAgent:
        """Serve in a background thread."""
        self.api.start()
        return self

    def stop(self) -> None:
        """Stop serving; a job waiting for a card gives up within a second."""
        self._stopping.set()
        self.api.stop()
        if self._worker is not None:
            self._worker.join(timeout=10)

    def status(self, _body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The reader, the card on it, who the agent acts for, and the current job."""
        answer: dict[str, Any] = {"reader": None, "reader_present": False, "card_present": False,
                                  "reader_error": None, "signed_in_as": self.signed_in_as,
                                  "busy": self.busy, "job": self.job.view() if self.job else None}
        try:
            answer["reader"], answer["card_present"] = self.slot.state()
            answer["reader_present"] = True
        except CardError as error:
            answer["reader_error"] = words(error)
        return 200, answer

    @property
    def busy(self) -> bool:
        """Whether a card is being issued now."""
        return self.job is not None and self.job.state == "running"

    def issue(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Start issuing a card for a person with the PIN the citizen typed twice."""
        person_id, pin, repeated = body.get("person_id"), body.get("pin"), body.get("pin_repeat")
        try:
            person = str(uuid.UUID(str(person_id)))
        except ValueError:
            return 400, {"error": "person_invalid", "message": both(
                _("The person the card is for is missing; open their record again."))}
        if not isinstance(pin, str) or not isinstance(repeated, str):
            return 400, {"error": InvalidPin.code, "message": words(InvalidPin())}
        try:
            check_pin(pin, repeated)
        except InvalidPin as error:
            return 400, {"error": error.code, "message": words(error)}
        with self._lock:
            if self.busy:
                return 409, {"error": "busy", "message": both(
                    _("A card is already being issued at this desk; wait until it finishes."))}
            job = self.job = Job(person_id=person)
            self._worker = threading.Thread(target=self._run, args=(job, pin), daemon=True,
                                            name="desk-issue")
            self._worker.start()
        return 202, {"job": job.view()}

    def _run(self, job: Job, pin: str) -> None:
        try:
            with self.slot.connect(self.card_timeout, self._stopping) as connection:
                job.step = "writing"
                issued = issue_card(_Watched(connection, job), self.service, person_id=job.person_id,
                                    pin=pin, journal=self.journal)
            job.result = _slip(issued)
            job.step, job.state = "activated", "done"
        except CardError as error:
            job.error, job.state = words(error), "failed"
        except Exception:  # a bug or an unforeseen failure: said in words, logged without data
            log.exception("card issuance failed unexpectedly")
            job.error, job.state = {"code": "internal", **both(_UNEXPECTED)}, "failed"


def _slip(issued: Issued) -> dict[str, Any]:
    return {"serial": issued.serial, "puk": issued.puk, "generation": issued.generation,
            "expires_on": issued.expires_on.isoformat(), "resumed": issued.resumed}


def signed_in_as(client: httpx.Client) -> dict[str, Any]:
    """Who the clerk's token belongs to (`GET /api/v1/auth/me`); a refused token is said in words."""
    try:
        answer = client.get("/api/v1/auth/me")
    except httpx.HTTPError as exc:
        raise ServiceUnavailable() from exc
    if answer.status_code == 401:
        raise StaffSessionRefused()
    if answer.status_code != 200:
        raise ServiceError(detail=f"HTTP {answer.status_code}")
    me: dict[str, Any] = answer.json()
    if me.get("role") not in ("clerk", "supervisor"):
        raise StaffSessionRefused()
    return {"role": me["role"], "user_id": me.get("id"), "office_id": me.get("office_id")}


@contextlib.contextmanager
def running(*, service: str, token: str, reader: str = "Virtual PCD 00 00",
            origin: str | None = None, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
            card_timeout: float = 120.0) -> Iterator[DeskAgent]:
    """A started desk agent acting for the clerk whose session token is given."""
    client = httpx.Client(base_url=service, timeout=15, headers={"Authorization": f"Bearer {token}"})
    try:
        agent = DeskAgent(service=HttpCardService(client), reader=reader,
                          signed_in_as=signed_in_as(client), allowed_origin=origin or service,
                          host=host, port=port, card_timeout=card_timeout)
        agent.start()
        try:
            yield agent
        finally:
            agent.stop()
    finally:
        client.close()


def serve(*, service: str, token: str, reader: str = "Virtual PCD 00 00", origin: str | None = None,
          host: str = "127.0.0.1", port: int = DEFAULT_PORT, card_timeout: float = 120.0) -> None:
    """Run the desk agent until interrupted (the `redangel-card desk` command).

    `origin` is the service's address as the desk's browser sees it (default: `service`).
    Raises CardError (say `message(lang)`) when the token is refused or the service is down.
    """
    stop = threading.Event()
    with running(service=service, token=token, reader=reader, origin=origin, host=host, port=port,
                 card_timeout=card_timeout), contextlib.suppress(KeyboardInterrupt):
        stop.wait()
