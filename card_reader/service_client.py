"""What the card flows need from the redangel service, and its HTTP client.

Why a protocol: the office and kiosk flows are tested through the real PC/SC stack against an
in-process fake service, and run in production against `HttpCardService` (httpx, with the
clerk's or the device's credentials configured on the `httpx.Client` passed in). The agent
never touches the database.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import httpx

from card_reader.errors import ServiceError, ServiceUnavailable, by_code


@dataclass(frozen=True)
class Issuance:
    """A started issuance: what to write on the card (`POST /cards/issuances`, 201)."""

    issuance_id: str
    serial: str
    generation: int
    payload: bytes
    puk: str
    expires_on: date


@dataclass(frozen=True)
class Confirmed:
    """An activated card (`POST /cards/issuances/{id}/confirm`, 200)."""

    serial: str
    status: str


@dataclass(frozen=True)
class IssuerKey:
    """An issuer public key by key id (`GET /cards/issuer-keys`)."""

    kid: str
    public_key: bytes
    status: str


@dataclass(frozen=True)
class Challenge:
    """A one-time challenge for a tapped card (`POST /kiosk/challenges`)."""

    challenge_id: str
    challenge: bytes


@dataclass(frozen=True)
class KioskSession:
    """The card holder's session (`POST /kiosk/sessions`, 201); `screen_token` is the proof the
    kiosk's own screen needs to show it (the agent hands it over on loopback only)."""

    session_token: str
    person_id: str
    expires_at: datetime
    screen_token: str = ""


class OfficeService(Protocol):
    """What issuing a card needs."""

    def start_issuance(self, *, person_id: str, card_public_key: bytes) -> Issuance:
        """Have the service sign a payload for this card key (the card stays pending)."""
        ...

    def confirm_issuance(self, *, issuance_id: str, payload_sha256: str) -> Confirmed:
        """Activate the card after everything was read back and matched."""
        ...

    def issuer_keys(self) -> list[IssuerKey]:
        """Every issuer public key."""
        ...


class KioskService(Protocol):
    """What a kiosk tap needs."""

    def issuer_keys(self) -> list[IssuerKey]:
        """Every issuer public key."""
        ...

    def revocations(self) -> bytes:
        """The signed revocation list."""
        ...

    def new_challenge(self) -> Challenge:
        """A one-time challenge for the tapped card."""
        ...

    def open_session(self, *, payload: bytes, challenge_id: str, signature: bytes) -> KioskSession:
        """Open the card holder's session (the service checks the card again)."""
        ...

    def end_session(self, session_token: str) -> None:
        """End the card holder's session (the card left the reader)."""
        ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class HttpCardService:
    """OfficeService and KioskService over the REST API (`/api/v1`)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            answer = self.client.request(method, f"/api/v1{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable() from exc
        if answer.status_code >= 500:
            raise ServiceUnavailable()
        if answer.status_code >= 400:
            try:
                body: dict[str, Any] = answer.json()
            except ValueError:
                body = {}
            known = by_code(str(body.get("code", "")))
            if known is not None:
                raise known
            raise ServiceError(detail=body.get("title") or f"HTTP {answer.status_code}",
                               status=answer.status_code)
        return answer

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = self._call(method, path, **kwargs).json()
        return body

    def start_issuance(self, *, person_id: str, card_public_key: bytes) -> Issuance:
        """POST /cards/issuances."""
        body = self._json("POST", "/cards/issuances",
                          json={"person_id": person_id, "card_public_key": _b64(card_public_key)})
        return Issuance(str(body["issuance_id"]), str(body["serial"]), int(body["generation"]),
                        base64.b64decode(body["payload"]), str(body["puk"]),
                        date.fromisoformat(body["expires_on"]))

    def confirm_issuance(self, *, issuance_id: str, payload_sha256: str) -> Confirmed:
        """POST /cards/issuances/{issuance_id}/confirm."""
        body = self._json("POST", f"/cards/issuances/{issuance_id}/confirm",
                          json={"payload_sha256": payload_sha256})
        return Confirmed(str(body["serial"]), str(body["status"]))

    def issuer_keys(self) -> list[IssuerKey]:
        """GET /cards/issuer-keys."""
        return [IssuerKey(str(k["kid"]), base64.b64decode(k["public_key"]), str(k["status"]))
                for k in self._json("GET", "/cards/issuer-keys")["keys"]]

    def revocations(self) -> bytes:
        """GET /cards/revocations (application/octet-stream)."""
        return self._call("GET", "/cards/revocations").content

    def new_challenge(self) -> Challenge:
        """POST /kiosk/challenges."""
        body = self._json("POST", "/kiosk/challenges")
        return Challenge(str(body["challenge_id"]), base64.b64decode(body["challenge"]))

    def open_session(self, *, payload: bytes, challenge_id: str, signature: bytes) -> KioskSession:
        """POST /kiosk/sessions."""
        body = self._json("POST", "/kiosk/sessions", json={
            "payload": _b64(payload), "challenge_id": challenge_id, "signature": _b64(signature)})
        return KioskSession(str(body["session_token"]), str(body["person_id"]),
                            datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00")),
                            str(body.get("screen_token") or ""))

    def prove_pin(self, *, challenge_id: str, signature: bytes) -> None:
        """POST /kiosk/sessions/current/pin-proof: the chip's proof that the PIN was verified."""
        self._call("POST", "/kiosk/sessions/current/pin-proof",
                   json={"challenge_id": challenge_id, "signature": _b64(signature)})

    def end_session(self, session_token: str) -> None:
        """DELETE /kiosk/sessions/current, authorized by the session token itself."""
        self._call("DELETE", "/kiosk/sessions/current",
                   headers={"Authorization": f"Bearer {session_token}"})
