"""The kiosk card agent: one thread holds the card, the kiosk page reaches it over loopback.

Why this shape: a kiosk's browser cannot talk to the reader, and the PIN typed on its screen
must reach the chip without crossing the network. The agent holds the kiosk's device token,
waits for taps, verifies each card (`kiosk.tap`: offline checks, chip challenge-response, then
the service opens the session), keeps the session while the card stays on the reader and ends
it the moment the card leaves. The page asks it `GET /status` (idle, reading, session open,
card refused — in words) and `POST /pin`; only the card thread ever touches the card, so the
HTTP handlers hand PIN requests to it through a queue. While a session is open, `/status` also
carries the session's screen proof: the page hands it to the service, which shows a citizen's
views only to the screen holding it — the device token alone, from another machine, cannot.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from card_reader import pcsc
from card_reader.connection import Reader, SmartCardConnection
from card_reader.errors import (
    CardError,
    CardRemoved,
    InvalidPin,
    NoCard,
    PinBlocked,
    ServiceUnavailable,
    WrongPin,
)
from card_reader.issue import check_pin
from card_reader.kiosk import TrustStore, enter_pin, pin_proof, tap
from card_reader.local_http import LocalApi
from card_reader.service_client import HttpCardService, KioskSession
from redangel.card import format as card_format

log = logging.getLogger(__name__)
IDLE, READING, OPEN, REFUSED, ENDED, OFFLINE, ERROR = (
    "idle", "reading", "open", "refused", "ended", "offline", "error")
REFUSAL_SHOWN = 8.0  # seconds a refusal stays on the screen after the card left
PIN_WAIT = 15.0


def _words(error: CardError) -> dict[str, str]:
    return {lang: error.message(lang) for lang in ("es", "en")}


@dataclass
class _PinRequest:
    pin: str
    done: threading.Event = field(default_factory=threading.Event)
    answer: tuple[int, dict[str, Any]] = (503, {"ok": False, "code": "busy"})


class KioskAgent:
    """The agent's state and its card loop; `routes()` are what `LocalApi` serves."""

    def __init__(self, *, reader: Reader, service: HttpCardService, trust: TrustStore | None = None,
                 poll: float = 0.2, check_every: float = 2.0) -> None:
        self.reader, self.service = reader, service
        self.trust = trust or TrustStore()
        self.poll, self.check_every = poll, check_every
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"state": IDLE}
        self._shown_until = 0.0
        self._pins: queue.Queue[_PinRequest] = queue.Queue()
        self.stopping = threading.Event()

    # ---- what the page sees ----

    def _set(self, state: str, error: CardError | None = None, *, linger: float = 0.0,
             screen: str = "") -> None:
        with self._lock:
            self._state = {"state": state}
            if error is not None:
                self._state.update(code=error.code, message=_words(error))
            if screen:
                self._state["screen"] = screen
            self._shown_until = time.monotonic() + linger

    def status(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`GET /status`: what the reader is doing, in words for a refusal (no personal data);
        while a session is open, its screen proof, which the page hands to the service."""
        with self._lock:
            current = dict(self._state)
            if current["state"] == REFUSED and current.get("away") and \
                    time.monotonic() > self._shown_until:
                current = {"state": IDLE}
        current.pop("away", None)
        return 200, current

    def pin(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """`POST /pin {pin}`: verify on the chip, prove it to the service; ok, wrong or blocked."""
        pin = body.get("pin")
        if not isinstance(pin, str):
            pin = ""
        try:
            check_pin(pin)
        except InvalidPin as error:
            return 400, {"ok": False, "code": error.code, "message": _words(error)}
        with self._lock:
            open_now = self._state["state"] == OPEN
        if not open_now:
            return 409, {"ok": False, "code": "no_session", "message": _words(NoCard())}
        request = _PinRequest(pin)
        self._pins.put(request)
        if not request.done.wait(PIN_WAIT):
            return 503, {"ok": False, "code": "busy", "message": _words(ServiceUnavailable())}
        return request.answer

    def routes(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]]:
        """The loopback API's routes."""
        return {("GET", "/status"): self.status, ("POST", "/pin"): self.pin}

    # ---- the card thread ----

    def _unlock(self, connection: SmartCardConnection, request: _PinRequest) -> None:
        try:
            enter_pin(connection, request.pin)
            challenge = self.service.new_challenge()
            self.service.prove_pin(challenge_id=challenge.challenge_id,
                                   signature=pin_proof(connection, challenge.challenge))
            request.answer = (200, {"ok": True})
        except WrongPin as error:
            request.answer = (400, {"ok": False, "code": error.code,
                                    "tries": error.params.get("tries"), "message": _words(error)})
        except PinBlocked as error:
            request.answer = (400, {"ok": False, "code": error.code, "message": _words(error)})
        except CardError as error:
            request.answer = (400, {"ok": False, "code": error.code, "message": _words(error)})
        finally:
            request.done.set()

    def _refuse_pins(self) -> None:
        while True:
            try:
                request = self._pins.get_nowait()
            except queue.Empty:
                return
            request.answer = (409, {"ok": False, "code": "no_session", "message": _words(NoCard())})
            request.done.set()

    def _session_live(self) -> bool:
        """Whether the service still has this kiosk's card session (the screen may end it)."""
        try:
            answer = self.service.client.get("/api/v1/kiosk/sessions/current")
        except httpx.HTTPError:
            return True
        return answer.status_code != 404

    def _end(self, session: KioskSession) -> None:
        with contextlib.suppress(CardError, httpx.HTTPError):  # the service ends idle sessions too
            self.service.end_session(session.session_token)

    def _hold(self, connection: SmartCardConnection, session: KioskSession) -> None:
        """While the card stays: serve PIN requests, notice the screen ending the session."""
        self._set(OPEN, screen=session.screen_token)
        checked = time.monotonic()
        live = True
        try:
            while not self.stopping.is_set():
                try:
                    request = self._pins.get(timeout=self.poll)
                except queue.Empty:
                    request = None
                if request is not None:
                    if live:
                        self._unlock(connection, request)
                    else:
                        self._pins.put(request)
                        self._refuse_pins()
                if self.reader.wait_for_removal(0):
                    return
                if live and time.monotonic() - checked > self.check_every:
                    checked = time.monotonic()
                    if not self._session_live():
                        live = False
                        self._set(ENDED)
        finally:
            self._end(session)
            self._refuse_pins()

    def _await_removal(self) -> None:
        while not self.stopping.is_set() and not self.reader.wait_for_removal(self.poll):
            self._refuse_pins()

    def serve_one(self, timeout: float = 1.0) -> None:
        """Wait up to `timeout` s for a card and serve it until it leaves the reader."""
        try:
            self.trust.refresh(self.service)
        except card_format.CardFormatError as exc:  # a list that does not verify is not adopted
            log.warning("revocation list refused: %s", exc.code)
        try:
            connection = self.reader.wait_for_card(timeout)
        except NoCard:
            self._refuse_pins()
            return
        close = getattr(connection, "close", None)
        try:
            self._set(READING)
            try:
                result = tap(connection, self.service, self.trust)
            except CardRemoved:
                self._set(IDLE)
                return
            except CardError as error:
                self._set(REFUSED, error)
                self._await_removal()
                with self._lock:
                    self._state["away"] = True
                    self._shown_until = time.monotonic() + REFUSAL_SHOWN
                return
            if result.session is None:
                self._set(OFFLINE)
                self._await_removal()
            else:
                self._hold(connection, result.session)
            self._set(IDLE)
        finally:
            if callable(close):
                with contextlib.suppress(Exception):
                    close()

    def run(self) -> None:
        """The card loop: one card at a time, until `stopping` is set."""
        while not self.stopping.is_set():
            try:
                self.serve_one()
            except CardError as error:  # no reader, pcscd down: say so, try again shortly
                self._set(ERROR, error)
                self.stopping.wait(1.0)
            except Exception as exc:  # never let the one card thread die: report and go on
                log.error("kiosk card loop failed: %s", type(exc).__name__)
                self._set(ERROR, CardError(sw="—"))
                self.stopping.wait(1.0)


@dataclass
class RunningAgent:
    """A started agent: its card thread and its loopback API."""

    agent: KioskAgent
    api: LocalApi
    thread: threading.Thread

    def stop(self) -> None:
        """Stop the card loop and the API (the card's session ends if one is open)."""
        self.agent.stopping.set()
        self.thread.join(10)
        self.api.stop()


def start(*, service_url: str, device_token: str, reader: Reader, agent_url: str,
          page_origin: str | None = None) -> RunningAgent:
    """Start the agent in background threads: the card loop and the API at `agent_url`'s port."""
    client = httpx.Client(base_url=service_url, timeout=15,
                          headers={"Authorization": f"Bearer {device_token}"})
    agent = KioskAgent(reader=reader, service=HttpCardService(client))
    port = urlsplit(agent_url).port or 8790
    api = LocalApi(allowed_origin=page_origin or service_url, routes=agent.routes(), port=port).start()
    thread = threading.Thread(target=agent.run, daemon=True, name="kiosk-card")
    thread.start()
    return RunningAgent(agent, api, thread)


def run(*, service_url: str, device_token: str, reader_name: str, agent_url: str,
        page_origin: str | None = None) -> None:
    """Serve the kiosk until interrupted (what `redangel-card kiosk` runs)."""
    running = start(service_url=service_url, device_token=device_token,
                    reader=pcsc.PcscReader(reader_name), agent_url=agent_url,
                    page_origin=page_origin)
    try:
        while running.thread.is_alive():
            running.thread.join(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
